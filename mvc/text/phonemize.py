"""Phonemization with espeak-ng through phonemizer's EspeakBackend, one backend per language.

Settings (EspeakSettings; the symbol table in data/symbols.txt assumes the defaults):
punctuation preserved (phonemizer's marks ; : , . ! ? ¡ ¿ — … " « » “ ” ( ) { } [ ]), primary
and secondary stress marks kept, phones not separated, words separated by one space.

What phonemizer and espeak-ng may change, and how a user learns of it:

- Language switches: espeak-ng reads some words (often English loanwords or acronyms) with
  another language's rules and marks them with flags such as "(en)...(fr)".
  `language_switch="remove-flags"` removes the flags and keeps the other language's phonemes
  for those words; phonemizer logs a WARNING through the "mvc.text.phonemize" logger (its line
  numbers count phonemizer's punctuation-split chunks, not our texts). Symbols of a language
  outside the four supported ones then fail loudly in `mvc.text.symbols.encode`.
- Word-count mismatches are not reported per text (`words_mismatch="ignore"`); phonemizer
  still logs one summary WARNING per batch ("words count mismatch on 61% of the lines"). It is
  expected: espeak-ng joins some short function words ("of the" -> "ʌvðə"), so the
  phoneme string has fewer words than the text. Nothing is dropped.
- espeak-ng 1.50/1.51 writes "??" for the German phoneme /ʊɐ/ ("durch", "wurde"; espeak-ng
  issue #1987, fixed in 1.52). We write "ʊɐ", as 1.52 does, and log a WARNING with the count.
  Any other "?" glued to a following phoneme is logged as a WARNING (it would encode as
  punctuation).
- Whitespace in a text (newlines included) is collapsed to single spaces, because phonemizer
  reads one utterance per line.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from phonemizer.backend import EspeakBackend
from phonemizer.separator import Separator

from mvc.errors import InputError

LOGGER = logging.getLogger(__name__)
SUPPORTED = ("en-us", "es", "de", "fr-fr")
# espeak-ng output bugs repaired per language: (pattern, replacement, description).
REPAIRS: dict[str, tuple[tuple[re.Pattern[str], str, str], ...]] = {
    "de": ((re.compile(r"\?\?(?=\w)"), "ʊɐ",
            "espeak-ng <1.52 writes '??' for the German phoneme ʊɐ (espeak-ng issue #1987)"),),
}
GLUED_QUESTION_MARK = re.compile(r"\?(?=\w)")
VERSION = re.compile(r"text-to-speech:\s*(\d+(?:\.\d+)+)")


@dataclass(frozen=True)
class EspeakSettings:
    """phonemizer EspeakBackend options; see the module docstring for what each one does."""

    preserve_punctuation: bool = True
    with_stress: bool = True
    language_switch: str = "remove-flags"
    words_mismatch: str = "ignore"
    word_separator: str = " "


DEFAULT_SETTINGS = EspeakSettings()

@cache
def _backend(language: str, settings: EspeakSettings) -> EspeakBackend:
    """Creating a backend loads the espeak-ng library and voice (slow): one per language."""
    if not EspeakBackend.is_supported_language(language):
        raise InputError(
            f"language {language}", "espeak-ng has no voice for this language",
            f"use an espeak-ng voice code from `espeak-ng --voices` "
            f"(MVC-Bench uses {', '.join(SUPPORTED)})",
        )
    return EspeakBackend(
        language,
        preserve_punctuation=settings.preserve_punctuation,
        with_stress=settings.with_stress,
        language_switch=settings.language_switch,
        words_mismatch=settings.words_mismatch,
        logger=LOGGER,
    )


def _repair(phonemes: list[str], language: str) -> list[str]:
    for pattern, replacement, description in REPAIRS.get(language, ()):
        repaired = [pattern.sub(replacement, p) for p in phonemes]
        changed = sum(a != b for a, b in zip(phonemes, repaired, strict=True))
        if changed:
            LOGGER.warning("%s: replaced by %r in %d of %d texts",
                           description, replacement, changed, len(phonemes))
        phonemes = repaired
    suspect = [i for i, p in enumerate(phonemes) if GLUED_QUESTION_MARK.search(p)]
    if suspect:
        LOGGER.warning("espeak-ng wrote '?' inside a word (an unknown phoneme?) in texts %s "
                       "(language %s): check those phonemes", suspect, language)
    return phonemes


def phonemize(texts: Sequence[str], language: str,
              settings: EspeakSettings = DEFAULT_SETTINGS) -> list[str]:
    """IPA phoneme strings, one per text, in one batched espeak-ng call.

    InputError for an empty text (naming its index) and for a language espeak-ng lacks.
    """
    backend = _backend(language, settings)
    lines = []
    for index, text in enumerate(texts):
        line = " ".join(text.split())
        if not line:
            raise InputError(f"text {index}", f"the text to phonemize is empty ({text!r})",
                             "give every utterance a non-empty transcript")
        lines.append(line)
    if not lines:
        return []
    separator = Separator(phone="", syllable="", word=settings.word_separator)
    return _repair(backend.phonemize(lines, separator=separator, strip=True), language)


def espeak_version() -> str:
    """The espeak-ng version (e.g. "1.51") from `espeak-ng --version`, for manifests."""
    program = shutil.which("espeak-ng")
    if program is None:
        raise InputError("espeak-ng", "the espeak-ng program is not on PATH",
                         "install espeak-ng (Debian/Ubuntu: apt-get install espeak-ng; "
                         "conda: conda install -c conda-forge espeak-ng)")
    output = subprocess.run([program, "--version"], capture_output=True, text=True,
                            check=True).stdout
    match = VERSION.search(output)
    if match is None:
        raise InputError("espeak-ng --version", f"no version number in {output.strip()!r}",
                         "install a released espeak-ng (1.50 or later)")
    return match.group(1)
