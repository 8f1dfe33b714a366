"""Spread, bootstrap intervals and paired tests: exactly what scipy.stats gives, seeded."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from kvasir_seg import MetricInputError
from kvasir_seg.scores.statistics import BootstrapSettings, compare_paired, summarize


def _dice_like(seed: int, count: int) -> np.ndarray:
    """Skewed per-image scores in [0, 1], most near 0.9, a few failures at 0."""
    rng = np.random.default_rng(seed)
    values = np.clip(rng.beta(8, 1.5, count), 0, 1)
    values[rng.random(count) < 0.08] = 0.0
    return values


@pytest.mark.parametrize("count", [2, 7, 120])
def test_summary_is_numpy_std_and_scipy_bca_bootstrap_with_the_seed(count: int) -> None:
    values = _dice_like(count, count)
    summary = summarize(values)
    assert summary.count == count and summary.mean == values.mean()
    assert summary.std == pytest.approx(np.std(values, ddof=1), abs=1e-15)
    interval = stats.bootstrap(
        (values,), np.mean, n_resamples=9999, random_state=np.random.default_rng(0)
    ).confidence_interval  # scipy's defaults: BCa, 95 %
    assert (summary.ci_low, summary.ci_high) == pytest.approx((interval.low, interval.high))
    assert summary == summarize(values)  # seeded: the same every time
    other = summarize(values, BootstrapSettings(seed=1))
    assert other.mean == summary.mean and other.ci_low != summary.ci_low or count == 2


def test_degenerate_samples_have_defined_summaries() -> None:
    single = summarize([0.7])
    assert (single.std, single.ci_low, single.ci_high) == (None, None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no division or degenerate-data warning escapes
        constant = summarize([0.4, 0.4, 0.4])
    assert constant.std == pytest.approx(0.0, abs=1e-15)
    assert constant.ci_low == constant.ci_high == constant.mean == pytest.approx(0.4)
    without = summarize([0.1, 0.5, 0.9], interval=False)
    assert without.std == pytest.approx(0.4) and without.ci_low is None
    with pytest.raises(MetricInputError, match="at least one image"):
        summarize([])
    with pytest.raises(MetricInputError, match="NaN"):
        summarize([0.5, float("nan")])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_paired_comparison_is_scipy_wilcoxon_and_paired_bootstrap(seed: int) -> None:
    a = _dice_like(seed, 40)
    b = np.clip(a - np.random.default_rng(seed + 10).normal(0.02, 0.05, a.size), 0, 1)
    found = compare_paired(a, b)
    test = stats.wilcoxon(a, b)
    assert found.p_value == test.pvalue and found.statistic == test.statistic
    assert found.mean_a == a.mean() and found.mean_b == b.mean()
    assert found.difference == pytest.approx((a - b).mean(), abs=1e-15)
    interval = stats.bootstrap(
        (a, b),
        lambda x, y, axis: np.mean(x - y, axis=axis),
        paired=True,
        n_resamples=9999,
        random_state=np.random.default_rng(0),
    ).confidence_interval
    assert (found.ci_low, found.ci_high) == pytest.approx((interval.low, interval.high))
    assert found.ci_low <= found.difference <= found.ci_high
    assert compare_paired(b, a).difference == pytest.approx(-found.difference, abs=1e-15)


def test_identical_scores_give_p_one_without_warnings() -> None:
    a = _dice_like(5, 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same = compare_paired(a, a.copy())
    assert same.p_value == 1.0 and same.statistic is None and same.difference == 0.0
    assert same.ci_low == same.ci_high == 0.0
    # Some zero differences among others: scipy's default drops them ("wilcox").
    b = a.copy()
    b[:6] -= 0.05
    assert compare_paired(a, b).p_value == stats.wilcoxon(a, b).pvalue
    with pytest.raises(MetricInputError, match="one score of each model per image"):
        compare_paired(a, a[:-1])
