"""Pair a folder of predictions with the sets of ground truth, and say what does not match.

Predictions mirror the references (:mod:`kvasir_seg.app.reference_sets`): one set (a
dataset's split, a folder of masks) has its files directly in the folder of predictions;
a folder of sets has one subfolder of predictions per set (``<set>/<id>.png``). Missing
and extra predictions, and (found while scoring) predictions of the wrong size, are
collected in :class:`PredictionProblems` and refused together as one
:class:`PredictionMismatch`.

    >>> image_label("Kvasir", "cju0qkwl35piu0993l0dewei2", several=True)
    'Kvasir/cju0qkwl35piu0993l0dewei2'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kvasir_seg.app.predictions import PredictionFolder
from kvasir_seg.app.printing import plural
from kvasir_seg.app.reference_sets import ReferenceSet, set_masks
from kvasir_seg.errors import MetricInputError
from kvasir_seg.image_files import describe_path


@dataclass
class PredictionProblems:
    """What stops a folder of predictions from being scored against the ground truth."""

    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    #: (image id, prediction (width, height), ground truth (width, height))
    wrong_size: list[tuple[str, tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    #: What to do about predictions of the wrong size, as the summary says it.
    size_hint: str = "resize them to their image"
    #: Lines that explain the lists (e.g. a folder of predictions that is not there).
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra or self.wrong_size)

    def summary(self) -> str:
        """One line: how many of each problem, and what to do about it."""
        parts = []
        if self.missing:
            parts.append(f"{len(self.missing)} missing (--allow-missing to score the others)")
        if self.extra:
            parts.append(f"{len(self.extra)} extra (--allow-extra to ignore them)")
        if self.wrong_size:
            parts.append(f"{len(self.wrong_size)} of the wrong size ({self.size_hint})")
        return "predictions do not match the ground truth: " + "; ".join(parts) + "."

    def lines(self, *, limit: int = 20) -> list[str]:
        """A readable report, at most ``limit`` ids per kind."""
        report = list(self.notes)
        for label, ids in (("missing", self.missing), ("extra", self.extra)):
            if ids:
                report.append(f"{plural(len(ids), f'{label} prediction')}:")
                report += [f"  {image_id}" for image_id in ids[:limit]]
                if len(ids) > limit:
                    report.append(f"  ... and {len(ids) - limit} more")
        if self.wrong_size:
            report.append(f"{plural(len(self.wrong_size), 'prediction')} of the wrong size:")
            report += [
                f"  {image_id}: {found[0]}x{found[1]}, the ground truth is {wanted[0]}x{wanted[1]}"
                for image_id, found, wanted in self.wrong_size[:limit]
            ]
            if len(self.wrong_size) > limit:
                report.append(f"  ... and {len(self.wrong_size) - limit} more")
        return report


class PredictionMismatch(MetricInputError):
    """Predictions that do not match the ground truth; :meth:`lines` lists them all."""

    def __init__(self, problems: dict[str, PredictionProblems]) -> None:
        self.problems = {model: found for model, found in problems.items() if found}
        super().__init__(
            "; ".join(
                f"{model + ': ' if model else ''}{found.summary()}"
                for model, found in self.problems.items()
            )
        )

    def __reduce__(self) -> tuple:
        # Pickled (e.g. from a worker process) by what it was made of, not its message.
        return type(self), (self.problems,)

    def lines(self, *, limit: int = 20) -> list[str]:
        """Every problem, at most ``limit`` ids per kind and model."""
        report = []
        for model, found in self.problems.items():
            report += [f"{model}: {line}" if model else line for line in found.lines(limit=limit)]
        return report


def image_label(set_name: str, image_id: str, several: bool) -> str:
    """How messages, captions and JSON name an image: ``<set>/<id>`` among several sets.

    Args:
        set_name: The image's set.
        image_id: Its id.
        several: Whether the ground truth has several sets.

    Returns:
        The label.
    """
    return f"{set_name}/{image_id}" if several else image_id


@dataclass(frozen=True)
class Pairing:
    """One folder of predictions against the sets: the files found, and what is not."""

    #: The prediction file of each image that has one, per set (in the set's order).
    files: dict[str, dict[str, Path]]
    #: Ids without a prediction, and predictions without a ground truth, labelled as
    #: messages label them (:func:`image_label`).
    missing: list[str]
    extra: list[str]


def pair_predictions(
    sets: Sequence[ReferenceSet], folder: PredictionFolder, problems: PredictionProblems
) -> Pairing:
    """Pair ``folder`` with ``sets``; notes on folders that are not there go to ``problems``.

    Args:
        sets: The ground truth's sets.
        folder: One model's folder of predictions.
        problems: Where notes on what is missing are added.

    Returns:
        The :class:`Pairing`.

    Raises:
        FolderError: If a folder the pairing needs cannot be used (e.g. one set's
            predictions expected directly in ``folder``, and there is none).
    """
    several = len(sets) > 1
    files: dict[str, dict[str, Path]] = {}
    missing: list[str] = []
    extra: list[str] = []
    for reference_set in sets:
        found = _set_predictions(reference_set, folder, problems)
        absent, unknown = compare_ids(reference_set.ids, found)
        missing += [image_label(reference_set.name, i, several) for i in absent]
        extra += [image_label(reference_set.name, i, several) for i in unknown]
        files[reference_set.name] = {i: found[i] for i in reference_set.ids if i in found}
    if any(s.subfolder is not None for s in sets):
        outside = _extra_folders(sets, folder)
        if outside:
            problems.notes.append(
                f"{describe_path(folder.path)} holds "
                f"{plural(len(outside), 'file or folder', 'files or folders')} that no set of "
                f"the references mirrors (e.g. {outside[0]})"
            )
        extra += outside
    return Pairing(files, missing, extra)


def compare_ids(expected: Iterable[str], found: dict[str, Path]) -> tuple[list[str], list[str]]:
    """(ids with no prediction, predictions whose id is not expected), both sorted.

    Example:
        >>> compare_ids(["a", "b"], {"b": Path("b.png"), "c": Path("c.png")})
        (['a'], ['c'])
    """
    wanted = set(expected)
    return sorted(wanted - found.keys()), sorted(found.keys() - wanted)


def _set_predictions(
    reference_set: ReferenceSet, folder: PredictionFolder, problems: PredictionProblems
) -> dict[str, Path]:
    """The prediction files of one set in a folder of predictions that mirrors the references."""
    if reference_set.subfolder is None:
        return folder.require_files()
    home = folder.path / reference_set.subfolder
    masks = set_masks(home, "prediction") if home.is_dir() else None
    if masks is None:
        problems.notes.append(
            f"no predictions for the set {reference_set.name}: expected files in "
            f"{describe_path(home)}/ (predictions mirror the references: <set>/<id>.png)"
        )
        return {}
    return masks.files


def _extra_folders(sets: Sequence[ReferenceSet], folder: PredictionFolder) -> list[str]:
    """Folders of predictions (or files) in ``folder`` that no reference set mirrors."""
    known = {s.subfolder for s in sets}
    extra = [
        f"{name}/"
        for name in folder.listing.folders
        if name not in known and set_masks(folder.path / name, "prediction") is not None
    ]
    return extra + sorted(folder.listing.files)
