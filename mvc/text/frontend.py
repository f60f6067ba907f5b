"""The text front end every system uses: normalize -> phonemize (espeak-ng) -> token ids."""

from __future__ import annotations

from collections.abc import Sequence

from mvc.text.normalize import normalize
from mvc.text.phonemize import phonemize
from mvc.text.symbols import encode


def text_to_ids(texts: Sequence[str], language: str) -> list[tuple[str, list[int]]]:
    """(phoneme string, token ids) per text, phonemized in one batch.

    InputError for an empty text, an unsupported language, or a phoneme outside the
    symbol table (the error names the symbol and the text it came from).
    """
    normalized = [normalize(text, language) for text in texts]
    phonemes = phonemize(normalized, language)
    return [(p, encode(p, source=text)) for p, text in zip(phonemes, texts, strict=True)]
