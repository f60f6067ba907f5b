"""Shared setup for the SSM block tests: a batch padded with garbage after each length."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
import torch
from torch import Tensor

PaddedBatch = tuple[list[Tensor], Tensor, Tensor]


def make_garbage_padded(lengths: Sequence[int], total: int, d_model: int = 16,
                        seed: int = 0) -> PaddedBatch:
    """Random sequences (1, n, d_model) for each length, stacked into (B, total, d_model)
    with huge values after each length (and a NaN and an inf among them), and the mask
    (B, total), True = valid."""
    gen = torch.Generator().manual_seed(seed)
    seqs = [torch.randn(1, n, d_model, generator=gen) for n in lengths]
    padded = 1e6 * torch.randn(len(lengths), total, d_model, generator=gen)
    padded[0, -1, 0], padded[1, -1, 3] = float("nan"), float("inf")
    mask = torch.zeros(len(lengths), total, dtype=torch.bool)
    for i, (seq, n) in enumerate(zip(seqs, lengths, strict=True)):
        padded[i, :n] = seq[0]
        mask[i, :n] = True
    return seqs, padded, mask


@pytest.fixture
def garbage_padded() -> Callable[..., PaddedBatch]:
    """The factory `make_garbage_padded(lengths, total, d_model=16, seed=0)`."""
    return make_garbage_padded
