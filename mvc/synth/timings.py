"""Per-utterance synthesis timings: the CSV the efficiency statistics are computed from.

Columns (seconds): conditioning_s (text encoder, style encoders, durations, F0/energy),
diffusion_s (style diffusion sampling), decoder_s (mel decoder), vocoder_s (mel to waveform),
total_s (wall time of the whole utterance from token ids to waveform, every sentence of a
long-form text included: at least the sum of the four parts) and audio_s (the output's
duration). The real-time factor of an utterance is total_s / audio_s.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from mvc.atomic import atomic_path


@dataclass(frozen=True)
class Timing:
    """One utterance's timings in seconds."""

    utt_id: str
    conditioning_s: float
    diffusion_s: float
    decoder_s: float
    vocoder_s: float
    total_s: float
    audio_s: float


TIMING_COLUMNS = tuple(f.name for f in fields(Timing))


def write_timings(rows: Sequence[Timing], path: Path) -> None:
    """Write the timings CSV atomically, one row per utterance in the order given."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(TIMING_COLUMNS)
        for row in rows:
            writer.writerow([row.utt_id, *(f"{v:.6f}" for v in astuple(row)[1:])])
