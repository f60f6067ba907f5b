"""results/ablations/table: one row per ablation variant (configs/ablations.tsv), per test set
and headline metric: the estimate with its bootstrap interval and n, and the paired
difference to the reference row with its interval, n pairs and p-values, Holm-corrected
across every comparison of the table (mvc.stats.analysis, comparing each variant with the
reference alone). Written as CSV (long: one line per variant, test set and metric) and
Markdown (one section per test set and metric), atomically as one directory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mvc.ablations.sweep import PARAM_SEP, Sweep
from mvc.atomic import atomic_dir
from mvc.errors import InputError
from mvc.report.render import Table, format_ci, to_markdown
from mvc.stats.analysis import analyze
from mvc.stats.scores import ScoreTable, read_score_table
from mvc.stats.settings import StatsSettings, TableSpec

FAMILY = "ablations"  # the one Holm family: every variant-vs-reference comparison
STAT_COLUMNS = ("variant", "is_reference", "testset", "metric", "column", "label", "direction",
                "estimator", "n_rows", "n", "estimate", "ci_low", "ci_high", "note", "n_pairs",
                "difference", "difference_ci_low", "difference_ci_high", "p_bootstrap",
                "p_permutation", "p_wilcoxon", "test", "p_holm", "significant")


def row_cells(path: Path, sweep: Sweep) -> dict[str, str]:
    """The variant a score file belongs to, from the `knob~value` parts of its path."""
    cells = {}
    for part in path.parts:
        name, sep, value = part.partition(PARAM_SEP)
        if sep and name in sweep.settings.columns:
            cells[name] = value
    if cells not in sweep.rows():
        raise InputError(path, f"not a score file of a variant of {sweep.settings.tsv} "
                         f"(its path says {cells})", "pass the score files the ablation rules "
                         "write (results/ablations/KNOB~VALUE/.../metrics/TESTSET/METRIC.csv)")
    return cells


def read_ablation_scores(paths: Sequence[Path], sweep: Sweep) -> list[ScoreTable]:
    """Score tables named by variant (its label) and test set (the file's folder); every
    variant must have the same test sets and metrics, so no comparison silently lacks one."""
    scores, found = [], {}
    for path in map(Path, paths):
        label = sweep.label(row_cells(path, sweep))
        score = dataclasses.replace(read_score_table(path), testset=path.parent.name,
                                    system=label)
        scores.append(score)
        found.setdefault(label, set()).add((score.testset, score.metric))
    expected = set().union(*found.values()) if found else set()
    for cells in sweep.rows():
        label = sweep.label(cells)
        lacking = sorted(expected - found.get(label, set()))
        if lacking:
            raise InputError("--scores", f"variant {label!r} has no scores for {lacking} "
                             "(test set, metric)", "score it too (snakemake "
                             "results/ablations/table plans every variant's score files)")
    return scores


def table_settings(statistics: StatsSettings, sweep: Sweep) -> StatsSettings:
    """The statistics settings for the ablation table: the reference row as reference,
    every variant compared, the headline columns of `ablations.metrics`, one family."""
    specs = {spec.key: spec for spec in statistics.columns}
    unknown = [key for key in sweep.settings.metrics if key not in specs]
    if unknown:
        raise InputError("ablations.metrics", f"{unknown} are not headline columns",
                         f"use metric.column keys of statistics.columns ({sorted(specs)})")
    reference = sweep.label(sweep.rows()[sweep.reference_row])
    return dataclasses.replace(
        statistics, reference=reference, not_compared=[], cmos_from=None, listener_ratings=None,
        columns=[specs[key] for key in sweep.settings.metrics],
        tables=[TableSpec(FAMILY, "Ablations", list(sweep.settings.testsets))])


def ablation_frame(scores: Sequence[ScoreTable], sweep: Sweep,
                   statistics: StatsSettings) -> pd.DataFrame:
    """The long table: knobs, variant, test set, metric, estimate, CI, n, and the paired
    difference to the reference with its CI, n pairs and p-values (raw and Holm)."""
    settings = table_settings(statistics, sweep)
    rows = sweep.rows()
    labels = [sweep.label(cells) for cells in rows]
    result = analyze(scores, labels, settings, reference_only=True)
    compared = result.comparisons.set_index(["testset", "column", "system"])
    lines = []
    for _, estimate in result.estimates.iterrows():
        index = labels.index(estimate["system"])
        key = (estimate["testset"], estimate["column"], estimate["system"])
        line = {**rows[index], "variant": estimate["system"],
                "is_reference": index == sweep.reference_row,
                **{c: estimate[c] for c in ("testset", "metric", "column", "label", "direction",
                                            "estimator", "n_rows", "n", "estimate", "ci_low",
                                            "ci_high", "note")}}
        if key in compared.index:
            pair = compared.loc[key]
            line.update({"n_pairs": pair["n_pairs"], "difference": pair["difference"],
                         "difference_ci_low": pair["ci_low"],
                         "difference_ci_high": pair["ci_high"],
                         **{c: pair[c] for c in ("p_bootstrap", "p_permutation", "p_wilcoxon",
                                                 "test", "p_holm", "significant")}})
        lines.append(line)
    frame = pd.DataFrame(lines, columns=[*sweep.frame.columns, *STAT_COLUMNS])
    frame["n_pairs"] = frame["n_pairs"].astype("Int64")  # empty for the reference row
    order = {label: i for i, label in enumerate(labels)}
    testsets = {name: i for i, name in enumerate(settings.tables[0].testsets)}
    columns = {spec.key: i for i, spec in enumerate(settings.columns)}
    frame["_order"] = [(testsets.get(t, len(testsets)), columns[c], order[v]) for t, c, v
                       in zip(frame["testset"], frame["column"], frame["variant"], strict=True)]
    return frame.sort_values("_order").drop(columns="_order").reset_index(drop=True)


def _p(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:.3g}"


def markdown_tables(frame: pd.DataFrame, sweep: Sweep, statistics: StatsSettings) -> str:
    """One Markdown table per (test set, metric): a line per variant."""
    settings = table_settings(statistics, sweep)
    knobs = list(sweep.frame.columns)
    method = {"bca": "BCa", "percentile": "percentile"}[settings.method]
    family = int(frame["p_holm"].notna().sum())
    parts = [
        f"# Ablations of {sweep.settings.system} ({sweep.settings.tsv})", "",
        f"Estimates and differences: {settings.confidence:.0%} {method} bootstrap intervals "
        f"({settings.n_resamples} resamples, seed {settings.seed}); n: utterances with a "
        "usable score (of n rows scored); Δ: the variant minus the reference row on the "
        f"utterances both have (n pairs); p: the {settings.test} test, Holm-corrected across "
        f"all {family} comparisons of this table; bold: p (Holm) < {settings.alpha:.2g}.", ""]
    for (testset, column), cells in frame.groupby(["testset", "column"], sort=False):
        spec = next(s for s in settings.columns if s.key == column)
        rows, bold, notes = [], set(), []
        for i, (_, r) in enumerate(cells.iterrows()):
            if r["is_reference"]:
                delta, p_holm = "reference", ""
            elif pd.isna(r["n_pairs"]):
                delta, p_holm = "n/a", "n/a"
            else:
                delta = (format_ci(r["difference"], r["difference_ci_low"],
                                   r["difference_ci_high"]) + f" (n pairs={int(r['n_pairs'])})")
                p_holm = _p(r["p_holm"])
                if bool(r["significant"]):
                    bold.add((i, len(knobs) + 3))
            rows.append([r["variant"], *[str(r[k]) for k in knobs],
                         f"{int(r['n'])} of {int(r['n_rows'])}",
                         format_ci(r["estimate"], r["ci_low"], r["ci_high"]), delta, p_holm])
            if r["note"]:
                notes.append(f"{r['variant']}: {r['note']}")
        table = Table(f"{testset}: {spec.label} {spec.arrow}",
                      ["Variant", *knobs, "n", "Estimate [CI]", "Δ vs reference [CI]",
                       "p (Holm)"], rows, bold, notes, left=1 + len(knobs))
        parts.append(to_markdown(table))
    return "\n".join(parts)


def write_ablation_table(scores: Sequence[ScoreTable], sweep: Sweep,
                         statistics: StatsSettings, out_dir: Path) -> pd.DataFrame:
    """Write ablations.csv and ablations.md into `out_dir`, replacing it whole."""
    frame = ablation_frame(scores, sweep, statistics)
    with atomic_dir(out_dir) as tmp:
        frame.to_csv(tmp / "ablations.csv", index=False, lineterminator="\n")
        (tmp / "ablations.md").write_text(markdown_tables(frame, sweep, statistics),
                                          encoding="utf-8")
    return frame
