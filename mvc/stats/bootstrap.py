"""Vectorized bootstrap of ratio-of-sums statistics: means, corpus rates and their differences.

Every statistic here is a linear combination of ratios of sums over utterances,

    theta = sum_t c_t * sum_i num[i, t] / sum_i den[i, t],

which covers a mean (num = x, den = 1), a corpus rate such as WER (num = errors, den =
reference words) and the paired difference of two of them on the same utterances (two
terms with c = +1 and -1). A resample of the n utterances is a row of counts (how often
each utterance was drawn), so all statistics of one set of utterances are computed at once
from `counts @ num` and `counts @ den`: one matrix product per block of resamples.

Resamples are drawn as `numpy.random.default_rng(seed).integers(0, n, (n_resamples, n))`,
the draw `scipy.stats.bootstrap` makes, so with the same seed the two agree to rounding.
Intervals: percentile, or BCa (Efron & Tibshirani 1993, ch. 14) with the bias correction
z0 from the share of resamples below the estimate (ties count half) and the acceleration
from the jackknife, as scipy computes them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

METHODS = ("bca", "percentile")
BLOCK = 1000  # resamples per matrix product: bounds memory at BLOCK x n counts


@dataclass(frozen=True)
class Ratios:
    """k statistics of n utterances: `num`, `den` (n, m) term sums; `weights` (m, k) combine
    the m ratio terms into the k statistics."""

    num: np.ndarray
    den: np.ndarray
    weights: np.ndarray

    def __post_init__(self) -> None:
        if self.num.shape != self.den.shape or self.num.ndim != 2:
            raise ValueError(f"num {self.num.shape} and den {self.den.shape} must be equal (n, m)")
        if self.weights.ndim != 2 or self.weights.shape[0] != self.num.shape[1]:
            raise ValueError(f"weights {self.weights.shape} must be (m, k) with m = "
                             f"{self.num.shape[1]}")

    @property
    def n(self) -> int:
        return self.num.shape[0]

    def value(self, num_sums: np.ndarray, den_sums: np.ndarray) -> np.ndarray:
        """The statistics from term sums (..., m) -> (..., k)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return (num_sums / den_sums) @ self.weights

    def estimate(self) -> np.ndarray:
        return self.value(self.num.sum(axis=0), self.den.sum(axis=0))

    def jackknife(self) -> np.ndarray:
        """(n, k) leave-one-out statistics."""
        return self.value(self.num.sum(axis=0) - self.num, self.den.sum(axis=0) - self.den)


def means(values: np.ndarray) -> Ratios:
    """The mean of each column of `values` (n, k)."""
    values = np.asarray(values, dtype=np.float64)
    return Ratios(values, np.ones_like(values), np.eye(values.shape[1]))


def paired_difference(a: Ratios, b: Ratios) -> Ratios:
    """Statistic j of `a` minus statistic j of `b`, on the same utterances (rows)."""
    if a.n != b.n or a.weights.shape[1] != b.weights.shape[1]:
        raise ValueError("a paired difference needs the same utterances and statistics")
    return Ratios(np.hstack([a.num, b.num]), np.hstack([a.den, b.den]),
                  np.vstack([a.weights, -b.weights]))


def resample_indices(n: int, n_resamples: int, seed: int) -> np.ndarray:
    """(n_resamples, n) utterance indices drawn with replacement (scipy's draw)."""
    return np.random.default_rng(seed).integers(0, n, (n_resamples, n))


def _counts(indices: np.ndarray, n: int) -> np.ndarray:
    rows = indices.shape[0]
    flat = (indices + (np.arange(rows) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)


def distribution(stats: Ratios, indices: np.ndarray) -> np.ndarray:
    """(n_resamples, k) bootstrap replicates of the statistics for the given resamples."""
    out = np.empty((indices.shape[0], stats.weights.shape[1]))
    for start in range(0, indices.shape[0], BLOCK):
        counts = _counts(indices[start:start + BLOCK], stats.n)
        out[start:start + BLOCK] = stats.value(counts @ stats.num, counts @ stats.den)
    return out


def _percentiles(replicates: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Per column j, the levels[j] (fractions) percentile of replicates[:, j] (linear)."""
    return np.array([np.percentile(replicates[:, j], 100 * levels[j])
                     if np.isfinite(levels[j]) else np.nan for j in range(replicates.shape[1])])


def acceleration(jackknife: np.ndarray) -> np.ndarray:
    """BCa acceleration a = sum(d^3) / (6 sum(d^2)^1.5), d = mean - leave-one-out; 0 when
    every leave-one-out value is equal."""
    d = jackknife.mean(axis=0) - jackknife
    den = 6.0 * (d ** 2).sum(axis=0) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (d ** 3).sum(axis=0) / den, 0.0)


def interval(stats: Ratios, replicates: np.ndarray, confidence: float,
             method: str) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) per statistic, by percentile or BCa; NaN where n < 2."""
    if method not in METHODS:
        raise ValueError(f"unknown interval method {method!r}; use one of {METHODS}")
    alpha = (1.0 - confidence) / 2.0
    k = replicates.shape[1]
    low_level, high_level = np.full(k, alpha), np.full(k, 1.0 - alpha)
    if method == "bca":
        theta = stats.estimate()
        below = ((replicates < theta).sum(axis=0) + (replicates <= theta).sum(axis=0))
        z0 = ndtri(below / (2.0 * replicates.shape[0]))
        a = acceleration(stats.jackknife())
        levels = []
        for z in (ndtri(alpha), ndtri(1.0 - alpha)):
            shifted = z0 + z
            levels.append(ndtr(z0 + shifted / (1.0 - a * shifted)))
        low_level, high_level = levels
    low = _percentiles(replicates, low_level)
    high = _percentiles(replicates, high_level)
    if stats.n < 2:
        low[:], high[:] = np.nan, np.nan
    return low, high


def pvalue(estimate: np.ndarray, replicates: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap p-value of H0: theta = 0, per statistic.

    The replicates are shifted to the null (theta* - theta_hat, Efron & Tibshirani 1993,
    16.4) and p = (1 + #{|theta* - theta_hat| >= |theta_hat|}) / (B + 1).
    """
    centred = np.abs(replicates - estimate)
    reach = centred >= np.abs(estimate) * (1.0 - 1e-12)
    return (1.0 + reach.sum(axis=0)) / (replicates.shape[0] + 1.0)


@dataclass(frozen=True)
class BootstrapResult:
    """Per statistic: point estimate, interval, bootstrap p-value of theta = 0, replicates."""

    estimate: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p_value: np.ndarray
    replicates: np.ndarray


def bootstrap(stats: Ratios, n_resamples: int, confidence: float, method: str,
              seed: int) -> BootstrapResult:
    """Bootstrap every statistic of `stats` with one shared set of resamples."""
    replicates = distribution(stats, resample_indices(stats.n, n_resamples, seed))
    estimate = stats.estimate()
    low, high = interval(stats, replicates, confidence, method)
    return BootstrapResult(estimate, low, high, pvalue(estimate, replicates), replicates)
