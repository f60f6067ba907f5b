"""MOS-proxy from DistillMOS: a predicted speech-quality MOS (1 bad .. 5 excellent).

DistillMOS (Stahl & Gamper, "Distillation and Pruning for Scalable Self-Supervised
Representation-Based Speech Quality Assessment", arXiv 2502.05356) is a small convolutional
transformer distilled from an XLS-R-based quality model. The `distillmos` package ships its
code and its weights (`weights/distill_mos_v7.pt`, a torch state dict). Its constructor
loads that file and prints to stdout, so this metric builds the network without weights and
loads the file itself: only from the package directory, only after its SHA-256 matches the
one recorded here, with `torch.load(weights_only=True)`. Nothing is downloaded.
The package's forward cuts a long clip into 7.68 s windows and runs them as one batch
(about 60 MB per window); `windows` cuts them the same way and the metric runs them one at
a time and averages, which a test checks equals the package's forward (docs/metrics.md,
"MOS-proxy: DistillMOS").
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import distillmos
import numpy as np
import torch
import torch.nn.functional as F
from distillmos.sqa import MAX_HOP_LEN, SEQ_LEN, ConvTransformerSQAModel

from mvc.audio import load_clip
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.threads import torch_threads
from mvc.hashing import file_sha256

SAMPLE_RATE = 16000  # the model's only rate (its STFT: 20 ms windows, 10 ms hop)
WEIGHTS = Path(distillmos.__file__).resolve().parent / "weights" / "distill_mos_v7.pt"
WEIGHTS_SHA256 = "b18b3ac60227267cfb91e5d00ce22cc7b73716fd92f269484da1446e27031a40"  # 0.9.1
PACKAGE_VERSION = metadata.version("distillmos")
WINDOW = SEQ_LEN  # 122880 samples: 7.68 s
MAX_HOP = MAX_HOP_LEN  # 16000 samples: consecutive windows start at most 1 s apart


def _model(threads: int) -> ConvTransformerSQAModel:
    """The package's network with its shipped weights, checked by hash, in eval mode; it
    takes exactly one window per batch row (`segmenting_in_forward=False`)."""
    found = file_sha256(WEIGHTS)
    if found != WEIGHTS_SHA256:
        raise InputError(WEIGHTS, f"SHA-256 {found}, not distillmos 0.9.1's {WEIGHTS_SHA256}",
                         "reinstall distillmos==0.9.1 (scripts/setup.sh)")
    with torch_threads(threads):
        model = ConvTransformerSQAModel(load_weights=False, segmenting_in_forward=False)
        checkpoint = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
        model.load_state_dict(checkpoint["model"])
    return model.eval()


def windows(wave: torch.Tensor) -> list[torch.Tensor]:
    """The package's windows of a (1, samples) wave, as its forward cuts them: a clip
    shorter than WINDOW is zero-padded to it; a longer one gives `ceil(excess / MAX_HOP) + 1`
    windows, evenly spaced from its start to its end."""
    excess = wave.shape[1] - WINDOW
    if excess < 0:
        wave = F.pad(wave, (0, -excess))
        excess = 0
    count = int(np.ceil(excess / MAX_HOP)) + 1
    starts = [int(c * excess) for c in np.linspace(0, 1, count)]
    return [wave[:, start:start + WINDOW] for start in starts]


class DistillMOS:
    """DistillMOS per utterance: `distillmos`, repeated as `mos_proxy` for the tables.

    The score is the mean of the model's output over the clip's 7.68 s windows (`windows`).
    Audio shorter than `min_seconds` is an InputError: the model zero-pads anything shorter
    than a window, and a fragment followed by seconds of zeros is not an utterance.
    `threads` is torch's intra-op thread count while scoring (restored afterwards); one
    thread gives identical scores run to run.
    """

    name: ClassVar[str] = "distillmos"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = False

    def __init__(self, min_seconds: float = 0.5, threads: int = 1) -> None:
        if threads < 1:
            raise InputError("metric 'distillmos'", f"threads is {threads}", "use 1 or more")
        self.min_seconds = min_seconds
        self.threads = threads
        self._model = _model(threads)

    @property
    def columns(self) -> tuple[str, ...]:
        return ("mos_proxy", "distillmos")

    def settings(self) -> dict[str, Any]:
        return {"package": f"distillmos {PACKAGE_VERSION}", "weights": WEIGHTS.name,
                "weights_sha256": WEIGHTS_SHA256, "sample_rate": SAMPLE_RATE,
                "min_seconds": self.min_seconds, "device": "cpu"}

    def unavailable(self, language: str) -> str | None:
        return None  # DistillMOS reads only the audio: no transcript, no language model

    def score(self, item: ScoreItem) -> dict[str, float]:
        audio = load_clip(item.audio_path, SAMPLE_RATE, self.min_seconds, "DistillMOS")
        wave = torch.from_numpy(np.ascontiguousarray(audio))[None]
        with torch_threads(self.threads), torch.inference_mode():
            value = float(np.mean([float(self._model(w).reshape(())) for w in windows(wave)]))
        if not np.isfinite(value):
            raise InputError(item.audio_path, "DistillMOS returned a non-finite score",
                             "check this file's audio")
        return {"mos_proxy": value, "distillmos": value}


METRICS: dict[str, type] = {"distillmos": DistillMOS}
