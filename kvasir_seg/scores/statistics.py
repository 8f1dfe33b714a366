"""Spread and uncertainty of per-image scores, and paired tests of two models on the same images.

Reviewers ask for mean ± std and whether model A really beats model B. Everything here is
``scipy.stats`` with fixed settings, so the same scores always give the same numbers:

- :func:`summarize`: mean, sample standard deviation (``ddof=1``) over images, and a 95 %
  bootstrap interval of the mean (``scipy.stats.bootstrap``, BCa, 9,999 resamples, seeded);
- :func:`compare_paired`: both means, the mean paired difference ``a - b`` with a seeded
  paired bootstrap 95 % interval, and the Wilcoxon signed-rank p-value
  (``scipy.stats.wilcoxon(a, b)`` with its default options).

Edge cases: one image has no std and no interval (``None``); identical values give an
interval of zero width (BCa is undefined there); when every paired difference is zero the
models are indistinguishable, p = 1 (what scipy reports, without its division warning).

    >>> summary = summarize([0.8, 0.9, 0.7, 0.85])
    >>> round(summary.mean, 4), round(summary.std, 4)
    (0.8125, 0.0854)
    >>> comparison = compare_paired([0.8, 0.9, 0.7, 0.85, 0.6], [0.7, 0.8, 0.7, 0.8, 0.5])
    >>> round(comparison.difference, 2), round(comparison.p_value, 4)
    (0.07, 0.125)
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from kvasir_seg.errors import MetricInputError

#: Seed of every bootstrap, so that a table is the same on every run.
BOOTSTRAP_SEED = 0
#: Resamples of every bootstrap (scipy's default).
BOOTSTRAP_RESAMPLES = 9999
#: Confidence level of the intervals.
CONFIDENCE = 0.95
#: scipy's bias-corrected and accelerated interval; percentile where BCa is undefined.
BOOTSTRAP_METHOD = "BCa"

#: Resampled values held at once (32 MiB of float64), whatever the number of images.
_RESAMPLED_VALUES = 2**22

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BootstrapSettings:
    """How the intervals are drawn; :meth:`to_dict` states it next to the numbers."""

    seed: int = BOOTSTRAP_SEED
    resamples: int = BOOTSTRAP_RESAMPLES
    confidence: float = CONFIDENCE
    method: str = BOOTSTRAP_METHOD

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    """Mean, std and bootstrap interval of one score over ``count`` images."""

    count: int
    mean: float
    std: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, Any]:
        return {name: value for name, value in asdict(self).items() if name != "count"}


@dataclass(frozen=True)
class PairedComparison:
    """Two models' scores on the same images: means, difference ``a - b``, interval, test."""

    count: int
    mean_a: float
    mean_b: float
    difference: float
    ci_low: float | None
    ci_high: float | None
    statistic: float | None
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _values(values: Sequence[float] | np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    if not array.size:
        raise MetricInputError(f"No {what} to summarise: give at least one image's score.")
    if not np.isfinite(array).all():
        raise MetricInputError(f"The {what} contain NaN or infinite values.")
    return array


def _interval(
    samples: tuple[np.ndarray, ...],
    statistic: Callable[..., Any],
    settings: BootstrapSettings,
    *,
    paired: bool,
) -> tuple[float | None, float | None]:
    """The seeded bootstrap interval of ``statistic``; ``None`` for one image."""
    from scipy import stats

    first = samples[0]
    if first.size < 2:
        return None, None
    spread = np.ptp(first) if len(samples) == 1 else np.ptp(samples[0] - samples[1])
    if spread == 0:  # every resample gives the same value; BCa would divide by zero
        value = float(statistic(*samples, axis=-1))
        return value, value
    for method in dict.fromkeys((settings.method, "percentile")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's DegenerateDataWarning: handled below
            result = stats.bootstrap(
                samples,
                statistic,
                paired=paired,
                vectorized=True,
                n_resamples=settings.resamples,
                batch=max(1, _RESAMPLED_VALUES // first.size),
                confidence_level=settings.confidence,
                method=method,
                random_state=np.random.default_rng(settings.seed),
            )
        low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
        if math.isfinite(low) and math.isfinite(high):
            return low, high
        logger.debug("The %s bootstrap interval is undefined; trying the next method.", method)
    return None, None


def _mean(values: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(values, axis=axis)


def _mean_difference(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    return np.mean(a - b, axis=axis)


def summarize(
    values: Sequence[float] | np.ndarray,
    settings: BootstrapSettings | None = None,
    *,
    interval: bool = True,
) -> Summary:
    """Mean, sample std (``ddof=1``) and seeded bootstrap interval of per-image ``values``.

    ``interval=False`` skips the bootstrap (and the import of ``scipy.stats``): the
    interval is then ``None``, as for a single image.

    >>> summarize([0.5]).std is None
    True
    """
    array = _values(values, "scores")
    settings = settings or BootstrapSettings()
    std = float(np.std(array, ddof=1)) if array.size > 1 else None
    low, high = _interval((array,), _mean, settings, paired=False) if interval else (None, None)
    return Summary(array.size, float(array.mean()), std, low, high)


def compare_paired(
    a: Sequence[float] | np.ndarray,
    b: Sequence[float] | np.ndarray,
    settings: BootstrapSettings | None = None,
) -> PairedComparison:
    """Model A's per-image scores against model B's on the same images (same order).

    ``difference`` is ``mean(a - b)``, its interval a paired bootstrap (images resampled
    with both scores); ``p_value`` is ``scipy.stats.wilcoxon(a, b).pvalue``.

        >>> compare_paired([0.5, 0.6], [0.5, 0.6]).p_value
        1.0
    """
    from scipy import stats

    first, second = _values(a, "scores of model A"), _values(b, "scores of model B")
    if first.shape != second.shape:
        raise MetricInputError(
            f"{first.size} scores for model A but {second.size} for model B; a paired "
            "comparison needs one score of each model per image."
        )
    settings = settings or BootstrapSettings()
    low, high = _interval((first, second), _mean_difference, settings, paired=True)
    if np.all(first == second):
        statistic, p_value = None, 1.0
    else:
        test = stats.wilcoxon(first, second)
        statistic, p_value = float(test.statistic), float(test.pvalue)
    return PairedComparison(
        count=first.size,
        mean_a=float(first.mean()),
        mean_b=float(second.mean()),
        difference=float(np.mean(first - second)),
        ci_low=low,
        ci_high=high,
        statistic=statistic,
        p_value=p_value,
    )
