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
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, NoReturn

from kvasir_seg.catalog import DATASETS, DatasetSpec, get_spec
from kvasir_seg.errors import KvasirSegError
from kvasir_seg.extras import install_command
from kvasir_seg.score_settings import DEFAULT_THRESHOLD
from kvasir_seg.store import STORE_VARIABLE, store_root

PROG = "kvasir-seg"


def store_description() -> str:
    """How ``--help`` names the archive store: the folder it is now, and how to move it.

    Returns:
        E.g. ``"the archive store, /home/me/.cache/kvasir_seg/archives ($KVASIR_SEG_DATA
        sets another)"``.
    """
    return f"the archive store, {store_root()} (${STORE_VARIABLE} sets another)"


def dataset_names() -> str:
    """The names of the catalog's datasets, for messages (``kvasir_seg, kvasir_sessile, ...``)."""
    return ", ".join(DATASETS)


class UsageError(KvasirSegError):
    """A command line that parses but asks for something impossible."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2.

    Arguments it does not know are reported by the subcommand they were given to, so that
    the message points at that command's ``--help`` (argparse reports them from the top).
    """

    #: The subcommands' parsers, by name (:func:`add_command` fills it).
    commands: dict[str, argparse.ArgumentParser]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = {}

    def parse_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        """Parse ``args`` as ``argparse`` does; unknown arguments are the subcommand's error.

        Args:
            args: The command line without the program (``sys.argv[1:]`` by default).
            namespace: Where to put the values (a new one by default).

        Returns:
            The parsed values.
        """
        parsed, unknown = self.parse_known_args(args, namespace)
        if unknown:
            command = self.commands.get(getattr(parsed, "command", None) or "", self)
            command.error(f"unrecognized arguments: {' '.join(unknown)}")
        return parsed

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
            f"remembered in the archive store for later commands (default: "
            f"{store_description()}; downloaded there when missing)"
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
    """Check that ``module`` is installed, else say which extra installs it.

    Args:
        module: The module to look for (not imported).
        extra: The extra of kvasir-seg that installs it.
        what: What needs it, e.g. ``"the report's plots"``.

    Raises:
        UsageError: ``"matplotlib, needed for the report's plots, is not installed: pip
            install ".[report]" (in a kvasir-seg checkout)."`` when it is missing.

    Example:
        >>> require("json", "none", "this example")
    """
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(
            f"{module}, needed for {what}, is not installed: {install_command(extra)}."
        )


@dataclass(frozen=True)
class ArchiveOptions:
    """Where a dataset's archive is and how to check it: ``--data-dir``, ``--no-verify``,
    ``--ca-bundle``, and whether progress bars are shown."""

    data_dir: str | None = None
    verify: bool = True
    ca_bundle: str | None = None
    progress: bool = True

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> ArchiveOptions:
        """The options a command line parsed with :func:`add_archive_arguments` gave.

        Args:
            args: The parsed command line.

        Returns:
            The options (``--ca-bundle`` is ``None`` for a command without it).
        """
        return cls(args.data_dir, args.verify, getattr(args, "ca_bundle", None), args.progress)


def archive_of(spec: DatasetSpec, options: ArchiveOptions) -> Path:
    """The archive the options name: ``--data-dir``, else the archive store, else a download.

    A zip is checked against its pin (``--no-verify`` accepts one that fails it), by the
    rule every loader follows (:func:`kvasir_seg.plan.resolve_archive`); a copy read whole
    is remembered by the store, so the next command needs no path.

    Args:
        spec: The dataset.
        options: Where its archive is, and how to check it.

    Returns:
        The path of the archive (a zip or an extracted folder).

    Raises:
        KvasirSegError: If it is not found and cannot be downloaded, or fails its checks.
    """
    from kvasir_seg.plan import resolve_archive

    return resolve_archive(
        spec,
        options.data_dir,
        verify=options.verify,
        progress=options.progress,
        ca_bundle=options.ca_bundle,
    ).path
