"""Monotonic alignment search (Glow-TTS, Kim et al. 2020): the hard alignment of T text
positions to F >= T frames that maximizes the summed log scores.

Each frame goes to exactly one text position, positions are visited in order and each gets
at least one frame. Dynamic programming over (position t, frame f):

    Q[t, f] = value[t, f] + max(Q[t, f - 1], Q[t - 1, f - 1])      Q[0, 0] = value[0, 0]

then a backtrack from (T - 1, F - 1). Our own numba kernel (one pass per utterance, O(T F)).
"""

from __future__ import annotations

import numba
import numpy as np
import torch
from torch import Tensor

NEG_INF = -1e30


@numba.njit(cache=True)
def _path(value: np.ndarray) -> np.ndarray:
    """Durations (T,) of the best monotonic path through value (T, F), F >= T >= 1."""
    n_text, n_frames = value.shape
    q = np.full((n_text, n_frames), NEG_INF)
    q[0, 0] = value[0, 0]
    for f in range(1, n_frames):
        for t in range(max(0, n_text - n_frames + f), min(n_text, f + 1)):
            stay = q[t, f - 1]
            move = q[t - 1, f - 1] if t > 0 else NEG_INF
            q[t, f] = value[t, f] + (stay if stay >= move else move)
    durations = np.zeros(n_text, dtype=np.int64)
    t = n_text - 1
    for f in range(n_frames - 1, -1, -1):
        durations[t] += 1
        if t > 0 and (t == f or q[t - 1, f - 1] > q[t, f - 1]):
            t -= 1
    return durations


def monotonic_durations(log_scores: Tensor, text_lengths: Tensor, frame_lengths: Tensor) -> Tensor:
    """Hard durations (B, T) from log scores (B, T, F) of text position t for frame f.

    Each utterance uses its first text_lengths[b] positions and frame_lengths[b] frames;
    its durations sum to frame_lengths[b], are >= 1 on valid positions and 0 on padding.
    Raises ValueError when an utterance has more text positions than frames.
    """
    scores = log_scores.detach().double().cpu().numpy()
    out = np.zeros(scores.shape[:2], dtype=np.int64)
    for b, (n_text, n_frames) in enumerate(zip(text_lengths.tolist(), frame_lengths.tolist(),
                                               strict=True)):
        if not 1 <= n_text <= n_frames:
            raise ValueError(f"utterance {b}: {n_text} text positions cannot align to "
                             f"{n_frames} frames (need 1 <= positions <= frames)")
        out[b, :n_text] = _path(np.ascontiguousarray(scores[b, :n_text, :n_frames]))
    return torch.from_numpy(out).to(log_scores.device)
