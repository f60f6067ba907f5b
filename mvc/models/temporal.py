"""MVC's Temporal Bi-Mamba duration predictor: the text encoding with the prosodic style
concatenated, residual Bi-Mamba layers normalized by AdaLN on that style, and a linear head
predicting log(1 + frames) per phoneme (FastSpeech 2's log-duration regression)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mvc.models.config import MambaConfig, TemporalConfig
from mvc.models.ssm_layers import StyledBiMambaTrunk


class DurationPredictor(nn.Module):
    """What every duration predictor ends with: a linear head `self.head` (set by the
    subclass after its own layers) to log(1 + frames), its data-dependent start, and the
    zeroing of padded phonemes."""

    head: nn.Linear

    def initialize_output(self, log_duration: Tensor) -> None:
        """Start the head at the data's mean log(1 + frames) (its bias; weights unchanged)."""
        with torch.no_grad():
            self.head.bias.fill_(float(log_duration))

    def log_durations(self, x: Tensor, mask: Tensor | None) -> Tensor:
        """(B, T, hidden) features -> (B, T) log(1 + frames), 0 at padded phonemes."""
        log_dur = self.head(x).squeeze(-1)
        return log_dur if mask is None else torch.where(mask, log_dur, 0.0)


class TemporalBiMamba(StyledBiMambaTrunk, DurationPredictor):
    """(B, T, hidden) text encoding + (B, style_dim) style -> (B, T) log(1 + duration)."""

    def __init__(self, hidden: int, style_dim: int, config: TemporalConfig,
                 mamba: MambaConfig, dropout: float) -> None:
        super().__init__(hidden, style_dim, config.mamba_layers, mamba, dropout, config.adaln)
        self.head = nn.Linear(hidden, 1)

    def forward(self, text: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        return self.log_durations(self.trunk(text, style, mask, lookahead, chunk), mask)
