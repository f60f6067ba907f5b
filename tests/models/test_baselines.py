"""The styletts2 and hybrid conditioning paths behind the ConditioningPath interface: padding
never leaks, both training stages learn, their inference graphs do contain the LSTM /
attention modules MVC's lacks, they share everything but the conditioning path with MVC,
and they refuse streaming."""

import dataclasses

import pytest
import torch

from mvc.models.config import ModelConfig
from mvc.models.inspect import forbidden_modules
from mvc.models.tts import TTSModel, build_model

from .conftest import (
    assert_prosody_ignores_padding,
    assert_text_and_durations_ignore_padding,
    stage_losses,
    system_config,
)

BASELINES = ("styletts2", "hybrid")
STEPS = 8


@pytest.fixture(scope="module", params=BASELINES)
def baseline(request) -> tuple[ModelConfig, TTSModel]:
    config = system_config(request.param)
    torch.manual_seed(0)
    return config, build_model(config).eval()


def test_the_configs_swap_only_the_conditioning_path():
    assert system_config("mvc").conditioning == "mvc"
    for system in BASELINES:
        config = system_config(system)
        assert config.conditioning == system
        shared = dataclasses.replace(config, conditioning="mvc", styletts2=None, hybrid=None)
        assert shared == system_config("mvc")


def test_text_and_durations_ignore_padding(baseline):
    config, model = baseline
    assert_text_and_durations_ignore_padding(model.conditioning, config)


def test_prosody_ignores_padding(baseline):
    config, model = baseline
    assert_prosody_ignores_padding(model.conditioning, config)


@pytest.mark.parametrize("system", BASELINES)
@pytest.mark.parametrize("stage", [1, 2])
def test_a_few_optimizer_steps_reduce_each_stage_loss(system, stage):
    totals = [row["total"] for row in stage_losses(system_config(system), stage, STEPS)]
    assert totals[-1] < 0.9 * totals[0]


def test_inference_graphs_contain_lstm_or_attention_and_mvc_none():
    found = {system: forbidden_modules(TTSModel(system_config(system), with_aligner=False))
             for system in ("mvc", *BASELINES)}
    assert found["mvc"] == []
    lstm = [n for n in found["styletts2"] if n.endswith(".lstm")]
    assert {n.split(".")[1] for n in lstm} == {"text_encoder", "duration", "prosody"}
    attention = found["hybrid"]
    assert attention and all(n.endswith(".attention") for n in attention)
    assert {n.split(".")[1] for n in attention} == {"duration", "prosody"}


@pytest.mark.parametrize("name", ["smoke", "default"])
def test_only_the_conditioning_path_differs_in_parameters(name):
    counts = {s: build_model(system_config(s, name)).parameter_counts()
              for s in ("mvc", *BASELINES)}
    outside = {s: c["total"] - c["conditioning"] for s, c in counts.items()}
    assert len(set(outside.values())) == 1, outside
    assert counts["hybrid"]["text_encoder"] == counts["mvc"]["text_encoder"]
    assert counts["styletts2"]["text_encoder"] != counts["mvc"]["text_encoder"]


def test_streaming_is_refused(baseline):
    config, model = baseline
    phonemes = torch.randint(1, config.n_symbols, (1, 6))
    with pytest.raises(ValueError, match="MVC's Bi-Mamba path only"):
        model.synthesize(phonemes, torch.randn(1, config.n_mels, 20),
                         generator=torch.Generator().manual_seed(0), lookahead=4)
