"""F0 RMSE, V/UV error and correlation: closed forms, tones of known pitch, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import librosa
import numpy as np
import pytest
import soundfile as sf
from scipy.stats import pearsonr

from mvc.audio import save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.f0 import F0RMSE, METRICS, f0_errors

RATE = 22050
SHIFT_CENTS = 100.0
RATIO = 2 ** (SHIFT_CENTS / 1200)
# Steady frames of a harmonic tone are tracked to better than 0.1 cent; the frames within
# about 20 ms of the file's ends, where WORLD's window runs past the signal, are biased by up
# to 4 % (the same way in both signals) and move the RMSE by at most 0.7 cent (measured).
CENTS_TOLERANCE = 1.0


def harmonic(f0_hz: float, seconds: float = 1.0) -> np.ndarray:
    """Harmonics 1..5 at 1/k amplitude (peak under 0.7) of a constant F0 (Hz)."""
    phase = 2 * np.pi * f0_hz * np.arange(round(seconds * RATE)) / RATE
    return 0.3 * sum(np.sin(k * phase) / k for k in range(1, 6))


def item(synthesized: Path, reference: Path) -> ScoreItem:
    return ScoreItem(utt_id="utt1", audio_path=str(synthesized), text="a tone",
                     language="en-us", reference_audio=str(reference))


def write_pair(tmp_path: Path, reference: np.ndarray, synthesized: np.ndarray) -> ScoreItem:
    save(tmp_path / "ref.wav", reference, RATE)
    save(tmp_path / "syn.wav", synthesized, RATE)
    return item(tmp_path / "syn.wav", tmp_path / "ref.wav")


def test_f0_errors_by_hand() -> None:
    """Frames: both voiced x3, reference-only voiced x1, both unvoiced x1."""
    ref = np.array([100.0, 200.0, 400.0, 150.0, 0.0])
    syn = np.array([110.0, 200.0, 200.0, 0.0, 0.0])
    values = f0_errors(ref, syn)
    assert values["n_voiced_frames"] == 3 and values["n_frames"] == 5
    assert values["vuv_error"] == pytest.approx(1 / 5)
    assert values["f0_rmse_hz"] == pytest.approx(math.sqrt((10**2 + 0 + 200**2) / 3))
    cents = [1200 * math.log2(1.1), 0.0, -1200.0]
    assert values["f0_rmse_cents"] == pytest.approx(math.sqrt(np.mean(np.square(cents))))
    assert values["f0_corr"] == pytest.approx(pearsonr([100, 200, 400], [110, 200, 200])[0])
    assert values["f0_note"] == ""


def test_f0_errors_say_why_a_value_is_missing() -> None:
    none = f0_errors(np.array([100.0, 0.0]), np.array([0.0, 120.0]))
    assert math.isnan(none["f0_rmse_hz"]) and math.isnan(none["f0_corr"])
    assert none["vuv_error"] == 1.0 and "no frame is voiced in both" in none["f0_note"]
    one = f0_errors(np.array([100.0, 0.0]), np.array([110.0, 0.0]))
    assert one["f0_rmse_hz"] == pytest.approx(10.0) and math.isnan(one["f0_corr"])
    assert "needs 2 frames" in one["f0_note"]
    flat = f0_errors(np.array([100.0, 100.0]), np.array([110.0, 120.0]))
    assert math.isnan(flat["f0_corr"]) and "constant" in flat["f0_note"]
    with pytest.raises(ValueError):
        f0_errors(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("method", ["dio", "harvest"])
@pytest.mark.parametrize("f0_hz", [120.0, 200.0])
def test_a_tone_shifted_by_100_cents(method: str, f0_hz: float, tmp_path: Path) -> None:
    pair = write_pair(tmp_path, harmonic(f0_hz), harmonic(f0_hz * RATIO))
    row = F0RMSE(f0_method=method).score(pair)
    assert row["f0_rmse_cents"] == pytest.approx(SHIFT_CENTS, abs=CENTS_TOLERANCE)
    expected_hz = f0_hz * (RATIO - 1)  # 7.14 Hz at 120 Hz, 11.89 Hz at 200 Hz
    assert row["f0_rmse_hz"] == pytest.approx(expected_hz, rel=CENTS_TOLERANCE / SHIFT_CENTS)
    assert row["vuv_error"] < 0.01 and row["n_voiced_frames"] >= 0.99 * row["n_frames"]


@pytest.fixture(scope="module")
def speech() -> tuple[np.ndarray, int]:
    return synthesize("The quick brown fox jumps over the lazy dog.", Voice("en-us+f2"))


def test_speech_and_a_stretched_copy_correlate(speech, tmp_path: Path) -> None:
    """espeak speech against a 10 % longer copy (40 ms of each 400 ms repeated): DTW pairs
    the frames back, so the contours correlate and agree. The bounds leave room for the
    frames whose analysis window straddles a splice (measured: 10-13 cents, r = 0.999)."""
    audio, rate = speech
    every, repeat = round(0.4 * rate), round(0.04 * rate)
    pieces = []
    for start in range(0, audio.size, every):
        pieces.append(audio[start:start + every])
        if pieces[-1].size == every:
            pieces.append(pieces[-1][-repeat:])
    save(tmp_path / "ref.wav", audio, rate)
    save(tmp_path / "syn.wav", np.concatenate(pieces), rate)
    for method in ("dio", "harvest"):
        row = F0RMSE(f0_method=method).score(item(tmp_path / "syn.wav", tmp_path / "ref.wav"))
        assert row["f0_corr"] > 0.99
        assert row["f0_rmse_cents"] < 25.0
        assert row["vuv_error"] < 0.05


def test_vuv_error_is_zero_for_identical_signals_and_grows_with_silence(tmp_path: Path) -> None:
    """Identical files: the diagonal path, identical decisions. With the second half of the
    synthesized tone silenced, its ~100 unvoiced frames each meet the all-voiced reference
    in at least one of at most n + m - 1 = ~400 pairs: an error of at least ~0.25."""
    tone = harmonic(200.0)
    same = F0RMSE().score(write_pair(tmp_path, tone, tone))
    assert same["vuv_error"] == 0.0 and same["f0_rmse_hz"] == 0.0
    assert same["n_frames"] == same["n_voiced_frames"] + 1  # frame 0: DIO leaves it unvoiced
    half = tone.copy()
    half[half.size // 2:] = 0.0
    row = F0RMSE().score(write_pair(tmp_path, tone, half))
    assert row["vuv_error"] > 0.2


def test_registry_and_columns() -> None:
    assert set(METRICS) == {"f0_rmse"}
    metric = METRICS["f0_rmse"](f0_method="harvest", f0_floor=60.0)
    assert metric.needs_reference_audio and metric.unavailable("fr-fr") is None
    assert metric.settings()["f0_floor"] == 60.0
    assert metric.columns[:4] == ("f0_rmse_hz", "f0_rmse_cents", "vuv_error", "f0_corr")


def test_bad_input(tmp_path: Path) -> None:
    tone = harmonic(200.0)
    pair = write_pair(tmp_path, tone, tone)
    metric = F0RMSE()
    with pytest.raises(InputError, match=r"missing.wav.*not found"):
        metric.score(item(tmp_path / "missing.wav", tmp_path / "ref.wav"))
    save(tmp_path / "silent.wav", np.zeros(RATE), RATE)
    with pytest.raises(InputError, match=r"silent.wav.*silent"):
        metric.score(item(tmp_path / "silent.wav", tmp_path / "ref.wav"))
    broken = tone.copy()
    broken[5] = np.nan
    sf.write(tmp_path / "nan.wav", broken, RATE, subtype="FLOAT")
    with pytest.raises(InputError, match=r"nan.wav.*NaN"):
        metric.score(item(tmp_path / "nan.wav", tmp_path / "ref.wav"))
    with pytest.raises(InputError, match=r"utt1.*no reference audio"):
        metric.score(ScoreItem(utt_id="utt1", audio_path=pair.audio_path, text="a tone",
                               language="en-us"))


def test_edge_cases_give_documented_results(speech, tmp_path: Path) -> None:
    """A 0.1 s tone is scored (Harvest voices it, DIO does not: NaN with the reason);
    clipped speech keeps its pitch; a file at another rate is resampled to the reference's
    (speech, not tones, here: on a stationary tone the mel-cepstra of all frames are nearly
    equal, so the DTW path is arbitrary and may pair the biased edge frames with others)."""
    short = write_pair(tmp_path, harmonic(200.0, seconds=0.1), harmonic(200.0, seconds=0.1))
    row = F0RMSE(f0_method="harvest").score(short)
    assert row["n_frames"] == 21 and row["f0_rmse_hz"] == 0.0 and row["vuv_error"] == 0.0
    unvoiced = F0RMSE(f0_method="dio").score(short)  # DIO needs a longer context to voice
    assert unvoiced["n_voiced_frames"] == 0 and math.isnan(unvoiced["f0_rmse_hz"])
    assert unvoiced["f0_note"] == "no frame is voiced in both signals"
    audio, rate = speech
    save(tmp_path / "ref.wav", audio, rate)
    save(tmp_path / "clipped.wav", np.clip(2 * audio, -1, 1), rate)  # 0.75 % of samples
    clipped = F0RMSE().score(item(tmp_path / "clipped.wav", tmp_path / "ref.wav"))
    assert clipped["f0_corr"] > 0.999 and clipped["f0_rmse_cents"] < 5.0  # measured 0.2
    save(tmp_path / "syn24k.wav", librosa.resample(audio, orig_sr=rate, target_sr=24000), 24000)
    resampled = F0RMSE().score(item(tmp_path / "syn24k.wav", tmp_path / "ref.wav"))
    assert resampled["analysis_rate"] == rate
    assert resampled["f0_corr"] > 0.999 and resampled["f0_rmse_cents"] < 5.0  # measured 0.1
