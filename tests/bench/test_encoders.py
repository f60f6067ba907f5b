"""`mvc bench encoders` at the smoke config's width: the CSVs' rows and columns, the growth
fit and the paired throughput ratio against hand numbers, memory growing with length, and
the CLI's errors."""

import math

import numpy as np
import pandas as pd
import pytest

from mvc.bench.encoders import (
    COLUMNS,
    SUMMARY_COLUMNS,
    EncoderBench,
    Scale,
    build_subject,
    conditioning_forward,
    fit_exponent,
    paired_ratio,
    run_encoder_bench,
    scale_item,
    validate,
)
from mvc.cli import main
from mvc.config import load_config
from mvc.errors import InputError

SMOKE = "configs/smoke.yaml"


@pytest.fixture(scope="module")
def smoke() -> Scale:
    return Scale("smoke", load_config(SMOKE))


def test_cli_writes_one_row_per_configuration_and_the_summary(tmp_path, capsys):
    out, summary_out = tmp_path / "bench" / "encoders.csv", tmp_path / "bench" / "summary.csv"
    code = main(["bench", "encoders", "--config", SMOKE, f"wide={SMOKE}", "--lengths", "8",
                 "16", "--batches", "1", "2", "--reps", "2", "--fit-min-length", "8",
                 "--no-memory", "--threads", "1", "--out", str(out),
                 "--summary-out", str(summary_out)])
    assert code == 0
    rows = pd.read_csv(out, keep_default_na=False, na_values=[""])
    assert tuple(rows.columns) == COLUMNS
    assert list(zip(rows["scale"], rows["batch"], rows["system"], rows["phonemes"],
                    strict=True)) == [
        (scale, batch, system, length) for scale in ("smoke", "wide") for batch in (1, 2)
        for system in ("mvc", "styletts2", "hybrid") for length in (8, 16)]
    assert (rows["hidden"] == 32).all()
    assert (rows["frames"] == rows["phonemes"] * 5).all()
    assert (rows["fwd_s"] > 0).all() and (rows["reps"] == 2).all()
    assert np.allclose(rows["phonemes_per_s"], rows["batch"] * rows["phonemes"] / rows["fwd_s"])
    assert rows["peak_mb"].isna().all() and not rows["skipped"].any()
    assert (rows[rows["system"] == "mvc"]["mvc_throughput_ratio"] == 1).all()
    assert (rows["mvc_throughput_ratio"] > 0).all()
    assert (rows["torch_threads"] == 1).all() and (rows["scan_backend"] == "fused").all()
    summary = pd.read_csv(summary_out, keep_default_na=False, na_values=[""])
    assert tuple(summary.columns) == SUMMARY_COLUMNS
    assert summary["quantity"].value_counts().to_dict() == {
        "time_exponent": 12, "memory_exponent": 12, "throughput_ratio": 16, "work_ratio": 16}
    assert (rows["macs_per_phoneme"] > 0).all()
    assert ((rows["scan_updates_per_phoneme"] > 0) == (rows["system"] != "styletts2")).all()
    macs = rows.set_index(["scale", "batch", "system", "phonemes"])["macs_per_phoneme"]
    for r in summary[summary["quantity"] == "work_ratio"].itertuples():
        assert r.value == pytest.approx(macs[r.scale, r.batch, r.versus, r.phonemes]
                                        / macs[r.scale, r.batch, "mvc", r.phonemes], rel=1e-5)
        assert macs[r.scale, 1, r.versus, r.phonemes] == macs[r.scale, 2, r.versus, r.phonemes]
    ratios = summary[summary["quantity"] == "throughput_ratio"]
    assert set(ratios["versus"]) == {"styletts2", "hybrid"} and (ratios["system"] == "mvc").all()
    per_row = rows.set_index(["scale", "batch", "system", "phonemes"])["mvc_throughput_ratio"]
    for r in ratios.itertuples():
        assert per_row[r.scale, r.batch, r.versus, r.phonemes] == pytest.approx(r.value, rel=1e-5)
    assert (ratios["reps"] == 2).all() and (ratios["value"] > 0).all()
    times = summary[summary["quantity"] == "time_exponent"]
    assert times["value"].notna().all() and (times["fit_from"] == 8).all()
    assert summary[summary["quantity"] == "memory_exponent"]["value"].isna().all()
    printed = capsys.readouterr().out
    assert "Throughput ratio MVC / system" in printed and "paper: 1.6x" in printed
    assert "at equal speed per multiply-add (styletts2's MACs / MVC's)" in printed
    assert "millions of multiply-accumulates per phoneme" in printed


def test_the_exponent_fit_recovers_a_known_slope():
    lengths = [256, 512, 1024, 2048, 4096]
    series = {n: 3e-6 * n ** 1.5 for n in lengths}
    series[64] = 1.0  # below the fitted range: ignored
    value, low, high = fit_exponent(series, 256)
    assert value == pytest.approx(1.5, abs=1e-9)
    assert (low, high) == (256, 4096)
    assert math.isnan(fit_exponent({512: 1.0}, 256)[0])
    assert math.isnan(fit_exponent({512: 1.0, 1024: 0.0}, 256)[0])  # a zero is not fitted


