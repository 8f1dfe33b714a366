"""One build plan for every adapter: which archive, what it is, which example goes where.

Hugging Face and TFDS builders ask the core the same questions before they write a cache:
which archive to read (:mod:`kvasir_seg.resolve`), whether it may be read and what it is
(:mod:`kvasir_seg.trust`), where its parts sit (:mod:`kvasir_seg.archive`), and which
examples go in which split (:mod:`kvasir_seg.splits`). :func:`plan_build` answers them
once, in a :class:`BuildPlan`; the builders only turn the plan into their features and
files. The layout and the splits are found the first time they are asked for, so a
builder that finds its cache built opens nothing.

Every cache records the plan it was built from in one marker file
(:data:`BUILT_FROM`, written by :func:`write_built_from`, read by :func:`read_built_from`),
which ``kvasir-seg info`` reads to tell what each cache came from.

    >>> from kvasir_seg.catalog import get_spec
    >>> plan = plan_build(get_spec("kvasir_sessile"), "~/Downloads")  # doctest: +SKIP
    >>> plan.archive.identity[:12], plan.splits["train"][:1]  # doctest: +SKIP
    ('5f0c3a1e9b2d', ['cju0qkwl35piu0993l0dewei2'])
"""

from __future__ import annotations

import datetime as _datetime
import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from kvasir_seg.archive import Layout, open_archive
from kvasir_seg.catalog import DatasetSpec
from kvasir_seg.errors import ArchiveError, DownloadError, KvasirSegError
from kvasir_seg.resolve import remembered_archive, resolve_archive
from kvasir_seg.splits import ConfigSpec
from kvasir_seg.trust import ResolvedArchive

#: The file, in a built cache's folder, that names the archive and config it was built from.
BUILT_FROM = "kvasir_seg_built_from.json"

#: The values ``verification_mode`` takes (Hugging Face's names, also for TFDS).
VERIFICATION_MODES = ("basic_checks", "all_checks", "no_checks")


def verifies(verification_mode: Any = None) -> bool:
    """Whether ``verification_mode`` checks the archive's checksum (all but ``"no_checks"``).

    Takes None, a name of :data:`VERIFICATION_MODES` or ``datasets.VerificationMode``.

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
    """What a builder builds: the archive (checked), its config, its layout and splits."""

    spec: DatasetSpec
    config: ConfigSpec
    archive: ResolvedArchive
    #: When the archive is gone but the store remembers it: why it could not be read (a
    #: cache built from it may be served; nothing can be built).
    missing: KvasirSegError | None = None

    @cached_property
    def _opened(self) -> tuple[Layout, dict[str, list[str]]]:
        if self.missing is not None:
            raise self.missing
        with open_archive(self.spec, self.archive.path) as opened:
            return opened.layout, opened.assign_splits(self.config.name)

    @property
    def layout(self) -> Layout:
        """Where the images, masks and box file sit (found once, on first use)."""
        return self._opened[0]

    @property
    def splits(self) -> dict[str, list[str]]:
        """The ids of each split that has examples in this archive (a partial archive, such
        as a fixture or a subset, may leave a split empty: it is left out)."""
        return {name: ids for name, ids in self._opened[1].items() if ids}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (as with a builder sent to ``num_proc`` workers) without the layout and
        splits found in the archive (most of its bytes): a copy finds them again if asked."""
        state = dict(self.__dict__)
        state.pop("_opened", None)
        return state

    def built_from(self) -> dict[str, Any]:
        """What the marker of a cache built from this plan records."""
        return {
            "dataset": self.spec.name,
            "config": self.config.name,
            "identity": self.archive.identity,
            "path": str(self.archive.path),
            "check": self.archive.check,
            "size_bytes": self.archive.size_bytes,
            "built_at": _datetime.datetime.now(_datetime.timezone.utc).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            ),
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
    """The plan to build ``config`` of ``spec`` from the archive at ``where``.

    ``where`` is a path the user gave (the zip, its folder or the extracted folder); None
    searches the archive store and downloads into it (:func:`kvasir_seg.resolve.
    resolve_archive`). The archive is checked by the one trust rule
    (:func:`kvasir_seg.trust.check_archive`). With ``remembered``, an archive that is gone
    (or cannot be downloaded) but that the store remembers gives a plan whose ``missing``
    says why: its cache may be served, nothing built.
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


def write_built_from(folder: str | os.PathLike[str], plan: BuildPlan) -> None:
    """Record in ``folder`` (a cache being built) the plan it is built from."""
    (Path(folder) / BUILT_FROM).write_text(json.dumps(plan.built_from(), indent=2))


def read_built_from(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What the cache in ``folder`` was built from, or None when it says nothing (readable)."""
    try:
        value = json.loads((Path(folder) / BUILT_FROM).read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and isinstance(value.get("identity"), str) else None
