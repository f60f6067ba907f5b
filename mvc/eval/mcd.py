"""Mel-cepstral distortion (MCD, dB) between synthesized speech and its reference.

Per aligned frame pair, MCD = (10 / ln 10) * sqrt(2 * sum_{d=1..order} (c_d - c'_d)^2)
(Kubichek 1993; c0, the frame's gain, is excluded). With SPTK's one-sided mel-cepstrum this
is the RMS difference, in dB, of the two warped log power spectra without their gain.
The utterance's MCD is the mean over the frame pairs of a DTW path on c1..c_order
(`mvc.eval.dtw`), or over frames paired by index (the shorter length) with `use_dtw` False.
Silence removal (`drop_silence`) is off by default, as in ESPnet2's and pymcd's MCD that
most papers report; when on, frames whose envelope power is more than
`silence_threshold_db` below the utterance's mean frame power are dropped from each signal
before alignment (ESPnet1's `mcd_calculate.py` / sprocket convention, -20 dB).

Also pymcd's three modes (`plain`, `dtw`, `dtw_sl`) through the pymcd package itself, for
comparison with papers that used it; docs/metrics.md explains how its numbers differ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, ClassVar

import numpy as np

from mvc.audio import load
from mvc.errors import InputError
from mvc.eval.base import WARNING, ScoreItem
from mvc.eval.mcep import WorldAnalysis, WorldFeatures

MCD_SCALE = 10.0 / math.log(10.0)


def frame_mcd_db(reference: np.ndarray, synthesized: np.ndarray) -> np.ndarray:
    """MCD in dB of each row pair of two (T, order+1) mel-cepstra; column 0 (c0) is ignored."""
    diff = np.asarray(reference, dtype=np.float64)[:, 1:] - np.asarray(synthesized)[:, 1:]
    return MCD_SCALE * np.sqrt(2.0 * np.sum(diff * diff, axis=1))


def non_silent_frames(power: np.ndarray, threshold_db: float) -> np.ndarray:
    """Indices of frames whose power is at least `threshold_db` relative to the mean power."""
    relative_db = 10.0 * np.log10(power / power.mean())
    return np.flatnonzero(relative_db >= threshold_db)


@dataclass(frozen=True)
class MelCepstralDistortion(WorldAnalysis):
    """MCD with our WORLD + SPTK mel-cepstra (settings: `WorldAnalysis` and below).

    use_dtw: align by DTW (True) or pair frames by index, truncated to the shorter (False).
    drop_silence, silence_threshold_db: see the module docstring.
    """

    name: ClassVar[str] = "mcd"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = True

    use_dtw: bool = True
    drop_silence: bool = False
    silence_threshold_db: float = -20.0

    @property
    def columns(self) -> tuple[str, ...]:
        return ("mcd_db", "n_frames", "n_ref_frames", "n_syn_frames", "analysis_rate")

    def score(self, item: ScoreItem) -> dict[str, float | int | str]:
        if self.use_dtw and item.reference_audio:
            self.require_dtw_fits(item)
        reference, synthesized, rate = self.load_pair(item)
        ref = self._kept_mcep(self.features(reference, rate))
        syn = self._kept_mcep(self.features(synthesized, rate))
        if self.use_dtw:
            path = self.dtw_path(ref, syn, item)
            ref_idx, syn_idx = path[:, 0], path[:, 1]
        else:
            ref_idx = syn_idx = np.arange(min(len(ref), len(syn)))
        distortion = frame_mcd_db(ref[ref_idx], syn[syn_idx])
        return {"mcd_db": float(distortion.mean()), "n_frames": int(distortion.size),
                "n_ref_frames": len(ref), "n_syn_frames": len(syn), "analysis_rate": rate,
                WARNING: self.rate_warning(item, rate)}

    def _kept_mcep(self, features: WorldFeatures) -> np.ndarray:
        if not self.drop_silence:
            return features.mcep
        return features.mcep[non_silent_frames(features.power, self.silence_threshold_db)]


class _PymcdMCD:
    """pymcd's `Calculate_MCD(MCD_mode)` on the two files (its own settings: see
    docs/metrics.md). Our loader checks both files first, so a missing, silent or NaN file
    is an InputError naming it rather than a crash or a NaN inside pymcd."""

    mode: ClassVar[str]
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = True

    @property
    def columns(self) -> tuple[str, ...]:
        return ("mcd_db",)

    def settings(self) -> dict[str, Any]:
        return {"mode": self.mode, "pymcd": version("pymcd")}

    def unavailable(self, language: str) -> str | None:
        return None

    def score(self, item: ScoreItem) -> dict[str, float | int | str]:
        from pymcd.mcd import Calculate_MCD

        if not item.reference_audio:
            raise InputError(f"utterance {item.utt_id}", "no reference audio",
                             "pymcd compares with the ground truth: give the manifest an "
                             "audio_path for it, or leave the metric out for this test set")
        for path in (item.reference_audio, item.audio_path):
            load(path)
        value = Calculate_MCD(MCD_mode=self.mode).calculate_mcd(item.reference_audio,
                                                                item.audio_path)
        return {"mcd_db": float(value)}


class PymcdPlain(_PymcdMCD):
    """pymcd `plain`: frames paired by index after zero-padding the shorter waveform."""

    name: ClassVar[str] = "mcd_pymcd_plain"
    mode: ClassVar[str] = "plain"


class PymcdDTW(_PymcdMCD):
    """pymcd `dtw`: fastdtw on c1..c13, distortion over the path."""

    name: ClassVar[str] = "mcd_pymcd_dtw"
    mode: ClassVar[str] = "dtw"


class PymcdDTWSL(_PymcdMCD):
    """pymcd `dtw_sl`: `dtw` times the ratio of the longer to the shorter frame count."""

    name: ClassVar[str] = "mcd_pymcd_dtw_sl"
    mode: ClassVar[str] = "dtw_sl"


METRICS: dict[str, type] = {
    cls.name: cls for cls in (MelCepstralDistortion, PymcdPlain, PymcdDTW, PymcdDTWSL)
}
