"""HiFi-GAN's discriminators (Kong et al. 2020), which train the iSTFTNet vocoder.

- Multi-period (MPD): for each period p the waveform (B, 1, T) is reflect-padded to a
  multiple of p and folded to (B, 1, T / p, p); 2-D convs with (k, 1) kernels then see
  every p-th sample, i.e. one phase of a periodic pattern per column.
- Multi-scale (MSD): the same 1-D conv stack on the waveform, on it average-pooled once
  and twice (kernel 4, stride 2); the first (raw-scale) one under spectral norm, the others
  under weight norm.

Each discriminator returns its logits (B, N) and its feature maps (every layer's output
after the LeakyReLU, and the logits), which the feature-matching loss compares.
Kernel sizes and strides are HiFi-GAN's (kernel 5 / stride 3 for the MPD, the MSD's
[15, 41, 41, 41, 41, 41, 5] / [1, 2, 2, 4, 4, 1, 1]); channel widths, groups and periods come
from config (`vocoder_training.discriminators`) so a tiny model fits a CPU test.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm, weight_norm

from mvc.errors import InputError
from mvc.models.vocoder import LEAKY_SLOPE

PERIOD_KERNEL = 5
PERIOD_STRIDE = 3
SCALE_KERNELS = (15, 41, 41, 41, 41, 41, 5)
SCALE_STRIDES = (1, 2, 2, 4, 4, 1, 1)
POOL_KERNEL, POOL_STRIDE = 4, 2

Outputs = list[tuple[Tensor, list[Tensor]]]  # per discriminator: (logits, feature maps)


@dataclass(frozen=True)
class DiscriminatorConfig:
    """Widths of the MPD and MSD.

    periods: one period discriminator each (HiFi-GAN: 2, 3, 5, 7, 11).
    period_channels: output channels of the period stack's convs; all but the last have
      stride 3 (HiFi-GAN: 32, 128, 512, 1024, 1024).
    scales: scale discriminators (HiFi-GAN: 3).
    scale_channels, scale_groups: output channels and groups of the 7 convs of a scale
      discriminator (HiFi-GAN: 128, 128, 256, 512, 1024, 1024, 1024; 1, 4, 16, 16, 16, 16, 1).
    """

    periods: list[int]
    period_channels: list[int]
    scales: int
    scale_channels: list[int]
    scale_groups: list[int]

    def __post_init__(self) -> None:
        where = "vocoder_training.discriminators"
        if not self.periods or any(p < 1 for p in self.periods):
            raise InputError(f"{where}.periods", f"{self.periods}", "give periods of 1 or more")
        if len(self.period_channels) < 2:
            raise InputError(f"{where}.period_channels", f"{self.period_channels}",
                             "give at least two widths")
        if self.scales < 1:
            raise InputError(f"{where}.scales", f"{self.scales}", "use 1 or more")
        n = len(SCALE_KERNELS)
        if len(self.scale_channels) != n or len(self.scale_groups) != n:
            raise InputError(where, f"{len(self.scale_channels)} scale_channels and "
                             f"{len(self.scale_groups)} scale_groups",
                             f"give {n} of each (one per conv of HiFi-GAN's scale stack)")
        inputs = [1, *self.scale_channels[:-1]]
        for k, (c_in, c_out, g) in enumerate(zip(inputs, self.scale_channels,
                                                 self.scale_groups, strict=True)):
            if g < 1 or c_in % g or c_out % g:
                raise InputError(f"{where}.scale_groups[{k}]",
                                 f"{g} groups for {c_in} -> {c_out} channels",
                                 "use groups that divide both channel counts")


def _conv_stack(convs: nn.ModuleList, post: nn.Module, x: Tensor) -> tuple[Tensor, list[Tensor]]:
    """A sub-discriminator's body: leaky-ReLU convs then the output conv; the flattened
    logits and every layer's output (the feature maps that feature matching compares)."""
    features = []
    for conv in convs:
        x = F.leaky_relu(conv(x), LEAKY_SLOPE)
        features.append(x)
    x = post(x)
    features.append(x)
    return x.flatten(1), features


class PeriodDiscriminator(nn.Module):
    """HiFi-GAN's sub-discriminator of one period."""

    def __init__(self, period: int, channels: list[int]) -> None:
        super().__init__()
        self.period = period
        padding = (PERIOD_KERNEL - 1) // 2
        strides = [PERIOD_STRIDE] * (len(channels) - 1) + [1]
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(c_in, c_out, (PERIOD_KERNEL, 1), (stride, 1), (padding, 0)))
            for c_in, c_out, stride in zip([1, *channels[:-1]], channels, strides, strict=True))
        self.post = weight_norm(nn.Conv2d(channels[-1], 1, (3, 1), 1, (1, 0)))

    def forward(self, wave: Tensor) -> tuple[Tensor, list[Tensor]]:
        batch, _, length = wave.shape
        if length % self.period:
            wave = F.pad(wave, (0, self.period - length % self.period), mode="reflect")
        return _conv_stack(self.convs, self.post, wave.view(batch, 1, -1, self.period))


class ScaleDiscriminator(nn.Module):
    """HiFi-GAN's sub-discriminator of one scale (spectral or weight norm on every conv)."""

    def __init__(self, channels: list[int], groups: list[int], spectral: bool) -> None:
        super().__init__()
        norm = spectral_norm if spectral else weight_norm
        self.convs = nn.ModuleList(
            norm(nn.Conv1d(c_in, c_out, k, s, groups=g, padding=(k - 1) // 2))
            for c_in, c_out, k, s, g in zip([1, *channels[:-1]], channels, SCALE_KERNELS,
                                            SCALE_STRIDES, groups, strict=True))
        self.post = norm(nn.Conv1d(channels[-1], 1, 3, 1, padding=1))

    def forward(self, wave: Tensor) -> tuple[Tensor, list[Tensor]]:
        return _conv_stack(self.convs, self.post, wave)


class Discriminators(nn.Module):
    """MPD and MSD together: (B, 1, T) waveform -> one (logits, feature maps) per
    sub-discriminator, the period ones first."""

    def __init__(self, config: DiscriminatorConfig) -> None:
        super().__init__()
        self.periods = nn.ModuleList(PeriodDiscriminator(p, config.period_channels)
                                     for p in config.periods)
        self.scales = nn.ModuleList(
            ScaleDiscriminator(config.scale_channels, config.scale_groups, spectral=k == 0)
            for k in range(config.scales))
        self.pool = nn.AvgPool1d(POOL_KERNEL, POOL_STRIDE, padding=POOL_KERNEL // 2)

    def forward(self, wave: Tensor) -> Outputs:
        outputs = [d(wave) for d in self.periods]
        x = wave
        for k, d in enumerate(self.scales):
            if k:
                x = self.pool(x)
            outputs.append(d(x))
        return outputs
