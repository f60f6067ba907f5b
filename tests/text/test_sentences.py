"""Sentence splitting: terminal punctuation, quotes, abbreviations and initials."""

import pytest

from mvc.text.sentences import split_sentences


def test_splits_at_terminal_punctuation_and_keeps_closing_quotes():
    text = 'He came.  She left!\nWas it late? "Yes," he said. "Very."  It was.'
    assert split_sentences(text, "en-us") == [
        "He came.", "She left!", "Was it late?", '"Yes," he said.', '"Very."', "It was.",
    ]


def test_abbreviations_and_initials_do_not_end_a_sentence():
    text = "Mr. Bennet met Dr. J. Watson at St. Paul's. They talked."
    assert split_sentences(text, "en-us") == [
        "Mr. Bennet met Dr. J. Watson at St. Paul's.", "They talked.",
    ]


def test_abbreviation_after_an_opening_quote():
    text = '"Mr. Bennet," said his lady. He replied.'
    assert split_sentences(text, "en-us") == ['"Mr. Bennet," said his lady.', "He replied."]


def test_lower_case_continuation_is_not_a_boundary():
    assert split_sentences("It was 3 p.m. on a Monday... and then it rained.", "en-us") == [
        "It was 3 p.m. on a Monday... and then it rained.",
    ]


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("es", "Llegó el Sr. Pérez. ¿Qué hora es? ¡Tarde!",
     ["Llegó el Sr. Pérez.", "¿Qué hora es?", "¡Tarde!"]),
    ("de", "Das ist z.B. gut. Hr. Meier kam. Er ging.",
     ["Das ist z.B. gut.", "Hr. Meier kam.", "Er ging."]),
    ("fr-fr", "M. Dupont arriva. «Bonjour», dit-il. Il partit.",
     ["M. Dupont arriva.", "«Bonjour», dit-il.", "Il partit."]),
])
def test_other_languages(language, text, expected):
    assert split_sentences(text, language) == expected


def test_empty_and_unterminated_text():
    assert split_sentences("   \n ", "en-us") == []
    assert split_sentences("no full stop here", "en-us") == ["no full stop here"]


def test_segment_cuts_at_clauses_then_commas_then_words():
    from mvc.text.sentences import segment

    sentence = ("It was the best of times, it was the worst of times; it was the age of "
                "wisdom, it was the age of foolishness: we had everything before us.")
    chunks = segment(sentence, 10)
    assert " ".join(chunks) == sentence
    assert all(len(c.split()) <= 10 for c in chunks)
    assert chunks[:2] == ["It was the best of times,", "it was the worst of times;"]
    assert segment("one two three four five six", 4) == ["one two three four", "five six"]
    assert segment("short enough.", 4) == ["short enough."]


def test_german_guillemets_open_and_close_sentences():
    text = "Er sah sich um.« »Ich will gehen«, sagte er. Dann ging er."
    assert split_sentences(text, "de") == [
        "Er sah sich um.«", "»Ich will gehen«, sagte er.", "Dann ging er."]


def test_unsupported_language_is_an_input_error():
    from mvc.errors import InputError

    with pytest.raises(InputError, match="xx"):
        split_sentences("Hello there. Bye.", "xx")
