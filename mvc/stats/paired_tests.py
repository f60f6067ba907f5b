"""Two-sided paired tests of "system A scores the same as system B on the same utterances".

- `sign_flip`: the permutation test that swaps the two systems' scores within each utterance
  (for a mean this flips the sign of the per-utterance difference); the statistic is the
  difference of the two ratio-of-sums statistics, so corpus WER is tested as a corpus rate.
  Exact (all 2^n swaps) when 2^n <= the number of permutations asked for, otherwise Monte
  Carlo with p = (1 + #{|T*| >= |T|}) / (P + 1) (Phipson & Smyth 2010), which is never 0.
- `wilcoxon`: scipy's Wilcoxon signed-rank test on the per-utterance differences (zero
  differences dropped, "wilcox" zero method; exact for n <= 50 without ties, normal
  approximation otherwise, as scipy decides).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as scipy_stats

BLOCK = 1000
RELATIVE_TIE = 1e-12  # |T*| within this relative distance of |T| counts as reaching it


def _flips(n: int, n_permutations: int, seed: int) -> tuple[np.ndarray, bool]:
    """(P, n) 0/1 swap patterns and whether they are all 2^n of them."""
    if n < 63 and 2 ** n <= n_permutations:
        patterns = (np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1
        return patterns.astype(np.float64), True
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, (n_permutations, n)).astype(np.float64), False


def sign_flip(num_a: np.ndarray, den_a: np.ndarray, num_b: np.ndarray, den_b: np.ndarray,
              n_permutations: int, seed: int) -> np.ndarray:
    """p-values (k,) of sum(num_a)/sum(den_a) - sum(num_b)/sum(den_b) = 0 for (n, k) inputs.

    Swapping utterance i moves (num_b[i] - num_a[i]) from B's sums to A's and back.
    """
    num_a, den_a, num_b, den_b = (np.asarray(x, dtype=np.float64)
                                  for x in (num_a, den_a, num_b, den_b))
    n = num_a.shape[0]
    if n == 0:
        return np.full(num_a.shape[1], np.nan)
    sums = [x.sum(axis=0) for x in (num_a, den_a, num_b, den_b)]
    with np.errstate(divide="ignore", invalid="ignore"):
        observed = np.abs(sums[0] / sums[1] - sums[2] / sums[3])
    dnum, dden = num_b - num_a, den_b - den_a
    flips, exact = _flips(n, n_permutations, seed)
    reach = np.zeros(num_a.shape[1])
    for start in range(0, flips.shape[0], BLOCK):
        block = flips[start:start + BLOCK]
        moved_num, moved_den = block @ dnum, block @ dden
        with np.errstate(divide="ignore", invalid="ignore"):
            statistic = ((sums[0] + moved_num) / (sums[1] + moved_den)
                         - (sums[2] - moved_num) / (sums[3] - moved_den))
        reach += (np.abs(statistic) >= observed * (1.0 - RELATIVE_TIE)).sum(axis=0)
    total = flips.shape[0]
    return reach / total if exact else (1.0 + reach) / (total + 1.0)


def wilcoxon(differences: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value; 1.0 when every difference is 0, NaN if n = 0."""
    d = np.asarray(differences, dtype=np.float64)
    if d.size == 0:
        return math.nan
    if not np.any(d != 0):
        return 1.0
    return float(scipy_stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)


def smallest_p(test: str, n_pairs: int, n_resamples: int) -> float:
    """The smallest two-sided p-value `test` can give on `n_pairs` utterance pairs: what a
    design can reach at best, whatever the data (every difference of one sign, all alike).

    permutation: 2 / 2^n when exact (the observed swap pattern and its mirror), else
    1 / (P + 1); wilcoxon: 2 / 2^n (exact signed-rank; scipy's normal approximation past
    50 pairs goes lower); bootstrap: 1 / (B + 1).
    """
    if n_pairs < 1:
        return math.nan
    exact = 2.0 ** (1 - n_pairs)
    if test == "permutation":
        return exact if n_pairs < 63 and 2 ** n_pairs <= n_resamples else 1.0 / (n_resamples + 1)
    if test == "wilcoxon":
        return exact
    if test == "bootstrap":
        return 1.0 / (n_resamples + 1)
    raise ValueError(f"unknown test {test!r}")


def smallest_holm_p(n_pairs: list[int], test: str, n_resamples: int) -> float:
    """The smallest Holm-adjusted p a family of comparisons (one n each) can reach: the
    family's size times its smallest reachable p, at most 1."""
    reachable = [smallest_p(test, n, n_resamples) for n in n_pairs if n > 0]
    if not reachable:
        return math.nan
    return min(1.0, len(n_pairs) * min(reachable))
