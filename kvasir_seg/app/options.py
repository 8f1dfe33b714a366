"""The command line's vocabulary: parsers with examples, the options the commands share
(datasets, archive, predictions, threshold, JSON), :class:`UsageError`, and the archive the
options name.

>>> from kvasir_seg.app.options import specs_from_names
>>> [spec.name for spec in specs_from_names(["all"])]
['kvasir_seg', 'kvasir_sessile', 'kvasir_capsule_seg', 'kvasir_instrument']
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from kvasir_seg.catalog import DATASETS, DatasetSpec, get_spec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.extras import install_command
from kvasir_seg.store import STORE_VARIABLE

PROG = "kvasir-seg"

#: Environment variable naming the archive store, where ``download`` puts the archives and
#: where every command looks for them when ``--data-dir`` is not given.
#: That folder when the variable is not set (under ``$XDG_CACHE_HOME`` when that is set).
DEFAULT_DATA_DIR = "~/.cache/kvasir_seg/archives"

#: Probability above which a predicted pixel is polyp, unless --threshold says otherwise.
DEFAULT_THRESHOLD = 0.5


def dataset_names() -> str:
    """The names of the catalog's datasets, for messages (``kvasir_seg, kvasir_sessile, ...``)."""
    return ", ".join(DATASETS)


class UsageError(KvasirSegError):
    """A command line that parses but asks for something impossible."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def add_command(
    subparsers: Any, command: ModuleType, parents: list[argparse.ArgumentParser]
) -> argparse.ArgumentParser:
    """Add the subcommand a module of :mod:`kvasir_seg.app.commands` describes.

    The module holds ``NAME``, ``SUMMARY``, ``DESCRIPTION``, ``EXAMPLES`` (command lines
    without the program name, shown at the end of ``--help``), ``add_arguments(parser)``
    and ``run(args) -> int``.
    """
    epilog = "examples:\n" + "\n".join(f"  {PROG} {example}" for example in command.EXAMPLES)
    parser = subparsers.add_parser(
        command.NAME,
        help=command.SUMMARY,
        description=textwrap.fill(command.DESCRIPTION, width=78),
        epilog=epilog,
        parents=parents,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_arguments(parser)
    parser.set_defaults(run=command.run)
    return parser


def add_flag(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    """An on/off option, off by default."""
    parser.add_argument(name, action="store_true", help=help_text)


def dataset_name(value: str) -> str:
    """argparse type of a dataset name: one of the three (hyphens accepted), or ``all``."""
    if value.strip().lower() == "all":
        return "all"
    try:
        return get_spec(value).name
    except KvasirSegError:
        raise argparse.ArgumentTypeError(
            f"unknown dataset {value!r}; choose one of: {dataset_names()} (or all)"
        ) from None


def single_dataset(value: str) -> str:
    """argparse type of exactly one dataset name (``all`` is refused)."""
    name = dataset_name(value)
    if name == "all":
        raise argparse.ArgumentTypeError(f"name one dataset: {dataset_names()}")
    return name


def specs_from_names(names: Iterable[str]) -> list[DatasetSpec]:
    """The specs of ``names`` in catalog order, without repeats; ``all`` means every one."""
    wanted = set(names)
    return [spec for spec in DATASETS.values() if "all" in wanted or spec.name in wanted]


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    """``NAME... | all``, for commands that work on several datasets."""
    parser.add_argument(
        "names",
        nargs="+",
        type=dataset_name,
        metavar="NAME",
        help=f"dataset(s): {dataset_names()}, or all",
    )


def add_config_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--config",
        metavar="C",
        help=f"config of the dataset ({what}); kvasir_seg has official and pranet",
    )


def add_archive_arguments(parser: argparse.ArgumentParser) -> None:
    """``--data-dir``, ``--no-verify``, ``--ca-bundle``: where the archive is, how to check it."""
    parser.add_argument(
        "--data-dir",
        metavar="PATH",
        help=(
            "the downloaded zip, the folder holding it, or the folder it extracts to; "
            "remembered in the archive store for later commands (default: the store, "
            f"${STORE_VARIABLE} or {DEFAULT_DATA_DIR}; downloaded there when missing)"
        ),
    )
    add_verify_arguments(parser)


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """``--no-verify`` and ``--ca-bundle``."""
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="use an archive whose SHA-256 does not match the known one (only warn)",
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="trust these CA certificates for HTTPS downloads (default: $SSL_CERT_FILE or "
        "the system's store)",
    )


def add_predictions_folder(
    parser: argparse.ArgumentParser,
    *,
    required: bool,
    help_text: str = "folder of predicted masks named <image_id>.png or .jpg",
) -> None:
    """``--predictions DIR``."""
    parser.add_argument("--predictions", required=required, metavar="DIR", help=help_text)


def add_threshold_argument(parser: argparse.ArgumentParser) -> None:
    """``--threshold T`` (None when not given)."""
    parser.add_argument(
        "--threshold",
        type=float,
        metavar="T",
        help=(
            f"a pixel is polyp when its probability is above T (default {DEFAULT_THRESHOLD}; "
            "8-bit maps are read as value/255, binary masks as they are)"
        ),
    )


def positive_jobs(value: str) -> int:
    """``--jobs N``, ``--num-proc N``: a positive number of worker processes.

    >>> positive_jobs("2")
    2
    """
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive number of worker processes, got {value!r} (1: no workers)"
        )
    return jobs


def add_json_argument(parser: argparse.ArgumentParser) -> None:
    add_flag(parser, "--json", "print one JSON document on stdout for scripts")


def require(module: str, extra: str, what: str) -> None:
    """Raise :class:`UsageError` naming the extra to install when ``module`` is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"{what} needs {module}, which is not installed: {install_command(extra)}."
        )


def archive_of(spec: DatasetSpec, args: argparse.Namespace) -> Path:
    """The archive the command line names: ``--data-dir``, else the archive store, else a
    download (``--no-verify``, ``--ca-bundle`` and the progress setting apply).

    A zip is checked against its pin (a mismatch only warns with ``--no-verify``), and a
    ``--data-dir`` is recorded in the store, so the next command needs no path
    (:func:`kvasir_seg.resolve.resolve_archive`).
    """
    from kvasir_seg.resolve import resolve_archive

    return resolve_archive(
        spec,
        args.data_dir,
        verify=args.verify,
        progress=args.progress,
        ca_bundle=getattr(args, "ca_bundle", None),
    ).path
