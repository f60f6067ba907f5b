"""LibriTTS adapter: subset/speaker/chapter/utt.wav + .normalized.txt, as a subset or the root."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvc.data.libritts import read_libritts
from mvc.data.result import Skipped
from mvc.errors import InputError

SR = 24000
# subset, speaker, chapter, utt_id, normalized text (as the file holds it), samples
UTTERANCES = [
    ("train-clean-100", "19", "198", "19_198_000000_000000", "Northanger Abbey.\n", 4800),
    ("train-clean-100", "19", "198", "19_198_000000_000001", 'He said, "Twenty one."', 7200),
    ("train-clean-100", "26", "495", "26_495_000004_000000", "  Chapter one.  \n", 9600),
    ("dev-clean", "84", "121123", "84_121123_000007_000001", "Oh, sir!", 12000),
]


def make_corpus(root: Path, write_tone) -> None:
    """Write the LibriTTS folder: audio, normalized and (ignored) original transcripts."""
    for subset, speaker, chapter, utt_id, text, n_samples in UTTERANCES:
        folder = root / subset / speaker / chapter
        write_tone(folder / f"{utt_id}.wav", SR, n_samples)
        (folder / f"{utt_id}.normalized.txt").write_text(text, encoding="utf-8")
        (folder / f"{utt_id}.original.txt").write_text("ORIGINAL TEXT", encoding="utf-8")
        (folder / f"{speaker}_{chapter}.trans.tsv").write_text("ignored", encoding="utf-8")


def expected_rows(prefix: str, subsets: set[str]) -> list[tuple]:
    """Expected rows, in utt_id order; audio paths are `{prefix}{subset}/...` as given."""
    return [
        (utt_id, speaker, "en-us", text.strip(),
         f"{prefix}{subset}/{speaker}/{chapter}/{utt_id}.wav", n / SR, "train")
        for subset, speaker, chapter, utt_id, text, n in sorted(UTTERANCES, key=lambda u: u[3])
        if subset in subsets
    ]


def as_tuples(rows) -> list[tuple]:
    return [(r.utt_id, r.speaker, r.language, r.text, r.audio_path, r.duration_s, r.split)
            for r in rows]


def assert_rows(rows, expected) -> None:
    found = as_tuples(rows)
    assert [row[:5] + row[6:] for row in found] == [row[:5] + row[6:] for row in expected]
    for row, want in zip(found, expected, strict=True):
        assert row[5] == pytest.approx(want[5], abs=1e-6)


def test_subset_folder_as_root(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "LibriTTS", write_tone)
    monkeypatch.chdir(tmp_path / "LibriTTS")
    result = read_libritts(Path("train-clean-100"))
    assert result.skipped == []
    assert_rows(result.rows, expected_rows("", {"train-clean-100"}))


def test_libritts_root_with_subsets(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "LibriTTS", write_tone)
    monkeypatch.chdir(tmp_path)
    result = read_libritts("LibriTTS", subsets=["train-clean-100", "dev-clean"])
    assert_rows(result.rows, expected_rows("LibriTTS/", {"train-clean-100", "dev-clean"}))


def test_one_subset_named_as_string(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "LibriTTS", write_tone)
    monkeypatch.chdir(tmp_path)
    result = read_libritts("LibriTTS", subsets="dev-clean", language="en-gb")
    assert [(r.utt_id, r.language) for r in result.rows] == [("84_121123_000007_000001", "en-gb")]


def test_libritts_root_without_subsets_explains(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    with pytest.raises(InputError, match=r"name the subsets \(subsets: \[train-clean-100\]\)"):
        read_libritts(tmp_path)


def test_unknown_subset_lists_the_present_ones(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    with pytest.raises(InputError) as err:
        read_libritts(tmp_path, subsets=["train-clean-360"])
    assert err.value.where == str(tmp_path / "train-clean-360")
    assert "found: dev-clean, train-clean-100" in err.value.fix


def test_missing_root(tmp_path):
    with pytest.raises(InputError, match="LibriTTS folder not found"):
        read_libritts(tmp_path / "nowhere")


def test_wav_without_transcript_raises_or_is_skipped(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    chapter = tmp_path / "train-clean-100" / "19" / "198"
    (chapter / "19_198_000000_000001.normalized.txt").unlink()
    wav = chapter / "19_198_000000_000001.wav"
    with pytest.raises(InputError) as err:
        read_libritts(tmp_path / "train-clean-100")
    assert (err.value.where, err.value.problem) == (str(wav), "audio without transcript")

    result = read_libritts(tmp_path / "train-clean-100", skip_bad=True)
    assert [r.utt_id for r in result.rows] == ["19_198_000000_000000", "26_495_000004_000000"]
    assert result.skipped == [Skipped(str(wav), "audio without transcript")]


def test_transcript_without_wav(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    chapter = tmp_path / "train-clean-100" / "26" / "495"
    (chapter / "26_495_000004_000000.wav").unlink()
    with pytest.raises(InputError) as err:
        read_libritts(tmp_path / "train-clean-100")
    assert err.value.where == str(chapter / "26_495_000004_000000.normalized.txt")
    assert err.value.problem == "transcript without audio"


def test_empty_transcript(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    transcript = tmp_path / "dev-clean" / "84" / "121123" / "84_121123_000007_000001.normalized.txt"
    transcript.write_text(" \n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_libritts(tmp_path / "dev-clean")
    assert (err.value.where, err.value.problem) == (str(transcript), "empty transcript text")


def test_non_utf8_transcript(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    transcript = tmp_path / "dev-clean" / "84" / "121123" / "84_121123_000007_000001.normalized.txt"
    transcript.write_bytes("Fran\xe7ois".encode("latin-1"))
    with pytest.raises(InputError, match="not valid UTF-8") as err:
        read_libritts(tmp_path / "dev-clean")
    assert err.value.where == str(transcript)
