"""The data summary table: per dataset, its language, speakers, utterances per split and hours.

It is what `results/tables` holds until the training, synthesis and scoring stages exist,
and stays as the paper's data table afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mvc.atomic import atomic_dir, write_text_atomic
from mvc.data.manifest import SPLITS, read_manifest

PENDING_NOTE = """# results/tables

Only the data stage of the pipeline exists so far: corpus -> manifest -> phonemes and
features. Training, synthesis, scoring and statistics (and so the paper's comparison
tables) are not implemented yet. This directory holds the data summary:

- `data_summary.md` / `data_summary.csv`: per dataset, its language(s), speakers,
  utterances per split and hours of audio (n/a for text-only sets).

"""


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


def write_data_summary(manifests: Sequence[Path], out_dir: Path) -> None:
    """Write the summary as Markdown and CSV with a README into `out_dir`, atomically."""
    table = summarize(manifests)
    markdown = table.to_markdown(index=False, floatfmt=".3g", missingval="n/a")
    with atomic_dir(out_dir) as tmp:
        table.to_csv(tmp / "data_summary.csv", index=False, lineterminator="\n")
        write_text_atomic(tmp / "data_summary.md", markdown + "\n")
        write_text_atomic(tmp / "README.md", PENDING_NOTE + markdown + "\n")
