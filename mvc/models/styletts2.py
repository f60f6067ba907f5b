"""StyleTTS2's conditioning path (Li et al. 2023, its `TextEncoder` and `ProsodyPredictor`)
on our shared backbone, the `styletts2` baseline: CNN + BiLSTM text encoder; a duration
encoder of [BiLSTM on (x; style), AdaLN] layers followed by the duration BiLSTM; one shared
BiLSTM into AdaIN F0 and energy blocks. Differences from StyleTTS2 (docs/models.md,
Baselines): the heads regress log(1 + frames) as MVC's do (StyleTTS2: max_dur sigmoid bins),
and the prosody BiLSTM reads the aligned text encoding the backbone hands every path.
"""

from __future__ import annotations

from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from mvc.models.config import ExpressiveConfig, StyleTTS2Config, TextEncoderConfig
from mvc.models.expressive import ContourHead, ContourPredictor
from mvc.models.layers import AdaLN, ConvStack, masked_fill_zero
from mvc.models.ssm_layers import broadcast_style
from mvc.models.temporal import DurationPredictor


def no_streaming(lookahead: int | None) -> None:
    """The recurrent and attention baselines run offline only."""
    if lookahead is not None:
        raise ValueError("streaming (lookahead) is defined for MVC's Bi-Mamba path only")


class MaskedBiLSTM(nn.Module):
    """A bidirectional LSTM over (B, L, in) -> (B, L, 2 * per_direction) that runs each
    sequence over its valid steps only (packed), so the backward pass starts at the last
    valid step, not in the padding; padded outputs are 0."""

    def __init__(self, in_channels: int, per_direction: int, layers: int = 1) -> None:
        super().__init__()
        self.lstm = nn.LSTM(in_channels, per_direction, num_layers=layers, batch_first=True,
                            bidirectional=True)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        if mask is None:
            return self.lstm(x)[0]
        lengths = mask.sum(dim=1).cpu()
        packed = pack_padded_sequence(masked_fill_zero(x, mask), lengths, batch_first=True,
                                      enforce_sorted=False)
        y, _ = pad_packed_sequence(self.lstm(packed)[0], batch_first=True,
                                   total_length=x.shape[1])
        return masked_fill_zero(y, mask)


class LSTMTextEncoder(nn.Module):
    """Phoneme ids (B, T) -> (B, T, hidden): embedding, CNN front end (the same ConvStack
    as MVC's), BiLSTM (hidden / 2 per direction)."""

    def __init__(self, n_symbols: int, hidden: int, config: TextEncoderConfig,
                 baseline: StyleTTS2Config, dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, hidden, padding_idx=0)
        self.front_end = ConvStack(hidden, hidden, config.conv_layers, config.kernel_size,
                                   dropout)
        self.lstm = MaskedBiLSTM(hidden, hidden // 2, baseline.text_lstm_layers)

    def forward(self, phonemes: Tensor, mask: Tensor | None, lookahead: int | None = None,
                chunk: int = 1) -> Tensor:
        no_streaming(lookahead)
        return self.lstm(self.front_end(self.embedding(phonemes), mask), mask)


class LSTMDuration(DurationPredictor):
    """(B, T, hidden) + style -> (B, T) log(1 + frames): StyleTTS2's DurationEncoder
    (per layer: BiLSTM over [x; style], dropout, AdaLN on the style), then the duration
    BiLSTM over [x; style] and a linear head."""

    def __init__(self, hidden: int, style_dim: int, baseline: StyleTTS2Config,
                 dropout: float) -> None:
        super().__init__()
        self.lstms = nn.ModuleList(MaskedBiLSTM(hidden + style_dim, hidden // 2)
                                   for _ in range(baseline.duration_layers))
        self.norms = nn.ModuleList(AdaLN(hidden, style_dim)
                                   for _ in range(baseline.duration_layers))
        self.dropout = nn.Dropout(dropout)
        self.lstm = MaskedBiLSTM(hidden + style_dim, hidden // 2)
        self.head = nn.Linear(hidden, 1)

    def forward(self, text: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> Tensor:
        no_streaming(lookahead)
        x = text
        for lstm, norm in zip(self.lstms, self.norms, strict=True):
            x = norm(self.dropout(lstm(broadcast_style(x, style), mask)), style)
        x = self.lstm(broadcast_style(masked_fill_zero(x, mask), style), mask)
        return self.log_durations(x, mask)


class LSTMProsody(ContourPredictor):
    """(B, F, hidden) aligned encoding + style -> F0 / f0_scale and energy: StyleTTS2's
    shared BiLSTM over [x; style], then per contour AdaIN residual blocks and a linear head
    (the same ContourHead as MVC's Expressive Mamba)."""

    def __init__(self, hidden: int, style_dim: int, config: ExpressiveConfig,
                 dropout: float) -> None:
        super().__init__()
        self.shared = MaskedBiLSTM(hidden + style_dim, hidden // 2)
        self.f0 = ContourHead(hidden, style_dim, config, dropout)
        self.energy = ContourHead(hidden, style_dim, config, dropout)

    def forward(self, aligned: Tensor, style: Tensor, mask: Tensor | None,
                lookahead: int | None = None, chunk: int = 1) -> tuple[Tensor, Tensor]:
        no_streaming(lookahead)
        x = self.shared(broadcast_style(aligned, style), mask)
        return self.contours(x, style, mask)
