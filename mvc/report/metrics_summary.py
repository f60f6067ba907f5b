"""The scoring summary: per test set, system and metric, what was scored and the headline value.

One long-format row per (test set, system, metric, statistic) with the counts by status, so
n is always visible. Corpus-level rates (WER, CER) are sum(errors) / sum(reference length);
other metrics are plain means over the utterances scored `ok`. These are point estimates
without confidence intervals: the bootstrap statistics come with the statistics stage.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from mvc.eval.wer import corpus_cer, corpus_wer, mean_utterance_wer
from mvc.stats.scores import read_score_table

SUMMARY_COLUMNS = ("testset", "system", "metric", "statistic", "value", "n", "ok", "error",
                   "unavailable", "note")
RECORDS: dict[str, list[tuple[str, Callable[[list[dict]], float]]]] = {
    "wer": [("wer (corpus: sum errors / sum words)", corpus_wer),
            ("cer (corpus: sum errors / sum characters)", corpus_cer),
            ("wer (mean of per-utterance WER)", mean_utterance_wer)],
}
HEADLINE_COLUMNS = {"distillmos": ("mos_proxy",),
                    "dnsmos": ("mos_proxy", "dnsmos_sig", "dnsmos_bak"), "utmos": ("utmos",),
                    "mcd": ("mcd_db",), "f0_rmse": ("f0_rmse_hz", "f0_rmse_cents", "vuv_error"),
                    "speaker_sim": ("speaker_sim",)}


def _statistics(metric: str, ok: pd.DataFrame) -> list[tuple[str, float]]:
    """(statistic, value) pairs for one score table's `ok` rows."""
    if metric in RECORDS:
        records = ok.to_dict("records")
        return [(name, fn(records) if records else math.nan) for name, fn in RECORDS[metric]]
    columns = HEADLINE_COLUMNS.get(metric, ())
    return [(f"{c} (mean)", float(pd.to_numeric(ok[c]).mean()) if len(ok) else math.nan)
            for c in columns if c in ok]


def _undefined(metric: str, ok: pd.DataFrame) -> str:
    """Which headline values are undefined (NaN) on `ok` rows, e.g. F0 RMSE with no frame
    voiced in both signals: the means skip them, and the note says how many."""
    parts = []
    for c in HEADLINE_COLUMNS.get(metric, ()):
        if c in ok:
            missing = int(pd.to_numeric(ok[c]).isna().sum())
            if missing:
                parts.append(f"{c} undefined for {missing} of {len(ok)} ok rows (the mean "
                             "skips them)")
    return "; ".join(parts)


def summarize_scores(score_files: Sequence[Path]) -> pd.DataFrame:
    """Rows for each `results/metrics/{testset}/{system}/{metric}.csv` given, each read
    and checked by `mvc.stats.scores.read_score_table`."""
    rows = []
    for path in score_files:
        score = read_score_table(path)
        testset, system, metric, table = score.testset, score.system, score.metric, score.table
        reasons = score.reasons
        counts = table["status"].value_counts()
        ok = table[table["status"] == "ok"]
        base = {"testset": testset, "system": system, "metric": metric, "n": len(table),
                "ok": int(counts.get("ok", 0)), "error": int(counts.get("error", 0)),
                "unavailable": int(counts.get("unavailable", 0)),
                "note": "; ".join(reasons) if ok.empty and reasons else _undefined(metric, ok)}
        for statistic, value in _statistics(metric, ok):
            rows.append({**base, "statistic": statistic, "value": value})
    return pd.DataFrame.from_records(rows, columns=SUMMARY_COLUMNS)
