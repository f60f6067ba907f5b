"""Log-mel against librosa (an independent implementation) and StyleTTS2's exact call."""

from __future__ import annotations

import math

import librosa
import numpy as np
import pytest
import torch
import torchaudio

from mvc.features.mel import MelConfig, log_mel, n_frames

PAPER = MelConfig(sample_rate=24000, n_fft=2048, win_length=1200, hop_length=300, n_mels=80)
MINI = MelConfig(sample_rate=22050, n_fft=1024, win_length=1024, hop_length=256, n_mels=80)
ODD_FFT = MelConfig(sample_rate=16000, n_fft=511, win_length=400, hop_length=128, n_mels=40)


def chirp_with_noise(sample_rate: int, seconds: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * sample_rate)) / sample_rate
    sweep = 0.3 * np.sin(2 * np.pi * (150 + 800 * t) * t)
    return (sweep + 0.05 * rng.standard_normal(t.size)).astype(np.float32)


def librosa_mel_power(audio: np.ndarray, cfg: MelConfig, filterbank_sr: int) -> np.ndarray:
    """torchaudio's conventions, spelled out for librosa, computed in float64."""
    return librosa.feature.melspectrogram(
        y=audio.astype(np.float64), sr=filterbank_sr, n_fft=cfg.n_fft,
        win_length=cfg.win_length, hop_length=cfg.hop_length, window="hann", center=True,
        pad_mode="reflect", power=2.0, n_mels=cfg.n_mels, fmin=cfg.f_min, fmax=None, htk=True,
        norm=None)


def to_power(normalized: np.ndarray, cfg: MelConfig) -> np.ndarray:
    return np.exp(normalized.astype(np.float64) * cfg.std + cfg.mean) - cfg.log_floor


@pytest.mark.parametrize("cfg", [PAPER, MINI], ids=["paper", "mini"])
def test_log_mel_matches_librosa(cfg: MelConfig) -> None:
    audio = chirp_with_noise(cfg.sample_rate, 0.5)
    mel = log_mel(audio, cfg)
    reference = librosa_mel_power(audio, cfg, cfg.sample_rate)

    assert mel.dtype == np.float32
    assert mel.shape == reference.shape == (cfg.n_mels, n_frames(audio.size, cfg))
    np.testing.assert_allclose(to_power(mel, cfg) + cfg.log_floor, reference + cfg.log_floor,
                               rtol=1e-4)
    expected = (np.log(cfg.log_floor + reference) - cfg.mean) / cfg.std
    np.testing.assert_allclose(mel, expected, atol=1e-4)


def test_styletts2_filterbank_quirk_reproduces_its_preprocess() -> None:
    """StyleTTS2 builds MelSpectrogram without sample_rate: a 16 kHz filterbank on 24 kHz."""
    cfg = MelConfig(sample_rate=24000, n_fft=2048, win_length=1200, hop_length=300, n_mels=80,
                    filterbank_sample_rate=16000)
    audio = chirp_with_noise(cfg.sample_rate, 0.5, seed=1)
    styletts2_to_mel = torchaudio.transforms.MelSpectrogram(
        n_mels=80, n_fft=2048, win_length=1200, hop_length=300)
    styletts2 = ((torch.log(1e-5 + styletts2_to_mel(torch.from_numpy(audio))) + 4) / 4).numpy()

    mel = log_mel(audio, cfg)

    np.testing.assert_allclose(mel, styletts2, atol=1e-6)
    reference = librosa_mel_power(audio, cfg, 16000)
    np.testing.assert_allclose(to_power(mel, cfg) + cfg.log_floor, reference + cfg.log_floor,
                               rtol=1e-4)
    assert np.abs(mel - log_mel(audio, PAPER)).max() > 0.5


@pytest.mark.parametrize("cfg", [PAPER, MINI, ODD_FFT], ids=["paper", "mini", "odd-fft"])
def test_frame_count_formula_matches_stft(cfg: MelConfig) -> None:
    hop = cfg.hop_length
    lengths = [cfg.n_fft // 2 + 1, 7 * hop - 1, 7 * hop, 7 * hop + 1, 12345]
    for length in lengths:
        audio = chirp_with_noise(cfg.sample_rate, length / cfg.sample_rate)
        assert audio.size == length
        frames = log_mel(audio, cfg).shape[1]
        assert frames == n_frames(length, cfg), length
        assert frames == librosa.util.frame(
            np.pad(audio, cfg.n_fft // 2, mode="reflect"), frame_length=cfg.n_fft,
            hop_length=hop).shape[-1], length


def test_frame_count_closed_form() -> None:
    """Even n_fft: 1 + n // hop; odd n_fft loses one sample of padding: 1 + (n - 1) // hop."""
    assert [n_frames(n, PAPER) for n in (2099, 2100, 2101)] == [7, 8, 8]
    assert [n_frames(n, ODD_FFT) for n in (896, 897)] == [7, 8]


def test_digital_silence_maps_to_the_floor() -> None:
    mel = log_mel(np.zeros(4800, dtype=np.float32), PAPER)
    assert mel.shape == (80, 17)
    np.testing.assert_allclose(mel, (math.log(1e-5) + 4.0) / 4.0, rtol=1e-6)


def test_too_short_audio_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"audio has 512 samples; the centred STFT needs more "
                                         r"than n_fft // 2 = 512"):
        log_mel(np.ones(512, dtype=np.float32), MINI)


def test_stereo_audio_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"expected mono audio \(1-D\), got shape \(2, 4000\)"):
        log_mel(np.ones((2, 4000), dtype=np.float32), MINI)
