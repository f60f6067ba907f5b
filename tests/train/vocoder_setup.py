"""Tiny vocoder-training settings for tests (the data of tests/train/conftest.py: 16 kHz,
hop 128, 20 mels; the conftest model's generator: 16 channels, 4 * 4 * 8 = hop 128)."""

from __future__ import annotations

import copy
from typing import Any

from tests.train.conftest import AUDIO, MODEL

VOCODER_TRAINING: dict[str, Any] = {
    "steps": 4, "batch_size": 2, "segment_frames": 8, "lr": 2e-3, "betas": [0.8, 0.99],
    "eps": 1e-8, "weight_decay": 0.01, "lr_decay": 0.5, "lr_decay_every": 2,
    "grad_clip": 1000.0,
    "loss_weights": {"mel": 45.0, "feature_matching": 2.0, "adversarial": 1.0},
    "discriminators": {"periods": [2, 3], "period_channels": [4, 8, 8], "scales": 2,
                       "scale_channels": [4, 4, 8, 8, 8, 8, 8],
                       "scale_groups": [1, 2, 2, 2, 2, 2, 1]},
    "checkpoint_every": 2, "keep_checkpoints": 2, "device": "cpu", "threads": 1}


def hifigan_model() -> dict[str, Any]:
    model = copy.deepcopy(MODEL)
    model["vocoder"]["kind"] = "hifigan"
    return model


def vocoder_sections(**training: Any) -> dict[str, Any]:
    """The sections `mvc train-vocoder` receives."""
    return {"seed": 5, "audio": AUDIO, "model": {"vocoder": hifigan_model()["vocoder"]},
            "vocoder_training": {**VOCODER_TRAINING, **training}}
