"""MCD: closed forms, self-distance, DTW on a stretched copy, pymcd's modes, bad input."""

from __future__ import annotations

import math
from pathlib import Path

import librosa
import numpy as np
import pysptk
import pytest
import pyworld
import soundfile as sf

from mvc.audio import load, save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.dtw import dtw
from mvc.eval.mcd import (
    METRICS,
    MelCepstralDistortion,
    PymcdDTW,
    PymcdDTWSL,
    PymcdPlain,
    frame_mcd_db,
    non_silent_frames,
)

TEXT = "The quick brown fox jumps over the lazy dog."
SPLICE_EVERY_S, SPLICE_REPEAT_S = 0.4, 0.04  # repeat 40 ms of each 400 ms: 10 % longer
STRETCHED_MCD_MAX_DB = 1.0
PLAIN_MCD_MIN_DB = 5.0


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray, int]:
    audio, rate = synthesize(TEXT, Voice("en-us+f2"))
    path = tmp_path_factory.mktemp("mcd") / "reference.wav"
    save(path, audio, rate)
    loaded, _ = load(path)
    return path, loaded, rate


def item(synthesized: Path | str, reference: Path | str) -> ScoreItem:
    return ScoreItem(utt_id="utt1", audio_path=str(synthesized), text=TEXT, language="en-us",
                     reference_audio=str(reference))


def splice_stretch(audio: np.ndarray, rate: int) -> np.ndarray:
    """A 10 % longer copy made only of the original samples: after each 0.4 s, its last
    40 ms again. Both lengths are whole 5 ms frames at 22.05 kHz, so every WORLD frame
    whose window does not straddle a splice sees exactly the samples of an original frame."""
    every, repeat = round(SPLICE_EVERY_S * rate), round(SPLICE_REPEAT_S * rate)
    pieces = []
    for start in range(0, audio.size, every):
        chunk = audio[start:start + every]
        pieces.append(chunk)
        if chunk.size == every:
            pieces.append(chunk[-repeat:])
    return np.concatenate(pieces)


def test_frame_mcd_by_hand() -> None:
    """Two constant cepstra differing by 0.1 in c3 and 0.2 in c5 (and 5 in c0, ignored):
    (10 / ln 10) * sqrt(2 * (0.1^2 + 0.2^2)) = 4.3429448 * sqrt(0.1) = 1.3733597 dB."""
    ref = np.tile(np.linspace(-1.0, 1.0, 14), (6, 1))
    syn = ref.copy()
    syn[:, 3] += 0.1
    syn[:, 5] -= 0.2
    syn[:, 0] += 5.0
    np.testing.assert_allclose(frame_mcd_db(ref, syn), 1.3733597380570535, rtol=1e-12)
    assert np.all(frame_mcd_db(ref, ref) == 0.0)


