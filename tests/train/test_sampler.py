"""Seeded length-bucketed batches: reproducible, complete, length-sorted within buckets, and
split evenly across torchrun processes."""

from __future__ import annotations

import numpy as np

from mvc.train.sampler import epoch_batches

LENGTHS = np.random.default_rng(0).integers(50, 900, size=37).tolist()


def test_the_same_seed_stage_and_epoch_give_the_same_batches():
    first = epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=2)
    assert first == epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=2)
    assert first != epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=3)
    assert first != epoch_batches(LENGTHS, 4, 3, seed=5, stage=2, epoch=2)
    assert first != epoch_batches(LENGTHS, 4, 3, seed=6, stage=1, epoch=2)


def test_every_example_appears_once_per_epoch():
    batches = epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=0)
    assert sorted(i for b in batches for i in b) == list(range(len(LENGTHS)))
    assert all(1 <= len(b) <= 4 for b in batches)
    assert sum(len(b) < 4 for b in batches) <= 4  # at most one short batch per bucket


def test_batches_hold_neighbouring_lengths_within_a_bucket():
    bucketed = epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=0)
    unbucketed = epoch_batches(LENGTHS, 4, 1, seed=5, stage=1, epoch=0)
    for batch in bucketed:
        lengths = [LENGTHS[i] for i in batch]
        assert lengths == sorted(lengths, reverse=True)

    def padding(batches):
        return sum(max(LENGTHS[i] for i in b) * len(b) - sum(LENGTHS[i] for i in b)
                   for b in batches)
    one_bucket = epoch_batches(LENGTHS, 4, 100, seed=5, stage=1, epoch=0)
    assert padding(one_bucket) <= padding(bucketed) <= padding(unbucketed)


def test_processes_split_the_same_batches_evenly():
    whole = epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=0)  # 10 batches
    ranks = [epoch_batches(LENGTHS, 4, 3, seed=5, stage=1, epoch=0, rank=r, world_size=3)
             for r in range(3)]
    assert [len(r) for r in ranks] == [3, 3, 3]
    assert sorted(map(tuple, (b for r in ranks for b in r))) == sorted(map(tuple, whole[:9]))
