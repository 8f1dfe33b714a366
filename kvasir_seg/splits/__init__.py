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
    """An id list shipped in a Python package: one id per line, no extension.

    A plugin's spec names its own package, e.g. ``IdList("my_plugin", "lists/test.txt")``.
    Ids missing from the archive are left out with a warning (a partial archive, such as a
    test fixture or a subset, still loads with the official membership).

    Args:
        package: the package that holds the list (importable).
        path: the list's path relative to the package's folder, with ``/``.

    Example:
        >>> len(IdList("kvasir_seg.splits", "kvasir_seg/pranet/test.txt").read())
        100
    """

    package: str
    path: str
    #: Not a member of the archive: ids the archive lacks leave the split partial.
    in_archive = False

    def read(self, member: MemberReader | None = None) -> tuple[str, ...]:
        """The ids of the list (read once per process).

        Args:
            member: not used: the list is no member of the archive.

        Returns:
            The ids, in the list's order.

        Example:
            >>> len(IdList("kvasir_seg.splits", "kvasir_seg/official/val.txt").read())
            120
        """
        return _package_list(self.package, self.path)

    def describe(self) -> str:
        """Where the list is, for messages: ``<package>/<path>``."""
        return f"{self.package}/{self.path}"


@dataclass(frozen=True)
class ArchiveList:
    """An id list inside the archive (Kvasir-Instrument's ``train.txt`` and ``test.txt``).

    The archive and its own lists must agree: a listed id without an image is an error.

    Args:
        member: the list's path below the folder that holds the image and mask folders
            (:attr:`kvasir_seg.archive.layout.Layout.root`).

    Example:
        >>> ArchiveList("test.txt").read(lambda name: b"ckcu8ty6z00003b5yzfaezbs5\\n")
        ('ckcu8ty6z00003b5yzfaezbs5',)
    """

    member: str
    #: A member of the archive: ids it lacks are an error.
    in_archive = True

    def read(self, member: MemberReader | None = None) -> tuple[str, ...]:
        """The ids of the list, read from the archive.

        Args:
            member: reads a member of the archive by its path below the archive's root.

        Returns:
            The ids, in the list's order (blank lines left out, a UTF-8 BOM allowed).

        Raises:
            CatalogError: no ``member`` reader was given.
            LayoutError: the list is not UTF-8 text.

        Example:
            >>> ArchiveList("train.txt").read(lambda name: b"a\\r\\n\\r\\nb\\r\\n")
            ('a', 'b')
        """
        if member is None:
            raise CatalogError(f"the archive's list {self.member} needs the archive to read it")
        try:
            text = member(self.member).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise LayoutError(f"{self.member} is not a UTF-8 list of ids ({error}).") from error
        return _ids_of(text)

    def describe(self) -> str:
        """Where the list is, for messages: ``the archive's <member>``."""
        return f"the archive's {self.member}"


@dataclass(frozen=True)
class SplitSpec:
    """One split of a config: its name, where its ids come from, and how many there are.

    Args:
        name: the split's name (``"train"``, ``"validation"``, ``"test"``).
        source: ``"all"`` (every example), ``"rest"`` (those in no other split of the
            config), an :class:`IdList` or an :class:`ArchiveList`.
        expected_count: how many examples the split has in the official archive (None:
            not known).

    Example:
        >>> SplitSpec("test", IdList("kvasir_seg.splits", "kvasir_seg/pranet/test.txt"), 100).name
        'test'
    """

    name: str
    source: str | IdList | ArchiveList
    expected_count: int | None = None


@dataclass(frozen=True)
class ConfigSpec:
    """A named way of splitting a dataset (``official``, ``pranet``, ...).

    Args:
        name: the config's name (the Hugging Face and TFDS config name).
        description: how the split was made and by whom, for the dataset cards.
        splits: its splits; each example must land in exactly one.

    Example:
        >>> config = ConfigSpec("default", "Everything in train.", (SplitSpec("train", "all"),))
        >>> assign_splits(config, ["b", "a"], "demo")
        {'train': ['a', 'b']}
    """

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
    """The ids of one of the lists this package ships.

    Args:
        relative_path: the list's path below ``kvasir_seg/splits/``.

    Returns:
        The ids, in the list's order.

    Example:
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
    """Distribute the ids of an archive over the splits of a config.

    Every id must land in exactly one split. Ids of a package's list that the archive lacks
    are left out with a warning (a partial archive still loads); ids of the archive's own
    list that it lacks are an error.

    Args:
        config: the config whose splits are filled.
        ids: the ids of the archive's examples (in any order; repeats count once).
        dataset: the dataset's name, for messages.
        member: reads a member of the archive, for :class:`ArchiveList` sources.

    Returns:
        ``{split name: its ids, sorted}``, in the config's order of splits.

    Raises:
        LayoutError: an id of the archive's own list has no image, an id is listed in two
            splits, or (in a config without ``"all"`` or ``"rest"``) an id is in no split.

    Example:
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
    """The split each id of a dataset has in one of its configs, from the lists alone.

    For datasets that share another dataset's ids (Kvasir-Sessile is a subset of
    Kvasir-SEG): the split each id has there, without its archive.

    Args:
        config: the config whose splits are looked up.
        everyone: a config whose package lists (:class:`IdList`) together name every id of
            the dataset.

    Returns:
        ``{id: split name}`` (computed once per process and pair of configs).

    Example:
        >>> from kvasir_seg.catalog import KVASIR_SEG
        >>> official = KVASIR_SEG.config("official")
        >>> membership(KVASIR_SEG.config("pranet"), official)["cju0qkwl35piu0993l0dewei2"]
        'train'
    """
    ids = [i for s in _listed(everyone) if not s.source.in_archive for i in s.source.read()]
    splits = assign_splits(config, ids, "membership")
    return {image_id: name for name, members in splits.items() for image_id in members}
