"""Pair folders of predictions with sets of ground truth, check them, and score them set by set.

What ``evaluate``, ``compare`` and ``report`` share. Each model (a folder of predictions
that mirrors the references, :mod:`kvasir_seg.app.reference_sets`) gets one accumulator per
set and protocol, and one per protocol over all images; every image is measured once and
its statistics folded into both. Nothing is scored until every prediction is accounted
for: missing and extra ones, and (without ``resize``) ones whose size differs from their
ground truth, are all listed in one :class:`PredictionMismatch`.

    >>> from kvasir_seg.app.reference_sets import reference_sets
    >>> sets = reference_sets("TestDataset/")  # doctest: +SKIP
    >>> scores = score_models(sets, {"": Path("results/")}, ["default"])  # doctest: +SKIP
    >>> scores[""].overall["default"].result()["dice"]  # doctest: +SKIP
    0.87
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kvasir_seg.app.predictions import (
    PredictionProblems,
    compare_ids,
    files_by_id,
    find_predictions,
    prediction_size,
    read_prediction,
)
from kvasir_seg.app.reference_sets import ReferenceSet, masks_location, read_reference_file
from kvasir_seg.errors import MetricInputError
from kvasir_seg.image_files import describe_path
from kvasir_seg.scores import ScoreAccumulator, new_accumulator
from kvasir_seg.scores.parallel import ordered_map, worker_count

logger = logging.getLogger(__name__)

#: The name of the row over every image of every set.
ALL_IMAGES = "all images"

#: What the summary of wrongly sized predictions suggests.
RESIZE_HINT = (
    "--resize bilinear, bicubic or nearest resizes each to its ground truth before scoring, "
    "as the papers' test scripts do"
)

#: Images a worker gets at a time, and such tasks in flight per worker (at most 32 images
#: with 2 workers: paths, or the masks of an archive's split). One image at a time, the
#: pool's threads of the parent spent about 0.4 s of CPU sending paths and receiving
#: counts for 1000 images; eight at a time, about 0.1 s.
IMAGES_PER_TASK = 8
TASKS_AHEAD = 2


@dataclass
class ModelScores:
    """One model's accumulators: per set and protocol, and per protocol over all images."""

    sets: dict[str, dict[str, ScoreAccumulator]]
    overall: dict[str, ScoreAccumulator]
    #: The prediction file of each scored image, per set.
    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    #: Ids without a prediction, and predictions without a ground truth, labelled as in
    #: messages (``<set>/<id>`` when there are several sets).
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImageScore:
    """One scored image: its set, id, Dice (default protocol) and the scores shown of it."""

    set_name: str
    image_id: str
    dice: float
    scores: dict[str, float]


#: The default protocol's per-image scores that tables and pictures show.
SHOWN_SCORES = ("dice", "iou", "precision", "recall")


def worst_first(scores: ModelScores) -> list[ImageScore]:
    """Every image ``scores`` holds, worst Dice first (ties by set, then id), with its
    default-protocol scores and, when the PraNet protocol was scored too, its mDice."""
    found = []
    for name, accumulators in scores.sets.items():
        pranet = accumulators["pranet"].per_image() if "pranet" in accumulators else None
        for image_id, row in accumulators["default"].per_image().items():
            values = {key: row[key] for key in SHOWN_SCORES}
            if pranet is not None:
                values["pranet_mdice"] = pranet[image_id]["dice"]
            found.append(ImageScore(name, image_id, row["dice"], values))
    return sorted(found, key=lambda item: (item.dice, item.set_name, item.image_id))


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
    """How messages, captions and JSON name an image: ``<set>/<id>`` among several sets."""
    return f"{set_name}/{image_id}" if several else image_id


