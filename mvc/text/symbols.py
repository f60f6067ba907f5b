"""The fixed phoneme symbol table: token id = line index in data/symbols.txt (pad = 0).

symbols.txt holds one symbol (one Unicode code point) per line, with three escapes:
`<pad>` (line 0, the padding id, decodes to nothing), `<space>` for " ", and `U+XXXX` for a
code point that is unreadable alone (combining marks such as U+0303, the nasal tilde).
Encoding is per code point and strict: a symbol outside the table is an InputError, never a
silent `<unk>`. Extend the table by appending lines, so existing ids (and checkpoints) stay
valid.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from mvc.errors import InputError

PAD = "<pad>"
SPACE = "<space>"
CODE_POINT = re.compile(r"U\+([0-9A-F]{4,6})")
SYMBOLS_FILE = "mvc/text/data/symbols.txt"


def _parse_line(line: str, where: str) -> str:
    if line == SPACE:
        return " "
    escaped = CODE_POINT.fullmatch(line)
    if escaped:
        return chr(int(escaped.group(1), 16))
    if len(line) != 1 or line.isspace():
        raise InputError(where, f"expected one symbol (one code point), {SPACE} or U+XXXX, "
                                f"found {line!r}", "write one symbol per line")
    return line


def _describe(symbol: str) -> str:
    name = unicodedata.name(symbol, "unnamed")
    return f"{symbol!r} (U+{ord(symbol):04X} {name})"


@dataclass(frozen=True)
class SymbolTable:
    """Symbols in id order; `symbols[0]` is the pad symbol (the empty string)."""

    symbols: tuple[str, ...]
    ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "ids", {s: i for i, s in enumerate(self.symbols)})

    @classmethod
    def parse(cls, text: str, where: str | Path) -> SymbolTable:
        """Parse symbols.txt content; InputError for a bad line, a duplicate or pad not first."""
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines or lines[0] != PAD:
            raise InputError(where, f"line 1 must be {PAD} (the padding id 0)",
                             f"put {PAD} on the first line")
        symbols = [""]
        first_line: dict[str, int] = {}
        for number, line in enumerate(lines[1:], start=2):
            symbol = _parse_line(line, f"{where}:{number}")
            if symbol in first_line:
                raise InputError(f"{where}:{number}",
                                 f"symbol {_describe(symbol)} already on line {first_line[symbol]}",
                                 "delete the duplicate line")
            first_line[symbol] = number
            symbols.append(symbol)
        return cls(tuple(symbols))

    @classmethod
    def load(cls, path: str | Path | None = None) -> SymbolTable:
        """The table at `path`, or the shipped default (mvc/text/data/symbols.txt)."""
        if path is None:
            text = resources.files("mvc.text").joinpath("data/symbols.txt").read_text("utf-8")
            return cls.parse(text, SYMBOLS_FILE)
        return cls.parse(Path(path).read_text(encoding="utf-8"), path)

    def __len__(self) -> int:
        return len(self.symbols)

    def encode(self, phonemes: str, source: str | None = None) -> list[int]:
        """Token ids, one per code point; InputError naming an unknown symbol and the text."""
        try:
            return [self.ids[symbol] for symbol in phonemes]
        except KeyError as error:
            symbol = error.args[0]
            context = f"phonemes {phonemes!r}" + (f" of text {source!r}" if source else "")
            raise InputError(context, f"symbol {_describe(symbol)} is not in the symbol table",
                             f"add it to {SYMBOLS_FILE} (append a line, so existing ids "
                             "stay valid)") from None

    def decode(self, ids: Iterable[int]) -> str:
        """The phoneme string of `ids`; pad ids decode to nothing."""
        out = []
        for i in ids:
            if not 0 <= i < len(self.symbols):
                raise InputError("token ids", f"id {i} is outside 0..{len(self.symbols) - 1}",
                                 "decode ids made with the same symbol table")
            out.append(self.symbols[i])
        return "".join(out)


@cache
def default_table() -> SymbolTable:
    """The shipped table, read once."""
    return SymbolTable.load()


def encode(phonemes: str, source: str | None = None) -> list[int]:
    """Encode with the shipped table (see SymbolTable.encode)."""
    return default_table().encode(phonemes, source)


def decode(ids: Iterable[int]) -> str:
    """Decode with the shipped table (see SymbolTable.decode)."""
    return default_table().decode(ids)


def n_symbols() -> int:
    """Number of ids in the shipped table, pad included (the embedding size)."""
    return len(default_table())
