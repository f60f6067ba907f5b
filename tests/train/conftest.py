"""A tiny training set in the data stage's real on-disk formats, and a tiny model config.

Audio: harmonic tones of a few tenths of a second at
16 kHz, two speakers; the manifest, phoneme table (espeak-ng) and feature index + cache are
written by the data stage's own functions.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from mvc.config import build
from mvc.data.manifest import Utterance, write_manifest
from mvc.features.cache import FeatureCache
from mvc.features.extract import extract_dataset
from mvc.features.mel import MelConfig
from mvc.features.prosody import ProsodyConfig
from mvc.text.phoneme_table import write_phoneme_table
from mvc.train.dataset import DatasetFiles

SAMPLE_RATE = 16000
AUDIO = {"sample_rate": SAMPLE_RATE, "n_fft": 512, "win_length": 512, "hop_length": 128,
         "n_mels": 20, "f_min": 0.0, "f_max": None, "log_floor": 1e-5, "mean": -4.0,
         "std": 4.0}
PROSODY = {"f0_method": "dio", "f0_floor": 60.0, "f0_ceil": 500.0}
TEXTS = ["A cat.", "The dog runs.", "We sat down.", "It is red.", "Go home now.",
         "She said yes.", "Big ships sail.", "Look at me."]

MODEL: dict[str, Any] = {
    "conditioning": "mvc", "hidden": 16, "style_dim": 8, "dropout": 0.1, "max_dur": 20,
    "max_len": 32,
    "f0_scale": 200.0,
    "mamba": {"d_state": 4, "d_conv": 4, "expand": 2},
    "text_encoder": {"conv_layers": 1, "kernel_size": 3, "mamba_layers": 1},
    "temporal": {"mamba_layers": 1},
    "expressive": {"mamba_layers": 1, "adain_blocks": 1, "kernel_size": 3},
    "aligner": {"hidden": 16, "layers": 1, "kernel_size": 3, "blank_logprob": -1.0,
                "prior_scaling": 1.0},
    "style_encoder": {"channels": 16, "layers": 1, "kernel_size": 3},
    "decoder": {"channels": 16, "blocks": 1, "kernel_size": 3},
    "diffusion": {"hidden": 16, "layers": 1, "steps": 3, "sigma_min": 1e-4, "sigma_max": 3.0,
                  "rho": 9.0, "sigma_data": 0.2, "sigma_data_ema": None,
                  "p_mean": -3.0, "p_std": 1.0},
    "inference": {"alpha": 0.3, "beta": 0.7, "carry": 0.7, "stream_chunk": 4},
    "losses": {"stage1": {"mel": 5.0, "aligner": 1.0},
               "stage2": {"duration": 1.0, "f0": 1.0, "energy": 1.0, "diffusion": 1.0}},
    "vocoder": {"kind": "griffin_lim", "griffin_lim": {"n_iter": 4, "momentum": 0.99},
                "hifigan": {"channels": 16, "upsample_rates": [4, 4],
                            "upsample_kernel_sizes": [8, 8], "resblock_kernel_sizes": [3],
                            "resblock_dilations": [[1, 3]], "istft_n_fft": 16,
                            "istft_hop": 8}},
}

SYSTEMS: dict[str, Any] = {
    "mvc": {},
    "styletts2": {"conditioning": "styletts2",
                  "styletts2": {"text_lstm_layers": 1, "duration_layers": 1}},
    "hybrid": {"conditioning": "hybrid", "hybrid": {"heads": 2, "ffn_expand": 2}},
}


def tone(f0_hz: float, seconds: float) -> np.ndarray:
    """Harmonics 1..5 of f0 (a voiced-speech-like signal) between 50 ms of silence."""
    t = np.arange(round(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    wave = sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 6))
    pad = np.zeros(SAMPLE_RATE // 20)
    return np.concatenate([pad, 0.3 * wave, pad])


def training_section(**overrides: Any) -> dict[str, Any]:
    stage = {"epochs": 1, "lr": 3e-3, "betas": [0.0, 0.99], "eps": 1e-9, "weight_decay": 1e-4,
             "grad_clip": 1.0}
    section = {"batch_size": 3, "max_frames": None, "bucket_batches": 2, "checkpoint_every": 2,
               "keep_checkpoints": 2, "device": "cpu", "threads": 1,
               "stages": [dict(stage), dict(stage)]}
    return {**section, **overrides}


def config(**training: Any) -> dict[str, Any]:
    """The sections `mvc train` receives."""
    return {"seed": 7, "audio": AUDIO, "model": MODEL, "training": training_section(**training),
            "systems": SYSTEMS}


def write_dataset(root: Path, n: int = len(TEXTS), split: str = "train") -> DatasetFiles:
    """n utterances of two speakers as the data stage writes them; returns their files."""
    rows = []
    for i in range(n):
        path = root / "wavs" / f"utt{i}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        wave = tone(120.0 + 25 * i, 0.25 + 0.05 * i)
        sf.write(str(path), wave, SAMPLE_RATE)
        rows.append(Utterance(f"utt{i}", f"spk{i % 2}", "en-us", TEXTS[i % len(TEXTS)],
                              str(path), len(wave) / SAMPLE_RATE, split))
    files = DatasetFiles(root / "manifest.csv", root / "phonemes.csv", root / "features.csv")
    write_manifest(rows, files.manifest)
    write_phoneme_table(rows, files.phonemes)
    extract_dataset(rows, build(MelConfig, AUDIO, "audio"), build(ProsodyConfig, PROSODY, "p"),
                    FeatureCache(root / "cache"), files.features)
    return files


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory: pytest.TempPathFactory) -> DatasetFiles:
    """Eight training utterances (read-only: copy before changing)."""
    return write_dataset(tmp_path_factory.mktemp("tiny"))


@pytest.fixture
def make_dataset() -> Callable[..., DatasetFiles]:
    return write_dataset
