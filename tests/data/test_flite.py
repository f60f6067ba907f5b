"""flite as a voice source: deterministic audio at the voice's own rate, variants that move
F0 and duration as asked, and clear errors for voices flite lacks."""

import subprocess

import numpy as np
import pytest
import pyworld

from mvc.data import flite
from mvc.data.flite import Voice, base_speaker, flite_version, synthesize, voices
from mvc.errors import InputError

SENTENCE = "The quick brown fox jumps over the lazy dog, and then it runs away."


def median_f0(audio: np.ndarray, rate: int) -> float:
    f0, _ = pyworld.harvest(audio.astype(np.float64), rate, f0_floor=50.0, f0_ceil=600.0)
    return float(np.median(f0[f0 > 0]))


@pytest.mark.parametrize(("name", "rate"), [("slt", 16000), ("rms", 16000), ("awb", 16000),
                                            ("kal16", 16000), ("kal", 8000)])
def test_a_sentence_is_speech_at_the_voices_own_rate(name, rate):
    audio, sample_rate = synthesize(SENTENCE, Voice(name))
    assert sample_rate == rate and audio.dtype == np.float32
    assert 2.5 < len(audio) / rate < 6.0  # 13 words at a reading pace
    assert np.sqrt(np.mean(audio**2)) > 0.01 and np.max(np.abs(audio)) <= 1.0


def test_same_text_and_voice_give_identical_samples():
    a, _ = synthesize(SENTENCE, Voice("slt", f0_mean=190, stretch=1.1))
    b, _ = synthesize(SENTENCE, Voice("slt", f0_mean=190, stretch=1.1))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", ["slt", "awb", "kal16"])
def test_f0_mean_moves_the_median_f0_and_stretch_the_duration(name):
    low, rate = synthesize(SENTENCE, Voice(name, f0_mean=110))
    high, _ = synthesize(SENTENCE, Voice(name, f0_mean=190))
    assert median_f0(low, rate) == pytest.approx(110, rel=0.15)
    assert median_f0(high, rate) == pytest.approx(190, rel=0.15)
    slow, _ = synthesize(SENTENCE, Voice(name, stretch=1.3))
    base, _ = synthesize(SENTENCE, Voice(name))
    assert len(slow) / len(base) == pytest.approx(1.3, rel=0.1)


def test_rms_ignores_f0_mean_so_it_is_refused():
    """FIXED_F0's claim, checked on the installed flite: rms gives the same bytes for any
    int_f0_target_mean."""
    def raw(f0: int) -> bytes:
        return subprocess.run(["flite", "-voice", "rms", "--setf", f"int_f0_target_mean={f0}",
                               "-t", SENTENCE, "-o", "/dev/stdout"],
                              capture_output=True, check=True).stdout
    assert raw(100) == raw(200)
    with pytest.raises(InputError, match="ignores f0_mean"):
        synthesize(SENTENCE, Voice("rms", f0_mean=150))


def test_unknown_voice_limited_domain_voice_and_empty_text():
    with pytest.raises(InputError, match="flite voice nosuch: flite has no such voice"):
        synthesize("hello", Voice("nosuch"))  # flite itself would speak it with kal
    with pytest.raises(InputError, match="no such voice"):
        synthesize("hello", Voice("awb_time"))  # speaks only the time of day
    assert {"slt", "rms", "awb", "kal16"} <= voices() and "awb_time" not in voices()
    with pytest.raises(InputError, match="empty text"):
        synthesize("  ", Voice("slt"))
    with pytest.raises(InputError, match="positive"):
        synthesize("hello", Voice("slt", stretch=0.0))


def test_missing_flite_says_how_to_install(monkeypatch):
    monkeypatch.setattr(flite.shutil, "which", lambda _: None)
    flite.voices.cache_clear()
    try:
        with pytest.raises(InputError, match="apt-get install flite"):
            synthesize("hello", Voice("slt"))
    finally:
        flite.voices.cache_clear()


def test_version_and_base_speakers():
    assert flite_version().startswith("2.")
    assert base_speaker("kal16") == base_speaker("kal") == "kal"
    assert base_speaker("slt") == "slt"
