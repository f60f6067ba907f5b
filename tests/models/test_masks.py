"""Padding never leaks: garbage after each utterance's length leaves its valid outputs equal
to those of the utterance alone, for every module that takes a mask."""

import numpy as np
import pytest
import torch

from mvc.models.layers import AdaLN, expand_by_durations
from mvc.models.tts import build_model

from .conftest import (
    TOL,
    assert_prosody_ignores_padding,
    assert_text_and_durations_ignore_padding,
    padded,
)


@pytest.fixture(scope="module")
def model(smoke_config):
    torch.manual_seed(0)
    return build_model(smoke_config).eval()


def test_text_encoder_and_duration_predictor(model, smoke_config):
    assert_text_and_durations_ignore_padding(model.conditioning, smoke_config)


def test_prosody_predictor(model, smoke_config):
    assert_prosody_ignores_padding(model.conditioning, smoke_config)


def test_decoder_and_style_encoders(model, smoke_config):
    gen = torch.Generator().manual_seed(2)
    h, s, m = smoke_config.hidden, smoke_config.style_dim, smoke_config.n_mels
    lengths = [20, 11]
    aligned, mask = padded([torch.randn(n, h, generator=gen) for n in lengths], 24)
    f0, _ = padded([torch.rand(n, generator=gen) for n in lengths], 24)
    energy, _ = padded([torch.randn(n, generator=gen) for n in lengths], 24)
    mel, _ = padded([torch.randn(n, m, generator=gen) for n in lengths], 24)
    style = torch.randn(2, s, generator=gen)
    bb = model.backbone
    mel_out = bb.decoder(aligned, f0, energy, style, mask)
    styles = bb.acoustic_style(mel.transpose(1, 2), mask), bb.prosodic_style(
        mel.transpose(1, 2), mask)
    for i, n in enumerate(lengths):
        one = slice(i, i + 1)
        mel_one = bb.decoder(aligned[one, :n], f0[one, :n], energy[one, :n], style[one], None)
        assert torch.allclose(mel_out[one, :, :n], mel_one, atol=TOL)
        for encoder, batched in zip((bb.acoustic_style, bb.prosodic_style), styles, strict=True):
            assert torch.allclose(batched[one], encoder(mel[one, :n].transpose(1, 2), None),
                                  atol=TOL)
    assert (mel_out.transpose(1, 2)[~mask] == 0).all()


def test_aligner_scores_in_the_valid_region_ignore_padding(model, smoke_config):
    gen = torch.Generator().manual_seed(3)
    phonemes = torch.randint(1, smoke_config.n_symbols, (1, 5), generator=gen)
    mel = torch.randn(1, smoke_config.n_mels, 16, generator=gen)
    alone = model.aligner.scores(phonemes, torch.ones(1, 5, dtype=torch.bool), mel,
                                 torch.ones(1, 16, dtype=torch.bool))
    padded_ph = torch.cat([phonemes, torch.tensor([[3, 4]])], dim=1)
    padded_mel = torch.cat([mel, torch.full((1, smoke_config.n_mels, 6), 1e4)], dim=2)
    text_mask = torch.tensor([[True] * 5 + [False] * 2])
    frame_mask = torch.tensor([[True] * 16 + [False] * 6])
    scores = model.aligner.scores(padded_ph, text_mask, padded_mel, frame_mask)
    assert torch.allclose(scores[:, :5, :16], alone, atol=TOL)


def test_adaln_is_the_documented_formula():
    torch.manual_seed(4)
    layer = AdaLN(6, 3)
    x, s = torch.randn(2, 5, 6), torch.randn(2, 3)
    gamma, beta = (s @ layer.affine.weight.T + layer.affine.bias).chunk(2, dim=-1)
    normed = (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, unbiased=False,
                                                                keepdim=True) + 1e-5)
    expected = (1 + gamma.unsqueeze(1)) * normed + beta.unsqueeze(1)
    assert torch.allclose(layer(x, s), expected, atol=1e-5)


def test_expand_by_durations_repeats_each_position():
    x = torch.arange(6.0).view(1, 3, 2)
    out = expand_by_durations(x, torch.tensor([[2, 0, 3]]), 6)
    assert out[0, :, 0].tolist() == [0, 0, 4, 4, 4, 0]


@pytest.mark.parametrize("n_frames", [0, 7, 40, 60])
def test_expand_by_durations_equals_repeat_per_utterance(n_frames):
    """Against numpy's repeat, truncated or zero-padded to n_frames, with zero durations."""
    generator = torch.Generator().manual_seed(3)
    x = torch.randn(3, 9, 4, generator=generator, requires_grad=True)
    durations = torch.randint(0, 6, (3, 9), generator=generator)
    durations[1, 4:] = 0  # a shorter utterance
    out = expand_by_durations(x, durations, n_frames)
    assert out.shape == (3, n_frames, 4)
    for b in range(3):
        expected = np.repeat(x[b].detach().numpy(), durations[b].numpy(), axis=0)[:n_frames]
        padded = np.zeros((n_frames, 4), dtype=np.float32)
        padded[:len(expected)] = expected
        np.testing.assert_array_equal(out[b].detach().numpy(), padded)
    out.sum().backward()  # each position's gradient: the frames it owns within n_frames
    owned = [np.bincount(np.repeat(np.arange(9), durations[b].numpy())[:n_frames], minlength=9)
             for b in range(3)]
    np.testing.assert_array_equal(x.grad[:, :, 0].numpy(), np.array(owned, dtype=np.float32))
