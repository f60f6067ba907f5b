"""DistillMOS: the package's own forward, degraded speech ranked below clean, robust input."""

import hashlib
from pathlib import Path

import distillmos
import numpy as np
import pysptk
import pytest
import torch
from distillmos.sqa import ConvTransformerSQAModel
from scipy.signal import butter, sosfiltfilt

from mvc.audio import load, save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval import distillmos as metric_module
from mvc.eval.base import ScoreItem
from mvc.eval.distillmos import MAX_HOP, WEIGHTS, WINDOW, DistillMOS, windows
from mvc.eval.registry import make_metric
from mvc.eval.scoring import score_items

TEXT = "The quick brown fox jumps over the lazy dog near the river bank today."
# CMU ARCTIC's awb speaker, "arctic_a0007", 4 s at 16 kHz: recorded human speech that
# pysptk ships as its example (free licence in the folder's COPYING).
ARCTIC = Path(pysptk.__file__).resolve().parent / "example_audio_data" / "arctic_a0007.wav"
SNR_DB = 5.0
LOWPASS_HZ = 1000.0  # 8th-order Butterworth, zero-phase
CLIP_FRACTION = 0.1  # clipped at a tenth of the peak


def item(path) -> ScoreItem:
    return ScoreItem(utt_id="u", audio_path=str(path), text=TEXT, language="en-us")


def with_noise(speech: np.ndarray, snr_db: float) -> np.ndarray:
    """White noise added at `snr_db` against the whole signal's power (seed 0)."""
    noise = np.random.default_rng(0).standard_normal(speech.size)
    noise *= np.sqrt(np.mean(speech**2) / 10 ** (snr_db / 10) / np.mean(noise**2))
    return (speech + noise).astype(np.float32)


def muffled(speech: np.ndarray, sr: int) -> np.ndarray:
    """Low-passed at LOWPASS_HZ, then clipped at CLIP_FRACTION of its peak."""
    low = sosfiltfilt(butter(8, LOWPASS_HZ, fs=sr, output="sos"), speech)
    peak = CLIP_FRACTION * np.max(np.abs(low))
    return np.clip(low, -peak, peak).astype(np.float32)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Clean, noisy and muffled copies of espeak speech (22.05 kHz) and of ARCTIC (16 kHz)."""
    root = tmp_path_factory.mktemp("distillmos")
    sources = {"espeak": synthesize(TEXT, Voice("en-us+f2")), "arctic": load(ARCTIC)}
    paths = {}
    for name, (speech, sr) in sources.items():
        for kind, audio in (("clean", speech), ("noisy", with_noise(speech, SNR_DB)),
                            ("muffled", muffled(speech, sr))):
            paths[name, kind] = root / f"{name}_{kind}.wav"
            save(paths[name, kind], audio, sr)
    arctic, sr = sources["arctic"]
    paths["long"] = root / "long.wav"  # 12 s: six windows
    save(paths["long"], np.tile(arctic, 3), sr)
    return paths


@pytest.fixture(scope="module")
def metric():
    return DistillMOS()


@pytest.fixture(scope="module")
def scores(metric, files):
    return {key: metric.score(item(path))["distillmos"] for key, path in files.items()}


def test_windows_cut_as_the_package_does():
    short = windows(torch.ones(1, 5 * 16000))
    assert len(short) == 1 and short[0].shape == (1, WINDOW)
    assert float(short[0][0, 5 * 16000:].abs().sum()) == 0.0  # zero-padded
    wave = torch.arange(12 * 16000, dtype=torch.float32)[None]
    cut = windows(wave)
    assert len(cut) == int(np.ceil((wave.shape[1] - WINDOW) / MAX_HOP)) + 1 == 6
    assert cut[0][0, 0] == 0 and cut[-1][0, -1] == wave[0, -1]  # first to last sample
    assert all(w.shape == (1, WINDOW) for w in cut)


@pytest.mark.parametrize("clip", ["long", ("arctic", "clean")], ids=["12s", "4s"])
def test_equals_the_packages_own_forward(clip, files, scores):
    """One window at a time equals the package's batched forward with its own loading."""
    package = ConvTransformerSQAModel().eval()  # loads the shipped weights itself
    audio, _ = load(files[clip], 16000)
    with torch.inference_mode():
        expected = float(package(torch.from_numpy(audio)[None]).reshape(()))
    assert scores[clip] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("source", ["espeak", "arctic"])
def test_clean_speech_ranks_above_noisy_and_muffled_copies(source, scores):
    clean, noisy, quiet = (scores[source, kind] for kind in ("clean", "noisy", "muffled"))
    print(f"{source}: clean {clean:.3f}, {SNR_DB} dB SNR {noisy:.3f}, muffled {quiet:.3f}")
    # espeak: 2.29 / 2.07 / 1.24 measured; ARCTIC: 4.23 / 2.02 / 1.33 (docs/metrics.md).
    margin = 0.1 if source == "espeak" else 1.0
    assert noisy < clean - margin
    assert quiet < clean - 0.5
    assert all(1.0 <= s <= 5.0 for s in (clean, noisy, quiet))


def test_recorded_speech_scores_above_espeak(scores):
    assert scores["arctic", "clean"] > 3.5 > scores["espeak", "clean"]


def test_deterministic_across_reruns_and_instances(metric, files, scores):
    again = metric.score(item(files["espeak", "clean"]))
    assert again == {"mos_proxy": scores["espeak", "clean"],
                     "distillmos": scores["espeak", "clean"]}
    assert make_metric("distillmos").score(item(files["espeak", "clean"])) == again


def test_threads_are_restored(metric, files):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        metric.score(item(files["arctic", "clean"]))
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_short_silent_and_missing_audio_are_error_rows_through_the_scoring_loop(
        metric, files, tmp_path):
    sr = 16000
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr // 5) / sr).astype(np.float32)
    save(tmp_path / "short.wav", tone, sr)
    save(tmp_path / "silent.wav", np.zeros(sr, dtype=np.float32), sr)
    items = [ScoreItem(name, str(path), TEXT, "en-us") for name, path in (
        ("ok", files["espeak", "clean"]), ("short", tmp_path / "short.wav"),
        ("silent", tmp_path / "silent.wav"), ("absent", tmp_path / "absent.wav"))]
    rows = {row["utt_id"]: row for row in score_items(metric, items)}
    assert rows["ok"]["status"] == "ok" and rows["ok"]["mos_proxy"] == rows["ok"]["distillmos"]
    assert {rows[u]["status"] for u in ("short", "silent", "absent")} == {"error"}
    assert "short.wav: audio is 0.200 s long, DistillMOS needs at least 0.5 s" in (
        rows["short"]["error"])
    assert "silent" in rows["silent"]["error"] and "missing" in rows["absent"]["error"]
    assert metric.unavailable("es") is None


def test_settings_record_the_package_and_the_weights_hash(metric, monkeypatch):
    settings = metric.settings()
    assert settings["weights_sha256"] == hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    assert settings["weights"] == "distill_mos_v7.pt"
    assert WEIGHTS.parent.parent == Path(distillmos.__file__).resolve().parent
    assert settings["package"] == "distillmos 0.9.1"
    assert (settings["sample_rate"], settings["min_seconds"], settings["device"]) == (
        16000, 0.5, "cpu")
    assert metric.columns == ("mos_proxy", "distillmos")
    with pytest.raises(InputError, match="threads"):
        DistillMOS(threads=0)
    monkeypatch.setattr(metric_module, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(InputError, match=r"distill_mos_v7.pt: SHA-256 b18b3ac6"):
        DistillMOS()
