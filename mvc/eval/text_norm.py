"""Text normalization for WER/CER: Whisper's normalizers, applied to reference and hypothesis.

Scoring ASR output against a transcript measures wording, not formatting, only when both
sides are normalized alike. We use the two normalizers that ship in the installed
openai-whisper package (`whisper/normalizers`; Radford et al., "Robust Speech Recognition
via Large-Scale Weak Supervision", 2022, appendix C; github.com/openai/whisper):

- English (`EnglishTextNormalizer`): lower case; drops bracketed and parenthesized text and
  the fillers hmm/mm/mhm/mmm/uh/um; expands contractions and titles (won't -> will not,
  mr -> mister); writes spelled-out numbers as digits (twenty five -> 25) and normalizes
  currency and ordinals; British spellings -> American; punctuation -> space.
- Other languages (`BasicTextNormalizer`, diacritics kept): lower case; drops bracketed and
  parenthesized text; every Unicode mark, symbol and punctuation character -> space. Numbers
  are left as they are ("25" and "veinticinco" differ).

Both collapse whitespace. One addition of ours: tokens made only of periods are dropped.
Whisper's English normalizer keeps "." for decimals and leaves one from a final ellipsis
("I see..." -> "i see ."), which would count as a word.

`TEXT_NORMALIZER_VERSION` is written in every WER sidecar; bump it when the choice of
normalizer, its options or our addition change here. The whisper package version is
recorded too, since its rules live there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

TEXT_NORMALIZER_VERSION = "1"
ENGLISH = "en"
_PERIODS_ONLY = re.compile(r"(?<!\S)\.+(?!\S)")


def base_language(language: str) -> str:
    """The ISO 639-1 part of an espeak-ng voice code: `en-us` -> `en`, `fr-fr` -> `fr`."""
    return language.strip().lower().split("-")[0]


@cache
def _normalizer(english: bool) -> Callable[[str], str]:
    from whisper.normalizers import BasicTextNormalizer, EnglishTextNormalizer

    return EnglishTextNormalizer() if english else BasicTextNormalizer(remove_diacritics=False)


def normalizer_name(language: str) -> str:
    """Which normalizer `normalize` applies to `language`."""
    return "whisper-english" if base_language(language) == ENGLISH else "whisper-basic"


def normalize(text: str, language: str) -> str:
    """`text` normalized for word error counting in `language` (an espeak-ng voice code)."""
    normalized = _normalizer(base_language(language) == ENGLISH)(text)
    return " ".join(_PERIODS_ONLY.sub(" ", normalized).split())


def normalizer_settings() -> dict[str, Any]:
    """What fixes the normalizer's behaviour, for the metric's sidecar."""
    import whisper

    return {"text_normalizer_version": TEXT_NORMALIZER_VERSION,
            "text_normalizer": "whisper-english for en, whisper-basic (diacritics kept) otherwise",
            "whisper_package_version": whisper.__version__}
