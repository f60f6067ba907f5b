"""The statistics stage's directory (results/stats): the analysis as CSVs, read back by the
tables and plots.

- estimates.csv, comparisons.csv, best.csv, differences.csv: `mvc.stats.analysis`'s tables;
- listener_cmos.csv: CMOS from listener ratings per system (two-way clustered bootstrap),
  only when `statistics.listener_ratings` names a ratings CSV;
- stats.json: the settings used and the notes the tables print.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pandas as pd

from mvc.atomic import atomic_dir
from mvc.errors import InputError
from mvc.eval.cmos import read_ratings
from mvc.stats.analysis import StatsResult
from mvc.stats.clustered import clustered_bootstrap
from mvc.stats.settings import StatsSettings

TABLES = ("estimates", "comparisons", "best", "differences")
LISTENER_COLUMNS = ("system", "reference_system", "cmos", "ci_low", "ci_high", "n_ratings",
                    "n_raters", "n_utterances", "empty_resamples")


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
    """Write the stage's directory atomically."""
    with atomic_dir(out_dir) as tmp:
        for name in TABLES:
            getattr(result, name).to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        if listeners is not None:
            listeners.to_csv(tmp / "listener_cmos.csv", index=False, lineterminator="\n")
        (tmp / "stats.json").write_text(json.dumps(
            {"settings": dataclasses.asdict(settings), "notes": result.notes}, indent=2) + "\n")


def read_stats(stats_dir: Path) -> tuple[StatsResult, pd.DataFrame | None]:
    """The stage's tables back, and the listener CMOS when there is one."""
    missing = [name for name in (*(f"{t}.csv" for t in TABLES), "stats.json")
               if not (stats_dir / name).is_file()]
    if missing:
        raise InputError(stats_dir, f"not a statistics stage output (missing {missing})",
                         "run the statistics stage first (snakemake results/stats)")
    tables = {name: pd.read_csv(stats_dir / f"{name}.csv", keep_default_na=False,
                                na_values=[""]) for name in TABLES}
    for name in ("estimates", "comparisons"):
        if "note" in tables[name].columns:
            tables[name]["note"] = tables[name]["note"].fillna("")
    notes = json.loads((stats_dir / "stats.json").read_text())["notes"]
    listener_path = stats_dir / "listener_cmos.csv"
    listeners = pd.read_csv(listener_path) if listener_path.is_file() else None
    return StatsResult(notes=notes, **tables), listeners
