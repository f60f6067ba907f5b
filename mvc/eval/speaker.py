"""Speaker similarity: cosine of speaker embeddings, synthesized utterance vs reference audio.

Embeddings come from resemblyzer's `VoiceEncoder`, a GE2E speaker encoder (Wan et al.,
ICASSP 2018, "Generalized End-to-End Loss for Speaker Verification"), with the
`pretrained.pt` weights that ship inside the resemblyzer package (loaded on the CPU;
nothing is downloaded). Each file is resampled to 16 kHz, volume-normalized and stripped of
long silences by resemblyzer's `preprocess_wav` (webrtcvad), embedded as the L2-normed mean
of its 1.6 s partial embeddings, and the two embeddings' cosine is the score.
"""

from __future__ import annotations

import warnings
from importlib import metadata
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from mvc.audio import load
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.threads import torch_threads
from mvc.hashing import file_sha256

with warnings.catch_warnings():  # resemblyzer imports scipy.ndimage.morphology (deprecated)
    warnings.simplefilter("ignore", DeprecationWarning)
    import resemblyzer
    from resemblyzer import VoiceEncoder, preprocess_wav
    from resemblyzer.hparams import sampling_rate as ENCODER_RATE

WEIGHTS = Path(resemblyzer.__file__).resolve().parent / "pretrained.pt"


class SpeakerSimilarity:
    """`speaker_sim`: cosine similarity in [-1, 1] (in practice [0, 1]: the encoder's
    embeddings are non-negative) between the utterance and `reference_audio`.

    `partial_rate` (partial utterances per second) and `min_coverage` (the shortest last
    partial kept, as a fraction of 1.6 s) are resemblyzer's `embed_utterance` arguments, at
    its defaults. A file with less than `min_voiced_seconds` of speech left after the
    silence trimming is an InputError: there is no voice to embed. `threads` is torch's
    thread count while embedding (restored afterwards): on this 2-core machine, with other
    jobs running, two threads were ten times slower than one (docs/metrics.md).
    """

    name: ClassVar[str] = "speaker_sim"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = True

    def __init__(self, min_voiced_seconds: float = 0.3, partial_rate: float = 1.3,
                 min_coverage: float = 0.75, threads: int = 1) -> None:
        if threads < 1:
            raise InputError("metric 'speaker_sim'", f"threads is {threads}", "use 1 or more")
        self.threads = threads
        self.min_voiced_seconds = min_voiced_seconds
        self.partial_rate = partial_rate
        self.min_coverage = min_coverage
        self._encoder = VoiceEncoder(device="cpu", verbose=False, weights_fpath=WEIGHTS)
        self._sha256 = file_sha256(WEIGHTS)
        self._encoder_name = f"resemblyzer {metadata.version('Resemblyzer')} VoiceEncoder"

    @property
    def columns(self) -> tuple[str, ...]:
        return ("speaker_sim",)

    def settings(self) -> dict[str, Any]:
        return {"encoder": self._encoder_name,
                "weights_sha256": self._sha256, "sample_rate": ENCODER_RATE,
                "min_voiced_seconds": self.min_voiced_seconds,
                "partial_rate": self.partial_rate, "min_coverage": self.min_coverage}

    def unavailable(self, language: str) -> str | None:
        return None  # the encoder reads only the audio

    def embed(self, path: str) -> np.ndarray:
        """The L2-normed speaker embedding of one file; InputError when it has no voice."""
        audio, _ = load(path, ENCODER_RATE)
        wav = preprocess_wav(audio)
        voiced = wav.size / ENCODER_RATE
        if voiced < self.min_voiced_seconds:
            raise InputError(path, f"{voiced:.2f} s of speech left after silence trimming, "
                             f"fewer than min_voiced_seconds ({self.min_voiced_seconds} s)",
                             "check that the file holds speech")
        with torch_threads(self.threads):
            embedding = self._encoder.embed_utterance(wav, rate=self.partial_rate,
                                                      min_coverage=self.min_coverage)
        if not np.all(np.isfinite(embedding)):
            raise InputError(path, "the speaker encoder gave a non-finite embedding",
                             "check that the file holds speech")
        return embedding

    def score(self, item: ScoreItem) -> dict[str, float]:
        if not item.reference_audio:
            raise InputError(item.audio_path, "no reference audio to compare with",
                             "give the utterance a reference recording in the manifest")
        return {"speaker_sim": cosine(self.embed(item.audio_path),
                                      self.embed(item.reference_audio))}


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors, clipped to [-1, 1] against rounding."""
    value = float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))
    return min(1.0, max(-1.0, value))


METRICS: dict[str, type] = {"speaker_sim": SpeakerSimilarity}
