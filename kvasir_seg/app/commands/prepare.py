"""``kvasir-seg prepare``: build the Hugging Face and TFDS caches through the builders.

This replaces ``tfds build`` (which needs apache-beam for these builders) and the first,
slow ``load_dataset`` call: afterwards both ecosystems load from their caches.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from kvasir_seg.app.options import (
    ArchiveOptions,
    UsageError,
    add_archive_arguments,
    add_config_argument,
    add_dataset_arguments,
    add_json_argument,
    archive_of,
    positive_jobs,
    require,
    specs_from_names,
)
from kvasir_seg.app.printing import print_json, print_table
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.extras import install_command

BACKENDS = ("hf", "tfds")
_CACHE_SUBFOLDERS = {"hf": "huggingface", "tfds": "tensorflow_datasets"}
_MODULES = {"hf": "datasets", "tfds": "tensorflow_datasets"}


NAME = "prepare"
SUMMARY = "build the Hugging Face and/or TFDS caches"
DESCRIPTION = (
    "Read each archive once through the builders and write the caches that "
    "kvasir_seg_hf.load_dataset() and tfds.load() then read (the replacement for "
    "`tfds build`, which needs apache-beam). Every config is prepared unless --config "
    "names one. Prints where each cache is."
)
EXAMPLES = [
    "prepare all",
    "prepare kvasir_seg --config pranet --backend tfds --file-format array_record",
    "prepare kvasir_sessile --data-dir ~/Downloads --cache-dir /data/caches",
]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_dataset_arguments(parser)
    parser.add_argument(
        "--backend",
        choices=(*BACKENDS, "all"),
        help="which cache to build: hf, tfds or all (default: hf if installed, else tfds)",
    )
    add_config_argument(parser, "default: every config")
    add_archive_arguments(parser)
    parser.add_argument(
        "--cache-dir",
        metavar="PATH",
        help=(
            "where the caches go: the Hugging Face cache_dir / the TFDS data_dir (default: "
            "each library's own); with --backend all, in its huggingface/ and "
            "tensorflow_datasets/ subfolders"
        ),
    )
    parser.add_argument(
        "--file-format",
        choices=("tfrecord", "array_record"),
        help=(
            "TFDS file format (default: tfrecord, or array_record without TensorFlow; "
            "array_record is what tfds.data_source reads)"
        ),
    )
    parser.add_argument(
        "--num-proc",
        type=positive_jobs,
        metavar="N",
        help="Hugging Face: build with N processes (default: one)",
    )
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    backends = _backends(args.backend)
    specs = specs_from_names(args.names)
    if args.config is not None:
        for spec in specs:
            spec.config(args.config)  # an unknown config fails before any work
    if not args.progress:
        _quiet_progress(backends)
    results = []
    for spec in specs:
        archive = archive_of(spec, ArchiveOptions.from_args(args))
        configs = [spec.config(args.config)] if args.config else list(spec.configs)
        for config, backend in itertools.product(configs, backends):
            cache_dir = _cache_dir(args.cache_dir, backend, len(backends) > 1)
            # What the libraries print goes to stderr: stdout holds the report only.
            with contextlib.redirect_stdout(sys.stderr):
                if backend == "hf":
                    prepared = prepare_hf(
                        spec,
                        config.name,
                        archive,
                        cache_dir,
                        verify=args.verify,
                        num_proc=args.num_proc,
                    )
                else:
                    prepared = prepare_tfds(
                        spec,
                        config.name,
                        archive,
                        cache_dir,
                        verify=args.verify,
                        file_format=args.file_format,
                    )
            results.append(
                {"name": spec.name, "config": config.name, "backend": backend, **prepared}
            )
    if args.json:
        print_json(results)
        return 0
    rows = [
        [
            r["name"],
            r["config"],
            r["backend"],
            ", ".join(f"{split} {count}" for split, count in r["splits"].items()),
            r["location"],
        ]
        for r in results
    ]
    print_table(rows, ["dataset", "config", "backend", "examples", "cache"])
    print("load them in Python with:")
    for line in dict.fromkeys(r["load"] for r in results):
        print(f"  {line}")
    return 0


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _backends(choice: str | None) -> tuple[str, ...]:
    """The backends to build: as asked, or by default the installed ones (HF first)."""
    if choice == "all":
        wanted: tuple[str, ...] = BACKENDS
    elif choice is not None:
        wanted = (choice,)
    else:
        found = [b for b in BACKENDS if _installed(_MODULES[b])]
        if not found:
            raise UsageError(
                "prepare builds the Hugging Face or TFDS caches, and neither is installed: "
                f"{install_command('hf')}, or {install_command('tfds')}."
            )
        wanted = (found[0],)
    for backend in wanted:
        require(_MODULES[backend], backend, f"--backend {backend}")  # extras bear their names
    if "tfds" in wanted:
        _import_tfds()
    return wanted


def _cache_dir(cache_dir: str | None, backend: str, several: bool) -> str | None:
    if cache_dir is None:
        return None
    path = Path(cache_dir).expanduser().absolute()
    return str(path / _CACHE_SUBFOLDERS[backend] if several else path)


def _quiet_progress(backends: tuple[str, ...]) -> None:
    if "hf" in backends:
        import datasets

        datasets.disable_progress_bars()
    if "tfds" in backends:
        import tensorflow_datasets as tfds

        tfds.disable_progress_bar()


def prepare_hf(
    spec: DatasetSpec,
    config: str,
    archive: Path,
    cache_dir: str | None,
    *,
    verify: bool,
    num_proc: int | None = None,
) -> dict[str, Any]:
    """Build the Hugging Face cache of one config; its splits, location and how to load it.

    The cache is keyed by the archive's identity and the archive is recorded in the store,
    so ``load_dataset(name, config)`` finds it later with no ``data_dir``.
    """
    from kvasir_seg_hf import get_builder

    mode = None if verify else "no_checks"
    builder = get_builder(
        spec.name, config, data_dir=archive, cache_dir=cache_dir, verification_mode=mode
    )
    builder.download_and_prepare(verification_mode=mode, num_proc=num_proc)
    load = "from kvasir_seg_hf import load_dataset; ds = " + _call(
        "load_dataset", spec.name, config, cache_dir=cache_dir
    )
    return _prepared(builder, builder.cache_dir, load)


def _prepared(builder: Any, location: Any, load: str) -> dict[str, Any]:
    """What ``prepare`` reports of one built cache: its splits, where it is, how to load it."""
    splits = {name: info.num_examples for name, info in builder.info.splits.items()}
    return {"splits": splits, "location": str(location), "load": load}


def _call(function: str, *args: str, **kwargs: str | None) -> str:
    """The Python call ``function(*args, **kwargs)``, leaving out None keywords."""
    given = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items() if v is not None]
    return f"{function}({', '.join(given)})"


def _import_tfds() -> Any:
    """``tensorflow_datasets`` with our builders registered, or a one-line error."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import tensorflow_datasets as tfds

        import kvasir_seg_tfds  # noqa: F401  (registers kvasir_seg, kvasir_sessile, ...)
    except ImportError as error:
        raise UsageError(
            f"--backend tfds needs TensorFlow Datasets and the kvasir_seg_tfds builders ({error}); "
            f"install them with: {install_command('tfds')}"
        ) from error
    return tfds


