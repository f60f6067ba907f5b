"""Content hashes: of files (by their bytes) and of records (by their canonical JSON).

Caches key entries by what their inputs are, not where they live, so moving a file keeps
its entry and changing one byte or one setting makes a new one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mvc.errors import InputError

READ_CHUNK_BYTES = 1 << 20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in chunks; InputError when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as f:
            for chunk in iter(lambda: f.read(READ_CHUNK_BYTES), b""):
                digest.update(chunk)
    except OSError as err:
        raise InputError(path, f"cannot read the file ({err.strerror})",
                         "check that it exists and is readable") from None
    return digest.hexdigest()


def record_sha256(record: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a JSON-serializable record's canonical form (sorted keys, no NaN)."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
