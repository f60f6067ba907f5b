"""The systems on the shared backbone (MVC, the styletts2 and hybrid baselines, MVC's
ablations): two-stage training to one checkpoint, and test-set synthesis. One class,
parametrized by the system name; a system's model is the `model:` section with its
`systems:` overrides merged in (mvc.systems.overrides), which is what the checkpoint
records.

Training writes into out_dir: `checkpoint.pt` (config sections + inference weights, no
aligner), `losses.csv` (one row per optimizer step), `excluded.csv` (training utterances
over training.max_frames frames), `params.json` (`TTSModel.parameter_counts()`: total,
conditioning path, text encoder, aligner; the efficiency table's parameters) and `work/`
(resumable states: rerunning after a kill continues from the newest one).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch

from mvc.config import build, section
from mvc.data.manifest import read_manifest
from mvc.features.mel import MelConfig
from mvc.hashing import record_sha256
from mvc.models.config import model_config
from mvc.models.tts import TTSModel, build_model
from mvc.synth.config import synthesis_config
from mvc.synth.synthesize import synthesize_testset
from mvc.synth.vocoder import synthesis_vocoder
from mvc.systems.outputs import CHECKPOINT, write_training_outputs
from mvc.systems.overrides import system_model_section
from mvc.train.checkpoint import load_checkpoint
from mvc.train.config import training_config
from mvc.train.dataset import DatasetFiles, load_training_set
from mvc.train.distributed import limit_threads, setup
from mvc.train.loop import train_stages

log = logging.getLogger(__name__)

TRAIN_SECTIONS = ("seed", "audio", "training")


class MVCSystem:
    """A conditioning path on the shared StyleTTS2-style backbone: MambaVoiceCloning under
    `mvc`, the baselines under their names (the registry passes the name)."""

    def __init__(self, name: str = "mvc") -> None:
        self.name = name

    def train(self, config: Mapping[str, Any], datasets: Sequence[DatasetFiles],
              feature_cache: Path, out_dir: Path) -> Path:
        sections = {key: section(config, key) for key in TRAIN_SECTIONS}
        sections["model"] = system_model_section(config, self.name)
        model_cfg = model_config(sections["model"], sections["audio"])
        train_cfg = training_config(sections["training"])
        limit_threads(train_cfg.threads)
        processes = setup(train_cfg.device)
        data, excluded = load_training_set(datasets, feature_cache, model_cfg.n_symbols,
                                           train_cfg.max_frames)
        log.info("training on %d utterances (%d over max_frames left out)", len(data),
                 len(excluded))
        fingerprint = record_sha256({
            "sections": sections,
            "data": [[e.utt_id, e.feature_key, list(e.token_ids)] for e in data.examples]})
        torch.manual_seed(int(sections["seed"]))
        model = build_model(model_cfg).to(processes.device)
        started = time.perf_counter()
        rows = train_stages(model, data, train_cfg, int(sections["seed"]), out_dir / "work",
                            fingerprint, processes)
        checkpoint = out_dir / CHECKPOINT
        if processes.is_main:
            write_training_outputs(
                out_dir, self.name,
                {"seed": sections["seed"], "audio": sections["audio"], "model": sections["model"]},
                model.inference_state_dict(), rows,
                [(e.utt_id, e.n_frames) for e in excluded], train_cfg.max_frames,
                model.parameter_counts(),
                {"utterances": len(data), "excluded": len(excluded), "fingerprint": fingerprint,
                 "seconds_this_run": time.perf_counter() - started})
        return checkpoint

    def synthesize(self, checkpoint: Path, manifest: Path, split: str | None,
                   config: Mapping[str, Any], out_dir: Path,
                   vocoder_checkpoint: Path | None = None) -> None:
        """`config`: sections seed and synthesis (an ablation's synthesis knobs already
        set there). `vocoder_checkpoint`: the trained vocoder, for a model whose vocoder is
        hifigan."""
        rows = read_manifest(manifest)
        targets = [r for r in rows if split in (None, r.split)]
        saved = load_checkpoint(checkpoint, self.name)
        model_cfg = model_config(saved["sections"]["model"], saved["sections"]["audio"])
        mel_cfg = build(MelConfig, saved["sections"]["audio"], "audio")
        synth_cfg = synthesis_config(section(config, "synthesis"))
        limit_threads(synth_cfg.threads)
        device = torch.device(synth_cfg.device)
        model = TTSModel.from_inference_state(model_cfg, saved["state"]).to(device).eval()
        vocoder = synthesis_vocoder(model_cfg.vocoder, mel_cfg, vocoder_checkpoint, device)
        synthesize_testset(self.name, model, vocoder, mel_cfg, rows, targets, synth_cfg,
                           int(section(config, "seed")), manifest, out_dir, device)
