"""A tiny model config (configs/smoke.yaml's model section, or a system's: its systems:
entry merged in; or an ablation row's), a padded random batch, and the checks that several
model tests share: a few optimizer steps of a stage, and padding that never leaks into the
conditioning path."""

from __future__ import annotations

from pathlib import Path

import numba
import pytest
import torch
import yaml

from mvc.ablations.sweep import ablation_settings, read_sweep
from mvc.models.batch import Batch
from mvc.models.conditioning import ConditioningPath
from mvc.models.config import ModelConfig, model_config
from mvc.models.tts import build_model
from mvc.systems.overrides import system_model_section

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-4


def read_config(name: str) -> dict:
    return yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))


def load_model_config(name: str = "smoke") -> ModelConfig:
    config = read_config(name)
    return model_config(config["model"], config["audio"])


def system_config(system: str, name: str = "smoke") -> ModelConfig:
    """A system's model config: configs/{name}.yaml's model: with its systems: entry."""
    config = read_config(name)
    return model_config(system_model_section(config, system), config["audio"])


def ablation_config(variant: str, name: str = "smoke") -> ModelConfig:
    """The model config of a row of configs/ablations.tsv, named by its label (e.g.
    "adaln=false"): mvc's systems: entry with the row's model knobs set, as the ablation
    rules train it, on configs/{name}.yaml's model: section."""
    config = read_config(name)
    sweep = read_sweep(ablation_settings({**config["ablations"],
                                          "tsv": str(ROOT / "configs/ablations.tsv")}))
    row = next(r for r in sweep.rows() if sweep.label(r) == variant)
    systems = {"mvc": sweep.system_entry(config["systems"]["mvc"], row)}
    return model_config(system_model_section({**config, "systems": systems}, "mvc"),
                        config["audio"])


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


def padded(seqs, total, fill=1e4):
    """Stack (L_i, ...) tensors into (B, total, ...) with `fill` after each, and the mask."""
    out = torch.full((len(seqs), total, *seqs[0].shape[1:]), fill)
    mask = torch.zeros(len(seqs), total, dtype=torch.bool)
    for i, seq in enumerate(seqs):
        out[i, :len(seq)] = seq
        mask[i, :len(seq)] = True
    return out, mask


def stage_losses(config: ModelConfig, stage: int, steps: int = 8) -> list[dict[str, float]]:
    """Each loss term of `steps` AdamW steps (lr 3e-3) of one stage on make_batch, with the
    same crop and diffusion noise each step (a fair comparison); every term finite."""
    torch.manual_seed(0)
    model = build_model(config)
    batch = make_batch(config)
    optimizer = torch.optim.AdamW(model.stage_parameters(stage), lr=3e-3)
    rows = []
    for _ in range(steps):
        torch.manual_seed(1)
        losses = model.losses(batch, stage)
        assert all(torch.isfinite(v) for v in losses.values())
        optimizer.zero_grad()
        losses["total"].backward()
        optimizer.step()
        rows.append({name: value.item() for name, value in losses.items()})
    return rows


def assert_text_and_durations_ignore_padding(cond: ConditioningPath,
                                             config: ModelConfig) -> None:
    """Two utterances padded to 9 phonemes (a non-pad id inside the padding too) encode and
    get durations as they do alone; padded outputs are 0."""
    gen = torch.Generator().manual_seed(1)
    seqs = [torch.randint(1, config.n_symbols, (n,), generator=gen) for n in (7, 3)]
    phonemes, mask = padded(seqs, 9, fill=0)
    phonemes = phonemes.long()
    phonemes[1, 5] = 17  # a non-pad id in the padding must not matter either
    style = torch.randn(2, config.style_dim, generator=gen)
    text = cond.encode_text(phonemes, mask)
    log_dur = cond.predict_durations(text, style, mask)
    assert text.shape == (2, 9, config.hidden) and log_dur.shape == (2, 9)
    for i, seq in enumerate(seqs):
        alone = cond.encode_text(seq.unsqueeze(0), None)
        assert torch.allclose(text[i, :len(seq)], alone[0], atol=TOL)
        alone_dur = cond.predict_durations(alone, style[i:i + 1], None)
        assert torch.allclose(log_dur[i, :len(seq)], alone_dur[0], atol=TOL)
    assert (text[~mask] == 0).all() and (log_dur[~mask] == 0).all()


def assert_prosody_ignores_padding(cond: ConditioningPath, config: ModelConfig) -> None:
    """Two aligned encodings padded with 1e4 to 24 frames get the F0 and energy they get
    alone; padded outputs are 0."""
    gen = torch.Generator().manual_seed(2)
    lengths = [20, 11]
    aligned, mask = padded([torch.randn(n, config.hidden, generator=gen) for n in lengths], 24)
    style = torch.randn(2, config.style_dim, generator=gen)
    f0, energy = cond.predict_prosody(aligned, style, mask)
    assert f0.shape == energy.shape == (2, 24)
    for i, n in enumerate(lengths):
        f0_one, energy_one = cond.predict_prosody(aligned[i:i + 1, :n], style[i:i + 1], None)
        assert torch.allclose(f0[i, :n], f0_one[0], atol=TOL)
        assert torch.allclose(energy[i, :n], energy_one[0], atol=TOL)
    assert (f0[~mask] == 0).all() and (energy[~mask] == 0).all()
