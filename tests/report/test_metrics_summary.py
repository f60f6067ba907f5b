"""The scores summary: means over ok rows, undefined values counted in the note, n shown."""

import math

import pytest

from mvc.report.metrics_summary import summarize_scores
from tests.score_tables import write_score_table


def score_file(root, testset, system, metric, header, rows):
    """Through the real writer: `header` names utt_id, status, the metric's columns and
    error; cells "" are left out of the row, others are numbers (or the status/error text)."""
    columns = [c for c in header if c not in ("utt_id", "status", "error")]
    records = [{c: (v if c in ("utt_id", "status", "error") else float(v))
                for c, v in zip(header, row, strict=True) if v != ""} for row in rows]
    return write_score_table(root / testset / system / f"{metric}.csv", columns, records)


def test_undefined_f0_values_are_skipped_by_the_mean_and_counted_in_the_note(tmp_path):
    header = ("utt_id", "status", "f0_rmse_hz", "f0_rmse_cents", "vuv_error", "error")
    rows = [("a", "ok", "10.0", "100.0", "0.5", ""), ("b", "ok", "nan", "nan", "0.25", ""),
            ("c", "ok", "30.0", "300.0", "0.0", ""), ("d", "error", "", "", "", "bad wav")]
    path = score_file(tmp_path, "vctk", "mvc", "f0_rmse", header, rows)
    summary = summarize_scores([path]).set_index("statistic")
    hz = summary.loc["f0_rmse_hz (mean)"]
    assert hz["value"] == pytest.approx(20.0)
    assert (hz["n"], hz["ok"], hz["error"]) == (4, 3, 1)
    assert "f0_rmse_hz undefined for 1 of 3 ok rows" in hz["note"]
    assert summary.loc["vuv_error (mean)", "value"] == pytest.approx(0.25)


def test_a_metric_unavailable_everywhere_has_no_value_and_says_why(tmp_path):
    header = ("utt_id", "status", "mos_proxy", "dnsmos_sig", "dnsmos_bak", "error")
    rows = [("a", "unavailable", "", "", "", "no model for es")]
    path = score_file(tmp_path, "css10_es", "mvc", "dnsmos", header, rows)
    row = summarize_scores([path]).iloc[0]
    assert math.isnan(row["value"]) and row["unavailable"] == 1
    assert row["note"] == "no model for es"
