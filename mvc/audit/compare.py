"""One original output against its rerun: byte-identical where stated, wavs within a
sample-difference and SNR tolerance, CSV/JSON/torch numbers within atol + rtol * |b|."""

from __future__ import annotations

import csv
import filecmp
import fnmatch
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from mvc.audit.config import NumericTolerance, Tolerances, WavTolerance

IDENTICAL, WITHIN, DIFFERS, MISSING, EXTRA, IGNORED = (
    "identical", "within_tolerance", "differs", "missing_in_rerun", "only_in_rerun", "ignored")
FAILED = (DIFFERS, MISSING, EXTRA)
AUDIO_SUFFIXES = (".wav", ".flac")
TORCH_SUFFIXES = (".pt", ".pth")


@dataclass(frozen=True)
class Comparison:
    """How one file compared: `kind` (bytes, wav, csv, json, torch), `status` (one of the
    constants above), `measure` (the largest difference found) and `detail` (where)."""

    kind: str
    status: str
    measure: str = ""
    detail: str = ""


def file_kind(path: str, identical: Sequence[str], ignore: Sequence[str]) -> str:
    """How a path is compared: `ignored`, `bytes` (the identical patterns, and unknown
    types), or by its type: wav, csv, json, torch."""
    if any(fnmatch.fnmatch(path, pattern) for pattern in ignore):
        return IGNORED
    if any(fnmatch.fnmatch(path, pattern) for pattern in identical):
        return "bytes"
    suffix = Path(path).suffix.lower()
    if suffix in AUDIO_SUFFIXES:
        return "wav"
    if suffix in TORCH_SUFFIXES:
        return "torch"
    return {".csv": "csv", ".json": "json"}.get(suffix, "bytes")


def compare_wav(original: Path, rerun: Path, tol: WavTolerance) -> Comparison:
    """Same sample rate and shape; the largest absolute sample difference (full scale 1.0)
    and the SNR of the original against the difference, 10 log10(sum a^2 / sum (a-b)^2)."""
    a, rate_a = sf.read(str(original), dtype="float64", always_2d=True)
    b, rate_b = sf.read(str(rerun), dtype="float64", always_2d=True)
    if rate_a != rate_b or a.shape != b.shape:
        return Comparison("wav", DIFFERS, "", f"{rate_a} Hz {a.shape} vs {rate_b} Hz {b.shape}")
    noise = float(np.sum((a - b) ** 2))
    max_abs = float(np.max(np.abs(a - b))) if a.size else 0.0
    snr = math.inf if noise == 0 else 10 * math.log10(max(float(np.sum(a**2)), 1e-300) / noise)
    within = max_abs <= tol.max_abs and snr >= tol.min_snr_db
    status = IDENTICAL if noise == 0 else WITHIN if within else DIFFERS
    return Comparison("wav", status, f"max_abs={max_abs:.3g}; snr_db={snr:.1f}")


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _close(a: float, b: float, tol: NumericTolerance) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=tol.rtol, abs_tol=tol.atol)


def _cells_differ(a: str, b: str, tol: NumericTolerance) -> tuple[bool, float]:
    """Whether two unequal cells differ beyond tolerance, and their numeric difference
    (infinite for text, 0 for two NaNs)."""
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return True, math.inf
    differs = not _close(x, y, tol)
    gap = abs(x - y)
    return differs, gap if math.isfinite(gap) else (math.inf if differs else 0.0)


def compare_csv(original: Path, rerun: Path, tol: NumericTolerance) -> Comparison:
    """Same header and number of rows; cell by cell, equal strings or numbers within
    tolerance. The first differing cell is named (row counted from 1 after the header)."""
    with original.open(newline="", encoding="utf-8") as f:
        rows_a = list(csv.reader(f))
    with rerun.open(newline="", encoding="utf-8") as f:
        rows_b = list(csv.reader(f))
    if rows_a[:1] != rows_b[:1] or len(rows_a) != len(rows_b):
        return Comparison("csv", DIFFERS, "", f"header or row count differs ({len(rows_a) - 1} "
                          f"vs {len(rows_b) - 1} rows)")
    header = rows_a[0] if rows_a else []
    largest, first, inexact = 0.0, "", False
    for number, (row_a, row_b) in enumerate(zip(rows_a[1:], rows_b[1:], strict=True), 1):
        if len(row_a) != len(row_b):
            return Comparison("csv", DIFFERS, "", f"row {number}: {len(row_a)} vs {len(row_b)} "
                              "cells")
        for column, (a, b) in enumerate(zip(row_a, row_b, strict=True)):
            if a == b:
                continue
            inexact = True
            differs, gap = _cells_differ(a, b, tol)
            largest = max(largest, gap)
            if differs and not first:
                name = header[column] if column < len(header) else str(column)
                first = f"row {number}, column {name}: {a!r} vs {b!r}"
    status = DIFFERS if first else WITHIN if inexact else IDENTICAL
    return Comparison("csv", status, f"max_abs_diff={largest:.3g}", first)


