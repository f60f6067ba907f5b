"""The ground-truth pseudo-systems: a test set's own recordings laid out as a system's output.

`ground_truth`: the recordings themselves, the floor every system is compared with (their WER
through the same ASR, their MOS-proxy), as DESIGN.md asks beside every system's numbers.
`ground_truth_gl`: each recording's log-mel (the training features' settings) through the
vocoder the systems use (Griffin-Lim, or the trained vocoder of mvc.train.vocoder_stage),
so the cost of the mel + vocoder round trip alone is measured too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from mvc.atomic import atomic_dir
from mvc.audio import load, save
from mvc.config import build, section
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.features.mel import MelConfig, log_mel


def _recording(row: Utterance, system: str) -> str:
    """The row's audio path; InputError when the test set is text only."""
    if not row.audio_path:
        raise InputError(f"utterance {row.utt_id!r}", "has no recording",
                         "a text-only test set has no ground truth; leave it out of the "
                         f"{system} system's test sets")
    return row.audio_path


def export_ground_truth(rows: Sequence[Utterance], out_dir: Path) -> None:
    """Write each row's recording as `{utt_id}.wav` (16-bit PCM, its own rate) into `out_dir`."""
    with atomic_dir(out_dir) as tmp:
        for row in tqdm(rows, desc="ground truth", unit="utt"):
            audio, sample_rate = load(_recording(row, "ground_truth"))
            save(tmp / f"{row.utt_id}.wav", audio, sample_rate)


def export_vocoded_ground_truth(rows: Sequence[Utterance], config: Mapping[str, Any],
                                out_dir: Path, vocoder_checkpoint: Path | None = None) -> None:
    """Write each row's recording after log-mel -> vocoder as `{utt_id}.wav` at the audio
    config's rate. `config` holds the `audio` and `model` sections (the vocoder settings);
    `vocoder_checkpoint` is the trained vocoder's (needed for kind hifigan)."""
    import torch

    from mvc.models.config import model_config
    from mvc.synth.vocoder import synthesis_vocoder

    mel_cfg = build(MelConfig, section(config, "audio"), "audio")
    vocoder = synthesis_vocoder(
        model_config(section(config, "model"), section(config, "audio")).vocoder, mel_cfg,
        vocoder_checkpoint)
    with atomic_dir(out_dir) as tmp:
        for row in tqdm(rows, desc="ground truth (vocoded)", unit="utt"):
            wave, _ = load(_recording(row, "ground_truth_gl"), sample_rate=mel_cfg.sample_rate)
            mel = torch.from_numpy(log_mel(wave, mel_cfg))
            save(tmp / f"{row.utt_id}.wav", vocoder(mel), mel_cfg.sample_rate)
