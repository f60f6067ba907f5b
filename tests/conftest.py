"""Fixtures shared across test directories: tiny corpora in the real corpora's on-disk layouts.

The embedded-corpus writers (mvc/data/embedded.py; flite speaks English, espeak-ng the
other languages, as in configs/default.yaml) write them exactly as LJSpeech 1.1, LibriTTS,
VCTK 0.92, CSS10 and Project Gutenberg lay out their files, so the fetch tests can pack them
as the real archives and the paper config's data stage can read them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mvc.atomic import OWNER_MARKER
from mvc.data.embedded import build_corpus

TEXTS = Path(__file__).resolve().parents[1] / "data" / "texts"
LIBRITTS_SUBSETS = {"train-clean-100": "101", "train-clean-360": "102", "test-clean": "103"}
CSS10 = {"css10_es": ("es", "es", "es"), "css10_de": ("de", "de", "de"),
         "css10_fr": ("fr", "fr-fr", "fr")}
FLITE_SLT = {"engine": "flite", "voice": "slt"}
# The products of configs/sources.yaml's gutenberg entry, spoken from the shipped long-form books.
GUTENBERG_BOOKS = {"declaration-of-independence": "pg1.txt",
                   "a-scandal-in-bohemia-part1": "pg1661.txt"}


def _spec(layout: str, language: str, books: tuple[str, str], speakers: dict, **extra) -> dict:
    return {"layout": layout, "language": language,
            "books": {"language": books[0], "use": books[1]},
            "speakers": speakers, "max_words": 12, **extra}


def _build(name: str, spec: dict, out: Path) -> Path:
    build_corpus(name, {"texts": str(TEXTS), "seed": 5, "corpora": {name: spec}}, out)
    return out


@pytest.fixture(scope="session")
def real_layout_corpora(tmp_path_factory) -> dict[str, Path]:
    """Source name (as in configs/sources.yaml) -> a folder holding what resources/{name}/
    holds once fetched: LJSpeech-1.1/, LibriTTS/{train-clean-100,train-clean-360,test-clean}/,
    VCTK-Corpus-0.92/, CSS10's es/, de/, fr/, and the Gutenberg books pg1.txt, pg1661.txt.
    Two utterances per speaker (one LibriTTS speaker per subset, two VCTK speakers)."""
    base = tmp_path_factory.mktemp("real_layouts")
    built = {"ljspeech": _build("ljspeech", _spec("ljspeech", "en-us", ("en", "train"),
                                                  {"LJ": FLITE_SLT},
                                                  utterances_per_speaker=2),
                                base / "ljspeech"),
             "vctk": _build("vctk", _spec("vctk", "en-us", ("en", "test"),
                                          {"p901": {"engine": "flite", "voice": "awb"},
                                           "p902": {"engine": "flite", "voice": "kal16"}},
                                          utterances_per_speaker=2), base / "vctk")}
    libritts = base / "libritts"
    for subset, speaker in LIBRITTS_SUBSETS.items():
        one = _build(f"libritts_{speaker}", _spec("libritts", "en-us", ("en", "train"),
                                                  {speaker: FLITE_SLT},
                                                  utterances_per_speaker=2),
                     base / f"libritts_{speaker}")
        (libritts / "LibriTTS").mkdir(parents=True, exist_ok=True)
        (one / "LibriTTS" / "train-clean-100").rename(libritts / "LibriTTS" / subset)
    built["libritts"] = libritts
    for name, (folder, language, books) in CSS10.items():
        built[name] = _build(name, _spec("css10", language, (books, "test"),
                                         {name: {"voice": language}}, utterances_per_speaker=2),
                             base / name)
        assert (built[name] / folder / "transcript.txt").is_file()
    book = _build("gutenberg", _spec("gutenberg", "en-us", ("en", "longform"),
                                     {"narrator": FLITE_SLT},
                                     sentences_per_passage=2, max_passages=1),
                  base / "gutenberg_built")
    built["gutenberg"] = base / "gutenberg"
    built["gutenberg"].mkdir()
    for slug, product in GUTENBERG_BOOKS.items():
        shutil.copy(book / f"{slug}.txt", built["gutenberg"] / product)
    for folder in built.values():  # what a publisher's archive holds: no mvc records
        (folder / "PROVENANCE.json").unlink(missing_ok=True)
        (folder / OWNER_MARKER).unlink(missing_ok=True)
    return built
