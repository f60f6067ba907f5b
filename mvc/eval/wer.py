"""Word and character error rates of ASR transcripts of synthesized speech (intelligibility).

One ASR pass per utterance gives both rates. Reference and hypothesis are normalized alike
(`mvc.eval.text_norm`), then aligned by jiwer's Levenshtein alignment (`process_words`,
`process_characters`), which counts substitutions S, deletions D, insertions I and hits H;
the reference length is N = S + D + H and the utterance's rate is (S + D + I) / N. CER is
computed on the normalized text with its single spaces counted as characters (jiwer's
default). The corpus rate is sum(S + D + I) / sum(N) (`corpus_wer`), which weights
utterances by their length; the mean of the per-utterance rates is a different number and
is labelled as such (`mean_utterance_wer`).

An empty reference after normalization is an InputError (the rate is undefined); an empty
hypothesis is a valid result: every reference word is a deletion. A transcript the backend
flags as a hallucination (`faster_whisper` only) is scored as empty, so a mute system reads
as "nothing was said": its raw text stays in `hypothesis`, the flag and reason get their own
columns, which only backends that flag add to the table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any, ClassVar

from mvc.errors import InputError
from mvc.eval.asr import make_backend
from mvc.eval.base import ScoreItem
from mvc.eval.text_norm import normalize, normalizer_settings


@dataclass(frozen=True)
class ErrorCounts:
    """Levenshtein alignment counts of one hypothesis against one reference."""

    substitutions: int
    deletions: int
    insertions: int
    hits: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def reference_length(self) -> int:
        return self.substitutions + self.deletions + self.hits

    @property
    def rate(self) -> float:
        """(S + D + I) / N; it exceeds 1 when insertions outnumber the reference."""
        if self.reference_length == 0:
            raise ValueError("the error rate of an empty reference is undefined")
        return self.errors / self.reference_length


def _counts(output: Any) -> ErrorCounts:
    return ErrorCounts(substitutions=output.substitutions, deletions=output.deletions,
                       insertions=output.insertions, hits=output.hits)


def word_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Word alignment counts of two normalized texts (words split on whitespace)."""
    import jiwer

    return _counts(jiwer.process_words(reference, hypothesis))


def char_errors(reference: str, hypothesis: str) -> ErrorCounts:
    """Character alignment counts of two normalized texts (spaces count as characters)."""
    import jiwer

    return _counts(jiwer.process_characters(reference, hypothesis))


WORD_COUNT_COLUMNS = ("substitutions", "deletions", "insertions", "hits", "reference_words")
CHAR_COUNT_COLUMNS = ("char_substitutions", "char_deletions", "char_insertions", "char_hits",
                      "reference_chars")
HALLUCINATION_COLUMNS = ("hallucination", "hallucination_reason")  # 1/0, and why ("" for 0)


def _corpus_rate(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...]) -> float:
    """sum(S + D + I) / sum(N) for count columns named (S, D, I, H, N)."""
    substitutions, deletions, insertions, _, length = columns
    total_errors = total_length = 0.0
    for row in rows:
        total_errors += (float(row[substitutions]) + float(row[deletions])
                         + float(row[insertions]))
        total_length += float(row[length])
    if total_length == 0:
        raise ValueError("no scored utterances: a corpus error rate needs reference words")
    return total_errors / total_length


def corpus_wer(rows: Iterable[Mapping[str, Any]]) -> float:
    """sum(S + D + I) / sum(reference words) over scored rows (e.g. `df.to_dict("records")`)."""
    return _corpus_rate(rows, WORD_COUNT_COLUMNS)


def corpus_cer(rows: Iterable[Mapping[str, Any]]) -> float:
    """sum(S + D + I) / sum(reference characters) over scored rows."""
    return _corpus_rate(rows, CHAR_COUNT_COLUMNS)


def mean_utterance_wer(rows: Iterable[Mapping[str, Any]]) -> float:
    """The unweighted mean of per-utterance WER: short utterances weigh as much as long ones."""
    rates = [float(row["wer"]) for row in rows]
    if not rates:
        raise ValueError("no scored utterances: a mean needs at least one")
    return sum(rates) / len(rates)


class WerMetric:
    """WER and CER of one ASR backend's transcript against the item's text.

    Settings: `backend` ("pocketsphinx", the offline English default, "whisper" or
    "faster_whisper"), `whisper` and `faster_whisper` (the fields of
    `mvc.eval.asr.WhisperSettings` and `FasterWhisperSettings`, for those backends).
    """

    name: ClassVar[str] = "wer"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = False

    def __init__(self, backend: str = "pocketsphinx",
                 whisper: Mapping[str, Any] | None = None,
                 faster_whisper: Mapping[str, Any] | None = None) -> None:
        self._backend = make_backend(backend, whisper, faster_whisper)

    @property
    def columns(self) -> tuple[str, ...]:
        flags = HALLUCINATION_COLUMNS if self._backend.flags_hallucinations else ()
        return ("hypothesis", "hypothesis_normalized", "reference_normalized",
                *WORD_COUNT_COLUMNS, "wer", *CHAR_COUNT_COLUMNS, "cer", *flags)

    def settings(self) -> dict[str, Any]:
        """The backend's model hashes and options, the normalizer's version, jiwer's."""
        return {**self._backend.settings(), **normalizer_settings(),
                "jiwer_version": version("jiwer"), "cer_spaces": "counted"}

    def unavailable(self, language: str) -> str | None:
        """The backend's reason it cannot transcribe `language` (the table prints n/a)."""
        return self._backend.unavailable(language)

    def score(self, item: ScoreItem) -> dict[str, float | int | str]:
        """Transcribe the item's audio and count errors against its normalized text."""
        reference = normalize(item.text, item.language)
        if not reference:
            raise InputError(f"utterance {item.utt_id}",
                             f"reference text {item.text!r} is empty after normalization",
                             "fix the transcript in the manifest: WER needs at least one word")
        transcript = self._backend.transcribe(item.audio_path, item.language)
        # A flagged transcript is scored as empty: all deletions, no insertions.
        normalized = "" if transcript.hallucination else normalize(transcript.text,
                                                                    item.language)
        words = word_errors(reference, normalized)
        chars = char_errors(reference, normalized)
        flags = ({"hallucination": int(transcript.hallucination),
                  "hallucination_reason": transcript.hallucination_reason}
                 if self._backend.flags_hallucinations else {})
        return {"hypothesis": transcript.text, "hypothesis_normalized": normalized,
                "reference_normalized": reference,
                **dict(zip(WORD_COUNT_COLUMNS, _row_counts(words), strict=True)),
                "wer": words.rate,
                **dict(zip(CHAR_COUNT_COLUMNS, _row_counts(chars), strict=True)),
                "cer": chars.rate, **flags}


def _row_counts(counts: ErrorCounts) -> tuple[int, int, int, int, int]:
    return (counts.substitutions, counts.deletions, counts.insertions, counts.hits,
            counts.reference_length)


METRICS: dict[str, type] = {WerMetric.name: WerMetric}
