"""Vocoders: normalized log-mel (n_mels, F) -> waveform at the audio config's rate.

- `GriffinLimVocoder`: no training, identical for every system and for the ground-truth
  round trip. The mel is de-normalized to power (exp(x * std + mean) - log_floor, floored
  at 0), mapped to a linear power spectrogram by least squares against the same
  filterbank the features use (torchaudio's `InverseMelScale`), and phase is recovered by
  Griffin-Lim (torchaudio, zero-phase start, so deterministic) with the configured
  iterations and momentum.
- `HiFiGANVocoder`: an iSTFTNet-style generator (HiFi-GAN's upsampling convs and
  multi-receptive-field residual blocks, then magnitude and phase for an inverse STFT);
  trainable, for paper scale. Its adversarial training loop lives in mvc/train.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from torch import Tensor, nn

from mvc.errors import InputError
from mvc.features.mel import MelConfig
from mvc.models.config import GriffinLimConfig, HiFiGANConfig, VocoderConfig

LEAKY_SLOPE = 0.1  # HiFi-GAN's


def denormalize_power(mel: Tensor, audio: MelConfig) -> Tensor:
    """Normalized log-mel -> mel power (inverse of mvc.features.mel.log_mel, floored at 0)."""
    return (torch.exp(mel * audio.std + audio.mean) - audio.log_floor).clamp(min=0.0)


class GriffinLimVocoder:
    """Mel -> linear power by least squares, then Griffin-Lim."""

    def __init__(self, config: GriffinLimConfig, audio: MelConfig) -> None:
        self.audio = audio
        self.inverse_mel = torchaudio.transforms.InverseMelScale(
            n_stft=audio.n_fft // 2 + 1, n_mels=audio.n_mels,
            sample_rate=audio.filterbank_sample_rate or audio.sample_rate, f_min=audio.f_min,
            f_max=audio.f_max, norm=None, mel_scale="htk")
        self.griffin_lim = torchaudio.transforms.GriffinLim(
            n_fft=audio.n_fft, n_iter=config.n_iter, win_length=audio.win_length,
            hop_length=audio.hop_length, window_fn=torch.hann_window, power=2.0,
            momentum=config.momentum, rand_init=False)

    def __call__(self, mel: Tensor) -> np.ndarray:
        check_mel(mel, self.audio)
        with torch.no_grad():
            power = self.inverse_mel(denormalize_power(mel.detach().float().cpu(), self.audio))
            return self.griffin_lim(power.clamp(min=0.0)).numpy().astype(np.float32)


class ResBlock(nn.Module):
    """HiFi-GAN's residual block: dilated convs, each followed by an undilated one."""

    def __init__(self, channels: int, kernel_size: int, dilations: list[int]) -> None:
        super().__init__()
        self.dilated = nn.ModuleList(nn.Conv1d(channels, channels, kernel_size, dilation=d,
                                               padding=d * (kernel_size - 1) // 2)
                                     for d in dilations)
        self.plain = nn.ModuleList(nn.Conv1d(channels, channels, kernel_size,
                                             padding=(kernel_size - 1) // 2)
                                   for _ in dilations)

    def forward(self, x: Tensor) -> Tensor:
        for dilated, plain in zip(self.dilated, self.plain, strict=True):
            x = x + plain(F.leaky_relu(dilated(F.leaky_relu(x, LEAKY_SLOPE)), LEAKY_SLOPE))
        return x


class ISTFTGenerator(nn.Module):
    """(B, n_mels, F) -> (B, F * hop) waveform, hop = prod(upsample_rates) * istft_hop."""

    def __init__(self, n_mels: int, config: HiFiGANConfig) -> None:
        super().__init__()
        self.config = config
        self.pre = nn.Conv1d(n_mels, config.channels, 7, padding=3)
        self.ups = nn.ModuleList()
        self.resblocks = nn.ModuleList()
        channels = config.channels
        for rate, kernel in zip(config.upsample_rates, config.upsample_kernel_sizes, strict=True):
            self.ups.append(nn.ConvTranspose1d(channels, channels // 2, kernel, rate,
                                               padding=(kernel - rate) // 2))
            channels //= 2
            self.resblocks.append(nn.ModuleList(
                ResBlock(channels, k, d) for k, d in zip(
                    config.resblock_kernel_sizes, config.resblock_dilations, strict=True)))
        self.post = nn.Conv1d(channels, config.istft_n_fft + 2, 7, padding=3)
        self.register_buffer("window", torch.hann_window(config.istft_n_fft), persistent=False)

    def forward(self, mel: Tensor) -> Tensor:
        x = self.pre(mel)
        for up, blocks in zip(self.ups, self.resblocks, strict=True):
            x = up(F.leaky_relu(x, LEAKY_SLOPE))
            x = sum(block(x) for block in blocks) / len(blocks)
        x = self.post(F.leaky_relu(x))
        bins = self.config.istft_n_fft // 2 + 1
        magnitude = torch.exp(x[:, :bins])
        phase = math.pi * torch.sin(x[:, bins:])
        return torch.istft(torch.polar(magnitude, phase), self.config.istft_n_fft,
                           self.config.istft_hop, self.config.istft_n_fft, window=self.window,
                           length=x.shape[-1] * self.config.istft_hop)


class HiFiGANVocoder:
    """Runs a (trained) `ISTFTGenerator` on one mel."""

    def __init__(self, generator: ISTFTGenerator, audio: MelConfig) -> None:
        self.generator = generator
        self.audio = audio

    def __call__(self, mel: Tensor) -> np.ndarray:
        check_mel(mel, self.audio)
        self.generator.eval()
        with torch.no_grad():
            device = next(self.generator.parameters()).device
            wave = self.generator(mel.detach().float().to(device).unsqueeze(0))[0]
        return wave.cpu().numpy().astype(np.float32)


Vocoder = GriffinLimVocoder | HiFiGANVocoder


def build_vocoder(config: VocoderConfig, audio: MelConfig,
                  generator: ISTFTGenerator | None = None) -> Vocoder:
    """The configured vocoder; "hifigan" takes the trained `generator` (a fresh one when
    None, for training)."""
    if config.kind == "griffin_lim":
        return GriffinLimVocoder(config.griffin_lim, audio)
    if config.kind == "hifigan":
        hop = math.prod(config.hifigan.upsample_rates) * config.hifigan.istft_hop
        if hop != audio.hop_length:
            raise InputError("model.vocoder.hifigan", f"upsampling gives hop {hop}, the audio "
                             f"hop is {audio.hop_length}",
                             "make prod(upsample_rates) * istft_hop equal audio.hop_length")
        return HiFiGANVocoder(generator or ISTFTGenerator(audio.n_mels, config.hifigan), audio)
    raise InputError("model.vocoder.kind", f"unknown vocoder {config.kind!r}",
                     "use griffin_lim or hifigan")


def check_mel(mel: Tensor, audio: MelConfig) -> None:
    """InputError unless mel is (n_mels, F) with F >= 1."""
    if mel.dim() != 2 or mel.shape[0] != audio.n_mels or mel.shape[1] == 0:
        raise InputError("mel", f"expected shape ({audio.n_mels}, F >= 1), found "
                         f"{tuple(mel.shape)}", "pass one utterance's normalized log-mel")
