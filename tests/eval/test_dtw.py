"""DTW against two independent references (a plain double loop, and exhaustive path search)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from mvc.eval.dtw import dtw

DIAGONAL, STEP_X, STEP_Y = (1, 1), (1, 0), (0, 1)


def loop_dtw_cost(x: np.ndarray, y: np.ndarray) -> float:
    """The symmetric1 recursion as the textbook O(n m) double loop over a padded matrix."""
    d = cdist(x, y)
    g = np.full((len(x) + 1, len(y) + 1), np.inf)
    g[0, 0] = 0.0
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            g[i, j] = d[i - 1, j - 1] + min(g[i - 1, j - 1], g[i - 1, j], g[i, j - 1])
    return float(g[-1, -1])


def all_paths(n: int, m: int):
    """Every monotone path from (0, 0) to (n-1, m-1) with unit steps, by enumeration."""
    def extend(path):
        i, j = path[-1]
        if (i, j) == (n - 1, m - 1):
            yield path
            return
        for di, dj in (DIAGONAL, STEP_X, STEP_Y):
            if i + di < n and j + dj < m:
                yield from extend([*path, (i + di, j + dj)])
    yield from extend([(0, 0)])


def path_cost(path: np.ndarray, d: np.ndarray) -> float:
    """Cost of a given path: the sum of the distances of the pairs it visits."""
    return float(d[path[:, 0], path[:, 1]].sum())


def check_path(path: np.ndarray, n: int, m: int) -> None:
    assert path.dtype == np.int64 and path.shape[1] == 2
    assert tuple(path[0]) == (0, 0) and tuple(path[-1]) == (n - 1, m - 1)
    steps = {tuple(s) for s in np.diff(path, axis=0)}
    assert steps <= {DIAGONAL, STEP_X, STEP_Y}
    assert max(n, m) <= len(path) <= n + m - 1


@pytest.mark.parametrize("seed", range(6))
def test_cost_equals_double_loop_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rng.integers(1, 30), 4))
    y = rng.standard_normal((rng.integers(1, 30), 4))
    result = dtw(x, y)
    np.testing.assert_allclose(result.cost, loop_dtw_cost(x, y), rtol=1e-12)
    np.testing.assert_allclose(result.normalized_cost, result.cost / len(result.path))
    check_path(result.path, len(x), len(y))
    np.testing.assert_allclose(path_cost(result.path, cdist(x, y)), result.cost, rtol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_path_is_the_cheapest_of_all_paths(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    x = rng.standard_normal((rng.integers(1, 6), 3))
    y = rng.standard_normal((rng.integers(1, 6), 3))
    d = cdist(x, y)
    costs = [path_cost(np.array(p), d) for p in all_paths(len(x), len(y))]
    np.testing.assert_allclose(dtw(x, y).cost, min(costs), rtol=1e-12)


def test_identical_sequences_align_on_the_diagonal() -> None:
    x = np.random.default_rng(1).standard_normal((40, 5))
    x[10:15] = x[10]  # repeated frames: ties, which the diagonal wins
    result = dtw(x, x)
    np.testing.assert_array_equal(result.path, np.stack([np.arange(40)] * 2, axis=1))
    assert result.cost == 0.0


def test_a_warped_copy_is_recovered_exactly() -> None:
    """y repeats and skips frames of x: DTW pairs only identical frames, at zero cost."""
    x = np.random.default_rng(2).standard_normal((50, 6))
    warp = np.sort(np.r_[np.arange(50), np.arange(0, 50, 4)])  # every 4th frame twice
    result = dtw(x, x[warp])
    check_path(result.path, 50, warp.size)
    assert result.cost == 0.0
    np.testing.assert_array_equal(result.path[:, 0], warp[result.path[:, 1]])


def test_bad_input_is_refused() -> None:
    x = np.zeros((5, 3))
    with pytest.raises(ValueError, match="empty"):
        dtw(x, np.zeros((0, 3)))
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        dtw(x, np.zeros((5, 4)))
    with pytest.raises(ValueError, match="NaN"):
        dtw(x, np.full((5, 3), np.nan))
    with pytest.raises(ValueError, match="25 cells"):
        dtw(x, x, max_cells=24)
