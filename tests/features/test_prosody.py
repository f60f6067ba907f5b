"""WORLD F0 on tones of known pitch, frame alignment with the mel, and energy closed forms."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from mvc.features.mel import MelConfig, log_mel, n_frames
from mvc.features.prosody import ProsodyConfig, log_energy, world_f0

SR = 22050
HOP = 256
MINI = MelConfig(sample_rate=SR, n_fft=1024, win_length=1024, hop_length=HOP, n_mels=80)
TONE_S = 0.6
PAD_S = 0.3
EDGE_S = 0.05  # onsets and offsets: frames this close to a tone edge are not checked


def frame_times(count: int) -> np.ndarray:
    return np.arange(count) * HOP / SR


@pytest.mark.parametrize("method", ["harvest", "dio"])
@pytest.mark.parametrize("f0_hz", [150.0, 220.0])
def test_f0_of_a_tone_is_exact_and_silence_is_unvoiced(
        method: str, f0_hz: float, harmonic_tone: Callable[..., np.ndarray]) -> None:
    audio = harmonic_tone(f0_hz, SR, TONE_S, PAD_S)
    frames = n_frames(audio.size, MINI)

    f0 = world_f0(audio, SR, HOP, frames, ProsodyConfig(f0_method=method))

    assert f0.dtype == np.float32
    assert f0.shape == (frames,) == (log_mel(audio, MINI).shape[1],)
    times = frame_times(frames)
    steady = (times > PAD_S + EDGE_S) & (times < PAD_S + TONE_S - EDGE_S)
    silent = (times < PAD_S - EDGE_S) | (times > PAD_S + TONE_S + EDGE_S)
    assert steady.sum() >= 40 and silent.sum() >= 40
    np.testing.assert_allclose(f0[steady], f0_hz, rtol=0.01)
    assert np.all(f0[silent] == 0.0)


def test_f0_of_a_pure_sine_with_dio() -> None:
    """Dio + stonemask track a bare sinusoid (Harvest does not voice one: it needs harmonics)."""
    t = np.arange(round(TONE_S * SR)) / SR
    audio = 0.5 * np.sin(2 * np.pi * 150.0 * t)
    frames = n_frames(audio.size, MINI)
    f0 = world_f0(audio, SR, HOP, frames, ProsodyConfig(f0_method="dio"))
    inner = (frame_times(frames) > EDGE_S) & (frame_times(frames) < TONE_S - EDGE_S)
    np.testing.assert_allclose(f0[inner], 150.0, rtol=0.01)


def test_f0_frames_follow_the_tone_onset(harmonic_tone: Callable[..., np.ndarray]) -> None:
    """Frame k is centred on sample k * hop: the first voiced frame is the one at the onset."""
    audio = harmonic_tone(200.0, SR, TONE_S, PAD_S)
    f0 = world_f0(audio, SR, HOP, n_frames(audio.size, MINI), ProsodyConfig(f0_method="dio"))
    onset_frame = PAD_S * SR / HOP
    first_voiced = int(np.flatnonzero(f0)[0])
    assert abs(first_voiced - onset_frame) <= 2


def test_f0_is_padded_or_trimmed_by_one_frame_only(
        harmonic_tone: Callable[..., np.ndarray]) -> None:
    audio = harmonic_tone(180.0, SR, 0.3, 0.0)
    cfg = ProsodyConfig(f0_method="dio")
    frames = n_frames(audio.size, MINI)
    base = world_f0(audio, SR, HOP, frames, cfg)
    assert base[frames // 2] > 0

    longer = world_f0(audio, SR, HOP, frames + 1, cfg)
    shorter = world_f0(audio, SR, HOP, frames - 1, cfg)

    np.testing.assert_array_equal(longer, np.append(base, 0.0))
    np.testing.assert_array_equal(shorter, base[:-1])
    with pytest.raises(ValueError, match=f"but {frames + 2} mel frames were asked for"):
        world_f0(audio, SR, HOP, frames + 2, cfg)


def test_unknown_f0_method_is_rejected() -> None:
    with pytest.raises(ValueError, match="f0_method is 'crepe'; use one of harvest, dio"):
        ProsodyConfig(f0_method="crepe")


def noise(seconds: float, std: float) -> np.ndarray:
    return std * np.random.default_rng(3).standard_normal(round(seconds * SR)).astype(np.float32)


def test_energy_of_a_twice_louder_copy_is_log4_higher_without_floor() -> None:
    """x2 amplitude is exact in floating point, so the mel power is exactly 4x: with no floor,
    ||4 m|| = 4 ||m|| and the energy rises by log(4) = 2 log(2) in every frame."""
    cfg = MelConfig(sample_rate=SR, n_fft=1024, win_length=1024, hop_length=HOP, n_mels=80,
                    log_floor=0.0)
    audio = noise(0.5, std=0.1)

    shift = log_energy(log_mel(2 * audio, cfg), cfg) - log_energy(log_mel(audio, cfg), cfg)

    np.testing.assert_allclose(shift, math.log(4.0), atol=1e-5)


def test_energy_with_the_floor_is_log_norm_of_floor_plus_power() -> None:
    """With the 1e-5 floor the shift is log(||1e-5 + 4m|| / ||1e-5 + m||), under log 4: quiet
    noise (mel power near the floor) makes the difference visible."""
    audio = noise(0.5, std=0.001)
    quiet = log_mel(audio, MINI)
    power = np.exp(quiet.astype(np.float64) * MINI.std + MINI.mean) - MINI.log_floor
    expected = np.log(np.linalg.norm(MINI.log_floor + 4 * power, axis=0)
                      / np.linalg.norm(MINI.log_floor + power, axis=0))

    shift = log_energy(log_mel(2 * audio, MINI), MINI) - log_energy(quiet, MINI)

    np.testing.assert_allclose(shift, expected, atol=1e-5)
    assert np.all(math.log(4.0) - shift > 1e-3)


def test_energy_of_digital_silence_is_the_floor() -> None:
    energy = log_energy(log_mel(np.zeros(SR // 2, dtype=np.float32), MINI), MINI)
    np.testing.assert_allclose(energy, math.log(1e-5 * math.sqrt(80)), rtol=1e-6)
