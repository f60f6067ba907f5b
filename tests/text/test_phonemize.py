"""Phonemization against the espeak-ng binary called independently, and its errors."""

from __future__ import annotations

import logging
import re
import subprocess

import pytest
from phonemizer.backend import EspeakBackend

from mvc.errors import InputError
from mvc.text.phonemize import espeak_version, phonemize

PUNCTUATION = re.compile(r'[;:,.!?¡¿—…"«»“”()]')

# Verified with `espeak-ng -q --ipa -v <language> "<words>"` (espeak-ng 1.51).
KNOWN_WORDS = {
    "en-us": ("hello world thought judge measure button little church sing",
              "həlˈoʊ wˈɜːld θˈɔːt dʒˈʌdʒ mˈɛʒɚ bˈʌʔn̩ lˈɪɾəl tʃˈɜːtʃ sˈɪŋ"),
    "es": ("jamón llama año guerra perro ciudad hoy ayer cigüeña",
           "xamˈon ʎˈama ˈaɲo ɣˈera pˈero θjuðˈað ˈoɪ aʝˈeɾ θˌiɣuˈeɲa"),
    "de": ("Glück schön können Pfennig ich ach Jahr Löwe Tschüss",
           "ɡlˈyk ʃˈøːn kˌœnən pfˈɛnɪç ɪç ˈax jˈɑːɾ lˈøːvə tʃˈys"),
    "fr-fr": ("bonjour huit oignon un brun vin pain blanc garçon",
              "bɔ̃ʒˈuʁ yˈit onjˈɔ̃ œ̃ bʁˈœ̃ vˈɛ̃ pˈɛ̃ blˈɑ̃ ɡaʁsˈɔ̃"),
}

SENTENCES = {
    "en-us": ["Marley was dead: to begin with.", "Is it true? Yes, it is."],
    "es": ["En un lugar de la Mancha, de cuyo nombre no quiero acordarme.",
           "¿Qué hora es? ¡Las tres!"],
    "de": ["Als Gregor Samsa eines Morgens aus unruhigen Träumen erwachte.",
           "Was ist mit mir geschehen? dachte er."],
    "fr-fr": ["Longtemps, je me suis couché de bonne heure.", "Qui est là? C'est votre fille."],
}


def espeak_ipa(text: str, language: str) -> str:
    """The espeak-ng binary's IPA: one line per clause, punctuation dropped; joined by spaces."""
    result = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", language, text],
                            capture_output=True, text=True, check=True)
    return " ".join(result.stdout.split())


@pytest.mark.parametrize("language", sorted(KNOWN_WORDS))
def test_known_words_match_the_espeak_binary(language: str) -> None:
    words, expected = KNOWN_WORDS[language]
    assert phonemize([words], language) == [expected]
    assert espeak_ipa(words, language) == expected


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_sentences_match_the_espeak_binary_modulo_punctuation(language: str) -> None:
    texts = SENTENCES[language]
    ours = phonemize(texts, language)
    assert len(ours) == len(texts)
    for text, phonemes in zip(texts, ours, strict=True):
        assert phonemes[-1] == text[-1]  # punctuation kept, in place
        assert " ".join(PUNCTUATION.sub(" ", phonemes).split()) == espeak_ipa(text, language)


def test_german_ur_is_repaired_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    text = "Er wurde durch Kurt gerufen."
    raw = espeak_ipa(text, "de")
    with caplog.at_level(logging.WARNING, logger="mvc.text.phonemize"):
        [ours] = phonemize([text], "de")
    assert "?" not in ours
    assert " ".join(PUNCTUATION.sub(" ", ours).split()) == raw.replace("??", "ʊɐ")
    if "??" in raw:  # espeak-ng < 1.52 (issue #1987): the repair must be announced
        assert "replaced by 'ʊɐ' in 1 of 1 texts" in caplog.text


def test_question_marks_from_the_text_are_kept() -> None:
    assert phonemize(["Was??"], "de") == ["vˈas??"]


def test_language_switch_flags_are_removed_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mvc.text.phonemize"):
        [ours] = phonemize(["Le football est un sport."], "fr-fr")
    assert "(en)" not in ours and "(fr)" not in ours
    assert "fˈʊtbɔːl" in ours  # the English phonemes of the loanword are kept
    assert "language switches" in caplog.text


def test_whitespace_and_newlines_are_collapsed() -> None:
    assert phonemize(["hello \n\n  world"], "en-us") == phonemize(["hello world"], "en-us")


def test_batch_keeps_order_and_length() -> None:
    texts = ["one", "two", "three"]
    assert phonemize(texts, "en-us") == [phonemize([t], "en-us")[0] for t in texts]
    assert phonemize([], "en-us") == []


def test_unsupported_language_names_it_and_the_fix() -> None:
    with pytest.raises(InputError) as error:
        phonemize(["hello"], "xx-yy")
    assert str(error.value) == (
        "language xx-yy: espeak-ng has no voice for this language. Fix: use an espeak-ng voice "
        "code from `espeak-ng --voices` (MVC-Bench uses en-us, es, de, fr-fr)")


def test_empty_text_names_its_index() -> None:
    with pytest.raises(InputError) as error:
        phonemize(["hello", " \n"], "en-us")
    assert str(error.value).startswith("text 1: the text to phonemize is empty (' \\n')")


def test_espeak_version_matches_binary_and_library() -> None:
    version = espeak_version()
    assert re.fullmatch(r"\d+\.\d+(\.\d+)*", version)
    output = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True,
                            check=True).stdout
    assert f"text-to-speech: {version}" in output
    library = ".".join(str(part) for part in EspeakBackend.version())
    assert library.startswith(version) or version.startswith(library)
