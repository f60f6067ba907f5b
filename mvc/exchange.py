"""Tables the stages exchange (score tables, the statistics stage's CSVs): one checked
writer and one checked reader, so a damaged file stops the reading stage with its name.

The writer returns a `Stamp` (data rows, SHA-256 of the bytes) that the stage records in
its JSON sidecar (`csv_rows`, `csv_sha256`); the reader refuses a file whose bytes no
longer match it, so a file cut or edited after it was written (a number cut mid-write, a
row cut inside its status) is caught even where every remaining cell still parses. The
reader then checks what a stamp cannot: the declared columns (text, number, integer,
boolean, status `ok`/`error`/`unavailable`), finite numbers where a column needs them,
field counts, rows where rows are required, unique keys, UTF-8. Every problem is an
`InputError` naming the file (and line) and the command that rewrites it. pandas reads
nothing here: the frames are built from the checked cells.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mvc.atomic import atomic_path
from mvc.errors import InputError

TEXT, NUMBER, INTEGER, BOOLEAN, STATUS = "text", "number", "integer", "boolean", "status"
STATUSES = ("ok", "error", "unavailable")
BOOLEANS = {"True": True, "False": False}
ROWS_KEY, SHA256_KEY = "csv_rows", "csv_sha256"


@dataclass(frozen=True)
class Column:
    """A declared column: its name, kind and, for numbers, whether it must be finite
    (an empty cell or nan then is an error; otherwise empty reads as NaN)."""

    name: str
    kind: str = TEXT
    finite: bool = False


@dataclass(frozen=True)
class Layout:
    """What a table must look like: its columns, the fix for any problem, whether it needs
    rows, a column whose values are unique, and whether undeclared columns may follow
    (read as text)."""

    columns: tuple[Column, ...]
    fix: str
    rows_required: bool = False
    key: str | None = None
    extra_columns: bool = False


@dataclass(frozen=True)
class Stamp:
    """What the writer wrote: the number of data rows and the SHA-256 of the bytes."""

    rows: int
    sha256: str

    def record(self) -> dict[str, Any]:
        return {ROWS_KEY: self.rows, SHA256_KEY: self.sha256}


def csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """Dict rows as CSV text with the given header (a missing key is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n",
                            extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return buffer.getvalue()


def frame_text(frame: pd.DataFrame) -> str:
    """A DataFrame as the CSV text the stages exchange (NaN as an empty cell)."""
    return frame.to_csv(index=False, lineterminator="\n")


def _records(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def stamp_of(data: bytes) -> Stamp:
    """The stamp of CSV bytes (rows counted leniently, for messages about damaged files)."""
    records = _records(data.decode("utf-8", errors="replace"))
    return Stamp(max(len(records) - 1, 0), hashlib.sha256(data).hexdigest())


def write_table(path: str | Path, text: str) -> Stamp:
    """Write CSV text atomically as UTF-8; returns its stamp for the sidecar."""
    data = text.encode("utf-8")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return stamp_of(data)


def expected_stamp(record: Mapping[str, Any], where: str | Path, fix: str) -> Stamp:
    """The stamp a sidecar recorded; a sidecar without one was written by an older version."""
    rows, sha256 = record.get(ROWS_KEY), record.get(SHA256_KEY)
    if not isinstance(rows, int) or not isinstance(sha256, str):
        raise InputError(where, f"records no {ROWS_KEY}/{SHA256_KEY} for its table (written "
                         "by an older version, so a truncated table cannot be detected)", fix)
    return Stamp(rows, sha256)


def require_stamp(path: str | Path, data: bytes, expected: Stamp, fix: str) -> None:
    """InputError unless `data` (the file's bytes) still has the stamp it was written with."""
    found = stamp_of(data)
    if found != expected:
        raise InputError(path, "changed or truncated after it was written: "
                         f"{expected.rows} rows / sha256 {expected.sha256[:12]}... expected, "
                         f"found {found.rows} rows / sha256 {found.sha256[:12]}...", fix)


def decode_utf8(data: bytes, path: str | Path, fix: str) -> str:
    """UTF-8 text, or an InputError naming the line and column of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise InputError(f"{path}:{line}", f"not UTF-8 text (byte 0x{data[err.start]:02x} at "
                         f"column {column})", fix) from None


def read_json(path: str | Path, fix: str) -> dict[str, Any]:
    """A JSON object from a file; missing, non-UTF-8 or invalid JSON is an InputError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "not found", fix)
    text = decode_utf8(path.read_bytes(), path, fix)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}", f"not valid JSON ({err.msg}, column "
                         f"{err.colno}): truncated or edited after it was written", fix) from None
    if not isinstance(record, dict):
        raise InputError(path, f"a JSON {type(record).__name__}, not an object", fix)
    return record


