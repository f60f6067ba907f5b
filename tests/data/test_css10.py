"""CSS10 adapter: transcript.txt (path|original|normalized|duration) with relative wav paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvc.data.css10 import read_css10
from mvc.data.result import Skipped
from mvc.errors import InputError

SR = 22050
BOOK = "achtgesichterambiwasee"
# relative path, original, normalized, listed duration (not trusted), samples written
LINES = [
    (f"{BOOK}/{BOOK}_0001.wav", "Am 3. Mai.", "Am dritten Mai.", "9.99", 6615),
    (f"{BOOK}/{BOOK}_0000.wav", "„Grüß Gott“, sagte er.", "„Grüß Gott“, sagte er.", "1.2", 4410),
    ("meisterfloh/meisterfloh_0007.wav", "Öl!", "Öl!", "0.3", 8820),
]


def make_corpus(root: Path, write_tone, lines=LINES) -> None:
    for relative, _, _, _, n_samples in lines:
        write_tone(root / relative, SR, n_samples)
    text = "".join(f"{rel}|{orig}|{norm}|{listed}\n" for rel, orig, norm, listed, _ in lines)
    (root / "transcript.txt").write_text(text, encoding="utf-8")


def test_rows_field_by_field(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "de", write_tone)
    monkeypatch.chdir(tmp_path)
    result = read_css10(Path("de"), language="de")
    assert result.skipped == []
    expected = sorted(LINES, key=lambda line: Path(line[0]).stem)
    assert [r.utt_id for r in result.rows] == [
        f"{BOOK}_0000", f"{BOOK}_0001", "meisterfloh_0007"]
    for row, (relative, _, normalized, _, n_samples) in zip(result.rows, expected, strict=True):
        assert row.speaker == "css10-de"
        assert row.language == "de"
        assert row.text == normalized
        assert row.audio_path == f"de/{relative}"
        assert row.duration_s == pytest.approx(n_samples / SR, abs=1e-6)
        assert row.split == "train"


def test_speaker_option(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    rows = read_css10(tmp_path, language="es", speaker="tux").rows
    assert {(r.speaker, r.language) for r in rows} == {("tux", "es")}


def test_wrong_field_count_names_file_and_line(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    lines = (tmp_path / "transcript.txt").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].rsplit("|", 1)[0]
    (tmp_path / "transcript.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_css10(tmp_path, language="de")
    assert err.value.where == f"{tmp_path}/transcript.txt:3"
    assert err.value.problem == "3 fields separated by '|'"
    assert "path|original|normalized|duration" in err.value.fix


def test_empty_normalized_text(tmp_path, write_tone):
    lines = [LINES[0], (LINES[1][0], "Text.", "", "1.0", 4410)]
    make_corpus(tmp_path, write_tone, lines)
    with pytest.raises(InputError) as err:
        read_css10(tmp_path, language="de")
    assert (err.value.where, err.value.problem) == (f"{tmp_path}/transcript.txt:2",
                                                    "empty transcript text")


def test_missing_wav_raises_or_is_skipped(tmp_path, write_tone):
    make_corpus(tmp_path, write_tone)
    missing = tmp_path / BOOK / f"{BOOK}_0001.wav"
    missing.unlink()
    with pytest.raises(InputError) as err:
        read_css10(tmp_path, language="de")
    assert (err.value.where, err.value.problem) == (str(missing), "audio file not found")
    result = read_css10(tmp_path, language="de", skip_bad=True)
    assert [r.utt_id for r in result.rows] == [f"{BOOK}_0000", "meisterfloh_0007"]
    assert result.skipped == [Skipped(str(missing), "audio file not found")]


def test_duplicate_stem_is_a_bad_item(tmp_path, write_tone):
    lines = [*LINES, (f"other/{BOOK}_0000.wav", "Nein.", "Nein.", "0.5", 2205)]
    make_corpus(tmp_path, write_tone, lines)
    with pytest.raises(InputError, match=f"utt_id '{BOOK}_0000' appears twice") as err:
        read_css10(tmp_path, language="de")
    assert err.value.where == f"{tmp_path}/other/{BOOK}_0000.wav"


def test_every_line_bad_still_raises_with_skip_bad(tmp_path):
    (tmp_path / "transcript.txt").write_text("a.wav|x\nb.wav|y\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"every item of the corpus is bad \(2 skipped\)"):
        read_css10(tmp_path, language="de", skip_bad=True)


def test_missing_transcript(tmp_path):
    with pytest.raises(InputError, match="CSS10 transcript not found") as err:
        read_css10(tmp_path, language="de")
    assert err.value.where == str(tmp_path / "transcript.txt")
