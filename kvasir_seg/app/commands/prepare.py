"""``kvasir-seg prepare``: build the Hugging Face and TFDS caches through the builders.

This replaces ``tfds build`` (which needs apache-beam for these builders) and the first,
slow ``load_dataset`` call: afterwards both ecosystems load from their caches.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from kvasir_seg.app.commands.common import (
    UsageError,
    add_archive_arguments,
    add_config_argument,
    add_dataset_arguments,
    add_json_argument,
    print_json,
    print_table,
    resolve_archive,
    specs_from_names,
)
from kvasir_seg.catalog import DatasetSpec

BACKENDS = ("hf", "tfds")
_CACHE_SUBFOLDERS = {"hf": "huggingface", "tfds": "tensorflow_datasets"}


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
        default="hf",
        help="which cache to build: hf (default), tfds or all",
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
        "--num-proc", type=int, metavar="N", help="Hugging Face: build with N processes"
    )
    add_json_argument(parser)


def run(args: argparse.Namespace) -> int:
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    specs = specs_from_names(args.names)
    if args.config is not None:
        for spec in specs:
            spec.config(args.config)  # an unknown config fails before any work
    if "tfds" in backends:
        _import_tfds()
    if not args.progress:
        _quiet_progress(backends)
    results = []
    for spec in specs:
        archive = resolve_archive(spec, args.data_dir, verify=args.verify, progress=args.progress)
        configs = [spec.config(args.config)] if args.config else list(spec.configs)
        for config, backend in itertools.product(configs, backends):
            cache_dir = _cache_dir(args.cache_dir, backend, len(backends) > 1)
            # What the libraries print goes to stderr: stdout holds the report only.
            with contextlib.redirect_stdout(sys.stderr):
                if backend == "hf":
                    # The cache's name depends on data_dir: pass the user's, so that the
                    # same load_dataset(..., data_dir=...) call in Python finds this cache.
                    prepared = prepare_hf(
                        spec,
                        config.name,
                        args.data_dir or archive,
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
    print("load them with:")
    for line in dict.fromkeys(r["load"] for r in results):
        print(f"  {line}")
    if "tfds" in backends:
        print("  (tfds.load finds these builders after `import kvasir_seg_tfds`)")
    return 0


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
    data_dir: str | os.PathLike[str],
    cache_dir: str | None,
    *,
    verify: bool,
    num_proc: int | None = None,
) -> dict[str, Any]:
    """Build the Hugging Face cache of one config; its splits, location and how to load it."""
    from kvasir_seg_hf import get_builder

    builder = get_builder(spec.name, config, data_dir=data_dir, cache_dir=cache_dir)
    builder.download_and_prepare(
        verification_mode=None if verify else "no_checks", num_proc=num_proc
    )
    return {
        "splits": {name: info.num_examples for name, info in builder.info.splits.items()},
        "location": str(builder.cache_dir),
        "load": _call(
            "kvasir_seg_hf.load_dataset",
            spec.name,
            config,
            data_dir=builder.config.data_dir,
            cache_dir=cache_dir,
        ),
    }


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
            "install them with: pip install 'kvasir-seg[tfds]'"
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
    """Build the TFDS data of one config in ``data_dir``; its splits, location, how to load."""
    tfds = _import_tfds()
    builder = tfds.builder(spec.name, config=config, data_dir=data_dir)
    with tempfile.TemporaryDirectory(prefix="kvasir-seg-") as scratch:
        manual_dir = _tfds_manual_dir(spec, archive, verify=verify, scratch=Path(scratch))
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)),
            file_format=file_format,
        )
    return {
        "splits": {name: info.num_examples for name, info in builder.info.splits.items()},
        "location": str(builder.data_dir),
        "load": _call("tfds.load", f"{spec.name}/{config}", data_dir=data_dir),
    }


def _tfds_manual_dir(spec: DatasetSpec, archive: Path, *, verify: bool, scratch: Path) -> Path:
    """A ``manual_dir`` in which the TFDS builder finds ``archive``.

    TFDS looks for the zip under its official name and verifies it itself, so a zip with
    another name is linked under the official one in ``scratch``, and a zip that does not
    match its published checksum (allowed by ``--no-verify``) is extracted there, since
    TFDS reads an extracted folder without a checksum.
    """
    from kvasir_seg.download import sha256_of

    if archive.is_dir():
        return archive
    if not verify and spec.sha256 is not None and sha256_of(archive) != spec.sha256:
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(scratch)
        return scratch
    if archive.name == spec.filename:
        return archive.parent
    (scratch / spec.filename).symlink_to(archive.resolve())
    return scratch