def test_frame_mcd_is_the_rms_log_spectral_distance_in_db() -> None:
    """Unwarped (alpha 0), MCD is the RMS over frequency of 10 log10(P / P') for the power
    spectra pysptk's `mc2sp` rebuilds from the cepstra (equal c0): an independent route."""
    rng = np.random.default_rng(3)
    ref = 0.3 * rng.standard_normal((4, 25))
    syn = ref + 0.1 * rng.standard_normal((4, 25))
    syn[:, 0] = ref[:, 0]
    fft_len = 1024
    db = 10 * np.log10(pysptk.mc2sp(ref, 0.0, fft_len) / pysptk.mc2sp(syn, 0.0, fft_len))
    weights = np.ones(fft_len // 2 + 1)
    weights[[0, -1]] = 0.5  # the rfft half of a full circle: ends count once, others twice
    rms_db = np.sqrt((db ** 2 * weights).sum(axis=1) / weights.sum())
    np.testing.assert_allclose(frame_mcd_db(ref, syn), rms_db, rtol=1e-10)


def test_non_silent_frames_threshold_is_relative_to_the_mean_power() -> None:
    power = np.array([1.0, 1.0, 1.0, 0.9, 0.005, 0.1])  # mean 0.6675
    # 10 log10(p / mean): 1.76, 1.76, 1.76, 1.30, -21.25, -8.24 dB
    np.testing.assert_array_equal(non_silent_frames(power, -20.0), [0, 1, 2, 3, 5])
    np.testing.assert_array_equal(non_silent_frames(power, -5.0), [0, 1, 2, 3])


def test_mcd_of_a_signal_with_itself_is_exactly_zero(speech) -> None:
    path, _, _ = speech
    for metric in (MelCepstralDistortion(), MelCepstralDistortion(drop_silence=True)):
        row = metric.score(item(path, path))
        assert row["mcd_db"] == 0.0
        assert row["n_frames"] == row["n_ref_frames"] == row["n_syn_frames"]


def test_dtw_recovers_a_time_stretched_copy(speech, tmp_path: Path) -> None:
    """Threshold 1 dB: only the frames whose window straddles one of the splices differ
    (the others are identical, 0 dB), while different TTS systems score 4-8 dB and a WORLD
    copy-synthesis of the same file already about 2.8 dB. Paired by index, the copy drifts
    out of step after the first splice: over 5 dB (measured 11-13 dB)."""
    path, audio, rate = speech
    stretched = tmp_path / "stretched.wav"
    save(stretched, splice_stretch(audio, rate), rate)
    with_dtw = MelCepstralDistortion().score(item(stretched, path))
    plain = MelCepstralDistortion(use_dtw=False).score(item(stretched, path))
    assert with_dtw["n_syn_frames"] > 1.08 * with_dtw["n_ref_frames"]
    assert with_dtw["mcd_db"] < STRETCHED_MCD_MAX_DB
    assert plain["mcd_db"] > PLAIN_MCD_MIN_DB
    assert plain["n_frames"] == plain["n_ref_frames"]

    analysis = MelCepstralDistortion()
    ref = analysis.features(audio, rate).mcep
    syn = analysis.features(splice_stretch(audio, rate), rate).mcep
    pairs = dtw(ref[:, 1:], syn[:, 1:]).path
    exact = frame_mcd_db(ref[pairs[:, 0]], syn[pairs[:, 1]]) < 1e-6
    assert exact.mean() > 0.5  # most pairs are the very same frame (measured 68 %)


def test_silence_removal_drops_padding(speech, tmp_path: Path) -> None:
    path, audio, rate = speech
    padded = tmp_path / "padded.wav"
    save(padded, np.concatenate([np.zeros(rate), audio, np.zeros(rate)]), rate)
    kept = MelCepstralDistortion(drop_silence=True).score(item(padded, path))
    everything = MelCepstralDistortion().score(item(padded, path))
    assert everything["n_syn_frames"] - everything["n_ref_frames"] in (399, 400, 401)
    assert kept["n_syn_frames"] < kept["n_ref_frames"] + 20
    assert kept["mcd_db"] < everything["mcd_db"]


def test_gain_changes_only_c0_so_our_mcd_ignores_it_but_pymcd_does_not(
        speech, tmp_path: Path) -> None:
    """A -6 dB copy: ours is near 0 (c0 excluded; what remains is 16-bit rounding near
    silence), pymcd's includes c0 (and an absolute floor), so it reports several dB."""
    path, audio, rate = speech
    quiet = tmp_path / "quiet.wav"
    save(quiet, 0.5 * audio, rate)
    assert MelCepstralDistortion().score(item(quiet, path))["mcd_db"] < 0.5
    assert PymcdDTW().score(item(quiet, path))["mcd_db"] > 3.0


def pymcd_plain_by_hand(reference: Path, synthesized: Path) -> float:
    """pymcd's `plain` mode recomputed from the conventions docs/metrics.md reads in its
    source: 22.05 kHz, zero-padded to equal length, WORLD (DIO) envelope with a 512-point
    FFT, SPTK `mcep` of order 13, alpha 0.65, the envelope passed as an amplitude spectrum
    (itype 3, eps 1e-8), c0 included, (10 / ln 10) sqrt(2) times the mean Euclidean distance."""
    ref, _ = librosa.load(reference, sr=22050)
    syn, _ = librosa.load(synthesized, sr=22050)
    length = max(ref.size, syn.size)
    cepstra = []
    for audio in (ref, syn):
        padded = np.pad(audio, (0, length - audio.size)).astype(np.float64)
        _, envelope, _ = pyworld.wav2world(padded, 22050, fft_size=512, frame_period=5.0)
        cepstra.append(pysptk.sptk.mcep(envelope, order=13, alpha=0.65, maxiter=0, etype=1,
                                        eps=1e-8, min_det=0.0, itype=3))
    distance = np.sqrt(((cepstra[0] - cepstra[1]) ** 2).sum(axis=1))
    return 10 / math.log(10) * math.sqrt(2) * float(distance.mean())


def test_pymcd_modes_run_and_follow_their_documented_conventions(speech, tmp_path: Path) -> None:
    path, audio, rate = speech
    slower, _ = synthesize(TEXT, Voice("en-us+f2", words_per_minute=135))
    other = tmp_path / "slower.wav"
    save(other, slower, rate)
    values = {cls.name: cls().score(item(other, path))["mcd_db"]
              for cls in (PymcdPlain, PymcdDTW, PymcdDTWSL)}
    assert all(math.isfinite(v) and v > 0 for v in values.values())
    np.testing.assert_allclose(values["mcd_pymcd_plain"], pymcd_plain_by_hand(path, other),
                               rtol=1e-9)
    # dtw_sl scales dtw by the ratio of the frame counts (1 + samples / 5 ms frames)
    frames = [1 + int(1000 * n / rate / 5.0) for n in (audio.size, slower.size)]
    np.testing.assert_allclose(values["mcd_pymcd_dtw_sl"] / values["mcd_pymcd_dtw"],
                               max(frames) / min(frames), rtol=1e-12)
    assert values["mcd_pymcd_dtw"] < values["mcd_pymcd_plain"]
    ours = MelCepstralDistortion().score(item(other, path))["mcd_db"]
    assert ours < MelCepstralDistortion(use_dtw=False).score(item(other, path))["mcd_db"]


def test_registry_names_and_columns() -> None:
    assert set(METRICS) == {"mcd", "mcd_pymcd_plain", "mcd_pymcd_dtw", "mcd_pymcd_dtw_sl"}
    for name, cls in METRICS.items():
        metric = cls()
        assert metric.name == name and metric.needs_reference_audio
        assert metric.unavailable("es") is None
        assert "mcd_db" in metric.columns
    settings = MelCepstralDistortion(f0_method="harvest").settings()
    assert settings["f0_method"] == "harvest" and settings["use_dtw"] is True
    assert PymcdDTW().settings()["mode"] == "dtw"


ALL_MCD = [MelCepstralDistortion, PymcdPlain, PymcdDTW, PymcdDTWSL]


@pytest.mark.parametrize("metric_cls", ALL_MCD)
def test_bad_files_are_input_errors_naming_them(metric_cls, speech, tmp_path: Path) -> None:
    path, audio, rate = speech
    metric = metric_cls()
    missing = tmp_path / "missing.wav"
    with pytest.raises(InputError, match=r"missing.wav.*not found"):
        metric.score(item(missing, path))
    silent = tmp_path / "silent.wav"
    save(silent, np.zeros(rate), rate)
    with pytest.raises(InputError, match=r"silent.wav.*silent"):
        metric.score(item(silent, path))
    with pytest.raises(InputError, match=r"silent.wav.*silent"):
        metric.score(item(path, silent))
    nan = tmp_path / "nan.wav"
    broken = audio.copy()
    broken[100:200] = np.nan
    sf.write(nan, broken, rate, subtype="FLOAT")
    with pytest.raises(InputError, match=r"nan.wav.*NaN"):
        metric.score(item(nan, path))
    with pytest.raises(InputError, match=r"utt1.*no reference audio"):
        metric.score(ScoreItem(utt_id="utt1", audio_path=str(path), text=TEXT,
                               language="en-us"))


def test_edge_cases_give_documented_results(speech, tmp_path: Path) -> None:
    """Clipped audio is valid audio: a finite, larger MCD. A 0.1 s file is scored (21
    frames); one shorter than CheapTrick's window at the F0 floor (3 / 71 Hz = 42 ms) is an
    InputError naming it."""
    path, audio, rate = speech
    metric = MelCepstralDistortion()
    clipped = tmp_path / "clipped.wav"
    save(clipped, np.clip(4 * audio, -1, 1), rate)
    assert 1.0 < metric.score(item(clipped, path))["mcd_db"] < 20.0
    short = tmp_path / "short.wav"
    save(short, audio[rate // 2: rate // 2 + rate // 10], rate)
    row = metric.score(item(short, path))
    assert row["n_syn_frames"] == 21 and math.isfinite(row["mcd_db"])
    assert metric.score(item(short, short))["mcd_db"] == 0.0
    tiny = tmp_path / "tiny.wav"
    save(tiny, audio[rate // 2: rate // 2 + rate // 50], rate)
    with pytest.raises(InputError, match=r"tiny.wav.*shorter than one analysis window"):
        metric.score(item(tiny, path))


def test_mismatched_rates_are_resampled_to_the_analysis_rate(speech, tmp_path: Path) -> None:
    """By default both files are analysed at the reference's rate (the other is resampled);
    `analysis_rate` overrides it, with that rate's order and alpha."""
    path, audio, rate = speech
    at_24k = tmp_path / "at_24k.wav"
    save(at_24k, librosa.resample(audio, orig_sr=rate, target_sr=24000), 24000)
    default = MelCepstralDistortion().score(item(at_24k, path))
    assert default["analysis_rate"] == rate
    assert abs(default["n_syn_frames"] - default["n_ref_frames"]) <= 1
    assert math.isfinite(default["mcd_db"])
    assert MelCepstralDistortion(analysis_rate=24000).score(
        item(at_24k, path))["analysis_rate"] == 24000
    with pytest.raises(InputError, match="8000 Hz"):
        MelCepstralDistortion(analysis_rate=8000)


def test_a_60_second_file_is_aligned_in_full(tmp_path: Path) -> None:
    """Two 60 s files at 16 kHz (a gliding harmonic tone with noise, and a copy with 0.2 s
    repeated in the middle): 12001 x 12041 frames, the full DTW, a near-zero MCD."""
    rate = 16000
    t = np.arange(60 * rate) / rate
    phase = 2 * np.pi * np.cumsum(150 + 30 * np.sin(2 * np.pi * 0.5 * t)) / rate
    tone = sum(np.sin(k * phase) / k for k in range(1, 6)) * (0.5 + 0.5 * np.sin(0.6 * np.pi * t))
    audio = 0.2 * tone + 0.01 * np.random.default_rng(0).standard_normal(t.size)
    reference, copy = tmp_path / "long.wav", tmp_path / "long_copy.wav"
    save(reference, audio, rate)
    middle = 30 * rate
    save(copy, np.concatenate([audio[:middle], audio[middle - rate // 5:]]), rate)
    row = MelCepstralDistortion().score(item(copy, reference))
    assert (row["n_ref_frames"], row["n_syn_frames"]) == (12001, 12041)
    assert row["n_frames"] >= 12041
    assert row["mcd_db"] < 0.1
