"""Deterministic train/val/test assignment, by utterance or by whole speakers (zero-shot sets).

The units (utterance ids, or speakers) are sorted, permuted with
`numpy.random.default_rng(seed)`, and cut into consecutive runs of exact sizes in the
order train, val, test. The sizes come from the fractions by the largest-remainder
method: each split gets floor(fraction * units), and the units left over go one each to
the splits with the largest fractional parts (ties to the earlier split in train, val,
test). So the result depends only on the set of units, the fractions and the seed, not on
the input order. By speaker, the fractions are fractions of speakers, not of utterances.
A whole dataset goes to one split with e.g. `{"test": 1.0}`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from mvc.data.manifest import SPLITS, Utterance

SplitUnit = Literal["utterance", "speaker"]
FRACTION_SUM_TOLERANCE = 1e-9

_UNIT_KEYS: dict[str, Callable[[Utterance], str]] = {
    "utterance": lambda row: row.utt_id,
    "speaker": lambda row: row.speaker,
}


def assign_splits(rows: Sequence[Utterance], fractions: Mapping[str, float], seed: int,
                  by: SplitUnit) -> list[Utterance]:
    """The rows, in the input order, with `split` set (see the module doc for the rule)."""
    if by not in _UNIT_KEYS:
        raise ValueError(f"by must be one of {', '.join(_UNIT_KEYS)}, got {by!r}")
    unit_of = _UNIT_KEYS[by]
    units = sorted({unit_of(row) for row in rows})
    counts = split_counts(len(units), fractions)
    labels = [split for split in SPLITS for _ in range(counts[split])]
    order = np.random.default_rng(seed).permutation(len(units))
    split_of = {units[index]: label for index, label in zip(order, labels, strict=True)}
    return [replace(row, split=split_of[unit_of(row)]) for row in rows]


def split_counts(n_units: int, fractions: Mapping[str, float]) -> dict[str, int]:
    """Exact unit counts per split (every split in SPLITS, summing to `n_units`).

    Largest-remainder rounding; raises ValueError for an unknown split name, a negative
    or non-finite fraction, or fractions not summing to 1.
    """
    unknown = sorted(set(fractions) - set(SPLITS))
    if unknown:
        raise ValueError(f"unknown split(s) {', '.join(unknown)}: use {', '.join(SPLITS)}")
    shares = {split: float(fractions.get(split, 0.0)) for split in SPLITS}
    if not all(math.isfinite(share) and share >= 0 for share in shares.values()):
        raise ValueError(f"split fractions must be finite and non-negative, got {dict(fractions)}")
    total = sum(shares.values())
    if not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=FRACTION_SUM_TOLERANCE):
        raise ValueError(f"split fractions must sum to 1, got {total} from {dict(fractions)}")
    exact = {split: share * n_units for split, share in shares.items()}
    counts = {split: math.floor(value) for split, value in exact.items()}
    by_remainder = sorted(SPLITS, key=lambda split: (-(exact[split] - counts[split]),
                                                     SPLITS.index(split)))
    for split in by_remainder[:n_units - sum(counts.values())]:
        counts[split] += 1
    return counts
