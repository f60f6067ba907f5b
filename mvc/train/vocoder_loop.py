"""The vocoder's adversarial training loop: seeded, resumable after a kill (mvc.train.checkpoint).

Each step, on one batch of random segments (mvc.train.vocoder_data):
1. the generator turns the mels into waveforms;
2. discriminator update: LSGAN loss on the real and the (detached) generated waveforms;
3. generator update: weighted mel L1 + feature matching + LSGAN adversarial loss, with the
   just-updated discriminators (HiFi-GAN's order).
Both networks use AdamW with the same settings, gradient clipping and the decayed
learning rate `cfg.lr_at(step)`. Every `checkpoint_every` steps and at the end the whole state
(both networks, both optimizers, torch's RNG, the loss log) is saved as a training state
(`{work_dir}/step_{step:07d}.pt`, the format mvc.train.loop uses); a run started again with
the same fingerprint continues from the newest one and ends with the weights and loss log of
an uninterrupted run. Single process: it does not use torchrun.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn
from tqdm import tqdm

from mvc.atomic import write_csv_atomic
from mvc.features.mel import MelConfig
from mvc.models.discriminators import Discriminators
from mvc.models.vocoder import ISTFTGenerator
from mvc.train import checkpoint
from mvc.train.vocoder_config import VocoderTrainingConfig
from mvc.train.vocoder_data import Segments, SegmentSampler
from mvc.train.vocoder_losses import (
    MelLoss,
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
)

log = logging.getLogger(__name__)

LOG_COLUMNS = ("step", "lr", "grad_norm_generator", "grad_norm_discriminator", "discriminator",
               "generator", "mel", "feature_matching", "adversarial")


def write_vocoder_loss_log(rows: list[dict[str, Any]], path: Path) -> None:
    """The loss log as CSV (LOG_COLUMNS), atomically."""
    write_csv_atomic(path, LOG_COLUMNS, rows)


def _optimizer(params: Any, cfg: VocoderTrainingConfig) -> torch.optim.AdamW:
    return torch.optim.AdamW(params, lr=cfg.lr, betas=tuple(cfg.betas), eps=cfg.eps,
                             weight_decay=cfg.weight_decay)


def _clipped_step(loss: Tensor, module: nn.Module, optimizer: torch.optim.Optimizer,
                  lr: float, clip: float | None) -> float:
    """Backward, clip, step; the gradient norm before clipping."""
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    norm = float(nn.utils.clip_grad_norm_(module.parameters(),
                                          clip if clip is not None else math.inf))
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.step()
    return norm


def _check_finite(losses: dict[str, Tensor], step: int) -> None:
    """Stop at the first non-finite loss: training on would only spread NaNs into the weights."""
    bad = [name for name, value in losses.items() if not torch.isfinite(value.detach())]
    if bad:
        raise FloatingPointError(f"vocoder step {step + 1}: loss terms {bad} are not finite. "
                                 "Lower vocoder_training.lr or grad_clip; the last good state "
                                 "is in the work directory")


def train_step(generator: ISTFTGenerator, discriminators: Discriminators, mel_loss: MelLoss,
               batch: Segments, optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
               cfg: VocoderTrainingConfig, step: int) -> dict[str, Any]:
    """One discriminator and one generator update; the step's loss-log row."""
    optimizer_g, optimizer_d = optimizers
    lr = cfg.lr_at(step)
    real = batch.wave.unsqueeze(1)
    fake = generator(batch.mel).unsqueeze(1)

    d_loss = discriminator_loss(discriminators(real), discriminators(fake.detach()))
    _check_finite({"discriminator": d_loss}, step)
    norm_d = _clipped_step(d_loss, discriminators, optimizer_d, lr, cfg.grad_clip)

    real_out, fake_out = discriminators(real), discriminators(fake)
    weights = cfg.loss_weights
    terms = {"mel": mel_loss(fake.squeeze(1), batch.wave),
             "feature_matching": feature_matching_loss(real_out, fake_out),
             "adversarial": generator_adversarial_loss(fake_out)}
    g_loss = (weights.mel * terms["mel"] + weights.feature_matching * terms["feature_matching"]
              + weights.adversarial * terms["adversarial"])
    _check_finite({**terms, "generator": g_loss}, step)
    norm_g = _clipped_step(g_loss, generator, optimizer_g, lr, cfg.grad_clip)
    return {"step": step + 1, "lr": f"{lr:.6g}", "grad_norm_generator": f"{norm_g:.6g}",
            "grad_norm_discriminator": f"{norm_d:.6g}",
            "discriminator": f"{float(d_loss.detach()):.6g}",
            "generator": f"{float(g_loss.detach()):.6g}",
            **{name: f"{float(value.detach()):.6g}" for name, value in terms.items()}}


def _resume(generator: nn.Module, discriminators: nn.Module,
            optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer], work_dir: Path,
            fingerprint: str) -> tuple[int, list[dict[str, Any]]]:
    """Load the newest state into the networks and optimizers; (steps done, log rows)."""
    state = checkpoint.resumable_state(work_dir, fingerprint)
    if state is None:
        return 0, []
    generator.load_state_dict(state["generator"])
    discriminators.load_state_dict(state["discriminators"])
    for optimizer, saved in zip(optimizers, state["optimizers"], strict=True):
        optimizer.load_state_dict(saved)
    torch.set_rng_state(state["rng"])
    log.info("resuming the vocoder from step %d", state["step"])
    return state["step"], state["log"]


def train_vocoder(generator: ISTFTGenerator, discriminators: Discriminators,
                  data: SegmentSampler, cfg: VocoderTrainingConfig, audio: MelConfig,
                  work_dir: Path, fingerprint: str, device: torch.device,
                  stop_after: int | None = None) -> list[dict[str, Any]]:
    """Run (or resume) the vocoder's training on the networks in place; the loss log's rows.

    Both networks must be freshly built from the same seed on every call, under
    torch.use_deterministic_algorithms (as `train_vocoder_stage` does). `stop_after`
    ends this call after that many steps in total (an interruption, for tests); a later call
    continues from the last saved state.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    optimizers = (_optimizer(generator.parameters(), cfg),
                  _optimizer(discriminators.parameters(), cfg))
    step, rows = _resume(generator, discriminators, optimizers, work_dir, fingerprint)
    mel_loss = MelLoss(audio).to(device)
    generator.train()
    discriminators.train()
    end = min(cfg.steps, stop_after) if stop_after is not None else cfg.steps
    with tqdm(total=cfg.steps, initial=step, desc="vocoder", unit="step") as progress:
        while step < end:
            rows.append(train_step(generator, discriminators, mel_loss,
                                   data.batch(step).to(device), optimizers, cfg, step))
            step += 1
            progress.update(1)
            progress.set_postfix(mel=rows[-1]["mel"])
            if step % cfg.checkpoint_every == 0 or step == cfg.steps:
                checkpoint.save_state(work_dir, step, {
                    "fingerprint": fingerprint, "generator": generator.state_dict(),
                    "discriminators": discriminators.state_dict(),
                    "optimizers": [o.state_dict() for o in optimizers],
                    "rng": torch.get_rng_state(), "log": rows}, cfg.keep_checkpoints)
                write_vocoder_loss_log(rows, work_dir / "losses.csv")
    return rows
