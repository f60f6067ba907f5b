"""MOS-proxy from DNSMOS: predicted P.835 (signal, background, overall) and P.808 MOS.

DNSMOS (Reddy et al., ICASSP 2022, "DNSMOS P.835") runs through the `speechmos` package
and the ONNX models that ship inside it; nothing is downloaded. `speechmos.dnsmos.run`
keeps one module-global scorer whose ONNX sessions use onnxruntime's default thread pool,
so this metric builds its own two sessions once per instance, with a fixed thread count,
and reuses speechmos's windowing, P.808 mel features and polynomial calibration unchanged
(docs/metrics.md, "MOS-proxy (DNSMOS)", states them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import onnxruntime as ort
from speechmos import dnsmos as speechmos_dnsmos

from mvc.audio import load_clip
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.hashing import file_sha256

SAMPLE_RATE = speechmos_dnsmos.SR  # 16 kHz: the models' only rate
MODEL_DIR = Path(speechmos_dnsmos.__file__).resolve().parent
P808_MODEL = MODEL_DIR / "dnsmos_models" / "model_v8.onnx"
PRIMARY_MODELS = {  # personalized? -> the SIG/BAK/OVRL model
    False: MODEL_DIR / "dnsmos_models" / "sig_bak_ovr.onnx",
    True: MODEL_DIR / "pdnsmos_models" / "sig_bak_ovr.onnx",
}
SCORE_KEYS = {"ovrl": "ovrl_mos", "sig": "sig_mos", "bak": "bak_mos", "p808": "p808_mos"}


def _session(path: Path, threads: int) -> ort.InferenceSession:
    """A CPU session with a fixed, small thread pool and sequential execution."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(str(path), sess_options=options,
                                providers=["CPUExecutionProvider"])


class _Scorer(speechmos_dnsmos.DNSMOS):
    """speechmos's DNSMOS scorer (windowing, features, calibration) on our own sessions."""

    def __init__(self, primary: Path, p808: Path, threads: int) -> None:
        # speechmos's __init__ would open sessions with default options; set its attributes.
        self.primary_model_path = str(primary)
        self.onnx_sess = _session(primary, threads)
        self.p808_onnx_sess = _session(p808, threads)


class DNSMOS:
    """DNSMOS per utterance: `dnsmos_ovrl`, `dnsmos_sig`, `dnsmos_bak`, `dnsmos_p808`.

    `mos_proxy` repeats the column named by `mos_column` (ovrl, sig, bak or p808): the one
    the tables call MOS-proxy. `personalized` selects pDNSMOS's SIG/BAK/OVRL model and its
    calibration polynomials. Audio shorter than `min_seconds` is an InputError: speechmos
    repeats short clips up to its 9.01 s window, and a fragment repeated dozens of times is
    not an utterance. `threads` is onnxruntime's intra-op thread count (1 or 2 on this
    machine; one thread gives bit-identical scores run to run).
    """

    name: ClassVar[str] = "dnsmos"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = False

    def __init__(self, mos_column: str = "ovrl", personalized: bool = False,
                 min_seconds: float = 0.5, threads: int = 1) -> None:
        if mos_column not in SCORE_KEYS:
            raise InputError("metric 'dnsmos'", f"unknown mos_column {mos_column!r}",
                             f"use one of {', '.join(SCORE_KEYS)}")
        if threads < 1:
            raise InputError("metric 'dnsmos'", f"threads is {threads}", "use 1 or more")
        self.mos_column = mos_column
        self.personalized = personalized
        self.min_seconds = min_seconds
        self.threads = threads
        primary = PRIMARY_MODELS[personalized]
        self._scorer = _Scorer(primary, P808_MODEL, threads)
        self._hashes = {"primary_model": primary.name, "primary_sha256": file_sha256(primary),
                        "p808_model": P808_MODEL.name, "p808_sha256": file_sha256(P808_MODEL)}

    @property
    def columns(self) -> tuple[str, ...]:
        return ("mos_proxy", *(f"dnsmos_{key}" for key in SCORE_KEYS))

    def settings(self) -> dict[str, Any]:
        return {"mos_column": self.mos_column, "personalized": self.personalized,
                "min_seconds": self.min_seconds, "sample_rate": SAMPLE_RATE,
                "window_seconds": speechmos_dnsmos.INPUT_LENGTH, **self._hashes}

    def unavailable(self, language: str) -> str | None:
        return None  # DNSMOS reads only the audio: no transcript, no language model

    def score(self, item: ScoreItem) -> dict[str, float]:
        audio = load_clip(item.audio_path, SAMPLE_RATE, self.min_seconds, "DNSMOS")
        # Resampling a full-scale signal can overshoot 1; speechmos rejects samples outside
        # [-1, 1].
        values = self._scorer(np.clip(audio, -1.0, 1.0), SAMPLE_RATE, self.personalized)
        scores = {f"dnsmos_{key}": float(values[field]) for key, field in SCORE_KEYS.items()}
        return {"mos_proxy": scores[f"dnsmos_{self.mos_column}"], **scores}


METRICS: dict[str, type] = {"dnsmos": DNSMOS}
