"""Prosody targets per mel frame: WORLD F0 and StyleTTS2's log-mel-norm energy.

Frame alignment: WORLD's frame k sits at time k * frame_period. With frame_period =
1000 * hop_length / sample_rate ms that is sample k * hop_length, the centre of mel frame k
under center=True, so the two frame grids coincide. WORLD counts
1 + int(1000 * n / sample_rate / frame_period) frames, which floating-point rounding can make
one fewer than the mel's 1 + n // hop_length; the missing last frame is filled as unvoiced.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyworld

from mvc.features.mel import MelConfig

F0_METHODS = ("harvest", "dio")
MAX_FRAME_MISMATCH = 1


@dataclass(frozen=True)
class ProsodyConfig:
    """F0 settings; the values come from configs/*.yaml.

    f0_method: "harvest" (WORLD's robust tracker, used alone) or "dio" (fast; its F0 is
        refined by stonemask, as WORLD recommends).
    f0_floor, f0_ceil: the search range in Hz; the defaults are WORLD's own (71, 800), the
        ones StyleTTS2's pitch-extractor data used.
    """

    f0_method: str = "harvest"
    f0_floor: float = 71.0
    f0_ceil: float = 800.0

    def __post_init__(self) -> None:
        if self.f0_method not in F0_METHODS:
            raise ValueError(f"f0_method is {self.f0_method!r}; use one of {', '.join(F0_METHODS)}")
        if not 0 < self.f0_floor < self.f0_ceil:
            raise ValueError(f"need 0 < f0_floor < f0_ceil, got {self.f0_floor}, {self.f0_ceil}")


def world_f0(audio: np.ndarray, sample_rate: int, hop_length: int, n_frames: int,
             cfg: ProsodyConfig) -> np.ndarray:
    """F0 in Hz per mel frame (0 = unvoiced), float32, exactly `n_frames` long.

    WORLD runs on float64 at frame_period = 1000 * hop_length / sample_rate ms, so its frame
    k is centred on sample k * hop_length like mel frame k. Its count may differ from
    `n_frames` by one frame at the end: the tail is trimmed or padded with 0 (unvoiced).
    A larger difference means the caller's `n_frames` belongs to other audio: ValueError.
    """
    x = np.ascontiguousarray(audio, dtype=np.float64)
    frame_period = 1000.0 * hop_length / sample_rate
    if cfg.f0_method == "harvest":
        f0, _ = pyworld.harvest(x, sample_rate, f0_floor=cfg.f0_floor, f0_ceil=cfg.f0_ceil,
                                frame_period=frame_period)
    else:
        coarse, times = pyworld.dio(x, sample_rate, f0_floor=cfg.f0_floor, f0_ceil=cfg.f0_ceil,
                                    frame_period=frame_period)
        f0 = pyworld.stonemask(x, coarse, times, sample_rate)
    if abs(len(f0) - n_frames) > MAX_FRAME_MISMATCH:
        raise ValueError(f"WORLD gave {len(f0)} frames for {x.size} samples at hop {hop_length}, "
                         f"but {n_frames} mel frames were asked for")
    aligned = np.zeros(n_frames, dtype=np.float32)
    kept = min(len(f0), n_frames)
    aligned[:kept] = f0[:kept]
    return aligned


def log_energy(mel_normalized: np.ndarray, cfg: MelConfig) -> np.ndarray:
    """StyleTTS2's energy (`log_norm`) per frame: log of the L2 norm over mel bins of
    exp(x * std + mean), i.e. of log_floor + mel power. Input (n_mels, T); output (T,) float32.

    Scaling the waveform by a gives a * a times the mel power, so with log_floor 0 the energy
    rises by exactly 2 * log(a); the floor makes the rise slightly smaller.
    """
    x = np.asarray(mel_normalized, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected a (n_mels, frames) mel, got shape {x.shape}")
    magnitude = np.exp(x * cfg.std + cfg.mean)
    return np.log(np.linalg.norm(magnitude, axis=0)).astype(np.float32)
