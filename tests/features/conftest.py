"""Shared test signals for the feature tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

N_HARMONICS = 5


def make_tone(f0_hz: float, sample_rate: int, tone_s: float, pad_s: float,
              amplitude: float = 0.3) -> np.ndarray:
    """A voiced-speech-like periodic signal (harmonics 1..5 at 1/k amplitude) between two
    stretches of digital silence, float64."""
    t = np.arange(round(tone_s * sample_rate)) / sample_rate
    tone = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, N_HARMONICS + 1))
    pad = np.zeros(round(pad_s * sample_rate))
    return np.concatenate([pad, amplitude * tone, pad])


@pytest.fixture
def harmonic_tone() -> Callable[..., np.ndarray]:
    return make_tone
