"""The ``kvasir-seg`` command: download, prepare, inspect, score and export the datasets.

    $ kvasir-seg info
    $ kvasir-seg download all
    $ kvasir-seg prepare kvasir_seg --backend all
    $ kvasir-seg evaluate --dataset kvasir_seg --split validation --predictions preds/
    $ kvasir-seg evaluate --references TestDataset/ --predictions results/ --resize bilinear
    $ kvasir-seg compare runs/a/ runs/b/ --references TestDataset/
    $ kvasir-seg report --references TestDataset/ --predictions results/ --out report.html
    $ kvasir-seg show kvasir_seg --predictions preds/ --out worst.png
    $ kvasir-seg export kvasir_seg --to kvasir-seg-parquet

Every subcommand has ``--help`` with examples. Errors print one line
(``kvasir-seg: error: ...``) and exit with a non-zero status; ``--verbose`` adds the
library's log and the traceback of unexpected failures. From Python:

    >>> from kvasir_seg.app.cli import main
    >>> main(["info", "kvasir_seg", "--json"])  # doctest: +SKIP
    0
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kvasir_seg import __version__
from kvasir_seg.app.commands import compare, download, evaluate, export, info, prepare, report, show
from kvasir_seg.app.options import PROG, CommandParser, add_command
from kvasir_seg.catalog import DATASETS
from kvasir_seg.errors import our_error

#: Exit status of an error the user can fix (bad input, missing file, failed check).
USER_ERROR = 2
#: Exit status of an interrupted run (Ctrl-C).
INTERRUPTED = 130

_COMMANDS = (info, download, prepare, evaluate, compare, report, show, export)
_OUR_LOGGERS = ("kvasir_seg", "kvasir_seg_hf", "kvasir_seg_tfds")


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``kvasir-seg`` and all its subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bars and no warnings, errors only"
    )
    common.add_argument(
        "-v", "--verbose", action="store_true", help="log what happens; tracebacks on failures"
    )
    parser = CommandParser(
        prog=PROG,
        description=(
            "Download, prepare, inspect, score and export the Simula polyp segmentation "
            "datasets: "
            + ", ".join(f"{spec.name} ({spec.title})" for spec in DATASETS.values())
            + "."
        ),
        epilog=f"Run '{PROG} COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(
        title="commands", metavar="COMMAND", dest="command", parser_class=CommandParser
    )
    subparsers.required = True
    for command in _COMMANDS:
        parser.commands[command.NAME] = add_command(subparsers, command, [common])
    return parser


@contextmanager
def _no_progress_monitor() -> Iterator[None]:
    """No monitor thread behind the progress bars (tqdm's ``monitor_interval = 0``), so
    that ``--jobs`` can fork its workers: a fork is safe only from a process that runs no
    other thread. Put back on exit, so that :func:`main` can be called in-process."""
    from tqdm import tqdm

    saved, tqdm.monitor_interval = tqdm.monitor_interval, 0
    try:
        yield
    finally:
        tqdm.monitor_interval = saved


@contextmanager
def _logging_to_stderr(verbose: bool, quiet: bool) -> Iterator[None]:
    """Show the libraries' warnings (``--verbose``: their info too) as one-line messages.

    Everything is put back on exit, so that :func:`main` can be called in-process.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    level = logging.INFO if verbose else logging.ERROR if quiet else logging.WARNING
    handler.setLevel(level)
    loggers = [logging.getLogger(name) for name in ("", *_OUR_LOGGERS)]
    saved = [logger.level for logger in loggers]
    loggers[0].addHandler(handler)
    loggers[0].setLevel(min(level, logging.WARNING))
    for logger in loggers[1:]:
        logger.setLevel(level)
    try:
        yield
    finally:
        loggers[0].removeHandler(handler)
        for logger, previous in zip(loggers, saved, strict=True):
            logger.setLevel(previous)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{PROG}: {record.levelname.lower()}: {record.getMessage()}"


def _one_line(message: object) -> str:
    return " ".join(str(message).split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``kvasir-seg`` with ``argv`` (``sys.argv[1:]`` by default); the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.progress = not args.quiet
    try:
        with _logging_to_stderr(args.verbose, args.quiet), _no_progress_monitor():
            return args.run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (e.g. `| head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as error:
        ours = our_error(error)
        if args.verbose:
            raise
        if ours is not None:
            print(f"{PROG}: error: {_one_line(ours)}", file=sys.stderr)
            return USER_ERROR
        if isinstance(error, OSError):
            print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
