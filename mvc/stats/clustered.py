"""Two-way clustered bootstrap of a mean of listener ratings (raters x utterances).

Ratings of one listener share that listener's bias, and ratings of one utterance share its
text: treating every rating as independent makes intervals too narrow. The two-way
(pigeonhole) bootstrap resamples raters and utterances independently with replacement and
gives rating (r, u) the weight count(r) * count(u) (Owen 2007; Field & Welsh 2007 on
bootstrapping clustered data). The interval is the percentile interval of the weighted
means; resamples where no rating is drawn (possible with sparse designs) are discarded and
counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

BLOCK = 500


@dataclass(frozen=True)
class ClusteredResult:
    """Mean rating, its percentile interval, ratings/raters/utterances, empty resamples."""

    estimate: float
    low: float
    high: float
    n_ratings: int
    n_raters: int
    n_utterances: int
    empty_resamples: int


def _counts(rng: np.random.Generator, rows: int, n: int) -> np.ndarray:
    draws = rng.integers(0, n, (rows, n))
    flat = (draws + (np.arange(rows) * n)[:, None]).ravel()
    return np.bincount(flat, minlength=rows * n).reshape(rows, n).astype(np.float64)


def clustered_bootstrap(values: np.ndarray, raters: np.ndarray, utterances: np.ndarray,
                        n_resamples: int, confidence: float, seed: int) -> ClusteredResult:
    """The mean of `values` with a two-way clustered percentile interval."""
    values = np.asarray(values, dtype=np.float64)
    rater_codes, rater_names = pd.factorize(np.asarray(raters))
    utt_codes, utt_names = pd.factorize(np.asarray(utterances))
    rng = np.random.default_rng(seed)
    means, empty = [], 0
    for start in range(0, n_resamples, BLOCK):
        rows = min(BLOCK, n_resamples - start)
        weights = (_counts(rng, rows, len(rater_names))[:, rater_codes]
                   * _counts(rng, rows, len(utt_names))[:, utt_codes])
        total = weights.sum(axis=1)
        kept = total > 0
        empty += int((~kept).sum())
        means.append((weights[kept] @ values) / total[kept])
    replicates = np.concatenate(means)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.percentile(replicates, [100 * alpha, 100 * (1 - alpha)])
    return ClusteredResult(float(values.mean()), float(low), float(high), int(values.size),
                           len(rater_names), len(utt_names), empty)
