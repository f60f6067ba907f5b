"""VCTK, in either released layout, with transcripts in `txt/{speaker}/{speaker}_{nnn}.txt`.

- 0.92 (`wav48_silence_trimmed/{speaker}/{speaker}_{nnn}_{mic}.flac`): two microphones,
  `mic1` (the default) or `mic2`.
- The older VCTK-Corpus (`wav48/{speaker}/{speaker}_{nnn}.wav`): one microphone.

The layout is detected from which audio folder exists. The utterance id is
`{speaker}_{nnn}` (e.g. `p225_001`) in both. Real VCTK has audio without text (all of
p315, a few single files): that is a bad item like any other, an error by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mvc.audio import duration_s
from mvc.data.manifest import Utterance
from mvc.data.result import DEFAULT_SPLIT, AdapterResult, collect
from mvc.data.transcripts import read_transcript
from mvc.errors import InputError

MICS = ("mic1", "mic2")
TEXT_DIR = "txt"
TEXT_SUFFIX = ".txt"


@dataclass(frozen=True)
class Layout:
    """Where one release keeps its audio: `{root}/{audio_dir}/{speaker}/{utt_id}{suffix}`."""

    audio_dir: str
    suffix: str


LAYOUT_092 = Layout("wav48_silence_trimmed", "_{mic}.flac")
LAYOUT_OLD = Layout("wav48", ".wav")


def read_vctk(root: str | Path, *, mic: str = "mic1", language: str = "en-us",
              skip_bad: bool = False) -> AdapterResult:
    """Read VCTK at `root` (the folder holding the audio folder and txt/).

    Audio without a transcript, a transcript without audio, empty or non-UTF-8 text and
    unreadable audio raise InputError naming the file, or are skipped when `skip_bad`.
    """
    root = Path(root)
    audio_root, suffix = _audio_layout(root, mic)
    text_root = root / TEXT_DIR
    if not text_root.is_dir():
        raise InputError(text_root, "VCTK transcript folder not found",
                         f"restore {TEXT_DIR}/ from the VCTK release next to {audio_root.name}/")
    utterances = sorted(
        {(path.parent.name, path.name.removesuffix(suffix))
         for path in audio_root.glob(f"*/*{suffix}")}
        | {(path.parent.name, path.name.removesuffix(TEXT_SUFFIX))
           for path in text_root.glob(f"*/*{TEXT_SUFFIX}")}
    )

    def make_row(item: tuple[str, str]) -> Utterance:
        speaker, utt_id = item
        audio = audio_root / speaker / f"{utt_id}{suffix}"
        transcript = text_root / speaker / f"{utt_id}{TEXT_SUFFIX}"
        if not audio.is_file():
            raise InputError(transcript, "transcript without audio",
                             f"expected {audio}; restore it, or remove the transcript")
        if not transcript.is_file():
            raise InputError(audio, "audio without transcript",
                             f"expected {transcript}; VCTK lacks some texts (all of p315): "
                             "set skip_bad to leave such audio out, with a record of each")
        return Utterance(utt_id=utt_id, speaker=speaker, language=language,
                         text=read_transcript(transcript), audio_path=audio.as_posix(),
                         duration_s=duration_s(audio), split=DEFAULT_SPLIT)

    return collect(utterances, make_row, where=root, skip_bad=skip_bad, desc="VCTK")


def _audio_layout(root: Path, mic: str) -> tuple[Path, str]:
    """The audio folder and file-name suffix of the release found at `root`."""
    if mic not in MICS:
        raise InputError(f"VCTK option mic={mic!r}", "unknown microphone",
                         f"use one of: {', '.join(MICS)}")
    new, old = root / LAYOUT_092.audio_dir, root / LAYOUT_OLD.audio_dir
    if new.is_dir():
        return new, LAYOUT_092.suffix.format(mic=mic)
    if old.is_dir():
        if mic != MICS[0]:
            raise InputError(old, f"the older VCTK-Corpus layout has one microphone, not {mic}",
                             f"use mic={MICS[0]} with this release, or use VCTK 0.92")
        return old, LAYOUT_OLD.suffix
    raise InputError(root, f"no VCTK audio folder: expected {new} (VCTK 0.92) or {old} "
                           "(older VCTK-Corpus)",
                     "point the root at the VCTK folder that holds the audio folder and txt/")
