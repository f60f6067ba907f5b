"""Text normalization before phonemization: typography, abbreviations, numbers, whitespace.

The steps, in order (rules and scope in docs/text.md):

1. Unicode NFC.
2. Typography to a small canonical set: every double quote (“ ” „ ‟ « » ‹ › ″) -> '"',
   curly single quotes and primes -> "'", en/em dashes and bars -> "—", hyphen and minus
   variants -> "-", "..." -> "…", brackets -> parentheses; "_" and "*" (Gutenberg emphasis
   markup) are dropped; spaces inside guillemets are removed first, with the language's
   orientation from data/languages.yaml (« x » in French, »x« in German).
3. Abbreviations from data/abbreviations.yaml (case-sensitive, whole tokens only; an
   abbreviation ending in "." that ends the text keeps the sentence-final ".").
4. Numbers to words with num2words (mvc.text.numbers).
5. Whitespace collapsed to single spaces, none before ; : ! ? (French typography).

Bump NORMALIZER_VERSION whenever a rule or a data table changes: it is recorded beside
outputs so that results made with different rules are never mixed silently.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from mvc.errors import InputError
from mvc.text.numbers import expand_numbers
from mvc.text.rules import LanguageRules, load_rules

NORMALIZER_VERSION = "1"

TYPOGRAPHY = str.maketrans({
    **dict.fromkeys("“”„‟«»‹›″", '"'),
    **dict.fromkeys("‘’‚‛′ʼ`´", "'"),
    **dict.fromkeys("–—―‒", "—"),
    **dict.fromkeys("‐‑−", "-"),
    **dict.fromkeys("[{", "("),
    **dict.fromkeys("]}", ")"),
    **dict.fromkeys("_*", None),
})
ELLIPSIS = re.compile(r"\.{3,}")
SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([;:!?])")


@cache
def _guillemet_spaces(rules: LanguageRules) -> re.Pattern[str]:
    opening, closing = (re.escape(g) for g in rules.guillemets)
    return re.compile(rf"({opening})\s+|\s+({closing})")


def _typography(text: str, rules: LanguageRules) -> str:
    text = _guillemet_spaces(rules).sub(lambda m: m.group(1) or m.group(2), text)
    return ELLIPSIS.sub("…", text.translate(TYPOGRAPHY))


@cache
def _abbreviation_pattern(rules: LanguageRules) -> re.Pattern[str] | None:
    if not rules.abbreviations:
        return None
    keys = sorted((key for key, _ in rules.abbreviations), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keys) + r")(?!\w)")


def _abbreviations(text: str, rules: LanguageRules) -> str:
    pattern = _abbreviation_pattern(rules)
    if pattern is None:
        return text
    table = dict(rules.abbreviations)

    def expand(match: re.Match[str]) -> str:
        key = match.group(0)
        ends_text = not text[match.end():].strip()
        return table[key] + ("." if key.endswith(".") and ends_text else "")

    return pattern.sub(expand, text)


def normalize(text: str, language: str) -> str:
    """Normalize one text (a sentence or a passage) in an espeak-ng language code.

    InputError for an empty or whitespace-only text, for a text with nothing left after
    normalization (only markup such as "*"), and for a language without rules.
    """
    rules = load_rules(language)
    if not text.strip():
        raise InputError("text", f"the text to normalize is empty ({text!r})",
                         "give every utterance a non-empty transcript")
    normalized = _typography(unicodedata.normalize("NFC", text), rules)
    normalized = expand_numbers(_abbreviations(normalized, rules), rules)
    normalized = SPACE_BEFORE_PUNCTUATION.sub(r"\1", " ".join(normalized.split()))
    if not normalized:
        raise InputError("text", f"nothing is left of {text!r} after normalization",
                         "give every utterance a transcript with words in it")
    return normalized
