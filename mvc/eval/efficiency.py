"""Efficiency from the synthesis timings CSV: real-time factor, throughput, memory, components.

The synthesis stage writes one row per (system, utterance) with `write_timings`; this module
reads it back strictly (`read_timings`), derives per-utterance figures (`per_utterance`) and
one summary row per system (`summarize`). The schema (docs/metrics.md, "Efficiency"):

- required: `utt_id`, `system`, `audio_seconds` (duration of the synthesized audio, > 0),
  `total_s` (wall-clock seconds to synthesize it, > 0);
- optional: the component times `conditioning_s`, `diffusion_s`, `decoder_s`, `vocoder_s`
  (and any other column ending in `_s`, taken as one more component), `peak_mem_mb`
  (peak memory while synthesizing, MiB), `device` (free text), `n_frames` (acoustic frames
  generated, an integer). An optional column, when present, is filled on every row.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mvc.atomic import atomic_path
from mvc.data.transcripts import read_lines
from mvc.errors import InputError

REQUIRED = ("utt_id", "system", "audio_seconds", "total_s")
COMPONENTS = ("conditioning_s", "diffusion_s", "decoder_s", "vocoder_s")
OTHER_OPTIONAL = ("peak_mem_mb", "device", "n_frames")
TEXT_COLUMNS = ("utt_id", "system", "device")
COMPONENT_SUFFIX = "_s"
# Component times are measured apart from the total, so their sum may exceed it by timer
# overhead; beyond this fraction of total_s the row is an error (components overlap).
COMPONENT_SLACK = 0.01


def component_columns(columns: Sequence[str]) -> list[str]:
    """The component time columns among `columns`: the known ones first, then other `*_s`."""
    extra = sorted(c for c in columns if c.endswith(COMPONENT_SUFFIX)
                   and c not in (*COMPONENTS, "total_s"))
    return [c for c in COMPONENTS if c in columns] + extra


def _check_header(columns: Sequence[str], where: str) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise InputError(where, f"missing column(s) {missing}",
                         f"the timings CSV needs {', '.join(REQUIRED)} (docs/metrics.md)")
    known = {*REQUIRED, *OTHER_OPTIONAL, *component_columns(columns)}
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise InputError(where, f"unknown column(s) {unknown}",
                         f"use {', '.join((*REQUIRED, *COMPONENTS, *OTHER_OPTIONAL))}, or end a "
                         "component time's name in _s")


def _number(value: Any, name: str, where: str, *, positive: bool) -> float:
    text = "" if value is None else str(value).strip()
    if not text:
        raise InputError(where, f"empty {name}", f"fill in {name} on every row")
    try:
        number = float(text)
    except ValueError:
        raise InputError(where, f"{name} {text!r} is not a number", "write a decimal number") \
            from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise InputError(where, f"{name} is {text}", f"{name} must be a finite number {bound}")
    return number


def _row(raw: Mapping[str, Any], columns: Sequence[str], where: str) -> dict[str, Any]:
    """One validated row: text fields non-empty, times finite and non-negative."""
    row: dict[str, Any] = {}
    for name in columns:
        if name in TEXT_COLUMNS:
            text = "" if raw.get(name) is None else str(raw[name]).strip()
            if not text:
                raise InputError(where, f"empty {name}", f"fill in {name} on every row")
            row[name] = text
        elif name == "n_frames":
            count = _number(raw.get(name), name, where, positive=False)
            if not count.is_integer():
                raise InputError(where, f"n_frames is {count}", "write a whole number of frames")
            row[name] = int(count)
        else:
            row[name] = _number(raw.get(name), name, where,
                                positive=name in ("audio_seconds", "total_s"))
    parts = sum(row[c] for c in component_columns(columns))
    if parts > row["total_s"] * (1 + COMPONENT_SLACK):
        raise InputError(where, f"component times sum to {parts:.4g} s, more than total_s "
                         f"({row['total_s']:.4g} s)",
                         "time components that do not overlap, inside the total")
    return row


def _table(rows: list[dict[str, Any]], columns: Sequence[str], wheres: list[str]) -> pd.DataFrame:
    seen: set[tuple[str, str]] = set()
    for row, where in zip(rows, wheres, strict=True):
        key = (row["system"], row["utt_id"])
        if key in seen:
            raise InputError(where, f"utterance {key[1]!r} of system {key[0]!r} appears twice",
                             "write one row per (system, utterance)")
        seen.add(key)
    return pd.DataFrame(rows, columns=list(columns))


def read_timings(path: str | Path) -> pd.DataFrame:
    """The timings CSV, validated; every error names `file:line`."""
    path = Path(path)
    reader = csv.DictReader(read_lines(path))
    columns = list(reader.fieldnames or [])
    _check_header(columns, f"{path}:1")
    rows, wheres = [], []
    for raw in reader:
        wheres.append(f"{path}:{reader.line_num}")
        rows.append(_row(raw, columns, wheres[-1]))
    if not rows:
        raise InputError(path, "no timings", "synthesize at least one utterance")
    return _table(rows, columns, wheres)


def write_timings(rows: Sequence[Mapping[str, Any]], path: str | Path) -> None:
    """Write timing rows (all with the same keys) atomically, validated like `read_timings`."""
    if not rows:
        raise InputError(path, "no timing rows to write", "synthesize at least one utterance")
    columns = [*REQUIRED, *(c for c in rows[0] if c not in REQUIRED)]
    _check_header(columns, f"timings for {path}")
    wheres = [f"timing row {i} for {path}" for i in range(1, len(rows) + 1)]
    for raw, where in zip(rows, wheres, strict=True):
        if set(raw) != set(columns):
            raise InputError(where, f"keys {sorted(raw)} differ from the first row's",
                             "give every row the same columns")
    table = _table([_row(r, columns, w) for r, w in zip(rows, wheres, strict=True)],
                   columns, wheres)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n")


def per_utterance(timings: pd.DataFrame) -> pd.DataFrame:
    """Add `rtf` (total_s / audio_seconds), `frames_per_second` (n_frames / total_s, when given),
    and each component's share of total_s plus `other_share` (the untimed rest, >= 0)."""
    table = timings.copy()
    table["rtf"] = table["total_s"] / table["audio_seconds"]
    if "n_frames" in table.columns:
        table["frames_per_second"] = table["n_frames"] / table["total_s"]
    components = component_columns(list(timings.columns))
    for name in components:
        table[f"{name.removesuffix(COMPONENT_SUFFIX)}_share"] = table[name] / table["total_s"]
    if components:
        timed = table[components].sum(axis=1) / table["total_s"]
        table["other_share"] = (1 - timed).clip(lower=0)
    return table


