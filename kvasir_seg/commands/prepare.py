"""``kvasir-seg prepare``: build the Hugging Face and TFDS caches through the builders.

This replaces ``tfds build`` (which needs apache-beam for these builders) and the first,
slow ``load_dataset`` call: afterwards both ecosystems load from their caches.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.commands.common import (
    UsageError,
    add_archive_arguments,
    add_command,
    add_config_argument,
    add_dataset_arguments,
    add_json_argument,
    print_json,
    print_table,
    resolve_archive,
    specs_from_names,
)

BACKENDS = ("hf", "tfds")
_CACHE_SUBFOLDERS = {"hf": "huggingface", "tfds": "tensorflow_datasets"}


def register(subparsers: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = add_command(
        subparsers,
        "prepare",
        summary="build the Hugging Face and/or TFDS caches",
        description=(
            "Read each archive once through the builders and write the caches that "
            "kvasir_seg_hf.load_dataset() and tfds.load() then read (the replacement for "
            "`tfds build`, which needs apache-beam). Every config is prepared unless --config "
            "names one. Prints where each cache is."
        ),
        examples=[
            "prepare all",
            "prepare kvasir_seg --config pranet --backend tfds --file-format array_record",
            "prepare kvasir_sessile --data-dir ~/Downloads --cache-dir /data/caches",
        ],
        parents=parents,
        run=run,
    )
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
        default="tfrecord",
        help="TFDS file format (array_record is what tfds.data_source reads)",
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
        for config in configs:
            for backend in backends:
                cache_dir = _cache_dir(args.cache_dir, backend, len(backends) > 1)
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
    else:
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
    return 0


def _cache_dir(cache_dir: str | None, backend: str, several: bool) -> str | None:
    if cache_dir is None:
        return None
    path = Path(cache_dir).expanduser()
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
    """Build the Hugging Face cache of one config; its splits and location."""
    from kvasir_seg_hf import get_builder

    builder = get_builder(spec.name, config, data_dir=archive, cache_dir=cache_dir)
    builder.download_and_prepare(
        verification_mode=None if verify else "no_checks", num_proc=num_proc
    )
    return {
        "splits": {name: info.num_examples for name, info in builder.info.splits.items()},
        "location": str(builder.cache_dir),
    }


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
    file_format: str = "tfrecord",
) -> dict[str, Any]:
    """Build the TFDS data of one config in ``data_dir``; its splits and location."""
    tfds = _import_tfds()
    builder = tfds.builder(spec.name, config=config, data_dir=data_dir)
    manual_dir = archive.parent if archive.is_file() else archive
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual_dir)),
        file_format=file_format,
    )
    return {
        "splits": {name: info.num_examples for name, info in builder.info.splits.items()},
        "location": str(builder.data_dir),
    }
