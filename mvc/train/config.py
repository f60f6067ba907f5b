"""The `training:` config section as typed dataclasses (built once, at the edge).

Optimizer defaults follow StyleTTS2's public training code (yl4579/StyleTTS2,
`optimizers.py`: AdamW with betas (0.0, 0.99), eps 1e-9, weight decay 1e-4, and a OneCycle
schedule with div_factor = final_div_factor = 1, i.e. a constant learning rate;
`Configs/config.yml`: lr 1e-4). docs/training.md lists every setting and its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mvc.config import build
from mvc.errors import InputError

DEVICES = ("cpu", "cuda")


@dataclass(frozen=True)
class StageConfig:
    """One training stage: how long, and the AdamW settings of its optimizer.

    epochs: passes over the training set; max_steps: stop the stage earlier (None: no limit).
    grad_clip: max global gradient norm (None: no clipping).
    """

    epochs: int
    lr: float
    betas: list[float]
    eps: float
    weight_decay: float
    grad_clip: float | None
    max_steps: int | None = None

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise InputError("training.stages.epochs", f"{self.epochs}", "use 1 or more")
        if len(self.betas) != 2 or not all(0 <= b < 1 for b in self.betas):
            raise InputError("training.stages.betas", f"{self.betas}",
                             "give two numbers in [0, 1), e.g. [0.0, 0.99]")
        if self.max_steps is not None and self.max_steps < 1:
            raise InputError("training.stages.max_steps", f"{self.max_steps}",
                             "use 1 or more, or null for no limit")


@dataclass(frozen=True)
class TrainingConfig:
    """How MVC is trained: batching, stages, checkpoints, device.

    batch_size: utterances per batch (per process under torchrun).
    max_frames: utterances with more mel frames are left out of training and listed in
      `excluded.csv` beside the checkpoint (None: keep all). Not StyleTTS2's max_len, which
      is the length of the mel segment its decoder reconstructs (docs/training.md).
    bucket_batches: batches per length bucket: the shuffled training set is cut into runs of
      batch_size * bucket_batches utterances, each sorted by length before batching, so a
      batch holds similar lengths (less padding) while the order stays random.
    checkpoint_every: optimizer steps between resumable checkpoints (and at each stage end).
    keep_checkpoints: how many of the newest resumable checkpoints stay on disk.
    threads: torch CPU threads (None: torch's default).
    device: "cpu" or "cuda" (the rule then asks Snakemake for gpu=1).
    """

    batch_size: int
    max_frames: int | None
    bucket_batches: int
    checkpoint_every: int
    keep_checkpoints: int
    stages: list[StageConfig]
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        for name in ("batch_size", "max_frames", "bucket_batches", "checkpoint_every",
                     "keep_checkpoints"):
            if getattr(self, name) is not None and getattr(self, name) < 1:
                raise InputError(f"training.{name}", f"{getattr(self, name)}", "use 1 or more")
        if len(self.stages) != 2:
            raise InputError("training.stages", f"{len(self.stages)} stages",
                             "give exactly two: stage 1 (acoustic + aligner), stage 2 "
                             "(duration, prosody, style diffusion)")
        if self.device not in DEVICES:
            raise InputError("training.device", repr(self.device), f"use one of {DEVICES}")


def training_config(mapping: Mapping[str, Any]) -> TrainingConfig:
    """Build a TrainingConfig from the YAML/JSON `training:` mapping, strictly."""
    if not isinstance(mapping, Mapping) or not isinstance(mapping.get("stages"), list):
        raise InputError("training", "needs a list `stages`", "see configs/default.yaml")
    stages = [build(StageConfig, stage, f"training.stages[{i}]")
              for i, stage in enumerate(mapping["stages"])]
    return build(TrainingConfig, {**mapping, "stages": stages}, "training")
