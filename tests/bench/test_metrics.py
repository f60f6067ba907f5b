"""`mvc bench metrics` end to end on two utterances: a row per metric, counts and rates."""

import csv

from mvc.cli import main


def test_bench_metrics_writes_a_row_per_metric(tmp_path):
    out = tmp_path / "metrics.csv"
    assert main(["bench", "metrics", "--utterances", "2", "--metrics", "mcd", "f0_rmse",
                 "--out", str(out)]) == 0
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert [r["metric"] for r in rows] == ["mcd", "f0_rmse"]
    for row in rows:
        assert (row["utterances"], row["ok"], row["error"]) == ("2", "2", "0")
        assert float(row["utterances_per_s"]) > 0
        rtf = float(row["score_s"]) / float(row["audio_s"])
        # score_s (ms) and audio_s (10 ms) are rounded in the CSV: compare relatively.
        assert abs(float(row["real_time_factor"]) - rtf) <= 5e-3 * rtf
