"""A manifest's phoneme table: the text front end run once per dataset, a row per utterance."""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from mvc.atomic import atomic_path
from mvc.data.manifest import Utterance
from mvc.text.frontend import text_to_ids
from mvc.text.normalize import NORMALIZER_VERSION

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
