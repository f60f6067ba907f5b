"""Feature extraction per utterance and per manifest, through the content-addressed cache.

`extract_dataset` writes an index CSV (utt_id, key, n_frames, mean_f0_hz, voiced_fraction),
one row per manifest row in manifest order; a row's arrays are `FeatureCache(root).get(key)`.
mean_f0_hz is the mean over voiced frames, empty when no frame is voiced.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
from tqdm import tqdm

from mvc import audio
from mvc.atomic import atomic_path
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.features.cache import FeatureCache, content_key
from mvc.features.mel import MelConfig, log_mel, n_frames
from mvc.features.prosody import ProsodyConfig, log_energy, world_f0

FEATURES_VERSION = "1"
INDEX_COLUMNS = ("utt_id", "key", "n_frames", "mean_f0_hz", "voiced_fraction")


def extract_utterance(audio_path: str | Path, mel_cfg: MelConfig,
                      prosody_cfg: ProsodyConfig) -> dict[str, np.ndarray]:
    """{"mel": (n_mels, T), "f0": (T,) Hz, "energy": (T,)} for one file, all float32.

    The audio is loaded mono and resampled to mel_cfg.sample_rate. InputError names the file
    when it is missing, unreadable, silent or too short for the STFT.
    """
    wave, sr = audio.load(audio_path, sample_rate=mel_cfg.sample_rate)
    try:
        mel = log_mel(wave, mel_cfg)
        f0 = world_f0(wave, sr, mel_cfg.hop_length, n_frames(wave.size, mel_cfg), prosody_cfg)
    except ValueError as err:
        raise InputError(audio_path, f"cannot compute features ({err})",
                         "drop this utterance from the manifest or fix its audio") from None
    return {"mel": mel, "f0": f0, "energy": log_energy(mel, mel_cfg)}


def _settings(mel_cfg: MelConfig, prosody_cfg: ProsodyConfig) -> dict:
    return {"mel": asdict(mel_cfg), "prosody": asdict(prosody_cfg)}


def _index_row(row: Utterance, key: str, features: dict[str, np.ndarray]) -> list[str]:
    f0 = features["f0"]
    voiced = f0[f0 > 0]
    mean_f0 = f"{voiced.mean():.3f}" if voiced.size else ""
    return [row.utt_id, key, str(f0.size), mean_f0, f"{voiced.size / f0.size:.6f}"]


def extract_dataset(rows: Sequence[Utterance], mel_cfg: MelConfig, prosody_cfg: ProsodyConfig,
                    cache: FeatureCache, index_path: str | Path) -> None:
    """Compute (or take from `cache`) every row's features and write the index atomically.

    Every row needs audio: a text-only row is an InputError naming the utterance, as is a
    file that fails (then naming the file). Nothing is skipped silently.
    """
    settings = _settings(mel_cfg, prosody_cfg)
    index = []
    for row in tqdm(rows, desc="features", unit="utt"):
        if not row.audio_path:
            raise InputError(f"utterance {row.utt_id!r}", "has no audio_path; features need audio",
                             "pass only rows with audio (not text-only test sets) to feature "
                             "extraction")
        key = content_key(row.audio_path, settings, FEATURES_VERSION)
        features = cache.get(key)
        if features is None:
            features = extract_utterance(row.audio_path, mel_cfg, prosody_cfg)
            cache.put(key, features)
        index.append(_index_row(row, key, features))
    with atomic_path(index_path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(INDEX_COLUMNS)
        writer.writerows(index)
