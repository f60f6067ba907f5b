"""MVC's gated Bi-Mamba text encoder: phoneme embeddings, a conv front end (local context,
as StyleTTS2's CNN), then residual Bi-Mamba layers whose gated fusion mixes the forward
and the flipped-back backward scans; a final LayerNorm. With `bidirectional: false` (the
unidirectional ablation) each layer keeps only the forward scan."""

from __future__ import annotations

from torch import Tensor, nn

from mvc.models.config import MambaConfig, TextEncoderConfig
from mvc.models.layers import ConvStack, masked_fill_zero
from mvc.models.ssm_layers import ResidualBiMambaStack


class GatedBiMambaTextEncoder(nn.Module):
    """Phoneme ids (B, T) -> text encoding (B, T, hidden)."""

    def __init__(self, n_symbols: int, hidden: int, config: TextEncoderConfig,
                 mamba: MambaConfig, dropout: float) -> None:
        super().__init__()
        self.embedding = nn.Embedding(n_symbols, hidden, padding_idx=0)
        self.front_end = ConvStack(hidden, hidden, config.conv_layers, config.kernel_size,
                                   dropout)
        self.mamba = ResidualBiMambaStack(hidden, config.mamba_layers, mamba, dropout,
                                          bidirectional=config.bidirectional)
        self.norm = nn.LayerNorm(hidden)

    def forward(self, phonemes: Tensor, mask: Tensor | None, lookahead: int | None = None,
                chunk: int = 1) -> Tensor:
        x = self.front_end(self.embedding(phonemes), mask)
        x = self.mamba(x, mask, lookahead=lookahead, chunk=chunk)
        return masked_fill_zero(self.norm(x), mask)
