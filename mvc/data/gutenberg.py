"""Project Gutenberg plain-text books turned into long-form passages (a text-only test set).

How a book becomes passages:

1. The licence header and footer are cut: the body lies between the line
   `*** START OF THE PROJECT GUTENBERG EBOOK ... ***` and the matching
   `*** END OF THE PROJECT GUTENBERG EBOOK ... ***` (also the older `THIS`, `E-BOOK` and
   `ETEXT` spellings, any case; a title that wraps onto the next lines is part of the
   marker up to its closing `***`). A last paragraph starting "End of (the) Project
   Gutenberg..." is footer too. Without a START line the book is an error unless
   `require_markers=False` (plain text, used as a whole).
2. Paragraphs are separated by blank lines; the hard-wrapped lines of a paragraph are
   joined and whitespace collapsed. Transcriber markup is not read aloud: a paragraph
   that is only a bracketed note (`[Illustration: ...]`, `[Footnote ...]`) is dropped and
   the underscores marking italics (`_word_`) are removed.
3. Each paragraph is split into sentences (`mvc.text.sentences.split_sentences`), so a
   sentence never spans paragraphs (a heading without a full stop stays its own sentence).
4. Passages are N consecutive sentences over the whole book (`sentences_per_passage`),
   crossing paragraph boundaries, joined by one space; the last passage holds the
   remaining 1..N sentences. `max_passages` keeps the first passages of each book.

Book-level problems (no markers, undecodable text, no sentences) always raise: they are
configuration errors, not corpus noise. A passage whose audio is missing is a bad item
(error, or skipped with `skip_bad`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

from mvc.audio import duration_s
from mvc.data.manifest import Utterance
from mvc.data.result import DEFAULT_SPLIT, AdapterResult, collect
from mvc.data.transcripts import read_lines
from mvc.errors import InputError
from mvc.text.sentences import split_sentences

_MARKER = r"^\s*\*{{3}}\s*{kind} OF (?:THE|THIS) PROJECT GUTENBERG E-?(?:BOOK|TEXT)\b"
START = re.compile(_MARKER.format(kind="START"), re.IGNORECASE)
END = re.compile(_MARKER.format(kind="END"), re.IGNORECASE)
MARKER_CLOSE = "***"
FOOTER_LEAD = re.compile(r"^\s*End of (?:the )?Project Gutenberg", re.IGNORECASE)
NOTE = re.compile(r"\[[^\]]*\]")
ITALICS = re.compile(r"(?<!\w)_(\S(?:[^_]*\S)?)_(?!\w)")
BOOK_GLOB = "*.txt"
AUDIO_SUFFIX = ".wav"


def read_gutenberg(root: str | Path, *, language: str, sentences_per_passage: int,
                   speaker: str = "gutenberg", audio_dir: str | Path | None = None,
                   max_passages: int | None = None, require_markers: bool = True,
                   skip_bad: bool = False) -> AdapterResult:
    """Read one book (`root` is a .txt file) or every `*.txt` book in the folder `root`.

    Passage ids are `{book_stem}_{index:04d}` (index from 0). With `audio_dir`, each
    passage's audio is `{audio_dir}/{utt_id}.wav` and must exist; without it the rows are
    text-only (`audio_path` "" and `duration_s` NaN).
    """
    root = Path(root)
    _require_positive("sentences_per_passage", sentences_per_passage)
    if max_passages is not None:
        _require_positive("max_passages", max_passages)
    passages = [
        (f"{book.stem}_{index:04d}", text)
        for book in _books(root)
        for index, text in enumerate(
            book_passages(read_lines(book), book, language=language,
                          sentences_per_passage=sentences_per_passage,
                          require_markers=require_markers)[:max_passages])
    ]

    def make_row(item: tuple[str, str]) -> Utterance:
        utt_id, text = item
        audio_path, duration = "", math.nan
        if audio_dir is not None:
            audio = Path(audio_dir) / f"{utt_id}{AUDIO_SUFFIX}"
            audio_path, duration = audio.as_posix(), duration_s(audio)
        return Utterance(utt_id=utt_id, speaker=speaker, language=language, text=text,
                         audio_path=audio_path, duration_s=duration, split=DEFAULT_SPLIT)

    return collect(passages, make_row, where=root, skip_bad=skip_bad, desc="Gutenberg")


def book_passages(lines: Sequence[str], where: str | Path, *, language: str,
                  sentences_per_passage: int, require_markers: bool = True) -> list[str]:
    """A book's lines to passages of `sentences_per_passage` sentences (see the module doc)."""
    sentences = [
        sentence
        for paragraph in paragraphs(book_body(lines, where, require_markers=require_markers))
        for sentence in split_sentences(paragraph, language)
    ]
    if not sentences:
        raise InputError(where, "no text between the Project Gutenberg markers",
                         "check that the file is the book's plain-text release")
    return [" ".join(sentences[start:start + sentences_per_passage])
            for start in range(0, len(sentences), sentences_per_passage)]


