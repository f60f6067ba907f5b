"""The aligner's prior against scipy's beta-binomial, and its loss and durations."""

import pytest
import scipy.stats
import torch

from mvc.models.aligner import beta_binomial_log_prior
from mvc.models.tts import build_model

from .conftest import make_batch


def test_prior_is_the_beta_binomial_per_frame_and_zero_on_padding():
    prior = beta_binomial_log_prior(torch.tensor([4, 2]), torch.tensor([6, 3]), 4, 6, 0.5)
    for b, (n_text, n_frames) in enumerate([(4, 6), (2, 3)]):
        for f in range(1, n_frames + 1):
            expected = scipy.stats.betabinom.logpmf(range(n_text), n_text - 1, 0.5 * f,
                                                    0.5 * (n_frames + 1 - f))
            assert prior[b, :n_text, f - 1].tolist() == pytest.approx(expected, abs=1e-5)
    assert (prior[1, 2:] == 0).all() and (prior[1, :, 3:] == 0).all()


def test_durations_cover_each_utterance_and_the_loss_is_finite(smoke_config):
    torch.manual_seed(0)
    aligner = build_model(smoke_config).aligner
    batch = make_batch(smoke_config)
    scores = aligner.scores(batch.phonemes, batch.phoneme_mask(), batch.mel, batch.frame_mask())
    durations = aligner.durations(scores, batch.phoneme_lengths, batch.mel_lengths)
    assert durations.sum(1).tolist() == batch.mel_lengths.tolist()
    assert ((durations >= 1) == batch.phoneme_mask()).all()
    loss = aligner.forward_sum_loss(scores, batch.phoneme_lengths, batch.mel_lengths)
    loss.backward()
    assert torch.isfinite(loss)
    assert all(torch.isfinite(p.grad).all() for p in aligner.parameters() if p.grad is not None)
