"""TTSModel: both stages learn on a tiny batch, synthesis is deterministic per seed, streams
equal offline with full look-ahead, the inference checkpoint drops the aligner and reloads
to identical output, and bad requests are clear errors."""

import dataclasses

import pytest
import torch

from mvc.errors import InputError
from mvc.models.inspect import forbidden_modules
from mvc.models.tts import TTSModel, build_model, crop, random_segments

from .conftest import make_batch, stage_losses

STEPS = 8


@pytest.fixture(scope="module")
def model(smoke_config):
    torch.manual_seed(0)
    return build_model(smoke_config)


def synth(model, config, seed=0, **kwargs):
    gen = torch.Generator().manual_seed(11)
    phonemes = torch.randint(1, config.n_symbols, (1, 8), generator=gen)
    reference = torch.randn(1, config.n_mels, 30, generator=gen)
    return model.synthesize(phonemes, reference, generator=torch.Generator().manual_seed(seed),
                            **kwargs)


@pytest.mark.parametrize("stage", [1, 2])
def test_a_few_optimizer_steps_reduce_each_stage_loss(smoke_config, stage):
    rows = stage_losses(smoke_config, stage, STEPS)
    expected = {1: {"mel", "aligner", "total"}, 2: {"duration", "f0", "energy", "diffusion",
                                                    "total"}}[stage]
    assert all(set(row) == expected for row in rows)
    assert rows[-1]["total"] < 0.9 * rows[0]["total"]


def test_stages_train_disjoint_parameter_sets_covering_the_model(model):
    one, two = ({id(p) for p in model.stage_parameters(s)} for s in (1, 2))
    assert not one & two
    assert one | two == {id(p) for p in model.parameters()}


def test_stage_two_leaves_stage_one_modules_without_gradients(smoke_config):
    torch.manual_seed(0)
    model = build_model(smoke_config)
    model.losses(make_batch(smoke_config), 2)["total"].backward()
    assert all(p.grad is None for p in model.stage_parameters(1))
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in model.stage_parameters(2))


def test_synthesis_is_deterministic_per_seed_and_shapes_agree(model, smoke_config):
    a, b, c = synth(model, smoke_config, 0), synth(model, smoke_config, 0), synth(
        model, smoke_config, 1)
    assert torch.equal(a.mel, b.mel) and torch.equal(a.style, b.style)
    assert not torch.equal(a.style, c.style)
    frames = int(a.durations.sum())
    assert a.mel.shape == (1, smoke_config.n_mels, frames)
    assert a.f0.shape == a.energy.shape == (1, frames) and (a.f0 >= 0).all()
    assert a.durations.shape == (1, 8) and (a.durations >= 1).all()
    assert (a.durations <= smoke_config.max_dur).all()
    assert a.style.shape == (1, 2 * smoke_config.style_dim)
    assert set(a.timings) == {"conditioning", "diffusion", "decoder"}
    assert model.training  # synthesize restores the mode


def test_carried_style_is_blended_in(model, smoke_config):
    fresh = synth(model, smoke_config, 0)
    previous = torch.ones(1, 2 * smoke_config.style_dim)
    carried = synth(model, smoke_config, 0, style=previous)
    carry = smoke_config.inference.carry
    assert torch.allclose(carried.style, carry * previous + (1 - carry) * fresh.style)


def test_streaming_with_full_lookahead_equals_offline(model, smoke_config):
    offline = synth(model, smoke_config)
    streamed = synth(model, smoke_config, lookahead=10_000)
    assert torch.equal(streamed.durations, offline.durations)
    assert torch.allclose(streamed.mel, offline.mel, atol=1e-4)
    # The check can fail: one phoneme at a time with no look-ahead changes the output.
    config = dataclasses.replace(smoke_config, inference=dataclasses.replace(
        smoke_config.inference, stream_chunk=1))
    one_by_one = TTSModel(config)
    one_by_one.load_state_dict(model.state_dict())
    short = synth(one_by_one, config, lookahead=0)
    assert short.mel.shape != offline.mel.shape or not torch.allclose(short.mel, offline.mel,
                                                                       atol=1e-4)


def test_inference_checkpoint_has_no_aligner_and_reloads_to_identical_output(
        model, smoke_config, tmp_path):
    state = model.inference_state_dict()
    assert state and not [k for k in state if k.startswith("aligner")]
    torch.save(state, tmp_path / "model.pt")
    reloaded = TTSModel.from_inference_state(
        smoke_config, torch.load(tmp_path / "model.pt", weights_only=True))
    assert reloaded.aligner is None
    assert torch.equal(synth(model, smoke_config).mel, synth(reloaded, smoke_config).mel)
    with pytest.raises(ValueError, match="aligner"):
        reloaded.losses(make_batch(smoke_config), 1)


