"""LJSpeech adapter: metadata.csv + wavs/ in the real layout, good rows and every bad case."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvc.data.ljspeech import read_ljspeech
from mvc.data.result import Skipped
from mvc.errors import InputError

SR = 22050
# Written out of id order: the adapter must sort by utt_id.
LINES = [
    ("LJ001-0002", 'in being "comparatively" modern, Mr. Smith said',
     'in being "comparatively" modern, Mister Smith said', 6615),
    ("LJ001-0001", "Printing, in the only sense with which we are at present concerned,",
     "Printing, in the only sense with which we are at present concerned,", 4410),
    ("LJ002-0010", "in 1801, the jail", "in eighteen oh one, the jail", 8820),
]


def make_corpus(root: Path, write_tone, lines=LINES, *, newline: str = "\n") -> dict[str, float]:
    """Write metadata.csv and the wavs; return the duration written for each id."""
    root.mkdir(parents=True, exist_ok=True)
    durations = {}
    for utt_id, _, _, n_samples in lines:
        durations[utt_id] = write_tone(root / "wavs" / f"{utt_id}.wav", SR, n_samples)
    text = "".join(f"{utt_id}|{raw}|{norm}{newline}" for utt_id, raw, norm, _ in lines)
    (root / "metadata.csv").write_text(text, encoding="utf-8", newline="")
    return durations


def test_rows_field_by_field(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "LJSpeech-1.1", write_tone)
    monkeypatch.chdir(tmp_path)

    result = read_ljspeech(Path("LJSpeech-1.1"))

    assert result.skipped == []
    assert [row.utt_id for row in result.rows] == ["LJ001-0001", "LJ001-0002", "LJ002-0010"]
    expected = {utt_id: (norm, n / SR) for utt_id, _, norm, n in LINES}
    for row in result.rows:
        text, seconds = expected[row.utt_id]
        assert row.speaker == "LJ"
        assert row.language == "en-us"
        assert row.text == text
        assert row.audio_path == f"LJSpeech-1.1/wavs/{row.utt_id}.wav"
        assert row.duration_s == pytest.approx(seconds, abs=1e-6)
        assert row.split == "train"


def test_normalized_text_keeps_quotes(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    row = {r.utt_id: r for r in read_ljspeech(tmp_path).rows}["LJ001-0002"]
    assert row.text == 'in being "comparatively" modern, Mister Smith said'


def test_speaker_and_language_options(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    rows = read_ljspeech(tmp_path, speaker="ljs", language="en-gb").rows
    assert {(r.speaker, r.language) for r in rows} == {("ljs", "en-gb")}


def test_crlf_and_blank_lines(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone, newline="\r\n\r\n")
    rows = read_ljspeech(tmp_path).rows
    assert [r.text for r in rows] == [LINES[1][2], LINES[0][2], LINES[2][2]]


def test_wrong_field_count_names_file_and_line(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    with (tmp_path / "metadata.csv").open("a", encoding="utf-8") as f:
        f.write("LJ003-0001|only two fields\n")
    with pytest.raises(InputError) as err:
        read_ljspeech(tmp_path)
    assert err.value.where == f"{tmp_path}/metadata.csv:4"
    assert err.value.problem == "2 fields separated by '|'"
    assert "id|text|normalized_text" in str(err.value)


def test_wrong_field_count_skipped_on_request(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    with (tmp_path / "metadata.csv").open("a", encoding="utf-8") as f:
        f.write("LJ003-0001|a|b|c\n")
    result = read_ljspeech(tmp_path, skip_bad=True)
    assert len(result.rows) == 3
    assert result.skipped == [Skipped(f"{tmp_path}/metadata.csv:4", "4 fields separated by '|'")]


def test_empty_normalized_text_names_file_and_line(tmp_path, write_tone):
    lines = [*LINES[:2], ("LJ002-0010", "in 1801", "  ", 4410)]
    make_corpus(tmp_path, write_tone, lines)
    with pytest.raises(InputError) as err:
        read_ljspeech(tmp_path)
    assert err.value.where == f"{tmp_path}/metadata.csv:3"
    assert err.value.problem == "empty transcript text"


def test_missing_wav_raises_or_is_skipped(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    missing = tmp_path / "wavs" / "LJ001-0002.wav"
    missing.unlink()
    with pytest.raises(InputError) as err:
        read_ljspeech(tmp_path)
    assert err.value.where == str(missing)
    assert err.value.problem == "audio file not found"

    result = read_ljspeech(tmp_path, skip_bad=True)
    assert [r.utt_id for r in result.rows] == ["LJ001-0001", "LJ002-0010"]
    assert result.skipped == [Skipped(str(missing), "audio file not found")]


def test_unreadable_wav(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    (tmp_path / "wavs" / "LJ001-0001.wav").write_bytes(b"RIFF not really a wave file")
    with pytest.raises(InputError, match="unreadable audio") as err:
        read_ljspeech(tmp_path)
    assert err.value.where == str(tmp_path / "wavs" / "LJ001-0001.wav")


def test_missing_metadata(tmp_path):
    with pytest.raises(InputError, match="LJSpeech metadata not found") as err:
        read_ljspeech(tmp_path)
    assert err.value.where == str(tmp_path / "metadata.csv")


def test_non_utf8_metadata(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    (tmp_path / "metadata.csv").write_bytes("LJ001-0001|café|café\n".encode("latin-1"))
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        read_ljspeech(tmp_path)
    assert err.value.where == str(tmp_path / "metadata.csv")


def test_empty_metadata(tmp_path):
    (tmp_path / "metadata.csv").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match="no utterances found"):
        read_ljspeech(tmp_path)
