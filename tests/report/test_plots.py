"""Plots are written as non-empty PNG and PDF files; the fitted log-log slope is right."""

import numpy as np
import pandas as pd
import pytest

from mvc.audio import save
from mvc.features.prosody import ProsodyConfig
from mvc.report.plots import fitted_slope
from mvc.report.plots_stage import PlotSettings, write_plots
from mvc.stats.analysis import StatsResult
from mvc.stats.settings import stats_settings

SETTINGS = stats_settings({
    "reference": "styletts2", "not_compared": ["ground_truth"], "n_resamples": 100,
    "confidence": 0.95, "method": "bca", "test": "permutation", "seed": 0,
    "columns": [{"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
                 "direction": "higher"},
                {"metric": "mcd", "column": "mcd_db", "label": "MCD (dB)", "direction": "lower"}],
    "tables": [{"name": "t", "title": "T", "testsets": ["vctk"]}]})


def tone(path, f0, rate=16000, seconds=0.6):
    t = np.arange(int(rate * seconds)) / rate
    save(path, 0.3 * np.sin(2 * np.pi * f0 * t) + 0.1 * np.sin(4 * np.pi * f0 * t), rate)


@pytest.fixture
def inputs(tmp_path):
    estimates = pd.DataFrame([
        {"testset": "vctk", "system": s, "column": "dnsmos.mos_proxy", "estimate": m,
         "ci_low": m - 0.1, "ci_high": m + 0.1} for s, m in
        (("ground_truth", 3.5), ("mvc", 3.2), ("styletts2", 3.0))])
    differences = pd.DataFrame({"testset": "vctk", "column": "dnsmos.mos_proxy",
                                "system": "mvc", "reference": "styletts2",
                                "utt_id": [f"u{i}" for i in range(20)],
                                "difference": np.linspace(-0.2, 0.6, 20)})
    result = StatsResult(estimates, pd.DataFrame(), pd.DataFrame(), differences, [])
    synth = {}
    for system, f0 in (("ground_truth", 150.0), ("mvc", 160.0)):
        directory = tmp_path / "synth" / system / "vctk"
        directory.mkdir(parents=True)
        tone(directory / "u1.wav", f0)
        synth.setdefault("vctk", {})[system] = directory
    lengths = np.array([256, 512, 1024, 2048])
    bench = pd.DataFrame({"subject": ["scan"] * 4 + ["attention"] * 4,
                          "length": np.concatenate([lengths, lengths]),
                          "fwd_s": np.concatenate([1e-4 * lengths, 1e-7 * lengths ** 2.0]),
                          "infer_peak_mb": np.concatenate([0.1 * lengths, 1e-4 * lengths ** 2])})
    return result, synth, bench


def test_every_plot_is_written_and_non_empty(inputs, tmp_path):
    result, synth, bench = inputs
    out = tmp_path / "plots"
    lines = write_plots(result, SETTINGS, synth, ["ground_truth", "mvc", "styletts2"], bench,
                        ProsodyConfig(), PlotSettings(f0_frame_ms=5.0, bench_length=1024), out)
    for stem in ("points_mos_proxy", "differences_mos_proxy", "f0_vctk", "efficiency_time",
                 "efficiency_memory"):
        png, pdf = out / f"{stem}.png", out / f"{stem}.pdf"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 1000
    assert any("points_mcd_db: no estimates" in line for line in lines)
    assert any("no audio yet: styletts2" in line for line in lines)
    assert "points_mos_proxy" in (out / "README.md").read_text()


def test_fitted_slope_recovers_the_exponent():
    length = np.array([256.0, 512.0, 1024.0, 4096.0])
    assert fitted_slope(length, 3e-6 * length ** 1.5) == pytest.approx(1.5)
    assert np.isnan(fitted_slope(length, np.array([np.nan, np.nan, 1.0, np.nan])))


def test_encoder_and_longform_plots(inputs, tmp_path):
    result, synth, _ = inputs
    lengths = [512, 1024, 2048]
    encoders = pd.DataFrame([
        {"scale": "default", "batch": 1, "system": system, "phonemes": n,
         "fwd_s": 1e-4 * n ** slope, "peak_mb": 1e-2 * n, "time_exponent": slope,
         "memory_exponent": 1.0} for system, slope in (("mvc", 1.0), ("hybrid", 2.0))
        for n in lengths])
    longform = pd.DataFrame([
        {"system": "mvc", "mode": mode, "lookahead": w, "phonemes": n, "total_s": 1e-3 * n,
         "peak_mb": np.nan if mode == "streaming" else 0.1 * n, "skipped": False}
        for mode, w in (("sentences", ""), ("streaming", 8)) for n in lengths])
    out = tmp_path / "plots"
    lines = write_plots(result, SETTINGS, synth, ["ground_truth", "mvc"], None,
                        ProsodyConfig(), PlotSettings(f0_frame_ms=5.0, bench_length=1024), out,
                        encoders=encoders, longform=longform)
    for stem in ("encoders_time_default_b1", "encoders_memory_default_b1", "longform_time",
                 "longform_memory"):
        assert (out / f"{stem}.png").stat().st_size > 5000
    assert any(line.startswith("- encoders_time_default_b1.png") for line in lines)
    assert any("no results/bench/ssm.csv" in line for line in lines)
