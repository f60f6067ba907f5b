"""The data summary: per dataset, language(s), speakers, utterances per split and hours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mvc.data.manifest import SPLITS, read_manifest


def summarize(manifests: Sequence[Path]) -> pd.DataFrame:
    """One row per manifest: counts by split, speakers, languages, hours, mean duration."""
    records = []
    for path in manifests:
        rows = read_manifest(path)
        durations = [r.duration_s for r in rows if r.audio_path]
        record = {
            "dataset": Path(path).stem,
            "languages": " ".join(sorted({r.language for r in rows})),
            "speakers": len({r.speaker for r in rows}),
            "utterances": len(rows),
        }
        record.update({split: sum(r.split == split for r in rows) for split in SPLITS})
        record["hours"] = round(sum(durations) / 3600, 3) if durations else math.nan
        record["mean_duration_s"] = (round(sum(durations) / len(durations), 2)
                                     if durations else math.nan)
        records.append(record)
    return pd.DataFrame.from_records(records)
