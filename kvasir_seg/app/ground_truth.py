"""Open the ground truth a scoring command names: a folder of references or a dataset's split.

A folder is read by :func:`kvasir_seg.app.reference_sets.reference_sets` (a folder of
masks, a set holding ``masks/``, or a folder of sets); a dataset's split by the core reader,
from the archive that ``--data-dir``, the archive store or a download gives.

    >>> from kvasir_seg.app.score_options import GroundTruthOptions
    >>> with opened_ground_truth(GroundTruthOptions("TestDataset/")) as truth:  # doctest: +SKIP
    ...     print(truth.title, [s.name for s in truth.sets])
    TestDataset/ ['CVC-300', 'Kvasir']
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kvasir_seg.app.options import UsageError, archive_of
from kvasir_seg.catalog import get_spec

if TYPE_CHECKING:
    from kvasir_seg.app.reference_sets import ReferenceSet
    from kvasir_seg.app.score_options import GroundTruthOptions


@dataclass
class GroundTruth:
    """The sets to score against, and what to print about where they come from."""

    sets: list[ReferenceSet]
    #: ``{"dataset", "config", "split"}`` or ``{"references"}``, for reports; the split is
    #: None for every image of an archive.
    source: dict[str, str | None]

    @property
    def title(self) -> str:
        """``kvasir_seg / official / validation`` or the references folder."""
        if "references" in self.source:
            return str(self.source["references"])
        found = (self.source[key] for key in ("dataset", "config", "split"))
        return " / ".join(value for value in found if value is not None)


def split_ids(archive: Any, config: str | None, split: str | None) -> tuple[str, list[str]]:
    """The name and ids of a split of an open archive.

    The last split is the one to look at or score: ``validation`` (official), ``test``
    (pranet), ``train`` for the datasets that have one split only.

    Args:
        archive: The open archive (:func:`kvasir_seg.archive.open_archive`).
        config: Its config (``None``: the dataset's first).
        split: The split (``None``: the config's last).

    Returns:
        (the split's name, its image ids).

    Raises:
        UsageError: If the config has no such split.
    """
    splits = archive.assign_splits(config)
    name = split if split is not None else list(splits)[-1]
    if name not in splits:
        known = ", ".join(splits)
        config_name = archive.spec.config(config).name
        raise UsageError(
            f"{archive.spec.name} config {config_name!r} has no split {name!r}; choose one of: "
            f"{known}."
        )
    return name, splits[name]


@contextmanager
def opened_ground_truth(
    options: GroundTruthOptions, *, every_image: bool = False
) -> Iterator[GroundTruth]:
    """The ground truth ``options`` name, open for the ``with`` body.

    Args:
        options: The checked options (:func:`kvasir_seg.app.score_options.read_score_options`).
        every_image: A dataset's ground truth is every image of its archive, whatever its
            split (one set named after the config).

    Yields:
        The :class:`GroundTruth`.

    Raises:
        FolderError: If the references folder cannot be used.
        UsageError: If the dataset's config has no such split.
        KvasirSegError: If the archive is not found, cannot be downloaded or fails a check.
    """
    from kvasir_seg.app.reference_sets import archive_set, reference_sets

    if options.references is not None:
        yield GroundTruth(reference_sets(options.references), {"references": options.references})
        return
    from kvasir_seg.archive import open_archive

    spec = get_spec(options.dataset)
    config = spec.config(options.config).name
    archive_path = archive_of(spec, options.archive)
    with open_archive(spec, archive_path, verify=options.archive.verify) as archive:
        if every_image:
            split, name, ids = None, config, list(archive.ids)
        else:
            split, ids = split_ids(archive, options.config, options.split)
            name = split
        source = {"dataset": spec.name, "config": config, "split": split}
        yield GroundTruth([archive_set(archive, name, ids)], source)
