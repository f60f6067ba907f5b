"""A system's sections from its systems: entry: model overrides merge into model:, a
checkpoint_from variant trains nothing and synthesizes its system's checkpoint with its
synthesis overrides, and every mistake in an entry is an InputError naming the entry and
the fix."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from mvc.errors import InputError
from mvc.systems import get_system, system_names
from mvc.systems.overrides import (
    checkpoint_source,
    system_model_section,
    system_synthesis_section,
)

ROOT = Path(__file__).resolve().parents[2]
ABLATIONS = ("mvc_no_adaln", "mvc_unidirectional", "mvc_dstate8", "mvc_dstate32", "mvc_w0",
             "mvc_w8", "mvc_w32")


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load((ROOT / "configs/smoke.yaml").read_text(encoding="utf-8"))


def with_entry(config: dict, name: str, entry: object) -> dict:
    config = copy.deepcopy(config)
    config["systems"][name] = entry
    return config


@pytest.mark.parametrize("name", ["default", "smoke", "paper"])
def test_every_shipped_ablation_is_registered_and_configured(name):
    config = yaml.safe_load((ROOT / f"configs/{name}.yaml").read_text(encoding="utf-8"))
    for system in ABLATIONS:
        assert system in system_names() and get_system(system).name == system
        assert system in config["systems"], (name, system)
    assert [checkpoint_source(config, s) for s in ABLATIONS] == ["mvc_no_adaln",
                                                                 "mvc_unidirectional",
                                                                 "mvc_dstate8", "mvc_dstate32",
                                                                 "mvc", "mvc", "mvc"]


def test_a_lookahead_variant_merges_its_synthesis_overrides(shipped):
    synthesis = system_synthesis_section(shipped, "mvc_w8")
    assert synthesis == {**shipped["synthesis"], "lookahead": 8}
    assert system_synthesis_section(shipped, "mvc") == shipped["synthesis"]
    direct = {key: shipped[key] for key in ("seed", "synthesis")}  # `mvc synth run` by hand
    assert system_synthesis_section(direct, "mvc_w8") == shipped["synthesis"]


def test_model_overrides_merge_key_by_key(shipped):
    model = system_model_section(shipped, "mvc_dstate8")
    assert model["mamba"] == {**shipped["model"]["mamba"], "d_state": 8}
    assert {k: v for k, v in model.items() if k != "mamba"} == {
        k: v for k, v in shipped["model"].items() if k != "mamba"}


@pytest.mark.parametrize(("entry", "where", "message"), [
    ({"temporal": {"adlan": False}}, "systems.x.temporal",
     "unknown model override keys ['adlan']. Fix: use keys of the model: section (adaln, "),
    ({"d_stat": 8}, "systems.x", "unknown model override keys ['d_stat']"),
    ({"n_mels": 80}, "systems.x", "unknown model override keys ['n_mels']"),
    ({"synthesis": {"lookahead": 8}}, "systems.x.synthesis",
     "synthesis overrides on a trained system (they belong to a checkpoint_from variant). "
     "Fix: add a variant `x_x: {checkpoint_from: x, synthesis: ...}`"),
    ([1, 2], "systems.x", "expected a mapping of model overrides, found list"),
])
def test_a_bad_model_override_names_the_entry_and_the_fix(shipped, entry, where, message):
    with pytest.raises(InputError, match=re.escape(f"{where}: {message}")):
        system_model_section(with_entry(shipped, "x", entry), "x")


@pytest.mark.parametrize(("entry", "where", "message"), [
    ({"checkpoint_from": "tacotron"}, "systems.x.checkpoint_from",
     "'tacotron' has no entry under systems:. Fix: name a trained system (one of ['hybrid', "),
    ({"checkpoint_from": "mvc_w8"}, "systems.x.checkpoint_from",
     "'mvc_w8' is itself a checkpoint_from variant and has no checkpoint of its own"),
    ({"checkpoint_from": "mvc", "mamba": {"d_state": 8}}, "systems.x",
     "keys ['mamba'] beside checkpoint_from: a variant reuses 'mvc''s trained model"),
])
def test_a_bad_checkpoint_from_names_the_entry_and_the_fix(shipped, entry, where, message):
    with pytest.raises(InputError, match=re.escape(f"{where}: {message}")):
        checkpoint_source(with_entry(shipped, "x", entry), "x")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"lookahed": 8}, "systems.x.synthesis: unknown keys ['lookahed']. Fix: allowed keys are "),
    ({"lookahead": "all"}, "systems.x.synthesis.lookahead: 'all' is not of type"),
    ({"lookahead": -1}, "synthesis.lookahead: -1. Fix: use 0 or more frames"),
    (8, "systems.x.synthesis: expected a mapping, found int"),
])
def test_a_bad_synthesis_override_names_the_entry(shipped, overrides, message):
    config = with_entry(shipped, "x", {"checkpoint_from": "mvc", "synthesis": overrides})
    with pytest.raises(InputError, match=re.escape(message)):
        system_synthesis_section(config, "x")


def test_a_variant_does_not_train(shipped):
    with pytest.raises(InputError, match=re.escape(
            "systems.mvc_w8: a checkpoint_from variant trains nothing: it synthesizes 'mvc''s "
            "checkpoint. Fix: train mvc (snakemake results/train/mvc/checkpoint.pt)")):
        system_model_section(shipped, "mvc_w8")


def test_a_missing_or_malformed_systems_section_is_named():
    with pytest.raises(InputError, match=re.escape("config: missing key 'systems'")):
        system_model_section({"model": {}}, "mvc")
    with pytest.raises(InputError, match=re.escape("systems.mvc: missing: every trained "
                                                   "system needs an entry")):
        checkpoint_source({"systems": []}, "mvc")
