"""CSS10, one language per folder: `transcript.txt` lines `path|original|normalized|duration`.

The audio path is relative to the root (`achtgesichterambiwasee/achtgesichterambiwasee_0000.wav`);
the utterance id is its stem. The normalized text (third field) is used. The fourth field
(the duration CSS10 lists) is not trusted: the duration comes from the audio header.
Blank lines carry no utterance and are passed over.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from mvc.audio import duration_s
from mvc.data.manifest import Utterance
from mvc.data.result import DEFAULT_SPLIT, AdapterResult, collect
from mvc.data.transcripts import numbered_lines, require_text, split_fields
from mvc.errors import InputError

TRANSCRIPT = "transcript.txt"
FIELDS = ("path", "original", "normalized", "duration")


def read_css10(root: str | Path, *, language: str, speaker: str | None = None,
               skip_bad: bool = False) -> AdapterResult:
    """Read one CSS10 language at `root` (the folder holding transcript.txt).

    `language` is the espeak-ng code (e.g. "es", "de", "fr-fr"); `speaker` defaults to
    "css10-{language}". A line with the wrong field count, an empty path or normalized
    text, and a missing or unreadable wav raise InputError naming `transcript.txt:LINE` or
    the wav, or are skipped when `skip_bad`.
    """
    root = Path(root)
    speaker = speaker if speaker is not None else f"css10-{language}"
    transcript = root / TRANSCRIPT
    if not transcript.is_file():
        raise InputError(transcript, "CSS10 transcript not found",
                         f"point the root at one language's folder (it holds {TRANSCRIPT})")

    def make_row(item: tuple[str, str]) -> Utterance:
        where, line = item
        relative, _, normalized, _ = split_fields(line, where, FIELDS)
        if not relative:
            raise InputError(where, "empty audio path",
                             "the first field is the wav's path relative to the root")
        audio = root / PurePosixPath(relative)
        return Utterance(utt_id=audio.stem, speaker=speaker, language=language,
                         text=require_text(normalized, where), audio_path=audio.as_posix(),
                         duration_s=duration_s(audio), split=DEFAULT_SPLIT)

    return collect(numbered_lines(transcript), make_row, where=transcript, skip_bad=skip_bad,
                   desc="CSS10")
