"""Mel-cepstra and F0 from WORLD analysis: the features MCD and F0 RMSE compare.

WORLD (pyworld) estimates F0 with Harvest, or with DIO refined by StoneMask, then the
spectral envelope with CheapTrick (its window adapts to that F0); pysptk's `sp2mc` turns
each envelope into a mel-cepstrum of `order` + 1 coefficients (c0 .. c_order, SPTK's
one-sided convention: log|H(w)| = c0 + sum_m c_m cos(m w~) on the warped frequency w~)
with all-pass constant `alpha`. Order and alpha follow the analysis rate (ESPnet's
`_get_best_mcep_params`, from the Merlin/SPTK practice): 16 kHz 23/0.42, 22.05 kHz
34/0.45, 24 kHz 34/0.46, 48 kHz 39/0.55; another rate needs both given explicitly.

Both files of a pair are analysed at one rate: `analysis_rate`, or by default the
reference's own rate (so every system of a test set is measured on the same scale); a file
at another rate is resampled with soxr (HQ) first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pysptk
import pyworld
import soundfile as sf

from mvc.audio import duration_s, load
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.dtw import MAX_CELLS, dtw

ORDER_ALPHA: dict[int, tuple[int, float]] = {
    16000: (23, 0.42),
    22050: (34, 0.45),
    24000: (34, 0.46),
    48000: (39, 0.55),
}
F0_METHODS = ("dio", "harvest")
CHEAPTRICK_PERIODS = 3.0  # CheapTrick's window spans three periods of the F0 floor
CACHED_WARPS = 16
ENVELOPE_BLOCK_FRAMES = 2000  # 10 s at a 5 ms hop: about 16 MB of envelope at 48 kHz


def order_alpha(sample_rate: int, order: int | None = None,
                alpha: float | None = None) -> tuple[int, float]:
    """Mel-cepstrum order and all-pass constant for `sample_rate`: the given values, else
    the table's (ORDER_ALPHA). A rate not in the table needs both given: InputError."""
    if order is not None and alpha is not None:
        return order, alpha
    if sample_rate not in ORDER_ALPHA:
        raise InputError(f"analysis rate {sample_rate} Hz",
                         "no mel-cepstrum order/alpha is defined for this rate "
                         f"(known: {', '.join(str(r) for r in ORDER_ALPHA)} Hz)",
                         "set the metric's analysis_rate to one of them, or give both order "
                         "and alpha in its settings")
    table_order, table_alpha = ORDER_ALPHA[sample_rate]
    return (table_order if order is None else order,
            table_alpha if alpha is None else alpha)


@dataclass(frozen=True)
class WorldFeatures:
    """Per-frame features of one signal: F0 in Hz (0 = unvoiced), mel-cepstra (T, order+1)
    and the envelope's mean power (T,), linear, for silence detection."""

    f0: np.ndarray
    mcep: np.ndarray
    power: np.ndarray


