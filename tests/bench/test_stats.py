"""`mvc bench stats` on a small problem: both stages timed, sizes recorded."""

import csv
from pathlib import Path

from mvc.cli import main

CONFIG = Path(__file__).resolve().parents[2] / "configs" / "smoke.yaml"


def test_bench_stats_writes_both_stages(tmp_path, capsys):
    out = tmp_path / "stats.csv"
    assert main(["bench", "stats", "--config", str(CONFIG), "--systems", "3",
                 "--utterances", "40", "--out", str(out)]) == 0
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["stage"].split()[0] for r in rows] == ["bootstrap", "whole"]
    assert {(r["systems"], r["columns"], r["utterances"], r["n_resamples"]) for r in rows} == {
        ("3", "7", "40", "1000")}
    assert rows[0]["statistics"] == "21"  # 3 systems x 7 columns
    assert rows[1]["statistics"] == str(21 + 3 * 7)  # + 3 pairs x 7 columns
    assert all(float(r["seconds"]) > 0 for r in rows)
    assert "whole analysis" in capsys.readouterr().out
