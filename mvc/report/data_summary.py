"""What `results/tables` holds until the statistics stage: the data and scores summaries.

The data summary (per dataset: language, speakers, utterances per split, hours) stays as the
paper's data table afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mvc.atomic import atomic_dir, write_text_atomic
from mvc.data.manifest import SPLITS, read_manifest
from mvc.report.metrics_summary import summarize_scores

PENDING_NOTE = """# results/tables

The data stage (corpus -> manifest -> phonemes and features), training and synthesis of MVC
and the scoring stage exist; the baselines and the statistics are not implemented yet, so
the paper's comparison tables do not exist yet. The systems scored are those listed in
`evaluation.systems`: `ground_truth` is each test set's own recordings, `ground_truth_gl`
their log-mels through the systems' vocoder. This directory holds:

- `data_summary.md` / `.csv`: per dataset, its language(s), speakers, utterances per
  split and hours of audio (n/a for text-only sets).
- `scores_summary.md` / `.csv`: per test set, system and metric, the counts scored
  (ok / error / unavailable, so n is visible) and point estimates (corpus WER and CER,
  means otherwise). No confidence intervals yet: they come with the statistics stage.

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


def write_summaries(manifests: Sequence[Path], score_files: Sequence[Path],
                    out_dir: Path) -> None:
    """Write the data and scores summaries (Markdown, CSV) and a README, atomically."""
    tables = {"data_summary": summarize(manifests),
              "scores_summary": summarize_scores(score_files)}
    with atomic_dir(out_dir) as tmp:
        markdown = {}
        for name, table in tables.items():
            table.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
            markdown[name] = table.to_markdown(index=False, floatfmt=".3g", missingval="n/a")
            write_text_atomic(tmp / f"{name}.md", markdown[name] + "\n")
        write_text_atomic(tmp / "README.md", PENDING_NOTE + "\n\n".join(markdown.values()) + "\n")
