"""The manifest: one CSV row per utterance, the one schema every corpus adapter returns."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from mvc.errors import InputError
from mvc.exchange import (
    ROWS_KEY,
    SHA256_KEY,
    Stamp,
    decode_utf8,
    expected_stamp,
    read_json,
    require_stamp,
    write_table,
)

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class Utterance:
    """One manifest row. `audio_path` is empty and `duration_s` NaN for text-only rows."""

    utt_id: str
    speaker: str
    language: str
    text: str
    audio_path: str
    duration_s: float
    split: str


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Utterance))


def validate(rows: Sequence[Utterance], where: str | Path) -> None:
    """Raise InputError for duplicate ids, empty ids/texts/speakers, bad splits or durations."""
    seen: set[str] = set()
    for row in rows:
        if not row.utt_id:
            raise InputError(where, "an utterance has an empty utt_id",
                             "give every utterance an id")
        if row.utt_id in seen:
            raise InputError(where, f"utt_id {row.utt_id!r} appears twice",
                             "utterance ids must be unique within a manifest")
        seen.add(row.utt_id)
        if not row.text.strip():
            raise InputError(where, f"utterance {row.utt_id!r} has an empty text",
                             "add its transcript or remove the utterance from the corpus")
        if not row.speaker:
            raise InputError(where, f"utterance {row.utt_id!r} has no speaker",
                             "set a speaker id for every utterance")
        if not row.language:
            raise InputError(where, f"utterance {row.utt_id!r} has no language",
                             "set the corpus language in the dataset config")
        if row.split not in SPLITS:
            raise InputError(where, f"utterance {row.utt_id!r} has split {row.split!r}",
                             f"use one of {', '.join(SPLITS)}")
        if row.audio_path and not (math.isfinite(row.duration_s) and row.duration_s > 0):
            raise InputError(where, f"utterance {row.utt_id!r} has duration {row.duration_s!r}",
                             "its audio must be a readable, non-empty file")


def write_manifest(rows: Iterable[Utterance], path: str | Path) -> Stamp:
    """Validate and write rows as CSV, atomically, in the order given; returns the stamp
    (rows, SHA-256) a sidecar records so that a reader detects a truncated copy."""
    rows = list(rows)
    validate(rows, path)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        values = list(astuple(row))
        values[COLUMNS.index("duration_s")] = (
            "" if math.isnan(row.duration_s) else f"{row.duration_s:.6f}"
        )
        writer.writerow(values)
    return write_table(path, buffer.getvalue())


def _check_stamp(path: Path, data: bytes) -> None:
    """A manifest whose sidecar records a stamp (`mvc manifest` writes one) must still match
    it; a manifest made by hand, without a sidecar, is read as it is."""
    sidecar = path.with_suffix(".json")
    fix = "rebuild it (snakemake results/manifests/<dataset>.csv, or mvc manifest)"
    if not sidecar.is_file():
        return
    record = read_json(sidecar, fix)
    if ROWS_KEY not in record and SHA256_KEY not in record:
        return
    require_stamp(path, data, expected_stamp(record, sidecar, fix), fix)


def read_manifest(path: str | Path) -> list[Utterance]:
    """Read and validate a manifest CSV written by `write_manifest`."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "manifest not found",
                         "build it first (snakemake results/manifests/<dataset>.csv)")
    data = path.read_bytes()
    _check_stamp(path, data)
    text = decode_utf8(data, path, "save it as UTF-8, or rebuild it "
                       "(snakemake results/manifests/<dataset>.csv)")
    with io.StringIO(text, newline="") as f:
        reader = csv.reader(f)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise InputError(path, f"header is {','.join(header)!r}",
                             f"a manifest's header must be {','.join(COLUMNS)!r}")
        rows = []
        for line_no, values in enumerate(reader, start=2):
            if len(values) != len(COLUMNS):
                raise InputError(f"{path}:{line_no}", f"{len(values)} fields",
                                 f"expected {len(COLUMNS)} fields: {','.join(COLUMNS)}")
            record = dict(zip(COLUMNS, values, strict=True))
            try:
                duration = float(record["duration_s"]) if record["duration_s"] else math.nan
            except ValueError:
                raise InputError(f"{path}:{line_no}", f"duration_s {record['duration_s']!r}",
                                 "duration_s must be a number or empty") from None
            rows.append(Utterance(**{**record, "duration_s": duration}))
    validate(rows, path)
    return rows
