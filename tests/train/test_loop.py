"""The training loop's mechanics (stages, checkpoints, resume, loss log) on a small stand-in
model with the TTS model's training interface, so the checks run in a second; the real model
trains in tests/systems/test_mvc_system.py."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import torch
from torch import Tensor, nn

from mvc.features.cache import FeatureCache
from mvc.models.batch import Batch
from mvc.train import checkpoint
from mvc.train.config import training_config
from mvc.train.dataset import TrainingSet, load_examples
from mvc.train.distributed import limit_threads, setup
from mvc.train.loop import LOG_PREFIX, train_stages, write_loss_log

from .conftest import training_section

N_SYMBOLS = 200


class StandIn(nn.Module):
    """Stage 1 fits the mean mel from the phoneme counts, stage 2 the mean energy; both use
    dropout and a random perturbation, so the global RNG state matters as in the real model."""

    def __init__(self, n_mels: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(N_SYMBOLS, 8)
        self.mel_head = nn.Linear(8, n_mels)
        self.energy_head = nn.Linear(8, 1)
        self.dropout = nn.Dropout(0.2)
        self.calls = 0

    def stage_parameters(self, stage: int) -> list[nn.Parameter]:
        if stage == 1:
            return [*self.embed.parameters(), *self.mel_head.parameters()]
        return list(self.energy_head.parameters())

    def losses(self, batch: Batch, stage: int) -> dict[str, Tensor]:
        self.calls += 1
        mask = batch.phoneme_mask().unsqueeze(-1)
        pooled = (self.embed(batch.phonemes) * mask).sum(1) / mask.sum(1)
        pooled = self.dropout(pooled + 0.01 * torch.randn_like(pooled))
        frames = batch.frame_mask()
        if stage == 1:
            target = (batch.mel * frames.unsqueeze(1)).sum(2) / frames.sum(1, keepdim=True)
            terms = {"mel": (self.mel_head(pooled) - target).abs().mean()}
        else:
            target = (batch.energy * frames).sum(1) / frames.sum(1)
            terms = {"energy": (self.energy_head(pooled).squeeze(1) - target).pow(2).mean()}
        terms["total"] = sum(terms.values())
        return terms


class Killed(Exception):
    """Stands for the process being killed in the middle of a step."""


def data_of(files) -> TrainingSet:
    return TrainingSet(load_examples(files, N_SYMBOLS), FeatureCache(files.manifest.parent /
                                                                     "cache"))


def run(data: TrainingSet, work_dir: Path, kill_at_call: int | None = None,
        fingerprint: str = "a", **overrides) -> tuple[StandIn, list[dict]]:
    torch.manual_seed(3)
    model = StandIn(n_mels=20)
    if kill_at_call is not None:
        losses = model.losses

        def dying(batch: Batch, stage: int) -> dict[str, Tensor]:
            if model.calls + 1 == kill_at_call:
                raise Killed
            return losses(batch, stage)
        model.losses = dying  # type: ignore[method-assign]
    cfg = training_config(training_section(**overrides))
    limit_threads(cfg.threads)
    rows = train_stages(model, data, cfg, seed=11, work_dir=work_dir, fingerprint=fingerprint,
                        processes=setup("cpu"))
    return model, rows


STAGES = {"stages": [{"epochs": 2, "lr": 1e-2, "betas": [0.0, 0.99], "eps": 1e-9,
                      "weight_decay": 1e-4, "grad_clip": 1.0}] * 2}


def test_a_killed_run_resumes_from_its_last_state_and_ends_identical(tiny_dataset, tmp_path):
    data = data_of(tiny_dataset)  # 8 utterances, batch 3: 3 steps per epoch, 6 per stage
    reference, reference_rows = run(data, tmp_path / "straight", **STAGES)
    assert [r["step"] for r in reference_rows] == list(range(1, 13))

    with pytest.raises(Killed):  # killed during step 5: the newest state is step 4's
        run(data, tmp_path / "killed", kill_at_call=5, **STAGES)
    assert checkpoint.latest_state(tmp_path / "killed")["step"] == 4
    with pytest.raises(Killed):  # killed again in stage 2, at its second step (step 8)
        run(data, tmp_path / "killed", kill_at_call=4, **STAGES)
    assert checkpoint.latest_state(tmp_path / "killed")["position"]["stage_index"] == 1
    resumed, rows = run(data, tmp_path / "killed", **STAGES)

    assert resumed.calls == 12 - 6  # the newest state was stage 1's end (step 6)
    assert rows == reference_rows
    for name, value in reference.state_dict().items():
        assert torch.equal(resumed.state_dict()[name], value), name
    assert len(checkpoint.state_paths(tmp_path / "killed")) == 2  # keep_checkpoints


def test_each_stage_updates_only_its_parameters(tiny_dataset, tmp_path):
    data = data_of(tiny_dataset)
    torch.manual_seed(3)
    before = {k: v.clone() for k, v in StandIn(n_mels=20).state_dict().items()}
    stage1 = {**STAGES, "stages": [{**STAGES["stages"][0], "max_steps": 2},
                                   {**STAGES["stages"][1], "lr": 1e-12, "weight_decay": 0.0}]}
    model, _ = run(data, tmp_path, **stage1)
    after = model.state_dict()
    assert not torch.equal(after["mel_head.weight"], before["mel_head.weight"])
    assert torch.allclose(after["energy_head.weight"], before["energy_head.weight"], atol=1e-9)


def test_the_loss_log_has_a_row_per_step_and_every_term(tiny_dataset, tmp_path):
    data = data_of(tiny_dataset)
    stages = {"stages": [{**STAGES["stages"][0], "max_steps": 2},
                         {**STAGES["stages"][1], "max_steps": 1}]}
    _, rows = run(data, tmp_path, **stages)
    write_loss_log(rows, tmp_path / "losses.csv")
    with (tmp_path / "losses.csv").open(newline="") as f:
        logged = list(csv.DictReader(f))
    assert list(logged[0]) == [*LOG_PREFIX, "mel", "total", "energy"]
    assert [(r["stage"], r["step"], r["stage_step"]) for r in logged] == [
        ("1", "1", "1"), ("1", "2", "2"), ("2", "3", "1")]
    assert logged[0]["energy"] == "" and logged[2]["mel"] == ""
    assert all(int(r["utterances"]) in (2, 3) and int(r["frames"]) > 0 for r in logged)


def test_states_of_another_configuration_are_not_resumed(tiny_dataset, tmp_path):
    data = data_of(tiny_dataset)
    with pytest.raises(Killed):
        run(data, tmp_path, kill_at_call=4, fingerprint="old", **STAGES)
    model, rows = run(data, tmp_path, fingerprint="new", **STAGES)
    assert model.calls == 12 and rows[0]["step"] == 1


def test_a_non_finite_loss_stops_training_and_says_where(tiny_dataset, tmp_path):
    data = data_of(tiny_dataset)
    torch.manual_seed(3)
    model = StandIn(n_mels=20)
    losses = model.losses

    def nan_at_step_3(batch: Batch, stage: int) -> dict[str, Tensor]:
        terms = losses(batch, stage)
        return {k: v * float("nan") for k, v in terms.items()} if model.calls == 3 else terms
    model.losses = nan_at_step_3  # type: ignore[method-assign]
    cfg = training_config(training_section(**STAGES))
    with pytest.raises(FloatingPointError, match=r"stage 1, step 3: loss terms \['mel', 'total'\]"):
        train_stages(model, data, cfg, 11, tmp_path, "a", setup("cpu"))
    assert checkpoint.latest_state(tmp_path)["step"] == 2
