"""A system's model section from its systems: entry: model overrides merge into model:,
every mistake in an entry is an InputError naming the entry and the fix, and the ablations
are not entries (configs/ablations.tsv is their one source)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from mvc.errors import InputError
from mvc.systems import get_system, system_names
from mvc.systems.overrides import system_model_section

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped() -> dict:
    return yaml.safe_load((ROOT / "configs/smoke.yaml").read_text(encoding="utf-8"))


def with_entry(config: dict, name: str, entry: object) -> dict:
    config = copy.deepcopy(config)
    config["systems"][name] = entry
    return config


@pytest.mark.parametrize("name", ["default", "smoke", "paper"])
def test_the_systems_are_registered_and_the_ablations_are_rows_of_the_tsv_not_entries(name):
    config = yaml.safe_load((ROOT / f"configs/{name}.yaml").read_text(encoding="utf-8"))
    assert sorted(config["systems"]) == system_names() == ["hybrid", "mvc", "styletts2", "vits"]
    assert all(get_system(system).name == system for system in system_names())


def test_model_overrides_merge_key_by_key(shipped):
    model = system_model_section(with_entry(shipped, "x", {"mamba": {"d_state": 8}}), "x")
    assert model["mamba"] == {**shipped["model"]["mamba"], "d_state": 8}
    assert {k: v for k, v in model.items() if k != "mamba"} == {
        k: v for k, v in shipped["model"].items() if k != "mamba"}


@pytest.mark.parametrize(("entry", "where", "message"), [
    ({"temporal": {"adlan": False}}, "systems.x.temporal",
     "unknown model override keys ['adlan']. Fix: use keys of the model: section (adaln, "),
    ({"d_stat": 8}, "systems.x", "unknown model override keys ['d_stat']"),
    ({"n_mels": 80}, "systems.x", "unknown model override keys ['n_mels']"),
    ({"checkpoint_from": "mvc", "synthesis": {"lookahead": 8}}, "systems.x",
     "unknown model override keys ['checkpoint_from', 'synthesis']"),
    ([1, 2], "systems.x", "expected a mapping of model overrides, found list"),
])
def test_a_bad_model_override_names_the_entry_and_the_fix(shipped, entry, where, message):
    with pytest.raises(InputError, match=re.escape(f"{where}: {message}")):
        system_model_section(with_entry(shipped, "x", entry), "x")


def test_a_missing_or_malformed_systems_section_is_named():
    with pytest.raises(InputError, match=re.escape("config: missing key 'systems'")):
        system_model_section({"model": {}}, "mvc")
    with pytest.raises(InputError, match=re.escape("systems.mvc: missing: every trained "
                                                   "system needs an entry")):
        system_model_section({"model": {}, "systems": []}, "mvc")
