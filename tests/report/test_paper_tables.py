"""Golden test: a fixed small set of estimates rendered as Markdown, LaTeX and CSV."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mvc.errors import InputError
from mvc.report.paper_tables import build_table, comparisons_table
from mvc.report.render import decimals, format_ci, to_latex, to_markdown
from mvc.stats.settings import stats_settings

GOLDEN = Path(__file__).parent / "golden"
SETTINGS = stats_settings({
    "reference": "styletts2", "not_compared": ["ground_truth"], "n_resamples": 10000,
    "confidence": 0.95, "method": "bca", "test": "permutation", "seed": 1234,
    "columns": [{"metric": "wer", "column": "wer", "label": "WER", "direction": "lower",
                 "estimator": "corpus_wer"},
                {"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
                 "direction": "higher"},
                {"metric": "mcd", "column": "mcd_db", "label": "MCD (dB)", "direction": "lower"}],
    "tables": [{"name": "zero_shot", "title": "Zero-shot (VCTK_like & more)",
                "testsets": ["vctk", "missing_set"]}]})


def estimate(system, column, value, low, high, n=60, n_rows=60, note=""):
    return {"testset": "vctk", "system": system, "column": column, "estimate": value,
            "ci_low": low, "ci_high": high, "n": n, "n_rows": n_rows, "note": note}


ESTIMATES = pd.DataFrame([
    estimate("ground_truth", "wer.wer", 0.2512, 0.2, 0.3049),
    estimate("ground_truth", "dnsmos.mos_proxy", 3.456, 3.4, 3.5),
    estimate("mvc", "wer.wer", 0.1234, 0.1, 0.15),
    estimate("mvc", "dnsmos.mos_proxy", 3.21, 3.1, 3.33, n=58, note="2 error"),
    estimate("mvc", "mcd.mcd_db", 6.543, 6.2, 6.9),
    estimate("styletts2", "wer.wer", 0.2, 0.17, 0.23),
    estimate("styletts2", "dnsmos.mos_proxy", 3.3, 3.2, 3.4),
    estimate("styletts2", "mcd.mcd_db", np.nan, np.nan, np.nan, n=0,
             note="60 unavailable; no reference audio"),
])
BEST = pd.DataFrame([
    {"table": "zero_shot", "testset": "vctk", "column": "wer.wer", "system": "mvc",
     "significant": True, "note": ""},
    {"table": "zero_shot", "testset": "vctk", "column": "dnsmos.mos_proxy",
     "system": "styletts2", "significant": False, "note": "not significant"},
])


@pytest.fixture
def built():
    return build_table(SETTINGS.tables[0], ESTIMATES, BEST, ["ground_truth", "mvc", "styletts2"],
                       SETTINGS, ["A note from the analysis."])


@pytest.mark.parametrize(("render", "golden"), [(to_markdown, "zero_shot.md"),
                                                (to_latex, "zero_shot.tex")])
def test_rendering_matches_golden(built, render, golden):
    assert render(built[0]) == (GOLDEN / golden).read_text(encoding="utf-8")


def test_csv_matches_golden(built):
    text = built[1].to_csv(index=False, lineterminator="\n")
    assert text == (GOLDEN / "zero_shot.csv").read_text(encoding="utf-8")


def test_formatting_keeps_three_significant_digits():
    assert [decimals(v) for v in (0.0123, 0.123, 3.21, 25.3, 612.0)] == [4, 3, 2, 1, 0]
    assert format_ci(0.1234, 0.1, 0.15) == "0.123 [0.100, 0.150]"
    assert format_ci(0.0, -0.02, 0.021) == "0.0000 [-0.0200, 0.0210]"
    assert format_ci(9.8, 9.5, 10.2) == "9.8 [9.5, 10.2]"
    assert format_ci(np.nan, np.nan, np.nan) == "n/a"
    assert format_ci(2.0, np.nan, np.nan) == "2.00 [n/a]"


def test_comparisons_table_rows_and_the_empty_case():
    comparisons = pd.DataFrame([{
        "table": "zero_shot", "testset": "vctk", "column": "wer.wer", "label": "WER",
        "direction": "lower", "system": "mvc", "other": "styletts2", "n_pairs": 58,
        "difference": -0.0766, "ci_low": -0.1, "ci_high": -0.05, "p_bootstrap": 0.0001,
        "p_permutation": 0.0004, "p_wilcoxon": 0.0123, "test": "permutation",
        "p_holm": 0.0008, "significant": True}])
    table = comparisons_table(comparisons, SETTINGS)
    assert table.rows == [["zero_shot", "vctk", "WER ↓", "mvc − styletts2", "58",
                           "-0.077 [-0.100, -0.050]", "1.0e-04", "4.0e-04", "0.012",
                           "8.0e-04", "yes"]]
    empty = comparisons_table(comparisons.iloc[0:0], SETTINGS)
    assert not empty.rows and "need at least 2 compared systems" in empty.notes[-1]


def test_cmos_proxy_column_is_the_paired_difference_to_the_reference():
    settings = replace(SETTINGS, cmos_from="dnsmos.mos_proxy")
    comparisons = pd.DataFrame([{
        "table": "zero_shot", "testset": "vctk", "column": "dnsmos.mos_proxy", "system": "mvc",
        "other": "styletts2", "n_pairs": 58, "difference": -0.09, "ci_low": -0.2,
        "ci_high": 0.02}])
    table, frame = build_table(settings.tables[0], ESTIMATES, BEST,
                               ["ground_truth", "mvc", "styletts2"], settings, [], comparisons)
    assert table.header[-1] == "CMOS-proxy vs styletts2 ↑"
    assert [row[-1] for row in table.rows] == ["–", "-0.090 [-0.200, 0.020] (n=58)",
                                               "0 (reference)"]
    assert any(n.startswith("Holm family: the 1 paired") for n in table.notes)
    cmos = frame[frame["column"] == "cmos.dnsmos.mos_proxy"].set_index("system")
    assert cmos.loc["mvc", "estimate"] == -0.09 and cmos.loc["mvc", "cell_n"] == 58


def test_cmos_from_must_name_a_headline_column():
    with pytest.raises(InputError, match="cmos_from"):
        replace(SETTINGS, cmos_from="dnsmos.nothing")
