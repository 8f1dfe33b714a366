"""How the examples of an archive are split: configs, their splits, and the id lists.

A :class:`ConfigSpec` names a way of splitting a dataset; each of its :class:`SplitSpec`
takes ``"all"`` the examples, the ``"rest"`` (those in no other split of the config), or
the ids of a list: an :class:`IdList` shipped in a Python package (the official Kvasir-SEG
lists are package data of this one: byte-identical copies of the lists the dataset
authors and the PraNet authors published, one id per line, no extension) or an
:class:`ArchiveList`, a member of the archive itself.

This module knows no dataset: the catalog hands it configs. :func:`assign_splits` is the
one split algorithm; :func:`membership` applies it to a known set of ids.

    >>> train = IdList("kvasir_seg.splits", "kvasir_seg/official/train.txt")
    >>> len(train.read())
    880
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from kvasir_seg.errors import CatalogError, LayoutError
from kvasir_seg.logs import warn_once

logger = logging.getLogger(__name__)

#: Reads a member of the archive being split (for :class:`ArchiveList`).
MemberReader = Callable[[str], bytes]


@dataclass(frozen=True)
class IdList:
    """An id list shipped in a Python package: ``path`` relative to ``package``'s folder.

    A plugin's spec names its own package, e.g. ``IdList("my_plugin", "lists/test.txt")``.
    Ids missing from the archive are left out with a warning (a partial archive, such as a
    test fixture or a subset, still loads with the official membership).
    """

    package: str
    path: str
    #: Not a member of the archive: ids the archive lacks leave the split partial.
    in_archive = False

    def read(self, member: MemberReader | None = None) -> tuple[str, ...]:
        return _package_list(self.package, self.path)

    def describe(self) -> str:
        return f"{self.package}/{self.path}"


@dataclass(frozen=True)
class ArchiveList:
    """An id list inside the archive: ``member`` below the archive's root folder.

    The archive and its own lists must agree: a listed id without an image is an error.
    """

    member: str
    #: A member of the archive: ids it lacks are an error.
    in_archive = True

    def read(self, member: MemberReader | None = None) -> tuple[str, ...]:
        if member is None:
            raise CatalogError(f"the archive's list {self.member} needs the archive to read it")
        try:
            text = member(self.member).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise LayoutError(f"{self.member} is not a UTF-8 list of ids ({error}).") from error
        return _ids_of(text)

    def describe(self) -> str:
        return f"the archive's {self.member}"


@dataclass(frozen=True)
class SplitSpec:
    """One split of a config: its name, its ids (``"all"``, ``"rest"``, an
    :class:`IdList` or an :class:`ArchiveList`) and, where known, how many there are."""

    name: str
    source: str | IdList | ArchiveList
    expected_count: int | None = None


@dataclass(frozen=True)
class ConfigSpec:
    """A named way of splitting a dataset (``official``, ``pranet``, ...)."""

    name: str
    description: str
    splits: tuple[SplitSpec, ...]

    @property
    def archive_lists(self) -> tuple[str, ...]:
        """The archive members this config's lists are read from."""
        return tuple(s.source.member for s in _listed(self) if s.source.in_archive)


def _listed(config: ConfigSpec) -> list[SplitSpec]:
    """The splits of ``config`` that take the ids of a list."""
    return [s for s in config.splits if s.source not in ("all", "rest")]


def _ids_of(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


@cache
def _package_list(package: str, path: str) -> tuple[str, ...]:
    return _ids_of(resources.files(package).joinpath(path).read_text(encoding="utf-8"))


def read_id_list(relative_path: str) -> tuple[str, ...]:
    """The ids of one of this package's lists (``relative_path`` below ``kvasir_seg/splits/``).

    >>> len(read_id_list("kvasir_seg/official/val.txt"))
    120
    """
    return _package_list(__name__, relative_path)


def assign_splits(
    config: ConfigSpec,
    ids: Iterable[str],
    dataset: str,
    member: MemberReader | None = None,
) -> dict[str, list[str]]:
    """Distribute ``ids`` over the splits of ``config``, in sorted id order.

    Every id must land in exactly one split (a :class:`LayoutError` names the ids that land
    in none, or in two). Ids of a package's list that the archive lacks are left out with a
    warning; ids of the archive's own list that it lacks are an error. ``member`` reads the
    archive's members, for :class:`ArchiveList` sources.

    >>> from kvasir_seg.catalog import KVASIR_SEG
    >>> ids = read_id_list("kvasir_seg/official/train.txt") + read_id_list(
    ...     "kvasir_seg/official/val.txt"
    ... )
    >>> splits = assign_splits(KVASIR_SEG.config("official"), ids, "kvasir_seg")
    >>> {name: len(split) for name, split in splits.items()}
    {'train': 880, 'validation': 120}
    """
    available = sorted(set(ids))
    available_set = set(available)
    listed: dict[str, list[str]] = {}
    claimed: dict[str, str] = {}
    for split in config.splits:
        if split.source in ("all", "rest"):
            continue
        wanted = split.source.read(member)
        missing = [i for i in wanted if i not in available_set]
        if missing and split.source.in_archive:
            raise LayoutError(
                f"{dataset}: {len(missing)} of the {len(wanted)} ids that "
                f"{split.source.describe()} lists for the {split.name!r} split have no image "
                f"(e.g. {', '.join(missing[:3])}). The archive is incomplete or modified: "
                "download it again."
            )
        if missing:
            warn_once(
                logger,
                ("partial split", dataset, config.name, split.name, tuple(missing)),
                "%s: %d of the %d ids of the %r %r split are not in the archive (e.g. %s); the "
                "split is partial. A full official archive has them all: download it again.",
                dataset,
                len(missing),
                len(wanted),
                config.name,
                split.name,
                ", ".join(missing[:3]),
            )
        for image_id in wanted:
            if image_id in available_set and claimed.setdefault(image_id, split.name) != split.name:
                raise LayoutError(f"{dataset}: id {image_id} is listed in two splits.")
        listed[split.name] = sorted({i for i in wanted if i in available_set})
    result: dict[str, list[str]] = {}
    for split in config.splits:
        if split.source == "all":
            result[split.name] = available
        elif split.source == "rest":
            result[split.name] = [i for i in available if i not in claimed]
        else:
            result[split.name] = listed[split.name]
    if not any(s.source in ("all", "rest") for s in config.splits):
        unlisted = [i for i in available if i not in claimed]
        if unlisted:
            raise LayoutError(
                f"{dataset}: {len(unlisted)} image(s) are in no split of config "
                f"{config.name!r} (e.g. {', '.join(unlisted[:3])}). The archive is not the "
                "official one; use a config that takes every image, or remove the extra files."
            )
    return result


@cache
def membership(config: ConfigSpec, everyone: ConfigSpec) -> dict[str, str]:
    """``{id: split}`` of ``config`` over every id listed by ``everyone``'s package lists.

    For datasets that share another dataset's ids (Kvasir-Sessile is a subset of
    Kvasir-SEG): the split each id has there.

    >>> from kvasir_seg.catalog import KVASIR_SEG
    >>> official = KVASIR_SEG.config("official")
    >>> membership(KVASIR_SEG.config("pranet"), official)["cju0qkwl35piu0993l0dewei2"]
    'train'
    """
    ids = [i for s in _listed(everyone) if not s.source.in_archive for i in s.source.read()]
    splits = assign_splits(config, ids, "membership")
    return {image_id: name for name, members in splits.items() for image_id in members}
