"""`mvc stats` end to end on score files: the stage directory, listener CMOS, bad input."""

import json

import numpy as np
import pytest

from mvc.cli import main
from mvc.stats.stage import read_stats
from tests.score_tables import write_score_table

STATISTICS = {
    "reference": "styletts2", "not_compared": ["ground_truth"], "n_resamples": 500,
    "confidence": 0.95, "method": "bca", "test": "permutation", "seed": 0,
    "columns": [{"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
                 "direction": "higher"}],
    "tables": [{"name": "t", "title": "T", "testsets": ["vctk"]}]}


def write_scores(root, system, values):
    path = root / "metrics" / "vctk" / system / "dnsmos.csv"
    return str(write_score_table(path, ["mos_proxy"], [
        {"utt_id": f"u{i}", "status": "ok", "mos_proxy": v} for i, v in enumerate(values)]))


@pytest.fixture
def scores(tmp_path):
    rng = np.random.default_rng(0)
    base = rng.normal(3.0, 0.3, 20)
    return [write_scores(tmp_path, "styletts2", base),
            write_scores(tmp_path, "mvc", base + 0.3 + rng.normal(0, 0.05, 20))]


def test_stats_command_writes_the_stage_with_listener_cmos(tmp_path, scores):
    ratings = tmp_path / "ratings.csv"
    lines = ["rater,utterance,system_a,system_b,score"]
    lines += [f"r{r},u{u},mvc,styletts2,{1 + (r + u) % 2}" for r in range(4) for u in range(5)]
    lines += ["r0,u0,styletts2,mvc,-2"]  # the reference first: the score is negated
    ratings.write_text("\n".join(lines) + "\n")
    config = json.dumps({"statistics": {**STATISTICS, "listener_ratings": str(ratings)}})
    out = tmp_path / "stats"
    assert main(["stats", "--scores", *scores, "--systems", "mvc", "styletts2",
                 "--config", config, "--out", str(out)]) == 0
    result, listeners = read_stats(out)
    assert set(result.estimates["system"]) == {"mvc", "styletts2"}
    row = result.comparisons.iloc[0]
    assert (row["system"], row["other"], row["n_pairs"]) == ("mvc", "styletts2", 20)
    assert row["significant"]
    assert len(result.differences) == 20
    cmos = listeners.iloc[0]
    assert (cmos["system"], cmos["n_ratings"], cmos["n_raters"], cmos["n_utterances"]) == (
        "mvc", 21, 4, 5)
    assert cmos["cmos"] == pytest.approx((sum(1 + (r + u) % 2 for r in range(4)
                                              for u in range(5)) + 2) / 21)
    assert cmos["ci_low"] <= cmos["cmos"] <= cmos["ci_high"]


def test_a_scored_system_missing_from_systems_is_an_error(tmp_path, scores, capsys):
    config = json.dumps({"statistics": STATISTICS})
    assert main(["stats", "--scores", *scores, "--systems", "mvc", "--config", config,
                 "--out", str(tmp_path / "stats")]) == 2
    assert "['styletts2'] not in --systems" in capsys.readouterr().err
