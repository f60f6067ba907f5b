"""Gutenberg adapter: header/footer stripped, wrapped paragraphs joined, N-sentence passages."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from mvc.data.gutenberg import book_body, read_gutenberg
from mvc.data.result import Skipped
from mvc.errors import InputError

SR = 22050
HEADER = """\ufeffThe Project Gutenberg eBook of Headerland, by Anon

This eBook is for the use of anyone anywhere. HEADERWORD licence terms apply.

Title: Headerland

*** START OF THE PROJECT GUTENBERG EBOOK HEADERLAND ***

"""
# 7 sentences in 3 paragraphs; hard-wrapped at odd places; a heading without a full stop.
BODY = """CHAPTER I

It was a dark night. Mr. Brown walked
home    alone. The rain fell
hard.

He opened the door. A cat
sat there. It looked up.
"""
FOOTER = """

End of the Project Gutenberg EBook of Headerland, by Anon
FOOTERWORD trailing line

*** END OF THE PROJECT GUTENBERG EBOOK HEADERLAND ***

Section 1. FOOTERWORD General Terms of Use and Redistributing Project Gutenberg works.
"""
SENTENCES = ["CHAPTER I", "It was a dark night.", "Mr. Brown walked home alone.",
             "The rain fell hard.", "He opened the door.", "A cat sat there.", "It looked up."]


def write_book(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\r\n")  # Gutenberg files use CRLF
    return path


def test_passages_field_by_field(tmp_path):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    result = read_gutenberg(book, language="en-us", sentences_per_passage=3)
    assert result.skipped == []
    assert [r.utt_id for r in result.rows] == ["headerland_0000", "headerland_0001",
                                               "headerland_0002"]
    assert [r.text for r in result.rows] == [" ".join(SENTENCES[0:3]), " ".join(SENTENCES[3:6]),
                                             SENTENCES[6]]
    for row in result.rows:
        assert (row.speaker, row.language, row.audio_path, row.split) == (
            "gutenberg", "en-us", "", "train")
        assert math.isnan(row.duration_s)


def test_header_and_footer_never_reach_a_passage(tmp_path):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    texts = " ".join(r.text for r in read_gutenberg(book, language="en-us",
                                                    sentences_per_passage=1).rows)
    for word in ("HEADERWORD", "FOOTERWORD", "Project Gutenberg", "Title", "***", "\ufeff"):
        assert word not in texts
    assert texts == " ".join(SENTENCES)


@pytest.mark.parametrize(("per_passage", "sizes"), [(1, [1] * 7), (2, [2, 2, 2, 1]),
                                                    (7, [7]), (10, [7])])
def test_grouping_counts(tmp_path, per_passage, sizes):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    rows = read_gutenberg(book, language="en-us", sentences_per_passage=per_passage).rows
    passages, start = [], 0
    for size in sizes:
        passages.append(" ".join(SENTENCES[start:start + size]))
        start += size
    assert [r.text for r in rows] == passages


def test_max_passages(tmp_path):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    rows = read_gutenberg(book, language="en-us", sentences_per_passage=2, max_passages=2).rows
    assert [r.text for r in rows] == [" ".join(SENTENCES[0:2]), " ".join(SENTENCES[2:4])]


def test_older_marker_spelling_and_wrapped_title():
    lines = ["Produced by HEADERWORD", "",
             "*** start of this project gutenberg ebook a very long title that",
             "wraps onto a second line ***", "", "Body text here.", "",
             "***END OF THIS PROJECT GUTENBERG EBOOK A VERY LONG TITLE***", "FOOTERWORD"]
    assert book_body(lines, "book.txt") == ["", "Body text here.", ""]


def test_book_without_markers_is_an_error_naming_the_file(tmp_path):
    book = write_book(tmp_path / "plain.txt", BODY)
    with pytest.raises(InputError) as err:
        read_gutenberg(book, language="en-us", sentences_per_passage=2)
    assert err.value.where == str(book)
    assert "START OF THE PROJECT GUTENBERG EBOOK" in err.value.problem
    assert "require_markers: false" in err.value.fix


def test_plain_text_accepted_when_markers_not_required(tmp_path):
    book = write_book(tmp_path / "plain.txt", BODY)
    rows = read_gutenberg(book, language="en-us", sentences_per_passage=7,
                          require_markers=False).rows
    assert [(r.utt_id, r.text) for r in rows] == [("plain_0000", " ".join(SENTENCES))]


def test_start_without_end_is_an_error(tmp_path):
    book = write_book(tmp_path / "cut.txt", HEADER + BODY)
    with pytest.raises(InputError, match="no END OF THE PROJECT GUTENBERG EBOOK line") as err:
        read_gutenberg(book, language="en-us", sentences_per_passage=2, require_markers=False)
    assert err.value.where == str(book)


def test_empty_body_is_an_error(tmp_path):
    book = write_book(tmp_path / "empty.txt", HEADER + FOOTER)
    with pytest.raises(InputError, match="no text between the Project Gutenberg markers"):
        read_gutenberg(book, language="en-us", sentences_per_passage=2)


def test_folder_of_books(tmp_path, monkeypatch):
    write_book(tmp_path / "books" / "b.txt", HEADER + BODY + FOOTER)
    write_book(tmp_path / "books" / "a.txt", HEADER + "One more. And two.\n" + FOOTER)
    (tmp_path / "books" / "notes.md").write_text("not a book", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    rows = read_gutenberg("books", language="en-us", sentences_per_passage=4,
                          speaker="narrator").rows
    assert [(r.utt_id, r.speaker) for r in rows] == [("a_0000", "narrator"),
                                                     ("b_0000", "narrator"),
                                                     ("b_0001", "narrator")]
    assert rows[0].text == "One more. And two."


def test_audio_dir_gives_paths_and_durations(tmp_path, write_tone, monkeypatch):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    samples = [11025, 22050, 33075]
    for index, n_samples in enumerate(samples):
        write_tone(tmp_path / "audio" / f"headerland_{index:04d}.wav", SR, n_samples)
    monkeypatch.chdir(tmp_path)
    rows = read_gutenberg(book.name, language="en-us", sentences_per_passage=3,
                          audio_dir="audio").rows
    assert [r.audio_path for r in rows] == [f"audio/headerland_{i:04d}.wav" for i in range(3)]
    assert [r.duration_s for r in rows] == pytest.approx([n / SR for n in samples], abs=1e-6)


def test_missing_passage_audio_raises_or_is_skipped(tmp_path, write_tone):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    for index in (0, 2):
        write_tone(tmp_path / "audio" / f"headerland_{index:04d}.wav", SR, 2205)
    missing = tmp_path / "audio" / "headerland_0001.wav"
    options = {"language": "en-us", "sentences_per_passage": 3, "audio_dir": tmp_path / "audio"}
    with pytest.raises(InputError) as err:
        read_gutenberg(book, **options)
    assert (err.value.where, err.value.problem) == (str(missing), "audio file not found")
    result = read_gutenberg(book, **options, skip_bad=True)
    assert [r.utt_id for r in result.rows] == ["headerland_0000", "headerland_0002"]
    assert result.skipped == [Skipped(str(missing), "audio file not found")]


@pytest.mark.parametrize(("option", "value"), [("sentences_per_passage", 0),
                                               ("max_passages", -1)])
def test_bad_passage_options(tmp_path, option, value):
    book = write_book(tmp_path / "headerland.txt", HEADER + BODY + FOOTER)
    options = {"sentences_per_passage": 2, option: value}
    with pytest.raises(InputError, match=f"{option}={value}"):
        read_gutenberg(book, language="en-us", **options)


def test_missing_book(tmp_path):
    with pytest.raises(InputError, match="Gutenberg book or folder not found"):
        read_gutenberg(tmp_path / "none.txt", language="en-us", sentences_per_passage=2)


def test_transcriber_notes_and_italics_are_not_read_aloud():
    from mvc.data.gutenberg import paragraphs

    lines = ["[Illustration: A man", "with a hat]", "", "It was _very_ odd, _said_ he.",
             "snake_case stays."]
    assert paragraphs(lines) == ["It was very odd, said he. snake_case stays."]
