"""CMOS: paired MOS-proxy differences and listener ratings, checked against hand computations."""

import math

import pandas as pd
import pytest

from mvc.errors import InputError
from mvc.eval.cmos import cmos_proxy, read_listener_ratings, read_ratings

HEADER = "rater,utterance,system_a,system_b,score\n"


def scores(rows: list[tuple]) -> pd.DataFrame:
    """A scoring-loop table: utt_id, status, mos_proxy, error."""
    return pd.DataFrame(rows, columns=["utt_id", "status", "mos_proxy", "error"])


@pytest.fixture
def tables():
    return {
        "mvc": scores([("u1", "ok", 3.0, ""), ("u2", "ok", 3.5, ""), ("u3", "ok", 2.0, ""),
                       ("u4", "ok", 4.0, ""), ("u6", "error", math.nan, "u6.wav: silent")]),
        "vits": scores([("u1", "ok", 2.5, ""), ("u2", "ok", 4.0, ""), ("u3", "ok", 2.25, ""),
                        ("u4", "error", math.nan, "u4.wav: audio file not found"),
                        ("u5", "ok", 3.0, ""), ("u6", "ok", 3.0, "")]),
        "hybrid": scores([("u2", "ok", 3.0, ""), ("u4", "ok", 4.5, ""),
                          ("u1", "ok", math.nan, "")]),
    }


def test_paired_differences_on_shared_ids(tables):
    result = cmos_proxy(tables, "mvc")
    table = result.table.set_index(["system", "utt_id"])["cmos"].to_dict()
    assert table == {("hybrid", "u2"): -0.5, ("hybrid", "u4"): 0.5,
                     ("vits", "u1"): -0.5, ("vits", "u2"): 0.5, ("vits", "u3"): 0.25}
    assert result.matched == {"hybrid": 2, "vits": 3}
    assert set(result.table["reference_system"]) == {"mvc"}
    row = result.table.set_index(["system", "utt_id"]).loc[("vits", "u3")]
    assert (row["system_mos"], row["reference_mos"]) == (2.25, 2.0)


def test_every_unpaired_utterance_is_returned_with_its_reason(tables):
    unmatched = cmos_proxy(tables, "mvc").unmatched
    reasons = {(r.system, r.utt_id): r.reason for r in unmatched.itertuples()}
    assert reasons == {
        ("vits", "u4"): "vits: status error: u4.wav: audio file not found",
        ("vits", "u5"): "not in the scores of mvc",
        ("vits", "u6"): "mvc: status error: u6.wav: silent",
        ("hybrid", "u1"): "hybrid: no mos_proxy score",
        ("hybrid", "u3"): "not in the scores of hybrid",
        ("hybrid", "u6"): "not in the scores of hybrid",
    }
    # every utterance of every system is either paired or listed
    result = cmos_proxy(tables, "mvc")
    for system in ("vits", "hybrid"):
        ids = set(tables[system]["utt_id"]) | set(tables["mvc"]["utt_id"])
        paired = set(result.table.query("system == @system")["utt_id"])
        assert paired | set(unmatched.query("system == @system")["utt_id"]) == ids
        assert not paired & set(unmatched.query("system == @system")["utt_id"])


def test_other_column_and_tables_without_status(tables):
    plain = {name: t[["utt_id", "mos_proxy"]].rename(columns={"mos_proxy": "dnsmos_bak"})
             for name, t in tables.items()}
    result = cmos_proxy(plain, "vits", column="dnsmos_bak")
    assert result.matched == {"hybrid": 1, "mvc": 3}  # mvc u6 has no value
    assert result.table.query("system == 'hybrid'")["cmos"].tolist() == [-1.0]


def test_bad_tables_are_input_errors(tables):
    with pytest.raises(InputError, match="reference system 'styletts2'"):
        cmos_proxy(tables, "styletts2")
    with pytest.raises(InputError, match=r"no column\(s\) \['utmos'\]"):
        cmos_proxy(tables, "mvc", column="utmos")
    doubled = {**tables, "vits": pd.concat([tables["vits"], tables["vits"].iloc[:1]])}
    with pytest.raises(InputError, match=r"utterances \['u1'\] appear twice"):
        cmos_proxy(doubled, "mvc")


def test_listener_ratings_per_utterance_means_with_sign_convention(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(HEADER.replace("score", "score,session") +
                    "r1,u1,vits,mvc,-2,s1\n"      # vits worse than mvc by 2
                    "r2,u1,mvc,vits,1,s1\n"       # mvc better than vits by 1: vits -1
                    "\n"
                    "r1,u2,mvc,styletts2,-3,s2\n"  # styletts2 better by 3: +3
                    "r2,u2,styletts2,mvc,0,s2\n"
                    "r3,u2,mvc,styletts2,+1,s2\n"  # styletts2 worse by 1: -1
                    "r3,u1,mvc,styletts2,3,s2\n")
    table = read_listener_ratings(path, "mvc")
    assert list(table.columns) == ["utt_id", "system", "reference_system", "cmos",
                                   "n_ratings", "raters"]
    rows = {(r.utt_id, r.system): (r.cmos, r.n_ratings, r.raters) for r in table.itertuples()}
    assert rows == {("u1", "vits"): (-1.5, 2, "r1;r2"),
                    ("u2", "styletts2"): (pytest.approx(2 / 3), 3, "r1;r2;r3"),
                    ("u1", "styletts2"): (-3.0, 1, "r3")}
    assert set(table["reference_system"]) == {"mvc"}
    assert read_ratings(path, "mvc")["cmos"].tolist() == [-2, -1, 3, 0, -1, -3]


@pytest.mark.parametrize(("body", "message"), [
    ("r1,u1,mvc,vits,2\n\nr1,u2,mvc,vits,4\n", r"ratings.csv:4: score 4 is outside -3..\+3"),
    ("r1,u1,mvc,vits,1.5\n", r"ratings.csv:2: score '1.5' is not an integer"),
    ("r1,u1,mvc,vits,good\n", r"ratings.csv:2: score 'good' is not an integer"),
    ("r1,u1,mvc,vits,1\n ,u2,mvc,vits,1\n", r"ratings.csv:3: empty rater"),
    ("r1,u1,mvc,vits\n", r"ratings.csv:2: empty score"),
    ("r1,u1,vits,hybrid,1\n", r"ratings.csv:2: compares 'vits' with 'hybrid'"),
    ("r1,u1,mvc,mvc,1\n", r"ratings.csv:2: compares 'mvc' with 'mvc'"),
])
def test_bad_rating_rows_name_file_and_line(tmp_path, body, message):
    path = tmp_path / "ratings.csv"
    path.write_text(HEADER + body)
    with pytest.raises(InputError, match=message):
        read_listener_ratings(path, "mvc")


def test_missing_column_and_empty_file(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("rater,utterance,system_a,system_b\nr1,u1,mvc,vits\n")
    with pytest.raises(InputError, match=r"ratings.csv:1: missing column\(s\) \['score'\]"):
        read_listener_ratings(path, "mvc")
    path.write_text(HEADER)
    with pytest.raises(InputError, match="no ratings"):
        read_listener_ratings(path, "mvc")
