"""ASR backends for WER/CER behind one interface: `transcribe(audio_path, language) -> str`.

- `pocketsphinx`: CMU PocketSphinx 5 with the US English model that ships inside the
  package (`pocketsphinx.get_model_path()`): offline, English only, the embedded default.
- `whisper`: openai-whisper from a local checkpoint file, or an official model name looked
  up only inside a local cache directory. Nothing is ever downloaded: a missing file is an
  InputError that says where to put it. Runs in fp32 on the CPU with the language forced
  from the item's language.

Audio is read with `mvc.audio.load` (resampled to 16 kHz mono), so a missing, silent or
non-finite file is an InputError naming it. Settings record content hashes of the models,
not their locations: moving a model does not invalidate cached scores, changing it does.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar, Protocol

import numpy as np

from mvc.audio import load
from mvc.errors import InputError
from mvc.eval.text_norm import ENGLISH, base_language
from mvc.hashing import file_sha256

ASR_SAMPLE_RATE = 16000  # both backends' models are trained on 16 kHz audio
INT16_PEAK = 32767
POCKETSPHINX_MODEL = "en-us"  # the one model directory the package ships


class AsrBackend(Protocol):
    """A speech recognizer: text for one audio file in one language."""

    name: ClassVar[str]

    def settings(self) -> dict[str, Any]:
        """Everything that changes the transcripts (model hashes, decoding options)."""
        ...

    def unavailable(self, language: str) -> str | None:
        """Why this backend cannot transcribe `language`, or None when it can."""
        ...

    def transcribe(self, audio_path: str | Path, language: str) -> str:
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

    def transcribe(self, audio_path: str | Path, language: str) -> str:
        """Decode the whole file as one utterance (16 kHz mono int16, as the model expects)."""
        _require_available(self, language)
        audio, _ = load(audio_path, ASR_SAMPLE_RATE)
        pcm = np.round(np.clip(audio, -1.0, 1.0) * INT16_PEAK).astype(np.int16)
        self._decoder.reinit_feat()
        self._decoder.start_utt()
        self._decoder.process_raw(pcm.tobytes(), full_utt=True)
        self._decoder.end_utt()
        hypothesis = self._decoder.hyp()
        return hypothesis.hypstr if hypothesis is not None else ""


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

    def transcribe(self, audio_path: str | Path, language: str) -> str:
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
        return str(result["text"]).strip()


def _require_available(backend: AsrBackend, language: str) -> None:
    reason = backend.unavailable(language)
    if reason is not None:
        raise InputError(f"language {language!r}", reason,
                         "score this language with another ASR backend")


def make_backend(name: str, whisper: Mapping[str, Any] | None = None) -> AsrBackend:
    """The backend called `name`; `whisper` holds WhisperSettings' fields (a config mapping)."""
    from mvc.config import build

    if name == PocketsphinxAsr.name:
        return PocketsphinxAsr()
    if name == WhisperAsr.name:
        return WhisperAsr(build(WhisperSettings, whisper or {}, "wer.whisper"))
    raise InputError("wer.backend", f"unknown ASR backend {name!r}",
                     f"use {PocketsphinxAsr.name!r} or {WhisperAsr.name!r}")
