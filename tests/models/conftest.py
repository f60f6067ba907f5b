"""A tiny model config (configs/smoke.yaml's model section) and a padded random batch."""

from __future__ import annotations

from pathlib import Path

import numba
import pytest
import torch
import yaml

from mvc.models.batch import Batch
from mvc.models.config import ModelConfig, model_config

ROOT = Path(__file__).resolve().parents[2]


def load_model_config(name: str = "smoke") -> ModelConfig:
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))
    return model_config(config["model"], config["audio"])


@pytest.fixture(autouse=True, scope="package")
def one_thread():
    """One torch and one numba thread: these tiny models run 10-50x slower with two threads
    on a busy machine (threads spin-waiting for each other)."""
    threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(1)
    numba.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
    numba.set_num_threads(numba_threads)


@pytest.fixture(scope="session")
def smoke_config() -> ModelConfig:
    return load_model_config("smoke")


def make_batch(config: ModelConfig, phoneme_lengths=(9, 6, 4), frame_lengths=(40, 31, 22),
               seed: int = 0) -> Batch:
    """Random utterances, padded with garbage (large values) after their lengths."""
    gen = torch.Generator().manual_seed(seed)
    b, t, f = len(phoneme_lengths), max(phoneme_lengths), max(frame_lengths)
    phonemes = torch.randint(1, config.n_symbols, (b, t), generator=gen)
    mel = torch.randn(b, config.n_mels, f, generator=gen)
    f0 = 100 + 150 * torch.rand(b, f, generator=gen)
    f0[:, ::4] = 0.0  # some unvoiced frames
    energy = torch.randn(b, f, generator=gen)
    for i, (n_ph, n_fr) in enumerate(zip(phoneme_lengths, frame_lengths, strict=True)):
        phonemes[i, n_ph:] = 0
        mel[i, :, n_fr:] = 1e3
        f0[i, n_fr:] = 1e3
        energy[i, n_fr:] = -1e3
    return Batch([f"u{i}" for i in range(b)], phonemes, torch.tensor(phoneme_lengths), mel,
                 torch.tensor(frame_lengths), f0, energy)
