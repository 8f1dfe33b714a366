"""One build plan for every adapter: which archive, what it is, which example goes where.

Hugging Face and TFDS builders ask the core the same questions before they write a cache:
which copy of the archive to read and whether it may be read (:mod:`kvasir_seg.resolve`,
else a download into the store: :func:`resolve_archive`), where its parts sit
(:mod:`kvasir_seg.archive`), and which examples go in which split
(:mod:`kvasir_seg.splits`). :func:`plan_build` answers them once, in a :class:`BuildPlan`;
the builders only turn the plan into their features and files. The archive is opened the
first time the plan is asked for its layout, splits or examples, and then once per
process (:meth:`BuildPlan.reader`), so a builder that finds its cache built opens nothing,
and a build opens its zip once.

Every cache records the plan it was built from in one marker file
(:data:`BUILT_FROM`, written by :func:`write_built_from`, read by :func:`read_built_from`),
which ``kvasir-seg info`` reads to tell what each cache came from.

    >>> from kvasir_seg.catalog import get_spec
    >>> plan = plan_build(get_spec("kvasir_sessile"), "~/Downloads")  # doctest: +SKIP
    >>> plan.archive.identity[:12], plan.splits["train"][:1]  # doctest: +SKIP
    ('5f0c3a1e9b2d', ['cju0qkwl35piu0993l0dewei2'])

The examples below read small synthetic archives (:mod:`kvasir_seg.testing`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kvasir_seg.archive import KvasirArchive, Layout, open_copy
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.download import fetch_archive, manual_download_hint
from kvasir_seg.errors import ArchiveError, DownloadError, KvasirSegError
from kvasir_seg.resolve import ResolvedArchive, find_copy, remembered_archive, resolve_path
from kvasir_seg.splits import ConfigSpec
from kvasir_seg.store import ArchiveStore, default_store, now

#: The file, in a built cache's folder, that names the archive and config it was built from.
BUILT_FROM = "kvasir_seg_built_from.json"

#: The values ``verification_mode`` takes (Hugging Face's names, also for TFDS).
VERIFICATION_MODES = ("basic_checks", "all_checks", "no_checks")


def verifies(verification_mode: Any = None) -> bool:
    """Whether a ``verification_mode`` checks the archive's checksum (all but ``"no_checks"``).

    Args:
        verification_mode: None, a name of :data:`VERIFICATION_MODES` or a
            ``datasets.VerificationMode``.

    Returns:
        False for ``"no_checks"``, else True.

    Raises:
        KvasirSegError: the value is none of those.

    Example:
        >>> verifies(None), verifies("basic_checks"), verifies("no_checks")
        (True, True, False)
    """
    value = getattr(verification_mode, "value", verification_mode)
    if value is None:
        return True
    if value not in VERIFICATION_MODES:
        raise KvasirSegError(
            f"verification_mode must be one of {', '.join(VERIFICATION_MODES)}, got "
            f"{verification_mode!r}."
        )
    return value != "no_checks"


@dataclass
class BuildPlan:
    """What a builder builds: the archive (found and checked), its config, layout and splits.

    :func:`plan_build` makes one; the archive is opened when the layout, the splits or the
    reader are first asked for.

    Args:
        spec: the dataset.
        config: the config to build.
        archive: the copy to read.
        missing: when the archive is gone but the store remembers it: why it could not be
            read (a cache built from it may be served; nothing can be built).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.resolve import resolve_path
        >>> from kvasir_seg.testing import write_archive
        >>> spec = get_spec("kvasir_sessile")
        >>> copy = resolve_path(spec, write_archive(spec, tempfile.mkdtemp(), count=3))
        >>> plan = BuildPlan(spec, spec.config(None), copy)
        >>> {name: len(ids) for name, ids in plan.splits.items()}
        {'train': 3}
        >>> plan.close()
    """

    spec: DatasetSpec
    config: ConfigSpec
    archive: ResolvedArchive
    missing: KvasirSegError | None = None
    _reader: KvasirArchive | None = field(default=None, init=False, repr=False)
    _splits: dict[str, list[str]] | None = field(default=None, init=False, repr=False)

    def reader(self, layout: Layout | None = None) -> KvasirArchive:
        """The archive, open: opened once in this process.

        :func:`kvasir_seg.archive.open_copy` opens it, and reads it whole first when the
        store does not know it yet.

        Args:
            layout: the layout the parent process found (a worker's plan is a pickled copy).

        Returns:
            The opened archive (:meth:`close` closes it).

        Raises:
            KvasirSegError: :attr:`missing`, when the archive is gone.

        Example:
            >>> import tempfile
            >>> from kvasir_seg.catalog import get_spec
            >>> from kvasir_seg.testing import write_archive
            >>> spec = get_spec("kvasir_capsule_seg")
            >>> plan = plan_build(spec, write_archive(spec, tempfile.mkdtemp(), count=2))
            >>> plan.reader().ids
            ['131368cc17e44240_28955', '131368cc17e44240_28956']
            >>> plan.close()
        """
        if self.missing is not None:
            raise self.missing
        if self._reader is None:
            self._reader = open_copy(self.spec, self.archive, layout=layout)
        return self._reader

    @property
    def layout(self) -> Layout:
        """Where the images, masks and box file sit (found once, on first use)."""
        return self.reader().layout

    @property
    def splits(self) -> dict[str, list[str]]:
        """The ids of each split that has examples in this archive.

        A partial archive, such as a fixture or a subset, may leave a split empty: it is
        left out.
        """
        if self._splits is None:
            found = self.reader().assign_splits(self.config.name)
            self._splits = {name: ids for name, ids in found.items() if ids}
        return self._splits

    def close(self) -> None:
        """Close the archive if it is open (it opens again if asked)."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (as with a builder sent to ``num_proc`` workers) without the open archive
        and the splits (most of its bytes): a copy opens the archive again if asked."""
        return {**self.__dict__, "_reader": None, "_splits": None}

    def built_from(self) -> dict[str, Any]:
        """What the marker of a cache built from this plan records (:data:`BUILT_FROM`).

        Returns:
            The dataset, config, archive identity, path, check and size, and the time now.
        """
        return {
            "dataset": self.spec.name,
            "config": self.config.name,
            "identity": self.archive.identity,
            "path": str(self.archive.path),
            "check": self.archive.check,
            "size_bytes": self.archive.size_bytes,
            "built_at": now(),
        }


def plan_build(
    spec: DatasetSpec,
    where: str | os.PathLike[str] | None = None,
    config: str | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    force_download: bool = False,
    remembered: bool = False,
) -> BuildPlan:
    """The plan to build one config of a dataset, from the archive at a path or in the store.

    Args:
        spec: the dataset.
        where: a path the user gave (the zip, its folder or the extracted folder); None
            reads the copy the store holds, else downloads one (:func:`resolve_archive`).
        config: the config's name (None: the default config).
        verify: False accepts a zip that fails its checksum.
        download: False refuses to download.
        force_download: True downloads into the store again, whatever is there.
        remembered: True: an archive that is gone (or cannot be downloaded) but that the
            store remembers gives a plan whose ``missing`` says why (its cache may be
            served, nothing built).

    Returns:
        The plan; nothing is opened yet.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.testing import write_archive
        >>> spec = get_spec("kvasir_instrument")
        >>> plan = plan_build(spec, write_archive(spec, tempfile.mkdtemp()), "official")
        >>> plan.archive.trust, {name: len(ids) for name, ids in plan.splits.items()}
        ('unpinned', {'train': 8, 'test': 2})
        >>> plan.close()
    """
    try:
        archive = resolve_archive(
            spec, where, verify=verify, download=download, force_download=force_download
        )
    except (ArchiveError, DownloadError) as error:
        known = remembered_archive(spec, where) if remembered and not force_download else None
        if known is None:
            raise
        return BuildPlan(spec, spec.config(config), known, missing=error)
    return BuildPlan(spec, spec.config(config), archive)


def resolve_archive(
    spec: DatasetSpec,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    download: bool = True,
    force_download: bool = False,
    progress: bool = True,
    ca_bundle: str | os.PathLike[str] | None = None,
    store: ArchiveStore | None = None,
) -> ResolvedArchive:
    """The copy of a dataset's archive to read: at a path, else the store's, else a download.

    The rules are :mod:`kvasir_seg.resolve`'s (docs/archive-store.md states them).

    Args:
        spec: the dataset.
        data_dir: a path the user gave (None: the copy the store holds, else a download).
        verify: False accepts a zip that fails its checksum.
        download: False raises :class:`DownloadError` instead of downloading.
        force_download: True downloads into the store again, whatever is there.
        progress: show a progress bar while downloading.
        ca_bundle: a file of trusted certificates for the download (e.g. a proxy's).
        store: the archive store (default: :func:`kvasir_seg.store.default_store`).

    Returns:
        The copy, checked.

    Raises:
        DownloadError: the store holds no copy and ``download`` is False, or the download
            fails (the message says how to download by hand).

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.store import ArchiveStore
        >>> store = ArchiveStore(tempfile.mkdtemp())
        >>> try:
        ...     resolve_archive(get_spec("kvasir_sessile"), download=False, store=store)
        ... except DownloadError as error:
        ...     print(str(error).split(" (")[0])
        kvasir-sessile.zip is not in the archive store
    """
    store = store or default_store()
    if data_dir is not None:
        return resolve_path(spec, data_dir, verify=verify, store=store)
    found = None if force_download else find_copy(spec, verify=verify, store=store)
    if found is not None:
        return found
    if not download:
        raise DownloadError(
            f"{spec.filename} is not in the archive store ({store.root}) and downloading is "
            f"off. {manual_download_hint(spec, store.archive_path(spec))}"
        )
    path, _ = fetch_archive(
        spec,
        store.root,
        verify=verify,
        progress=progress,
        force=force_download,
        ca_bundle=ca_bundle,
        store=store,
    )
    return resolve_path(spec, path, verify=verify, store=store)


def write_built_from(folder: str | os.PathLike[str], plan: BuildPlan) -> None:
    """Record in a cache being built the plan it is built from (:data:`BUILT_FROM`).

    Args:
        folder: the cache's folder.
        plan: the plan it is built from.

    Example:
        >>> import tempfile
        >>> from kvasir_seg.catalog import get_spec
        >>> from kvasir_seg.resolve import ResolvedArchive
        >>> spec, folder = get_spec("kvasir_seg"), tempfile.mkdtemp()
        >>> copy = ResolvedArchive(Path(folder), "folder-0a1b", "folder", "extracted folder")
        >>> write_built_from(folder, BuildPlan(spec, spec.config(None), copy))
        >>> read_built_from(folder)["identity"]
        'folder-0a1b'
    """
    (Path(folder) / BUILT_FROM).write_text(json.dumps(plan.built_from(), indent=2))


def read_built_from(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What a cache was built from, as :func:`write_built_from` recorded it.

    Args:
        folder: the cache's folder.

    Returns:
        The record (:meth:`BuildPlan.built_from`), or None when the folder holds none that
        can be read.

    Example:
        >>> import tempfile
        >>> print(read_built_from(tempfile.mkdtemp()))
        None
    """
    try:
        value = json.loads((Path(folder) / BUILT_FROM).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("identity"), str) else None
