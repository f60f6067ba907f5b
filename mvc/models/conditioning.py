"""The conditioning path behind the shared backbone: text encoder, duration predictor and
prosody (F0, energy) predictor. Systems differ only here (MVC: Mamba; StyleTTS2: BiLSTM;
the hybrid: attention), so the backbone talks to it through `ConditioningPath`'s three
methods, and `CONDITIONING_PATHS` maps `model.conditioning` to the class.
"""

from __future__ import annotations

from torch import Tensor, nn

from mvc.models.config import ModelConfig
from mvc.models.expressive import ExpressiveMamba
from mvc.models.hybrid import AttentionDuration, AttentionProsody
from mvc.models.styletts2 import LSTMDuration, LSTMProsody, LSTMTextEncoder
from mvc.models.temporal import TemporalBiMamba
from mvc.models.text_encoder import GatedBiMambaTextEncoder


class ConditioningPath(nn.Module):
    """The interface. Masks are (B, L) bool, True = valid; `lookahead` W streams the path
    (None = offline) and `chunk` is the number of steps emitted at a time.

    Submodules: `text_encoder` (trained in stage 1), `duration` and `prosody` (stage 2);
    `duration.initialize_output(log_duration_mean)` and `prosody.initialize_output(f0_mean,
    energy_mean)` set their output biases to the data's means before stage 2 starts.
    """

    text_encoder: nn.Module
    duration: nn.Module
    prosody: nn.Module

    def encode_text(self, phonemes: Tensor, mask: Tensor | None,
                    lookahead: int | None = None, chunk: int = 1) -> Tensor:
        """(B, T) ids -> (B, T, hidden)."""
        return self.text_encoder(phonemes, mask, lookahead, chunk)

    def predict_durations(self, text: Tensor, style: Tensor, mask: Tensor | None,
                          lookahead: int | None = None, chunk: int = 1) -> Tensor:
        """(B, T, hidden), (B, style_dim) -> (B, T) log(1 + frames)."""
        return self.duration(text, style, mask, lookahead, chunk)

    def initialize_outputs(self, log_duration: Tensor, f0: Tensor, energy: Tensor) -> None:
        """Data-dependent start of the stage-2 heads (the targets' means)."""
        self.duration.initialize_output(log_duration)
        self.prosody.initialize_output(f0, energy)

    def predict_prosody(self, aligned: Tensor, style: Tensor, mask: Tensor | None,
                        lookahead: int | None = None, chunk: int = 1) -> tuple[Tensor, Tensor]:
        """(B, F, hidden), (B, style_dim) -> F0 / f0_scale and energy, each (B, F)."""
        return self.prosody(aligned, style, mask, lookahead, chunk)


class MVCConditioning(ConditioningPath):
    """MVC: gated Bi-Mamba text encoder, Temporal Bi-Mamba, Expressive Mamba."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.text_encoder = GatedBiMambaTextEncoder(config.n_symbols, config.hidden,
                                                    config.text_encoder, config.mamba,
                                                    config.dropout)
        self.duration = TemporalBiMamba(config.hidden, config.style_dim, config.temporal,
                                        config.mamba, config.dropout)
        self.prosody = ExpressiveMamba(config.hidden, config.style_dim, config.expressive,
                                       config.mamba, config.dropout)


class StyleTTS2Conditioning(ConditioningPath):
    """StyleTTS2: CNN + BiLSTM text encoder, BiLSTM duration encoder with AdaLN and the
    duration LSTM, shared BiLSTM into AdaIN F0/energy blocks (mvc.models.styletts2)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        baseline = config.styletts2
        if baseline is None:
            raise ValueError("conditioning styletts2 needs model.styletts2")
        self.text_encoder = LSTMTextEncoder(config.n_symbols, config.hidden,
                                            config.text_encoder, baseline, config.dropout)
        self.duration = LSTMDuration(config.hidden, config.style_dim, baseline, config.dropout)
        self.prosody = LSTMProsody(config.hidden, config.style_dim, config.expressive,
                                   config.dropout)


class HybridConditioning(ConditioningPath):
    """The Mamba-attention hybrid: MVC's text encoder; attention blocks with AdaLN in place
    of the temporal and expressive Bi-Mamba layers (mvc.models.hybrid)."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        baseline = config.hybrid
        if baseline is None:
            raise ValueError("conditioning hybrid needs model.hybrid")
        self.text_encoder = GatedBiMambaTextEncoder(config.n_symbols, config.hidden,
                                                    config.text_encoder, config.mamba,
                                                    config.dropout)
        self.duration = AttentionDuration(config.hidden, config.style_dim,
                                          config.temporal.mamba_layers, baseline,
                                          config.dropout)
        self.prosody = AttentionProsody(config.hidden, config.style_dim, config.expressive,
                                        baseline, config.dropout)


CONDITIONING_PATHS: dict[str, type[ConditioningPath]] = {
    "mvc": MVCConditioning, "styletts2": StyleTTS2Conditioning, "hybrid": HybridConditioning}
