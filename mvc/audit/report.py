"""The rerun comparison as a CSV (one row per compared file) and a Markdown report that
opens with its verdict."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mvc.atomic import write_csv_atomic, write_text_atomic
from mvc.audit.compare import FAILED

COLUMNS = ("rule", "job", "file", "kind", "status", "measure", "tolerance", "detail")
RERUN_FAILED = "rerun_failed"
COMPARISONS = "comparisons.csv"


def failures(rows: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The rows that are findings: a difference beyond tolerance, a file on one side only,
    or a job that did not rerun."""
    return [row for row in rows if row["status"] in (*FAILED, RERUN_FAILED)]


def verdict(rows: Sequence[Mapping[str, Any]]) -> str:
    """One line: whether every compared file reproduced."""
    found = failures(rows)
    compared = sum(row["status"] != "ignored" for row in rows)
    if found:
        return (f"DIFFERENCES FOUND: {len(found)} of {len(rows)} rerun outputs do not "
                "reproduce within the stated tolerances (listed below).")
    if not compared:
        return "NOTHING COMPARED: no sampled job had an output to compare."
    return f"REPRODUCED: all {compared} compared rerun outputs match within the tolerances."


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> list[str]:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = (str(row.get(column, "")).replace("|", "\\|").replace("\n", " ")
                 for column in columns)
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(rows: Sequence[Mapping[str, Any]], sampled: Mapping[str, Sequence[str]],
             settings: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """The report: verdict, what was sampled, the findings, counts, and the audit's files
    (`files`: name -> what it holds)."""
    lines = ["# Reproducibility audit", "", f"**{verdict(rows)}**", "",
             "The audit exits 0 when it ran: differences are findings written here and in "
             f"`{COMPARISONS}`, not a failed job (Snakemake would delete this report "
             "with a failed job's outputs).", "", "## Rerun sample", ""]
    for rule, jobs in sampled.items():
        lines.append(f"- `{rule}`: " + (", ".join(f"`{job}`" for job in jobs)
                                        if jobs else "no job of this rule in the DAG"))
    lines += ["", "Settings: " + "; ".join(f"{key} {value}" for key, value in settings.items()),
              ""]
    found = failures(rows)
    if found:
        lines += ["## Differences", "", *_table(found, COLUMNS), ""]
    counts = Counter((row["kind"], row["status"]) for row in rows)
    lines += ["## Counts", "", *_table([{"kind": kind, "status": status, "files": n}
                                        for (kind, status), n in sorted(counts.items())],
                                       ("kind", "status", "files")), ""]
    lines += ["## Files", ""]
    lines += [f"- `{name}`: {what}" for name, what in files.items()]
    return "\n".join(lines) + "\n"


def write_report(out: Path, rows: Sequence[Mapping[str, Any]],
                 sampled: Mapping[str, Sequence[str]], settings: Mapping[str, Any],
                 files: Mapping[str, str]) -> None:
    """comparisons.csv and README.md in `out`; `files` names the audit's files (name ->
    what it holds) for the README."""
    write_csv_atomic(out / COMPARISONS, COLUMNS, rows)
    write_text_atomic(out / "README.md", markdown(rows, sampled, settings, files))
