"""Per-utterance score tables as the statistics see them: usable utterances per headline column.

A score table is `results/metrics/{testset}/{system}/{metric}.csv` (one row per utterance,
`status` ok / error / unavailable) with its `.json` sidecar. For one headline column the
usable utterances are the rows scored `ok` whose value is finite; each is a ratio term
(numerator, denominator): (value, 1) for a mean, (S + D + I, reference words) for corpus
WER (`mvc.eval.wer`'s count columns). Rows left out are counted, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mvc.errors import InputError
from mvc.eval.wer import CHAR_COUNT_COLUMNS, WORD_COUNT_COLUMNS
from mvc.exchange import STATUS, TEXT, Column, Layout, expected_stamp, read_json, read_table
from mvc.stats.settings import ColumnSpec

OK_STATUS = "ok"
COUNT_COLUMNS = {"corpus_wer": WORD_COUNT_COLUMNS, "corpus_cer": CHAR_COUNT_COLUMNS}


@dataclass(frozen=True)
class ScoreTable:
    """One (test set, system, metric) score table and its sidecar's unavailable reasons."""

    testset: str
    system: str
    metric: str
    table: pd.DataFrame
    reasons: tuple[str, ...] = ()


def score_layout(path: Path, sidecar: dict) -> Layout:
    """The columns a score table must have: the fixed ones, the sidecar's metric columns
    (of the kinds it records), and any the header adds after them, read as text."""
    kinds = sidecar.get("column_kinds", {})
    metric_columns = sidecar.get("columns")
    if not isinstance(metric_columns, list) or not isinstance(kinds, dict):
        raise InputError(path.with_suffix(".json"), "no list of the table's columns",
                         rescore_fix(path))
    return Layout((*(Column(c) for c in ("utt_id", "speaker", "language")),
                   Column("status", STATUS),
                   *(Column(c, kinds.get(c, TEXT)) for c in metric_columns), Column("error"),
                   Column("warning")),
                  rescore_fix(path), rows_required=True, key="utt_id", extra_columns=True)


def rescore_fix(path: Path) -> str:
    return f"rescore it: rerun `snakemake {path}` (mvc score writes it and its sidecar)"


def read_score_table(path: str | Path) -> ScoreTable:
    """Read `.../{testset}/{system}/{metric}.csv`, checked against its sidecar
    (`mvc.exchange`: the rows and SHA-256 written, the columns, unique utt_ids)."""
    path = Path(path)
    if len(path.parts) < 3:
        raise InputError(path, "not a results/metrics/{testset}/{system}/{metric}.csv path",
                         "pass the score tables the score rule writes")
    sidecar = read_json(path.with_suffix(".json"), rescore_fix(path))
    expected = expected_stamp(sidecar, path.with_suffix(".json"), rescore_fix(path))
    table = read_table(path, score_layout(path, sidecar), expected)
    reasons = tuple(sidecar.get("unavailable_reasons", ()))
    return ScoreTable(path.parts[-3], path.parts[-2], path.stem, table, reasons)


@dataclass(frozen=True)
class Units:
    """The usable utterances of one system for one column, in the score table's order."""

    utt_ids: np.ndarray
    num: np.ndarray
    den: np.ndarray
    value: np.ndarray
    n_rows: int
    note: str

    def select(self, utt_ids: np.ndarray) -> Units:
        """These units restricted to `utt_ids`, in that order (all must be present)."""
        position = pd.Index(self.utt_ids).get_indexer(utt_ids)
        if (position < 0).any():
            raise ValueError("select: some utterances are not among the units")
        return Units(utt_ids, self.num[position], self.den[position], self.value[position],
                     self.n_rows, self.note)


def units(score: ScoreTable, spec: ColumnSpec) -> Units:
    """The usable utterances of a score table for `spec`, with a note on what was left out."""
    table = score.table
    where = f"results/metrics/{score.testset}/{score.system}/{score.metric}.csv"
    needed = [spec.column, *COUNT_COLUMNS.get(spec.estimator, ())]
    ok = table["status"].astype(str) == OK_STATUS
    missing = [c for c in needed if c not in table.columns]
    if missing and ok.any():
        raise InputError(where, f"no column(s) {missing} for {spec.key}",
                         "fix statistics.columns in the config or rescore the metric")
    if missing:
        numeric = pd.DataFrame(np.nan, index=table.index, columns=needed)
    else:
        numeric = table[needed].apply(pd.to_numeric, errors="coerce")
    usable = ok & np.isfinite(numeric).all(axis=1)
    value = numeric[spec.column].to_numpy(dtype=np.float64)
    if spec.estimator == "mean":
        num, den = value, np.ones_like(value)
    else:
        s, d, i, _, length = COUNT_COLUMNS[spec.estimator]
        num = (numeric[s] + numeric[d] + numeric[i]).to_numpy(dtype=np.float64)
        den = numeric[length].to_numpy(dtype=np.float64)
    notes = []
    status = table["status"].astype(str)
    for name in ("error", "unavailable"):
        count = int((status == name).sum())
        if count:
            notes.append(f"{count} {name}")
    no_value = int((ok & ~usable).sum())
    if no_value:
        notes.append(f"{no_value} scored without a finite {spec.column}")
    if not usable.any() and score.reasons:
        notes.extend(score.reasons)
    keep = usable.to_numpy()
    return Units(table["utt_id"].to_numpy(dtype=str)[keep], num[keep], den[keep], value[keep],
                 len(table), "; ".join(notes))
