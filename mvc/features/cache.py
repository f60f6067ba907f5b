"""A content-addressed feature cache: entries are keyed by what the audio is, not where.

The key hashes the audio file's bytes, the feature settings and the feature code's version,
so moving or renaming a file keeps its entry, while changing one byte of audio, one setting
or the code version makes a new one.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from mvc.atomic import atomic_path
from mvc.errors import InputError
from mvc.hashing import file_sha256, record_sha256

KEY_PATTERN = re.compile(r"[0-9a-f]{64}")


def content_key(audio_path: str | Path, settings: Mapping, version: str) -> str:
    """SHA-256 (hex) of the canonical JSON {audio_sha256, settings, version}, keys sorted.

    `settings` must be JSON-serializable (numbers, strings, None, nested mappings/lists).
    """
    return record_sha256({"audio_sha256": file_sha256(audio_path), "settings": settings,
                          "version": version})


class FeatureCache:
    """Arrays per key in `root/key[:2]/key.npz`, each entry written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where the entry for `key` lives."""
        if not KEY_PATTERN.fullmatch(key):
            raise ValueError(f"cache keys are 64 lowercase hex digits, got {key!r}")
        return self.root / key[:2] / f"{key}.npz"

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under `key`, or None when there is no entry."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as entry:
                return {name: entry[name] for name in entry.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as err:
            raise InputError(path, f"corrupt feature cache entry ({err})",
                             "delete it; the next run recomputes it") from None

    def put(self, key: str, arrays: Mapping[str, np.ndarray]) -> None:
        """Store `arrays` under `key`, atomically (a reader sees the old entry or the new)."""
        # Writing through a file object stops np.savez from appending ".npz" to the temp name.
        with atomic_path(self.path(key)) as tmp, tmp.open("wb") as f:
            np.savez(f, **arrays)
