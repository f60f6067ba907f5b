"""The two-stage training loop: seeded, deterministic on CPU, resumable after a kill.

Stage 1 trains what `model.stage_parameters(1)` returns (acoustic model + aligner), stage 2
what `stage_parameters(2)` returns (duration, prosody, style diffusion); each stage has its
own AdamW (constant learning rate) and gradient clipping, and calls `losses(batch, stage)["total"]
.backward()`. Every `checkpoint_every` steps and at each stage's end the whole state is saved;
a run started again with the same fingerprint continues from the newest state and ends with
exactly the weights and loss log of a run that was never interrupted.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import Tensor, nn
from tqdm import tqdm

from mvc.atomic import write_csv_atomic
from mvc.models.batch import Batch
from mvc.train import checkpoint
from mvc.train.config import StageConfig, TrainingConfig
from mvc.train.dataset import TrainingSet
from mvc.train.distributed import Processes, barrier
from mvc.train.sampler import epoch_batches

log = logging.getLogger(__name__)

LOG_PREFIX = ("stage", "epoch", "step", "stage_step", "utterances", "frames", "lr", "grad_norm")


class Trainable(Protocol):
    """What the loop needs of a model (mvc.models.tts.TTSModel provides it)."""

    def stage_parameters(self, stage: int) -> list[nn.Parameter]: ...
    def losses(self, batch: Batch, stage: int) -> dict[str, Tensor]: ...
    def state_dict(self) -> dict[str, Any]: ...
    def load_state_dict(self, state: dict[str, Any]) -> Any: ...
    def train(self, mode: bool = True) -> Any: ...
    def zero_grad(self, set_to_none: bool = True) -> None: ...


@dataclass
class Position:
    """Where a run is: the next batch to run (stage index 0/1, epoch, batch) and steps done."""

    stage_index: int = 0
    epoch: int = 0
    batch: int = 0
    step: int = 0
    stage_step: int = 0


def _optimizer(params: list[nn.Parameter], stage: StageConfig) -> torch.optim.AdamW:
    return torch.optim.AdamW(params, lr=stage.lr, betas=tuple(stage.betas), eps=stage.eps,
                             weight_decay=stage.weight_decay)


def _stage_batches(data: TrainingSet, cfg: TrainingConfig, seed: int, stage_index: int,
                   start: Position, processes: Processes) -> Iterator[tuple[int, int, list[int]]]:
    """(epoch, batch index, example indices) from `start` to the stage's end, this rank's share."""
    first_epoch = start.epoch if start.stage_index == stage_index else 0
    for epoch in range(first_epoch, cfg.stages[stage_index].epochs):
        batches = epoch_batches(data.lengths(), cfg.batch_size, cfg.bucket_batches, seed,
                                stage_index + 1, epoch, processes.rank, processes.world_size)
        first = start.batch if (start.stage_index, start.epoch) == (stage_index, epoch) else 0
        for k in range(first, len(batches)):
            yield epoch, k, batches[k]


def write_loss_log(rows: list[dict[str, Any]], path: Path) -> None:
    """The loss log as CSV, atomically: LOG_PREFIX then every loss term in first-seen order."""
    terms = list(dict.fromkeys(k for row in rows for k in row if k not in LOG_PREFIX))
    write_csv_atomic(path, [*LOG_PREFIX, *terms], rows)


def _resume(model: Trainable, work_dir: Path, fingerprint: str,
            processes: Processes) -> tuple[Position, list[dict[str, Any]], dict | None]:
    state = checkpoint.resumable_state(work_dir, fingerprint, delete_stale=processes.is_main)
    if state is None:
        barrier(processes)  # no rank reads the work directory while a stale state is deleted
        return Position(), [], None
    model.load_state_dict(state["model"])
    torch.set_rng_state(state["rng"])
    if processes.device.type == "cuda" and state.get("cuda_rng") is not None:
        torch.cuda.set_rng_state(state["cuda_rng"], processes.device)
    position = Position(**state["position"])
    log.info("resuming from step %d (stage %d, epoch %d, batch %d)", position.step,
             position.stage_index + 1, position.epoch, position.batch)
    return position, state["log"], state["optimizer"]


def _save(model: Trainable, optimizer: torch.optim.Optimizer | None, position: Position,
          rows: list[dict[str, Any]], work_dir: Path, fingerprint: str, cfg: TrainingConfig,
          processes: Processes) -> None:
    if processes.is_main:
        checkpoint.save_state(work_dir, position.step, {
            "fingerprint": fingerprint, "position": vars(position).copy(),
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict() if optimizer is not None else None,
            "rng": torch.get_rng_state(),
            "cuda_rng": (torch.cuda.get_rng_state(processes.device)
                         if processes.device.type == "cuda" else None),
            "log": rows,
        }, cfg.keep_checkpoints)
        write_loss_log(rows, work_dir / "losses.csv")
    barrier(processes)


def _step_row(batch: Batch, losses: dict[str, Tensor], position: Position, epoch: int,
              lr: float, grad_norm: float) -> dict[str, Any]:
    return {"stage": position.stage_index + 1, "epoch": epoch, "step": position.step,
            "stage_step": position.stage_step, "utterances": len(batch.utt_ids),
            "frames": int(batch.mel_lengths.sum()), "lr": lr, "grad_norm": f"{grad_norm:.6g}",
            **{name: f"{float(value.detach()):.6g}" for name, value in losses.items()}}


def _check_finite(losses: dict[str, Tensor], position: Position, batch: Batch) -> None:
    """Stop at the first non-finite loss: training on would only spread NaNs into the weights."""
    bad = [name for name, value in losses.items() if not torch.isfinite(value.detach())]
    if bad:
        raise FloatingPointError(
            f"stage {position.stage_index + 1}, step {position.step + 1}: loss terms {bad} are "
            f"not finite (batch {batch.utt_ids}). Lower the stage's lr or grad_clip; the last "
            "good state is in the work directory")


def train_stages(model: Trainable, data: TrainingSet, cfg: TrainingConfig, seed: int,
                 work_dir: Path, fingerprint: str, processes: Processes) -> list[dict[str, Any]]:
    """Run (or resume) both stages on `model` in place; return the loss log's rows.

    `fingerprint` identifies the configuration and data: states with another one are stale
    and removed. The model must be freshly built from the same seed on every call.
    """
    torch.use_deterministic_algorithms(True, warn_only=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    position, rows, optimizer_state = _resume(model, work_dir, fingerprint, processes)
    for stage_index in range(position.stage_index, len(cfg.stages)):
        stage_cfg = cfg.stages[stage_index]
        params = model.stage_parameters(stage_index + 1)
        optimizer = _optimizer(params, stage_cfg)
        if optimizer_state is not None and stage_index == position.stage_index:
            optimizer.load_state_dict(optimizer_state)
        limit = stage_cfg.max_steps or math.inf
        total = min(limit, stage_cfg.epochs * math.ceil(len(data) / cfg.batch_size))
        progress = tqdm(total=None if math.isinf(total) else total, initial=position.stage_step,
                        desc=f"stage {stage_index + 1}", unit="step",
                        disable=not processes.is_main)
        started = time.perf_counter()
        for epoch, k, indices in _stage_batches(data, cfg, seed, stage_index, position,
                                                processes):
            if position.stage_step >= limit:
                break
            batch = data.batch(indices).to(processes.device)
            model.train()
            model.zero_grad(set_to_none=True)
            losses = model.losses(batch, stage_index + 1)
            _check_finite(losses, position, batch)
            losses["total"].backward()
            processes.average_gradients(params)
            clip = stage_cfg.grad_clip if stage_cfg.grad_clip is not None else math.inf
            grad_norm = float(nn.utils.clip_grad_norm_(params, clip))
            optimizer.step()
            position = Position(stage_index, epoch, k + 1, position.step + 1,
                                position.stage_step + 1)
            rows.append(_step_row(batch, losses, position, epoch, stage_cfg.lr, grad_norm))
            progress.update(1)
            progress.set_postfix(loss=rows[-1]["total"])
            if position.step % cfg.checkpoint_every == 0:
                _save(model, optimizer, position, rows, work_dir, fingerprint, cfg, processes)
        progress.close()
        log.info("stage %d: %d steps in %.1f s", stage_index + 1, position.stage_step,
                 time.perf_counter() - started)
        position = Position(stage_index + 1, 0, 0, position.step, 0)
        optimizer_state = None
        _save(model, None, position, rows, work_dir, fingerprint, cfg, processes)
    return rows
