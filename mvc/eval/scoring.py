"""Scoring a directory of synthesized wavs against a manifest: one CSV row per utterance.

One call scores several metrics (`score_directory`), so a workflow job pays the process
start-up and the imports once per (test set, system) rather than once per metric.

The system's file for utterance `u` is `{system_dir}/{u}.wav`. Every manifest row gives
one output row, in manifest order, with a `status`: `ok`, `error` (bad input for that
utterance: missing, silent or corrupt audio..., with the message) or `unavailable` (the
metric cannot score the language here, with the reason). Nothing is dropped, so a table's
n shows what was scored. Rows are cached by content (system audio, reference audio, text,
language, metric name, version and settings), so a rerun after a kill, or after
re-synthesizing some files, recomputes exactly what changed.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mvc.atomic import write_text_atomic
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.eval.base import Metric, ScoreItem
from mvc.eval.registry import make_metric
from mvc.exchange import csv_text, kinds_of, write_table
from mvc.hashing import file_sha256, record_sha256

log = logging.getLogger(__name__)

ROW_PREFIX = ("utt_id", "speaker", "language", "status")
AUDIO_SUFFIX = ".wav"


class ScoreCache:
    """One JSON row per key in `root/key[:2]/key.json`, written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(path, f"corrupt score cache entry ({err})",
                             "delete it; the next run recomputes it") from None

    def put(self, key: str, row: dict[str, Any]) -> None:
        write_text_atomic(self._path(key), json.dumps(row, sort_keys=True) + "\n")


def items_for(rows: Sequence[Utterance], system_dir: Path) -> list[ScoreItem]:
    """The items to score: each manifest row paired with the system's file for it."""
    return [ScoreItem(utt_id=r.utt_id, audio_path=str(system_dir / f"{r.utt_id}{AUDIO_SUFFIX}"),
                      text=r.text, language=r.language, speaker=r.speaker,
                      reference_audio=r.audio_path) for r in rows]


def _cache_key(metric: Metric, item: ScoreItem) -> str | None:
    """The item's content key, or None when an input file is missing (nothing to key on)."""
    paths = [item.audio_path] + ([item.reference_audio] if metric.needs_reference_audio else [])
    if not all(Path(p).is_file() for p in paths if p):
        return None
    return record_sha256({
        "audio": file_sha256(item.audio_path),
        "reference": (file_sha256(item.reference_audio)
                      if metric.needs_reference_audio and item.reference_audio else ""),
        "text": item.text, "language": item.language, "metric": metric.name,
        "version": metric.version, "settings": metric.settings(),
    })


def score_item(metric: Metric, item: ScoreItem) -> dict[str, Any]:
    """One output row: the values, or the error or unavailability reason."""
    row: dict[str, Any] = {"utt_id": item.utt_id, "speaker": item.speaker,
                           "language": item.language}
    reason = metric.unavailable(item.language)
    if reason is not None:
        return {**row, "status": "unavailable", "error": reason}
    if metric.needs_reference_audio and not item.reference_audio:
        return {**row, "status": "error",
                "error": f"utterance {item.utt_id!r} has no reference audio in the manifest; "
                         f"{metric.name} compares with one"}
    try:
        values = metric.score(item)
    except InputError as err:
        return {**row, "status": "error", "error": str(err)}
    bad = [k for k, v in values.items() if isinstance(v, float) and math.isinf(v)]
    if bad:
        return {**row, "status": "error", "error": f"non-finite values for {bad}"}
    return {**row, "status": "ok", **values, "error": ""}


def score_items(metric: Metric, items: Sequence[ScoreItem],
                cache: ScoreCache | None = None) -> list[dict[str, Any]]:
    """Score every item (through the cache when given), with a progress bar."""
    rows = []
    for item in tqdm(items, desc=metric.name, unit="utt"):
        key = _cache_key(metric, item) if cache is not None else None
        row = cache.get(key) if key is not None else None
        if row is None:
            row = score_item(metric, item)
            if key is not None and row["status"] != "unavailable":
                cache.put(key, row)
        rows.append(row)
    return rows


def write_scores(rows: Sequence[dict[str, Any]], metric: Metric, out: Path,
                 provenance: dict[str, Any]) -> None:
    """The per-utterance CSV and its `.json` sidecar (metric, version, settings, counts, and
    the CSV's column kinds, rows and SHA-256 for `mvc.exchange`'s reader)."""
    columns = [*ROW_PREFIX, *metric.columns, "error"]
    repeated = sorted(u for u, n in Counter(row["utt_id"] for row in rows).items() if n > 1)
    if repeated:  # one row per utterance: a repeat is a bug of the caller, not of the input
        raise ValueError(f"{out}: duplicate utt_id(s) {repeated} in the rows to write")
    table = write_table(out, csv_text(columns, rows))
    counts = Counter(row["status"] for row in rows)
    sidecar = {
        "metric": metric.name, "version": metric.version, "settings": metric.settings(),
        "columns": list(metric.columns), "utterances": len(rows),
        "ok": counts["ok"], "error": counts["error"], "unavailable": counts["unavailable"],
        "unavailable_reasons": sorted({r["error"] for r in rows if r["status"] == "unavailable"}),
        "column_kinds": kinds_of(metric.columns, rows), **table.record(), **provenance,
    }
    write_text_atomic(out.with_suffix(".json"), json.dumps(sidecar, indent=2, default=str) + "\n")


def score_directory(metrics: Mapping[str, Mapping[str, Any] | None], rows: Sequence[Utterance],
                    system_dir: Path, out_dir: Path, cache: ScoreCache | None,
                    provenance: dict[str, Any]) -> list[Path]:
    """Score the system's wavs with each metric (name -> its settings) and write
    `out_dir/{metric}.csv` with its sidecar; returns the CSVs written.

    Every metric is built before any is scored, so bad settings fail at once rather than
    after the first metric's work."""
    if not metrics:
        raise InputError("--metrics", "no metric given",
                         "name at least one, e.g. '{\"mcd\": {}}' (see docs/metrics.md)")
    built = [make_metric(name, settings) for name, settings in metrics.items()]
    items = items_for(rows, system_dir)
    written = []
    for metric in built:
        start = time.perf_counter()
        out = out_dir / f"{metric.name}.csv"
        write_scores(score_items(metric, items, cache), metric, out, provenance)
        log.info("%s: %d utterances in %.1f s -> %s", metric.name, len(items),
                 time.perf_counter() - start, out)
        written.append(out)
    return written