def _cell(text: str, column: Column, where: str, fix: str) -> Any:
    """One checked cell as its Python value."""
    kind = column.kind
    if kind == TEXT:
        return text
    if kind == STATUS:
        if text not in STATUSES:
            raise InputError(where, f"{column.name} {text!r} is not one of {'/'.join(STATUSES)}",
                             fix)
        return text
    if kind == BOOLEAN:
        if text not in BOOLEANS:
            raise InputError(where, f"{column.name} {text!r} is not True or False", fix)
        return BOOLEANS[text]
    if kind == INTEGER:
        try:
            return int(text)
        except ValueError:
            raise InputError(where, f"{column.name} {text!r} is not an integer", fix) from None
    if text == "":
        if column.finite:
            raise InputError(where, f"{column.name} '': a finite number is required", fix)
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise InputError(where, f"{column.name} {text!r} is not a number", fix) from None
    if column.finite and not math.isfinite(value):
        raise InputError(where, f"{column.name} {text!r}: a finite number is required", fix)
    return value


def read_table(path: str | Path, layout: Layout, expected: Stamp | None) -> pd.DataFrame:
    """The checked table at `path`: the stamp first (when given), then header, field
    counts, cells, rows and key. Columns keep the header's order; numbers are float64,
    integers int64, booleans bool, text str."""
    path = Path(path)
    fix = layout.fix
    if not path.is_file():
        raise InputError(path, "not found", fix)
    data = path.read_bytes()
    if not data:
        raise InputError(path, "empty file (not even a header)", fix)
    if expected is not None:
        require_stamp(path, data, expected, fix)
    reader = csv.reader(io.StringIO(decode_utf8(data, path, fix), newline=""))
    header = next(reader)
    declared = {c.name: c for c in layout.columns}
    missing = [name for name in declared if name not in header]
    if missing:
        raise InputError(f"{path}:1", f"no column(s) {missing} (header: {','.join(header)})",
                         fix)
    extra = [name for name in header if name not in declared]
    if len(set(header)) != len(header) or (extra and not layout.extra_columns):
        raise InputError(f"{path}:1", f"header {','.join(header)!r}, expected "
                         f"{','.join(declared)!r}", fix)
    columns = [declared.get(name, Column(name)) for name in header]
    cells: list[list[Any]] = [[] for _ in columns]
    lines: dict[Any, int] = {}
    key = header.index(layout.key) if layout.key else None
    for values in reader:
        where = f"{path}:{reader.line_num}"
        if len(values) != len(header):
            raise InputError(where, f"{len(values)} fields, the header has {len(header)}", fix)
        for i, (text, column) in enumerate(zip(values, columns, strict=True)):
            cells[i].append(_cell(text, column, where, fix))
        if key is not None:
            if values[key] in lines:
                raise InputError(where, f"{layout.key} {values[key]!r} again (first on line "
                                 f"{lines[values[key]]})", fix)
            lines[values[key]] = reader.line_num
    if layout.rows_required and not cells[0]:
        raise InputError(path, "a header and no rows", fix)
    dtypes = {NUMBER: np.float64, INTEGER: np.int64, BOOLEAN: bool}
    return pd.DataFrame({c.name: np.array(values, dtype=dtypes.get(c.kind, object))
                         for c, values in zip(columns, cells, strict=True)},
                        columns=header)


def kinds_of(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Per column, `number` when every value given is an int or float, else `text`."""
    def is_number(value: Any) -> bool:
        return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool)
    return {c: NUMBER if all(is_number(r[c]) for r in rows if r.get(c, "") != "") else TEXT
            for c in columns}
