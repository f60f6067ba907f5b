"""Numbers to words with num2words: currency, percentages, ordinals, years, decimals, cardinals.

Only numbers standing alone (not glued to letters, not part of a longer dotted or comma
sequence such as a date "3.5.2020" or a version "2.0.1") are expanded; anything else is
left as written, and espeak-ng reads it with its own number rules. Handled, in this order:

- currency: a symbol from data/languages.yaml before or after an amount with no or two
  decimals ("$5", "5 €", "£3.50", "3,50 €") -> num2words `to="currency"`; a whole amount
  drops num2words' "zero cents";
- percentages: "5%", "12,5 %" -> number + the language's percent word;
- ordinals: English 1st/2nd/3rd/21st (suffix must fit the number), Spanish 1.º/1º/2.ª/1.er,
  French 1er/1re/1ère/2e/2ème (and superscript ᵉ/ᵉʳ/ʳᵉ), German "N." only after a word that
  fixes the weak "-en" ending (am, im, zum ... -> "am dritten Mai"); other German "N." stay;
- years: plain four-digit integers inside the language's `year_range` (English, German)
  -> num2words `to="year"` ("1850" -> "eighteen fifty");
- decimals: integer part, the language's decimal word, then the digits one by one
  ("3.14" -> "three point one four", "3,14" -> "tres coma uno cuatro");
- cardinals: integers with the language's digit grouping ("1,000" en, "1.000" es/de,
  "1 000" with a no-break or thin space in fr); a leading zero ("007") is read digit by digit.

Not handled (left to espeak-ng): negative numbers, ranges, times, dates, fractions, roman
numerals, units, and the gender/case agreement of "1" before a noun ("1 maison" -> "un").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from num2words import num2words

from mvc.text.rules import LanguageRules

START = r"(?<![\w.,])"
END = r"(?![\w]|[.,]\d)"
FRENCH_ORDINAL_SUFFIXES = ("er", "ᵉʳ", "re", "ʳᵉ", "ère", "e", "ᵉ", "ème")
SPANISH_ORDINAL_MARKS = {"º": "o", "ª": "a"}
SPANISH_APOCOPE = ("primero", "tercero")


def _spell(value: int, rules: LanguageRules, to: str = "cardinal") -> str:
    """num2words without the commas English puts after thousands (they would read as pauses)."""
    return num2words(value, lang=rules.num2words_lang, to=to).replace(",", "")


def _digits(number: str, rules: LanguageRules) -> str:
    for separator in rules.group_separators:
        number = number.replace(separator, "")
    return number


def _spell_number(integer: str, fraction: str | None, rules: LanguageRules) -> str:
    digits = _digits(integer, rules)
    if len(digits) > 1 and digits.startswith("0"):
        words = " ".join(_spell(int(d), rules) for d in digits)
    else:
        words = _spell(int(digits), rules)
    if fraction:
        words += f" {rules.decimal_word} " + " ".join(_spell(int(d), rules) for d in fraction)
    return words


@cache
def _patterns(rules: LanguageRules) -> dict[str, re.Pattern[str]]:
    never = "(?!)"  # an empty alternative list must match nothing, not everything
    groups = "|".join(re.escape(g) for g in rules.group_separators) or never
    integer = rf"(?:\d{{1,3}}(?:(?:{groups})\d{{3}})+|\d+)"
    decimal = re.escape(rules.decimal_separator)
    symbols = "|".join(re.escape(symbol) for symbol, _ in rules.currencies) or never
    amount = rf"(?P<int>{integer})(?:{decimal}(?P<cents>\d{{2}}))?"
    dative = "|".join(re.escape(w) for w in rules.ordinal_dative_words) or never
    return {
        "currency_before": re.compile(rf"(?P<sym>{symbols})\s?{amount}{END}"),
        "currency_after": re.compile(rf"{START}{amount}\s?(?P<sym>{symbols})"),
        "percent": re.compile(rf"{START}(?P<int>{integer})(?:{decimal}(?P<frac>\d+))?\s?%"),
        "ordinal_en": re.compile(rf"{START}(?P<n>\d+)(?P<suffix>st|nd|rd|th)(?!\w)"),
        "ordinal_es": re.compile(rf"{START}(?P<n>\d+)\.?(?P<suffix>[ºª]|er(?!\w))"),
        "ordinal_fr": re.compile(
            rf"{START}(?P<n>\d+)(?P<suffix>{'|'.join(FRENCH_ORDINAL_SUFFIXES)})(?!\w)"),
        "ordinal_de": re.compile(
            rf"(?<!\w)(?P<word>(?i:{dative}))(?P<space>\s+)(?P<n>\d+)\.(?=\s+\w)"),
        "year": re.compile(rf"{START}(?P<n>\d{{4}}){END}"),
        "number": re.compile(rf"{START}(?P<int>{integer})(?:{decimal}(?P<frac>\d+))?{END}"),
    }


def _substitute(pattern: re.Pattern[str], text: str,
                spell: Callable[[re.Match[str]], str | None]) -> str:
    """Replace each match by `spell(match)`; None or a number too large for num2words keeps it."""

    def replace(match: re.Match[str]) -> str:
        try:
            words = spell(match)
        except OverflowError:
            return match.group(0)
        return match.group(0) if words is None else words

    return pattern.sub(replace, text)


def _currency(match: re.Match[str], rules: LanguageRules) -> str:
    code = dict(rules.currencies)[match["sym"]]
    cents = match["cents"] or "00"
    value = Decimal(f"{_digits(match['int'], rules)}.{cents}")
    words = num2words(value, lang=rules.num2words_lang, to="currency", currency=code,
                      separator=rules.currency_separator)
    if int(cents) == 0:
        words = words.rsplit(f"{rules.currency_separator} ", 1)[0]
    return words.replace(",", "")


def _percent(match: re.Match[str], rules: LanguageRules) -> str:
    return f"{_spell_number(match['int'], match['frac'], rules)} {rules.percent_word}"


def _number(match: re.Match[str], rules: LanguageRules) -> str:
    return _spell_number(match["int"], match["frac"], rules)


def _ordinal_en(match: re.Match[str], rules: LanguageRules) -> str | None:
    n = int(match["n"])
    if num2words(n, lang="en", to="ordinal_num") != match["n"] + match["suffix"]:
        return None
    return _spell(n, rules, to="ordinal")


def _ordinal_es(match: re.Match[str], rules: LanguageRules) -> str | None:
    words = _spell(int(match["n"]), rules, to="ordinal")
    if match["suffix"] == "er":
        return words[:-1] if words.endswith(SPANISH_APOCOPE) else None
    ending = SPANISH_ORDINAL_MARKS[match["suffix"]]
    return " ".join(w[:-1] + ending if w.endswith("o") else w for w in words.split())


def _ordinal_fr(match: re.Match[str], rules: LanguageRules) -> str | None:
    n, suffix = int(match["n"]), match["suffix"]
    if n == 1 and suffix in ("er", "ᵉʳ"):
        return "premier"
    if n == 1 and suffix in ("re", "ʳᵉ", "ère"):
        return "première"
    if n >= 2 and suffix in ("e", "ᵉ", "ème"):
        return _spell(n, rules, to="ordinal")
    return None


def _ordinal_de(match: re.Match[str], rules: LanguageRules) -> str:
    ordinal = _spell(int(match["n"]), rules, to="ordinal")
    return f"{match['word']}{match['space']}{ordinal}n"


def _year(match: re.Match[str], rules: LanguageRules) -> str | None:
    n = int(match["n"])
    if rules.year_range is None or not rules.year_range[0] <= n <= rules.year_range[1]:
        return None
    return _spell(n, rules, to="year")


ORDINALS: dict[str, tuple[str, Callable[[re.Match[str], LanguageRules], str | None]]] = {
    "en": ("ordinal_en", _ordinal_en),
    "es": ("ordinal_es", _ordinal_es),
    "fr": ("ordinal_fr", _ordinal_fr),
    "de": ("ordinal_de", _ordinal_de),
}


def expand_numbers(text: str, rules: LanguageRules) -> str:
    """Spell out the numbers of `text` that the rules above cover, in the rules' language."""
    patterns = _patterns(rules)
    steps: list[tuple[str, Callable[[re.Match[str], LanguageRules], str | None]]] = [
        ("currency_before", _currency),
        ("currency_after", _currency),
        ("percent", _percent),
    ]
    if rules.num2words_lang in ORDINALS:
        steps.append(ORDINALS[rules.num2words_lang])
    steps += [("year", _year), ("number", _number)]
    for name, spell in steps:
        text = _substitute(patterns[name], text, lambda m, spell=spell: spell(m, rules))
    return text
