"""The embedded corpus: real layouts the adapters read back, byte-identical rebuilds (flite
and espeak-ng), typed speakers per engine, and zero-shot voices never trained on."""

import hashlib
import json
from pathlib import Path

import pytest
import soundfile as sf
import yaml

from mvc.data.adapters import read_corpus
from mvc.data.embedded import (
    EspeakSpeaker,
    FliteSpeaker,
    assign_sentences,
    build_corpus,
    corpus_spec,
)
from mvc.data.flite import base_speaker, flite_version
from mvc.errors import InputError
from mvc.text.normalize import normalize

ROOT = Path(__file__).resolve().parents[2]
TEXTS = ROOT / "data" / "texts"

EMBEDDED = {
    "texts": str(TEXTS),
    "seed": 7,
    "corpora": {
        "lj": {"layout": "ljspeech", "language": "en-us",
               "books": {"language": "en", "use": "train"},
               "speakers": {"LJ": {"engine": "flite", "voice": "slt"}},
               "utterances_per_speaker": 3,
               "max_words": 12},
        "libri": {"layout": "libritts", "language": "en-us",
                  "books": {"language": "en", "use": "train"},
                  "speakers": {"11": {"engine": "flite", "voice": "slt", "f0_mean": 200},
                               "12": {"engine": "flite", "voice": "rms", "stretch": 1.1}},
                  "utterances_per_speaker": 2, "max_words": 12},
        "vctk": {"layout": "vctk", "language": "en-us",
                 "books": {"language": "en", "use": "test"},
                 "speakers": {"p901": {"engine": "flite", "voice": "awb"},
                              "p902": {"engine": "flite", "voice": "kal16", "f0_mean": 120}},
                 "utterances_per_speaker": 2, "max_words": 12},
        "es": {"layout": "css10", "language": "es", "books": {"language": "es", "use": "test"},
               "speakers": {"css10-es": {"voice": "es"}}, "utterances_per_speaker": 2,
               "max_words": 12},
        "book": {"layout": "gutenberg", "language": "en-us",
                 "books": {"language": "en", "use": "longform"},
                 "speakers": {"narrator": {"engine": "flite", "voice": "slt"}},
                 "sentences_per_passage": 2, "max_passages": 1},
    },
}


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("embedded")
    for name in EMBEDDED["corpora"]:
        build_corpus(name, EMBEDDED, out / name)
    return out


def test_rebuild_is_byte_identical(built, tmp_path):
    for name in ("vctk", "book", "es"):  # flite at 48 and 22.05 kHz, espeak-ng
        build_corpus(name, EMBEDDED, tmp_path / name)
        assert digest(tmp_path / name) == digest(built / name)


def test_ljspeech_layout(built):
    root = built / "lj" / "LJSpeech-1.1"
    lines = (root / "metadata.csv").read_text().splitlines()
    assert len(lines) == 3
    rows = read_corpus("ljspeech", root).rows
    for line, row in zip(lines, rows, strict=True):
        utt_id, original, normalized = line.split("|")
        assert row.utt_id == utt_id and row.text == normalized
        assert normalized == normalize(original, "en-us")
        assert sf.info(row.audio_path).samplerate == 22050


def test_libritts_layout(built):
    subset = built / "libri" / "LibriTTS" / "train-clean-100"
    wavs = sorted(subset.glob("*/*/*.wav"))
    assert len(wavs) == 4 and {w.parts[-3] for w in wavs} == {"11", "12"}
    for wav in wavs:
        assert wav.with_suffix(".normalized.txt").is_file()
        assert wav.with_suffix(".original.txt").is_file()
        assert sf.info(wav).samplerate == 24000
    rows = read_corpus("libritts", built / "libri" / "LibriTTS", subsets=["train-clean-100"]).rows
    assert sorted(r.speaker for r in rows) == ["11", "11", "12", "12"]


def test_vctk_layout(built):
    root = built / "vctk" / "VCTK-Corpus-0.92"
    flacs = sorted((root / "wav48_silence_trimmed").glob("*/*_mic1.flac"))
    assert [f.name for f in flacs] == ["p901_001_mic1.flac", "p901_002_mic1.flac",
                                       "p902_001_mic1.flac", "p902_002_mic1.flac"]
    assert all(sf.info(f).samplerate == 48000 for f in flacs)
    rows = read_corpus("vctk", root).rows
    assert [r.utt_id for r in rows] == ["p901_001", "p901_002", "p902_001", "p902_002"]
    assert (root / "speaker-info.txt").read_text().startswith("ID  AGE  GENDER")


def test_css10_layout(built):
    root = built / "es" / "es"
    fields = [line.split("|") for line in (root / "transcript.txt").read_text().splitlines()]
    assert len(fields) == 2 and all(len(f) == 4 for f in fields)
    rows = read_corpus("css10", root, language="es").rows
    for f, row in zip(fields, rows, strict=True):
        assert row.text == f[2] and float(f[3]) == pytest.approx(row.duration_s, abs=0.01)


