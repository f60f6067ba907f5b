"""The statistics stage's speed: systems x headline columns x utterances x resamples.

Synthetic score tables (every column of the configured headline columns, corpus WER/CER
from per-utterance error counts) for `systems` systems on one test set of `utterances`
utterances are analysed as the stats rule analyses real ones: per-system intervals, every
pairwise paired difference with its interval, bootstrap, sign-flip and Wilcoxon p-values,
Holm. The bootstrap of the per-system means alone is timed too. Target (issue 6): 4 systems
x the default config's 7 headline columns x 1,000 utterances x 10,000 resamples in under 10 s.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mvc.atomic import write_csv_atomic
from mvc.stats.analysis import analyze
from mvc.stats.bootstrap import Ratios, bootstrap
from mvc.stats.scores import ScoreTable, units
from mvc.stats.settings import StatsSettings, TableSpec

COLUMNS = ("stage", "systems", "columns", "utterances", "n_resamples", "statistics",
           "seconds", "load_1min", "cpus")
TESTSET = "bench"


@dataclass(frozen=True)
class StatsBench:
    """Problem size and the statistics settings (resamples, method) to time."""

    settings: StatsSettings
    systems: int = 4
    utterances: int = 1000
    seed: int = 0


def synthetic_scores(systems: list[str], utterances: int, seed: int) -> list[ScoreTable]:
    """Plausible per-utterance tables of wer, distillmos, dnsmos, mcd, f0_rmse and
    speaker_sim."""
    rng = np.random.default_rng(seed)
    ids = [f"u{i:05d}" for i in range(utterances)]
    words = rng.integers(3, 26, utterances)
    chars = words * 6
    tables = []
    for k, system in enumerate(systems):
        base = {"utt_id": ids, "speaker": "s", "language": "en-us", "status": "ok"}
        errors = rng.binomial(words, 0.05 + 0.01 * k)
        char_errors = rng.binomial(chars, 0.03 + 0.005 * k)
        by_metric = {
            "wer": {"substitutions": errors, "deletions": 0, "insertions": 0,
                    "hits": words - errors, "reference_words": words, "wer": errors / words,
                    "char_substitutions": char_errors, "char_deletions": 0,
                    "char_insertions": 0, "char_hits": chars - char_errors,
                    "reference_chars": chars, "cer": char_errors / chars},
            "distillmos": {"mos_proxy": rng.normal(3.4 - 0.05 * k, 0.4, utterances)},
            "dnsmos": {"mos_proxy": rng.normal(3.2 - 0.05 * k, 0.3, utterances)},
            "mcd": {"mcd_db": rng.gamma(20.0, 0.3 + 0.01 * k, utterances)},
            "f0_rmse": {"f0_rmse_hz": rng.gamma(4.0, 5.0 + k, utterances)},
            "speaker_sim": {"speaker_sim": np.clip(rng.normal(0.8, 0.05, utterances), -1, 1)},
        }
        for metric, columns in by_metric.items():
            tables.append(ScoreTable(TESTSET, system, metric,
                                     pd.DataFrame({**base, **columns})))
    return tables


def run_stats_bench(bench: StatsBench) -> list[dict[str, Any]]:
    """Time the per-system bootstrap alone, then the whole analysis, on the same tables."""
    systems = [f"system{k}" for k in range(bench.systems)]
    settings = replace(bench.settings, reference=systems[0], not_compared=[],
                       tables=[TableSpec("bench", "bench", [TESTSET])])
    scores = synthetic_scores(systems, bench.utterances, bench.seed)
    found = [units(score, spec) for score in scores for spec in settings.columns
             if spec.metric == score.metric]
    stacked = Ratios(np.column_stack([u.num for u in found]),
                     np.column_stack([u.den for u in found]), np.eye(len(found)))
    common = {"systems": bench.systems, "columns": len(settings.columns),
              "utterances": bench.utterances, "n_resamples": settings.n_resamples,
              "cpus": os.cpu_count()}
    rows = []
    start = time.perf_counter()
    bootstrap(stacked, settings.n_resamples, settings.confidence, settings.method, settings.seed)
    rows.append({"stage": f"bootstrap {settings.method} of the per-system statistics",
                 "statistics": len(found), "seconds": round(time.perf_counter() - start, 3),
                 "load_1min": round(os.getloadavg()[0], 2), **common})
    start = time.perf_counter()
    result = analyze(scores, systems, settings)
    rows.append({"stage": "whole analysis (intervals, pairwise differences, 3 tests, Holm)",
                 "statistics": len(result.estimates) + len(result.comparisons),
                 "seconds": round(time.perf_counter() - start, 3),
                 "load_1min": round(os.getloadavg()[0], 2), **common})
    return rows


def write_stats_bench(rows: list[dict[str, Any]], out: Path) -> str:
    """Write the rows as CSV (atomically) and return them as a Markdown table."""
    write_csv_atomic(out, COLUMNS, rows)
    return pd.DataFrame(rows, columns=COLUMNS).to_markdown(index=False)
