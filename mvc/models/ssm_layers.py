"""Residual Bi-Mamba layers for the conditioning path, offline or streamed, and the
style-conditioned trunk that MVC's duration and prosody predictors open with.

A layer is pre-norm residual: x + dropout(BiMamba(norm(x))), with norm a LayerNorm or,
given a style_dim, AdaLN `(1 + gamma(s)) * LayerNorm(x) + beta(s)`. Streaming runs the
Bi-Mamba through `mvc.ssm.streaming.stream` with a finite look-ahead of W steps per layer (a
stack of n layers therefore looks n * W steps ahead in its input); W >= the length equals
the offline pass. A unidirectional layer (`bidirectional=False`, the ablation) keeps only
the forward Mamba: it is causal, so its offline pass is exactly its stream at any W.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from mvc.models.config import MambaConfig
from mvc.models.layers import AdaLN, masked_fill_zero
from mvc.ssm.bimamba import BiMamba
from mvc.ssm.mamba import Mamba
from mvc.ssm.streaming import stream


def block_settings(config: MambaConfig) -> dict[str, Any]:
    """The configured Mamba block settings, as Mamba and BiMamba take them."""
    return {"scan_backend": config.scan_backend, "d_state": config.d_state,
            "d_conv": config.d_conv, "expand": config.expand}


def norm_layer(d_model: int, style_dim: int | None) -> nn.Module:
    """AdaLN on a style of style_dim, or a plain LayerNorm when style_dim is None."""
    return nn.LayerNorm(d_model) if style_dim is None else AdaLN(d_model, style_dim)


def normalize(norm: nn.Module, x: Tensor, style: Tensor | None) -> Tensor:
    """Apply a `norm_layer`: an AdaLN takes the style, a LayerNorm ignores it."""
    if isinstance(norm, AdaLN):
        if style is None:
            raise ValueError("an AdaLN layer needs the style")
        return norm(x, style)
    return norm(x)


class ResidualBiMamba(nn.Module):
    """x + dropout(BiMamba(norm(x))) on (B, L, d_model); AdaLN when style_dim is given; a
    forward-only Mamba in place of the Bi-Mamba when not `bidirectional`."""

    def __init__(self, d_model: int, config: MambaConfig, dropout: float,
                 style_dim: int | None = None, bidirectional: bool = True) -> None:
        super().__init__()
        self.norm = norm_layer(d_model, style_dim)
        mixer = BiMamba if bidirectional else Mamba
        self.mixer: nn.Module = mixer(d_model, **block_settings(config))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None, style: Tensor | None = None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        """mask (B, L) True = valid; lookahead W streams the layer (batch of one, no
        padding) emitting `chunk` steps at a time."""
        h = normalize(self.norm, x, style)
        if lookahead is not None and (x.shape[0] != 1 or (mask is not None
                                                          and not bool(mask.all()))):
            raise ValueError("streaming takes one utterance without padding")
        if lookahead is None or not isinstance(self.mixer, BiMamba):
            y = self.mixer(h, mask)
        else:
            y = stream(self.mixer, h, chunk, lookahead)
        return masked_fill_zero(x + self.dropout(y), mask)


class ResidualBiMambaStack(nn.Module):
    """Several ResidualBiMamba layers sharing a mask, style and streaming settings."""

    def __init__(self, d_model: int, layers: int, config: MambaConfig, dropout: float,
                 style_dim: int | None = None, bidirectional: bool = True) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            ResidualBiMamba(d_model, config, dropout, style_dim, bidirectional)
            for _ in range(layers))

    def forward(self, x: Tensor, mask: Tensor | None, style: Tensor | None = None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        for layer in self.layers:
            x = layer(x, mask, style, lookahead, chunk)
        return x


def broadcast_style(x: Tensor, style: Tensor) -> Tensor:
    """Concatenate style (B, S) to every step of x (B, L, C): (B, L, C + S)."""
    return torch.cat([x, style.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)


class StyledBiMambaTrunk(nn.Module):
    """What MVC's Temporal Bi-Mamba and Expressive Mamba open with: Linear([x; style]) to
    hidden, residual Bi-Mamba layers, a final norm; every norm AdaLN on the style, or a
    plain LayerNorm with `adaln=False` (the style then enters through the input only).

    A base class rather than a submodule, so that its parameters keep the names `input.`,
    `mamba.` and `norm.` that trained checkpoints hold; subclasses add their heads after
    calling this __init__ (the registration order, hence the initialization, is unchanged).
    """

    def __init__(self, hidden: int, style_dim: int, layers: int, mamba: MambaConfig,
                 dropout: float, adaln: bool = True) -> None:
        super().__init__()
        norm_style = style_dim if adaln else None
        self.input = nn.Linear(hidden + style_dim, hidden)
        self.mamba = ResidualBiMambaStack(hidden, layers, mamba, dropout, norm_style)
        self.norm = norm_layer(hidden, norm_style)

    def trunk(self, x: Tensor, style: Tensor, mask: Tensor | None,
              lookahead: int | None = None, chunk: int = 1) -> Tensor:
        """(B, L, hidden) features + (B, style_dim) style -> (B, L, hidden)."""
        h = self.mamba(self.input(broadcast_style(x, style)), mask, style, lookahead, chunk)
        return normalize(self.norm, h, style)
