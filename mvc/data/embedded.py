"""The embedded default corpus: synthetic speech written in the real corpora's on-disk layouts.

Public-domain excerpts shipped in `data/texts/` are split into sentences, normalized and
spoken by flite (English: voices built from real speakers, with pitch and rate variants) or
espeak-ng (Spanish, German, French: language voices), then written exactly as LJSpeech,
LibriTTS, VCTK, CSS10 or a Project Gutenberg book lay out their files, so the corpus adapters
read them as they read the real thing. The same spec gives byte-identical files: flite,
espeak-ng, soxr and libsndfile are deterministic, and every choice is seeded.
"""

from __future__ import annotations

import json
import textwrap
import zlib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soxr
import yaml
from tqdm import tqdm

from mvc import __version__
from mvc.atomic import atomic_dir, write_text_atomic
from mvc.audio import save
from mvc.config import build
from mvc.data import espeak, flite
from mvc.data.gutenberg import read_gutenberg
from mvc.errors import InputError
from mvc.text.normalize import NORMALIZER_VERSION, normalize
from mvc.text.phonemize import espeak_version
from mvc.text.sentences import segment, split_sentences

LAYOUT_SAMPLE_RATES = {"ljspeech": 22050, "libritts": 24000, "vctk": 48000, "css10": 22050,
                       "gutenberg": 22050}


@dataclass(frozen=True)
class EspeakSpeaker:
    """An embedded speaker spoken by espeak-ng: a voice (`en-us+f2`), pitch (0-99), rate."""

    voice: str
    pitch: int = 50
    words_per_minute: int = 150
    engine: str = "espeak"

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        return espeak.synthesize(text, espeak.Voice(self.voice, self.words_per_minute,
                                                    self.pitch))

    def describe(self) -> str:
        return f"espeak-ng  {self.voice}  pitch {self.pitch}  wpm {self.words_per_minute}"


@dataclass(frozen=True)
class FliteSpeaker:
    """An embedded speaker spoken by flite: a voice (`slt`), its mean F0 in Hz (None: the
    voice's own) and a duration stretch (>1 is slower)."""

    voice: str
    engine: str = "flite"
    f0_mean: float | None = None
    stretch: float = 1.0

    def flite_voice(self) -> flite.Voice:
        return flite.Voice(self.voice, self.f0_mean, self.stretch)

    def synthesize(self, text: str) -> tuple[np.ndarray, int]:
        return flite.synthesize(text, self.flite_voice())

    def describe(self) -> str:
        f0 = "own" if self.f0_mean is None else f"{self.f0_mean:g}"
        return f"flite  {self.voice}  f0 {f0}  stretch {self.stretch:g}"


Speaker = EspeakSpeaker | FliteSpeaker
SPEAKER_ENGINES: dict[str, type[EspeakSpeaker] | type[FliteSpeaker]] = {
    "espeak": EspeakSpeaker, "flite": FliteSpeaker}


@dataclass(frozen=True)
class CorpusSpec:
    """One embedded corpus: which books, which speakers, how much, in which layout."""

    layout: str
    language: str
    books: dict[str, str]
    speakers: dict[str, Speaker]
    utterances_per_speaker: int = 0
    sentences_per_passage: int = 0
    max_passages: int | None = None
    min_words: int = 3
    max_words: int = 25

    def __post_init__(self) -> None:
        if self.layout not in LAYOUT_SAMPLE_RATES:
            raise InputError(f"layout {self.layout!r}", "unknown embedded corpus layout",
                             f"use one of {sorted(LAYOUT_SAMPLE_RATES)}")
        flite_speakers = sorted(k for k, s in self.speakers.items() if isinstance(s, FliteSpeaker))
        if flite_speakers and not self.language.startswith("en"):
            raise InputError(f"speakers {flite_speakers}", f"flite speaks English only, the "
                             f"corpus is {self.language!r}", "give them espeak-ng voices")


@dataclass(frozen=True)
class Book:
    """A shipped public-domain excerpt and its bibliographic record from books.yaml."""

    slug: str
    language: str
    title: str
    author: str
    year: int
    gutenberg_ebook: int | None
    words: int
    use: str
    note: str
    path: Path = field(compare=False)


def corpus_spec(config: Mapping[str, Any], name: str) -> CorpusSpec:
    """The typed spec of embedded corpus `name` from the `embedded` config section."""
    corpora = config["corpora"]
    if name not in corpora:
        raise InputError(f"embedded.corpora.{name}", "no such embedded corpus",
                         f"use one of {sorted(corpora)}")
    raw = dict(corpora[name])
    where = f"embedded.corpora.{name}"
    raw["speakers"] = {str(k): build_speaker(v, f"{where}.speakers.{k}")
                       for k, v in raw.get("speakers", {}).items()}
    return build(CorpusSpec, raw, where)


