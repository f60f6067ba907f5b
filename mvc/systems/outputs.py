"""What every system's training leaves in its output directory (the train rule's outputs):
`losses.csv`, `excluded.csv` (the utterances over training.max_frames, each named with why),
`params.json` (the inference model's parameter counts, for the efficiency table) and
`checkpoint.pt`, written the same way whichever system trained."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mvc.atomic import write_csv_atomic, write_text_atomic
from mvc.train.checkpoint import save_checkpoint
from mvc.train.loop import write_loss_log

PARAMS = "params.json"
CHECKPOINT = "checkpoint.pt"


def write_training_outputs(out_dir: Path, system: str, sections: Mapping[str, Any],
                           state: Mapping[str, Any], loss_rows: Sequence[Mapping[str, Any]],
                           excluded: Sequence[tuple[str, int]], max_frames: int | None,
                           parameter_counts: Mapping[str, int],
                           info: Mapping[str, Any]) -> Path:
    """Write the four outputs; `excluded` is (utt_id, n_frames) pairs, `info` goes into the
    checkpoint beside the number of steps. Returns the checkpoint's path."""
    write_loss_log(loss_rows, out_dir / "losses.csv")
    write_csv_atomic(out_dir / "excluded.csv", ("utt_id", "n_frames", "reason"),
                     ({"utt_id": utt_id, "n_frames": n_frames,
                       "reason": f"over training.max_frames ({max_frames})"}
                      for utt_id, n_frames in excluded))
    write_text_atomic(out_dir / PARAMS, json.dumps(dict(parameter_counts), indent=2) + "\n")
    checkpoint = out_dir / CHECKPOINT
    save_checkpoint(checkpoint, system, sections, state, {"steps": len(loss_rows), **info})
    return checkpoint
