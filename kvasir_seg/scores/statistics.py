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
    """How the bootstrap intervals are drawn; reports print it next to the numbers.

    Args:
        seed: Seed of the random generator of every bootstrap.
        resamples: Resamples per bootstrap.
        confidence: Confidence level of the intervals, in (0, 1).
        method: scipy's ``stats.bootstrap`` method tried first (``"BCa"``,
            ``"percentile"`` or ``"basic"``); ``"percentile"`` is used where it gives no
            finite interval.

    Example:
        >>> BootstrapSettings(resamples=999).resamples
        999
    """

    seed: int = BOOTSTRAP_SEED
    resamples: int = BOOTSTRAP_RESAMPLES
    confidence: float = CONFIDENCE
    method: str = BOOTSTRAP_METHOD

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-ready dict.

        Returns:
            ``{"seed": ..., "resamples": ..., "confidence": ..., "method": ...}``.

        Example:
            >>> BootstrapSettings().to_dict()
            {'seed': 0, 'resamples': 9999, 'confidence': 0.95, 'method': 'BCa'}
        """
        return asdict(self)


@dataclass(frozen=True)
class Summary:
    """Mean, standard deviation and bootstrap interval of one score over ``count`` images.

    Made by :func:`summarize`.

    Args:
        count: The number of images.
        mean: The mean score.
        std: The sample standard deviation (``ddof=1``); ``None`` for one image.
        ci_low: The interval's lower end; ``None`` for one image or without interval.
        ci_high: Its upper end, likewise.

    Example:
        >>> Summary(count=1, mean=0.5, std=None, ci_low=None, ci_high=None).mean
        0.5
    """

    count: int
    mean: float
    std: float | None
    ci_low: float | None
    ci_high: float | None

    def to_dict(self) -> dict[str, Any]:
        """The summary as a JSON-ready dict, without ``count`` (reports give it once).

        Returns:
            ``{"mean": ..., "std": ..., "ci_low": ..., "ci_high": ...}``.

        Example:
            >>> summarize([0.5, 0.7], interval=False).to_dict()
            {'mean': 0.6, 'std': 0.14142135623730948, 'ci_low': None, 'ci_high': None}
        """
        return {name: value for name, value in asdict(self).items() if name != "count"}


@dataclass(frozen=True)
class PairedComparison:
    """Two models' scores on the same images: both means, their difference, interval and test.

    Made by :func:`compare_paired`.

    Args:
        count: The number of images.
        mean_a: Model A's mean score.
        mean_b: Model B's mean score.
        difference: ``mean(a - b)``.
        ci_low: The lower end of the paired bootstrap interval of the difference; ``None``
            for one image.
        ci_high: Its upper end, likewise.
        statistic: The Wilcoxon signed-rank statistic; ``None`` when every difference is 0.
        p_value: The Wilcoxon test's p-value (1.0 when every difference is 0).

    Example:
        >>> compare_paired([0.5, 0.6], [0.5, 0.6]).difference
        0.0
    """

    count: int
    mean_a: float
    mean_b: float
    difference: float
    ci_low: float | None
    ci_high: float | None
    statistic: float | None
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready dict, every field included.

        Returns:
            ``{"count": ..., "mean_a": ..., ..., "p_value": ...}``.

        Example:
            >>> sorted(compare_paired([0.5, 0.6], [0.5, 0.6]).to_dict())[:3]
            ['ci_high', 'ci_low', 'count']
        """
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
    """Mean, sample standard deviation and seeded bootstrap interval of per-image scores.

    The interval is scipy's ``stats.bootstrap`` of the mean with ``settings``; identical
    values give an interval of zero width.

    Args:
        values: One score per image (finite floats, at least one).
        settings: How the interval is drawn (:class:`BootstrapSettings` by default).
        interval: False skips the bootstrap (and the import of ``scipy.stats``): the
            interval is then ``None``, as for a single image.

    Returns:
        The :class:`Summary`: ``std`` with ``ddof=1`` (``None`` for one image).

    Raises:
        MetricInputError: If there is no value, or one is NaN or infinite.

    Example:
        >>> summary = summarize([0.8, 0.9, 0.7, 0.85])
        >>> round(summary.mean, 4), round(summary.std, 4)
        (0.8125, 0.0854)
        >>> summary.ci_low < summary.mean < summary.ci_high
        True
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
    """Compare two models' per-image scores on the same images: difference, interval, test.

    ``difference`` is ``mean(a - b)``, its interval a paired bootstrap (images resampled
    with both scores); ``p_value`` is ``scipy.stats.wilcoxon(a, b).pvalue`` with scipy's
    default options, or 1.0 when every difference is 0 (the models cannot be told apart).

    Args:
        a: Model A's score on each image (finite floats).
        b: Model B's score on the same images, in the same order.
        settings: How the interval is drawn (:class:`BootstrapSettings` by default).

    Returns:
        The :class:`PairedComparison`.

    Raises:
        MetricInputError: If a list is empty, holds NaN or infinity, or the two lengths
            differ.

    Example:
        >>> comparison = compare_paired([0.8, 0.9, 0.7, 0.85, 0.6], [0.7, 0.8, 0.7, 0.8, 0.5])
        >>> round(comparison.difference, 2), round(comparison.p_value, 4)
        (0.07, 0.125)
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
