"""`mvc bench streaming` on a tiny model: one row per (C, W), exact at W = all, atomic CSV."""

import pandas as pd
import pytest
import torch

from mvc.bench.streaming import (
    StreamingBench,
    make_input,
    parse_lookahead,
    run_streaming_bench,
    write_streaming_bench,
)
from mvc.cli import main
from mvc.errors import InputError

TINY = StreamingBench(d_model=8, length=30, chunks=(4, 7), lookaheads=(0, 5, None),
                      repeats=1, scan_backend="sequential")


def test_tiny_bench_rows_errors_and_csv(tmp_path):
    table = run_streaming_bench(TINY)
    assert list(zip(table["chunk"], table["lookahead"], strict=True)) == [
        (4, 0), (4, 5), (4, "all"), (7, 0), (7, 5), (7, "all")]
    assert table["latency_frames"].tolist() == [4, 9, 30, 7, 12, 30]
    exact = table[table["lookahead"] == "all"]
    assert (exact["max_abs"] < 1e-5).all()
    limited = table[table["lookahead"] == 0]
    assert (limited["relative"] > 1e-3).all()
    assert (table["stream_s"] > 0).all() and (table["offline_s"] > 0).all()
    out = tmp_path / "bench" / "streaming.csv"
    text = write_streaming_bench(table, str(out))
    assert "randomly initialised" in text
    back = pd.read_csv(out)
    assert len(back) == 6 and back["max_abs"].tolist() == pytest.approx(
        table["max_abs"].tolist(), rel=1e-5, abs=1e-12)
    assert [p.name for p in out.parent.iterdir()] == ["streaming.csv"]


def test_inputs_are_seeded_and_structured_is_smooth():
    structured = StreamingBench(d_model=8, length=400, input_kind="structured")
    x = make_input(structured)
    assert x.shape == (1, 400, 8) and torch.equal(x, make_input(structured))
    noise = make_input(StreamingBench(d_model=8, length=400))

    def lag1(v):
        v = v[0] - v[0].mean(0)
        return ((v[1:] * v[:-1]).sum(0) / (v * v).sum(0)).mean().item()

    assert lag1(x) > 0.5 and abs(lag1(noise)) < 0.2


def test_bad_options_are_input_errors():
    assert parse_lookahead("all") is None and parse_lookahead("32") == 32
    with pytest.raises(InputError, match="--lookaheads"):
        parse_lookahead("-3")
    with pytest.raises(InputError, match="--input"):
        run_streaming_bench(StreamingBench(d_model=8, length=8, input_kind="speech"))
    with pytest.raises(InputError, match="--chunks"):
        run_streaming_bench(StreamingBench(d_model=8, length=8, chunks=(4, 0)))


def test_cli_writes_the_csv_and_reports_bad_options(tmp_path, capsys):
    out = tmp_path / "streaming.csv"
    args = ["bench", "streaming", "--d-model", "8", "--length", "20", "--chunks", "4",
            "--repeats", "1", "--backend", "sequential", "--out", str(out)]
    assert main([*args, "--lookaheads", "0", "all"]) == 0
    table = pd.read_csv(out)
    assert table["lookahead"].astype(str).tolist() == ["0", "all"]
    assert table.loc[1, "max_abs"] < 1e-5 and table.loc[0, "max_abs"] > 1e-4
    assert "randomly initialised" in capsys.readouterr().out
    assert main([*args, "--lookaheads", "soon"]) == 2
    assert "--lookaheads: 'soon' is not a frame count" in capsys.readouterr().err