def build_speaker(raw: Mapping[str, Any], where: str) -> Speaker:
    """The typed speaker of one config entry; its `engine` (default espeak) picks the type."""
    engine = raw.get("engine", "espeak") if isinstance(raw, Mapping) else "espeak"
    if engine not in SPEAKER_ENGINES:
        raise InputError(f"{where}.engine", f"unknown engine {engine!r}",
                         f"use one of {sorted(SPEAKER_ENGINES)}")
    return build(SPEAKER_ENGINES[engine], raw, where)


def load_books(texts_dir: Path, language: str, use: str) -> list[Book]:
    """The shipped books of a language and use (train/test/longform), in books.yaml order."""
    index = texts_dir / "books.yaml"
    if not index.is_file():
        raise InputError(index, "book index not found", "point embedded.texts at data/texts")
    books = []
    for entry in yaml.safe_load(index.read_text(encoding="utf-8")):
        if entry["language"] == language and entry["use"] == use:
            path = texts_dir / entry["language"] / f"{entry['slug']}.txt"
            if not path.is_file():
                raise InputError(path, "book listed in books.yaml is missing",
                                 "restore the file or remove its entry")
            books.append(Book(**entry, path=path))
    if not books:
        raise InputError(index, f"no books with language {language!r} and use {use!r}",
                         "fix embedded.corpora.<name>.books or add texts")
    return books


def sentence_pool(books: list[Book], language: str, min_words: int,
                  max_words: int) -> list[tuple[int, str]]:
    """(book index, utterance) pairs: sentences cut to at most `max_words` words at clause
    punctuation (as audiobook corpora are cut at pauses), keeping those of `min_words` or more.
    """
    pool = []
    for book_index, book in enumerate(books):
        text = book.path.read_text(encoding="utf-8")
        for sentence in split_sentences(text, language):
            pool.extend((book_index, chunk) for chunk in segment(sentence, max_words)
                        if len(chunk.split()) >= min_words)
    return pool


def assign_sentences(pool_size: int, n_speakers: int, per_speaker: int,
                     seed: int) -> list[list[int]]:
    """Pool indices per speaker: a seeded permutation dealt out in consecutive slices.

    Each speaker gets distinct sentences; different speakers get different ones until the
    pool is used up, then the deal wraps around (as VCTK speakers share some prompts).
    """
    if per_speaker > pool_size:
        raise InputError("embedded corpus", f"{per_speaker} utterances per speaker requested, "
                         f"only {pool_size} sentences available",
                         "lower utterances_per_speaker, widen min/max_words or add texts")
    order = np.random.default_rng(seed).permutation(pool_size)
    return [[int(order[(s * per_speaker + j) % pool_size]) for j in range(per_speaker)]
            for s in range(n_speakers)]


def speak(text: str, speaker: Speaker, sample_rate: int) -> np.ndarray:
    """The speaker's audio of `text` (flite or espeak-ng) at the layout's sample rate."""
    audio, rate = speaker.synthesize(text)
    if rate != sample_rate:
        audio = soxr.resample(audio, rate, sample_rate, quality="VHQ").astype(np.float32)
    return audio


@dataclass(frozen=True)
class Item:
    """One utterance to write: who says what, with a running index per speaker and book."""

    speaker_id: str
    speaker: Speaker
    book_index: int
    index: int
    original: str
    normalized: str


def _items(spec: CorpusSpec, books: list[Book], seed: int) -> list[Item]:
    pool = sentence_pool(books, spec.language, spec.min_words, spec.max_words)
    deal = assign_sentences(len(pool), len(spec.speakers), spec.utterances_per_speaker, seed)
    items = []
    for (speaker_id, speaker), indices in zip(spec.speakers.items(), deal, strict=True):
        for index, pool_index in enumerate(sorted(indices), start=1):
            book_index, sentence = pool[pool_index]
            items.append(Item(speaker_id, speaker, book_index, index, sentence,
                              normalize(sentence, spec.language)))
    return items


def _write_ljspeech(out: Path, spec: CorpusSpec, books: list[Book], items: list[Item]) -> None:
    root = out / "LJSpeech-1.1"
    lines = []
    for item in tqdm(items, desc="ljspeech", unit="utt"):
        utt_id = f"LJ{item.book_index + 1:03d}-{item.index:04d}"
        save(root / "wavs" / f"{utt_id}.wav", speak(item.normalized, item.speaker, 22050), 22050)
        lines.append(f"{utt_id}|{item.original}|{item.normalized}\n")
    write_text_atomic(root / "metadata.csv", "".join(sorted(lines)))


