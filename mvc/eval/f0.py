"""F0 errors between synthesized speech and its reference, on DTW-aligned WORLD frames.

Both signals are analysed at one rate and frame period (`mvc.eval.mcep.WorldAnalysis`):
WORLD F0 (DIO + StoneMask or Harvest) and mel-cepstra; the frames are paired by DTW on
mel-cepstra c1..c_order (`mvc.eval.dtw`), as ESPnet's `evaluate_f0.py` does. Over the
aligned pairs:

- f0_rmse_hz, f0_rmse_cents: RMS of f' - f (Hz) and of 1200 log2(f' / f) (cents), over the
  pairs voiced in both (F0 > 0 in both);
- vuv_error: the fraction of all pairs whose voiced/unvoiced decisions differ;
- f0_corr: Pearson correlation of f and f' (Hz) over the pairs voiced in both;
- n_voiced_frames, n_frames: pairs voiced in both, and all pairs (the DTW path length).

A value that cannot be computed (no pair voiced in both; fewer than two for the correlation,
or a constant F0) is NaN, and `f0_note` says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from mvc.eval.base import ScoreItem
from mvc.eval.mcep import WorldAnalysis

CENTS_PER_OCTAVE = 1200.0
MIN_CORRELATION_FRAMES = 2


def f0_errors(reference: np.ndarray, synthesized: np.ndarray) -> dict[str, float | int | str]:
    """The F0 error values for two equally long, already aligned F0 tracks (Hz, 0 = unvoiced)."""
    ref = np.asarray(reference, dtype=np.float64)
    syn = np.asarray(synthesized, dtype=np.float64)
    if ref.shape != syn.shape or ref.ndim != 1 or ref.size == 0:
        raise ValueError(f"expected two aligned, non-empty F0 tracks, got {ref.shape}, {syn.shape}")
    voiced_ref, voiced_syn = ref > 0, syn > 0
    both = voiced_ref & voiced_syn
    values: dict[str, float | int | str] = {
        "f0_rmse_hz": float("nan"), "f0_rmse_cents": float("nan"),
        "vuv_error": float(np.mean(voiced_ref != voiced_syn)), "f0_corr": float("nan"),
        "n_voiced_frames": int(both.sum()), "n_frames": int(ref.size), "f0_note": "",
    }
    if not both.any():
        values["f0_note"] = "no frame is voiced in both signals"
        return values
    f, f_prime = ref[both], syn[both]
    values["f0_rmse_hz"] = float(np.sqrt(np.mean((f_prime - f) ** 2)))
    cents = CENTS_PER_OCTAVE * np.log2(f_prime / f)
    values["f0_rmse_cents"] = float(np.sqrt(np.mean(cents ** 2)))
    if f.size < MIN_CORRELATION_FRAMES:
        values["f0_note"] = f"f0_corr needs {MIN_CORRELATION_FRAMES} frames voiced in both"
    elif np.ptp(f) == 0 or np.ptp(f_prime) == 0:
        values["f0_note"] = "f0_corr undefined: F0 is constant in one signal"
    else:
        values["f0_corr"] = float(np.corrcoef(f, f_prime)[0, 1])
    return values


@dataclass(frozen=True)
class F0RMSE(WorldAnalysis):
    """F0 RMSE (Hz, cents), V/UV error and F0 correlation (settings: `WorldAnalysis`)."""

    name: ClassVar[str] = "f0_rmse"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = True

    @property
    def columns(self) -> tuple[str, ...]:
        return ("f0_rmse_hz", "f0_rmse_cents", "vuv_error", "f0_corr", "n_voiced_frames",
                "n_frames", "analysis_rate", "f0_note")

    def score(self, item: ScoreItem) -> dict[str, float | int | str]:
        if item.reference_audio:
            self.require_dtw_fits(item)
        reference, synthesized, rate = self.load_pair(item)
        ref = self.features(reference, rate)
        syn = self.features(synthesized, rate)
        path = self.dtw_path(ref.mcep, syn.mcep, item)
        values = f0_errors(ref.f0[path[:, 0]], syn.f0[path[:, 1]])
        return {**values, "analysis_rate": rate}


METRICS: dict[str, type] = {F0RMSE.name: F0RMSE}
