"""Deterministic split assignment: exact counts, seeds, whole speakers, input order."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace

import pytest

from mvc.data.manifest import Utterance
from mvc.data.splits import assign_splits, split_counts

N_SPEAKERS = 10
PER_SPEAKER = 5
FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}


def make_rows() -> list[Utterance]:
    return [Utterance(f"s{s:02d}_{u:03d}", f"s{s:02d}", "en-us", f"text {s} {u}.",
                      f"wavs/s{s:02d}_{u:03d}.wav", 1.0 + u, "train")
            for s in range(N_SPEAKERS) for u in range(PER_SPEAKER)]


def test_same_seed_same_result_other_seed_differs():
    rows = make_rows()
    first = [r.split for r in assign_splits(rows, FRACTIONS, seed=7, by="utterance")]
    again = [r.split for r in assign_splits(rows, FRACTIONS, seed=7, by="utterance")]
    other = [r.split for r in assign_splits(rows, FRACTIONS, seed=8, by="utterance")]
    assert first == again
    assert first != other


def test_exact_counts_by_utterance():
    rows = assign_splits(make_rows(), FRACTIONS, seed=0, by="utterance")
    assert Counter(r.split for r in rows) == {"train": 40, "val": 5, "test": 5}


@pytest.mark.parametrize(("n_units", "fractions", "expected"), [
    # exact 3.5 / 1.75 / 1.75: floors 3/1/1, the 2 left over go to the largest remainders
    (7, {"train": 0.5, "val": 0.25, "test": 0.25}, {"train": 3, "val": 2, "test": 2}),
    # exact 2/2/2 plus a tie on remainders 1/3 each: the leftover goes to the earlier split
    (7, {"train": 1 / 3, "val": 1 / 3, "test": 1 / 3}, {"train": 3, "val": 2, "test": 2}),
    (10, {"train": 0.9, "test": 0.1}, {"train": 9, "val": 0, "test": 1}),
    (3, {"test": 1.0}, {"train": 0, "val": 0, "test": 3}),
    (0, FRACTIONS, {"train": 0, "val": 0, "test": 0}),
])
def test_split_counts_largest_remainder(n_units, fractions, expected):
    assert split_counts(n_units, fractions) == expected


def test_by_speaker_keeps_each_speaker_in_one_split():
    fractions = {"train": 0.6, "val": 0.2, "test": 0.2}
    rows = assign_splits(make_rows(), fractions, seed=3, by="speaker")
    split_of_speaker: dict[str, set[str]] = {}
    for row in rows:
        split_of_speaker.setdefault(row.speaker, set()).add(row.split)
    assert all(len(splits) == 1 for splits in split_of_speaker.values())
    speakers_per_split = Counter(next(iter(s)) for s in split_of_speaker.values())
    assert speakers_per_split == {"train": 6, "val": 2, "test": 2}
    assert Counter(r.split for r in rows) == {"train": 30, "val": 10, "test": 10}


def test_input_order_kept_and_irrelevant_to_the_assignment():
    rows = make_rows()
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assigned = assign_splits(shuffled, FRACTIONS, seed=5, by="utterance")
    assert [r.utt_id for r in assigned] == [r.utt_id for r in shuffled]
    reference = {r.utt_id: r.split for r in assign_splits(rows, FRACTIONS, seed=5, by="utterance")}
    assert {r.utt_id: r.split for r in assigned} == reference


def test_only_split_changes():
    rows = make_rows()
    for before, after in zip(rows, assign_splits(rows, FRACTIONS, seed=0, by="utterance"),
                             strict=True):
        assert replace(after, split=before.split) == before


def test_whole_dataset_to_one_split():
    rows = assign_splits(make_rows(), {"test": 1.0}, seed=0, by="speaker")
    assert {r.split for r in rows} == {"test"}


@pytest.mark.parametrize("fractions", [
    {"train": 0.8, "val": 0.1},
    {"train": 0.8, "val": 0.1, "test": 0.2},
    {"train": 1.2, "val": -0.2},
    {"train": 0.9, "dev": 0.1},
    {"train": float("nan"), "test": 1.0},
])
def test_bad_fractions_raise(fractions):
    with pytest.raises(ValueError, match="split"):
        assign_splits(make_rows(), fractions, seed=0, by="utterance")


def test_unknown_unit_raises():
    with pytest.raises(ValueError, match="by must be one of utterance, speaker"):
        assign_splits(make_rows(), FRACTIONS, seed=0, by="chapter")  # type: ignore[arg-type]