def _write_libritts(out: Path, spec: CorpusSpec, books: list[Book], items: list[Item]) -> None:
    subset = out / "LibriTTS" / "train-clean-100"
    transcripts: dict[Path, list[str]] = {}
    for item in tqdm(items, desc="libritts", unit="utt"):
        chapter = f"{item.book_index + 1:04d}"
        utt_id = f"{item.speaker_id}_{chapter}_{item.index:06d}_000000"
        folder = subset / item.speaker_id / chapter
        save(folder / f"{utt_id}.wav", speak(item.normalized, item.speaker, 24000), 24000)
        write_text_atomic(folder / f"{utt_id}.original.txt", item.original)
        write_text_atomic(folder / f"{utt_id}.normalized.txt", item.normalized)
        tsv = folder / f"{item.speaker_id}_{chapter}.trans.tsv"
        transcripts.setdefault(tsv, []).append(f"{utt_id}\t{item.original}\t{item.normalized}\n")
    for tsv, rows in transcripts.items():
        write_text_atomic(tsv, "".join(sorted(rows)))


def _write_vctk(out: Path, spec: CorpusSpec, books: list[Book], items: list[Item]) -> None:
    root = out / "VCTK-Corpus-0.92"
    for item in tqdm(items, desc="vctk", unit="utt"):
        stem = f"{item.speaker_id}_{item.index:03d}"
        save(root / "wav48_silence_trimmed" / item.speaker_id / f"{stem}_mic1.flac",
             speak(item.normalized, item.speaker, 48000), 48000)
        write_text_atomic(root / "txt" / item.speaker_id / f"{stem}.txt", item.original + "\n")
    info = ["ID  AGE  GENDER  ACCENTS  REGION  COMMENTS\n"] + [
        f"{sid}  NA  NA  {s.describe()}\n"
        for sid, s in spec.speakers.items()
    ]
    write_text_atomic(root / "speaker-info.txt", "".join(info))


def _write_css10(out: Path, spec: CorpusSpec, books: list[Book], items: list[Item]) -> None:
    root = out / spec.language.split("-")[0]
    lines = []
    for item in tqdm(items, desc="css10", unit="utt"):
        slug = books[item.book_index].slug
        relative = f"{slug}/{slug}_{item.index:04d}.wav"
        audio = speak(item.normalized, item.speaker, 22050)
        save(root / relative, audio, 22050)
        lines.append(f"{relative}|{item.original}|{item.normalized}|{len(audio) / 22050:.2f}\n")
    write_text_atomic(root / "transcript.txt", "".join(sorted(lines)))


def _write_gutenberg(out: Path, spec: CorpusSpec, books: list[Book], items: list[Item]) -> None:
    (speaker,) = spec.speakers.values()
    for book in books:
        paragraphs = book.path.read_text(encoding="utf-8").split("\n\n")
        body = "\n\n".join(textwrap.fill(p, width=70) for p in paragraphs if p.strip())
        title = book.title.upper()
        text = (f"The Project Gutenberg eBook of {book.title}, by {book.author}\n\n"
                f"Title: {book.title}\nAuthor: {book.author}\n\n"
                f"*** START OF THE PROJECT GUTENBERG EBOOK {title} ***\n\n{body}\n\n"
                f"*** END OF THE PROJECT GUTENBERG EBOOK {title} ***\n")
        book_path = out / f"{book.slug}.txt"
        write_text_atomic(book_path, text)
        passages = read_gutenberg(book_path, language=spec.language,
                                  sentences_per_passage=spec.sentences_per_passage,
                                  max_passages=spec.max_passages).rows
        for row in tqdm(passages, desc=book.slug, unit="passage"):
            save(out / "audio" / f"{row.utt_id}.wav",
                 speak(normalize(row.text, spec.language), speaker, 22050), 22050)


WRITERS: dict[str, Callable[[Path, CorpusSpec, list[Book], list[Item]], None]] = {
    "ljspeech": _write_ljspeech, "libritts": _write_libritts, "vctk": _write_vctk,
    "css10": _write_css10, "gutenberg": _write_gutenberg,
}


def build_corpus(name: str, embedded: Mapping[str, Any], out: Path) -> None:
    """Generate embedded corpus `name` into directory `out`, atomically (temp dir, rename)."""
    spec = corpus_spec(embedded, name)
    books = load_books(Path(embedded["texts"]), spec.books["language"], spec.books["use"])
    seed = zlib.crc32(name.encode()) ^ int(embedded["seed"])
    items = [] if spec.layout == "gutenberg" else _items(spec, books, seed)
    voices = [s.flite_voice() for s in spec.speakers.values() if isinstance(s, FliteSpeaker)]
    for voice in voices:  # before any audio is made: flite would fall back to kal silently
        flite.check_voice(voice)
    with atomic_dir(out) as tmp:
        WRITERS[spec.layout](tmp, spec, books, items)
        provenance = {
            "corpus": name, "generator": f"mvc-bench {__version__}",
            "espeak_ng": espeak_version(), "flite": flite.flite_version() if voices else None,
            "normalizer_version": NORMALIZER_VERSION,
            "seed": seed, "spec": asdict(spec),
            "books": [{k: v for k, v in asdict(b).items() if k != "path"} for b in books],
        }
        write_text_atomic(tmp / "PROVENANCE.json", json.dumps(provenance, indent=2) + "\n")
