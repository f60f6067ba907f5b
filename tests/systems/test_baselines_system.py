"""The styletts2 and hybrid systems end to end through `mvc train` and `mvc synth run`: the
registry builds them by name, the checkpoint records the overridden model section, the
stage-1 loss falls and synthesis from the checkpoint is reproducible."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mvc.cli import main
from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.eval.efficiency import read_timings
from mvc.systems import get_system, system_names
from mvc.systems.overrides import system_model_section
from mvc.train.checkpoint import load_checkpoint
from tests.train.conftest import config, write_dataset

from .test_mvc_system import SYNTHESIS

BASELINES = ("styletts2", "hybrid")
STAGE = {"epochs": 3, "lr": 3e-3, "betas": [0.0, 0.99], "eps": 1e-9, "weight_decay": 1e-4,
         "grad_clip": 1.0}


def synth(system: str, checkpoint: Path, manifest: Path, out: Path) -> int:
    return main(["synth", "run", "--system", system, "--checkpoint", str(checkpoint),
                 "--manifest", str(manifest), "--config", json.dumps(SYNTHESIS),
                 "--out", str(out)])


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return write_dataset(root / "train"), write_dataset(root / "test", n=3, split="test"), root


@pytest.fixture(scope="module", params=BASELINES)
def trained(request, data) -> tuple[str, Path]:
    files, _, root = data
    out = root / request.param
    sections = config(batch_size=8, stages=[STAGE, {**STAGE, "max_steps": 1}])
    assert main(["train", request.param, "--config", json.dumps(sections),
                 "--manifests", str(files.manifest), "--phonemes", str(files.phonemes),
                 "--features", str(files.features), "--cache", str(root / "train" / "cache"),
                 "--out", str(out)]) == 0
    return request.param, out


def test_baselines_are_registered_under_their_names():
    for system in BASELINES:
        assert system in system_names() and get_system(system).name == system


def test_a_system_without_a_systems_entry_is_an_error_naming_the_fix():
    sections = {**config(), "systems": {"mvc": {}}}
    with pytest.raises(InputError, match=r"systems\.hybrid.*add `hybrid: \{\}`"):
        system_model_section(sections, "hybrid")


def test_checkpoint_records_the_overridden_model_and_the_loss_falls(trained):
    system, out = trained
    saved = load_checkpoint(out / "checkpoint.pt", system)
    assert saved["sections"]["model"]["conditioning"] == system
    assert saved["sections"]["model"] == system_model_section(config(), system)
    with (out / "losses.csv").open(newline="") as f:
        totals = [float(r["total"]) for r in csv.DictReader(f) if r["stage"] == "1"]
    assert len(totals) == 3 and totals[-1] < totals[0]
    counts = json.loads((out / "params.json").read_text())
    assert 0 < counts["conditioning"] < counts["total"]


def test_synthesis_from_the_checkpoint_is_reproducible(trained, data, tmp_path):
    system, out = trained
    manifest = data[1].manifest
    assert synth(system, out / "checkpoint.pt", manifest, tmp_path / "a") == 0
    assert synth(system, out / "checkpoint.pt", manifest, tmp_path / "b") == 0
    rows = read_manifest(manifest)
    for row in rows:
        wav = f"{row.utt_id}.wav"
        assert (tmp_path / "a" / wav).read_bytes() == (tmp_path / "b" / wav).read_bytes()
    assert set(read_timings(tmp_path / "a" / "timings.csv")["system"]) == {system}
    with pytest.raises(InputError, match="not 'mvc'"):
        get_system("mvc").synthesize(out / "checkpoint.pt", manifest, None, SYNTHESIS,
                                     tmp_path / "c")
