"""The adapter registry and read_corpus's errors; the skipped-items CSV."""

from __future__ import annotations

import csv

import pytest

from mvc.data.adapters import ADAPTERS, read_corpus
from mvc.data.css10 import read_css10
from mvc.data.gutenberg import read_gutenberg
from mvc.data.libritts import read_libritts
from mvc.data.ljspeech import read_ljspeech
from mvc.data.result import Skipped, write_skipped
from mvc.data.vctk import read_vctk
from mvc.errors import InputError


def make_ljspeech(root, write_tone) -> None:
    write_tone(root / "wavs" / "LJ001-0001.wav", 22050, 2205)
    write_tone(root / "wavs" / "LJ001-0002.wav", 22050, 4410)
    (root / "metadata.csv").write_text("LJ001-0001|One.|One.\nLJ001-0002|Two.|Two.\n"
                                       "LJ001-0003|Three.|Three.\n", encoding="utf-8")


def test_registry_names_every_reader():
    expected = {"ljspeech": read_ljspeech, "libritts": read_libritts, "vctk": read_vctk,
                "css10": read_css10, "gutenberg": read_gutenberg}
    assert expected == ADAPTERS


def test_read_corpus_passes_options_to_the_reader(tmp_path, write_tone):
    make_ljspeech(tmp_path, write_tone)
    result = read_corpus("ljspeech", tmp_path, speaker="lj2", skip_bad=True)
    assert result == read_ljspeech(tmp_path, speaker="lj2", skip_bad=True)
    assert [(r.utt_id, r.speaker) for r in result.rows] == [("LJ001-0001", "lj2"),
                                                            ("LJ001-0002", "lj2")]
    assert result.skipped == [Skipped(str(tmp_path / "wavs" / "LJ001-0003.wav"),
                                      "audio file not found")]


def test_unknown_adapter_lists_the_known_ones(tmp_path):
    with pytest.raises(InputError) as err:
        read_corpus("timit", tmp_path)
    assert str(err.value) == ("adapter 'timit': unknown corpus adapter. "
                              "Fix: use one of: css10, gutenberg, libritts, ljspeech, vctk")


def test_missing_root(tmp_path):
    root = tmp_path / "LJSpeech-1.1"
    with pytest.raises(InputError) as err:
        read_corpus("ljspeech", root)
    assert err.value.where == str(root)
    assert err.value.problem == "ljspeech corpus root not found"
    assert "datasets.<name>.root" in err.value.fix
    assert "embedded corpus" in err.value.fix


def test_unknown_option_lists_the_accepted_ones(tmp_path, write_tone):
    make_ljspeech(tmp_path, write_tone)
    with pytest.raises(InputError) as err:
        read_corpus("ljspeech", tmp_path, mic="mic1")
    assert "mic" in err.value.problem
    assert err.value.fix == "ljspeech takes: speaker, language, skip_bad"


def test_write_skipped_csv(tmp_path):
    skipped = [Skipped("a/b.wav", "audio file not found"),
               Skipped("meta.csv:3", "2 fields separated by '|', \"quoted\"")]
    path = tmp_path / "out" / "skipped.csv"
    write_skipped(skipped, path)
    assert path.read_bytes() == (b'where,reason\na/b.wav,audio file not found\n'
                                 b'meta.csv:3,"2 fields separated by \'|\', ""quoted"""\n')
    with path.open(newline="", encoding="utf-8") as f:
        assert [Skipped(*row) for row in list(csv.reader(f))[1:]] == skipped
    assert sorted(p.name for p in path.parent.iterdir()) == ["skipped.csv"]


def test_write_skipped_empty(tmp_path):
    write_skipped([], tmp_path / "skipped.csv")
    assert (tmp_path / "skipped.csv").read_text(encoding="utf-8") == "where,reason\n"