def _set_predictions(
    reference_set: ReferenceSet, folder: Path, problems: PredictionProblems
) -> dict[str, Path]:
    """The prediction files of one set in a folder of predictions that mirrors the references."""
    if reference_set.subfolder is None:
        return find_predictions(folder)
    home = folder / reference_set.subfolder
    location = masks_location(home) if home.is_dir() else None
    if location is None:
        problems.notes.append(
            f"no predictions for the set {reference_set.name}: expected files in "
            f"{describe_path(home)}/ (predictions mirror the references: <set>/<id>.png)"
        )
        return {}
    return files_by_id(location)


def _extra_folders(sets: Sequence[ReferenceSet], folder: Path) -> list[str]:
    """Folders of predictions (or files) in ``folder`` that no reference set mirrors."""
    known = {s.subfolder for s in sets}
    extra = [f"{path.name}/" for path in sorted(folder.iterdir()) if path.is_dir()]
    extra = [name for name in extra if name[:-1] not in known and not name.startswith(".")]
    extra = [name for name in extra if masks_location(folder / name[:-1]) is not None]
    return extra + sorted(files_by_id(folder))


def pair_predictions(
    sets: Sequence[ReferenceSet], folder: Path, problems: PredictionProblems
) -> tuple[dict[str, dict[str, Path]], list[str], list[str]]:
    """(files per set and id, missing labels, extra labels) of one folder of predictions."""
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
                f"{describe_path(folder)} holds {len(outside)} file(s) or folder(s) that no set "
                f"of the references mirrors (e.g. {outside[0]})"
            )
        extra += outside
    return files, missing, extra


def score_models(
    sets: Sequence[ReferenceSet],
    models: dict[str, Path],
    protocols: Sequence[str],
    *,
    threshold: float = 0.5,
    resize: str = "none",
    allow_missing: bool = False,
    allow_extra: bool = False,
    progress: bool = False,
    num_workers: int = 1,
) -> dict[str, ModelScores]:
    """Score every model's folder of predictions against ``sets`` under each protocol.

    ``models`` maps a label (``""`` for one model, ``"A"``/``"B"`` to compare) to its
    folder. Raises :class:`PredictionMismatch` listing every missing, extra or (with
    ``resize="none"``) wrongly sized prediction, unless ``allow_missing`` /
    ``allow_extra`` say to score what matches.

    ``num_workers`` > 1 decodes, resizes and measures the images in up to that many
    worker processes (:func:`kvasir_seg.scores.parallel.ordered_map`; fewer for a few
    images, :func:`~kvasir_seg.scores.parallel.worker_count`) and folds them here in input
    order: the same scores as ``num_workers=1``, which starts no process.
    """
    several = len(sets) > 1
    problems, scores = {}, {}
    for model, folder in models.items():
        problems[model] = PredictionProblems(size_hint=RESIZE_HINT)
        files, missing, extra = pair_predictions(sets, folder, problems[model])
        problems[model].missing = [] if allow_missing else missing
        problems[model].extra = [] if allow_extra else extra
        scores[model] = ModelScores(
            sets={s.name: _accumulators(protocols, threshold, resize) for s in sets},
            overall=_accumulators(protocols, threshold, resize),
            files=files,
            missing=missing,
            extra=extra,
        )
    total = sum(1 for _ in _pairs(sets, scores))
    models_order = list(scores)

    def tasks() -> Iterator[_ImageTask]:
        for reference_set, image_id in _pairs(sets, scores):
            mask_file = reference_set.mask_file(image_id)
            paths = [scores[m].files[reference_set.name].get(image_id) for m in models_order]
            yield _ImageTask(
                mask_file if mask_file is not None else reference_set.read_mask(image_id),
                paths,
                measure=not any(problems.values()),  # else only sizes: one run lists them all
            )

    measured = ordered_map(
        _ImageMeasurer(list(_accumulators(protocols, threshold, resize).values())),
        tasks(),
        num_workers=worker_count(num_workers, total),
        chunk=IMAGES_PER_TASK,
        ahead=TASKS_AHEAD,
    )
    with closing(measured):  # an error or Ctrl-C here stops the workers at once
        pairs = _progress(zip(_pairs(sets, scores), measured, strict=True), total, progress)
        for (reference_set, image_id), (reference_size, results) in pairs:
            for model, result in zip(models_order, results, strict=True):
                if result is None:
                    continue
                model_scores = scores[model]
                label = image_label(reference_set.name, image_id, several)
                if isinstance(result, _WrongSize):
                    problems[model].wrong_size.append((label, result.size, reference_size))
                    continue
                if any(problems.values()) or not result:
                    continue
                set_scores = model_scores.sets[reference_set.name]
                measured_protocols = zip(set_scores.items(), result, strict=True)
                for (protocol, accumulator), statistics in measured_protocols:
                    accumulator.add(statistics, image_id=image_id)
                    model_scores.overall[protocol].add(statistics, image_id=label)
    if any(problems.values()):
        raise PredictionMismatch(problems)
    for model, model_scores in scores.items():
        _drop_empty_sets(model, model_scores, protocols[0])
    return scores


