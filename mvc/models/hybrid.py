"""The Mamba-attention hybrid baseline (`hybrid`): MVC's gated Bi-Mamba text encoder, with
the duration and prosody modules built from multi-head self-attention blocks normalized by
AdaLN instead of Bi-Mamba layers, layer for layer (temporal.mamba_layers and
expressive.mamba_layers blocks): the attention MVC removes. docs/models.md, Baselines.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from mvc.models.config import ExpressiveConfig, HybridConfig
from mvc.models.expressive import ContourHead, ContourPredictor
from mvc.models.layers import AdaLN, masked_fill_zero
from mvc.models.ssm_layers import broadcast_style
from mvc.models.styletts2 import no_streaming
from mvc.models.temporal import DurationPredictor


def sinusoidal_positions(length: int, channels: int, device: torch.device) -> Tensor:
    """(length, channels) sine/cosine position encodings (Vaswani et al. 2017): attention
    alone is blind to order, the Bi-Mamba layers it replaces are not."""
    position = torch.arange(length, device=device, dtype=torch.float32).unsqueeze(1)
    rates = torch.exp(torch.arange(0, channels, 2, device=device, dtype=torch.float32)
                      * (-math.log(10000.0) / channels))
    table = torch.zeros(length, channels, device=device)
    table[:, 0::2] = torch.sin(position * rates)
    table[:, 1::2] = torch.cos(position * rates)[:, : channels // 2]
    return table


class AttentionBlock(nn.Module):
    """Pre-norm transformer block on the style: x + MHSA(AdaLN(x, s)) with padded keys
    masked out, then x + FFN(AdaLN(x, s)), FFN = Linear -> GELU -> Linear."""

    def __init__(self, hidden: int, style_dim: int, config: HybridConfig,
                 dropout: float) -> None:
        super().__init__()
        self.attention_norm = AdaLN(hidden, style_dim)
        self.attention = nn.MultiheadAttention(hidden, config.heads, dropout=dropout,
                                               batch_first=True)
        self.ffn_norm = AdaLN(hidden, style_dim)
        self.ffn = nn.Sequential(nn.Linear(hidden, config.ffn_expand * hidden), nn.GELU(),
                                 nn.Linear(config.ffn_expand * hidden, hidden))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, style: Tensor, mask: Tensor | None) -> Tensor:
        h = self.attention_norm(x, style)
        padding = None if mask is None else ~mask
        y, _ = self.attention(h, h, h, key_padding_mask=padding, need_weights=False)
        x = masked_fill_zero(x + self.dropout(y), mask)
        x = x + self.dropout(self.ffn(self.ffn_norm(x, style)))
        return masked_fill_zero(x, mask)


class AttentionStack(nn.Module):
    """Linear([x; style]) plus position encodings, then attention blocks and an AdaLN."""

    def __init__(self, hidden: int, style_dim: int, layers: int, config: HybridConfig,
                 dropout: float) -> None:
        super().__init__()
        self.input = nn.Linear(hidden + style_dim, hidden)
        self.blocks = nn.ModuleList(AttentionBlock(hidden, style_dim, config, dropout)
                                    for _ in range(layers))
        self.norm = AdaLN(hidden, style_dim)

    def forward(self, x: Tensor, style: Tensor, mask: Tensor | None) -> Tensor:
        x = self.input(broadcast_style(x, style))
        x = masked_fill_zero(x + sinusoidal_positions(x.shape[1], x.shape[2], x.device), mask)
        for block in self.blocks:
            x = block(x, style, mask)
        return masked_fill_zero(self.norm(x, style), mask)


class AttentionDuration(DurationPredictor):
    """(B, T, hidden) text encoding + style -> (B, T) log(1 + frames)."""

    def __init__(self, hidden: int, style_dim: int, layers: int, config: HybridConfig,
                 dropout: float) -> None:
        super().__init__()
        self.stack = AttentionStack(hidden, style_dim, layers, config, dropout)
        self.head = nn.Linear(hidden, 1)

    def forward(self, text: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        no_streaming(lookahead)
        return self.log_durations(self.stack(text, style, mask), mask)


class AttentionProsody(ContourPredictor):
    """(B, F, hidden) aligned encoding + style -> F0 / f0_scale and energy: attention
    blocks, then MVC's per-contour AdaIN heads."""

    def __init__(self, hidden: int, style_dim: int, config: ExpressiveConfig,
                 baseline: HybridConfig, dropout: float) -> None:
        super().__init__()
        self.stack = AttentionStack(hidden, style_dim, config.mamba_layers, baseline, dropout)
        self.f0 = ContourHead(hidden, style_dim, config, dropout)
        self.energy = ContourHead(hidden, style_dim, config, dropout)

    def forward(self, aligned: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> tuple[Tensor, Tensor]:
        no_streaming(lookahead)
        x = self.stack(aligned, style, mask)
        return self.contours(x, style, mask)
