"""Checkpoints: resumable training states, and the inference checkpoint synthesis reads.

A training state (`{work_dir}/step_{step:07d}.pt`) holds everything a resumed run needs to
continue exactly: model and optimizer state, the position (stage, epoch, batch), torch's RNG
state and the loss log so far. Each is written atomically (temporary file, then rename), so
a kill leaves the previous one intact; the newest few are kept.

The inference checkpoint holds the model and audio config sections and the model's inference
state dict (without the training-only aligner): everything synthesis needs, nothing more.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import torch

from mvc.atomic import atomic_path
from mvc.errors import InputError

log = logging.getLogger(__name__)

STATE_FORMAT = "mvc-train-state/1"
CHECKPOINT_FORMAT = "mvc-checkpoint/1"
_STATE_NAME = re.compile(r"step_(\d{7})\.pt")


def _save(obj: dict[str, Any], path: Path) -> None:
    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def _load(path: Path, expected_format: str, fix: str) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(path, "checkpoint not found", fix)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as err:  # torch raises several types for truncated or foreign files
        raise InputError(path, f"unreadable checkpoint ({err})", fix) from None
    if not isinstance(obj, dict) or obj.get("format") != expected_format:
        found = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise InputError(path, f"format {found!r}, expected {expected_format!r}", fix)
    return obj


def save_state(work_dir: Path, step: int, state: dict[str, Any], keep: int) -> Path:
    """Write the training state of `step` and delete all but the newest `keep` states."""
    path = work_dir / f"step_{step:07d}.pt"
    _save({"format": STATE_FORMAT, "step": step, **state}, path)
    for old in state_paths(work_dir)[:-keep]:
        old.unlink(missing_ok=True)
    return path


def state_paths(work_dir: Path) -> list[Path]:
    """The training states in `work_dir`, oldest first."""
    if not work_dir.is_dir():
        return []
    return sorted(p for p in work_dir.iterdir() if _STATE_NAME.fullmatch(p.name))


def latest_state(work_dir: Path) -> dict[str, Any] | None:
    """The newest training state in `work_dir`, or None when there is none."""
    paths = state_paths(work_dir)
    if not paths:
        return None
    return _load(paths[-1], STATE_FORMAT,
                 f"delete {paths[-1]} to resume from the state before it (or {work_dir} to "
                 "start over)")


def resumable_state(work_dir: Path, fingerprint: str,
                    delete_stale: bool = True) -> dict[str, Any] | None:
    """The newest training state in `work_dir` if this configuration and data saved it (its
    `fingerprint` matches), else None. A state of another configuration is stale: training
    starts over, and its files are deleted when `delete_stale` (the main process does it)."""
    state = latest_state(work_dir)
    if state is None or state["fingerprint"] == fingerprint:
        return state
    log.warning("%s holds states of another configuration or data; starting over", work_dir)
    if delete_stale:
        for path in state_paths(work_dir):
            path.unlink()
    return None


def save_checkpoint(path: Path, system: str, sections: dict[str, Any],
                    state_dict: dict[str, Any], info: dict[str, Any]) -> None:
    """Write the inference checkpoint: config sections, inference weights, training info."""
    _save({"format": CHECKPOINT_FORMAT, "system": system, "sections": sections,
           "state": state_dict, "info": info}, path)


def load_checkpoint(path: Path, system: str) -> dict[str, Any]:
    """Read an inference checkpoint written by `save_checkpoint` for `system`."""
    fix = f"train it first (snakemake results/train/{system}/checkpoint.pt)"
    checkpoint = _load(Path(path), CHECKPOINT_FORMAT, fix)
    if checkpoint["system"] != system:
        raise InputError(path, f"a checkpoint of system {checkpoint['system']!r}, not {system!r}",
                         "pass the checkpoint of the system being synthesized")
    return checkpoint
