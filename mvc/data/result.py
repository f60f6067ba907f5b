"""What every corpus adapter returns: manifest rows plus a record of each bad item it skipped.

The bad-input policy lives here, in one place: nothing is dropped silently. With
`skip_bad=False` the first bad item raises its InputError; with `skip_bad=True` each bad
item becomes a `Skipped(where, reason)` record that the caller writes beside the manifest.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from tqdm import tqdm

from mvc.atomic import atomic_path
from mvc.data.manifest import Utterance
from mvc.errors import InputError

Item = TypeVar("Item")

SKIPPED_COLUMNS = ("where", "reason")
DEFAULT_SPLIT = "train"  # every adapter row starts here; the caller then runs assign_splits


@dataclass(frozen=True)
class Skipped:
    """One bad corpus item left out: the file (or file:line) and what was wrong with it."""

    where: str
    reason: str


@dataclass(frozen=True)
class AdapterResult:
    """Rows sorted by utt_id, and the bad items skipped (empty unless skip_bad was asked)."""

    rows: list[Utterance]
    skipped: list[Skipped]


def collect(items: Iterable[Item], make_row: Callable[[Item], Utterance], *,
            where: str | Path, skip_bad: bool, desc: str) -> AdapterResult:
    """Turn each item into a row with `make_row`, applying the bad-input policy.

    `make_row` raises InputError for a bad item. Rows come back sorted by utt_id; a
    duplicate utt_id is a bad item too. No items at all, or every item bad, raises even
    with `skip_bad`, naming `where` (the corpus): an empty manifest is never wanted.
    """
    items = list(items)
    if not items:
        raise InputError(where, "no utterances found",
                         "check that the root points at the corpus in its original layout")
    rows: dict[str, Utterance] = {}
    skipped: list[Skipped] = []
    for item in tqdm(items, desc=desc, unit="utt", disable=None):
        try:
            row = make_row(item)
            if row.utt_id in rows:
                raise InputError(row.audio_path or row.utt_id,
                                 f"utt_id {row.utt_id!r} appears twice in the corpus",
                                 "remove the duplicate file or transcript line")
        except InputError as err:
            if not skip_bad:
                raise
            skipped.append(Skipped(where=err.where, reason=err.problem))
            continue
        rows[row.utt_id] = row
    if not rows:
        raise InputError(where, f"every item of the corpus is bad ({len(skipped)} skipped)",
                         "run without skip_bad to see the first error, then fix the corpus")
    return AdapterResult(rows=[rows[key] for key in sorted(rows)], skipped=skipped)


def write_skipped(skipped: Iterable[Skipped], path: str | Path) -> None:
    """Write the skipped items as a CSV (`where,reason`), atomically, in the order given."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(SKIPPED_COLUMNS)
        for record in skipped:
            writer.writerow((record.where, record.reason))
