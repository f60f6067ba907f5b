"""Speech from flite, the voice source of the embedded English corpora.

flite's shipped voices are built from recordings of real people (CMU ARCTIC's slt, rms and
awb; Kevin Lenzo's diphones for kal and kal16), so a speech recognizer reads them back far
better than espeak-ng's formant voices. Output is deterministic (the same text and voice give
the same bytes); `f0_mean` (Hz) and `stretch` (duration factor, >1 is slower) make variants
of one voice. `base_speaker` names the person behind a voice: kal and kal16 are one person.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache

import numpy as np
import soundfile as sf

from mvc.errors import InputError

FLITE = "flite"
INSTALL = "run `make setup` (installs it with apt) or `apt-get install flite`"
# Voices listed by `flite -lv` that cannot read a book: awb_time speaks only the time of day.
LIMITED_DOMAIN = frozenset({"awb_time"})
# Measured on Debian's flite 2.2: rms's F0 is the same whatever int_f0_target_mean is
# (tests/data/test_flite.py checks it), so an f0_mean on rms would be a silent no-op.
FIXED_F0 = frozenset({"rms"})
# Voices made from one person's recordings at two sample rates.
SAME_PERSON = {"kal16": "kal"}


@dataclass(frozen=True)
class Voice:
    """A flite voice (`slt`, `rms`, `awb`, `kal16`, ...): `f0_mean` in Hz (None: the voice's
    own), `stretch` multiplies every duration (1.2 speaks 20% slower)."""

    name: str
    f0_mean: float | None = None
    stretch: float = 1.0


def _binary() -> str:
    path = shutil.which(FLITE)
    if path is None:
        raise InputError(FLITE, "flite is not installed", INSTALL)
    return path


@cache
def voices() -> frozenset[str]:
    """The voices this flite can read a book with (`flite -lv`, less limited-domain ones)."""
    out = subprocess.run([_binary(), "-lv"], capture_output=True, text=True, check=True)
    listed = out.stdout.partition(":")[2].split()
    return frozenset(listed) - LIMITED_DOMAIN


@cache
def flite_version() -> str:
    """The flite version (e.g. "2.2") from `flite --version`, for PROVENANCE.json."""
    out = subprocess.run([_binary(), "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"flite-(\d+(?:\.\d+)+)", out.stdout + out.stderr)
    if found is None:
        raise InputError("flite --version", f"no version number in {out.stdout.strip()!r}",
                         f"install a released flite (2.2 or later): {INSTALL}")
    return found.group(1)


def base_speaker(voice: str) -> str:
    """The person whose recordings a voice was built from (kal16 -> kal)."""
    return SAME_PERSON.get(voice, voice)


def check_voice(voice: Voice) -> None:
    """InputError for a voice this flite lacks (flite itself falls back to kal silently),
    an f0_mean the voice ignores, or a stretch that is not positive."""
    where = f"flite voice {voice.name}"
    if voice.name not in voices():
        raise InputError(where, "flite has no such voice (or it speaks only a limited domain)",
                         f"use one of {sorted(voices())} (`flite -lv`); if flite is missing, "
                         f"{INSTALL}")
    if voice.f0_mean is not None and voice.name in FIXED_F0:
        raise InputError(where, "this voice ignores f0_mean (its F0 does not change)",
                         "drop f0_mean, vary stretch, or use another voice for pitch variants")
    if (voice.f0_mean is not None and voice.f0_mean <= 0) or voice.stretch <= 0:
        raise InputError(where, f"f0_mean {voice.f0_mean} / stretch {voice.stretch}",
                         "give a positive f0_mean (Hz) and stretch")


def synthesize(text: str, voice: Voice) -> tuple[np.ndarray, int]:
    """Speak `text` with `voice`; returns mono float32 audio and its sample rate (the voice's
    own: 16 kHz for slt, rms, awb and kal16, 8 kHz for kal)."""
    check_voice(voice)
    if not text.strip():
        raise InputError(f"flite voice {voice.name}", "empty text", "give flite a non-empty text")
    features = ["--setf", f"duration_stretch={voice.stretch!r}"]
    if voice.f0_mean is not None:
        features += ["--setf", f"int_f0_target_mean={float(voice.f0_mean)!r}"]
    result = subprocess.run([_binary(), "-voice", voice.name, *features, "-t", text,
                             "-o", "/dev/stdout"], capture_output=True, check=False)
    stderr = result.stderr.decode("utf-8", "replace").strip()
    if result.returncode != 0 or not result.stdout:
        raise InputError(f"flite voice {voice.name}", f"flite failed ({stderr or 'no audio'})",
                         f"check the voice with `flite -lv`; {INSTALL}")
    audio, sample_rate = sf.read(io.BytesIO(result.stdout), dtype="float32")
    if audio.size == 0 or np.max(np.abs(audio)) == 0:
        raise InputError(f"flite voice {voice.name}", f"flite produced silence for {text[:40]!r}",
                         "check the text (flite speaks English only)")
    return audio, sample_rate
