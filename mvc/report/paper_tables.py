"""The paper's comparison tables from the statistics stage's estimates and best marks.

One table per `statistics.tables` entry: a row per (test set, system) with the number of
utterances scored (n), a column per headline metric with its direction in the header, each
cell `estimate [95% CI]`; a cell computed on fewer utterances than the row's n says so.
The best compared system of a column is bold only where it beats every other compared
system significantly after Holm. `–` marks a metric not scored for that system (e.g. a
metric against the reference recording for the ground truth itself); `n/a` one scored but
without a value (the notes say why).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from mvc.report.render import Table, format_ci
from mvc.stats.paired_tests import smallest_holm_p
from mvc.stats.settings import StatsSettings, TableSpec

NOT_SCORED = "–"
CSV_COLUMNS = ("table", "testset", "system", "n", "column", "label", "direction", "estimate",
               "ci_low", "ci_high", "cell_n", "best_significant", "cell", "note")


CORPUS_RATE_NOTE = ("WER and CER are corpus rates: the sum of errors over the sum of "
                    "reference words (characters). A transcript the judge flagged as "
                    "hallucinated (text for non-speech; the score tables' hallucination "
                    "column) is scored as empty, i.e. every reference word deleted (WER 1 for "
                    "that utterance).")


def _reach_note(comparisons: pd.DataFrame, settings: StatsSettings) -> str:
    """The smallest adjusted p this table's design can reach, and whether that can be
    significant at all: a design too small to decide says so."""
    n_pairs = [int(n) for n in comparisons["n_pairs"]]
    reach = smallest_holm_p(n_pairs, settings.test, settings.n_resamples)
    text = (f"The smallest adjusted p this design can reach is {reach:.2g} ({settings.test} "
            f"test, {settings.n_resamples} resamples, {min(n_pairs)}-{max(n_pairs)} pairs)")
    if not reach < settings.alpha:
        return text + f": no difference in this table can be significant at {settings.alpha:.2g}."
    return text + "."


def _method_note(settings: StatsSettings) -> str:
    method = {"bca": "BCa", "percentile": "percentile"}[settings.method]
    return (f"Cells: estimate [{settings.confidence:.0%} {method} bootstrap CI, "
            f"{settings.n_resamples} resamples, seed {settings.seed}]; n: utterances of the "
            "test set scored (a cell resting on fewer says so). "
            f"Bold: best, significantly better than every other system after Holm "
            f"(p < {settings.alpha:.2g}, {settings.test} test). {NOT_SCORED}: not scored.")


def _cmos_cell(comparisons: pd.DataFrame, testset: str, system: str,
               settings: StatsSettings) -> tuple[str, dict]:
    """The CMOS-proxy cell: the paired `cmos_from` difference of `system` to the reference."""
    if system == settings.reference:
        return "0 (reference)", {"estimate": 0.0}
    match = comparisons[(comparisons["testset"] == testset) & (comparisons["system"] == system)
                        & (comparisons["other"] == settings.reference)
                        & (comparisons["column"] == settings.cmos_from)]
    if match.empty:
        return NOT_SCORED, {"note": f"no paired comparison with {settings.reference}"}
    r = match.iloc[0]
    text = format_ci(r["difference"], r["ci_low"], r["ci_high"]) + f" (n={r['n_pairs']})"
    return text, {"estimate": r["difference"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                  "cell_n": int(r["n_pairs"]), "best_significant": False}


def build_table(spec: TableSpec, estimates: pd.DataFrame, best: pd.DataFrame,
                systems: Sequence[str], settings: StatsSettings, notes: Sequence[str],
                comparisons: pd.DataFrame | None = None) -> tuple[Table, pd.DataFrame]:
    """The rendered-table model and its long CSV form (one row per cell). `comparisons`
    gives the Holm family's size and, with `cmos_from` set, the CMOS-proxy column."""
    comparisons = (comparisons[comparisons["table"] == spec.name] if comparisons is not None
                   else pd.DataFrame(columns=["table", "testset", "system", "other", "column"]))
    columns = settings.columns
    header = ["Test set", "System", "n", *[f"{c.label} {c.arrow}" for c in columns]]
    cmos_label = f"CMOS-proxy vs {settings.reference}"
    if settings.cmos_from:
        header.append(f"{cmos_label} ↑")
    rows, bold, records, cell_notes = [], set(), [], []
    for testset in spec.testsets:
        here = estimates[estimates["testset"] == testset]
        for system in [s for s in systems if s in set(here["system"])]:
            mine = here[here["system"] == system].set_index("column")
            n_row = int(mine["n_rows"].max())
            row = [testset, system, str(n_row)]
            for c in columns:
                if c.key not in mine.index:
                    row.append(NOT_SCORED)
                    records.append({"table": spec.name, "testset": testset, "system": system,
                                    "n": n_row, "column": c.key, "label": c.label,
                                    "direction": c.direction, "cell": NOT_SCORED,
                                    "note": "not scored"})
                    continue
                cell = mine.loc[c.key]
                text = format_ci(cell["estimate"], cell["ci_low"], cell["ci_high"])
                if not math.isfinite(cell["estimate"]):
                    cell_notes.append(f"{testset} / {system} / {c.label}: n/a ({cell['note']})")
                elif int(cell["n"]) < n_row:
                    text += f" (n={int(cell['n'])})"
                marked = best[(best["table"] == spec.name) & (best["testset"] == testset)
                              & (best["column"] == c.key) & (best["system"] == system)]
                significant = bool(len(marked) and marked["significant"].iloc[0])
                if significant:
                    bold.add((len(rows), len(row)))
                row.append(text)
                records.append({"table": spec.name, "testset": testset, "system": system,
                                "n": n_row, "column": c.key, "label": c.label,
                                "direction": c.direction, "estimate": cell["estimate"],
                                "ci_low": cell["ci_low"], "ci_high": cell["ci_high"],
                                "cell_n": int(cell["n"]), "best_significant": significant,
                                "cell": text, "note": cell["note"]})
            if settings.cmos_from:
                text, values = _cmos_cell(comparisons, testset, system, settings)
                row.append(text)
                records.append({"table": spec.name, "testset": testset, "system": system,
                                "n": n_row, "column": f"cmos.{settings.cmos_from}",
                                "label": cmos_label, "direction": "higher", "cell": text,
                                "note": "", **values})
            rows.append(row)
    missing = [t for t in spec.testsets if t not in set(estimates["testset"])]
    table_notes = [_method_note(settings), *notes, *cell_notes]
    if any(c.estimator != "mean" for c in columns):
        table_notes.insert(1, CORPUS_RATE_NOTE)
    if settings.cmos_from:
        table_notes.insert(1, f"{cmos_label}: the paired difference of {settings.cmos_from} "
                              f"(system minus {settings.reference}) on the utterances both "
                              "have, with its bootstrap CI; positive: the system scores higher.")
    if len(comparisons):
        table_notes.insert(1, f"Holm family: the {len(comparisons)} paired comparisons of this "
                              "table (every pair of compared systems x test set x column; "
                              "comparisons.md). " + _reach_note(comparisons, settings))
    if missing:
        table_notes.append(f"No scores for test set(s) {', '.join(missing)}.")
    frame = pd.DataFrame(records, columns=CSV_COLUMNS)
    frame["cell_n"] = frame["cell_n"].astype("Int64")
    return Table(spec.title, header, rows, bold, table_notes, left=2), frame


