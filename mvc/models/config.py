"""The `model:` config section as typed dataclasses (values in configs/*.yaml).

`model_config(model_section, audio_section)` builds a `ModelConfig` strictly (unknown or
missing keys are InputErrors naming the key path) and fills in what the section must not
restate: `n_symbols` from the shipped symbol table and `n_mels` from the `audio:` section.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mvc.config import build
from mvc.errors import InputError
from mvc.text.symbols import SymbolTable

CONDITIONINGS = ("mvc", "styletts2", "hybrid")
VOCODERS = ("griffin_lim", "hifigan")
DERIVED_KEYS = ("n_symbols", "n_mels")


@dataclass(frozen=True)
class MambaConfig:
    """Mamba block settings shared by every SSM layer (mamba_ssm's names)."""

    d_state: int
    d_conv: int
    expand: int
    scan_backend: str | None = None  # None = automatic (mvc.ssm.scan)


@dataclass(frozen=True)
class TextEncoderConfig:
    """Gated Bi-Mamba text encoder: conv front end, then residual Bi-Mamba layers.

    bidirectional: false keeps only the forward scan of each layer (the unidirectional
    ablation, set in its systems: entry). The default (MVC) is not restated in model:, so
    adding the flag changed no trained system's section (no retraining, checkpoints load).
    """

    conv_layers: int
    kernel_size: int
    mamba_layers: int
    bidirectional: bool = True


@dataclass(frozen=True)
class TemporalConfig:
    """Temporal Bi-Mamba duration predictor: Bi-Mamba layers with AdaLN.

    adaln: false normalizes with a plain LayerNorm instead (the no-AdaLN ablation; its
    default, like text_encoder.bidirectional's, is MVC's and not restated in model:).
    """

    mamba_layers: int
    adaln: bool = True


@dataclass(frozen=True)
class ExpressiveConfig:
    """Expressive Mamba: Bi-Mamba layers with AdaLN, then AdaIN conv blocks per head.

    adaln: false normalizes the Bi-Mamba layers with a plain LayerNorm instead (the AdaIN
    blocks stay).
    """

    mamba_layers: int
    adain_blocks: int
    kernel_size: int
    adaln: bool = True


@dataclass(frozen=True)
class StyleTTS2Config:
    """The StyleTTS2 baseline's conditioning path (docs/models.md, Baselines).

    text_lstm_layers: BiLSTM layers after the text encoder's CNN (StyleTTS2: 1).
    duration_layers: [BiLSTM, AdaLN] pairs of the duration encoder (StyleTTS2: n_layer 3).
    """

    text_lstm_layers: int
    duration_layers: int


@dataclass(frozen=True)
class HybridConfig:
    """The Mamba-attention hybrid: MVC's text encoder; each Bi-Mamba layer of the duration
    and prosody modules replaced by a self-attention block with AdaLN (docs/models.md).

    heads: attention heads (hidden must be a multiple); ffn_expand: the blocks' feed-forward
    width as a multiple of hidden.
    """

    heads: int
    ffn_expand: int


@dataclass(frozen=True)
class AlignerConfig:
    """The training-only alignment teacher (text and mel conv encoders, L2 score)."""

    hidden: int
    layers: int
    kernel_size: int
    blank_logprob: float  # the CTC blank's fixed log score (RAD-TTS uses -1)
    prior_scaling: float  # beta-binomial alignment prior's scaling (RAD-TTS uses 1.0)


@dataclass(frozen=True)
class StyleEncoderConfig:
    """Acoustic and prosodic style encoders (same shape, separate weights)."""

    channels: int
    layers: int
    kernel_size: int


@dataclass(frozen=True)
class DecoderConfig:
    """Mel decoder: AdaIN residual conv blocks over aligned features + F0 + energy."""

    channels: int
    blocks: int
    kernel_size: int


@dataclass(frozen=True)
class DiffusionConfig:
    """Style diffusion: EDM (Karras et al. 2022) denoiser and ADPM2 sampling."""

    hidden: int
    layers: int
    steps: int
    sigma_min: float
    sigma_max: float
    rho: float
    sigma_data: float  # the data's std; with sigma_data_ema, only the starting value
    sigma_data_ema: float | None  # None: fixed; else the EMA momentum of the batch std
    p_mean: float  # training noise: log(sigma) ~ N(p_mean, p_std^2)
    p_std: float


@dataclass(frozen=True)
class InferenceConfig:
    """Synthesis settings (StyleTTS2's inference mixing).

    alpha: weight of the sampled acoustic style against the reference's (StyleTTS2: 0.3).
    beta: weight of the sampled prosodic style against the reference's (StyleTTS2: 0.7).
    carry: weight of the previous sentence's style in long-form synthesis (StyleTTS2: 0.7).
    stream_chunk: frames (phonemes) emitted at a time in streaming synthesis.
    """

    alpha: float
    beta: float
    carry: float
    stream_chunk: int


@dataclass(frozen=True)
class Stage1Weights:
    """Stage 1 loss weights: decoder mel L1 and the aligner's forward-sum (CTC) loss."""

    mel: float
    aligner: float


@dataclass(frozen=True)
class Stage2Weights:
    """Stage 2 loss weights: durations, F0, energy and style diffusion."""

    duration: float
    f0: float
    energy: float
    diffusion: float


@dataclass(frozen=True)
class LossWeights:
    stage1: Stage1Weights
    stage2: Stage2Weights


@dataclass(frozen=True)
class GriffinLimConfig:
    n_iter: int
    momentum: float


@dataclass(frozen=True)
class HiFiGANConfig:
    """iSTFTNet-style generator: upsampling convs, then an inverse STFT.

    prod(upsample_rates) * istft_hop must equal the audio hop length.
    """

    channels: int
    upsample_rates: list[int]
    upsample_kernel_sizes: list[int]
    resblock_kernel_sizes: list[int]
    resblock_dilations: list[list[int]]
    istft_n_fft: int
    istft_hop: int


@dataclass(frozen=True)
class VocoderConfig:
    kind: str  # "griffin_lim" | "hifigan"
    griffin_lim: GriffinLimConfig
    hifigan: HiFiGANConfig


@dataclass(frozen=True)
class ModelConfig:
    """The whole model; `conditioning` names the conditioning path behind the backbone."""

    conditioning: str
    n_symbols: int
    n_mels: int
    hidden: int
    style_dim: int
    dropout: float
    max_dur: int
    f0_scale: float  # F0 in Hz is divided by this before it enters a network
    max_len: int | None  # stage 1 decodes a random segment of this many frames (None: all)
    mamba: MambaConfig
    text_encoder: TextEncoderConfig
    temporal: TemporalConfig
    expressive: ExpressiveConfig
    aligner: AlignerConfig
    style_encoder: StyleEncoderConfig
    decoder: DecoderConfig
    diffusion: DiffusionConfig
    inference: InferenceConfig
    losses: LossWeights
    vocoder: VocoderConfig
    styletts2: StyleTTS2Config | None = None  # required when conditioning is styletts2
    hybrid: HybridConfig | None = None  # required when conditioning is hybrid


def model_config(model: Mapping[str, Any], audio: Mapping[str, Any],
                 where: str = "model") -> ModelConfig:
    """Build the `model:` section; n_mels comes from the `audio:` section and n_symbols from
    the shipped symbol table (mvc/text/data/symbols.txt)."""
    if not isinstance(model, Mapping):
        raise InputError(where, f"expected a mapping, found {type(model).__name__}",
                         "see configs/default.yaml for the expected shape")
    restated = sorted(set(DERIVED_KEYS) & set(model))
    if restated:
        raise InputError(where, f"keys {restated} are derived, not configured",
                         "delete them: n_mels comes from audio.n_mels, n_symbols from the "
                         "symbol table")
    if "n_mels" not in audio:
        raise InputError("audio", "missing key 'n_mels'", "add audio.n_mels")
    full = {**model, "n_symbols": len(SymbolTable.load().symbols), "n_mels": audio["n_mels"]}
    config = build_nested(ModelConfig, full, where)
    check(config, where)
    return config


def build_nested(cls: type, mapping: Mapping[str, Any], where: str) -> Any:
    """`mvc.config.build`, first building every field whose type is a dataclass."""
    if not isinstance(mapping, Mapping):
        raise InputError(where, f"expected a mapping, found {type(mapping).__name__}",
                         "see configs/default.yaml for the expected shape")
    hints = typing.get_type_hints(cls)
    built = dict(mapping)
    for field in dataclasses.fields(cls):
        hint = dataclass_of(hints[field.name])
        if hint is not None and built.get(field.name) is not None:
            built[field.name] = build_nested(hint, built[field.name], f"{where}.{field.name}")
    return build(cls, built, where)


def dataclass_of(hint: Any) -> type | None:
    """The dataclass of a field typed `D` or `D | None`, else None."""
    if dataclasses.is_dataclass(hint):
        return hint
    classes = [a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)]
    return classes[0] if len(classes) == 1 else None


