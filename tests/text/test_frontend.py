"""The front end chains normalize -> phonemize -> encode, and passes their errors on."""

from __future__ import annotations

import subprocess

import pytest

from mvc.errors import InputError
from mvc.text.frontend import text_to_ids
from mvc.text.symbols import SymbolTable


def test_text_to_ids_normalizes_phonemizes_and_encodes() -> None:
    texts = ["Mr. Smith paid $5.", "Dr. Who, 21st century."]
    results = text_to_ids(texts, "en-us")
    assert len(results) == 2
    table = SymbolTable.load()
    for (phonemes, ids), spoken in zip(results, ["mister Smith paid five dollars.",
                                                 "doctor Who, twenty-first century."],
                                       strict=True):
        assert ids == [table.symbols.index(s) for s in phonemes]
        espeak = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us", spoken],
                                capture_output=True, text=True, check=True).stdout
        assert " ".join(phonemes.replace(",", " ").replace(".", " ").split()) == (
            " ".join(espeak.split()))


def test_unsupported_language_is_reported_before_phonemizing() -> None:
    with pytest.raises(InputError, match=r"^language nl: no text normalization rules"):
        text_to_ids(["Goedemorgen"], "nl")


def test_empty_text_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"^text: the text to normalize is empty"):
        text_to_ids(["Hola.", "  "], "es")
