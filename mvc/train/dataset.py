"""The training set: what the data stage wrote (manifest, phoneme table, feature index and the
feature cache), joined by utterance id and checked, then collated into padded `Batch`es.

Each training dataset contributes its manifest rows of split `train`. The three tables must
list the same utterances in the same order (the data stage writes them so); a mismatch means
one of them is stale, and is an InputError naming the file and the target to rebuild.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.features.cache import FeatureCache
from mvc.models.batch import Batch


@dataclass(frozen=True)
class DatasetFiles:
    """One dataset's data-stage outputs (results/{manifests,phonemes,features}/NAME.csv)."""

    manifest: Path
    phonemes: Path
    features: Path


@dataclass(frozen=True)
class Example:
    """One training utterance: its token ids and where its features live."""

    utt_id: str
    token_ids: tuple[int, ...]
    feature_key: str
    n_frames: int


def _read_csv(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    if not path.is_file():
        raise InputError(path, "file not found",
                         "run the data stage first (snakemake --cores all data)")
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(path, f"missing columns {missing}",
                             "rebuild it with the data stage (snakemake --cores all data)")
        return list(reader)


def _check_same_ids(ids: list[str], other: list[str], manifest: Path, path: Path) -> None:
    if ids == other:
        return
    extra = sorted(set(other) - set(ids))[:3]
    absent = sorted(set(ids) - set(other))[:3]
    detail = (f"ids not in the manifest {extra}" if extra else
              f"manifest ids it lacks {absent}" if absent else "the same ids in another order")
    raise InputError(path, f"its utterances differ from {manifest} ({detail})",
                     f"it is stale: delete it and rebuild it (snakemake {path})")


def load_examples(files: DatasetFiles, n_symbols: int, split: str = "train") -> list[Example]:
    """The rows of `split` of one dataset, with token ids and feature keys, in manifest order."""
    rows = read_manifest(files.manifest)
    phonemes = _read_csv(files.phonemes, ("utt_id", "token_ids"))
    features = _read_csv(files.features, ("utt_id", "key", "n_frames"))
    ids = [r.utt_id for r in rows]
    _check_same_ids(ids, [p["utt_id"] for p in phonemes], files.manifest, files.phonemes)
    _check_same_ids(ids, [f["utt_id"] for f in features], files.manifest, files.features)
    examples = []
    for row, phone, feat in zip(rows, phonemes, features, strict=True):
        if row.split != split:
            continue
        tokens = tuple(int(t) for t in phone["token_ids"].split())
        if not tokens:
            raise InputError(files.phonemes, f"utterance {row.utt_id!r} has no phonemes",
                             "fix its text in the corpus, then rebuild the phoneme table")
        bad = [t for t in tokens if not 0 < t < n_symbols]
        if bad:
            raise InputError(files.phonemes, f"utterance {row.utt_id!r} has token ids {bad[:3]} "
                             f"outside 1..{n_symbols - 1} (the model's symbol table)",
                             "rebuild the phoneme table with this code's symbol table")
        examples.append(Example(row.utt_id, tokens, feat["key"], int(feat["n_frames"])))
    return examples


class TrainingSet:
    """Examples of several datasets; features are read from the cache when a batch needs them."""

    def __init__(self, examples: Sequence[Example], cache: FeatureCache) -> None:
        self.examples = list(examples)
        self.cache = cache

    def __len__(self) -> int:
        return len(self.examples)

    def lengths(self) -> list[int]:
        """Mel frames per example (the bucketing key)."""
        return [e.n_frames for e in self.examples]

    def features(self, example: Example) -> dict[str, np.ndarray]:
        arrays = self.cache.get(example.feature_key)
        if arrays is None:
            raise InputError(self.cache.path(example.feature_key),
                             f"feature cache entry of {example.utt_id!r} is missing",
                             "rerun the data stage's features rule (delete results/features/"
                             "NAME.csv and run snakemake --cores all data)")
        if arrays["mel"].shape[1] != example.n_frames:
            raise InputError(self.cache.path(example.feature_key),
                             f"{arrays['mel'].shape[1]} frames, the feature index says "
                             f"{example.n_frames}", "delete the entry and rebuild the features")
        return arrays

    def batch(self, indices: Sequence[int]) -> Batch:
        """Collate examples into a Batch padded at the end (phoneme id 0, zero frames)."""
        chosen = [self.examples[i] for i in indices]
        arrays = [self.features(e) for e in chosen]
        n_mels = arrays[0]["mel"].shape[0]
        max_tokens = max(len(e.token_ids) for e in chosen)
        longest = max(e.n_frames for e in chosen)
        phonemes = torch.zeros(len(chosen), max_tokens, dtype=torch.long)
        mel = torch.zeros(len(chosen), n_mels, longest)
        f0 = torch.zeros(len(chosen), longest)
        energy = torch.zeros(len(chosen), longest)
        for b, (example, feats) in enumerate(zip(chosen, arrays, strict=True)):
            phonemes[b, : len(example.token_ids)] = torch.tensor(example.token_ids)
            mel[b, :, : example.n_frames] = torch.from_numpy(feats["mel"])
            f0[b, : example.n_frames] = torch.from_numpy(feats["f0"])
            energy[b, : example.n_frames] = torch.from_numpy(feats["energy"])
        return Batch(
            utt_ids=[e.utt_id for e in chosen], phonemes=phonemes,
            phoneme_lengths=torch.tensor([len(e.token_ids) for e in chosen]),
            mel=mel, mel_lengths=torch.tensor([e.n_frames for e in chosen]),
            f0=f0, energy=energy,
        )


def load_training_set(datasets: Sequence[DatasetFiles], cache_root: Path, n_symbols: int,
                      max_frames: int | None) -> tuple[TrainingSet, list[Example]]:
    """The `train` rows of every dataset with at most `max_frames` frames (None: all), and the
    ones left out."""
    examples = [e for files in datasets for e in load_examples(files, n_symbols)]
    if not examples:
        raise InputError(", ".join(str(d.manifest) for d in datasets), "no `train` rows",
                         "give training datasets a train fraction in their split config")
    limit = max_frames if max_frames is not None else max(e.n_frames for e in examples)
    kept = [e for e in examples if e.n_frames <= limit]
    excluded = [e for e in examples if e.n_frames > limit]
    if not kept:
        raise InputError("training.max_frames", f"every utterance is longer than {limit} frames",
                         "raise training.max_frames (or set it to null)")
    return TrainingSet(kept, FeatureCache(cache_root)), excluded