def book_body(lines: Sequence[str], where: str | Path, *,
              require_markers: bool = True) -> list[str]:
    """The lines between the START and END markers, the footer's lead paragraph removed."""
    start = _first_match(START, lines, 0)
    if start is None:
        end = _first_match(END, lines, 0)
        if end is not None:
            raise InputError(where, f"an END OF THE PROJECT GUTENBERG EBOOK line (line {end + 1}) "
                                    "but no START line", "restore the book's header")
        if require_markers:
            raise InputError(where, "no '*** START OF THE PROJECT GUTENBERG EBOOK ... ***' line",
                             "use the book's plain-text release from gutenberg.org, or set "
                             "require_markers: false for a plain text without the header")
        return list(lines)
    end = _first_match(END, lines, start + 1)
    if end is None:
        raise InputError(where, f"a START line (line {start + 1}) but no END OF THE PROJECT "
                                "GUTENBERG EBOOK line after it",
                         "the file looks truncated: download the book again")
    body = list(lines[_marker_end(lines, start) + 1:end])
    spans = paragraph_spans(body)
    if spans and FOOTER_LEAD.match(body[spans[-1][0]]):
        body = body[:spans[-1][0]]
    return body


def _first_match(pattern: re.Pattern[str], lines: Sequence[str], first: int) -> int | None:
    """Index of the first line at or after `first` that `pattern` matches, or None."""
    return next((i for i in range(first, len(lines)) if pattern.match(lines[i])), None)


def _marker_end(lines: Sequence[str], start: int) -> int:
    """The last line of the START marker: a wrapped title runs on to its closing `***`."""
    line = lines[start]
    if line.rstrip().endswith(MARKER_CLOSE) and line.count("*") >= 2 * len(MARKER_CLOSE):
        return start
    for i in range(start + 1, len(lines)):
        if not lines[i].strip():
            return i - 1
        if lines[i].rstrip().endswith(MARKER_CLOSE):
            return i
    return start


def paragraph_spans(lines: Sequence[str]) -> list[tuple[int, int]]:
    """(first, last + 1) line indices of each paragraph: runs of non-blank lines."""
    spans: list[tuple[int, int]] = []
    first = None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and first is None:
            first = i
        elif not line.strip() and first is not None:
            spans.append((first, i))
            first = None
    return spans


def paragraphs(lines: Sequence[str]) -> list[str]:
    """Paragraph texts: each run of non-blank lines joined, whitespace collapsed, without
    transcriber notes and italics underscores."""
    texts = (" ".join(" ".join(lines[first:last]).split())
             for first, last in paragraph_spans(lines))
    return [ITALICS.sub(r"\1", text) for text in texts if not NOTE.fullmatch(text)]


def _books(root: Path) -> list[Path]:
    """The book files: `root` itself, or the `*.txt` files in the folder `root`, sorted."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise InputError(root, "Gutenberg book or folder not found",
                         "check the dataset's root in the config")
    books = sorted(root.glob(BOOK_GLOB))
    if not books:
        raise InputError(root, f"no {BOOK_GLOB} books in this folder",
                         "put the plain-text books here, or point the root at one book")
    return books


def _require_positive(name: str, value: int) -> None:
    """Raise InputError unless `value` is a positive integer (a passage-building option)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"Gutenberg option {name}={value!r}", "must be a positive integer",
                         f"set {name} to 1 or more in the dataset config")