def _first_difference(a: Any, b: Any, tol: NumericTolerance, ignore_keys: Sequence[str],
                      where: str, gaps: list[float]) -> str:
    """The key path of the first difference between two nested records ("" if none); the
    numeric differences found are appended to `gaps`."""
    if isinstance(a, dict) and isinstance(b, dict):
        keys = sorted(set(a) | set(b), key=str)
        for key in keys:
            if key in ignore_keys:
                continue
            if key not in a or key not in b:
                return f"{where}.{key}: present on one side only"
            found = _first_difference(a[key], b[key], tol, ignore_keys, f"{where}.{key}", gaps)
            if found:
                return found
        return ""
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        if len(a) != len(b):
            return f"{where}: {len(a)} vs {len(b)} items"
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, tol, ignore_keys, f"{where}[{index}]", gaps)
            if found:
                return found
        return ""
    return _leaf_difference(a, b, tol, where, gaps)


def _leaf_difference(a: Any, b: Any, tol: NumericTolerance, where: str,
                     gaps: list[float]) -> str:
    import torch

    if isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor):
        if a.shape != b.shape or a.dtype != b.dtype:
            return f"{where}: {a.dtype} {tuple(a.shape)} vs {b.dtype} {tuple(b.shape)}"
        if a.is_floating_point() or a.is_complex():
            if a.numel():
                gaps.append(float((a.double() - b.double()).abs().max()))
            same = torch.allclose(a.double(), b.double(), rtol=tol.rtol, atol=tol.atol,
                                  equal_nan=True)
        else:
            same = torch.equal(a, b)
        return "" if same else f"{where}: tensors differ"
    numeric = (int, float)
    if isinstance(a, numeric) and isinstance(b, numeric) and not isinstance(a, bool):
        gaps.append(abs(a - b) if math.isfinite(a - b) else 0.0)
        return "" if _close(float(a), float(b), tol) else f"{where}: {a!r} vs {b!r}"
    return "" if type(a) is type(b) and a == b else f"{where}: {a!r} vs {b!r}"


def compare_records(a: Any, b: Any, kind: str, tol: NumericTolerance,
                    ignore_keys: Sequence[str]) -> Comparison:
    """Two nested records (JSON documents, torch checkpoints) key by key."""
    gaps: list[float] = []
    first = _first_difference(a, b, tol, ignore_keys, "", gaps)
    largest = max(gaps, default=0.0)
    status = DIFFERS if first else IDENTICAL if largest == 0 else WITHIN
    return Comparison(kind, status, f"max_abs_diff={largest:.3g}", first.lstrip("."))


def compare_file(original: Path, rerun: Path, kind: str, tolerances: Tolerances,
                 ignore_keys: Sequence[str]) -> Comparison:
    """Compare two existing files as `kind` (see `file_kind`); identical bytes always pass."""
    if kind == IGNORED:
        return Comparison(kind, IGNORED)
    if filecmp.cmp(original, rerun, shallow=False):
        return Comparison(kind, IDENTICAL)
    if kind == "wav":
        return compare_wav(original, rerun, tolerances.wav)
    if kind == "csv":
        return compare_csv(original, rerun, tolerances.numeric)
    if kind == "json":
        return compare_records(json.loads(original.read_text(encoding="utf-8")),
                               json.loads(rerun.read_text(encoding="utf-8")), kind,
                               tolerances.numeric, ignore_keys)
    if kind == "torch":
        import torch

        return compare_records(torch.load(original, map_location="cpu", weights_only=False),
                               torch.load(rerun, map_location="cpu", weights_only=False), kind,
                               tolerances.numeric, ignore_keys)
    return Comparison(kind, DIFFERS, "", "bytes differ")
