"""The reference implementations the scores are compared with, in one place.

Each one is the code users compare against, copied faithfully (where from is in its
docstring), so that a difference found is the engine's, never the copy's:

- :func:`nanonet_calculate_metrics` and :func:`mean_over_images`: NanoNet's per-image
  scikit-learn scores and their mean (the ``default`` protocol);
- :func:`pranet_toolbox_scores` and :func:`pranet_toolbox_curves`: pysodmetrics, the PraNet
  toolbox's Python port, stepped per image (the ``pranet`` protocol);
- :func:`sklearn_specificity` and :func:`plain_two_class_mean_iou`: what no reference code
  computes as the engine does, said plainly with scikit-learn or a confusion matrix.

The benchmarks import this module too (``benchmarks/common.py`` puts this folder on the
path), so the metric card's figures and the tests compare with the same code. The
libraries are imported when an oracle is called: importing this module needs numpy only.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np


def nanonet_calculate_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """NanoNet's per-image scores: ``calculate_metrics`` of NanoNet's ``test.py``
    (https://github.com/DebeshJha/NanoNet), line for line.

    Both masks ``> 0.5``, flattened, as uint8; scikit-learn's scores with NanoNet's
    arguments. NanoNet returns the list ``[jaccard, f1, recall, precision, acc, fbeta]``:
    here the same values, named as the engine's scores. Only scikit-learn's zero-division
    warnings (empty masks) are silenced.
    """
    from sklearn.metrics import (
        accuracy_score,
        f1_score,
        fbeta_score,
        jaccard_score,
        precision_score,
        recall_score,
    )

    y_pred = y_pred > 0.5
    y_pred = y_pred.reshape(-1)
    y_pred = y_pred.astype(np.uint8)

    y_true = y_true > 0.5
    y_true = y_true.reshape(-1)
    y_true = y_true.astype(np.uint8)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score_jaccard = jaccard_score(y_true, y_pred, average="binary")
        score_f1 = f1_score(y_true, y_pred, average="binary")
        score_recall = recall_score(y_true, y_pred, average="binary")
        score_precision = precision_score(y_true, y_pred, average="binary", zero_division=1)
        score_acc = accuracy_score(y_true, y_pred)
        score_fbeta = fbeta_score(y_true, y_pred, beta=2.0, average="binary", zero_division=1)

    return {
        "iou": score_jaccard,
        "dice": score_f1,
        "recall": score_recall,
        "precision": score_precision,
        "accuracy": score_acc,
        "f2": score_fbeta,
    }


def mean_over_images(rows: Sequence[dict[str, float]]) -> dict[str, float]:
    """Each score's mean over the per-image rows, as NanoNet's ``test.py`` reports them.

    NanoNet adds the rows up and divides by the number of images; ``np.mean`` (as the
    engine) differs from that by rounding only (about 1e-16).
    """
    return {name: float(np.mean([row[name] for row in rows])) for name in rows[0]}


def sklearn_specificity(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Specificity, which NanoNet does not report: scikit-learn's recall of the background
    class (``pos_label=0``), on masks thresholded as :func:`nanonet_calculate_metrics`."""
    from sklearn.metrics import recall_score

    y_true = (y_true > 0.5).astype(np.uint8).reshape(-1)
    y_pred = (y_pred > 0.5).astype(np.uint8).reshape(-1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return recall_score(y_true, y_pred, pos_label=0, average="binary")


def plain_two_class_mean_iou(predictions: list, references: list) -> float:
    """Hugging Face ``evaluate``'s ``mean_iou`` (``num_labels=2``) written as a pooled 2x2
    confusion matrix: the metric is a Hub script that cannot be loaded offline, so this
    states its formula (pooled counts, the ``nanmean`` of the background and polyp IoU)."""
    matrix = np.zeros((2, 2), dtype=np.int64)
    for prediction, reference in zip(predictions, references, strict=True):
        labels = 2 * reference.astype(np.int64).ravel() + prediction.astype(np.int64).ravel()
        matrix += np.bincount(labels, minlength=4).reshape(2, 2)
    intersection = np.diag(matrix).astype(float)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.nanmean(intersection / union))


def _dice_and_iou_curves():
    """pysodmetrics' Dice and IoU at the 256 thresholds (dynamic, not adaptive)."""
    import py_sod_metrics as sod

    handlers = {"dice": sod.DICEHandler(True, False), "iou": sod.IOUHandler(True, False)}
    return sod.FmeasureV2(metric_handlers=handlers)


def _stepped(evaluators: dict, maps: list[np.ndarray], masks: list[np.ndarray]) -> dict:
    """Step every evaluator on each (uint8 map, 0/255 mask) pair, as pysodmetrics'
    ``examples/test_metrics.py`` does; their results by name."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # empty quadrants: numpy's mean of empty slice
        for prediction, mask in zip(maps, masks, strict=True):
            for evaluator in evaluators.values():
                evaluator.step(pred=prediction, gt=mask)
    return {name: evaluator.get_results() for name, evaluator in evaluators.items()}


def pranet_toolbox_curves(maps: list[np.ndarray], masks: list[np.ndarray]) -> dict:
    """pysodmetrics' Dice and IoU curves, ``{"dice": (256,), "iou": (256,)}``: the mean
    over images at each threshold, from 255 down to 0 (see :func:`pranet_toolbox_scores`)."""
    results = _stepped({"fm": _dice_and_iou_curves()}, maps, masks)["fm"]
    return {"dice": results["dice"]["dynamic"], "iou": results["iou"]["dynamic"]}


def pranet_toolbox_scores(maps: list[np.ndarray], masks: list[np.ndarray]) -> dict[str, float]:
    """What the PraNet toolbox reports, through pysodmetrics 1.6.2, its Python port
    (https://github.com/lartpang/PySODMetrics).

    Its classes are stepped per image on uint8 0..255 maps and 0/255 masks and read as its
    ``examples/test_metrics.py`` reads them (``em["curve"].mean()`` and so on), with the
    handlers the PraNet protocol reports: ``FmeasureV2`` with Dice and IoU, ``Smeasure``,
    ``Emeasure``, ``WeightedFmeasure`` and ``MAE``.
    """
    import py_sod_metrics as sod

    evaluators = {
        "fm": _dice_and_iou_curves(),
        "sm": sod.Smeasure(),
        "em": sod.Emeasure(),
        "wfm": sod.WeightedFmeasure(),
        "mae": sod.MAE(),
    }
    results = _stepped(evaluators, maps, masks)
    dice, iou = results["fm"]["dice"]["dynamic"], results["fm"]["iou"]["dynamic"]
    e = results["em"]["em"]
    return {
        "mdice": dice.mean(),
        "miou": iou.mean(),
        "max_dice": dice.max(),
        "max_iou": iou.max(),
        "s_measure": results["sm"]["sm"],
        "mean_e_measure": e["curve"].mean(),
        "max_e_measure": e["curve"].max(),
        "adaptive_e_measure": e["adp"],
        "weighted_f_measure": results["wfm"]["wfm"],
        "mae": results["mae"]["mae"],
    }
