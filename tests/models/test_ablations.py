"""MVC's trained ablations, the rows of configs/ablations.tsv with model knobs: each builds
the structure it declares (no AdaLN; no backward scan in the text encoder; d_state in every
A_log), changes nothing else, keeps the inference graph free of attention and recurrence,
and masks padding like MVC; the flags are refused where they would be ignored."""

import dataclasses

import pytest
import torch

from mvc.errors import InputError
from mvc.models.config import ModelConfig, model_config
from mvc.models.inspect import forbidden_modules
from mvc.models.layers import AdaLN
from mvc.models.tts import TTSModel
from mvc.ssm.mamba import Mamba

from .conftest import (
    ablation_config,
    assert_prosody_ignores_padding,
    assert_text_and_durations_ignore_padding,
    read_config,
    system_config,
)

TRAINED_ABLATIONS = ("adaln=false", "text_bidirectional=false", "d_state=8", "d_state=32")


def config_of(variant: str) -> ModelConfig:
    """`mvc`, or a row of configs/ablations.tsv by its label."""
    return system_config("mvc") if variant == "mvc" else ablation_config(variant)


def inference_model(variant: str) -> TTSModel:
    torch.manual_seed(0)
    return TTSModel(config_of(variant), with_aligner=False).eval()


def names(module: torch.nn.Module) -> set[str]:
    return {name for name, _ in module.named_parameters()}


@pytest.mark.parametrize("system", TRAINED_ABLATIONS)
def test_each_ablation_changes_only_what_it_declares(system):
    mvc = config_of("mvc")
    config = config_of(system)
    declared = {
        "adaln=false": {"temporal": dataclasses.replace(mvc.temporal, adaln=False),
                        "expressive": dataclasses.replace(mvc.expressive, adaln=False)},
        "text_bidirectional=false": {
            "text_encoder": dataclasses.replace(mvc.text_encoder, bidirectional=False)},
        "d_state=8": {"mamba": dataclasses.replace(mvc.mamba, d_state=8)},
        "d_state=32": {"mamba": dataclasses.replace(mvc.mamba, d_state=32)},
    }[system]
    assert config == dataclasses.replace(mvc, **declared)


@pytest.mark.parametrize("system", TRAINED_ABLATIONS)
def test_no_attention_or_recurrence_and_only_the_conditioning_path_differs(system):
    model, mvc = inference_model(system), inference_model("mvc")
    assert forbidden_modules(model) == []
    counts, reference = model.parameter_counts(), mvc.parameter_counts()
    assert counts["total"] - counts["conditioning"] == (
        reference["total"] - reference["conditioning"])
    assert names(model.backbone) == names(mvc.backbone)


def test_without_adaln_the_trunks_have_plain_layernorms_and_no_style_modulation():
    config = config_of("adaln=false")
    model, mvc = inference_model("adaln=false"), inference_model("mvc")
    for module in (model.conditioning.duration, model.conditioning.prosody):
        assert not any(isinstance(m, AdaLN) for m in module.modules())
        assert isinstance(module.norm, torch.nn.LayerNorm)
        assert all(isinstance(layer.norm, torch.nn.LayerNorm) for layer in module.mamba.layers)
    # AdaLN's modulation Linear(style_dim -> 2 hidden) becomes a LayerNorm's weight and bias:
    # 2 hidden * style_dim fewer parameters per norm (each Bi-Mamba layer's and the final).
    norms = config.temporal.mamba_layers + 1 + config.expressive.mamba_layers + 1
    fewer = mvc.parameter_counts()["conditioning"] - model.parameter_counts()["conditioning"]
    assert fewer == norms * 2 * config.hidden * config.style_dim
    assert model.conditioning.text_encoder.state_dict().keys() == (
        mvc.conditioning.text_encoder.state_dict().keys())


def test_the_unidirectional_text_encoder_has_no_backward_scan_and_is_causal():
    model, mvc = inference_model("text_bidirectional=false"), inference_model("mvc")
    text_names = names(model.conditioning.text_encoder)
    assert not any("backward_mamba" in n or ".gate." in n for n in text_names)
    assert any("backward_mamba" in n for n in names(mvc.conditioning.text_encoder))
    for module in (model.conditioning.duration, model.conditioning.prosody):
        assert any("backward_mamba" in n for n in names(module))  # they stay bidirectional
    stack = model.conditioning.text_encoder.mamba
    bidirectional = mvc.conditioning.text_encoder.mamba
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(1, 12, config_of("mvc").hidden, generator=gen)
    bumped = x.clone()
    bumped[0, 6] += torch.randn(x.shape[-1], generator=gen)  # a constant would be normalized away
    with torch.no_grad():
        assert torch.equal(stack(bumped, None)[0, :6], stack(x, None)[0, :6])
        assert not torch.allclose(bidirectional(bumped, None)[0, :6],
                                  bidirectional(x, None)[0, :6])


def test_the_unidirectional_text_encoder_streams_exactly_at_any_lookahead():
    config = config_of("text_bidirectional=false")
    encoder = inference_model("text_bidirectional=false").conditioning.text_encoder
    phonemes = torch.randint(1, config.n_symbols, (1, 11), generator=torch.Generator()
                             .manual_seed(3))
    with torch.no_grad():
        offline = encoder(phonemes, None)
        assert torch.allclose(encoder(phonemes, None, lookahead=0, chunk=2), offline, atol=1e-6)


@pytest.mark.parametrize(("system", "d_state"), [("d_state=8", 8), ("mvc", 16),
                                                  ("d_state=32", 32)])
def test_d_state_reaches_every_ssm_layer(system, d_state):
    config, model = config_of(system), inference_model(system)
    blocks = [m for m in model.modules() if isinstance(m, Mamba)]
    layers = (config.text_encoder.mamba_layers + config.temporal.mamba_layers
              + config.expressive.mamba_layers)
    assert len(blocks) == 2 * layers  # both directions of every Bi-Mamba layer
    for block in blocks:
        assert block.A_log.shape == (block.d_inner, d_state)
        assert block.x_proj.out_features == block.dt_rank + 2 * d_state


@pytest.mark.parametrize("system", ["adaln=false", "text_bidirectional=false"])
def test_padding_never_leaks(system):
    config, model = config_of(system), inference_model(system)
    assert_text_and_durations_ignore_padding(model.conditioning, config)
    assert_prosody_ignores_padding(model.conditioning, config)


@pytest.mark.parametrize(("conditioning", "override", "where"), [
    ("hybrid", {"temporal": {"adaln": False}}, "model.temporal.adaln"),
    ("styletts2", {"expressive": {"adaln": False}}, "model.expressive.adaln"),
    ("styletts2", {"text_encoder": {"bidirectional": False}}, "model.text_encoder.bidirectional"),
])
def test_a_flag_the_conditioning_path_would_ignore_is_an_error(conditioning, override, where):
    config = read_config("smoke")
    model = {**config["model"], **config["systems"][conditioning]}
    for key, value in override.items():
        model[key] = {**model[key], **value}
    with pytest.raises(InputError, match=rf"{where}: false, but .*Fix: set it only for"):
        model_config(model, config["audio"])
