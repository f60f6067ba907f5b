"""The vectorized bootstrap against scipy.stats.bootstrap, closed forms, and a coverage
simulation on known distributions."""

import numpy as np
import pytest
from scipy import stats

from mvc.stats.bootstrap import (
    Ratios,
    acceleration,
    bootstrap,
    means,
    paired_difference,
    resample_indices,
)


@pytest.fixture
def samples():
    rng = np.random.default_rng(0)
    x = rng.exponential(size=40)
    return x, x + rng.normal(0.2, 0.5, 40)


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_mean_interval_equals_scipy(samples, method):
    x, _ = samples
    ours = bootstrap(means(x[:, None]), 2000, 0.95, method, 7)
    theirs = stats.bootstrap((x,), np.mean, n_resamples=2000, method=method,
                             rng=np.random.default_rng(7), vectorized=True)
    assert ours.low[0] == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert ours.high[0] == pytest.approx(theirs.confidence_interval.high, rel=1e-10)
    assert ours.estimate[0] == pytest.approx(x.mean())


@pytest.mark.parametrize("method", ["percentile", "bca"])
def test_paired_difference_equals_scipy_paired(samples, method):
    x, y = samples
    ours = bootstrap(paired_difference(means(y[:, None]), means(x[:, None])), 2000, 0.9,
                     method, 3)
    theirs = stats.bootstrap((y, x), lambda a, b, axis=-1: a.mean(axis) - b.mean(axis),
                             paired=True, n_resamples=2000, method=method, confidence_level=0.9,
                             rng=np.random.default_rng(3), vectorized=True)
    assert ours.low[0] == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert ours.high[0] == pytest.approx(theirs.confidence_interval.high, rel=1e-10)


def test_corpus_ratio_equals_scipy_on_a_ratio_statistic():
    rng = np.random.default_rng(1)
    words = rng.integers(3, 20, 30).astype(float)
    errors = rng.binomial(words.astype(int), 0.2).astype(float)
    ours = bootstrap(Ratios(errors[:, None], words[:, None], np.ones((1, 1))), 1500, 0.95,
                     "bca", 11)
    theirs = stats.bootstrap((errors, words), lambda e, w, axis=-1: e.sum(axis) / w.sum(axis),
                             paired=True, n_resamples=1500, method="bca",
                             rng=np.random.default_rng(11), vectorized=True)
    assert ours.estimate[0] == pytest.approx(errors.sum() / words.sum())
    assert ours.low[0] == pytest.approx(theirs.confidence_interval.low, rel=1e-10)
    assert ours.high[0] == pytest.approx(theirs.confidence_interval.high, rel=1e-10)


def test_batched_statistics_equal_the_same_statistics_alone(samples):
    x, y = samples
    both = bootstrap(means(np.column_stack([x, y])), 500, 0.95, "bca", 5)
    alone = bootstrap(means(y[:, None]), 500, 0.95, "bca", 5)
    # Equal up to the summation order of the matrix product.
    assert both.low[1] == pytest.approx(alone.low[0], rel=1e-12)
    assert both.high[1] == pytest.approx(alone.high[0], rel=1e-12)


def test_resamples_are_scipys_draw():
    drawn = resample_indices(5, 3, 42)
    assert np.array_equal(drawn, np.random.default_rng(42).integers(0, 5, (3, 5)))


def test_acceleration_closed_form_and_degenerate_case():
    jack = np.array([[1.0], [2.0], [4.0]])
    d = jack.mean() - jack[:, 0]
    assert acceleration(jack)[0] == pytest.approx((d ** 3).sum() / (6 * (d ** 2).sum() ** 1.5))
    assert acceleration(np.ones((4, 1)))[0] == 0.0


def test_constant_data_gives_a_point_interval_and_one_value_gives_nan():
    result = bootstrap(means(np.full((10, 1), 3.0)), 200, 0.95, "bca", 0)
    assert (result.low[0], result.high[0]) == (3.0, 3.0)
    single = bootstrap(means(np.array([[2.0]])), 200, 0.95, "percentile", 0)
    assert np.isnan(single.low[0]) and single.estimate[0] == 2.0


def test_bootstrap_p_value_counts_null_centred_replicates():
    shifted = bootstrap(means(np.full((8, 1), 1.0)), 999, 0.95, "percentile", 0)
    assert shifted.p_value[0] == pytest.approx(1 / 1000)  # no replicate moves by >= 1
    symmetric = bootstrap(means(np.array([[-1.0], [1.0]] * 10)), 999, 0.95, "percentile", 0)
    assert symmetric.p_value[0] == 1.0  # estimate 0: every replicate reaches it


REPLICATIONS = 300
# Two-sided 99.9 % acceptance region of the number of covering intervals if the true
# coverage were exactly 0.95; a bootstrap interval may undercover slightly at small n, so
# the lower bound is also checked against a known-good reference (scipy's own interval).
LOW, HIGH = stats.binom.interval(0.999, REPLICATIONS, 0.95)


@pytest.mark.parametrize(("method", "draw", "true_mean"), [
    ("percentile", lambda rng: rng.normal(1.0, 2.0, 60), 1.0),
    ("bca", lambda rng: rng.exponential(1.0, 60), 1.0),
])
def test_coverage_of_95_percent_intervals(method, draw, true_mean):
    covered = 0
    for seed in range(REPLICATIONS):
        rng = np.random.default_rng(1000 + seed)
        result = bootstrap(means(draw(rng)[:, None]), 1000, 0.95, method, seed)
        covered += result.low[0] <= true_mean <= result.high[0]
    assert LOW <= covered <= HIGH, (covered, LOW, HIGH)


def test_coverage_of_the_corpus_rate():
    covered = 0
    for seed in range(REPLICATIONS):
        rng = np.random.default_rng(5000 + seed)
        words = rng.integers(3, 25, 80)
        errors = rng.binomial(words, 0.15)
        result = bootstrap(Ratios(errors[:, None].astype(float), words[:, None].astype(float),
                                  np.ones((1, 1))), 1000, 0.95, "bca", seed)
        covered += result.low[0] <= 0.15 <= result.high[0]
    assert LOW <= covered <= HIGH, (covered, LOW, HIGH)
