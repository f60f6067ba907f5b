"""Small building blocks shared by the conditioning paths and the backbone.

Every block takes a padding mask (True = valid, padding at the end) and keeps padded
positions out of valid outputs: convolutions see zeros there (as an unpadded sequence sees
its zero 'same' padding), and normalization statistics are taken over valid frames only.
"""

from __future__ import annotations

from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

LEAKY_SLOPE = 0.2
NORM_EPS = 1e-5


def masked_fill_zero(x: Tensor, mask: Tensor | None) -> Tensor:
    """x (B, L, C) with padded frames set to 0; inf/NaN there are replaced too."""
    return x if mask is None else torch.where(mask.unsqueeze(-1), x, 0.0)


def masked_mean(x: Tensor, mask: Tensor | None) -> Tensor:
    """Mean over time of x (B, L, C) over valid frames: (B, C)."""
    if mask is None:
        return x.mean(dim=1)
    weights = mask.unsqueeze(-1).to(x.dtype)
    return (masked_fill_zero(x, mask) * weights).sum(1) / weights.sum(1).clamp(min=1.0)


class AdaLN(nn.Module):
    """Style-conditioned layer norm over channels: (1 + gamma(s)) * LayerNorm(x) + beta(s)."""

    def __init__(self, channels: int, style_dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, elementwise_affine=False, eps=NORM_EPS)
        self.affine = nn.Linear(style_dim, 2 * channels)

    def forward(self, x: Tensor, style: Tensor) -> Tensor:
        """x (B, L, C), style (B, style_dim)."""
        gamma, beta = self.affine(style).unsqueeze(1).chunk(2, dim=-1)
        return (1 + gamma) * self.norm(x) + beta


class AdaIN(nn.Module):
    """Style-conditioned instance norm over time (valid frames only), per channel:
    (1 + gamma(s)) * (x - mean_t) / std_t + beta(s)."""

    def __init__(self, channels: int, style_dim: int) -> None:
        super().__init__()
        self.affine = nn.Linear(style_dim, 2 * channels)

    def forward(self, x: Tensor, style: Tensor, mask: Tensor | None) -> Tensor:
        """x (B, L, C), style (B, style_dim), mask (B, L)."""
        mean = masked_mean(x, mask).unsqueeze(1)
        var = masked_mean((x - mean) ** 2, mask).unsqueeze(1)
        gamma, beta = self.affine(style).unsqueeze(1).chunk(2, dim=-1)
        return (1 + gamma) * (x - mean) / torch.sqrt(var + NORM_EPS) + beta


class MaskedConv(nn.Module):
    """Conv1d over time on (B, L, C) with 'same' padding; padded input frames are zeroed."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int,
                 dilation: int = 1) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd for 'same' padding, got {kernel_size}")
        self.conv = nn.Conv1d(in_channels, out_channels, kernel_size, dilation=dilation,
                              padding=dilation * (kernel_size // 2))

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        y = self.conv(masked_fill_zero(x, mask).transpose(1, 2)).transpose(1, 2)
        return masked_fill_zero(y, mask)


class ConvStack(nn.Module):
    """Conv -> LayerNorm -> LeakyReLU -> dropout, repeated, with residual connections
    where the widths agree: the conv front ends of the encoders."""

    def __init__(self, in_channels: int, channels: int, layers: int, kernel_size: int,
                 dropout: float) -> None:
        super().__init__()
        widths = [in_channels] + [channels] * layers
        self.convs = nn.ModuleList(MaskedConv(a, b, kernel_size) for a, b in pairwise(widths))
        self.norms = nn.ModuleList(nn.LayerNorm(channels) for _ in range(layers))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        for conv, norm in zip(self.convs, self.norms, strict=True):
            y = self.dropout(F.leaky_relu(norm(conv(x, mask)), LEAKY_SLOPE))
            x = x + y if x.shape[-1] == y.shape[-1] else y
        return masked_fill_zero(x, mask)


class AdaINResBlock(nn.Module):
    """Residual block: AdaIN -> LeakyReLU -> conv, twice (StyleTTS2's AdaIN blocks)."""

    def __init__(self, channels: int, style_dim: int, kernel_size: int, dropout: float) -> None:
        super().__init__()
        self.norm1 = AdaIN(channels, style_dim)
        self.conv1 = MaskedConv(channels, channels, kernel_size)
        self.norm2 = AdaIN(channels, style_dim)
        self.conv2 = MaskedConv(channels, channels, kernel_size)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x: Tensor, style: Tensor, mask: Tensor | None) -> Tensor:
        y = self.conv1(F.leaky_relu(self.norm1(x, style, mask), LEAKY_SLOPE), mask)
        y = self.conv2(self.dropout(F.leaky_relu(self.norm2(y, style, mask), LEAKY_SLOPE)), mask)
        return masked_fill_zero((x + y) * 2 ** -0.5, mask)


def expand_by_durations(x: Tensor, durations: Tensor, n_frames: int) -> Tensor:
    """Repeat each position of x (B, T, C) durations[b, t] times: (B, n_frames, C); frames
    past the utterance's total duration are 0.

    Each frame gathers the position that owns it (the first whose cumulative duration
    exceeds the frame's index), so time and memory are linear in T + n_frames: a (T,
    n_frames) alignment matrix would be quadratic for a whole passage synthesized at once."""
    batch, length, channels = x.shape
    ends = durations.cumsum(dim=1).contiguous()
    frames = torch.arange(n_frames, device=x.device, dtype=ends.dtype).expand(batch, n_frames)
    owner = torch.searchsorted(ends, frames.contiguous(), right=True)
    index = owner.clamp(max=max(length - 1, 0)).unsqueeze(-1).expand(-1, -1, channels)
    return torch.where((owner < length).unsqueeze(-1), x.gather(1, index), x.new_zeros(()))
