"""The `vits` system: coqui-tts's VITS trained and synthesized through our interface.

Training reads the same data-stage outputs as the other systems (manifests, espeak-ng phoneme
tables, feature index for max_frames), trains with the `training:` section's batch size,
sampler, step budget, seed and device (baselines.vits.train), and writes into out_dir:
`checkpoint.pt` (our inference checkpoint: the VitsConfig inputs, our symbol table and the
generator's weights, no discriminator), `losses.csv`, `excluded.csv`, `params.json` and
`work/` (resumable states). Synthesis uses our text front end (the same token ids as the other
systems), splits long texts into sentences and writes `{utt_id}.wav` at audio.sample_rate and
timings.csv. VITS is speaker-agnostic here: it takes no reference audio (docs/models.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from mvc import audio
from mvc.atomic import atomic_dir
from mvc.config import section
from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.eval.efficiency import write_timings
from mvc.hashing import record_sha256
from mvc.memory import MIB, peak_bytes, reset_peak
from mvc.synth.config import synthesis_config
from mvc.synth.references import derived_seed
from mvc.synth.synthesize import sentence_ids
from mvc.systems.outputs import write_training_outputs
from mvc.text.symbols import default_table
from mvc.train.checkpoint import load_checkpoint
from mvc.train.config import training_config
from mvc.train.dataset import DatasetFiles
from mvc.train.distributed import limit_threads

from .config import build_vits, check_overrides, vits_config
from .data import Sample, VitsTrainingSet, coqui_samples
from .infer import infer
from .tokens import vits_ids
from .train import train_vits

log = logging.getLogger(__name__)

NAME = "vits"
INFERENCE_PARTS = ("text_encoder", "duration_predictor", "flow", "waveform_decoder")


def vits_overrides(config: Mapping[str, Any]) -> Mapping[str, Any]:
    """The `systems: vits:` entry (VitsConfig overrides), checked."""
    systems = section(config, "systems")
    if not isinstance(systems, Mapping) or NAME not in systems:
        raise InputError(f"systems.{NAME}", "missing: every trained system needs an entry",
                         "add `vits: {}` (coqui's defaults) or its VitsConfig overrides under "
                         "systems: (see configs/default.yaml)")
    check_overrides(systems[NAME])
    return systems[NAME]


def parameter_counts(model: Any) -> dict[str, int]:
    """The efficiency table's counts. `total` is what synthesis runs: text encoder, duration
    predictor, flow and the HiFi-GAN waveform decoder (VITS's vocoder, inside the model);
    `conditioning` is text encoder + duration predictor. The training-only parts are counted
    apart, as MVC's aligner is: the posterior encoder (linear spectrogram -> latent) and the
    discriminator (0 in an inference model)."""
    def count(module: torch.nn.Module | None) -> int:
        return 0 if module is None else sum(p.numel() for p in module.parameters())
    parts = {name: count(getattr(model, name)) for name in INFERENCE_PARTS}
    return {"total": sum(parts.values()),
            "conditioning": parts["text_encoder"] + parts["duration_predictor"], **parts,
            "posterior_encoder": count(model.posterior_encoder),
            "discriminator": count(getattr(model, "disc", None))}


def load_vits(checkpoint: Path, name: str = NAME) -> tuple[Any, dict[str, Any]]:
    """The inference model of a VITS checkpoint (no discriminator) and its sections."""
    saved = load_checkpoint(checkpoint, name)
    sections = saved["sections"]
    model = build_vits(vits_config(sections["audio"], sections["vits"], sections["symbols"],
                                   training=False), int(sections["seed"]))
    model.load_state_dict(saved["state"], strict=True)
    return model.eval(), sections


def _split_by_length(samples: Sequence[Sample], max_frames: int | None
                     ) -> tuple[list[Sample], list[Sample]]:
    if not samples:
        raise InputError("training datasets", "no `train` rows",
                         "give training datasets a train fraction in their split config")
    limit = max_frames if max_frames is not None else max(s.n_frames for s in samples)
    kept = [s for s in samples if s.n_frames <= limit]
    if not kept:
        raise InputError("training.max_frames", f"every utterance is longer than {limit} frames",
                         "raise training.max_frames (or set it to null)")
    return kept, [s for s in samples if s.n_frames > limit]


class VitsSystem:
    """coqui-tts's VITS behind the system interface (the registry passes the name)."""

    def __init__(self, name: str = NAME) -> None:
        self.name = name

    def train(self, config: Mapping[str, Any], datasets: Sequence[DatasetFiles],
              feature_cache: Path, out_dir: Path) -> Path:
        seed = int(section(config, "seed"))
        audio_section = dict(section(config, "audio"))
        overrides = vits_overrides(config)
        train_cfg = training_config(section(config, "training"))
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            raise InputError("mvc train vits", "torchrun data parallelism is not supported for "
                             "VITS", "run it as one process")
        limit_threads(train_cfg.threads)
        if train_cfg.device == "cuda" and not torch.cuda.is_available():
            raise InputError("training.device", "cuda, but no CUDA GPU is visible",
                             "set training.device: cpu, or run on a machine with a GPU")
        device = torch.device(train_cfg.device)
        symbols = list(default_table().symbols)
        samples, excluded = _split_by_length(
            [s for files in datasets for s in coqui_samples(files, len(symbols))],
            train_cfg.max_frames)
        log.info("VITS training on %d utterances (%d over max_frames left out)", len(samples),
                 len(excluded))
        vits_cfg = vits_config(audio_section, overrides, symbols, training=True)
        model = build_vits(vits_cfg, seed).to(device)
        data = VitsTrainingSet(samples, symbols, model.tokenizer, int(audio_section["sample_rate"]))
        sections = {"seed": seed, "audio": audio_section, "vits": dict(overrides),
                    "symbols": symbols}
        fingerprint = record_sha256({
            "sections": {**sections, "training": section(config, "training")},
            "data": [[s.audio_unique_name, s.audio_file, list(s.token_ids)] for s in samples]})
        started = time.perf_counter()
        rows = train_vits(model, data, train_cfg, seed, out_dir / "work", fingerprint, device)
        state = {k: v for k, v in model.state_dict().items() if not k.startswith("disc.")}
        return write_training_outputs(
            out_dir, self.name, sections, state, rows,
            [(s.utt_id, s.n_frames) for s in excluded], train_cfg.max_frames,
            parameter_counts(model),
            {"utterances": len(samples), "excluded": len(excluded), "fingerprint": fingerprint,
             "seconds_this_run": time.perf_counter() - started})

    def synthesize(self, checkpoint: Path, manifest: Path, split: str | None,
                   config: Mapping[str, Any], out_dir: Path,
                   vocoder_checkpoint: Path | None = None) -> None:
        """VITS carries its own HiFi-GAN waveform decoder: the backbone systems' shared
        vocoder (`vocoder_checkpoint`, given to every system of a hifigan config) is unused."""
        rows = read_manifest(manifest)
        targets = [r for r in rows if split in (None, r.split)]
        synth_cfg = synthesis_config(section(config, "synthesis"))
        if synth_cfg.lookahead is not None:
            raise InputError("synthesis.lookahead", f"{synth_cfg.lookahead}: VITS has no "
                             "streaming mode", "synthesize VITS offline (lookahead: null)")
        limit_threads(synth_cfg.threads)
        device = torch.device(synth_cfg.device)
        model, sections = load_vits(checkpoint, self.name)
        model = model.to(device)
        sample_rate = int(sections["audio"]["sample_rate"])
        seed = int(section(config, "seed"))
        encoded = sentence_ids(targets, manifest)
        pause = np.zeros(round(synth_cfg.sentence_pause_s * sample_rate), dtype=np.float32)
        timings = []
        with atomic_dir(out_dir) as tmp:
            for target in tqdm(encoded, desc="synthesis (vits)", unit="utt"):
                wave, seconds = synthesize_sentences(model, target.utt_id, target.sentences,
                                                     sections["symbols"], seed, pause, device)
                audio.save(tmp / f"{target.utt_id}.wav", wave, sample_rate)
                timings.append({"utt_id": target.utt_id, "system": self.name,
                                "audio_seconds": wave.size / sample_rate, **seconds})
            write_timings(timings, tmp / "timings.csv")


def synthesize_sentences(model: Any, utt_id: str, sentences: Sequence[torch.Tensor],
                         symbols: Sequence[str], seed: int, pause: np.ndarray,
                         device: torch.device) -> tuple[np.ndarray, dict[str, float]]:
    """One utterance: its sentences (our token ids, (1, T) each) joined by `pause`, with the
    noise drawn from a generator seeded by (seed, utt_id); and its timings (seconds) and peak
    memory (mvc.memory, as for the other systems)."""
    ids = [vits_ids(s[0].tolist(), symbols, model.tokenizer, f"utterance {utt_id!r}")
           for s in sentences]
    seconds = dict.fromkeys(("conditioning", "diffusion", "decoder", "vocoder"), 0.0)
    pieces: list[np.ndarray] = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(derived_seed(seed, utt_id))
        reset_peak(device)
        started = time.perf_counter()
        for k, sentence in enumerate(ids):
            result = infer(model, sentence, device)
            for part, value in result.seconds.items():
                seconds[part] += value
            pieces.extend([pause, result.wave] if k else [result.wave])
        total = time.perf_counter() - started
        peak_mb = peak_bytes(device) / MIB
    return (np.concatenate(pieces).astype(np.float32),
            {"total_s": total, **{f"{part}_s": value for part, value in seconds.items()},
             "peak_mem_mb": peak_mb})

