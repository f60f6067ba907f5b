"""A coqui `VitsConfig` from our config: the `audio:` section (sample rate, STFT and mel
settings), our phoneme symbol table (the vocabulary) and the `systems: vits:` overrides.

The overrides are VitsConfig fields: `model_args` (a mapping of `VitsArgs` fields) and the
training/loss fields below; anything else is an InputError, so a typo never falls back to a
coqui default silently. Fields that this adapter decides are refused too: the vocabulary size
and spectrogram bins (from our symbol table and n_fft), and speaker/language embeddings and
external speaker encoders (VITS is trained speaker-agnostic here: docs/models.md, Baselines).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import fields
from typing import Any

from mvc.errors import InputError

WHERE = "systems.vits"
TRAINING_FIELDS = (
    "add_blank", "lr_gen", "lr_disc", "grad_clip", "optimizer", "optimizer_params",
    "lr_scheduler_gen", "lr_scheduler_gen_params", "lr_scheduler_disc",
    "lr_scheduler_disc_params", "scheduler_after_epoch", "kl_loss_alpha", "disc_loss_alpha",
    "gen_loss_alpha", "feat_loss_alpha", "mel_loss_alpha", "dur_loss_alpha",
)
OWNED_ARGS = {
    "num_chars": "set from the symbol table",
    "out_channels": "set from audio.n_fft (n_fft // 2 + 1 linear-spectrogram bins)",
    "init_discriminator": "training builds it, synthesis does not",
    "use_speaker_embedding": "VITS is trained speaker-agnostic here",
    "speakers_file": "VITS is trained speaker-agnostic here",
    "use_d_vector_file": "VITS is trained speaker-agnostic here",
    "d_vector_file": "VITS is trained speaker-agnostic here",
    "d_vector_dim": "VITS is trained speaker-agnostic here",
    "use_language_embedding": "one model for the training languages, as for every system",
    "language_ids_file": "one model for the training languages, as for every system",
    "use_speaker_encoder_as_loss": "no external speaker encoder (no model hubs)",
    "speaker_encoder_config_path": "no external speaker encoder (no model hubs)",
    "speaker_encoder_model_path": "no external speaker encoder (no model hubs)",
    "encoder_sample_rate": "every system runs at audio.sample_rate",
}
GRAPHEMES = "TTS.tts.utils.text.characters.Graphemes"
PAD, BLANK = "<PAD>", "<BLNK>"


def check_overrides(overrides: Mapping[str, Any]) -> None:
    """InputError for an override that is not a known, adapter-free VitsConfig field."""
    from TTS.tts.configs.vits_config import VitsArgs

    if not isinstance(overrides, Mapping):
        raise InputError(WHERE, f"expected a mapping of VitsConfig overrides, found "
                         f"{type(overrides).__name__}", "see configs/default.yaml")
    unknown = sorted(set(overrides) - {"model_args", *TRAINING_FIELDS})
    if unknown:
        raise InputError(WHERE, f"unknown or unsupported field(s) {unknown}",
                         f"use model_args or one of {', '.join(TRAINING_FIELDS)}")
    args = overrides.get("model_args", {})
    if not isinstance(args, Mapping):
        raise InputError(f"{WHERE}.model_args", f"expected a mapping, found "
                         f"{type(args).__name__}", "give VitsArgs fields as a mapping")
    known = {f.name for f in fields(VitsArgs)}
    unknown = sorted(set(args) - known)
    if unknown:
        raise InputError(f"{WHERE}.model_args", f"unknown VitsArgs field(s) {unknown}",
                         "see TTS/tts/configs/vits_config.py (coqui-tts 0.28) for the fields")
    owned = sorted(set(args) & set(OWNED_ARGS))
    if owned:
        raise InputError(f"{WHERE}.model_args", f"{owned} are set by the adapter "
                         f"({OWNED_ARGS[owned[0]]})", "remove them from the overrides")


def characters_config(symbols: Sequence[str]) -> Any:
    """Coqui's vocabulary from our symbol table: pad, blank, then our symbols 1.. in id order
    (so our id k is coqui id k + 1), unsorted and without punctuation of its own."""
    from TTS.tts.configs.shared_configs import CharactersConfig

    return CharactersConfig(characters_class=GRAPHEMES, characters="".join(symbols[1:]),
                            punctuations="", phonemes=None, pad=PAD, eos=None, bos=None,
                            blank=BLANK, is_unique=False, is_sorted=False)


def vits_config(audio: Mapping[str, Any], overrides: Mapping[str, Any],
                symbols: Sequence[str], *, training: bool) -> Any:
    """The VitsConfig of our settings; `training` builds the discriminator too."""
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig

    check_overrides(overrides)
    args = VitsArgs(**{**overrides.get("model_args", {}),
                       "out_channels": int(audio["n_fft"]) // 2 + 1,
                       "init_discriminator": training})
    hop = int(audio["hop_length"])
    if math.prod(args.upsample_rates_decoder) != hop:
        raise InputError(f"{WHERE}.model_args.upsample_rates_decoder",
                         f"{args.upsample_rates_decoder} multiply to "
                         f"{math.prod(args.upsample_rates_decoder)}, not audio.hop_length {hop}",
                         "give rates whose product is the hop length (and kernel sizes to "
                         "match, e.g. twice each rate)")
    audio_cfg = BaseAudioConfig(sample_rate=int(audio["sample_rate"]), fft_size=int(audio["n_fft"]),
                                win_length=int(audio["win_length"]), hop_length=hop,
                                num_mels=int(audio["n_mels"]), mel_fmin=float(audio["f_min"]),
                                mel_fmax=audio["f_max"], do_trim_silence=False)
    training_fields = {k: v for k, v in overrides.items() if k != "model_args"}
    return VitsConfig(model_args=args, audio=audio_cfg, characters=characters_config(symbols),
                      use_phonemes=False, text_cleaner=None, enable_eos_bos_chars=False,
                      **training_fields)


def build_vits(config: Any, seed: int) -> Any:
    """A fresh Vits with weights drawn from `seed` (coqui's own initialization)."""
    import torch
    from TTS.tts.models.vits import Vits

    torch.manual_seed(seed)
    return Vits(config)
