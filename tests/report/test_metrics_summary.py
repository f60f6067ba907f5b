"""The scores summary: means over ok rows, undefined values counted in the note, n shown."""

import json
import math

import pytest

from mvc.report.metrics_summary import summarize_scores


def score_file(root, testset, system, metric, header, rows, reasons=()):
    path = root / testset / system / f"{metric}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows))
    path.with_suffix(".json").write_text(json.dumps({"unavailable_reasons": list(reasons)}))
    return path


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
    rows = [("a", "unavailable", "", "", "", "")]
    path = score_file(tmp_path, "css10_es", "mvc", "dnsmos", header, rows,
                      reasons=["no model for es"])
    row = summarize_scores([path]).iloc[0]
    assert math.isnan(row["value"]) and row["unavailable"] == 1
    assert row["note"] == "no model for es"
