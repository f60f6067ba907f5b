"""A style encoder: a reference mel to one style vector (StyleTTS2's acoustic and prosodic
encoders share this shape). Conv stack over time, mean over the valid frames, linear map."""

from __future__ import annotations

from torch import Tensor, nn

from mvc.models.config import StyleEncoderConfig
from mvc.models.layers import ConvStack, masked_fill_zero, masked_mean


class StyleEncoder(nn.Module):
    """(B, n_mels, F) normalized mel + (B, F) mask -> (B, style_dim)."""

    def __init__(self, n_mels: int, style_dim: int, config: StyleEncoderConfig) -> None:
        super().__init__()
        self.convs = ConvStack(n_mels, config.channels, config.layers, config.kernel_size,
                               dropout=0.0)
        self.out = nn.Linear(config.channels, style_dim)

    def forward(self, mel: Tensor, mask: Tensor | None) -> Tensor:
        x = self.convs(masked_fill_zero(mel.transpose(1, 2), mask), mask)
        return self.out(masked_mean(x, mask))
