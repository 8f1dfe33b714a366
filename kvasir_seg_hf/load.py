"""``load_dataset()``: one line from a dataset name to real ``datasets`` objects.

``datasets`` >= 4 no longer runs loading scripts, so this helper drives the builder
classes of this package directly. Its signature follows ``datasets.load_dataset``.

Example:
    >>> from kvasir_seg_hf import load_dataset
    >>> ds = load_dataset("kvasir_seg")  # doctest: +SKIP
    >>> ds["train"].num_rows, ds["validation"].num_rows  # doctest: +SKIP
    (880, 120)
    >>> test = load_dataset("kvasir_seg", "pranet", split="test")  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

import datasets

from kvasir_seg.catalog import get_spec
from kvasir_seg_hf.builder import KvasirBuilder
from kvasir_seg_hf.registry import BUILDERS, builder_class

__all__ = ["BUILDERS", "get_builder", "load_dataset"]


def get_builder(
    path: str,
    name: str | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    verification_mode: datasets.VerificationMode | str | None = None,
    download_mode: datasets.DownloadMode | str | None = None,
) -> KvasirBuilder:
    """The builder of dataset ``path`` with config ``name``, not yet prepared.

    Args:
        path: A dataset of the catalog: ``kvasir_seg``, ``kvasir_sessile``,
            ``kvasir_capsule_seg``, ``kvasir_instrument`` (or one registered at run time).
        name: The config (None: the dataset's default).
        data_dir: The zip downloaded by hand, the folder that holds it, or the folder it
            extracts to; None: the copy the archive store holds, else the official archive
            downloaded into the store (:mod:`kvasir_seg.resolve`).
        cache_dir: Where ``datasets`` keeps its caches (None: its default).
        verification_mode: ``"no_checks"`` reads a zip that fails its checksum.
        download_mode: ``"force_redownload"`` downloads the archive again (without
            ``data_dir``) and rebuilds the cache.

    Returns:
        The builder, its archive found and checked.

    Raises:
        kvasir_seg.errors.KvasirSegError: An unknown dataset or config, or no usable archive
            (``ArchiveError``, ``ChecksumError``, ``DownloadError``).

    Example:
        >>> from kvasir_seg_hf import get_builder
        >>> builder = get_builder("kvasir_seg", "pranet", data_dir="~/Downloads")  # doctest: +SKIP
        >>> builder.download_and_prepare(num_proc=2)  # doctest: +SKIP
        >>> builder.as_dataset(split="test").num_rows  # doctest: +SKIP
        100
    """
    spec = get_spec(path)
    config = spec.config(name).name  # raises a clear error on an unknown config
    force = download_mode is not None and datasets.DownloadMode(download_mode) == (
        datasets.DownloadMode.FORCE_REDOWNLOAD
    )
    return builder_class(spec)(
        config_name=config,
        data_dir=data_dir,
        cache_dir=os.fspath(cache_dir) if cache_dir is not None else None,
        verification_mode=verification_mode,
        force_download=force and data_dir is None,
    )


def load_dataset(
    path: str,
    name: str | None = None,
    *,
    split: str | datasets.Split | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    download_mode: datasets.DownloadMode | str | None = None,
    verification_mode: datasets.VerificationMode | str | None = None,
    keep_in_memory: bool | None = None,
    num_proc: int | None = None,
    streaming: bool = False,
) -> Any:
    """Load a catalog dataset (``kvasir_seg``, ``kvasir_sessile``, ...) as ``datasets`` objects.

    The first call reads the archive and caches the result under the archive's identity;
    later calls reuse the cache while the archive is the same. The arguments mean what
    they mean for ``datasets.load_dataset``.

    Args:
        path: A dataset of the catalog (see :func:`get_builder`).
        name: The config (None: the dataset's default).
        split: One split (``"train"``, ``"test[:10]"``, ...); None: all of them.
        data_dir: The zip, its folder or the extracted folder (see :func:`get_builder`).
        cache_dir: Where ``datasets`` keeps its caches (None: its default).
        download_mode: ``"force_redownload"`` downloads the archive again and rebuilds.
        verification_mode: ``"no_checks"`` reads a zip that fails its checksum.
        keep_in_memory: Load the Arrow tables into memory.
        num_proc: Processes that build the cache (None: this one).
        streaming: Read the archive as it is iterated, building no cache.

    Returns:
        A ``DatasetDict``, or a ``Dataset`` when ``split`` is given; with
        ``streaming=True``, an ``IterableDatasetDict`` or ``IterableDataset``.

    Raises:
        kvasir_seg.errors.KvasirSegError: An unknown dataset or config, no usable archive,
            or a damaged one (``ArchiveError``, ``LayoutError``, ``ChecksumError``,
            ``DownloadError``), as it is, also from a ``num_proc`` worker.

    Example:
        >>> ds = load_dataset("kvasir_capsule_seg", data_dir="~/Downloads")  # doctest: +SKIP
        >>> ds["train"][0]["mask"].mode  # doctest: +SKIP
        '1'
    """
    builder = get_builder(
        path,
        name,
        data_dir=data_dir,
        cache_dir=cache_dir,
        verification_mode=verification_mode,
        download_mode=download_mode,
    )
    if streaming:
        return builder.as_streaming_dataset(split=split)
    builder.download_and_prepare(
        download_mode=download_mode, verification_mode=verification_mode, num_proc=num_proc
    )
    return builder.as_dataset(split=split, in_memory=bool(keep_in_memory))