@dataclass(frozen=True)
class _WrongSize:
    """A prediction whose (width, height) differs from its ground truth's."""

    size: tuple[int, int]


@dataclass(frozen=True)
class _ImageTask:
    """One image for a worker: its reference (a file, or a decoded mask), each model's
    prediction file (``None``: none), and whether to measure or only check sizes."""

    reference: Path | np.ndarray
    predictions: list[Path | None]
    measure: bool = True


@dataclass(frozen=True)
class _ImageMeasurer:
    """What a worker (or this process) runs on each :class:`_ImageTask`: the empty
    accumulators whose ``measure`` it calls, one per protocol."""

    measurers: list[ScoreAccumulator]

    def __call__(self, task: _ImageTask) -> tuple[tuple[int, int], list]:
        """(reference (width, height), per model: None, a :class:`_WrongSize`, or the
        statistics of each protocol, empty when only sizes are checked)."""
        reference = task.reference
        if isinstance(reference, Path):
            reference = read_reference_file(reference)
        height, width = reference.shape
        resize = self.measurers[0].resize
        results: list = []
        for path in task.predictions:
            if path is None:
                results.append(None)
                continue
            if resize == "none":
                size = prediction_size(path)
                if size != (width, height):
                    results.append(_WrongSize(size))
                    continue
            if not task.measure:
                results.append([])
                continue
            prediction = read_prediction(path)
            results.append([measurer.measure(prediction, reference) for measurer in self.measurers])
        return (width, height), results


def _accumulators(
    protocols: Sequence[str], threshold: float, resize: str
) -> dict[str, ScoreAccumulator]:
    return {protocol: new_accumulator(protocol, threshold, resize) for protocol in protocols}


def _pairs(
    sets: Sequence[ReferenceSet], scores: dict[str, ModelScores]
) -> Iterator[tuple[ReferenceSet, str]]:
    """(set, id) of every image that at least one model predicts."""
    for reference_set in sets:
        for image_id in reference_set.ids:
            if any(image_id in s.files[reference_set.name] for s in scores.values()):
                yield reference_set, image_id


def _progress(pairs: Iterator, total: int, enabled: bool) -> Iterator:
    from tqdm.auto import tqdm

    return tqdm(pairs, total=total, unit="image", desc="scoring", disable=not enabled)


def _drop_empty_sets(model: str, scores: ModelScores, protocol: str) -> None:
    """Sets without any prediction (allowed missing) are left out, with a warning."""
    for name in [name for name, found in scores.sets.items() if not len(found[protocol])]:
        where = f" in {model}" if model else ""
        logger.warning("The set %s has no prediction%s: it is left out.", name, where)
        del scores.sets[name]
    if not scores.sets:
        raise MetricInputError(
            "No image has a prediction: nothing to score. Check that --predictions mirrors "
            "the references (<set>/<id>.png for a folder of sets, <id>.png for one set)."
        )
