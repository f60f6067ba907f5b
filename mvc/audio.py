"""Audio I/O: load (mono float32, optional resampling), save atomically, inspect duration.

Every failure names the file: missing, unreadable, empty, silent, non-finite samples, or
a sample rate other than the one the caller requires.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from mvc.atomic import atomic_path
from mvc.errors import InputError

SILENCE_PEAK = 1e-4


def duration_s(path: str | Path) -> float:
    """Duration in seconds from the file header, without decoding the samples."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "audio file not found", "check the corpus root and the transcript")
    try:
        info = sf.info(str(path))
    except Exception as err:  # soundfile raises several types for corrupt files
        raise InputError(path, f"unreadable audio ({err})",
                         "re-extract or re-download this file") from None
    if info.frames == 0:
        raise InputError(path, "audio file has no samples", "re-extract this file or drop it")
    return info.frames / info.samplerate


def load(path: str | Path, sample_rate: int | None = None, *,
         allow_silent: bool = False) -> tuple[np.ndarray, int]:
    """Load a file as mono float32 in [-1, 1]; resample to `sample_rate` when given.

    Raises InputError for a missing, unreadable, empty, silent (peak below 1e-4, unless
    `allow_silent`) or non-finite file.
    """
    duration_s(path)
    try:
        audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as err:
        raise InputError(path, f"unreadable audio ({err})",
                         "re-extract or re-download this file") from None
    audio = audio.mean(axis=1)
    if not np.all(np.isfinite(audio)):
        raise InputError(path, "audio contains NaN or infinite samples",
                         "regenerate this file; the writer produced invalid samples")
    if not allow_silent and np.max(np.abs(audio)) < SILENCE_PEAK:
        raise InputError(path, "audio is silent (peak below 1e-4)",
                         "check the recording or synthesis that produced it")
    if sample_rate is not None and sr != sample_rate:
        audio = soxr.resample(audio, sr, sample_rate, quality="HQ").astype(np.float32)
        sr = sample_rate
    return audio, sr


def load_clip(path: str | Path, sample_rate: int, min_seconds: float,
              who: str) -> np.ndarray:
    """`load` at `sample_rate`, and an InputError naming `who` (the metric) when the audio is
    shorter than `min_seconds`: a fragment a model would pad or repeat is not an utterance."""
    audio, _ = load(path, sample_rate)
    seconds = audio.size / sample_rate
    if seconds < min_seconds:
        raise InputError(path, f"audio is {seconds:.3f} s long, {who} needs at least "
                         f"{min_seconds} s (min_seconds)", "check the synthesis of this utterance")
    return audio


def require_sample_rate(path: str | Path, expected: int) -> None:
    """Raise InputError when a file's sample rate differs from `expected`."""
    duration_s(path)
    found = sf.info(str(path)).samplerate
    if found != expected:
        raise InputError(path, f"sample rate is {found} Hz, expected {expected} Hz",
                         f"resample it to {expected} Hz (e.g. sox in.wav -r {expected} out.wav)")


def save(path: str | Path, audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> None:
    """Write mono audio atomically; the format follows the suffix (.wav, .flac)."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio (1-D), got shape {audio.shape}")
    if not np.all(np.isfinite(audio)):
        raise ValueError(f"refusing to write non-finite samples to {path}")
    path = Path(path)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), np.clip(audio, -1.0, 1.0), sample_rate, subtype=subtype,
                 format=path.suffix.lstrip(".").upper())
