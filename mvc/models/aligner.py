"""The alignment teacher (training only): scores of every text position for every frame,
trained with the forward-sum (CTC) loss, turned into hard durations by monotonic alignment
search.

As in RAD-TTS / "One TTS Alignment to Rule Them All" (Badlani et al. 2022): text and mel
conv encoders, score[f, t] = -||mel_f - text_t||^2, a log-softmax over text positions per
frame (a soft attention: hence `computes_attention`, and never part of an inference model)
plus the log of RAD-TTS's static beta-binomial prior (near-diagonal, so alignment is learned
in hundreds of steps rather than thousands), and a CTC loss whose targets are the positions
1..T in order with a fixed blank score.
"""

from __future__ import annotations

from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mvc.models.config import AlignerConfig
from mvc.models.layers import ConvStack, masked_fill_zero
from mvc.models.mas import monotonic_durations

PRIOR_CACHE_SIZE = 8192  # (text length, frame length) pairs: more than a corpus has

MASKED_SCORE = -1e4  # the log score of padded text positions: finite, as -inf makes the
# CTC gradient NaN, and low enough that exp() of it is 0 in fp32


class Aligner(nn.Module):
    """Text (B, T) ids and mel (B, n_mels, F) -> log attention (B, T, F) over text positions."""

    computes_attention = True  # softmax over text positions of a query-key score

    def __init__(self, n_symbols: int, n_mels: int, config: AlignerConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, config.hidden, padding_idx=0)
        self.text_encoder = ConvStack(config.hidden, config.hidden, config.layers,
                                      config.kernel_size, dropout=0.0)
        self.mel_encoder = ConvStack(n_mels, config.hidden, config.layers,
                                     config.kernel_size, dropout=0.0)
        self.blank_logprob = config.blank_logprob
        self.prior_scaling = config.prior_scaling

    def scores(self, phonemes: Tensor, text_mask: Tensor, mel: Tensor,
               frame_mask: Tensor) -> Tensor:
        """Log attention (B, T, F): the log-softmax over text positions of minus the squared
        distance of the encodings (scaled by 1 / hidden), plus the log prior; padded text
        positions get MASKED_SCORE."""
        text = self.text_encoder(self.embedding(phonemes), text_mask)
        frames = self.mel_encoder(masked_fill_zero(mel.transpose(1, 2), frame_mask), frame_mask)
        dist = squared_distances(text, frames) / text.shape[-1]
        invalid = ~text_mask.unsqueeze(-1)
        log_attention = F.log_softmax((-dist).masked_fill(invalid, MASKED_SCORE), dim=1)
        prior = beta_binomial_log_prior(text_mask.sum(1), frame_mask.sum(1), text.shape[1],
                                        frames.shape[1], self.prior_scaling)
        return (log_attention + prior.to(log_attention.dtype)).masked_fill(invalid, MASKED_SCORE)

    def forward_sum_loss(self, scores: Tensor, text_lengths: Tensor,
                         frame_lengths: Tensor) -> Tensor:
        """CTC loss of the frames emitting positions 1..T in order (blank = class 0), mean
        over the batch of the per-frame loss."""
        batch, n_text, _ = scores.shape
        blank = torch.full((batch, 1, scores.shape[2]), self.blank_logprob,
                           dtype=scores.dtype, device=scores.device)
        log_probs = F.log_softmax(torch.cat([blank, scores], dim=1), dim=1)  # (B, T+1, F)
        targets = torch.arange(1, n_text + 1, device=scores.device).expand(batch, n_text)
        loss = F.ctc_loss(log_probs.permute(2, 0, 1), targets, frame_lengths, text_lengths,
                          blank=0, reduction="none", zero_infinity=True)
        return (loss / frame_lengths.to(loss.dtype)).mean()

    def durations(self, scores: Tensor, text_lengths: Tensor, frame_lengths: Tensor) -> Tensor:
        """Hard durations (B, T) by monotonic alignment search on the log attention."""
        return monotonic_durations(scores, text_lengths, frame_lengths)


def squared_distances(a: Tensor, b: Tensor) -> Tensor:
    """||a_t - b_f||^2 (B, T, F) for a (B, T, C), b (B, F, C); written out, not cdist, whose
    gradient is NaN at distance 0 (padding against padding)."""
    return ((a ** 2).sum(-1, keepdim=True) + (b ** 2).sum(-1).unsqueeze(1)
            - 2 * a @ b.transpose(1, 2)).clamp(min=0.0)


def beta_binomial_log_prior(text_lengths: Tensor, frame_lengths: Tensor, n_text: int,
                            n_frames: int, scaling: float) -> Tensor:
    """RAD-TTS's alignment prior, log P(t | f) (B, T, F): for frame f = 1..F of an utterance,
    text position t ~ BetaBinomial(T - 1, scaling * f, scaling * (F + 1 - f)); 0 on padding."""
    prior = torch.zeros(len(text_lengths), n_text, n_frames)
    for b, (tl, fl) in enumerate(zip(text_lengths.tolist(), frame_lengths.tolist(),
                                     strict=True)):
        prior[b, :tl, :fl] = _utterance_log_prior(tl, fl, scaling)
    return prior.to(text_lengths.device)


@lru_cache(maxsize=PRIOR_CACHE_SIZE)
def _utterance_log_prior(n_text: int, n_frames: int, scaling: float) -> Tensor:
    """The (n_text, n_frames) log prior of one utterance, computed in float64 and cached
    (an epoch revisits the same length pairs)."""
    k = torch.arange(n_text, dtype=torch.float64).unsqueeze(1)
    f = torch.arange(1, n_frames + 1, dtype=torch.float64).unsqueeze(0)
    a, c, n = scaling * f, scaling * (n_frames + 1 - f), float(n_text - 1)
    return (_log_choose(n, k) + _log_beta(k + a, n - k + c) - _log_beta(a, c)).float()


def _log_beta(x: Tensor, y: Tensor) -> Tensor:
    return torch.lgamma(x) + torch.lgamma(y) - torch.lgamma(x + y)


def _log_choose(n: float, k: Tensor) -> Tensor:
    return torch.lgamma(torch.tensor(n + 1.0)) - torch.lgamma(k + 1) - torch.lgamma(n - k + 1)
