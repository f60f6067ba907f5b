"""The efficiency table: RTF as a ratio of sums with its interval, missing data said."""

import numpy as np
import pandas as pd
import pytest

from mvc.report.efficiency_table import kernel_table, system_efficiency, system_table
from mvc.report.render import to_markdown
from mvc.stats.settings import stats_settings

SETTINGS = stats_settings({
    "reference": "styletts2", "not_compared": [], "n_resamples": 500, "confidence": 0.95,
    "method": "percentile", "test": "permutation", "seed": 0,
    "columns": [{"metric": "dnsmos", "column": "mos_proxy", "label": "MOS", "direction": "higher"}],
    "tables": [{"name": "t", "title": "T", "testsets": ["vctk"]}]})


def test_rtf_throughput_memory_and_a_system_without_timings():
    timings = {"mvc": pd.DataFrame({"utt_id": ["u1", "u2", "u3"], "system": "mvc",
                                    "audio_seconds": [2.0, 4.0, 3.0], "total_s": [1.0, 1.0, 1.0],
                                    "peak_mem_mb": [500.0, 640.0, 600.0]})}
    params = {"mvc": {"total": 3_272_915, "conditioning": 1_751_171, "text_encoder": 708_352,
                      "aligner": 0}}
    frame = system_efficiency(timings, params, ["mvc", "styletts2"],
                              SETTINGS).set_index("system")
    assert frame.loc["mvc", "rtf"] == pytest.approx(3.0 / 9.0)
    assert frame.loc["mvc", "throughput"] == pytest.approx(3.0)
    assert frame.loc["mvc", "rtf_low"] <= 1 / 3 <= frame.loc["mvc", "rtf_high"]
    assert frame.loc["mvc", "peak_mem_mb"] == 640.0
    assert frame.loc["styletts2", "n"] == 0
    text = to_markdown(system_table(frame.reset_index(), SETTINGS))
    assert "| styletts2 | 0 | no data |" in text
    assert "| mvc | 3 | 3.27M (conditioning 1.75M) |" in text
    assert "No synthesis timings yet for styletts2" in text


def test_kernel_rows_at_the_length_and_a_missing_length_is_said():
    bench = pd.DataFrame({"subject": ["fused", "attention"], "kind": ["scan", "reference"],
                          "device": "cpu", "length": 4096, "fwd_s": [0.2, 2.94],
                          "fwd_bwd_s": [1.08, 6.34], "infer_peak_mb": [128.2, 2148.7],
                          "train_peak_mb": [170.1, np.nan], "fwd_growth_exponent": [0.99, 2.18]})
    table, rows = kernel_table(bench, 4096)
    assert table.rows[1] == ["attention", "reference", "cpu", "2.94", "6.34", "2149", "no data",
                             "2.18"]
    assert len(rows) == 2
    empty, _ = kernel_table(bench, 1024)
    assert not empty.rows and "lengths measured: [4096]" in empty.notes[-1]


def test_encoder_rows_at_the_longest_length_every_system_has():
    from mvc.report.efficiency_table import encoder_table

    rows = []
    for system, times, ratio in (("mvc", [0.1, 0.2, 0.4], 1.0),
                                 ("hybrid", [0.1, 0.4, np.nan], 2.0)):
        for length, fwd in zip((512, 1024, 2048), times, strict=True):
            rows.append({"scale": "default", "hidden": 128, "system": system,
                         "parameters": 1_500_000, "macs_per_phoneme": 2_857_000.0,
                         "device": "cpu", "batch": 1,
                         "phonemes": length, "fwd_s": fwd, "reps": 3, "peak_mb": 10.0,
                         "time_exponent": 1.0, "memory_exponent": 1.0,
                         "mvc_throughput_ratio": ratio, "load_1min": 2.0,
                         "skipped": bool(np.isnan(fwd))})
    table, frame = encoder_table(pd.DataFrame(rows))
    assert list(frame["phonemes"]) == [1024, 1024]  # hybrid was skipped at 2048
    assert table.rows[1] == ["default (128)", "1", "hybrid", "1.50M", "2.86", "1024", "0.4",
                             "10", "1", "1", "2"]
    older, _ = encoder_table(pd.DataFrame(rows).drop(columns="macs_per_phoneme"))
    assert older.rows[1][4] == "no data"  # a CSV from before the work was counted
    assert any("1 configuration(s) skipped" in note for note in table.notes)
    empty, _ = encoder_table(None)
    assert not empty.rows and "mvc bench encoders" in empty.notes[0]


def test_synthesis_shares_and_longform_rows():
    from mvc.report.efficiency_table import longform_table, synthesis_table

    synth = pd.DataFrame({"utt_id": ["a", "b"], "system": "mvc", "audio_seconds": [1.0, 3.0],
                          "total_s": [1.0, 1.0], "conditioning_s": [0.1, 0.3],
                          "diffusion_s": [0.2, 0.2], "decoder_s": [0.1, 0.1],
                          "vocoder_s": [0.5, 0.3]})
    table, summary = synthesis_table(synth)
    assert table.header[-4:] == ["conditioning %", "diffusion %", "decoder %", "vocoder %"]
    assert table.rows[0] == ["mvc", "2", "4", "0.5", "20.0", "20.0", "10.0", "40.0"]
    assert summary["rtf"].iloc[0] == pytest.approx(0.5)
    longform = pd.DataFrame([
        {"system": "mvc", "mode": "streaming", "lookahead": 8.0, "sentences": 4,
         "phonemes": 300, "rtf": 0.25, "first_audio_s": 0.5, "peak_mb": 120.0,
         "skipped": False},
        {"system": "styletts2", "mode": "streaming", "lookahead": 8.0, "sentences": 4,
         "phonemes": 300, "rtf": np.nan, "first_audio_s": np.nan, "peak_mb": np.nan,
         "skipped": True}])
    table, _ = longform_table(longform)
    assert table.rows == [["mvc", "streaming", "8", "4", "300", "0.25", "0.5", "120"],
                          ["styletts2", "streaming", "8", "4", "300", "no data", "no data",
                           "no data"]]
