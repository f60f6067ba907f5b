"""MOS-proxy from UTMOS, when a local TorchScript checkpoint is configured.

UTMOS (Saeki et al., Interspeech 2022, "UTMOS: UTokyo-SaruLab System for VoiceMOS
Challenge 2022") predicts naturalness MOS from a waveform. No installed package ships
UTMOS code or weights, and nothing is downloaded here, so this backend only loads a
TorchScript export the user provides (`checkpoint`). Its contract: `forward(wave)` takes a
float32 tensor of shape (1, samples) at 16 kHz in [-1, 1] and returns one value, the
predicted MOS. Without a checkpoint every row is n/a with the reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from mvc.audio import load
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.hashing import file_sha256

SAMPLE_RATE = 16000  # UTMOS22 was trained on 16 kHz audio (the VoiceMOS 2022 BVCC set)


class UTMOS:
    """UTMOS per utterance: `utmos`, repeated as `mos_proxy` for the tables."""

    name: ClassVar[str] = "utmos"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = False

    def __init__(self, checkpoint: str = "") -> None:
        self.checkpoint = checkpoint
        self._reason = self._why_unavailable()
        self._sha256 = ""
        self._model: torch.jit.ScriptModule | None = None
        if self._reason is None:
            self._sha256 = file_sha256(checkpoint)
            try:
                self._model = torch.jit.load(checkpoint, map_location="cpu").eval()
            except (RuntimeError, ValueError) as err:
                raise InputError(checkpoint, f"not a loadable TorchScript module ({err})",
                                 "export UTMOS with torch.jit.script or torch.jit.trace and "
                                 "torch.jit.save (docs/metrics.md, UTMOS)") from None

    def _why_unavailable(self) -> str | None:
        if not self.checkpoint:
            return ("no UTMOS checkpoint configured (setting `checkpoint`); no UTMOS weights "
                    "ship with the installed packages and none are downloaded")
        if not Path(self.checkpoint).is_file():
            return f"UTMOS checkpoint {self.checkpoint} not found"
        return None

    @property
    def columns(self) -> tuple[str, ...]:
        return ("mos_proxy", "utmos")

    def settings(self) -> dict[str, Any]:
        return {"checkpoint": self.checkpoint, "checkpoint_sha256": self._sha256,
                "sample_rate": SAMPLE_RATE}

    def unavailable(self, language: str) -> str | None:
        return self._reason

    def score(self, item: ScoreItem) -> dict[str, float]:
        if self._model is None:
            raise InputError("metric 'utmos'", str(self._reason),
                             "configure a local TorchScript UTMOS checkpoint")
        audio, _ = load(item.audio_path, SAMPLE_RATE)
        wave = torch.from_numpy(np.clip(audio, -1.0, 1.0))[None]
        with torch.inference_mode():
            output = self._model(wave)
        if not isinstance(output, torch.Tensor) or output.numel() != 1:
            raise InputError(self.checkpoint, "the module does not return one value per "
                             "utterance", "export a forward(wave[1, samples]) -> MOS module")
        value = float(output.reshape(()))
        if not np.isfinite(value):
            raise InputError(item.audio_path, "UTMOS returned a non-finite score",
                             "check this file's audio")
        return {"mos_proxy": value, "utmos": value}


METRICS: dict[str, type] = {"utmos": UTMOS}
