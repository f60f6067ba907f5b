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
from mvc.eval.base import WARNING, Metric, ScoreItem
from mvc.eval.registry import make_metric
from mvc.exchange import STATUSES, csv_text, kinds_of, write_table
from mvc.hashing import file_sha256, record_sha256

log = logging.getLogger(__name__)

ROW_PREFIX = ("utt_id", "speaker", "language", "status")
ROW_SUFFIX = ("error", "warning")
AUDIO_SUFFIX = ".wav"


class ScoreCache:
    """One JSON row per key in `root/key[:2]/key.json`, written atomically."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry (`row`, and the `source` files it was scored from) or None. An entry
        of an older layout (the bare row) is a miss: it is rescored and replaced."""
        path = self._path(key)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise InputError(path, f"corrupt score cache entry ({err})",
                             "delete it; the next run recomputes it") from None
        return entry if isinstance(entry, dict) and {"row", "source"} <= set(entry) else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        write_text_atomic(self._path(key), json.dumps(entry, sort_keys=True) + "\n")


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
    """One output row: the values, or the error or unavailability reason, and any warning
    the metric gave (`WARNING` in its values: the number stands, but read it with care)."""
    row: dict[str, Any] = {"utt_id": item.utt_id, "speaker": item.speaker,
                           "language": item.language, "warning": ""}
    reason = metric.unavailable(item.language)
    if reason is not None:
        return {**row, "status": "unavailable", "error": reason}
    if metric.needs_reference_audio and not item.reference_audio:
        return {**row, "status": "error",
                "error": f"utterance {item.utt_id!r} has no reference audio in the manifest; "
                         f"{metric.name} compares with one"}
    if not Path(item.audio_path).is_file():
        return {**row, "status": "error",
                "error": str(InputError(item.audio_path, "the system's output for this "
                                        "utterance is missing",
                                        "synthesize it (snakemake results/synth/SYSTEM/TESTSET)"
                                        " or check that --system-dir is the directory holding "
                                        "{utt_id}.wav"))}
    try:
        values = dict(metric.score(item))
    except InputError as err:
        return {**row, "status": "error", "error": str(err)}
    row["warning"] = str(values.pop(WARNING, ""))
    bad = [k for k, v in values.items() if isinstance(v, float) and math.isinf(v)]
    if bad:
        return {**row, "status": "error", "error": f"non-finite values for {bad}"}
    return {**row, "status": "ok", **values, "error": ""}


def _as_item_row(row: dict[str, Any], source: dict[str, str], item: ScoreItem) -> dict[str, Any]:
    """A cached row under the asking item's identity: the cache keys by content, and two
    utterances may share it (a speaker-blind system on VCTK's shared sentences); an error
    message names the files of the item that asks, not of the one that filled the entry."""
    error = str(row.get("error", ""))
    for field in ("audio_path", "reference_audio"):
        if source.get(field):
            error = error.replace(source[field], getattr(item, field))
    return {**row, "utt_id": item.utt_id, "speaker": item.speaker, "language": item.language,
            "error": error}


def score_items(metric: Metric, items: Sequence[ScoreItem],
                cache: ScoreCache | None = None) -> list[dict[str, Any]]:
    """Score every item (through the cache when given), with a progress bar that counts
    rows by status."""
    rows = []
    counts: Counter[str] = Counter()
    progress = tqdm(items, desc=metric.name, unit="utt")
    for item in progress:
        key = _cache_key(metric, item) if cache is not None else None
        entry = cache.get(key) if key is not None else None
        if entry is not None:
            row = _as_item_row(entry["row"], entry["source"], item)
        else:
            row = score_item(metric, item)
            if key is not None and row["status"] != "unavailable":
                cache.put(key, {"row": row, "source": {
                    "audio_path": item.audio_path, "reference_audio": item.reference_audio}})
        rows.append(row)
        counts[row["status"]] += 1
        progress.set_postfix({status: counts[status] for status in STATUSES}, refresh=False)
    return rows


