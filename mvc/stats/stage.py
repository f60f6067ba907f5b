"""The statistics stage's directory (results/stats): the analysis as CSVs, read back by the
tables and plots.

- estimates.csv, comparisons.csv, best.csv, differences.csv: `mvc.stats.analysis`'s tables;
- listener_cmos.csv: CMOS from listener ratings per system (two-way clustered bootstrap),
  only when `statistics.listener_ratings` names a ratings CSV;
- stats.json: the settings used, the notes the tables print, and each CSV's rows and SHA-256
  (`tables`: `mvc.exchange` checks every CSV against them when it is read back).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from mvc.atomic import atomic_dir
from mvc.errors import InputError
from mvc.eval.cmos import read_ratings
from mvc.exchange import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    TEXT,
    Column,
    Layout,
    expected_stamp,
    frame_text,
    read_json,
    read_table,
    write_table,
)
from mvc.stats.analysis import (
    BEST_COLUMNS,
    COMPARISON_COLUMNS,
    DIFFERENCE_COLUMNS,
    ESTIMATE_COLUMNS,
    StatsResult,
)
from mvc.stats.clustered import clustered_bootstrap
from mvc.stats.settings import StatsSettings

TABLES = ("estimates", "comparisons", "best", "differences")
LISTENER_TABLE = "listener_cmos"
LISTENER_COLUMNS = ("system", "reference_system", "cmos", "ci_low", "ci_high", "n_ratings",
                    "n_raters", "n_utterances", "empty_resamples")
RERUN = "rerun the statistics stage (snakemake results/stats, which runs mvc stats)"
_KINDS = {
    # everything else is text; an empty number is NaN (an n/a estimate, an untested pair)
    INTEGER: ("n_rows", "n", "n_pairs", "n_ratings", "n_raters", "n_utterances",
              "empty_resamples"),
    NUMBER: ("estimate", "ci_low", "ci_high", "difference", "p_bootstrap", "p_permutation",
             "p_wilcoxon", "p_holm", "cmos"),
    BOOLEAN: ("significant",),
}
FINITE = {"differences": ("difference",)}  # per-utterance differences of usable scores


def _layout(name: str, columns: tuple[str, ...]) -> Layout:
    kind = {c: k for k, names in _KINDS.items() for c in names}
    return Layout(tuple(Column(c, kind.get(c, TEXT), c in FINITE.get(name, ()))
                        for c in columns), RERUN)


LAYOUTS = {name: _layout(name, columns) for name, columns in (
    ("estimates", ESTIMATE_COLUMNS), ("comparisons", COMPARISON_COLUMNS),
    ("best", BEST_COLUMNS), ("differences", DIFFERENCE_COLUMNS),
    (LISTENER_TABLE, LISTENER_COLUMNS))}


def listener_cmos(path: str | Path, settings: StatsSettings) -> pd.DataFrame:
    """Per system, the mean oriented listener CMOS against the reference with a two-way
    (rater x utterance) clustered bootstrap interval."""
    ratings = read_ratings(path, settings.reference)
    rows = []
    for system, group in ratings.groupby("system", sort=True):
        result = clustered_bootstrap(group["cmos"].to_numpy(float), group["rater"].to_numpy(),
                                     group["utt_id"].to_numpy(), settings.n_resamples,
                                     settings.confidence, settings.seed)
        rows.append({"system": system, "reference_system": settings.reference,
                     "cmos": result.estimate, "ci_low": result.low, "ci_high": result.high,
                     "n_ratings": result.n_ratings, "n_raters": result.n_raters,
                     "n_utterances": result.n_utterances,
                     "empty_resamples": result.empty_resamples})
    return pd.DataFrame(rows, columns=LISTENER_COLUMNS)


def write_stats(result: StatsResult, settings: StatsSettings, listeners: pd.DataFrame | None,
                out_dir: Path) -> None:
    """Write the stage's directory atomically; stats.json records each CSV's rows and SHA-256
    (`tables`), which `read_stats` checks."""
    frames = {name: getattr(result, name) for name in TABLES}
    if listeners is not None:
        frames[LISTENER_TABLE] = listeners
    with atomic_dir(out_dir) as tmp:
        stamps = {f"{name}.csv": write_table(tmp / f"{name}.csv", frame_text(frame)).record()
                  for name, frame in frames.items()}
        (tmp / "stats.json").write_text(json.dumps(
            {"settings": dataclasses.asdict(settings), "notes": result.notes, "tables": stamps},
            indent=2) + "\n", encoding="utf-8")


def read_stats(stats_dir: Path) -> tuple[StatsResult, pd.DataFrame | None]:
    """The stage's tables back, checked against stats.json (`mvc.exchange`), and the
    listener CMOS when there is one."""
    missing = [name for name in (*(f"{t}.csv" for t in TABLES), "stats.json")
               if not (stats_dir / name).is_file()]
    if missing:
        raise InputError(stats_dir, f"not a statistics stage output (missing {missing})",
                         "run the statistics stage first (snakemake results/stats)")
    record = read_json(stats_dir / "stats.json", RERUN)
    stamps = record.get("tables")
    if not isinstance(stamps, dict) or not isinstance(record.get("notes"), list):
        raise InputError(stats_dir / "stats.json", "no `tables` stamps or `notes` list (written "
                         "by an older version, or edited)", RERUN)

    def read(name: str) -> pd.DataFrame:
        expected = expected_stamp(stamps.get(f"{name}.csv", {}), stats_dir / "stats.json", RERUN)
        return read_table(stats_dir / f"{name}.csv", LAYOUTS[name], expected)

    tables = {name: read(name) for name in TABLES}
    listeners = read(LISTENER_TABLE) if f"{LISTENER_TABLE}.csv" in stamps else None
    return StatsResult(notes=record["notes"], **tables), listeners
