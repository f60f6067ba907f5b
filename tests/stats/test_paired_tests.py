"""Sign-flip and Wilcoxon p-values on constructed data, against exact enumerations and scipy."""

import itertools

import numpy as np
import pytest
from scipy import stats

from mvc.stats.multiple import holm
from mvc.stats.paired_tests import sign_flip, smallest_holm_p, smallest_p, wilcoxon


def ones(n):
    return np.ones((n, 1))


def test_all_positive_differences_have_the_exact_two_sided_p_value():
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0])[:, None]
    # 32 equally likely swaps; only all-kept and all-swapped reach |mean| = 3.
    p = sign_flip(d, ones(5), np.zeros((5, 1)), ones(5), 10_000, 0)
    assert p[0] == pytest.approx(2 / 32)
    assert wilcoxon(d[:, 0]) == pytest.approx(2 / 32)  # exact signed-rank: ranks all positive


def test_exact_enumeration_equals_a_hand_enumeration_and_scipy():
    a = np.array([3.1, 2.0, 4.5, 3.3, 2.8, 3.9, 4.1, 2.2])
    b = np.array([2.9, 2.4, 3.5, 3.0, 2.9, 3.1, 3.2, 2.5])
    d = a - b
    observed = abs(d.mean())
    hand = np.mean([abs((np.array(s) * d).mean()) >= observed - 1e-12
                    for s in itertools.product((1, -1), repeat=len(d))])
    ours = sign_flip(a[:, None], ones(8), b[:, None], ones(8), 10_000, 0)[0]
    theirs = stats.permutation_test((a, b), lambda x, y, axis=-1: x.mean(axis) - y.mean(axis),
                                    permutation_type="samples", vectorized=True,
                                    n_resamples=10_000).pvalue
    assert ours == pytest.approx(hand) and ours == pytest.approx(theirs)


def test_monte_carlo_agrees_with_the_exact_value():
    rng = np.random.default_rng(3)
    a = rng.normal(0.3, 1.0, 14)
    b = rng.normal(0.0, 1.0, 14)
    exact = sign_flip(a[:, None], ones(14), b[:, None], ones(14), 2 ** 14, 0)[0]
    monte_carlo = sign_flip(a[:, None], ones(14), b[:, None], ones(14), 20_000, 1)[0]
    # Binomial standard error of a Monte Carlo p-value from 20,000 draws, times 4.
    assert abs(monte_carlo - exact) <= 4 * np.sqrt(exact * (1 - exact) / 20_000) + 1e-4


def test_corpus_rates_swap_counts_within_an_utterance():
    words = np.array([4.0, 6.0, 5.0])
    err_a, err_b = np.array([0.0, 1.0, 0.0]), np.array([2.0, 3.0, 1.0])
    p = sign_flip(err_a[:, None], words[:, None], err_b[:, None], words[:, None], 100, 0)[0]
    observed = abs(err_a.sum() - err_b.sum()) / words.sum()
    swaps = [abs(sum(s * (x - y) for s, x, y in zip(signs, err_a, err_b, strict=True)))
             / words.sum() for signs in itertools.product((1, -1), repeat=3)]
    assert p == pytest.approx(np.mean([s >= observed - 1e-12 for s in swaps]))


def test_wilcoxon_equals_scipy_and_handles_degenerate_input():
    d = np.array([0.5, -0.2, 1.1, 0.7, 0.9, -0.1, 0.4, 1.3, 0.6, 0.8])
    assert wilcoxon(d) == pytest.approx(stats.wilcoxon(d).pvalue)
    assert wilcoxon(np.zeros(5)) == 1.0
    assert np.isnan(wilcoxon(np.empty(0)))


def one_sided_data(n: int) -> tuple[np.ndarray, ...]:
    """Every utterance better by the same amount: the most extreme data there is."""
    a = np.column_stack([np.arange(n, dtype=float) + 1.0])
    return a, np.ones_like(a), a + 0.5, np.ones_like(a)


@pytest.mark.parametrize(("n", "resamples"), [(5, 10000), (9, 10000), (16, 1000), (40, 2000)])
def test_the_smallest_p_is_what_the_tests_give_on_the_most_extreme_data(n, resamples):
    observed = sign_flip(*one_sided_data(n), n_permutations=resamples, seed=3)[0]
    assert smallest_p("permutation", n, resamples) == pytest.approx(observed)


@pytest.mark.parametrize("n", [5, 9, 16])
def test_the_smallest_wilcoxon_p_is_scipys_on_the_most_extreme_data(n):
    extreme = stats.wilcoxon(0.5 + np.arange(n) * 1e-3).pvalue  # exact: no ties, n <= 50
    assert smallest_p("wilcoxon", n, 10000) == pytest.approx(extreme)


def test_the_smallest_holm_p_is_holm_of_the_most_extreme_family():
    n_pairs = [7, 9, 9, 40]
    raw = [smallest_p("permutation", n, 10000) for n in n_pairs]
    assert smallest_holm_p(n_pairs, "permutation", 10000) == pytest.approx(min(holm(np.array(raw))))
    assert smallest_holm_p([7] * 72, "permutation", 10000) == 1.0  # 72 x 2/128 > 1
    assert smallest_holm_p([40] * 72, "permutation", 10000) == pytest.approx(72 / 10001)
