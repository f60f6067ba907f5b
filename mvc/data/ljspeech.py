"""LJSpeech-1.1: `metadata.csv` (`id|text|normalized_text`) and `wavs/{id}.wav`, one speaker.

The metadata is pipe separated with no quoting (texts contain quotes), so lines are split
by hand. The normalized text (third field, numbers and abbreviations spelled out) is used.
Blank lines carry no utterance and are passed over.
"""

from __future__ import annotations

from pathlib import Path

from mvc.audio import duration_s
from mvc.data.manifest import Utterance
from mvc.data.result import DEFAULT_SPLIT, AdapterResult, collect
from mvc.data.transcripts import numbered_lines, require_text, split_fields
from mvc.errors import InputError

METADATA = "metadata.csv"
WAV_DIR = "wavs"
FIELDS = ("id", "text", "normalized_text")


def read_ljspeech(root: str | Path, *, speaker: str = "LJ", language: str = "en-us",
                  skip_bad: bool = False) -> AdapterResult:
    """Read an LJSpeech-style corpus at `root` (the folder holding metadata.csv and wavs/).

    Bad lines (wrong field count, empty id or normalized text) and missing or unreadable
    wavs raise InputError naming `metadata.csv:LINE` or the wav, or are skipped when
    `skip_bad`.
    """
    root = Path(root)
    metadata = root / METADATA
    if not metadata.is_file():
        raise InputError(metadata, "LJSpeech metadata not found",
                         f"point the root at the LJSpeech-1.1 folder (it holds {METADATA} "
                         f"and {WAV_DIR}/)")

    def make_row(item: tuple[str, str]) -> Utterance:
        where, line = item
        utt_id, _, normalized = split_fields(line, where, FIELDS)
        if not utt_id:
            raise InputError(where, "empty id", f"the first field names {WAV_DIR}/ID.wav")
        audio = root / WAV_DIR / f"{utt_id}.wav"
        return Utterance(utt_id=utt_id, speaker=speaker, language=language,
                         text=require_text(normalized, where), audio_path=audio.as_posix(),
                         duration_s=duration_s(audio), split=DEFAULT_SPLIT)

    return collect(numbered_lines(metadata), make_row, where=metadata, skip_bad=skip_bad,
                   desc="LJSpeech")
