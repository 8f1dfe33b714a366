"""Official split lists, shipped as package data, and the code that applies them.

The lists are byte-identical copies of the ones the dataset authors (``official``) and the
PraNet authors (``pranet``) published: one id per line, no extension.

    >>> from kvasir_seg.splits import read_id_list
    >>> len(read_id_list("kvasir_seg/official/val.txt"))
    120
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from importlib import resources

from kvasir_seg.catalog import KVASIR_SEG, ConfigSpec
from kvasir_seg.errors import LayoutError
from kvasir_seg.logs import warn_once

logger = logging.getLogger(__name__)


@cache
def read_id_list(relative_path: str) -> tuple[str, ...]:
    """The ids listed in the package-data file ``relative_path`` (relative to this folder)."""
    text = resources.files(__name__).joinpath(relative_path).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def assign_splits(config: ConfigSpec, ids: Iterable[str], dataset: str) -> dict[str, list[str]]:
    """Distribute ``ids`` over the splits of ``config``, in sorted id order.

    Every id must land in exactly one split (a :class:`LayoutError` names the ids that land
    in none). Listed ids that the archive lacks are left out with a logged warning, so that
    a partial archive (a test fixture, a subset) still loads with the official membership.

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
        wanted = read_id_list(split.source)
        present = [i for i in wanted if i in available_set]
        if len(present) < len(wanted):
            missing = [i for i in wanted if i not in available_set]
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
        wanted = tuple(present)
        for image_id in wanted:
            if image_id in claimed:
                raise LayoutError(f"{dataset}: id {image_id} is listed in two splits.")
            claimed[image_id] = split.name
        listed[split.name] = sorted(wanted)
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


def kvasir_seg_split_of(image_id: str, config_name: str) -> str:
    """The split ``image_id`` belongs to in Kvasir-SEG config ``config_name``, or ``"none"``.

    Used to mark Kvasir-Sessile examples (a subset of Kvasir-SEG) so a user can avoid
    training and testing on the same image.

    >>> kvasir_seg_split_of("cju0qkwl35piu0993l0dewei2", "official")
    'train'
    """
    membership = _membership(config_name)
    return membership.get(image_id, "none")


@cache
def _membership(config_name: str) -> dict[str, str]:
    config = KVASIR_SEG.config(config_name)
    listed = {s.name: read_id_list(s.source) for s in config.splits if s.source.endswith(".txt")}
    everyone = set(read_id_list("kvasir_seg/official/train.txt")) | set(
        read_id_list("kvasir_seg/official/val.txt")
    )
    membership = {image_id: name for name, ids in listed.items() for image_id in ids}
    rest = [s.name for s in config.splits if s.source == "rest"]
    if rest:
        for image_id in everyone - membership.keys():
            membership[image_id] = rest[0]
    return membership