def test_gutenberg_layout_has_markers_and_passage_audio(built):
    root = built / "book"
    books = sorted(root.glob("*.txt"))
    assert len(books) == 2
    text = books[0].read_text()
    assert "*** START OF THE PROJECT GUTENBERG EBOOK" in text
    assert "*** END OF THE PROJECT GUTENBERG EBOOK" in text
    rows = read_corpus("gutenberg", root, language="en-us", sentences_per_passage=2,
                       max_passages=1, audio_dir=root / "audio").rows
    assert len(rows) == 2 and all(Path(r.audio_path).is_file() for r in rows)


def test_provenance_records_flite_espeak_and_books(built):
    provenance = json.loads((built / "vctk" / "PROVENANCE.json").read_text())
    assert provenance["espeak_ng"] and provenance["flite"] == flite_version()
    assert [b["use"] for b in provenance["books"]] == ["test"] * len(provenance["books"])
    assert provenance["spec"]["speakers"]["p902"] == {"voice": "kal16", "engine": "flite",
                                                      "f0_mean": 120, "stretch": 1.0}
    spanish = json.loads((built / "es" / "PROVENANCE.json").read_text())
    assert spanish["flite"] is None
    assert spanish["spec"]["speakers"]["css10-es"]["engine"] == "espeak"


def test_speaker_engine_picks_a_strictly_typed_speaker(tmp_path):
    spec = corpus_spec(EMBEDDED, "vctk")
    assert spec.speakers["p902"] == FliteSpeaker("kal16", f0_mean=120)
    assert corpus_spec(EMBEDDED, "es").speakers["css10-es"] == EspeakSpeaker("es")

    def with_speaker(corpus: str, speaker: dict) -> dict:
        corpora = {corpus: {**EMBEDDED["corpora"][corpus], "speakers": {"x": speaker}}}
        return {**EMBEDDED, "corpora": corpora}
    with pytest.raises(InputError, match=r"speakers.x: unknown keys \['pitch'\]"):
        corpus_spec(with_speaker("vctk", {"engine": "flite", "voice": "awb", "pitch": 40}), "vctk")
    with pytest.raises(InputError, match=r"unknown keys \['f0_mean'\]"):
        corpus_spec(with_speaker("vctk", {"voice": "en-us", "f0_mean": 100}), "vctk")
    with pytest.raises(InputError, match="unknown engine 'festival'"):
        corpus_spec(with_speaker("vctk", {"engine": "festival", "voice": "kal"}), "vctk")
    with pytest.raises(InputError, match="flite speaks English only"):
        corpus_spec(with_speaker("es", {"engine": "flite", "voice": "slt"}), "es")
    with pytest.raises(InputError, match="flite voice nosuch: flite has no such voice"):
        build_corpus("vctk", with_speaker("vctk", {"engine": "flite", "voice": "nosuch"}),
                     tmp_path / "x")
    assert not (tmp_path / "x").exists()


def base_people(corpus: dict) -> set[str]:
    return {base_speaker(s["voice"]) if s.get("engine") == "flite" else f"espeak:{s['voice']}"
            for s in corpus["speakers"].values()}


@pytest.mark.parametrize("config", ["default", "smoke"])
def test_zero_shot_speakers_are_people_never_trained_on(config):
    """The VCTK-like set's voices come from people (kal16 and kal are one) that no training
    corpus uses, and there are at least two of them; English is spoken by flite."""
    loaded = yaml.safe_load((ROOT / "configs" / f"{config}.yaml").read_text())
    corpora = loaded["embedded"]["corpora"]
    trained = set().union(*(base_people(corpora[name]) for name in loaded["train_datasets"]))
    zero_shot = base_people(corpora["vctk"])
    assert trained and len(zero_shot) >= 2 and trained.isdisjoint(zero_shot)
    for name, corpus in corpora.items():
        if corpus["language"].startswith("en"):
            assert {s.get("engine") for s in corpus["speakers"].values()} == {"flite"}, name


def test_sentence_deal_is_distinct_per_speaker_and_seeded():
    deal = assign_sentences(10, 3, 4, seed=1)
    assert all(len(set(d)) == 4 for d in deal)
    assert set(deal[0]).isdisjoint(deal[1])
    assert deal == assign_sentences(10, 3, 4, seed=1) != assign_sentences(10, 3, 4, seed=2)
    with pytest.raises(InputError, match="11 utterances per speaker requested, only 10"):
        assign_sentences(10, 1, 11, seed=1)


def test_unknown_corpus_and_bad_layout(tmp_path):
    with pytest.raises(InputError, match="no such embedded corpus"):
        build_corpus("nope", EMBEDDED, tmp_path / "x")
    bad = {**EMBEDDED, "corpora": {"x": {**EMBEDDED["corpora"]["lj"], "layout": "timit"}}}
    with pytest.raises(InputError, match="unknown embedded corpus layout"):
        build_corpus("x", bad, tmp_path / "x")
    assert not (tmp_path / "x").exists()
