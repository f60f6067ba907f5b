"""`mvc bench ssm` end to end at a tiny width: every requested row, the CSV's columns, the
skip rules, the growth fit and the fresh-process memory measurement."""

import functools
import math
import os

import numpy as np
import pandas as pd
import pytest

from mvc.bench import ssm
from mvc.bench.peak_memory import MeasurementError, PeakMemory
from mvc.bench.ssm import COLUMNS, SsmBench, growth_exponent, run_ssm_bench
from mvc.cli import main
from mvc.errors import InputError


def test_quick_cli_writes_every_requested_row(tmp_path, capsys):
    out = tmp_path / "bench" / "ssm.csv"
    code = main(["bench", "ssm", "--quick", "--d-model", "4", "--lengths", "8", "16",
                 "--backends", "sequential", "chunked", "cuda", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert tuple(table.columns) == COLUMNS
    assert list(zip(table["subject"], table["length"], strict=True)) == [
        (s, n) for s in ("sequential", "chunked", "cuda", "indexed_loop", "attention", "bilstm")
        for n in (8, 16)]
    assert table.set_index("subject")["kind"].to_dict() == {
        "sequential": "scan", "chunked": "scan", "cuda": "scan",
        "indexed_loop": "scan_reference", "attention": "reference", "bilstm": "reference"}
    measured = table[table["subject"] != "cuda"]
    assert (measured["fwd_s"] > 0).all() and (measured["fwd_bwd_s"] > 0).all()
    assert (measured["infer_peak_mb"] >= 0).all() and (measured["train_peak_mb"] >= 0).all()
    assert (measured["reps"] == 1).all() and (measured["fwd_bwd_reps"] == 1).all()
    assert measured["skipped"].isna().all()
    sequential = table[table["subject"] == "sequential"]
    assert (sequential["fwd_speedup_vs_sequential"] == 1).all()
    loop = table[table["subject"] == "indexed_loop"]
    assert (loop["fwd_bwd_speedup_vs_indexed_loop"] == 1).all()
    ratio = sequential["fwd_bwd_s"].to_numpy() / loop["fwd_bwd_s"].to_numpy()
    np.testing.assert_allclose(sequential["fwd_bwd_speedup_vs_indexed_loop"], 1 / ratio,
                               rtol=1e-5)  # the CSV keeps 6 digits
    cuda = table[table["subject"] == "cuda"]
    assert (cuda["skipped"] == "fwd,fwd_bwd").all() and cuda["fwd_s"].isna().all()
    assert cuda["note"].str.contains("backend unavailable").all()
    printed = capsys.readouterr().out
    assert "Targets (measured in this run)" in printed
    assert "chunked forward+backward speed-up at L=1024 over the indexed loop" in printed
    assert "cuda L=8: backend unavailable" in printed
    assert [p.name for p in out.parent.iterdir()] == ["ssm.csv"]


class NoMemory:
    """Stands in for PeakMemory where the peaks do not matter (no server to start)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def cpu(self, setup, *args):
        return 0


def test_predicted_overruns_are_skipped_with_the_reason(monkeypatch):
    calls = []
    real = ssm.timed

    def slow(call, device):
        calls.append(call)
        return real(call, device) + 1.0  # every call "takes" over a second

    monkeypatch.setattr(ssm, "timed", slow)
    monkeypatch.setattr(ssm, "PeakMemory", lambda preload: NoMemory())
    bench = SsmBench(d_model=4, lengths=(8, 16, 64), reps=2, backends=("chunked",),
                     max_call_s=3.0)
    table = run_ssm_bench(bench).set_index(["subject", "length"])
    # Times grow at least linearly: 1 s at 8 and 16 predicts > 3 s at 64.
    assert table.loc[("chunked", 16), "skipped"] == ""
    assert table.loc[("chunked", 64), "skipped"] == "fwd,fwd_bwd"
    assert "predicted" in table.loc[("chunked", 64), "note"]
    assert math.isnan(table.loc[("chunked", 64), "fwd_s"])
    # Attention's nominal exponent is 2 (~1 s at 8 predicts ~4 s at 16).
    assert table.loc[("attention", 16), "skipped"] == "fwd,fwd_bwd"
    assert table.loc[("chunked", 8), "reps"] == 2
    assert table.loc[("chunked", 8), "fwd_bwd_reps"] == 2
    # The indexed loop has its own budget (600 s: nothing skipped here) and is timed once
    # by default.
    assert (table.loc["indexed_loop", "skipped"] == "").all()
    assert (table.loc["indexed_loop", "reps"] == 1).all()
    assert (table.loc["indexed_loop", "fwd_bwd_reps"] == 1).all()


def test_indexed_loop_budget_assumes_quadratic_backward(monkeypatch):
    real = ssm.timed
    monkeypatch.setattr(ssm, "timed", lambda call, device: real(call, device) + 1.0)
    monkeypatch.setattr(ssm, "PeakMemory", lambda preload: NoMemory())
    bench = SsmBench(d_model=4, lengths=(8, 16, 32, 64), reps=1, backends=("sequential",),
                     max_call_s=100.0, indexed_loop_max_call_s=3.0, indexed_loop_max_length=32)
    table = run_ssm_bench(bench).set_index(["subject", "length"])
    # ~1 s per call: the forward (exponent 1) predicts ~2 s at 16 and 32 and runs; the
    # forward+backward, measured at 8 only (nominal exponent 2), predicts ~4 s: skipped.
    assert table.loc[("indexed_loop", 8), "skipped"] == ""
    assert table.loc[("indexed_loop", 16), "skipped"] == "fwd_bwd"
    assert table.loc[("indexed_loop", 32), "skipped"] == "fwd_bwd"
    assert "fwd_bwd: predicted" in table.loc[("indexed_loop", 32), "note"]
    # Above indexed_loop_max_length its forward+backward is never tried.
    assert table.loc[("indexed_loop", 64), "skipped"] == "fwd_bwd"
    assert "up to L = 32 only" in table.loc[("indexed_loop", 64), "note"]
    assert table.loc[("sequential", 32), "skipped"] == ""


def test_growth_exponent_is_the_log_log_slope():
    lengths = [1024, 2048, 4096, 8192]
    assert growth_exponent(lengths, [3e-6 * n**1.5 for n in lengths]) == pytest.approx(1.5)
    assert math.isnan(growth_exponent([1024], [1.0]))


def test_peak_memory_of_a_call_in_a_fresh_process():
    # The setup partial(np.ones, n, uint8) is a call that writes n bytes; partial pickles.
    with PeakMemory(preload=["numpy"]) as memory:
        peaks = [memory.cpu(functools.partial, np.ones, mb * 2**20, np.uint8)
                 for mb in (64, 256)]
        with pytest.raises(MeasurementError, match="ValueError: invalid literal"):
            memory.cpu(functools.partial, int, "x")
        with pytest.raises(MeasurementError, match="died"):
            memory.cpu(functools.partial, os._exit, 3)
        assert memory.cpu(functools.partial, np.ones, 2**20, np.uint8) < 4 * 2**20
    assert 60 * 2**20 < peaks[0] < 80 * 2**20
    assert 250 * 2**20 < peaks[1] < 275 * 2**20


def test_bad_options_are_input_errors():
    with pytest.raises(InputError, match="--backends"):
        run_ssm_bench(SsmBench(backends=("blelloch",)))
    with pytest.raises(InputError, match="--lengths"):
        run_ssm_bench(SsmBench(lengths=(0, 16)))
    with pytest.raises(InputError, match="--reps"):
        run_ssm_bench(SsmBench(reps=0))