def test_the_throughput_ratio_is_the_median_of_paired_repetitions():
    mvc = {0: 1.0, 1: 2.0, 2: 1.0, 3: 4.0}
    other = {0: 2.0, 1: 3.0, 3: 2.0, 4: 9.0}  # rep 2 missing here, rep 4 missing in mvc
    ratio, n = paired_ratio(mvc, other)
    assert n == 3
    assert ratio == pytest.approx(np.median([2.0 / 1.0, 3.0 / 2.0, 2.0 / 4.0]))
    assert math.isnan(paired_ratio({0: 1.0}, {1: 1.0})[0])


def test_the_forward_runs_every_path_at_the_config_width(smoke):
    import torch

    for system in ("mvc", "styletts2", "hybrid"):
        subject = build_subject(smoke, system, "cpu")
        assert subject.model.hidden == 32
        phonemes = torch.randint(1, subject.model.n_symbols, (2, 7))
        f0, energy = conditioning_forward(subject.path, phonemes,
                                          torch.randn(2, subject.model.style_dim), 3)
        assert f0.shape == energy.shape == (2, 21)


def test_peak_memory_grows_with_length(smoke):
    bench = EncoderBench(scales=(smoke,), systems=("mvc",), lengths=(64, 2048), batches=(1,),
                         reps=1, fit_min_length=64)
    rows, summary = run_encoder_bench(bench)
    peak = rows.set_index("phonemes")["peak_mb"]
    assert peak[2048] > 4 * peak[64] > 0
    # 2048 phonemes x 5 frames x 32 channels in fp32: 1.25 MiB per activation; many live
    assert peak[2048] > 1.25
    memory = summary[summary["quantity"] == "memory_exponent"]["value"].iloc[0]
    assert memory > 0.3


def test_options_that_cannot_run_are_input_errors(smoke, tmp_path, capsys):
    with pytest.raises(InputError, match="--lengths"):
        validate(EncoderBench(scales=(smoke,), lengths=(0, 16)))
    with pytest.raises(InputError, match="--systems"):
        validate(EncoderBench(scales=(smoke,), systems=("mvc", "vits")))
    with pytest.raises(InputError, match="scale names repeat"):
        validate(EncoderBench(scales=(smoke, smoke)))
    with pytest.raises(InputError, match="needs a name"):
        scale_item('{"model": {}}')
    assert scale_item("configs/paper.yaml") == ("paper", "configs/paper.yaml")
    assert scale_item('x={"a": 1}') == ("x", '{"a": 1}')
    out = str(tmp_path / "e.csv")
    for argv, message in ((["--batches", "0"], "--batches"),
                          (["--config", str(tmp_path / "missing.yaml")], "config file not found"),
                          (["--config", 'bad={"audio": {}}'], "missing key 'model'")):
        assert main(["bench", "encoders", "--config", SMOKE, *argv, "--out", out]) == 2
        assert message in capsys.readouterr().err


def test_a_configuration_out_of_memory_is_skipped_with_the_longer_ones(smoke, monkeypatch):
    """Without the memory measurement nothing predicts attention's peak: a forward that
    fails to allocate becomes a skipped row saying so, and the run goes on."""
    import mvc.bench.encoders as encoders

    real = encoders.make_call

    def failing(subject, batch, length, *args):
        if subject.model.conditioning == "hybrid" and length == 24:  # (16: the warm-up)
            def call():
                raise RuntimeError("[enforce fail at alloc_cpu.cpp:124] err == 0. "
                                   "DefaultCPUAllocator: can't allocate memory: you tried "
                                   "to allocate 26843545600 bytes.\nmore")
            return call
        return real(subject, batch, length, *args)

    monkeypatch.setattr(encoders, "make_call", failing)
    rows, _ = run_encoder_bench(EncoderBench(scales=(smoke,), lengths=(8, 24, 32), batches=(1,),
                                             reps=2, memory=False, threads=1))
    hybrid = rows[rows["system"] == "hybrid"].set_index("phonemes")
    assert list(hybrid["skipped"]) == [False, True, True]
    assert hybrid.loc[24, "note"].startswith("out of memory: [enforce fail")
    assert "\n" not in hybrid.loc[24, "note"] and math.isnan(hybrid.loc[24, "fwd_s"])
    assert hybrid.loc[32, "note"] == "a shorter length was skipped"
    assert not rows[rows["system"] != "hybrid"]["skipped"].any()


def test_errors_other_than_memory_still_stop_the_run(smoke, monkeypatch):
    import mvc.bench.encoders as encoders

    def broken(*args):
        def call():
            raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")
        return call

    monkeypatch.setattr(encoders, "make_call", broken)
    with pytest.raises(RuntimeError, match="shapes cannot be multiplied"):
        run_encoder_bench(EncoderBench(scales=(smoke,), lengths=(8,), batches=(1,), reps=1,
                                       memory=False, threads=1))