def test_inference_model_has_no_attention_or_recurrent_module(model, smoke_config):
    inference = TTSModel(smoke_config, with_aligner=False)
    assert forbidden_modules(inference) == []
    assert forbidden_modules(model) == ["aligner"]  # the training-only teacher


def test_random_segments_fit_each_utterance():
    torch.manual_seed(0)
    lengths = torch.tensor([10, 4, 7])
    start, mask = random_segments(lengths, 6)
    assert mask.shape == (3, 6)
    assert ((start + mask.sum(1)) <= lengths).all()
    assert mask.sum(1).tolist() == [6, 4, 6]
    x = torch.arange(10.0).expand(3, 10)
    cropped = crop(x, start, mask)
    for i in range(3):
        n = int(mask[i].sum())
        assert cropped[i, :n].tolist() == list(range(int(start[i]), int(start[i]) + n))
    assert random_segments(lengths, None)[1].sum(1).tolist() == [10, 4, 7]


@pytest.mark.parametrize(("phonemes", "reference", "message"), [
    (torch.tensor([[3, 9999]]), (None, 5), "unknown symbol ids \\[9999\\]"),
    (torch.tensor([[3, 0, 4]]), (None, 5), "unknown symbol ids \\[0\\]"),
    (torch.zeros(1, 0, dtype=torch.long), (None, 5), "phoneme sequence is empty"),
    (torch.tensor([[3, 4]]), None, "missing or empty reference mel"),
    (torch.tensor([[3, 4]]), (None, 0), "missing or empty reference mel"),
    (torch.tensor([[3, 4]]), (7, 5), "expected shape \\(1, 80, F\\)"),
])
def test_bad_requests_name_the_problem_and_the_fix(model, smoke_config, phonemes, reference,
                                                   message):
    if reference is not None:
        n_mels, frames = reference
        reference = torch.zeros(1, n_mels or smoke_config.n_mels, frames)
    with pytest.raises(InputError, match=message) as err:
        model.synthesize(phonemes, reference, generator=torch.Generator())
    assert "Fix:" in str(err.value)


def test_config_dataclass_is_frozen(smoke_config):
    with pytest.raises(dataclasses.FrozenInstanceError):
        smoke_config.hidden = 3


def test_first_training_batch_of_a_stage_sets_the_output_biases_to_the_target_means(
        smoke_config):
    torch.manual_seed(0)
    model = build_model(smoke_config)
    batch = make_batch(smoke_config)
    frames = batch.frame_mask()
    model.eval()
    model.losses(batch, 1)
    assert not model.initialized.any()  # evaluation never initializes
    model.train()
    model.losses(batch, 1)
    valid_mel = batch.mel.transpose(1, 2)[frames]
    assert torch.allclose(model.backbone.decoder.out.bias, valid_mel.mean(0), atol=1e-5)
    model.losses(batch, 2)
    assert model.initialized.tolist() == [True, True]
    scores = model.aligner.scores(batch.phonemes, batch.phoneme_mask(), batch.mel, frames)
    durations = model.aligner.durations(scores, batch.phoneme_lengths, batch.mel_lengths)
    expected = torch.log1p(durations[batch.phoneme_mask()].float()).mean()
    assert model.conditioning.duration.head.bias.item() == pytest.approx(expected.item(), abs=1e-5)
    f0_mean = (batch.f0[frames] / smoke_config.f0_scale).mean().item()
    assert model.conditioning.prosody.f0.out.bias.item() == pytest.approx(f0_mean, abs=1e-5)
    assert model.conditioning.prosody.energy.out.bias.item() == pytest.approx(
        batch.energy[frames].mean().item(), abs=1e-5)
    with torch.no_grad():
        model.conditioning.duration.head.bias.fill_(-7.0)
    model.losses(batch, 2)  # once per stage: a resumed run keeps its trained biases
    assert model.conditioning.duration.head.bias.item() == -7.0


def test_parameter_counts_split_the_model(model, smoke_config):
    counts = model.parameter_counts()
    everything = sum(p.numel() for p in model.parameters())
    assert counts["total"] + counts["aligner"] == everything
    assert counts["aligner"] == sum(p.numel() for p in model.aligner.parameters()) > 0
    assert counts["text_encoder"] < counts["conditioning"] < counts["total"]
    inference = TTSModel(smoke_config, with_aligner=False).parameter_counts()
    assert inference == {**counts, "aligner": 0}
