"""The shipped symbol table: format, ids, round trips, coverage of espeak-ng output, errors."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from mvc.errors import InputError
from mvc.text.frontend import text_to_ids
from mvc.text.phonemize import phonemize
from mvc.text.sentences import split_sentences
from mvc.text.symbols import SymbolTable, decode, encode, n_symbols

TEXTS = Path(__file__).resolve().parents[2] / "data" / "texts"
TEXT_LANGUAGES = {"en": "en-us", "es": "es", "de": "de", "fr": "fr-fr"}

SENTENCES = {
    "en-us": "The quick brown fox, twenty-one years old, jumps over the lazy dog; really?",
    "es": "¿El pingüino Wenceslao hizo kilómetros bajo exhaustiva lluvia y frío? ¡Añoraba su casa!",
    "de": "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich, durch Wurst und Quark.",
    "fr-fr": "« Portez ce vieux whisky au juge blond qui fume », dit-il : huit ans, un brun.",
}


def shipped_lines() -> list[str]:
    text = resources.files("mvc.text").joinpath("data/symbols.txt").read_text("utf-8")
    return text.rstrip("\n").split("\n")


def test_pad_is_id_zero_and_space_is_escaped() -> None:
    table = SymbolTable.load()
    assert shipped_lines()[0] == "<pad>" and table.symbols[0] == ""
    assert table.symbols[shipped_lines().index("<space>")] == " "
    assert encode(" ") == [shipped_lines().index("<space>")]


def test_size_is_the_number_of_lines() -> None:
    assert n_symbols() == len(shipped_lines()) == len(set(SymbolTable.load().symbols))


def test_code_point_escape_is_the_combining_tilde() -> None:
    lines = shipped_lines()
    assert SymbolTable.load().symbols[lines.index("U+0303")] == "\u0303"


@pytest.mark.parametrize("language", sorted(SENTENCES))
def test_round_trip_of_phonemized_sentences(language: str) -> None:
    [phonemes] = phonemize([SENTENCES[language]], language)
    ids = encode(phonemes)
    assert len(ids) == len(phonemes)  # one id per code point
    assert 0 not in ids
    assert decode(ids) == phonemes


def test_decode_drops_padding() -> None:
    ids = encode("həlˈoʊ")
    assert decode([*ids, 0, 0]) == "həlˈoʊ"


def test_decode_rejects_ids_outside_the_table() -> None:
    with pytest.raises(InputError, match=rf"id {n_symbols()} is outside 0..{n_symbols() - 1}"):
        decode([1, n_symbols()])


def test_every_character_of_the_shipped_texts_is_in_the_table() -> None:
    languages = sorted(p.name for p in TEXTS.iterdir() if p.is_dir())
    assert languages == sorted(TEXT_LANGUAGES)
    table = set(SymbolTable.load().symbols)
    for directory, language in TEXT_LANGUAGES.items():
        files = sorted((TEXTS / directory).glob("*.txt"))
        assert files, f"no texts in {TEXTS / directory}"
        sentences = [s for f in files for s in split_sentences(f.read_text("utf-8"), language)]
        results = text_to_ids(sentences, language)  # raises on an unknown symbol
        produced = set("".join(phonemes for phonemes, _ in results))
        assert produced <= table, (language, produced - table)


def test_unknown_symbol_names_symbol_code_point_text_and_fix() -> None:
    with pytest.raises(InputError) as error:
        encode("ab1c", source="aneinander")
    assert str(error.value) == (
        "phonemes 'ab1c' of text 'aneinander': symbol '1' (U+0031 DIGIT ONE) is not in the "
        "symbol table. Fix: add it to mvc/text/data/symbols.txt (append a line, so existing "
        "ids stay valid)")


def test_duplicate_lines_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "symbols.txt"
    path.write_text("<pad>\n<space>\na\nb\na\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        SymbolTable.load(path)
    assert str(error.value).startswith(
        f"{path}:5: symbol 'a' (U+0061 LATIN SMALL LETTER A) already on line 3")


def test_escaped_and_literal_duplicate_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "symbols.txt"
    path.write_text("<pad>\n\u0303\nU+0303\n", encoding="utf-8")
    with pytest.raises(InputError, match="already on line 2"):
        SymbolTable.load(path)


def test_shipped_table_has_no_duplicates() -> None:
    table = SymbolTable.load()
    assert len(table.symbols) == len(set(table.symbols))


@pytest.mark.parametrize(("content", "problem"), [
    ("<space>\n<pad>\n", "line 1 must be <pad>"),
    ("<pad>\nab\n", "found 'ab'"),
    ("<pad>\n \n", "found ' '"),
    ("<pad>\n\n", "found ''"),
])
def test_malformed_tables_are_rejected(tmp_path: Path, content: str, problem: str) -> None:
    path = tmp_path / "symbols.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=problem):
        SymbolTable.load(path)


def test_a_custom_table_encodes_with_its_own_ids(tmp_path: Path) -> None:
    path = tmp_path / "symbols.txt"
    path.write_text("<pad>\nb\n<space>\na\n", encoding="utf-8")
    table = SymbolTable.load(path)
    assert table.encode("ab a") == [3, 1, 2, 3]
    assert table.decode([3, 1, 2, 3, 0]) == "ab a"
