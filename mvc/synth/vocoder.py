"""The vocoder synthesis uses: Griffin-Lim as configured, or the trained HiFi-GAN/iSTFTNet
generator from the vocoder stage's checkpoint (mvc.train.vocoder_stage)."""

from __future__ import annotations

from pathlib import Path

import torch

from mvc.config import build
from mvc.errors import InputError
from mvc.features.mel import MelConfig
from mvc.models.config import VocoderConfig, build_nested
from mvc.models.vocoder import ISTFTGenerator, Vocoder, build_vocoder
from mvc.train.checkpoint import load_checkpoint
from mvc.train.vocoder_stage import VOCODER

VOCODER_TARGET = "results/train/vocoder/checkpoint.pt"


def synthesis_vocoder(config: VocoderConfig, audio: MelConfig, checkpoint: Path | None,
                      device: torch.device | None = None) -> Vocoder:
    """The configured vocoder; for kind hifigan, the generator trained into `checkpoint`.

    An untrained generator would turn every mel into noise, so hifigan without a checkpoint
    is refused; a checkpoint trained for other audio or generator settings is refused too.
    """
    if config.kind != "hifigan":
        return build_vocoder(config, audio)
    if checkpoint is None:
        raise InputError("model.vocoder.kind", "hifigan, but the vocoder checkpoint is missing "
                         "(the generator is untrained)",
                         f"run the train_vocoder rule (snakemake {VOCODER_TARGET}) and pass "
                         "the checkpoint with --vocoder")
    saved = load_checkpoint(checkpoint, VOCODER)
    trained_audio = build(MelConfig, saved["sections"]["audio"], "audio")
    trained = build_nested(VocoderConfig, saved["sections"]["model"]["vocoder"], "model.vocoder")
    for name, mine, theirs in (("audio", audio, trained_audio),
                               ("model.vocoder.hifigan", config.hifigan, trained.hifigan)):
        if mine != theirs:
            raise InputError(checkpoint, f"trained for other {name} settings ({theirs}, these "
                             f"are {mine})", f"retrain it (snakemake {VOCODER_TARGET})")
    generator = ISTFTGenerator(audio.n_mels, config.hifigan)
    generator.load_state_dict(saved["state"])
    return build_vocoder(config, audio, generator.to(device or "cpu").eval())
