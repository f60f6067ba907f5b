"""`mvc bench ssm-parity` on the CPU: every fast backend agrees with the sequential loop."""

import csv

import torch

from mvc.bench.ssm_parity import COLUMNS, mamba_ssm_state_dict, scan_parity, write_parity


def test_cpu_backends_pass_and_the_rows_round_trip(tmp_path):
    rows = scan_parity(torch.device("cpu"), lengths=(1, 70), tolerance=1e-5, d_inner=8)
    assert {(r["backend"], r["length"]) for r in rows} == {
        (b, n) for b in ("chunked", "fused") for n in (1, 70)}
    assert all(r["passed"] for r in rows), rows
    assert all(0.0 <= r["max_abs_diff_y"] <= 1e-5 for r in rows)
    out = tmp_path / "parity.csv"
    write_parity(rows, out)
    with out.open(encoding="utf-8") as f:
        back = list(csv.DictReader(f))
    assert tuple(back[0]) == COLUMNS and len(back) == len(rows)


def test_a_tolerance_below_the_observed_difference_fails_the_row():
    rows = scan_parity(torch.device("cpu"), lengths=(200,), tolerance=0.0, d_inner=8)
    assert not all(r["passed"] for r in rows)


def test_without_mamba_ssm_the_state_dict_check_says_why():
    (row,) = mamba_ssm_state_dict(torch.device("cpu"), length=8, tolerance=1e-5)
    assert row["passed"] == "" and "mamba_ssm absent" in row["note"]