def comparisons_table(comparisons: pd.DataFrame, settings: StatsSettings) -> Table:
    """Every paired comparison: difference with its interval, the three p-values, Holm."""
    def p(value: float) -> str:
        return "n/a" if not math.isfinite(value) else (f"{value:.2g}" if value >= 1e-3
                                                       else f"{value:.1e}")

    rows = [[r["table"], r["testset"], f"{r['label']} {'↓' if r['direction'] == 'lower' else '↑'}",
             f"{r['system']} − {r['other']}", str(r["n_pairs"]),
             format_ci(r["difference"], r["ci_low"], r["ci_high"]), p(r["p_bootstrap"]),
             p(r["p_permutation"]), p(r["p_wilcoxon"]), p(r["p_holm"]),
             "yes" if r["significant"] else "no"] for _, r in comparisons.iterrows()]
    notes = [f"Paired on the utterances both systems have (n pairs); difference with its "
             f"{settings.confidence:.0%} {settings.method} bootstrap CI; two-sided p-values; "
             f"Holm over each table's comparisons, of the {settings.test} p-value; "
             f"significant: Holm p < {settings.alpha:.2g}."]
    if comparisons.empty:
        notes.append("No comparisons: they need at least 2 compared systems with scores.")
    return Table("Paired comparisons", ["Table", "Test set", "Column", "Difference", "n pairs",
                                        "Estimate [CI]", "p boot", "p perm", "p Wilcoxon",
                                        "p Holm", "Significant"], rows, notes=notes, left=4)
