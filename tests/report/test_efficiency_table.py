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
