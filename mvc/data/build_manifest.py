"""One dataset's manifest step: adapter, deterministic splits, manifest CSV and its sidecar.

The sidecar `{manifest}.json` records what produced the manifest (adapter, root, options,
split settings, counts, total hours) and the embedded corpus's provenance (espeak-ng
version) when the root lies inside one.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvc.atomic import write_text_atomic
from mvc.config import build
from mvc.data.adapters import read_corpus, write_skipped
from mvc.data.manifest import write_manifest
from mvc.data.splits import assign_splits
from mvc.errors import InputError

PROVENANCE_FILE = "PROVENANCE.json"


@dataclass(frozen=True)
class SplitSpec:
    """How utterances go to train/val/test: by utterance or by whole speaker (zero-shot)."""

    by: str
    fractions: dict[str, float]


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset entry of the config: which adapter reads which root, with which options.

    `skip_bad` skips bad items instead of failing, listing each in `{manifest}.skipped.csv`
    (real VCTK 0.92 needs it: speaker p315 has audio but no transcripts).
    """

    adapter: str
    root: str
    split: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    skip_bad: bool = False


def _provenance(root: Path) -> dict[str, Any] | None:
    """The embedded corpus's PROVENANCE.json at or above `root`, if any."""
    for folder in (root, *root.parents):
        candidate = folder / PROVENANCE_FILE
        if candidate.is_file():
            return json.loads(candidate.read_text(encoding="utf-8"))
    return None


def build_manifest(name: str, dataset: Mapping[str, Any], seed: int, out: Path, *,
                   skip_bad: bool = False) -> None:
    """Read dataset `name`, assign splits, write `out`, its sidecar and any skipped list.

    `skip_bad` (the CLI's `--skip-bad`) turns skipping on even where the config does not.
    """
    spec = build(DatasetSpec, dataset, f"datasets.{name}")
    split = build(SplitSpec, spec.split, f"datasets.{name}.split")
    if "skip_bad" in spec.options:
        raise InputError(f"datasets.{name}.options.skip_bad", "skip_bad is not an adapter option",
                         f"set datasets.{name}.skip_bad instead")
    skip_bad = skip_bad or spec.skip_bad
    result = read_corpus(spec.adapter, Path(spec.root), skip_bad=skip_bad, **spec.options)
    rows = assign_splits(result.rows, split.fractions, seed=seed, by=split.by)
    stamp = write_manifest(rows, out)
    skipped_path = out.with_suffix(".skipped.csv")
    if skip_bad:
        write_skipped(result.skipped, skipped_path)
    sidecar = {
        "dataset": name, "adapter": spec.adapter, "root": spec.root, "options": spec.options,
        "split": {"by": split.by, "fractions": split.fractions, "seed": seed},
        "utterances": len(rows), "speakers": len({r.speaker for r in rows}),
        "per_split": dict(sorted(Counter(r.split for r in rows).items())),
        "hours": round(sum(r.duration_s for r in rows if r.audio_path) / 3600, 4),
        "skipped": len(result.skipped) if skip_bad else None,
        "corpus_provenance": _provenance(Path(spec.root)),
        **stamp.record(),
    }
    write_text_atomic(out.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
