"""The StyleTTS2-style backbone shared by MVC, StyleTTS2 and the hybrid: acoustic and
prosodic style encoders (`style_encoder`), style diffusion (`diffusion`: EDM denoiser, ADPM2
sampler, Karras schedule) and the mel decoder (`decoder`); `Backbone` holds them."""

from __future__ import annotations

from torch import nn

from mvc.models.backbone.decoder import Decoder
from mvc.models.backbone.diffusion import StyleDiffusion
from mvc.models.backbone.style_encoder import StyleEncoder
from mvc.models.config import ModelConfig


class Backbone(nn.Module):
    """The shared modules; the conditioning path and the aligner live beside it."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.acoustic_style = StyleEncoder(config.n_mels, config.style_dim, config.style_encoder)
        self.prosodic_style = StyleEncoder(config.n_mels, config.style_dim, config.style_encoder)
        self.diffusion = StyleDiffusion(2 * config.style_dim, config.hidden, config.diffusion)
        self.decoder = Decoder(config.hidden, config.n_mels, config.style_dim, config.decoder,
                               config.dropout)
