"""Score folders of predictions against the ground truth, set by set and over all images.

What ``evaluate``, ``compare``, ``report`` and ``show`` share. Each model (a folder of
predictions that mirrors the references, :mod:`kvasir_seg.app.pairing`) gets one
accumulator per set and protocol, and one per protocol over all images; every image is
measured once and its statistics added to both. Nothing is scored until every prediction
is accounted for: missing and extra ones, and (without ``resize``) ones whose size differs
from their ground truth, are all listed in one
:class:`~kvasir_seg.app.pairing.PredictionMismatch`. With ``num_workers`` > 1 the files are
read and measured in worker processes (:mod:`kvasir_seg.scores.parallel`).

    >>> from kvasir_seg.app.predictions import PredictionFolder
    >>> from kvasir_seg.app.reference_sets import reference_sets
    >>> sets = reference_sets("TestDataset/")  # doctest: +SKIP
    >>> folder = PredictionFolder.open("results/")  # doctest: +SKIP
    >>> scores = score_models(sets, {"": folder}, ScoringOptions(("default",)))  # doctest: +SKIP
    >>> scores[""].overall["default"].result()["dice"]  # doctest: +SKIP
    0.87
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kvasir_seg.app.pairing import (
    PredictionMismatch,
    PredictionProblems,
    image_label,
    pair_predictions,
)
from kvasir_seg.app.predictions import PredictionFolder, prediction_size, read_prediction
from kvasir_seg.app.reference_sets import ReferenceSet, read_reference_file
from kvasir_seg.app.score_options import ScoringOptions
from kvasir_seg.errors import MetricInputError
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


def score_models(
    sets: Sequence[ReferenceSet],
    models: dict[str, PredictionFolder],
    options: ScoringOptions,
) -> dict[str, ModelScores]:
    """Score every model's folder of predictions against ``sets`` under each protocol.

    Args:
        sets: The ground truth's sets.
        models: Each model's folder, by label (``""`` for one model, ``"A"``/``"B"`` to
            compare).
        options: How to score. ``num_workers`` > 1 decodes, resizes and measures the
            images in up to that many worker processes (fewer for a few images,
            :func:`~kvasir_seg.scores.parallel.worker_count`) and adds them here in input
            order: the same scores as one process.

    Returns:
        Each model's :class:`ModelScores`, by label.

    Raises:
        PredictionMismatch: Listing every missing, extra or (with ``resize="none"``)
            wrongly sized prediction, unless ``allow_missing`` / ``allow_extra`` say to
            score what matches.
        MetricInputError: If a file cannot be read or measured (naming it), or no image
            has a prediction.
        FolderError: If a folder of predictions cannot be used.
    """
    several = len(sets) > 1
    problems, scores = {}, {}
    for model, folder in models.items():
        problems[model] = PredictionProblems(size_hint=RESIZE_HINT)
        pairing = pair_predictions(sets, folder, problems[model])
        problems[model].missing = [] if options.allow_missing else pairing.missing
        problems[model].extra = [] if options.allow_extra else pairing.extra
        scores[model] = ModelScores(
            sets={s.name: _accumulators(options) for s in sets},
            overall=_accumulators(options),
            files=pairing.files,
            missing=pairing.missing,
            extra=pairing.extra,
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

    # Called before the progress bar: the workers start (fork) while no other thread runs.
    measured = ordered_map(
        _ImageMeasurer(list(_accumulators(options).values())),
        tasks(),
        num_workers=worker_count(options.num_workers, total),
        chunk=IMAGES_PER_TASK,
        ahead=TASKS_AHEAD,
    )
    with closing(measured):  # an error or Ctrl-C here stops the workers at once
        pairs = _progress(zip(_pairs(sets, scores), measured, strict=True), total, options.progress)
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
        _drop_empty_sets(model, model_scores, options.protocols[0])
    return scores


def score_or_explain(
    sets: Sequence[ReferenceSet], models: dict[str, PredictionFolder], options: ScoringOptions
) -> dict[str, ModelScores]:
    """:func:`score_models`, with every mismatch listed on stderr and a warning for the
    images left out (``--allow-missing``): what the commands print.

    Args:
        sets: As :func:`score_models` takes them.
        models: As :func:`score_models` takes them.
        options: As :func:`score_models` takes them.

    Returns:
        What :func:`score_models` returns.

    Raises:
        PredictionMismatch: After its lines are printed on stderr.
    """
    try:
        scores = score_models(sets, models, options)
    except PredictionMismatch as mismatch:
        for line in mismatch.lines():
            print(line, file=sys.stderr)
        raise
    total = sum(len(reference_set.ids) for reference_set in sets)
    for model, found in scores.items():
        if found.missing:
            logger.warning(
                "%sno prediction for %d of the %d images: left out of the scores (--allow-missing)",
                f"{model}: " if model else "",
                len(found.missing),
                total,
            )
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


def _accumulators(options: ScoringOptions) -> dict[str, ScoreAccumulator]:
    return {
        protocol: new_accumulator(protocol, options.threshold, options.resize)
        for protocol in options.protocols
    }


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