def summarize(per_utt: pd.DataFrame) -> pd.DataFrame:
    """One row per system: `n`, summed `audio_seconds` and `total_s`, `rtf` (summed total_s
    over summed audio_seconds: the corpus real-time factor), `mean_utt_rtf` (mean of the
    per-utterance RTFs, labelled as such), `frames_per_second` (summed frames over summed time),
    `peak_mem_mb` (the maximum), `device`, and each component's share of the summed time."""
    columns = list(per_utt.columns)
    summary = []
    for system, group in per_utt.groupby("system", sort=True):
        total = group["total_s"].sum()
        row: dict[str, Any] = {"system": system, "n": len(group),
                               "audio_seconds": group["audio_seconds"].sum(), "total_s": total,
                               "rtf": total / group["audio_seconds"].sum(),
                               "mean_utt_rtf": group["rtf"].mean()}
        if "n_frames" in columns:
            row["frames_per_second"] = group["n_frames"].sum() / total
        if "peak_mem_mb" in columns:
            row["peak_mem_mb"] = group["peak_mem_mb"].max()
        if "device" in columns:
            row["device"] = ";".join(sorted(group["device"].unique()))
        for name in component_columns(columns):
            row[f"{name.removesuffix(COMPONENT_SUFFIX)}_share"] = group[name].sum() / total
        summary.append(row)
    return pd.DataFrame(summary)
