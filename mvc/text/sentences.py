"""Sentence splitting for running text (books, paragraphs) before synthesis and passage building.

A sentence ends at `.`, `!`, `?` or `…` (optionally followed by closing quotes or brackets)
when whitespace and then an upper-case letter, a digit or an opening quote/inverted mark
follow. A period does not end a sentence after a known abbreviation of the language
(`mvc/text/data/abbreviations.yaml`) or after a single letter (an initial, as in
"J. Smith").
"""

from __future__ import annotations

import re

from mvc.text.rules import load_rules

_BOUNDARY = re.compile(
    r"""(?<=[.!?…])        # terminal punctuation
        (["'”’»«)\]]*)      # closing quotes (French », German «) stay with the sentence
        \s+
        (?=["'“‘«»(\[¿¡]*[^\W_a-z])""",  # next sentence opens with capital/digit
    re.VERBOSE,
)
_LAST_WORD = re.compile(r"[\"'“‘«»(\[¿¡]*(\S+)$")


def split_sentences(text: str, language: str) -> list[str]:
    """Split running text into sentences, whitespace collapsed, none empty."""
    text = " ".join(text.split())
    if not text:
        return []
    abbreviations = {abbreviation for abbreviation, _ in load_rules(language).abbreviations}
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end(1)
        candidate = text[start:end]
        last = _LAST_WORD.search(candidate)
        word = last.group(1) if last else ""
        if word in abbreviations or re.fullmatch(r"[^\W\d_]\.", word):
            continue
        sentences.append(candidate.strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


_CLAUSE_BREAKS = (re.compile(r"(?<=[;:])\s+"), re.compile(r"(?<=,)\s+"), re.compile(r"\s+"))


def _pack(pieces: list[str], max_words: int) -> list[str]:
    """Greedily join consecutive pieces while the result has at most `max_words` words."""
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1].split()) + len(piece.split()) <= max_words:
            chunks[-1] = f"{chunks[-1]} {piece}"
        else:
            chunks.append(piece)
    return chunks


def segment(sentence: str, max_words: int, level: int = 0) -> list[str]:
    """Cut a long sentence into utterance-sized chunks of at most `max_words` words.

    Audiobook corpora (LJSpeech, CSS10) cut long sentences at pauses; we cut at clause
    punctuation the same way: first at `;` and `:`, then at commas, and only as a last
    resort between words. Chunks keep their punctuation and join back to the sentence.
    """
    if len(sentence.split()) <= max_words:
        return [sentence]
    pieces = [p for p in _CLAUSE_BREAKS[level].split(sentence) if p]
    chunks = []
    for chunk in _pack(pieces, max_words):
        chunks.extend(segment(chunk, max_words, level + 1) if len(chunk.split()) > max_words
                      else [chunk])
    return chunks
