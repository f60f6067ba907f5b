"""Holm's correction against statsmodels' implementation and a hand example."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from mvc.stats.multiple import holm


def test_hand_example():
    # Sorted 0.01, 0.02, 0.04 -> 3 * 0.01, max(0.03, 2 * 0.02), max(0.04, 1 * 0.04).
    assert holm(np.array([0.04, 0.01, 0.02])).tolist() == pytest.approx([0.04, 0.03, 0.04])


@pytest.mark.parametrize("seed", range(5))
def test_equals_statsmodels(seed):
    p = np.random.default_rng(seed).uniform(0, 0.2, 12)
    p[3] = p[7]  # a tie
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])


def test_nan_is_kept_and_not_counted():
    adjusted = holm(np.array([0.01, np.nan, 0.02]))
    assert np.isnan(adjusted[1])
    assert adjusted[[0, 2]] == pytest.approx(multipletests([0.01, 0.02], method="holm")[1])
