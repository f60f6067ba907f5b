"""The padded batch the models train on: phoneme ids, normalized log-mels, F0 and energy.

Padding is at the end of every sequence (id 0 for phonemes, anything for frames): the
lengths say what is valid, and the models never let padded values reach valid outputs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor


@dataclass
class Batch:
    """One training batch; B utterances, T phonemes and F frames at most.

    phonemes: (B, T) symbol ids from mvc.text.symbols, 0 = padding.
    mel: (B, n_mels, F) normalized log-mel (mvc.features.mel).
    f0: (B, F) Hz, 0 where unvoiced, frame-aligned with the mel.
    energy: (B, F) StyleTTS2's log-mel-norm energy (mvc.features.prosody.log_energy).
    """

    utt_ids: list[str]
    phonemes: Tensor
    phoneme_lengths: Tensor
    mel: Tensor
    mel_lengths: Tensor
    f0: Tensor
    energy: Tensor

    def to(self, device: torch.device | str) -> Batch:
        """The same batch with every tensor on `device`."""
        return Batch(self.utt_ids, self.phonemes.to(device), self.phoneme_lengths.to(device),
                     self.mel.to(device), self.mel_lengths.to(device), self.f0.to(device),
                     self.energy.to(device))

    def phoneme_mask(self) -> Tensor:
        """(B, T) bool, True = a valid phoneme."""
        return lengths_to_mask(self.phoneme_lengths, self.phonemes.shape[1])

    def frame_mask(self) -> Tensor:
        """(B, F) bool, True = a valid frame."""
        return lengths_to_mask(self.mel_lengths, self.mel.shape[2])


def lengths_to_mask(lengths: Tensor, size: int) -> Tensor:
    """(B,) lengths -> (B, size) bool mask, True for the first lengths[b] positions."""
    return torch.arange(size, device=lengths.device).unsqueeze(0) < lengths.unsqueeze(1)
