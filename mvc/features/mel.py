"""Normalized log-mel spectrograms in StyleTTS2's convention, and the frame count they have.

StyleTTS2's `meldataset.py` computes

    mel = torchaudio.transforms.MelSpectrogram(n_mels=80, n_fft=2048, win_length=1200,
                                               hop_length=300)(wave)
    x = (log(1e-5 + mel) - mean) / std        with mean = -4, std = 4

so, spelled out from torchaudio's defaults: a periodic Hann window of `win_length` samples,
zero-padded on both sides to `n_fft`; `center=True` (the signal is reflect-padded by
n_fft // 2 on both sides, so frame k is centred on sample k * hop_length); the one-sided
power spectrum |STFT|^2 (power 2.0, no normalization); a triangular filterbank on the HTK
mel scale (2595 * log10(1 + f / 700)) with no area normalization, from `f_min` to
`f_max`; then natural log with an additive floor and a fixed affine normalization.

One quirk: StyleTTS2 never passes `sample_rate`, so torchaudio builds the filterbank for
its default 16000 Hz even though the audio is 24 kHz. The 80 bands are then HTK-mel-spaced
over what the filterbank calls 0-8000 Hz and what really is 0-12000 Hz. `MelConfig`
reproduces that when `filterbank_sample_rate` is 16000; left at None the filterbank uses the
audio's own rate (a true mel scale up to `f_max`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
import torchaudio


@dataclass(frozen=True)
class MelConfig:
    """Log-mel settings; the values come from configs/*.yaml.

    sample_rate: the audio's rate in Hz (audio is resampled to it before the mel).
    n_fft, win_length, hop_length: STFT size, Hann window length and hop, in samples.
    n_mels: number of mel bands.
    f_min, f_max: filterbank edges in Hz; f_max None means half the filterbank rate.
    log_floor: added to the mel power before the log, so silence maps to log(log_floor).
    mean, std: fixed normalization, x = (log(log_floor + mel) - mean) / std.
    filterbank_sample_rate: the rate the filterbank is designed for; None means
        sample_rate. StyleTTS2's mels use 16000 here (torchaudio's default) on 24 kHz audio.
    """

    sample_rate: int
    n_fft: int
    win_length: int
    hop_length: int
    n_mels: int
    f_min: float = 0.0
    f_max: float | None = None
    log_floor: float = 1e-5
    mean: float = -4.0
    std: float = 4.0
    filterbank_sample_rate: int | None = None


def n_frames(n_samples: int, cfg: MelConfig) -> int:
    """Frames of a centred STFT: the signal gains n_fft // 2 samples on each side."""
    return 1 + (n_samples + 2 * (cfg.n_fft // 2) - cfg.n_fft) // cfg.hop_length


def mel_transform(cfg: MelConfig) -> torchaudio.transforms.MelSpectrogram:
    """A new torchaudio MelSpectrogram (mel power) with every convention stated, not left to
    defaults; differentiable, so the vocoder's mel loss uses it too."""
    return torchaudio.transforms.MelSpectrogram(
        sample_rate=cfg.filterbank_sample_rate or cfg.sample_rate,
        n_fft=cfg.n_fft,
        win_length=cfg.win_length,
        hop_length=cfg.hop_length,
        f_min=cfg.f_min,
        f_max=cfg.f_max,
        n_mels=cfg.n_mels,
        window_fn=torch.hann_window,
        power=2.0,
        normalized=False,
        center=True,
        pad_mode="reflect",
        norm=None,
        mel_scale="htk",
    )


_transform = lru_cache(maxsize=8)(mel_transform)


def normalize_log_mel(mel_power: torch.Tensor, cfg: MelConfig) -> torch.Tensor:
    """(log(log_floor + mel power) - mean) / std."""
    return (torch.log(cfg.log_floor + mel_power) - cfg.mean) / cfg.std


def log_mel(audio: np.ndarray, cfg: MelConfig) -> np.ndarray:
    """Normalized log-mel of mono audio: float32, shape (n_mels, n_frames(len(audio), cfg)).

    Raises ValueError for audio that is not 1-D or too short to reflect-pad (at most
    n_fft // 2 samples).
    """
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {audio.shape}")
    if audio.size <= cfg.n_fft // 2:
        raise ValueError(f"audio has {audio.size} samples; the centred STFT needs more than "
                         f"n_fft // 2 = {cfg.n_fft // 2}")
    with torch.no_grad():
        mel = _transform(cfg)(torch.from_numpy(audio.astype(np.float32)))
        normalized = normalize_log_mel(mel, cfg)
    return normalized.numpy().astype(np.float32)
