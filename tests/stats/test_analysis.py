"""The analysis on small score tables: estimates, pairing, Holm per table, best marks, notes."""

import numpy as np
import pandas as pd
import pytest

from mvc.eval.wer import corpus_wer
from mvc.stats.analysis import analyze
from mvc.stats.multiple import holm
from mvc.stats.scores import ScoreTable
from mvc.stats.settings import stats_settings

COLUMNS = [{"metric": "wer", "column": "wer", "label": "WER", "direction": "lower",
            "estimator": "corpus_wer"},
           {"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
            "direction": "higher"}]


def settings(**changes):
    base = {"reference": "styletts2", "not_compared": ["ground_truth"], "n_resamples": 999,
            "confidence": 0.95, "method": "bca", "test": "permutation", "seed": 0,
            "columns": COLUMNS, "tables": [{"name": "t", "title": "T", "testsets": ["a", "b"]}]}
    return stats_settings({**base, **changes})


def mos(testset, system, values, status=None):
    n = len(values)
    return ScoreTable(testset, system, "dnsmos", pd.DataFrame({
        "utt_id": [f"u{i}" for i in range(n)], "status": status or ["ok"] * n,
        "mos_proxy": values}))


def wer(testset, system, errors, words):
    n = len(errors)
    return ScoreTable(testset, system, "wer", pd.DataFrame({
        "utt_id": [f"u{i}" for i in range(n)], "status": ["ok"] * n,
        "substitutions": errors, "deletions": 0, "insertions": 0,
        "hits": np.array(words) - np.array(errors), "reference_words": words,
        "wer": np.array(errors) / np.array(words)}))


@pytest.fixture
def scores():
    rng = np.random.default_rng(0)
    base = rng.normal(3.0, 0.3, 30)
    words = rng.integers(5, 15, 30)
    return [mos("a", "ground_truth", base + 0.8), mos("a", "styletts2", base),
            mos("a", "mvc", base + 0.4 + rng.normal(0, 0.05, 30)),
            mos("b", "styletts2", base), mos("b", "mvc", base + rng.normal(0, 0.3, 30)),
            wer("a", "styletts2", rng.binomial(words, 0.3), words),
            wer("a", "mvc", rng.binomial(words, 0.29), words)]


def test_estimates_are_the_corpus_rate_and_the_mean(scores):
    result = analyze(scores, ["ground_truth", "mvc", "styletts2"], settings())
    est = result.estimates.set_index(["testset", "system", "column"])
    rows = scores[5].table.to_dict("records")
    assert est.loc[("a", "styletts2", "wer.wer"), "estimate"] == pytest.approx(corpus_wer(rows))
    assert est.loc[("a", "mvc", "dnsmos.mos_proxy"), "estimate"] == pytest.approx(
        scores[2].table["mos_proxy"].mean())
    assert (est["ci_low"] <= est["estimate"]).all() and (est["estimate"] <= est["ci_high"]).all()
    assert set(est["n"]) == {30}


def test_comparisons_pair_against_the_reference_and_holm_spans_the_table(scores):
    result = analyze(scores, ["ground_truth", "mvc", "styletts2"], settings())
    comp = result.comparisons
    assert set(zip(comp["system"], comp["other"], strict=True)) == {("mvc", "styletts2")}
    assert len(comp) == 3  # MOS on a and b, WER on a; ground truth never compared
    assert comp["p_holm"].tolist() == pytest.approx(holm(comp["p_permutation"].to_numpy()))
    mos_a = comp[(comp["testset"] == "a") & (comp["column"] == "dnsmos.mos_proxy")].iloc[0]
    assert mos_a["difference"] == pytest.approx(
        scores[2].table["mos_proxy"].mean() - scores[1].table["mos_proxy"].mean())
    assert mos_a["significant"] and mos_a["p_permutation"] <= 0.002
    best = result.best.set_index(["testset", "column"])
    assert best.loc[("a", "dnsmos.mos_proxy"), "system"] == "mvc"
    assert bool(best.loc[("a", "dnsmos.mos_proxy"), "significant"])
    assert not bool(best.loc[("a", "wer.wer"), "significant"])  # 0.30 vs 0.29: not shown
    diffs = result.differences
    assert set(diffs["system"]) == {"mvc"} and set(diffs["reference"]) == {"styletts2"}


def test_one_system_has_estimates_and_says_comparisons_need_two(scores):
    result = analyze([s for s in scores if s.system == "ground_truth"], ["ground_truth"],
                     settings())
    assert result.comparisons.empty and result.best.empty and result.differences.empty
    assert any("at least 2 compared systems" in n for n in result.notes)
    assert any("'styletts2'" in n and "not among the scored" in n for n in result.notes)
    assert len(result.estimates) == 1


def test_unpaired_utterances_and_failed_rows_are_counted_not_hidden(scores):
    values = [3.0, 3.2, np.nan, 2.9]
    broken = mos("a", "mvc", values, ["ok", "ok", "error", "ok"])
    result = analyze([broken, mos("a", "styletts2", [3.1, 3.0, 3.3, 2.0, 2.5])],
                     ["mvc", "styletts2"], settings())
    est = result.estimates.set_index("system")
    assert (est.loc["mvc", "n_rows"], est.loc["mvc", "n"]) == (4, 3)
    assert est.loc["mvc", "note"] == "1 error"
    assert result.comparisons.iloc[0]["n_pairs"] == 3
