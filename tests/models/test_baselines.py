"""The styletts2 and hybrid conditioning paths behind the ConditioningPath interface: padding
never leaks, both training stages learn, their inference graphs do contain the LSTM /
attention modules MVC's lacks, they share everything but the conditioning path with MVC,
and they refuse streaming."""

import dataclasses

import pytest
import torch
import yaml

from mvc.models.config import ModelConfig, model_config
from mvc.models.inspect import forbidden_modules
from mvc.models.tts import TTSModel, build_model
from mvc.systems.overrides import system_model_section

from .conftest import ROOT, make_batch
from .test_masks import TOL, padded

BASELINES = ("styletts2", "hybrid")
STEPS = 8


def system_config(system: str, name: str = "smoke") -> ModelConfig:
    config = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))
    return model_config(system_model_section(config, system), config["audio"])


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
    gen = torch.Generator().manual_seed(1)
    seqs = [torch.randint(1, config.n_symbols, (n,), generator=gen) for n in (7, 3)]
    phonemes, mask = padded(seqs, 9, fill=0)
    phonemes = phonemes.long()
    phonemes[1, 5] = 17  # a non-pad id in the padding must not matter
    style = torch.randn(2, config.style_dim, generator=gen)
    cond = model.conditioning
    text = cond.encode_text(phonemes, mask)
    log_dur = cond.predict_durations(text, style, mask)
    assert text.shape == (2, 9, config.hidden) and log_dur.shape == (2, 9)
    for i, seq in enumerate(seqs):
        alone = cond.encode_text(seq.unsqueeze(0), None)
        assert torch.allclose(text[i, :len(seq)], alone[0], atol=TOL)
        alone_dur = cond.predict_durations(alone, style[i:i + 1], None)
        assert torch.allclose(log_dur[i, :len(seq)], alone_dur[0], atol=TOL)
    assert (text[~mask] == 0).all() and (log_dur[~mask] == 0).all()


def test_prosody_ignores_padding(baseline):
    config, model = baseline
    gen = torch.Generator().manual_seed(2)
    lengths = [20, 11]
    aligned, mask = padded([torch.randn(n, config.hidden, generator=gen) for n in lengths], 24)
    style = torch.randn(2, config.style_dim, generator=gen)
    f0, energy = model.conditioning.predict_prosody(aligned, style, mask)
    assert f0.shape == energy.shape == (2, 24)
    for i, n in enumerate(lengths):
        f0_one, energy_one = model.conditioning.predict_prosody(aligned[i:i + 1, :n],
                                                                style[i:i + 1], None)
        assert torch.allclose(f0[i, :n], f0_one[0], atol=TOL)
        assert torch.allclose(energy[i, :n], energy_one[0], atol=TOL)
    assert (f0[~mask] == 0).all() and (energy[~mask] == 0).all()


@pytest.mark.parametrize("system", BASELINES)
@pytest.mark.parametrize("stage", [1, 2])
def test_a_few_optimizer_steps_reduce_each_stage_loss(system, stage):
    config = system_config(system)
    torch.manual_seed(0)
    model = build_model(config)
    batch = make_batch(config)
    optimizer = torch.optim.AdamW(model.stage_parameters(stage), lr=3e-3)
    totals = []
    for _ in range(STEPS):
        torch.manual_seed(1)  # the same crop and diffusion noise each step
        losses = model.losses(batch, stage)
        assert all(torch.isfinite(v) for v in losses.values())
        optimizer.zero_grad()
        losses["total"].backward()
        optimizer.step()
        totals.append(losses["total"].item())
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
