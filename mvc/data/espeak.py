"""Speech from espeak-ng, the deterministic voice source of the embedded corpus."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

import numpy as np
import soundfile as sf

from mvc.errors import InputError

ESPEAK = "espeak-ng"


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: `name` is `language[+variant]` (e.g. `en-us+f2`)."""

    name: str
    words_per_minute: int = 150
    pitch: int = 50


def _binary() -> str:
    path = shutil.which(ESPEAK)
    if path is None:
        raise InputError(ESPEAK, "espeak-ng is not installed",
                         "run `make setup` (installs it with apt) or `apt-get install espeak-ng`")
    return path


@cache
def variants() -> frozenset[str]:
    """Installed voice variants (`f2`, `klatt`, ...): espeak-ng silently ignores unknown ones."""
    out = subprocess.run([_binary(), "--voices=variant"], capture_output=True, text=True,
                         check=True)
    return frozenset(line.split()[4].removeprefix("!v/") for line in out.stdout.splitlines()[1:]
                     if len(line.split()) >= 5)


def synthesize(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    """Speak `text` with `voice`; returns mono float32 audio and its sample rate (22050 Hz)."""
    _, _, variant = voice.name.partition("+")
    if variant and variant not in variants():
        raise InputError(f"voice {voice.name}", f"espeak-ng has no variant {variant!r}",
                         "pick one listed by `espeak-ng --voices=variant` (e.g. f2, m3, klatt)")
    if not text.strip():
        raise InputError(f"voice {voice.name}", "empty text", "give espeak-ng a non-empty text")
    result = subprocess.run(
        [_binary(), "-v", voice.name, "-s", str(voice.words_per_minute), "-p", str(voice.pitch),
         "--stdin", "--stdout"],
        input=text.encode("utf-8"), capture_output=True, check=False,
    )
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0 or not result.stdout or stderr:
        raise InputError(f"voice {voice.name}", f"espeak-ng failed ({stderr or 'no audio'})",
                         "check the voice name with `espeak-ng --voices` and its variants with "
                         "`espeak-ng --voices=variant`")
    audio, sample_rate = sf.read(io.BytesIO(result.stdout), dtype="float32")
    if audio.size == 0 or np.max(np.abs(audio)) == 0:
        raise InputError(f"voice {voice.name}", f"espeak-ng produced silence for {text[:40]!r}",
                         "check the text and the voice's language")
    return audio, sample_rate
