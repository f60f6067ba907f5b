"""The `ground_truth` pseudo-system: a test set's own recordings, laid out as a system's output.

Scoring the recordings themselves gives the floor every system is compared with (their WER
through the same ASR, their MOS-proxy), as DESIGN.md asks beside every system's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from mvc.atomic import atomic_dir
from mvc.audio import load, save
from mvc.data.manifest import Utterance
from mvc.errors import InputError


def export_ground_truth(rows: Sequence[Utterance], out_dir: Path) -> None:
    """Write each row's recording as `{utt_id}.wav` (16-bit PCM, its own rate) into `out_dir`."""
    with atomic_dir(out_dir) as tmp:
        for row in tqdm(rows, desc="ground truth", unit="utt"):
            if not row.audio_path:
                raise InputError(f"utterance {row.utt_id!r}", "has no recording",
                                 "a text-only test set has no ground truth; leave it out of "
                                 "the ground_truth system's test sets")
            audio, sample_rate = load(row.audio_path)
            save(tmp / f"{row.utt_id}.wav", audio, sample_rate)
