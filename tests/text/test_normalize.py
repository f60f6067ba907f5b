"""Normalization per language against hand-written expected outputs, and its errors."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from importlib import resources

import pytest

from mvc.errors import InputError
from mvc.text.normalize import NORMALIZER_VERSION, normalize
from mvc.text.numbers import expand_numbers
from mvc.text.rules import load_rules, supported_languages

# sha256 of the data tables for each NORMALIZER_VERSION: editing a table without bumping the
# version (and recording the new hash here) fails test_tables_match_normalizer_version.
TABLE_HASHES = {
    "1": "d10e2de001bd88d45d7e591d899b465b04edb8f4658c01969f28ef22dadcc1ab",
}

CASES = [
    # English: abbreviations
    ("en-us", "Mr. Smith and Mrs. Jones met Dr. Who.",
     "mister Smith and misses Jones met doctor Who."),
    ("en-us", "He visited St. Paul's, apples vs. pears, etc.",
     "He visited saint Paul's, apples versus pears, et cetera."),
    ("en-us", "Mr. Jones, Jr. and Ms. Day vs. Prof. Xavier, e.g. this, i.e. that",
     "mister Jones, junior and miz Day versus professor Xavier, for example this, that is that"),
    # English: cardinals (grouping commas of num2words removed), decimals, leading zeros
    ("en-us", "I have 3 cats and 1,250 dogs.",
     "I have three cats and one thousand two hundred and fifty dogs."),
    ("en-us", "Pi is 3.14 and 0.05.", "Pi is three point one four and zero point zero five."),
    ("en-us", "Agent 007", "Agent zero zero seven"),
    # English: currency, percent
    ("en-us", "It costs $5 or $2.50 or £3 or 4 €.",
     "It costs five dollars or two dollars and fifty cents or three pounds sterling or "
     "four euro."),
    ("en-us", "12.5% of 40 %", "twelve point five percent of forty percent"),
    # English: ordinals (a suffix that does not fit the number is left alone)
    ("en-us", "the 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st and 102nd",
     "the first, second, third, fourth, eleventh, twelfth, thirteenth, twenty-first and "
     "one hundred and second"),
    ("en-us", "the 1th", "the 1th"),
    # English: years in 1100..2099, other four-digit numbers as cardinals
    ("en-us", "In 1850, 1905, 2000, 2005 and 2024.",
     "In eighteen fifty, nineteen oh-five, two thousand, two thousand and five and "
     "twenty twenty-four."),
    ("en-us", "1000 men and 2100 kids", "one thousand men and two thousand one hundred kids"),
    # English: dates, versions and digits in words are left to espeak-ng
    ("en-us", "On 3.5.2020 I bought an mp3 and version 2.0.1.",
     "On 3.5.2020 I bought an mp3 and version 2.0.1."),
    # typography, whitespace, NFC, markup
    ("en-us", "“Hello,” she said – ‘isn’t it?’...", "\"Hello,\" she said — 'isn't it?'…"),
    ("en-us", "  a \n\t b  ", "a b"),
    ("en-us", "cafe\u0301", "caf\u00e9"),
    ("en-us", "_italic_ [x] {y} *z*", "italic (x) (y) z"),
    # Spanish
    ("es", "El Sr. García y la Sra. López, Ud. sabe.",
     "El señor García y la señora López, usted sabe."),
    ("es", "Los Dres. y la Dra. Ruiz, etc.", "Los doctores y la doctora Ruiz, etcétera."),
    ("es", "Tengo 25 años y 1.000 libros.", "Tengo veinticinco años y mil libros."),
    ("es", "Pi es 3,14.", "Pi es tres coma uno cuatro."),
    ("es", "Cuesta 5,50 € o 3 € o $2.",
     "Cuesta cinco euros con cincuenta céntimos o tres euros o dos dólares."),
    ("es", "el 50 % y el 12,5%", "el cincuenta por ciento y el doce coma cinco por ciento"),
    ("es", "el 1.º y la 2.ª y el 1.er día y el 3er y el 21.º",
     "el primero y la segunda y el primer día y el tercer y el vigésimo primero"),
    ("es", "en 1850", "en mil ochocientos cincuenta"),
    ("es", "¿Qué? ¡No!", "¿Qué? ¡No!"),
    # German
    ("de", "Hr. Müller und Fr. Schmidt, z. B. Dr. Meier usw.",
     "Herr Müller und Frau Schmidt, zum Beispiel Doktor Meier und so weiter."),
    ("de", "Das ist z.B. gut, d.h. sehr gut.", "Das ist zum Beispiel gut, das heißt sehr gut."),
    ("de", "Er hat 1.000 Bücher und 2,5 Liter.",
     "Er hat eintausend Bücher und zwei Komma fünf Liter."),
    ("de", "Am 3. Mai 1850 im 19. Jahrhundert zum 2. Mal",
     "Am dritten Mai achtzehnhundertfünfzig im neunzehnten Jahrhundert zum zweiten Mal"),
    ("de", "5 € und 12,5 %", "fünf Euro und zwölf Komma fünf Prozent"),
    ("de", "Im Jahr 2000 und 1999.", "Im Jahr zweitausend und neunzehnhundertneunundneunzig."),
    ("de", "Er sagte: »Komm!« Dann ging er.", 'Er sagte: "Komm!" Dann ging er.'),
    # French
    ("fr-fr", "M. Dupont et Mme Durand, Mlle Roux et le Dr Petit, etc.",
     "monsieur Dupont et madame Durand, mademoiselle Roux et le docteur Petit, et cetera."),
    ("fr-fr", "Il a 21 ans et 3\u202f000 euros.", "Il a vingt et un ans et trois mille euros."),
    ("fr-fr", "Pi vaut 3,14.", "Pi vaut trois virgule un quatre."),
    ("fr-fr", "le 1er mai, la 1re fois, la 1ère, le 2e jour, le 3ème, le 19ᵉ, le 1e",
     "le premier mai, la première fois, la première, le deuxième jour, le troisième, "
     "le dix-neuvième, le 1e"),
    ("fr-fr", "5 € et 2,50 €", "cinq euros et deux euros et cinquante centimes"),
    ("fr-fr", "10 % et 10\u00a0%", "dix pour cent et dix pour cent"),
    ("fr-fr", "Il dit : « Bonjour ! »", 'Il dit: "Bonjour!"'),
    ("fr-fr", "En 1850.", "En mille huit cent cinquante."),
]


@pytest.mark.parametrize(("language", "text", "expected"), CASES)
def test_normalize(language: str, text: str, expected: str) -> None:
    assert normalize(text, language) == expected


def test_supported_languages_are_the_four_benchmark_languages() -> None:
    assert supported_languages() == ("de", "en-us", "es", "fr-fr")


@pytest.mark.parametrize("language", ["de", "en-us", "es", "fr-fr"])
def test_every_currency_symbol_is_spelled(language: str) -> None:
    for symbol, _ in load_rules(language).currencies:
        for text in (f"{symbol}7", f"7 {symbol}"):
            spelled = normalize(text, language)
            assert not re.search(r"\d", spelled) and symbol not in spelled, (text, spelled)


def test_unsupported_language_names_it_and_the_supported_ones() -> None:
    with pytest.raises(InputError) as error:
        normalize("Ciao", "it")
    message = str(error.value)
    assert message.startswith("language it: no text normalization rules")
    assert "use one of de, en-us, es, fr-fr" in message
    assert "mvc/text/data/abbreviations.yaml" in message


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_empty_text_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError) as error:
        normalize(text, "en-us")
    assert str(error.value) == (f"text: the text to normalize is empty ({text!r}). "
                                "Fix: give every utterance a non-empty transcript")


def test_tables_match_normalizer_version() -> None:
    digest = hashlib.sha256()
    for name in ("abbreviations.yaml", "languages.yaml"):
        digest.update(resources.files("mvc.text").joinpath("data", name).read_bytes())
    assert TABLE_HASHES.get(NORMALIZER_VERSION) == digest.hexdigest(), (
        "the normalization tables changed: bump NORMALIZER_VERSION in mvc/text/normalize.py "
        "and record the new hash in TABLE_HASHES"
    )


def test_text_of_markup_only_is_an_input_error() -> None:
    with pytest.raises(InputError) as error:
        normalize("* * *", "en-us")
    assert str(error.value) == ("text: nothing is left of '* * *' after normalization. "
                                "Fix: give every utterance a transcript with words in it")


def test_a_language_without_currencies_or_grouping_expands_plain_numbers() -> None:
    rules = dataclasses.replace(load_rules("en-us"), currencies=(), group_separators=())
    assert expand_numbers("$5 and 1000000", rules) == "$five and one million"
