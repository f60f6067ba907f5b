"""Per-language normalization rules, read once from the YAML tables in mvc/text/data."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml
from num2words import CONVERTER_CLASSES

from mvc.errors import InputError

DATA_PACKAGE = "mvc.text"
ABBREVIATIONS_FILE = "data/abbreviations.yaml"
LANGUAGES_FILE = "data/languages.yaml"


@dataclass(frozen=True)
class LanguageRules:
    """Everything the normalizer needs to know about one language (see data/languages.yaml)."""

    language: str
    guillemets: tuple[str, str]
    num2words_lang: str
    decimal_separator: str
    group_separators: tuple[str, ...]
    decimal_word: str
    percent_word: str
    currency_separator: str
    currencies: tuple[tuple[str, str], ...]
    year_range: tuple[int, int] | None
    ordinal_dative_words: tuple[str, ...]
    abbreviations: tuple[tuple[str, str], ...]


def _read_yaml(name: str) -> dict[str, Any]:
    path = resources.files(DATA_PACKAGE).joinpath(name)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping from language code to rules",
                         f"restore {name} from the repository")
    return data


def supported_languages() -> tuple[str, ...]:
    """Languages with both an abbreviation table and number rules that num2words can spell."""
    abbreviations = _read_yaml(ABBREVIATIONS_FILE)
    conventions = _read_yaml(LANGUAGES_FILE)
    return tuple(sorted(
        code for code, entry in conventions.items()
        if code in abbreviations and entry.get("num2words") in CONVERTER_CLASSES
    ))


@cache
def load_rules(language: str) -> LanguageRules:
    """The rules for one espeak-ng language code; InputError naming the supported ones."""
    supported = supported_languages()
    if language not in supported:
        raise InputError(
            f"language {language}",
            "no text normalization rules (abbreviations and num2words number spelling) "
            "for this language",
            f"use one of {', '.join(supported)}, or add the language to "
            f"mvc/text/{ABBREVIATIONS_FILE} and mvc/text/{LANGUAGES_FILE}",
        )
    conventions = _read_yaml(LANGUAGES_FILE)[language]
    abbreviations = _read_yaml(ABBREVIATIONS_FILE)[language] or {}
    year_range = conventions["year_range"]
    return LanguageRules(
        language=language,
        guillemets=(conventions["guillemets"][0], conventions["guillemets"][1]),
        num2words_lang=conventions["num2words"],
        decimal_separator=conventions["decimal_separator"],
        group_separators=tuple(conventions["group_separators"]),
        decimal_word=conventions["decimal_word"],
        percent_word=conventions["percent_word"],
        currency_separator=conventions["currency_separator"],
        currencies=tuple(conventions["currencies"].items()),
        year_range=None if year_range is None else (int(year_range[0]), int(year_range[1])),
        ordinal_dative_words=tuple(conventions["ordinal_dative_words"]),
        abbreviations=tuple((str(k), str(v)) for k, v in abbreviations.items()),
    )