def write_scores(rows: Sequence[dict[str, Any]], metric: Metric, out: Path,
                 provenance: dict[str, Any]) -> None:
    """The per-utterance CSV and its `.json` sidecar (metric, version, settings, counts, and
    the CSV's column kinds, rows and SHA-256 for `mvc.exchange`'s reader)."""
    columns = [*ROW_PREFIX, *metric.columns, *ROW_SUFFIX]
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


def check_inputs(rows: Sequence[Utterance], system_dir: Path, out_dir: Path) -> None:
    """What can be known wrong before any scoring: no rows, an output directory that is a
    file, or a system directory holding none of the rows' files (one level off?)."""
    if not rows:
        raise InputError("--manifest", "no manifest row to score (is --split right?)",
                         "pass a manifest with rows of the split you score")
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(out_dir, "--out-dir is a file", "give a directory path")
    if not system_dir.is_dir():
        raise InputError(system_dir, "system directory not found",
                         "synthesize the test set first (snakemake results/synth/SYSTEM/TESTSET)")
    if not any((system_dir / f"{r.utt_id}{AUDIO_SUFFIX}").is_file() for r in rows):
        found = sorted(p.name for p in system_dir.iterdir())[:5]
        raise InputError(system_dir, f"none of the {len(rows)} rows' files ({rows[0].utt_id}"
                         f"{AUDIO_SUFFIX}, ...) is here (found: {found or 'nothing'})",
                         "point --system-dir at the directory holding {utt_id}.wav for this "
                         "manifest (results/synth/SYSTEM/TESTSET)")


def _counts_line(metric: str, rows: Sequence[dict[str, Any]]) -> str:
    counts = Counter(row["status"] for row in rows)
    return f"{metric}: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES)


def score_directory(metrics: Mapping[str, Mapping[str, Any] | None], rows: Sequence[Utterance],
                    system_dir: Path, out_dir: Path, cache: ScoreCache | None,
                    provenance: dict[str, Any], *, all_errors_ok: bool = False) -> list[Path]:
    """Score the system's wavs with each metric (name -> its settings) and write
    `out_dir/{metric}.csv` with its sidecar; returns the CSVs written.

    The paths are checked before any model loads, and every metric is built before any is
    scored, so bad paths or settings fail at once rather than after the first metric's work.
    A metric whose every row is an error is written, then raised as an InputError with the
    count and the first error (a wrong directory, not a result), unless `all_errors_ok`
    (the workflow: a system that fails everywhere is a finding the tables report)."""
    if not metrics:
        raise InputError("--metrics", "no metric given",
                         "name at least one, e.g. '{\"mcd\": {}}' (see docs/metrics.md)")
    check_inputs(rows, system_dir, out_dir)
    built = [make_metric(name, settings) for name, settings in metrics.items()]
    items = items_for(rows, system_dir)
    written, failed = [], []
    for metric in built:
        start = time.perf_counter()
        out = out_dir / f"{metric.name}.csv"
        scored = score_items(metric, items, cache)
        write_scores(scored, metric, out, provenance)
        log.info("%s in %.1f s -> %s", _counts_line(metric.name, scored),
                 time.perf_counter() - start, out)
        warned = sum(bool(row.get("warning")) for row in scored)
        if warned:
            first = next(row for row in scored if row.get("warning"))
            log.warning("%s: %d rows with a warning; first (%s): %s", metric.name, warned,
                        first["utt_id"], first["warning"])
        if not any(row["status"] == "ok" for row in scored) and any(
                row["status"] == "error" for row in scored):
            failed.append(f"{_counts_line(metric.name, scored)}; first: {scored[0]['error']}")
        written.append(out)
    if failed and not all_errors_ok:
        raise InputError(system_dir, "every row is an error: " + " | ".join(failed),
                         "fix the cause above (the tables were written beside for reading); "
                         "pass --all-errors-ok when a system failing everywhere is the result")
    return written
