"""The `vocoder_training:` config section as typed dataclasses (built once, at the edge).

Defaults in configs/*.yaml follow HiFi-GAN's public config (jik876/hifi-gan, config_v1.json:
AdamW lr 2e-4, betas (0.8, 0.99), lr decay 0.999 per epoch, segments of 8192 samples,
batch 16) and its paper's loss weights (mel 45, feature matching 2); docs/training.md
lists every setting and its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mvc.errors import InputError
from mvc.models.config import build_nested
from mvc.models.discriminators import DiscriminatorConfig
from mvc.train.config import DEVICES

WHERE = "vocoder_training"


@dataclass(frozen=True)
class VocoderLossWeights:
    """Weights of the generator's loss terms (the discriminator's loss is unweighted)."""

    mel: float
    feature_matching: float
    adversarial: float


@dataclass(frozen=True)
class VocoderTrainingConfig:
    """How the shared HiFi-GAN/iSTFTNet vocoder is trained.

    steps: optimizer steps (each one discriminator and one generator update).
    batch_size: random segments per step; segment_frames: mel frames per segment (the
      waveform segment is segment_frames * hop_length samples).
    lr, betas, eps, weight_decay: AdamW, the same for generator and discriminators.
    lr_decay, lr_decay_every: the learning rate is lr * lr_decay ** (step // lr_decay_every)
      (HiFi-GAN decays by 0.999 once per epoch).
    grad_clip: max global gradient norm of each network (None: no clipping).
    checkpoint_every, keep_checkpoints: resumable states, as in `training:`.
    """

    steps: int
    batch_size: int
    segment_frames: int
    lr: float
    betas: list[float]
    eps: float
    weight_decay: float
    lr_decay: float
    lr_decay_every: int
    grad_clip: float | None
    loss_weights: VocoderLossWeights
    discriminators: DiscriminatorConfig
    checkpoint_every: int
    keep_checkpoints: int
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size", "segment_frames", "lr_decay_every",
                     "checkpoint_every", "keep_checkpoints"):
            if getattr(self, name) < 1:
                raise InputError(f"{WHERE}.{name}", f"{getattr(self, name)}", "use 1 or more")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise InputError(f"{WHERE}.betas", f"{self.betas}",
                             "give two numbers in [0, 1), e.g. [0.8, 0.99]")
        if not 0 < self.lr_decay <= 1:
            raise InputError(f"{WHERE}.lr_decay", f"{self.lr_decay}", "use a number in (0, 1]")
        if self.device not in DEVICES:
            raise InputError(f"{WHERE}.device", repr(self.device), f"use one of {DEVICES}")

    def lr_at(self, step: int) -> float:
        """The learning rate of the update after `step` updates."""
        return self.lr * self.lr_decay ** (step // self.lr_decay_every)


def vocoder_training_config(mapping: Mapping[str, Any]) -> VocoderTrainingConfig:
    """Build a VocoderTrainingConfig from the YAML/JSON `vocoder_training:` mapping, strictly."""
    return build_nested(VocoderTrainingConfig, mapping, WHERE)
