"""The vocoder's GAN losses, as HiFi-GAN defines them (Kong et al. 2020, section 2.3).

- Least-squares adversarial losses (LSGAN): the discriminator pushes its logits on real
  audio to 1 and on generated audio to 0, sum over sub-discriminators of
  mean((1 - D(x))^2) + mean(D(G(s))^2); the generator pushes D(G(s)) to 1,
  sum of mean((1 - D(G(s)))^2).
- Feature matching: sum over sub-discriminators and their layers of the mean absolute
  difference between the feature maps of real and generated audio (real ones detached).
- Mel: mean absolute difference of the generated and real audio's normalized log-mels,
  computed by mvc.features.mel with the training features' settings (`MelLoss`).

Weights (config `vocoder_training.loss_weights`) multiply these terms; HiFi-GAN's are mel
45, feature matching 2, adversarial 1 (docs/models.md, "Vocoder", on the mel scale).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from mvc.features.mel import MelConfig, mel_transform, normalize_log_mel
from mvc.models.discriminators import Outputs


def discriminator_loss(real: Outputs, fake: Outputs) -> Tensor:
    """LSGAN discriminator loss: sum over sub-discriminators of
    mean((1 - D(real))^2) + mean(D(fake)^2)."""
    return sum(torch.mean((1 - r) ** 2) + torch.mean(f ** 2)
               for (r, _), (f, _) in zip(real, fake, strict=True))


def generator_adversarial_loss(fake: Outputs) -> Tensor:
    """LSGAN generator loss: sum over sub-discriminators of mean((1 - D(fake))^2)."""
    return sum(torch.mean((1 - f) ** 2) for f, _ in fake)


def feature_matching_loss(real: Outputs, fake: Outputs) -> Tensor:
    """Sum over sub-discriminators and layers of mean |real feature - fake feature|."""
    return sum(torch.mean(torch.abs(r.detach() - f))
               for (_, real_maps), (_, fake_maps) in zip(real, fake, strict=True)
               for r, f in zip(real_maps, fake_maps, strict=True))


class MelLoss(nn.Module):
    """L1 between normalized log-mels of two waveforms (B, T), the features' own settings."""

    def __init__(self, audio: MelConfig) -> None:
        super().__init__()
        self.audio = audio
        self.mel = mel_transform(audio)

    def log_mel(self, wave: Tensor) -> Tensor:
        return normalize_log_mel(self.mel(wave), self.audio)

    def forward(self, fake: Tensor, real: Tensor) -> Tensor:
        return torch.mean(torch.abs(self.log_mel(fake) - self.log_mel(real)))
