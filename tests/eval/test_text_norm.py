"""The WER normalizer: Whisper's English rules for English, its basic rules otherwise.

The expected strings below follow the rules documented in docs/metrics.md (Whisper's
normalizers). If an openai-whisper upgrade changes any of them, bump
TEXT_NORMALIZER_VERSION and update this table together.
"""

import pytest

from mvc.eval.text_norm import (
    TEXT_NORMALIZER_VERSION,
    base_language,
    normalize,
    normalizer_name,
    normalizer_settings,
)

CASES = [
    # English: case, punctuation, titles, currency kept as written, spelled numbers -> digits
    ("en-us", "Mr. Smith paid $25.50 for three books!", "mister smith paid $25.50 for 3 books"),
    ("en-us", "Twenty-five colours, won't they?", "25 colors will not they"),
    ("en-us", "one hundred and five", "105"),
    ("en-gb", "Hello, WORLD... (laughs) [noise] uh OK", "hello world ok"),
    ("en-us", "The 1st of May, 1990.", "the 1st of may 1990"),
    # Ours: Whisper leaves "." from a final ellipsis ("i see ."); period-only tokens go
    ("en-us", "I see...", "i see"),
    ("en-us", "I see…", "i see"),
    ("en-us", "It costs 3.50.", "it costs 3.50"),
    # Other languages: case and punctuation only; digits stay digits, diacritics stay
    ("es", "¿Dónde está el niño? Tengo 25 años.", "dónde está el niño tengo 25 años"),
    ("es", "Veinticinco", "veinticinco"),
    ("de", "Grüße aus Köln: 3 Straßen!", "grüße aus köln 3 straßen"),
    ("fr-fr", "L'été, c'est « génial » !", "l été c est génial"),
    ("fr-fr", "(rires) Bonjour [bruit]", "bonjour"),
]


@pytest.mark.parametrize(("language", "text", "expected"), CASES)
def test_normalize_follows_the_documented_rules(language, text, expected):
    assert normalize(text, language) == expected


def test_english_rules_only_for_english():
    # The English normalizer spells numbers as digits; the basic one leaves words alone.
    assert normalize("twenty five", "en-us") == "25"
    assert normalize("twenty five", "de") == "twenty five"
    assert [normalizer_name(code) for code in ("en-us", "en-gb", "es", "de", "fr-fr")] == [
        "whisper-english", "whisper-english", "whisper-basic", "whisper-basic", "whisper-basic"]
    assert [base_language(code) for code in ("en-us", "fr-fr", "ES", " de ")] == [
        "en", "fr", "es", "de"]


def test_markup_only_and_punctuation_only_text_normalize_to_empty():
    assert normalize("[music]", "en-us") == ""
    assert normalize("...!?", "es") == ""


def test_settings_record_the_version_and_the_whisper_release():
    import whisper

    settings = normalizer_settings()
    assert settings["text_normalizer_version"] == TEXT_NORMALIZER_VERSION
    assert settings["whisper_package_version"] == whisper.__version__