def prepare_tfds(
    spec: DatasetSpec,
    config: str,
    archive: Path,
    data_dir: str | None,
    *,
    verify: bool,
    file_format: str | None = None,
) -> dict[str, Any]:
    """Build the TFDS data of one config in ``data_dir``; its splits, location, how to load.

    The archive is read in place (a zip is never extracted); ``verify=False`` is the
    builder's ``verification_mode="no_checks"``.
    """
    tfds = _import_tfds()
    builder = tfds.builder(
        spec.name,
        config=config,
        data_dir=data_dir,
        verification_mode=None if verify else "no_checks",
    )
    with tempfile.TemporaryDirectory(prefix="kvasir-seg-") as scratch:
        manual_dir = _tfds_manual_dir(spec, archive, scratch=Path(scratch))
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)),
            file_format=file_format,
        )
    load = "import kvasir_seg_tfds, tensorflow_datasets as tfds; ds = " + _call(
        "tfds.load", f"{spec.name}/{config}", data_dir=data_dir
    )
    return _prepared(builder, builder.data_dir, load)


def _tfds_manual_dir(spec: DatasetSpec, archive: Path, *, scratch: Path) -> Path:
    """A ``manual_dir`` in which the TFDS builder finds ``archive``, read in place.

    TFDS looks for the zip under its official name, so a zip with another name is linked
    under the official one in ``scratch``.
    """
    if archive.is_dir():
        return archive
    if archive.name == spec.filename:
        return archive.parent
    (scratch / spec.filename).symlink_to(archive.resolve())
    return scratch
