"""Bi-Mamba: a forward Mamba, a Mamba over the time-reversed sequence, and gated fusion.

As in the MVC paper, the backward branch's output is flipped back to the original time
order before fusion (the public MVC code fuses it still reversed). Fusion is a per-frame,
per-channel convex combination:

    g   = sigmoid(W_g [y_fwd; y_bwd] + b_g)      W_g: Linear(2 * d_model -> d_model)
    out = g * y_fwd + (1 - g) * y_bwd

With a padding mask, each sequence is reversed within its own valid length, so padding
stays at the end in both directions and never reaches a valid frame; padded outputs are 0.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from mvc.ssm.mamba import Mamba, valid_lengths


def reverse_valid(x: Tensor, lengths: Tensor) -> Tensor:
    """Reverse each sequence of x (batch, L, ...) within its first lengths[b] frames; the
    padded frames after them stay in place. It is its own inverse."""
    time = torch.arange(x.shape[1], device=x.device)
    lengths = lengths.to(x.device).unsqueeze(1)
    index = torch.where(time < lengths, lengths - 1 - time, time)
    index = index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x)
    return torch.gather(x, 1, index)


class BiMamba(nn.Module):
    """Bidirectional Mamba with gated fusion: (batch, L, d_model) -> (batch, L, d_model).

    `mamba_kwargs` (d_state, d_conv, expand, dt_rank, ...) configure both directions alike.
    """

    def __init__(self, d_model: int, scan_backend: str | None = None,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None,
                 **mamba_kwargs: Any) -> None:
        super().__init__()
        self.d_model = d_model
        shared = {"scan_backend": scan_backend, "device": device, "dtype": dtype, **mamba_kwargs}
        self.forward_mamba = Mamba(d_model, **shared)
        self.backward_mamba = Mamba(d_model, **shared)
        self.gate = nn.Linear(2 * d_model, d_model, device=device, dtype=dtype)

    def forward(self, x: Tensor, mask: Tensor | None = None) -> Tensor:
        """mask (batch, L) bool, True = valid, padding only at the end."""
        y_fwd = self.forward_mamba(x, mask)
        if mask is None:
            y_bwd = self.backward_mamba(x.flip(1)).flip(1)
        else:
            lengths = valid_lengths(mask)
            y_bwd = reverse_valid(self.backward_mamba(reverse_valid(x, lengths), mask), lengths)
        out = self.fuse(y_fwd, y_bwd)
        return out if mask is None else out.masked_fill(~mask.unsqueeze(-1), 0.0)

    def fuse(self, y_fwd: Tensor, y_bwd: Tensor) -> Tensor:
        """Gated fusion of the two directions' outputs, both in original time order."""
        g = torch.sigmoid(self.gate(torch.cat([y_fwd, y_bwd], dim=-1)))
        return g * y_fwd + (1 - g) * y_bwd
