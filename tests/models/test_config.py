"""model_config builds the three shipped configs and rejects bad sections by key path."""

import copy

import pytest
import yaml

from mvc.errors import InputError
from mvc.models.config import model_config
from mvc.models.tts import build_model
from mvc.text.symbols import SymbolTable

from .conftest import ROOT


def sections(name):
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))
    return config["model"], config["audio"]


@pytest.mark.parametrize("name", ["smoke", "default", "paper"])
def test_shipped_configs_build(name):
    model, audio = sections(name)
    config = model_config(model, audio)
    assert config.n_mels == audio["n_mels"]
    assert config.n_symbols == len(SymbolTable.load().symbols)
    assert config.diffusion.steps == 5 and config.diffusion.rho == 9.0


def test_paper_scale_values_follow_the_design():
    config = model_config(*sections("paper"))
    assert (config.hidden, config.style_dim, config.max_dur, config.dropout) == (512, 128, 50, 0.2)
    assert (config.mamba.d_state, config.mamba.d_conv, config.mamba.expand) == (16, 4, 2)
    assert (config.diffusion.sigma_min, config.diffusion.sigma_max) == (1e-4, 3.0)
    assert config.vocoder.kind == "hifigan" and config.max_len == 400


def test_default_model_is_small():
    params = sum(p.numel() for p in build_model(model_config(*sections("default"))).parameters())
    assert 1_000_000 < params < 4_000_000


@pytest.mark.parametrize(("edit", "message"), [
    (lambda m: m["diffusion"].update(steps_typo=5), "model.diffusion: unknown keys"),
    (lambda m: m["mamba"].pop("d_state"), "model.mamba: missing keys \\['d_state'\\]"),
    (lambda m: m.update(n_mels=80), "derived, not configured"),
    (lambda m: m.update(conditioning="lstm"), "unknown conditioning 'lstm'"),
    (lambda m: m["vocoder"].update(kind="wavenet"), "unknown vocoder 'wavenet'"),
    (lambda m: m.update(hidden="wide"), "model.hidden"),
])
def test_bad_sections_are_input_errors_naming_the_key(edit, message):
    model, audio = sections("smoke")
    model = copy.deepcopy(model)
    edit(model)
    with pytest.raises(InputError, match=message):
        model_config(model, audio)