def check(config: ModelConfig, where: str) -> None:
    """Value checks the types cannot express."""
    if config.conditioning not in CONDITIONINGS:
        raise InputError(f"{where}.conditioning", f"unknown conditioning {config.conditioning!r}",
                         f"use one of {', '.join(CONDITIONINGS)}")
    if config.conditioning == "styletts2" and config.styletts2 is None:
        raise InputError(f"{where}.styletts2", "missing: conditioning styletts2 needs it",
                         "add model.styletts2 {text_lstm_layers, duration_layers} (or use "
                         "the systems: entry of configs/default.yaml)")
    if config.conditioning == "styletts2" and config.hidden % 2:
        raise InputError(f"{where}.hidden", f"{config.hidden} is odd; the BiLSTMs give "
                         "hidden / 2 per direction", "use an even hidden")
    if config.conditioning == "hybrid" and config.hybrid is None:
        raise InputError(f"{where}.hybrid", "missing: conditioning hybrid needs it",
                         "add model.hybrid {heads, ffn_expand} (or use the systems: entry of "
                         "configs/default.yaml)")
    if config.conditioning == "hybrid" and config.hidden % config.hybrid.heads:
        raise InputError(f"{where}.hybrid.heads", f"hidden {config.hidden} is not a multiple "
                         f"of {config.hybrid.heads} heads", "pick heads dividing hidden")
    no_adaln = [f"{where}.{name}.adaln" for name, module in
                (("temporal", config.temporal), ("expressive", config.expressive))
                if not module.adaln]
    if no_adaln and config.conditioning != "mvc":
        raise InputError(no_adaln[0], f"false, but conditioning {config.conditioning} has no "
                         "Bi-Mamba layers there to normalize", "set it only for conditioning mvc")
    if not config.text_encoder.bidirectional and config.conditioning == "styletts2":
        raise InputError(f"{where}.text_encoder.bidirectional", "false, but the styletts2 "
                         "text encoder is a BiLSTM, not Bi-Mamba layers",
                         "set it only for conditioning mvc or hybrid")
    if config.vocoder.kind not in VOCODERS:
        raise InputError(f"{where}.vocoder.kind", f"unknown vocoder {config.vocoder.kind!r}",
                         f"use one of {', '.join(VOCODERS)}")
    diffusion = config.diffusion
    if diffusion.steps < 1 or not 0 < diffusion.sigma_min < diffusion.sigma_max:
        raise InputError(f"{where}.diffusion", "need steps >= 1 and 0 < sigma_min < sigma_max",
                         "fix the diffusion settings")
    if config.max_dur < 1 or config.inference.stream_chunk < 1:
        raise InputError(where, "max_dur and inference.stream_chunk must be >= 1",
                         "fix the values")
