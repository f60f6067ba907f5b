"""Padding never leaks: garbage after each utterance's length leaves its valid outputs equal
to those of the utterance alone, for every module that takes a mask."""

import pytest
import torch

from mvc.models.layers import AdaLN, expand_by_durations
from mvc.models.tts import build_model

TOL = 1e-4


@pytest.fixture(scope="module")
def model(smoke_config):
    torch.manual_seed(0)
    return build_model(smoke_config).eval()


def padded(seqs, total, fill=1e4):
    """Stack (L_i, ...) tensors into (B, total, ...) with `fill` after each, and the mask."""
    out = torch.full((len(seqs), total, *seqs[0].shape[1:]), fill)
    mask = torch.zeros(len(seqs), total, dtype=torch.bool)
    for i, seq in enumerate(seqs):
        out[i, :len(seq)] = seq
        mask[i, :len(seq)] = True
    return out, mask


def test_text_encoder_and_duration_predictor(model, smoke_config):
    gen = torch.Generator().manual_seed(1)
    lengths = [7, 3]
    seqs = [torch.randint(1, smoke_config.n_symbols, (n,), generator=gen) for n in lengths]
    phonemes, mask = padded(seqs, 9, fill=0)
    phonemes = phonemes.long()
    phonemes[1, 5] = 17  # a non-pad id in the padding must not matter either
    style = torch.randn(2, smoke_config.style_dim, generator=gen)
    cond = model.conditioning
    text = cond.encode_text(phonemes, mask)
    log_dur = cond.predict_durations(text, style, mask)
    for i, seq in enumerate(seqs):
        alone = cond.encode_text(seq.unsqueeze(0), None)
        assert torch.allclose(text[i, :len(seq)], alone[0], atol=TOL)
        alone_dur = cond.predict_durations(alone, style[i:i + 1], None)
        assert torch.allclose(log_dur[i, :len(seq)], alone_dur[0], atol=TOL)
    assert (text[~mask] == 0).all() and (log_dur[~mask] == 0).all()


def test_prosody_predictor_decoder_and_style_encoders(model, smoke_config):
    gen = torch.Generator().manual_seed(2)
    h, s, m = smoke_config.hidden, smoke_config.style_dim, smoke_config.n_mels
    lengths = [20, 11]
    aligned_seqs = [torch.randn(n, h, generator=gen) for n in lengths]
    aligned, mask = padded(aligned_seqs, 24)
    f0, _ = padded([torch.rand(n, generator=gen) for n in lengths], 24)
    energy, _ = padded([torch.randn(n, generator=gen) for n in lengths], 24)
    mel, _ = padded([torch.randn(n, m, generator=gen) for n in lengths], 24)
    style = torch.randn(2, s, generator=gen)
    cond, bb = model.conditioning, model.backbone
    f0_pred, energy_pred = cond.predict_prosody(aligned, style, mask)
    mel_out = bb.decoder(aligned, f0, energy, style, mask)
    styles = bb.acoustic_style(mel.transpose(1, 2), mask), bb.prosodic_style(
        mel.transpose(1, 2), mask)
    for i, n in enumerate(lengths):
        one = slice(i, i + 1)
        f0_one, energy_one = cond.predict_prosody(aligned[one, :n], style[one], None)
        assert torch.allclose(f0_pred[one, :n], f0_one, atol=TOL)
        assert torch.allclose(energy_pred[one, :n], energy_one, atol=TOL)
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