@dataclass(frozen=True)
class WorldAnalysis:
    """The analysis settings shared by MCD and F0 RMSE.

    f0_method: "dio" (DIO + StoneMask; fast, the default) or "harvest" (more robust V/UV
        decisions, about 20x slower on this machine).
    f0_floor, f0_ceil: F0 search range in Hz (WORLD's defaults); the floor also sets
        CheapTrick's FFT size (pyworld's `get_cheaptrick_fft_size`).
    frame_period_ms: hop between frames (WORLD's default 5 ms).
    analysis_rate: rate in Hz both files are analysed at; None means the reference's rate.
    order, alpha: mel-cepstrum order and all-pass constant; None takes ORDER_ALPHA's.
    max_dtw_cells: largest n x m DTW search (one byte per cell).
    """

    f0_method: str = "dio"
    f0_floor: float = 71.0
    f0_ceil: float = 800.0
    frame_period_ms: float = 5.0
    analysis_rate: int | None = None
    order: int | None = None
    alpha: float | None = None
    max_dtw_cells: int = MAX_CELLS

    def settings(self) -> dict[str, Any]:
        return asdict(self)

    def unavailable(self, language: str) -> str | None:
        """WORLD analysis works for every language."""
        return None

    def __post_init__(self) -> None:
        where = f"metric {getattr(self, 'name', type(self).__name__)} settings"
        if self.f0_method not in F0_METHODS:
            raise InputError(where, f"f0_method is {self.f0_method!r}",
                             f"use one of {', '.join(F0_METHODS)}")
        if not 0 < self.f0_floor < self.f0_ceil:
            raise InputError(where, f"f0_floor {self.f0_floor}, f0_ceil {self.f0_ceil}",
                             "need 0 < f0_floor < f0_ceil (Hz)")
        if self.frame_period_ms <= 0:
            raise InputError(where, f"frame_period_ms is {self.frame_period_ms}",
                             "use a positive hop in milliseconds (e.g. 5.0)")
        if self.analysis_rate is not None and self.order is None and self.alpha is None:
            order_alpha(self.analysis_rate)

    def require_dtw_fits(self, item: ScoreItem) -> None:
        """InputError before any analysis when the two files' frame counts (from their
        headers) would need a DTW search larger than `max_dtw_cells`: a 10-minute pair
        would otherwise spend a minute and gigabytes on features it cannot align."""
        frames = [int(duration_s(path) * 1000.0 / self.frame_period_ms) + 1
                  for path in (item.reference_audio, item.audio_path)]
        cells = frames[0] * frames[1]
        if cells > self.max_dtw_cells:
            raise InputError(f"utterance {item.utt_id}", f"aligning {frames[0]} x {frames[1]} "
                             f"frames needs {cells} DTW cells, more than max_dtw_cells "
                             f"({self.max_dtw_cells}, one byte each)",
                             "score shorter files (split long-form passages into sentences) "
                             "or raise max_dtw_cells if the memory is there")

    def rate_warning(self, item: ScoreItem, rate: int) -> str:
        """A caution when a file was recorded below the analysis rate: its band above its
        own Nyquist frequency is empty, and the metric charges the system for it."""
        parts = []
        for role, path in (("system", item.audio_path), ("reference", item.reference_audio)):
            native = sf.info(str(path)).samplerate
            if native < rate:
                parts.append(f"{role} audio is {native} Hz, analysed at {rate} Hz: it has "
                             f"nothing from {native // 2} to {rate // 2} Hz, which inflates "
                             "the distortion (set analysis_rate to the lower rate to compare "
                             "the shared band)")
        return "; ".join(parts)

    def load_pair(self, item: ScoreItem) -> tuple[np.ndarray, np.ndarray, int]:
        """Reference and synthesized audio at one analysis rate: (reference, synthesized,
        rate). InputError for a missing reference, or a missing, silent, NaN or too-short
        file (named)."""
        if not item.reference_audio:
            raise InputError(f"utterance {item.utt_id}", "no reference audio",
                             "this metric compares with the ground truth: give the manifest "
                             "an audio_path for it, or leave the metric out for this test set")
        reference, rate = load(item.reference_audio, self.analysis_rate)
        synthesized, _ = load(item.audio_path, rate)
        min_samples = CHEAPTRICK_PERIODS / self.f0_floor * rate
        for path, audio in ((item.reference_audio, reference), (item.audio_path, synthesized)):
            if audio.size < min_samples:
                raise InputError(path, f"audio is {audio.size / rate:.3f} s long, shorter than "
                                 f"one analysis window ({min_samples / rate:.3f} s)",
                                 "check the synthesis that produced it")
        return reference, synthesized, rate

    def dtw_path(self, reference: np.ndarray, synthesized: np.ndarray,
                 item: ScoreItem) -> np.ndarray:
        """(K, 2) frame pairs of the DTW path on mel-cepstra c1..c_order; InputError naming
        the utterance when the search is too large."""
        try:
            return dtw(reference[:, 1:], synthesized[:, 1:], self.max_dtw_cells).path
        except ValueError as err:
            raise InputError(f"utterance {item.utt_id}", f"DTW failed ({err})",
                             "check both files; raise max_dtw_cells for very long ones") from None

    def f0(self, audio: np.ndarray, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
        """WORLD F0 in Hz (0 = unvoiced) and the frame times in seconds."""
        x = np.ascontiguousarray(audio, dtype=np.float64)
        if self.f0_method == "harvest":
            return pyworld.harvest(x, sample_rate, f0_floor=self.f0_floor, f0_ceil=self.f0_ceil,
                                   frame_period=self.frame_period_ms)
        coarse, times = pyworld.dio(x, sample_rate, f0_floor=self.f0_floor,
                                    f0_ceil=self.f0_ceil, frame_period=self.frame_period_ms)
        return pyworld.stonemask(x, coarse, times, sample_rate), times

    def features(self, audio: np.ndarray, sample_rate: int) -> WorldFeatures:
        """F0, mel-cepstra and envelope power of one signal at `sample_rate`."""
        x = np.ascontiguousarray(audio, dtype=np.float64)
        f0, times = self.f0(x, sample_rate)
        order, alpha = order_alpha(sample_rate, self.order, self.alpha)
        mcep = np.empty((f0.size, order + 1))
        power = np.empty(f0.size)
        # CheapTrick analyses each frame on its own: blocks of frames give the same numbers
        # with the envelope's memory bounded (a whole 10-minute file at 48 kHz is ~1 GB).
        for start in range(0, f0.size, ENVELOPE_BLOCK_FRAMES):
            block = slice(start, start + ENVELOPE_BLOCK_FRAMES)
            envelope = pyworld.cheaptrick(x, np.ascontiguousarray(f0[block]),
                                          np.ascontiguousarray(times[block]), sample_rate,
                                          f0_floor=self.f0_floor)
            mcep[block] = sp2mc(envelope, order, alpha)
            power[block] = envelope.mean(axis=1)
        return WorldFeatures(f0=f0, mcep=mcep, power=power)


@lru_cache(maxsize=CACHED_WARPS)
def _warp_matrix(n_coefficients: int, order: int, alpha: float) -> np.ndarray:
    """pysptk's frequency warping (`freqt`) as a matrix: it is linear in the cepstrum."""
    return pysptk.freqt(np.eye(n_coefficients), order, alpha)


def sp2mc(envelope: np.ndarray, order: int, alpha: float) -> np.ndarray:
    """pysptk's `sp2mc` for a (T, fft/2+1) power envelope, all frames in one matrix product:
    real cepstrum of the log power (c0 halved), then `freqt` warping to (T, order+1)."""
    cepstrum = np.fft.irfft(np.log(envelope), axis=1)
    cepstrum[:, 0] /= 2.0
    return cepstrum @ _warp_matrix(cepstrum.shape[1], order, alpha)
