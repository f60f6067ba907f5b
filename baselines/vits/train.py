"""VITS's GAN training in our loop: the same seeded batches, step budget, resumable states
and loss log as the other systems (mvc.train.loop), around coqui's own `Vits.train_step`,
optimizers (`get_optimizer`: AdamW for the discriminator and the generator), criteria and
learning-rate schedulers.

One step is coqui's: the discriminator update (optimizer 0) on the generator's output of
this batch, then the generator update (optimizer 1), each with its gradient clipping
(`grad_clip`). The step budget is the other systems' total over their two stages (each
stage's epochs x batches per epoch, capped by its max_steps); VITS has a single stage, so the
epochs run on until the budget is spent, with the sampler's stage-1 batches of each epoch.
The schedulers step after each epoch (coqui's `scheduler_after_epoch`) or after each step.
"""

from __future__ import annotations

import itertools
import logging
import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from mvc.train import checkpoint
from mvc.train.config import TrainingConfig
from mvc.train.loop import write_loss_log
from mvc.train.sampler import epoch_batches

from .data import VitsTrainingSet

log = logging.getLogger(__name__)

SAMPLER_STAGE = 1
DISCRIMINATOR, GENERATOR = 0, 1


@dataclass
class Position:
    """The next batch to run (epoch, batch) and the optimizer steps done."""

    epoch: int = 0
    batch: int = 0
    step: int = 0


def step_budget(cfg: TrainingConfig, seed: int, lengths: list[int]) -> int:
    """The other systems' optimizer steps: per stage, epochs x batches, capped by max_steps
    (an epoch's number of batches depends on the lengths' count and the batch settings only)."""
    per_epoch = len(epoch_batches(lengths, cfg.batch_size, cfg.bucket_batches, seed,
                                  SAMPLER_STAGE, 0))
    return sum(min(stage.max_steps or math.inf, stage.epochs * per_epoch)
               for stage in cfg.stages)


def _loss_terms(disc: dict[str, Any], gen: dict[str, Any]) -> dict[str, str]:
    """Both criteria's terms (tensors or floats) with short names: `total` is the generator's
    loss, `disc_total` the discriminator's."""
    terms = {"total": gen["loss"], "disc_total": disc["loss"]}
    terms.update({k.removeprefix("loss_"): v for k, v in gen.items() if k != "loss"})
    terms.update({k.removeprefix("loss_"): v for k, v in disc.items() if k != "loss"})
    return {name: f"{float(value.detach() if torch.is_tensor(value) else value):.6g}"
            for name, value in terms.items()}


def _check_finite(losses: dict[str, torch.Tensor], step: int, batch: dict[str, Any]) -> None:
    bad = [name for name, value in losses.items()
           if isinstance(value, torch.Tensor) and not torch.isfinite(value.detach()).all()]
    if bad:
        raise FloatingPointError(
            f"VITS step {step}: loss terms {bad} are not finite (batch "
            f"{batch['audio_unique_names']}). Lower systems.vits lr_gen/lr_disc or grad_clip; "
            "the last good state is in the work directory")


def _save(model: nn.Module, optimizers: list, schedulers: list, position: Position,
          rows: list[dict[str, Any]], work_dir: Path, fingerprint: str,
          cfg: TrainingConfig) -> None:
    checkpoint.save_state(work_dir, position.step, {
        "fingerprint": fingerprint, "position": asdict(position), "model": model.state_dict(),
        "optimizer": [o.state_dict() for o in optimizers],
        "scheduler": [s.state_dict() if s is not None else None for s in schedulers],
        "rng": torch.get_rng_state(), "log": rows}, cfg.keep_checkpoints)
    write_loss_log(rows, work_dir / "losses.csv")


