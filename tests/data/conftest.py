"""Shared fixtures for the corpus adapter tests: tiny real audio files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

TONE_HZ = 440.0
TONE_PEAK = 0.5


def _write_tone(path: Path, sample_rate: int, n_samples: int) -> float:
    """Write a sine of `n_samples` at `sample_rate` (format from the suffix); return its seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(n_samples) / sample_rate
    sf.write(str(path), TONE_PEAK * np.sin(2 * np.pi * TONE_HZ * t), sample_rate)
    return n_samples / sample_rate


@pytest.fixture
def write_tone() -> Callable[[Path, int, int], float]:
    """`write_tone(path, sample_rate, n_samples) -> duration_s`: a short sine, wav or flac."""
    return _write_tone
