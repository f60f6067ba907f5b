"""Whisper hallucination flags: text a recognizer wrote for audio in which nothing was said.

Whisper writes fluent text for non-speech: " You" for noise, or one phrase looped ~30 times
for a mute TTS output (tiny.en: "i do not know how to do it", corpus WER 2.83). Three checks
on what faster-whisper reports per segment, and on the transcript; any one flags it:

- compression: a segment's text compresses too well (zlib ratio > `max_compression_ratio`;
  Whisper's own fallback test and threshold, 2.4): a loop.
- no speech: a segment's no-speech probability > `max_no_speech_prob` while its mean token
  log-probability < `min_avg_logprob` (Whisper's silence rule; its log-probability default
  -1.0 is stricter than ours, see docs/metrics.md).
- repetition: the share of repeated word n-grams in the transcript (1 - distinct / total
  `repetition_ngram`-grams) > `max_repeated_ngram_ratio`: a loop split across segments.

The result is a reason ("" for none); WerMetric scores a flagged transcript as empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class SegmentStats:
    """What faster-whisper reports for one decoded segment."""

    compression_ratio: float
    no_speech_prob: float
    avg_logprob: float


@dataclass(frozen=True)
class HallucinationThresholds:
    """Where a transcript stops being believed (defaults: docs/metrics.md)."""

    max_compression_ratio: float = 2.4
    max_no_speech_prob: float = 0.6
    min_avg_logprob: float = -0.5
    repetition_ngram: int = 3
    max_repeated_ngram_ratio: float = 0.5


def repeated_ngram_ratio(text: str, n: int) -> float:
    """1 - distinct / total word n-grams of `text` (lower-cased words); 0 with none."""
    words = _WORD.findall(text.lower())
    grams = [tuple(words[i:i + n]) for i in range(len(words) - n + 1)]
    return 1.0 - len(set(grams)) / len(grams) if grams else 0.0


def hallucination_reason(segments: Sequence[SegmentStats], text: str,
                         limits: HallucinationThresholds) -> str:
    """Why the transcript `text` of these segments is not believed, or "" when it is."""
    reasons = []
    for index, s in enumerate(segments):
        if s.compression_ratio > limits.max_compression_ratio:
            reasons.append(f"segment {index}: compression ratio {s.compression_ratio:.2f} > "
                           f"{limits.max_compression_ratio}")
        if s.no_speech_prob > limits.max_no_speech_prob and s.avg_logprob < limits.min_avg_logprob:
            reasons.append(f"segment {index}: no-speech probability {s.no_speech_prob:.2f} > "
                           f"{limits.max_no_speech_prob} with mean log-probability "
                           f"{s.avg_logprob:.2f} < {limits.min_avg_logprob}")
    ratio = repeated_ngram_ratio(text, limits.repetition_ngram)
    if ratio > limits.max_repeated_ngram_ratio:
        reasons.append(f"repeated {limits.repetition_ngram}-gram ratio {ratio:.2f} > "
                       f"{limits.max_repeated_ngram_ratio}")
    return "; ".join(reasons)
