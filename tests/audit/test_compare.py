"""Comparing an output with its rerun: the measured differences against numpy, and each
kind's verdict on both sides of its tolerance."""

import json
import math

import numpy as np
import soundfile as sf
import torch

from mvc.audit.compare import (
    DIFFERS,
    IDENTICAL,
    IGNORED,
    WITHIN,
    compare_csv,
    compare_file,
    compare_wav,
    file_kind,
)
from mvc.audit.config import NumericTolerance, Tolerances, WavTolerance

TOL = Tolerances(WavTolerance(max_abs=1e-3, min_snr_db=60.0),
                 NumericTolerance(atol=1e-8, rtol=1e-5))


def write_wav(path, samples, rate=22050):
    sf.write(str(path), samples, rate, subtype="FLOAT")
    return path


def test_wav_measures_match_numpy_and_the_tolerance_decides(tmp_path):
    rng = np.random.default_rng(0)
    a = (0.3 * rng.standard_normal(2000)).astype(np.float32)
    small, large = a.copy(), a.copy()
    small[10] += 2e-4
    large[10] += 0.05
    original = write_wav(tmp_path / "a.wav", a)
    near = compare_wav(original, write_wav(tmp_path / "b.wav", small), TOL.wav)
    far = compare_wav(original, write_wav(tmp_path / "c.wav", large), TOL.wav)
    diff = a.astype(np.float64) - large.astype(np.float64)
    snr = 10 * math.log10(np.sum(a.astype(np.float64) ** 2) / np.sum(diff**2))
    assert near.status == WITHIN and far.status == DIFFERS
    assert f"max_abs={np.max(np.abs(diff)):.3g}" in far.measure
    assert f"snr_db={snr:.1f}" in far.measure


def test_wav_of_another_length_or_rate_differs(tmp_path):
    a = np.zeros(100, dtype=np.float32)
    original = write_wav(tmp_path / "a.wav", a)
    assert compare_wav(original, write_wav(tmp_path / "b.wav", a[:90]), TOL.wav).status == DIFFERS
    other_rate = write_wav(tmp_path / "c.wav", a, rate=16000)
    assert compare_wav(original, other_rate, TOL.wav).status == DIFFERS


def test_csv_numbers_within_tolerance_and_the_first_difference_is_named(tmp_path):
    (tmp_path / "a.csv").write_text("utt_id,wer,note\nu1,0.25,ok\nu2,0.5,ok\n")
    (tmp_path / "b.csv").write_text("utt_id,wer,note\nu1,0.2500000001,ok\nu2,0.5,ok\n")
    (tmp_path / "c.csv").write_text("utt_id,wer,note\nu1,0.25,ok\nu2,0.75,ok\n")
    (tmp_path / "d.csv").write_text("utt_id,wer,note\nu1,0.25,ok\n")
    near = compare_csv(tmp_path / "a.csv", tmp_path / "b.csv", TOL.numeric)
    far = compare_csv(tmp_path / "a.csv", tmp_path / "c.csv", TOL.numeric)
    assert near.status == WITHIN and near.measure == f"max_abs_diff={1e-10:.3g}"
    assert far.status == DIFFERS and far.detail == "row 2, column wer: '0.5' vs '0.75'"
    assert far.measure == "max_abs_diff=0.25"
    assert compare_csv(tmp_path / "a.csv", tmp_path / "d.csv", TOL.numeric).status == DIFFERS


def test_two_nans_match_and_text_cells_must_be_equal(tmp_path):
    (tmp_path / "a.csv").write_text("x,y\nnan,yes\n")
    (tmp_path / "b.csv").write_text("x,y\nNaN,yes\n")
    (tmp_path / "c.csv").write_text("x,y\nnan,no\n")
    nan = compare_csv(tmp_path / "a.csv", tmp_path / "b.csv", TOL.numeric)
    assert (nan.status, nan.measure) == (WITHIN, "max_abs_diff=0")
    text = compare_csv(tmp_path / "a.csv", tmp_path / "c.csv", TOL.numeric)
    assert text.status == DIFFERS and text.detail == "row 1, column y: 'yes' vs 'no'"


def test_json_and_checkpoints_by_key_with_ignored_keys(tmp_path):
    record = {"info": {"seconds_this_run": 3.0, "steps": 4}, "values": [1.0, 2.0]}
    (tmp_path / "a.json").write_text(json.dumps(record))
    changed = {"info": {"seconds_this_run": 9.0, "steps": 4}, "values": [1.0, 2.5]}
    (tmp_path / "b.json").write_text(json.dumps(changed))
    found = compare_file(tmp_path / "a.json", tmp_path / "b.json", "json", TOL,
                         ["seconds_this_run"])
    assert found.status == DIFFERS and found.detail == "values[1]: 2.0 vs 2.5"
    changed["values"][1] = 2.0
    (tmp_path / "b.json").write_text(json.dumps(changed))
    assert compare_file(tmp_path / "a.json", tmp_path / "b.json", "json", TOL,
                        ["seconds_this_run"]).status == IDENTICAL
    weights = {"state": {"w": torch.ones(3)}, "info": {"seconds_this_run": 1.0}}
    torch.save(weights, tmp_path / "a.pt")
    torch.save({"state": {"w": torch.ones(3) + 1e-9}, "info": {"seconds_this_run": 2.0}},
               tmp_path / "b.pt")
    torch.save({"state": {"w": torch.ones(3) * 2}, "info": {"seconds_this_run": 1.0}},
               tmp_path / "c.pt")
    near = compare_file(tmp_path / "a.pt", tmp_path / "b.pt", "torch", TOL, ["seconds_this_run"])
    far = compare_file(tmp_path / "a.pt", tmp_path / "c.pt", "torch", TOL, ["seconds_this_run"])
    assert near.status in (IDENTICAL, WITHIN)
    assert far.status == DIFFERS and far.detail == "state.w: tensors differ"


def test_identical_patterns_compare_bytes_and_ignore_wins(tmp_path):
    identical, ignore = ["results/tables/*"], ["*/timings.csv"]
    assert file_kind("results/tables/in_domain.csv", identical, ignore) == "bytes"
    assert file_kind("results/stats/cells.csv", identical, ignore) == "csv"
    assert file_kind("results/synth/mvc/vctk/timings.csv", identical, ignore) == IGNORED
    assert file_kind("results/synth/mvc/vctk/p901_001.wav", identical, ignore) == "wav"
    assert file_kind("results/train/mvc/checkpoint.pt", identical, ignore) == "torch"
    (tmp_path / "a.csv").write_text("x\n1.0\n")
    (tmp_path / "b.csv").write_text("x\n1.0000000001\n")
    assert compare_file(tmp_path / "a.csv", tmp_path / "b.csv", "bytes", TOL, []).status \
        == DIFFERS
    assert compare_file(tmp_path / "a.csv", tmp_path / "b.csv", "csv", TOL, []).status == WITHIN

