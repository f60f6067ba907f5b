"""results/tables: the paper tables (Markdown, LaTeX booktabs, CSV), the efficiency tables,
the data and scores summaries, and the one-page README, written as one directory atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from mvc.atomic import atomic_dir
from mvc.report.data_summary import summarize
from mvc.report.efficiency_table import (
    encoder_table,
    kernel_table,
    longform_table,
    synthesis_table,
    system_efficiency,
    system_table,
)
from mvc.report.metrics_summary import summarize_scores
from mvc.report.paper_tables import build_table, comparisons_table
from mvc.report.render import Table, format_ci, to_latex, to_markdown
from mvc.report.summary import summary_page
from mvc.stats.analysis import StatsResult
from mvc.stats.settings import StatsSettings


def _write(tmp: Path, name: str, table: Table, frame: pd.DataFrame) -> list[str]:
    (tmp / f"{name}.md").write_text(to_markdown(table), encoding="utf-8")
    (tmp / f"{name}.tex").write_text(to_latex(table), encoding="utf-8")
    frame.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
    return [f"{name}.md", f"{name}.tex", f"{name}.csv"]


def _listener_table(listeners: pd.DataFrame, settings: StatsSettings) -> Table:
    rows = [[r["system"], str(r["n_ratings"]), str(r["n_raters"]), str(r["n_utterances"]),
             format_ci(r["cmos"], r["ci_low"], r["ci_high"])] for _, r in listeners.iterrows()]
    return Table(f"CMOS from listener ratings vs {settings.reference}",
                 ["System", "Ratings", "Raters", "Utterances", "CMOS ↑"], rows,
                 notes=[f"{settings.confidence:.0%} percentile interval of a two-way (rater x "
                        "utterance) clustered bootstrap; positive: the system was preferred."])


def write_tables(result: StatsResult, listeners: pd.DataFrame | None, settings: StatsSettings,
                 systems: Sequence[str], manifests: Sequence[Path], scores: Sequence[Path],
                 timings: Mapping[str, pd.DataFrame], params: Mapping[str, Mapping[str, int]],
                 bench: pd.DataFrame | None,
                 bench_length: int, embedded: Sequence[str], plots: Sequence[str],
                 out_dir: Path,
                 benchmarks: Mapping[str, pd.DataFrame | None] | None = None) -> None:
    """Write every table and the README into `out_dir`, replacing it whole. `benchmarks`:
    results/bench CSVs by name (encoders, synth, synth_longform), each tabulated when given."""
    with atomic_dir(out_dir) as tmp:
        written = []
        for spec in settings.tables:
            table, frame = build_table(spec, result.estimates, result.best, systems, settings,
                                       result.notes, result.comparisons)
            written += _write(tmp, spec.name, table, frame)
        synthesized = [s for s in systems if s not in settings.not_compared]
        efficiency = system_efficiency(timings, params, synthesized, settings)
        written += _write(tmp, "efficiency_systems", system_table(efficiency, settings),
                          efficiency)
        kernels, kernel_rows = kernel_table(bench, bench_length)
        written += _write(tmp, "efficiency_kernels", kernels, kernel_rows)
        benchmarks = benchmarks or {}
        for name, build in (("encoders", encoder_table), ("synth", synthesis_table),
                            ("synth_longform", longform_table)):
            if benchmarks.get(name) is not None:
                table, frame = build(benchmarks[name])
                written += _write(tmp, f"efficiency_{name}", table, frame)
        if listeners is not None:
            written += _write(tmp, "listener_cmos", _listener_table(listeners, settings),
                              listeners)
        written += _write(tmp, "comparisons", comparisons_table(result.comparisons, settings),
                          result.comparisons)
        data = summarize(manifests)
        data.to_csv(tmp / "data_summary.csv", index=False, lineterminator="\n")
        data_md = data.to_markdown(index=False, floatfmt=".3g", missingval="n/a")
        (tmp / "data_summary.md").write_text(data_md + "\n", encoding="utf-8")
        summarize_scores(scores).to_csv(tmp / "scores_summary.csv", index=False,
                                        lineterminator="\n")
        written += ["data_summary.md", "data_summary.csv", "scores_summary.csv"]
        (tmp / "README.md").write_text(
            summary_page(result, settings, systems, embedded, written, plots, data_md),
            encoding="utf-8")
