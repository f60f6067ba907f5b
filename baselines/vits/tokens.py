"""Our phoneme token ids as the ids of VITS's vocabulary.

The vocabulary is built from the symbol table the model was trained with (config.
characters_config), so a token is looked up by its symbol, not shifted by arithmetic: a
symbol table that grew after training gives an InputError here, never a wrong id. With
add_blank (coqui's default for VITS) the blank id is put between and around the tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mvc.errors import InputError


def vits_ids(token_ids: Sequence[int], symbols: Sequence[str], tokenizer: Any,
             where: str) -> list[int]:
    """Coqui ids of our `token_ids` (ids into `symbols`), blanks added as the tokenizer says."""
    if not token_ids:
        raise InputError(where, "no phoneme tokens", "give the utterance a non-empty text")
    characters = tokenizer.characters
    ids = []
    for token in token_ids:
        if not 0 < token < len(symbols):
            raise InputError(where, f"token id {token} is outside 1..{len(symbols) - 1}, the "
                             "symbol table the VITS checkpoint was trained with",
                             "retrain VITS with this symbol table (its symbols were appended "
                             "after training)")
        ids.append(characters.char_to_id(symbols[token]))
    return tokenizer.intersperse_blank_char(ids) if tokenizer.add_blank else ids
