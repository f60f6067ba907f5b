"""The mel decoder: aligned text features + F0 + energy + acoustic style -> normalized mel.
A linear input layer, F0 and energy each through their own conv, StyleTTS2-style AdaIN
residual conv blocks on the acoustic style, and a linear map to the mel bins."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mvc.models.config import DecoderConfig
from mvc.models.layers import AdaINResBlock, MaskedConv, masked_fill_zero


class Decoder(nn.Module):
    """(B, F, hidden), F0 / f0_scale (B, F), energy (B, F), style (B, S) -> (B, n_mels, F)."""

    def __init__(self, hidden: int, n_mels: int, style_dim: int, config: DecoderConfig,
                 dropout: float) -> None:
        super().__init__()
        self.input = nn.Linear(hidden, config.channels)
        self.f0 = MaskedConv(1, config.channels, config.kernel_size)
        self.energy = MaskedConv(1, config.channels, config.kernel_size)
        self.blocks = nn.ModuleList(AdaINResBlock(config.channels, style_dim, config.kernel_size,
                                                  dropout) for _ in range(config.blocks))
        self.out = nn.Linear(config.channels, n_mels)

    def initialize_output(self, mel_mean: Tensor) -> None:
        """Start the output at the data's mean normalized log-mel per bin (its bias)."""
        with torch.no_grad():
            self.out.bias.copy_(mel_mean)

    def forward(self, aligned: Tensor, f0: Tensor, energy: Tensor, style: Tensor,
                mask: Tensor | None) -> Tensor:
        x = (self.input(masked_fill_zero(aligned, mask)) + self.f0(f0.unsqueeze(-1), mask)
             + self.energy(energy.unsqueeze(-1), mask))
        for block in self.blocks:
            x = block(x, style, mask)
        return masked_fill_zero(self.out(x), mask).transpose(1, 2)
