"""A manifest's phoneme table: the text front end run once per dataset, a row per utterance.

Its sidecar `{table}.json` records what decides the phonemes: the espeak-ng and phonemizer
versions, the normalizer version and the symbol table's size and SHA-256.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from mvc.atomic import atomic_path, write_text_atomic
from mvc.data.manifest import Utterance
from mvc.text.frontend import text_to_ids
from mvc.text.normalize import NORMALIZER_VERSION
from mvc.text.phonemize import espeak_version
from mvc.text.symbols import default_table

COLUMNS = ("utt_id", "language", "normalizer_version", "phonemes", "token_ids")


def write_phoneme_table(rows: Sequence[Utterance], out: Path) -> None:
    """Phonemize every row (batched per language) and write the table in manifest order."""
    by_language: dict[str, list[Utterance]] = defaultdict(list)
    for row in rows:
        by_language[row.language].append(row)
    encoded: dict[str, tuple[str, list[int]]] = {}
    for language, group in by_language.items():
        results = text_to_ids([r.text for r in group], language)
        encoded.update({r.utt_id: result for r, result in zip(group, results, strict=True)})
    with atomic_path(out) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            phonemes, ids = encoded[row.utt_id]
            writer.writerow([row.utt_id, row.language, NORMALIZER_VERSION, phonemes,
                             " ".join(map(str, ids))])
    table = default_table()
    sidecar = {
        "espeak_ng": espeak_version(), "phonemizer": version("phonemizer"),
        "normalizer_version": NORMALIZER_VERSION, "n_symbols": len(table),
        "symbols_sha256": hashlib.sha256("\n".join(table.symbols).encode()).hexdigest(),
        "utterances": len(rows),
    }
    write_text_atomic(out.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
