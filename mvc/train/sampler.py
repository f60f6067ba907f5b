"""Seeded, length-bucketed batches: the same (seed, stage, epoch) always gives the same batches.

An epoch's order depends only on its seed, never on what ran before, so a run resumed at
(stage, epoch, batch k) sees exactly the batches an uninterrupted run would have seen.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def epoch_batches(lengths: Sequence[int], batch_size: int, bucket_batches: int, seed: int,
                  stage: int, epoch: int, rank: int = 0, world_size: int = 1) -> list[list[int]]:
    """The batches (lists of example indices) of one epoch, for process `rank` of `world_size`.

    Shuffle all indices; cut into buckets of batch_size * bucket_batches; sort each bucket by
    length (longest first, ties by index) and cut it into batches; shuffle the batch order.
    The last batch may be smaller. Under torchrun each rank takes every world_size-th batch of
    the same list, dropping the tail so that every rank runs the same number of steps.
    """
    rng = np.random.default_rng([seed, stage, epoch])
    order = rng.permutation(len(lengths))
    bucket = batch_size * bucket_batches
    batches: list[list[int]] = []
    for start in range(0, len(order), bucket):
        run = sorted(order[start:start + bucket].tolist(), key=lambda i: (-lengths[i], i))
        batches.extend(run[k:k + batch_size] for k in range(0, len(run), batch_size))
    batches = [batches[i] for i in rng.permutation(len(batches))]
    usable = len(batches) - len(batches) % world_size
    return batches[rank:usable:world_size]
