"""Holm's step-down correction of a family of p-values (Holm 1979).

Sorted ascending, p_(1) <= ... <= p_(m), the adjusted values are
p'_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)): the family-wise error rate stays at or
below alpha under any dependence between the tests, with more power than Bonferroni.
NaN p-values (a comparison without data) are left NaN and not counted in m.
"""

from __future__ import annotations

import numpy as np


def holm(p_values: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values, in the input order."""
    p = np.asarray(p_values, dtype=np.float64)
    adjusted = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    if valid.size == 0:
        return adjusted
    order = valid[np.argsort(p[valid], kind="stable")]
    m = order.size
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted
