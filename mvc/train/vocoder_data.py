"""The vocoder's training data: random (mel, waveform) segments of the training recordings.

Each step draws `batch_size` utterances (with replacement) and one segment of
`segment_frames` frames in each, from a generator seeded by (seed, step): a step's batch
depends on nothing that ran before, so a resumed run sees exactly the batches an
uninterrupted one would. The mel of a segment is cut from the whole utterance's normalized
log-mel (mvc.features.mel.log_mel, the training features' settings), so it is the mel the
vocoder sees at synthesis; frame k is centred on sample k * hop, and the waveform segment
is samples [k * hop, (k + segment_frames) * hop). An utterance shorter than a segment is
padded with silence at the end first (as HiFi-GAN does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mvc.audio import load
from mvc.data.manifest import Utterance, read_manifest
from mvc.errors import InputError
from mvc.features.mel import MelConfig, log_mel


@dataclass(frozen=True)
class Segments:
    """A batch: waveforms (B, segment_frames * hop) and their mels (B, n_mels, segment_frames)."""

    wave: torch.Tensor
    mel: torch.Tensor

    def to(self, device: torch.device) -> Segments:
        return Segments(self.wave.to(device), self.mel.to(device))


def training_recordings(manifests: Sequence[Path]) -> list[Utterance]:
    """The `train` rows of every manifest, in order; each must have a recording."""
    rows = []
    for manifest in manifests:
        for row in read_manifest(manifest):
            if row.split != "train":
                continue
            if not row.audio_path:
                raise InputError(manifest, f"training utterance {row.utt_id!r} has no audio",
                                 "the vocoder trains on recordings: give every training "
                                 "dataset its audio")
            rows.append(row)
    if not rows:
        raise InputError(", ".join(map(str, manifests)), "no `train` rows",
                         "give training datasets a train fraction in their split config")
    return rows


class SegmentSampler:
    """Seeded random segments of the given recordings, one batch per step."""

    def __init__(self, rows: Sequence[Utterance], audio: MelConfig, segment_frames: int,
                 batch_size: int, seed: int) -> None:
        self.rows = list(rows)
        self.audio = audio
        self.segment_frames = segment_frames
        self.batch_size = batch_size
        self.seed = seed

    def segment(self, row: Utterance, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """One random (waveform, mel) segment of the row's recording."""
        hop = self.audio.hop_length
        length = self.segment_frames * hop
        wave, _ = load(row.audio_path, sample_rate=self.audio.sample_rate)
        if wave.size < length:
            wave = np.pad(wave, (0, length - wave.size))
        mel = log_mel(wave, self.audio)
        start = int(rng.integers(wave.size // hop - self.segment_frames + 1))
        return (wave[start * hop: start * hop + length],
                mel[:, start: start + self.segment_frames])

    def batch(self, step: int) -> Segments:
        """The segments of optimizer step `step` (0-based)."""
        rng = np.random.default_rng([self.seed, step])
        picks = rng.integers(len(self.rows), size=self.batch_size)
        pairs = [self.segment(self.rows[int(i)], rng) for i in picks]
        return Segments(torch.from_numpy(np.stack([w for w, _ in pairs])),
                        torch.from_numpy(np.stack([m for _, m in pairs])))
