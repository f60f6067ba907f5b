"""DNSMOS: speechmos's numbers on our sessions, noise lowers BAK/OVRL, robust input handling."""

import hashlib

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import resample_poly
from speechmos import dnsmos as speechmos_dnsmos

from mvc.audio import load, save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.dnsmos import DNSMOS, P808_MODEL, PRIMARY_MODELS

TEXT = "The quick brown fox jumps over the lazy dog near the river bank today."
NOISE_STD = 0.1  # about 1 dB SNR against espeak's speech (RMS about 0.12)
COLUMNS = ("dnsmos_ovrl", "dnsmos_sig", "dnsmos_bak", "dnsmos_p808")


def item(path) -> ScoreItem:
    return ScoreItem(utt_id="u", audio_path=str(path), text=TEXT, language="en-us")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """espeak speech at 22.05 kHz, a noisy copy, a 16 kHz copy (scipy), a clipped copy."""
    root = tmp_path_factory.mktemp("dnsmos")
    speech, sr = synthesize(TEXT, Voice("en-us+f2"))
    noise = np.random.default_rng(0).standard_normal(speech.size).astype(np.float32)
    paths = {name: root / f"{name}.wav" for name in ("clean", "noisy", "clean16k", "clipped")}
    save(paths["clean"], speech, sr)
    save(paths["noisy"], speech + NOISE_STD * noise, sr)
    save(paths["clean16k"], resample_poly(speech, 16000, sr).astype(np.float32), 16000)
    save(paths["clipped"], np.clip(8 * speech, -1, 1), sr)
    return paths


@pytest.fixture(scope="module")
def metric():
    return DNSMOS()


@pytest.fixture(scope="module")
def clean(metric, files):
    return metric.score(item(files["clean"]))


def test_equals_speechmos_run_on_the_same_16k_audio(clean, files):
    audio, _ = load(files["clean"], 16000)
    expected = speechmos_dnsmos.run(audio, 16000)
    for ours, theirs in zip(COLUMNS, ("ovrl_mos", "sig_mos", "bak_mos", "p808_mos"), strict=True):
        assert clean[ours] == pytest.approx(float(expected[theirs]), abs=1e-5)
    assert clean["mos_proxy"] == clean["dnsmos_ovrl"]


def test_personalized_equals_speechmos_personalized(files):
    audio, _ = load(files["clean"], 16000)
    expected = speechmos_dnsmos.run(audio, 16000, model_type="dnsmos_personalized")
    ours = DNSMOS(personalized=True).score(item(files["clean"]))
    assert ours["dnsmos_ovrl"] == pytest.approx(float(expected["ovrl_mos"]), abs=1e-5)
    assert ours["dnsmos_bak"] == pytest.approx(float(expected["bak_mos"]), abs=1e-5)


def test_heavy_white_noise_lowers_background_and_overall(metric, clean, files):
    noisy = metric.score(item(files["noisy"]))
    print(f"clean {clean}\nnoisy {noisy}")
    assert noisy["dnsmos_bak"] < clean["dnsmos_bak"] - 1.0
    assert noisy["dnsmos_ovrl"] < clean["dnsmos_ovrl"] - 0.3
    assert all(1.0 <= v <= 5.0 for v in (*clean.values(), *noisy.values()))


def test_deterministic_across_instances_and_mos_column_picks_the_proxy(clean, files):
    again = DNSMOS(mos_column="sig").score(item(files["clean"]))
    assert {c: again[c] for c in COLUMNS} == {c: clean[c] for c in COLUMNS}
    assert again["mos_proxy"] == clean["dnsmos_sig"]


def test_a_16k_file_scores_like_the_resampled_22k_file(clean, metric, files):
    direct = metric.score(item(files["clean16k"]))
    for column in COLUMNS:  # two resamplers (scipy polyphase, soxr) differ slightly
        assert direct[column] == pytest.approx(clean[column], abs=0.05)


def test_clipped_audio_is_scored(metric, files):
    # soxr's resampling of a clipped signal overshoots 1; speechmos would reject that.
    audio, _ = load(files["clipped"], 16000)
    assert np.max(np.abs(audio)) > 1.0
    scores = metric.score(item(files["clipped"]))
    assert all(np.isfinite(v) and 1.0 <= v <= 5.0 for v in scores.values())


def test_silent_short_nan_and_missing_audio_are_input_errors(metric, tmp_path):
    sr = 16000
    save(tmp_path / "silent.wav", np.zeros(sr, dtype=np.float32), sr)
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr // 10) / sr).astype(np.float32)
    save(tmp_path / "short.wav", tone, sr)
    nan = tmp_path / "nan.wav"
    sf.write(nan, np.full(sr, np.nan, dtype=np.float32), sr, subtype="FLOAT")
    with pytest.raises(InputError, match="silent"):
        metric.score(item(tmp_path / "silent.wav"))
    with pytest.raises(InputError, match=r"short.wav: audio is 0.100 s long"):
        metric.score(item(tmp_path / "short.wav"))
    with pytest.raises(InputError, match="NaN"):
        metric.score(item(nan))
    with pytest.raises(InputError, match="not found"):
        metric.score(item(tmp_path / "absent.wav"))


def test_settings_record_model_hashes_and_bad_settings_fail(metric):
    settings = metric.settings()
    assert settings["primary_sha256"] == hashlib.sha256(PRIMARY_MODELS[False].read_bytes()
                                                        ).hexdigest()
    assert settings["p808_sha256"] == hashlib.sha256(P808_MODEL.read_bytes()).hexdigest()
    assert settings["mos_column"] == "ovrl" and settings["sample_rate"] == 16000
    assert DNSMOS(personalized=True).settings()["primary_sha256"] == hashlib.sha256(
        PRIMARY_MODELS[True].read_bytes()).hexdigest()
    assert metric.columns == ("mos_proxy", *COLUMNS)
    with pytest.raises(InputError, match="mos_column"):
        DNSMOS(mos_column="overall")
    with pytest.raises(InputError, match="threads"):
        DNSMOS(threads=0)
