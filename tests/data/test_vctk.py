"""VCTK adapter: 0.92 (flac, two mics) and the older VCTK-Corpus (wav48/*.wav) layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from mvc.data.result import Skipped
from mvc.data.vctk import read_vctk
from mvc.errors import InputError

SR = 48000
# speaker, utt_id, text file content, samples for mic1 (mic2 gets 480 more)
UTTERANCES = [
    ("p225", "p225_001", "Please call Stella.\n", 9600),
    ("p225", "p225_002", "Ask her to bring these things with her from the store.\n", 14400),
    ("p226", "p226_001", "Please call Stella.", 19200),
]
MIC2_EXTRA = 480


def make_092(root: Path, write_tone) -> None:
    """VCTK-Corpus-0.92: wav48_silence_trimmed/{spk}/{utt}_mic{1,2}.flac and txt/."""
    for speaker, utt_id, text, n_samples in UTTERANCES:
        audio = root / "wav48_silence_trimmed" / speaker
        write_tone(audio / f"{utt_id}_mic1.flac", SR, n_samples)
        write_tone(audio / f"{utt_id}_mic2.flac", SR, n_samples + MIC2_EXTRA)
        (root / "txt" / speaker).mkdir(parents=True, exist_ok=True)
        (root / "txt" / speaker / f"{utt_id}.txt").write_text(text, encoding="utf-8")
    (root / "speaker-info.txt").write_text("ID  AGE  GENDER  ACCENTS\n", encoding="utf-8")


def make_old(root: Path, write_tone) -> None:
    """The older VCTK-Corpus: wav48/{spk}/{utt}.wav and txt/."""
    for speaker, utt_id, text, n_samples in UTTERANCES:
        write_tone(root / "wav48" / speaker / f"{utt_id}.wav", SR, n_samples)
        (root / "txt" / speaker).mkdir(parents=True, exist_ok=True)
        (root / "txt" / speaker / f"{utt_id}.txt").write_text(text, encoding="utf-8")


def check_rows(rows, audio_path, extra_samples: int = 0) -> None:
    """Compare rows field by field with UTTERANCES; `audio_path(speaker, utt_id)` builds paths."""
    assert [r.utt_id for r in rows] == [u[1] for u in UTTERANCES]
    for row, (speaker, utt_id, text, n_samples) in zip(rows, UTTERANCES, strict=True):
        assert row.speaker == speaker
        assert row.language == "en-us"
        assert row.text == text.strip()
        assert row.audio_path == audio_path(speaker, utt_id)
        assert row.duration_s == pytest.approx((n_samples + extra_samples) / SR, abs=1e-6)
        assert row.split == "train"


def test_092_mic1_default(tmp_path, write_tone, monkeypatch):
    make_092(tmp_path / "VCTK", write_tone)
    monkeypatch.chdir(tmp_path)
    result = read_vctk(Path("VCTK"))
    assert result.skipped == []
    check_rows(result.rows, lambda s, u: f"VCTK/wav48_silence_trimmed/{s}/{u}_mic1.flac")


def test_092_mic2(tmp_path, write_tone, monkeypatch):
    make_092(tmp_path / "VCTK", write_tone)
    monkeypatch.chdir(tmp_path)
    rows = read_vctk("VCTK", mic="mic2").rows
    check_rows(rows, lambda s, u: f"VCTK/wav48_silence_trimmed/{s}/{u}_mic2.flac", MIC2_EXTRA)


def test_old_layout(tmp_path, write_tone, monkeypatch):
    make_old(tmp_path / "VCTK-Corpus", write_tone)
    monkeypatch.chdir(tmp_path)
    check_rows(read_vctk("VCTK-Corpus").rows, lambda s, u: f"VCTK-Corpus/wav48/{s}/{u}.wav")


def test_old_layout_has_no_mic2(tmp_path, write_tone):
    make_old(tmp_path, write_tone)
    with pytest.raises(InputError, match="one microphone, not mic2"):
        read_vctk(tmp_path, mic="mic2")


def test_unknown_mic(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    with pytest.raises(InputError, match="use one of: mic1, mic2"):
        read_vctk(tmp_path, mic="mic3")


def test_no_audio_folder_names_both_layouts(tmp_path):
    (tmp_path / "txt").mkdir()
    with pytest.raises(InputError) as err:
        read_vctk(tmp_path)
    assert str(tmp_path / "wav48_silence_trimmed") in err.value.problem
    assert str(tmp_path / "wav48") + " (older VCTK-Corpus)" in err.value.problem


def test_missing_txt_folder(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    for path in sorted((tmp_path / "txt").rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    (tmp_path / "txt").rmdir()
    with pytest.raises(InputError, match="VCTK transcript folder not found"):
        read_vctk(tmp_path)


def test_speaker_without_text_is_an_error_by_default(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    flac = tmp_path / "wav48_silence_trimmed" / "p315" / "p315_001_mic1.flac"
    write_tone(flac, SR, 4800)
    with pytest.raises(InputError) as err:
        read_vctk(tmp_path)
    assert (err.value.where, err.value.problem) == (str(flac), "audio without transcript")
    assert str(tmp_path / "txt" / "p315" / "p315_001.txt") in err.value.fix


def test_audio_without_text_skipped_on_request(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    (tmp_path / "txt" / "p225" / "p225_002.txt").unlink()
    flac = tmp_path / "wav48_silence_trimmed" / "p315" / "p315_001_mic1.flac"
    write_tone(flac, SR, 4800)
    result = read_vctk(tmp_path, skip_bad=True)
    assert [r.utt_id for r in result.rows] == ["p225_001", "p226_001"]
    assert result.skipped == [
        Skipped(str(tmp_path / "wav48_silence_trimmed" / "p225" / "p225_002_mic1.flac"),
                "audio without transcript"),
        Skipped(str(flac), "audio without transcript"),
    ]


def test_text_without_audio(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    (tmp_path / "wav48_silence_trimmed" / "p226" / "p226_001_mic2.flac").unlink()
    assert len(read_vctk(tmp_path).rows) == 3
    with pytest.raises(InputError) as err:
        read_vctk(tmp_path, mic="mic2")
    assert err.value.where == str(tmp_path / "txt" / "p226" / "p226_001.txt")
    assert err.value.problem == "transcript without audio"


def test_empty_text(tmp_path, write_tone):
    make_092(tmp_path, write_tone)
    (tmp_path / "txt" / "p226" / "p226_001.txt").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_vctk(tmp_path)
    assert err.value.where == str(tmp_path / "txt" / "p226" / "p226_001.txt")
    assert err.value.problem == "empty transcript text"
