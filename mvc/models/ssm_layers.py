"""Residual Bi-Mamba layers for the conditioning path, offline or streamed.

A layer is pre-norm residual: x + dropout(BiMamba(norm(x))), with norm a LayerNorm or,
given a style, AdaLN `(1 + gamma(s)) * LayerNorm(x) + beta(s)`. Streaming runs the Bi-Mamba
through `mvc.ssm.streaming.stream` with a finite look-ahead of W steps per layer (a stack
of n layers therefore looks n * W steps ahead in its input); W >= the length equals the
offline pass.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mvc.models.config import MambaConfig
from mvc.models.layers import AdaLN, masked_fill_zero
from mvc.ssm.bimamba import BiMamba
from mvc.ssm.streaming import stream


def bimamba(d_model: int, config: MambaConfig) -> BiMamba:
    """A Bi-Mamba with the configured block settings."""
    return BiMamba(d_model, scan_backend=config.scan_backend, d_state=config.d_state,
                   d_conv=config.d_conv, expand=config.expand)


class ResidualBiMamba(nn.Module):
    """x + dropout(BiMamba(norm(x))) on (B, L, d_model); AdaLN when style_dim is given."""

    def __init__(self, d_model: int, config: MambaConfig, dropout: float,
                 style_dim: int | None = None) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_model) if style_dim is None else AdaLN(d_model, style_dim)
        self.mixer = bimamba(d_model, config)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None, style: Tensor | None = None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        """mask (B, L) True = valid; lookahead W streams the layer (batch of one, no
        padding) emitting `chunk` steps at a time."""
        h = self.norm(x) if style is None else self.norm(x, style)
        if lookahead is None:
            y = self.mixer(h, mask)
        else:
            if x.shape[0] != 1 or (mask is not None and not bool(mask.all())):
                raise ValueError("streaming takes one utterance without padding")
            y = stream(self.mixer, h, chunk, lookahead)
        return masked_fill_zero(x + self.dropout(y), mask)


class ResidualBiMambaStack(nn.Module):
    """Several ResidualBiMamba layers sharing a mask, style and streaming settings."""

    def __init__(self, d_model: int, layers: int, config: MambaConfig, dropout: float,
                 style_dim: int | None = None) -> None:
        super().__init__()
        self.layers = nn.ModuleList(ResidualBiMamba(d_model, config, dropout, style_dim)
                                    for _ in range(layers))

    def forward(self, x: Tensor, mask: Tensor | None, style: Tensor | None = None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        for layer in self.layers:
            x = layer(x, mask, style, lookahead, chunk)
        return x


def broadcast_style(x: Tensor, style: Tensor) -> Tensor:
    """Concatenate style (B, S) to every step of x (B, L, C): (B, L, C + S)."""
    return torch.cat([x, style.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)