def _resume(model: nn.Module, optimizers: list, schedulers: list, work_dir: Path,
            fingerprint: str) -> tuple[Position, list[dict[str, Any]]]:
    state = checkpoint.resumable_state(work_dir, fingerprint)
    if state is None:
        return Position(), []
    model.load_state_dict(state["model"])
    for optimizer, saved in zip(optimizers, state["optimizer"], strict=True):
        optimizer.load_state_dict(saved)
    for scheduler, saved in zip(schedulers, state["scheduler"], strict=True):
        if scheduler is not None:
            scheduler.load_state_dict(saved)
    torch.set_rng_state(state["rng"])
    position = Position(**state["position"])
    log.info("resuming VITS from step %d (epoch %d, batch %d)", position.step, position.epoch,
             position.batch)
    return position, state["log"]


def train_vits(model: Any, data: VitsTrainingSet, cfg: TrainingConfig, seed: int,
               work_dir: Path, fingerprint: str, device: torch.device) -> list[dict[str, Any]]:
    """Run (or resume) VITS training on `model` in place; return the loss log's rows.

    The model must be freshly built from the same seed on every call (states of another
    `fingerprint` are stale and removed).
    """
    torch.use_deterministic_algorithms(True, warn_only=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    optimizers = model.get_optimizer()
    schedulers = model.get_scheduler(optimizers)
    criteria = model.get_criterion()
    params = [[p for group in o.param_groups for p in group["params"]] for o in optimizers]
    clips = [c if c is not None and c > 0 else math.inf for c in model.config.grad_clip]
    after_epoch = model.config.scheduler_after_epoch
    position, rows = _resume(model, optimizers, schedulers, work_dir, fingerprint)
    budget = step_budget(cfg, seed, data.lengths())
    progress = tqdm(total=budget, initial=position.step, desc="vits", unit="step")
    for epoch in itertools.count(position.epoch):
        if position.step >= budget:
            break
        batches = epoch_batches(data.lengths(), cfg.batch_size, cfg.bucket_batches, seed,
                                SAMPLER_STAGE, epoch)
        first = position.batch if epoch == position.epoch else 0
        for k in range(first, len(batches)):
            if position.step >= budget:
                break
            batch = model.format_batch(data.batch(batches[k]))
            batch = {key: v.to(device) if isinstance(v, torch.Tensor) else v
                     for key, v in batch.items()}
            batch = model.format_batch_on_device(batch)
            model.train()
            losses, norms = [], []
            for idx in (DISCRIMINATOR, GENERATOR):
                _, loss_dict = model.train_step(batch, criteria[idx], idx)
                _check_finite(loss_dict, position.step + 1, batch)
                model.zero_grad(set_to_none=True)
                loss_dict["loss"].backward()
                norms.append(float(nn.utils.clip_grad_norm_(params[idx], clips[idx])))
                optimizers[idx].step()
                if not after_epoch and schedulers[idx] is not None:
                    schedulers[idx].step()
                losses.append(loss_dict)
            model.model_outputs_cache = None
            position = Position(epoch, k + 1, position.step + 1)
            rows.append({"stage": 1, "epoch": epoch, "step": position.step,
                         "stage_step": position.step, "utterances": len(batches[k]),
                         "frames": int(batch["spec_lens"].sum()),
                         "lr": optimizers[GENERATOR].param_groups[0]["lr"],
                         "grad_norm": f"{norms[GENERATOR]:.6g}",
                         "disc_grad_norm": f"{norms[DISCRIMINATOR]:.6g}",
                         **_loss_terms(*losses)})
            progress.update(1)
            progress.set_postfix(mel=rows[-1].get("mel"))
            if position.step % cfg.checkpoint_every == 0:
                _save(model, optimizers, schedulers, position, rows, work_dir, fingerprint, cfg)
        if position.batch == len(batches) and position.epoch == epoch:
            if after_epoch:
                for scheduler in schedulers:
                    if scheduler is not None:
                        scheduler.step()
            position = Position(epoch + 1, 0, position.step)
    progress.close()
    _save(model, optimizers, schedulers, position, rows, work_dir, fingerprint, cfg)
    return rows
