"""The one-page summary (results/tables/README.md): the headline comparison in words generated
from the numbers, a caveat banner when the data is the embedded corpus (synthetic speech), and an
index of the tables and plots.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from mvc.report.render import format_ci
from mvc.stats.analysis import StatsResult
from mvc.stats.settings import StatsSettings

CAVEAT = ("> **Caveat: embedded corpus.** The test sets {names} are the embedded mini corpus "
          "synthesized on this machine (flite's CMU ARCTIC voices for English, espeak-ng for "
          "Spanish, German and French: the config's `embedded` section), not the real corpora. "
          "These numbers check the pipeline end to end; they say nothing about the systems' "
          "quality on real speech. Use configs/paper.yaml for paper numbers.")


def _verdict(row: pd.Series) -> str:
    if not row["significant"]:
        return "not significantly different"
    better = (row["difference"] < 0) == (row["direction"] == "lower")
    return "significantly better" if better else "significantly worse"


def comparison_sentences(result: StatsResult, settings: StatsSettings) -> list[str]:
    """Per table and system: against the reference, on which metrics it is better or worse."""
    versus = result.comparisons[result.comparisons["other"] == settings.reference]
    sentences = []
    titles = {t.name: t.title for t in settings.tables}
    for (table, system), rows in versus.groupby(["table", "system"], sort=False):
        verdicts = {"significantly better": [], "significantly worse": [],
                    "not significantly different": []}
        for _, row in rows.iterrows():
            verdicts[_verdict(row)].append(f"{row['label']} on {row['testset']} "
                                           f"({row['difference']:+.3g})")
        parts = [f"{word} on {len(items)} ({'; '.join(items)})" if items else f"{word} on 0"
                 for word, items in verdicts.items()]
        sentences.append(f"{titles.get(table, table)}: {system} vs {settings.reference}, "
                         f"of {len(rows)} comparisons (Holm, {settings.test} test): "
                         + ", ".join(parts) + ".")
    return sentences


def estimate_sentences(result: StatsResult, settings: StatsSettings,
                       systems: Sequence[str]) -> list[str]:
    """Per table and scored system, its estimates in words (used when nothing is compared)."""
    sentences = []
    for table in settings.tables:
        here = result.estimates[result.estimates["testset"].isin(table.testsets)
                                & result.estimates["estimate"].notna()]
        for system in [s for s in systems if s in set(here["system"])]:
            mine = here[here["system"] == system]
            cells = [f"{r['label']} {format_ci(r['estimate'], r['ci_low'], r['ci_high'])} "
                     f"on {r['testset']} (n={r['n']})" for _, r in mine.iterrows()]
            sentences.append(f"{table.title}: {system} has " + "; ".join(cells) + ".")
    return sentences


def summary_page(result: StatsResult, settings: StatsSettings, systems: Sequence[str],
                 embedded: Sequence[str], tables: Sequence[str], plots: Sequence[str],
                 data_summary: str) -> str:
    """The Markdown page."""
    parts = ["# MVC-Bench results", ""]
    if embedded:
        parts += [CAVEAT.format(names=", ".join(embedded)), ""]
    parts += ["## Headline", ""]
    compared = comparison_sentences(result, settings)
    parts += [f"- {s}" for s in compared] if compared else []
    if not compared:
        parts += [f"- {note}" for note in result.notes]
        parts += [f"- {s}" for s in estimate_sentences(result, settings, systems)]
    parts += ["", f"Intervals: {settings.confidence:.0%} {settings.method} bootstrap, "
              f"{settings.n_resamples} resamples (docs/statistics.md).", "", "## Tables", ""]
    parts += [f"- `{name}`" for name in tables]
    parts += ["", "## Plots (results/plots)", ""]
    parts += [f"- `{name}`" for name in plots] if plots else ["- none"]
    parts += ["", "## Data", "", data_summary]
    return "\n".join(parts) + "\n"
