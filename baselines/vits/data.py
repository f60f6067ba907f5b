"""The data stage's outputs as coqui samples and VITS training batches.

`coqui_samples` is the formatter: a dataset's manifest, phoneme table and feature index
(checked against each other by mvc.train.dataset) -> one coqui sample dict per `train` row
(`text` is our espeak-ng phoneme string, `token_ids` our ids of it, `audio_file` the
recording). `VitsTrainingSet` keeps the same utterances as the other systems (those with at
most training.max_frames feature frames), reads each batch's recordings at audio.sample_rate
(per batch: a paper-scale corpus would not fit in memory) and collates batches with the keys
of coqui's `VitsDataset.collate_fn`, which `Vits.format_batch` and `format_batch_on_device`
turn into spectrograms.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from mvc import audio
from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.train.dataset import DatasetFiles, load_examples

from .tokens import vits_ids


@dataclass(frozen=True)
class Sample:
    """One training utterance in coqui's sample layout, plus our id, token ids and frames."""

    utt_id: str
    text: str
    audio_file: str
    speaker_name: str
    language: str
    audio_unique_name: str
    root_path: str
    token_ids: tuple[int, ...]
    n_frames: int

    def as_coqui(self) -> dict[str, Any]:
        """The dict coqui's formatters return (TTS.tts.datasets.formatters)."""
        return {"text": self.text, "audio_file": self.audio_file,
                "speaker_name": self.speaker_name, "language": self.language,
                "audio_unique_name": self.audio_unique_name, "root_path": self.root_path}


def coqui_samples(files: DatasetFiles, n_symbols: int, split: str = "train") -> list[Sample]:
    """The formatter: the rows of `split` of one dataset as samples, in manifest order."""
    examples = {e.utt_id: e for e in load_examples(files, n_symbols, split)}
    with files.phonemes.open(newline="", encoding="utf-8") as f:
        phonemes = {row["utt_id"]: row.get("phonemes", "") for row in csv.DictReader(f)}
    samples = []
    for row in read_manifest(files.manifest):
        if row.utt_id not in examples:
            continue
        if not row.audio_path:
            raise InputError(files.manifest, f"training utterance {row.utt_id!r} has no audio",
                             "VITS trains on recordings: give every train row an audio_path")
        example = examples[row.utt_id]
        samples.append(Sample(row.utt_id, phonemes[row.utt_id], row.audio_path, row.speaker,
                              row.language, f"{files.manifest.stem}#{row.utt_id}",
                              str(files.manifest.parent), example.token_ids, example.n_frames))
    return samples


class VitsTrainingSet:
    """Samples with their coqui ids; recordings are read (float32 at `sample_rate`) per batch."""

    def __init__(self, samples: Sequence[Sample], symbols: Sequence[str], tokenizer: Any,
                 sample_rate: int) -> None:
        self.samples = list(samples)
        self.sample_rate = sample_rate
        self.ids = [vits_ids(s.token_ids, symbols, tokenizer, s.audio_unique_name)
                    for s in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def lengths(self) -> list[int]:
        """Feature frames per sample (the sampler's bucketing key, as for the other systems)."""
        return [s.n_frames for s in self.samples]

    def wave(self, index: int) -> torch.Tensor:
        wave, _ = audio.load(self.samples[index].audio_file, sample_rate=self.sample_rate)
        return torch.from_numpy(wave)

    def batch(self, indices: Sequence[int]) -> dict[str, Any]:
        """The collated batch (VitsDataset.collate_fn's keys), zero-padded at the end."""
        chosen = [self.samples[i] for i in indices]
        ids = [self.ids[i] for i in indices]
        waves = [self.wave(i) for i in indices]
        tokens = torch.zeros(len(ids), max(map(len, ids)), dtype=torch.long)
        wave_lens = torch.tensor([w.numel() for w in waves])
        waveform = torch.zeros(len(waves), 1, int(wave_lens.max()))
        for b, (token_ids, wave) in enumerate(zip(ids, waves, strict=True)):
            tokens[b, : len(token_ids)] = torch.tensor(token_ids)
            waveform[b, 0, : wave.numel()] = wave
        token_lens = torch.tensor([len(t) for t in ids])
        return {"tokens": tokens, "token_lens": token_lens,
                "token_rel_lens": token_lens / token_lens.max(), "waveform": waveform,
                "waveform_lens": wave_lens, "waveform_rel_lens": wave_lens / wave_lens.max(),
                "speaker_names": [s.speaker_name for s in chosen],
                "language_names": [s.language for s in chosen],
                "audio_files": [Path(s.audio_file).name for s in chosen],
                "raw_text": [s.text for s in chosen],
                "audio_unique_names": [s.audio_unique_name for s in chosen]}
