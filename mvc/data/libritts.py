"""LibriTTS: `{subset}/{speaker}/{chapter}/{utt}.wav` with `{utt}.normalized.txt` beside it.

The root is either one subset folder (`LibriTTS/train-clean-100`, `subsets=None`) or the
LibriTTS folder itself, with `subsets` naming the subset folders to read
(`subsets=["train-clean-100", "train-clean-360"]`). The utterance id is the file stem
(`{speaker}_{chapter}_{paragraph}_{sentence}`); the speaker is the speaker folder's name.
Only the normalized transcript is read (`.original.txt` and the chapter `.tsv` files are
not used).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mvc.audio import duration_s
from mvc.data.manifest import Utterance
from mvc.data.result import DEFAULT_SPLIT, AdapterResult, collect
from mvc.data.transcripts import read_transcript
from mvc.errors import InputError

TRANSCRIPT_SUFFIX = ".normalized.txt"
AUDIO_SUFFIX = ".wav"
UTTERANCE_GLOB = "*/*/*"  # speaker/chapter/file, inside a subset folder


def read_libritts(root: str | Path, *, subsets: str | Sequence[str] | None = None,
                  language: str = "en-us", skip_bad: bool = False) -> AdapterResult:
    """Read one LibriTTS subset folder (`subsets=None`) or the named subsets under `root`.

    A wav without its `.normalized.txt` (or the reverse), an empty or non-UTF-8
    transcript, and an unreadable wav raise InputError naming the file, or are skipped
    when `skip_bad`.
    """
    root = Path(root)
    utterances = sorted({
        (path.parent, path.name.removesuffix(suffix))
        for subset in _subset_dirs(root, subsets)
        for suffix in (AUDIO_SUFFIX, TRANSCRIPT_SUFFIX)
        for path in subset.glob(UTTERANCE_GLOB + suffix)
    })
    if not utterances:
        raise InputError(root, f"no LibriTTS utterances (SPEAKER/CHAPTER/*{AUDIO_SUFFIX}) found",
                         "point the root at one subset folder (LibriTTS/train-clean-100), or at "
                         "the LibriTTS folder and name the subsets (subsets: [train-clean-100])")

    def make_row(item: tuple[Path, str]) -> Utterance:
        chapter_dir, utt_id = item
        audio = chapter_dir / f"{utt_id}{AUDIO_SUFFIX}"
        transcript = chapter_dir / f"{utt_id}{TRANSCRIPT_SUFFIX}"
        if not audio.is_file():
            raise InputError(transcript, "transcript without audio",
                             f"restore {audio.name} beside it, or remove the transcript")
        if not transcript.is_file():
            raise InputError(audio, "audio without transcript",
                             f"restore {transcript.name} beside it, or remove the audio")
        return Utterance(utt_id=utt_id, speaker=chapter_dir.parent.name, language=language,
                         text=read_transcript(transcript), audio_path=audio.as_posix(),
                         duration_s=duration_s(audio), split=DEFAULT_SPLIT)

    return collect(utterances, make_row, where=root, skip_bad=skip_bad, desc="LibriTTS")


def _subset_dirs(root: Path, subsets: str | Sequence[str] | None) -> list[Path]:
    """The folders holding speaker folders: the root itself, or each named subset in it."""
    if not root.is_dir():
        raise InputError(root, "LibriTTS folder not found",
                         "check the dataset's root in the config")
    if subsets is None:
        return [root]
    names = [subsets] if isinstance(subsets, str) else list(subsets)
    if not names:
        raise InputError(root, "subsets is an empty list",
                         "name at least one subset folder, or leave subsets unset to read the "
                         "root as one subset")
    present = sorted(child.name for child in root.iterdir() if child.is_dir())
    for name in names:
        if name not in present:
            raise InputError(root / name, "LibriTTS subset folder not found",
                             f"subsets must name folders in {root}; found: "
                             f"{', '.join(present) or 'none'}")
    return [root / name for name in names]
