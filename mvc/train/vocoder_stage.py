"""The vocoder stage: one HiFi-GAN/iSTFTNet vocoder trained on the training datasets'
recordings, shared by every system on the backbone (each pays the same vocoder).

Writes into out_dir: `checkpoint.pt` (the `audio` and `model.vocoder` sections and the
generator's weights, no discriminator: everything synthesis needs), `losses.csv` (one row
per step) and `work/` (resumable states: rerunning after a kill continues from the newest).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from mvc.config import build, section
from mvc.errors import InputError
from mvc.features.mel import MelConfig
from mvc.hashing import record_sha256
from mvc.models.config import VocoderConfig, build_nested
from mvc.models.discriminators import Discriminators
from mvc.models.vocoder import build_vocoder
from mvc.train.checkpoint import save_checkpoint
from mvc.train.distributed import limit_threads
from mvc.train.vocoder_config import vocoder_training_config
from mvc.train.vocoder_data import SegmentSampler, training_recordings
from mvc.train.vocoder_loop import train_vocoder, write_vocoder_loss_log

log = logging.getLogger(__name__)

VOCODER = "vocoder"  # the checkpoint's `system` field


def vocoder_config(config: Mapping[str, Any]) -> VocoderConfig:
    """The `model.vocoder` section as a VocoderConfig."""
    return build_nested(VocoderConfig, section(config, "model", "vocoder"), "model.vocoder")


def train_vocoder_stage(config: Mapping[str, Any], manifests: Sequence[Path], out_dir: Path,
                        stop_after: int | None = None) -> Path:
    """Train (or resume) the vocoder of `config` (sections seed, audio, model.vocoder,
    vocoder_training) on the manifests' `train` rows; return the checkpoint path.
    `stop_after`: see `train_vocoder` (an interruption, for tests)."""
    seed = int(section(config, "seed"))
    audio = build(MelConfig, section(config, "audio"), "audio")
    vocoder_cfg = vocoder_config(config)
    if vocoder_cfg.kind != "hifigan":
        raise InputError("model.vocoder.kind", f"{vocoder_cfg.kind!r} needs no training",
                         "train the vocoder only for kind: hifigan")
    cfg = vocoder_training_config(section(config, "vocoder_training"))
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise InputError("vocoder_training.device", "cuda, but no CUDA GPU is visible",
                         "set vocoder_training.device: cpu, or run on a machine with a GPU")
    limit_threads(cfg.threads)
    device = torch.device(cfg.device)
    rows = training_recordings(manifests)
    log.info("training the vocoder on %d recordings", len(rows))
    sections = {"seed": seed, "audio": section(config, "audio"),
                "vocoder": section(config, "model", "vocoder"),
                "vocoder_training": section(config, "vocoder_training")}
    fingerprint = record_sha256({"sections": sections,
                                 "data": [[r.utt_id, r.audio_path] for r in rows]})
    # before building: spectral norm's initial power iteration differs under the flag
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.manual_seed(seed)
    generator = build_vocoder(vocoder_cfg, audio).generator.to(device)
    discriminators = Discriminators(cfg.discriminators).to(device)
    data = SegmentSampler(rows, audio, cfg.segment_frames, cfg.batch_size, seed)
    started = time.perf_counter()
    losses = train_vocoder(generator, discriminators, data, cfg, audio, out_dir / "work",
                           fingerprint, device, stop_after)
    write_vocoder_loss_log(losses, out_dir / "losses.csv")
    path = out_dir / "checkpoint.pt"
    if len(losses) == cfg.steps:
        save_checkpoint(path, VOCODER, {"audio": sections["audio"],
                                        "model": {"vocoder": sections["vocoder"]}},
                        {k: v.cpu() for k, v in generator.state_dict().items()},
                        {"steps": len(losses), "utterances": len(rows),
                         "fingerprint": fingerprint,
                         "seconds_this_run": time.perf_counter() - started})
    return path
