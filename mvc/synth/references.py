"""Which recording gives each synthesized utterance its speaker and style (zero-shot cloning).

For a target utterance, the reference is another recording of the same speaker in the test
manifest (any split), never the target itself: the system must not hear the audio it is
scored against. Among the candidates one is drawn with a generator seeded by
(seed, target utt_id), so a choice does not depend on the order or number of other targets.
When the speaker has no other recording, the target's own recording is used, and the
choice is written as such (`references.csv`, column `rule`).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mvc.atomic import atomic_path
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.hashing import record_sha256

OTHER = "other utterance of the speaker"
OWN = "own recording (the speaker has no other)"


@dataclass(frozen=True)
class Reference:
    """The reference recording chosen for one target, and by which rule."""

    utt_id: str
    reference_utt_id: str
    audio_path: str
    rule: str


def derived_seed(seed: int, utt_id: str) -> int:
    """A 60-bit seed from (seed, utt_id): stable across runs, orders and machines."""
    return int(record_sha256({"seed": seed, "utt_id": utt_id})[:15], 16)


def choose_references(rows: Sequence[Utterance], targets: Sequence[Utterance], seed: int,
                      manifest: str | Path) -> list[Reference]:
    """One reference per target, from the recordings in `rows` (the whole test manifest)."""
    by_speaker: dict[str, list[Utterance]] = defaultdict(list)
    for row in rows:
        if row.audio_path:
            by_speaker[row.speaker].append(row)
    references = []
    for target in targets:
        candidates = [r for r in by_speaker[target.speaker] if r.utt_id != target.utt_id]
        if candidates:
            rng = np.random.default_rng(derived_seed(seed, target.utt_id))
            chosen = candidates[int(rng.integers(len(candidates)))]
            references.append(Reference(target.utt_id, chosen.utt_id, chosen.audio_path, OTHER))
        elif target.audio_path:
            references.append(Reference(target.utt_id, target.utt_id, target.audio_path, OWN))
        else:
            raise InputError(manifest, f"no reference audio for utterance {target.utt_id!r}: "
                             f"speaker {target.speaker!r} has no recording in the manifest",
                             "give the test set at least one recording per speaker (for a "
                             "Gutenberg book, set options.audio_dir)")
    return references


def write_references(references: Sequence[Reference], path: Path) -> None:
    """The chosen references as CSV (utt_id, reference_utt_id, audio_path, rule), atomically."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("utt_id", "reference_utt_id", "audio_path", "rule"))
        writer.writerows((r.utt_id, r.reference_utt_id, r.audio_path, r.rule)
                         for r in references)
