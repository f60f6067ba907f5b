"""MVC's Expressive Mamba: F0 and energy per frame from the aligned text encoding and the
prosodic style. Residual Bi-Mamba layers with AdaLN carry the long-range context; then, per
contour, StyleTTS2-style AdaIN residual conv blocks and a linear head."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mvc.models.config import ExpressiveConfig, MambaConfig
from mvc.models.layers import AdaINResBlock
from mvc.models.ssm_layers import StyledBiMambaTrunk


class ContourHead(nn.Module):
    """AdaIN residual blocks, then a linear map to one value per frame."""

    def __init__(self, hidden: int, style_dim: int, config: ExpressiveConfig,
                 dropout: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(AdaINResBlock(hidden, style_dim, config.kernel_size, dropout)
                                    for _ in range(config.adain_blocks))
        self.out = nn.Linear(hidden, 1)

    def forward(self, x: Tensor, style: Tensor, mask: Tensor | None) -> Tensor:
        for block in self.blocks:
            x = block(x, style, mask)
        y = self.out(x).squeeze(-1)
        return y if mask is None else torch.where(mask, y, 0.0)


class ContourPredictor(nn.Module):
    """What every prosody predictor ends with: the F0 and energy ContourHeads (set by the
    subclass as `self.f0`, `self.energy`, after its own layers), their data-dependent start,
    and their application to the predictor's (B, F, hidden) features."""

    f0: ContourHead
    energy: ContourHead

    def initialize_output(self, f0: Tensor, energy: Tensor) -> None:
        """Start the heads at the data's mean F0 / f0_scale and mean energy (biases only)."""
        with torch.no_grad():
            self.f0.out.bias.fill_(float(f0))
            self.energy.out.bias.fill_(float(energy))

    def contours(self, x: Tensor, style: Tensor, mask: Tensor | None) -> tuple[Tensor, Tensor]:
        return self.f0(x, style, mask), self.energy(x, style, mask)


class ExpressiveMamba(StyledBiMambaTrunk, ContourPredictor):
    """(B, F, hidden) aligned encoding + (B, style_dim) style -> F0 (in units of f0_scale)
    and energy, each (B, F)."""

    def __init__(self, hidden: int, style_dim: int, config: ExpressiveConfig,
                 mamba: MambaConfig, dropout: float) -> None:
        super().__init__(hidden, style_dim, config.mamba_layers, mamba, dropout, config.adaln)
        self.f0 = ContourHead(hidden, style_dim, config, dropout)
        self.energy = ContourHead(hidden, style_dim, config, dropout)

    def forward(self, aligned: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> tuple[Tensor, Tensor]:
        return self.contours(self.trunk(aligned, style, mask, lookahead, chunk), style, mask)
