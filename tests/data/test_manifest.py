"""Manifest round trip from adapter rows: equal rows back, byte-identical files across clones."""

from __future__ import annotations

import math
import shutil

from mvc.data.ljspeech import read_ljspeech
from mvc.data.manifest import Utterance, read_manifest, write_manifest
from mvc.data.splits import assign_splits

SR = 22050
FRACTIONS = {"train": 0.5, "val": 0.25, "test": 0.25}
# durations with at most 6 decimals survive the manifest's %.6f exactly
SAMPLES = {"LJ001-0001": 4410, "LJ001-0002": 11025, "LJ001-0003": 2205, "LJ001-0004": 22050}
TEXTS = {
    "LJ001-0001": 'He said, "Olé, ça va" and left.',
    "LJ001-0002": "Commas, semicolons; and 'quotes'.",
    "LJ001-0003": "Plain text.",
    "LJ001-0004": "Tabs\tand unicode: naïve café.",
}


def make_corpus(root, write_tone) -> None:
    for utt_id, n_samples in SAMPLES.items():
        write_tone(root / "wavs" / f"{utt_id}.wav", SR, n_samples)
    (root / "metadata.csv").write_text(
        "".join(f"{utt_id}|raw|{text}\n" for utt_id, text in TEXTS.items()), encoding="utf-8")


def manifest_rows(root) -> list[Utterance]:
    return assign_splits(read_ljspeech(root).rows, FRACTIONS, seed=11, by="utterance")


def same_rows(a: list[Utterance], b: list[Utterance]) -> bool:
    """Row equality with NaN durations (text-only rows) counted as equal."""
    def key(row: Utterance) -> tuple:
        nan = math.isnan(row.duration_s)
        return (row.utt_id, row.speaker, row.language, row.text, row.audio_path, nan,
                None if nan else row.duration_s, row.split)
    return [key(r) for r in a] == [key(r) for r in b]


def test_round_trip_gives_equal_rows(tmp_path, write_tone):
    make_corpus(tmp_path / "LJSpeech-1.1", write_tone)
    rows = manifest_rows(tmp_path / "LJSpeech-1.1")
    rows.append(Utterance("book_0000", "gutenberg", "en-us", "A text-only passage.", "",
                          math.nan, "test"))
    write_manifest(rows, tmp_path / "manifest.csv")
    back = read_manifest(tmp_path / "manifest.csv")
    assert same_rows(back, rows)
    assert [r.text for r in back] == [*TEXTS.values(), "A text-only passage."]


def test_same_rows_written_twice_are_byte_identical(tmp_path, write_tone):
    make_corpus(tmp_path / "LJSpeech-1.1", write_tone)
    rows = manifest_rows(tmp_path / "LJSpeech-1.1")
    write_manifest(rows, tmp_path / "a.csv")
    write_manifest(rows, tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_clones_in_different_folders_give_identical_manifests(tmp_path, write_tone, monkeypatch):
    make_corpus(tmp_path / "clone_a" / "data" / "LJSpeech-1.1", write_tone)
    shutil.copytree(tmp_path / "clone_a", tmp_path / "elsewhere" / "clone_b")
    for clone in (tmp_path / "clone_a", tmp_path / "elsewhere" / "clone_b"):
        monkeypatch.chdir(clone)
        write_manifest(manifest_rows("data/LJSpeech-1.1"), clone / "manifest.csv")
    written = (tmp_path / "clone_a" / "manifest.csv").read_bytes()
    assert written == (tmp_path / "elsewhere" / "clone_b" / "manifest.csv").read_bytes()
    assert b"data/LJSpeech-1.1/wavs/LJ001-0001.wav" in written
    assert str(tmp_path).encode() not in written
