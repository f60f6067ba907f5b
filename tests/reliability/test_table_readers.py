"""The readers of exchanged tables (mvc.exchange) on files written by the real writers and
then damaged: every damage is an InputError naming the file (and line) and the fix; an
undamaged file reads back as written."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from mvc.cli import main
from mvc.data.manifest import Utterance, read_manifest, write_manifest
from mvc.errors import InputError
from mvc.exchange import INTEGER, NUMBER, STATUS, Column, Layout, read_table, stamp_of
from mvc.report.metrics_summary import summarize_scores
from mvc.stats.analysis import analyze
from mvc.stats.scores import read_score_table
from mvc.stats.settings import stats_settings
from mvc.stats.stage import listener_cmos, read_stats, write_stats
from tests.score_tables import write_score_table

STATISTICS = {
    "reference": "styletts2", "not_compared": [], "n_resamples": 200, "confidence": 0.95,
    "method": "percentile", "test": "permutation", "seed": 0,
    "columns": [{"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
                 "direction": "higher"}],
    "tables": [{"name": "t", "title": "T", "testsets": ["vctk"]}]}
VALUES = {"styletts2": [3.768, 3.5, 4.25, 2.875, 3.125, 4.0],
          "mvc": [3.9, 3.625, 4.5, 3.0, 3.25, 4.125]}


def mos_rows(values):
    rows = [{"utt_id": f"u{i}", "status": "ok", "mos_proxy": v, "hypothesis": f"text {i}"}
            for i, v in enumerate(values)]
    rows[-1] = {"utt_id": rows[-1]["utt_id"], "status": "error", "error": "audio is silent"}
    return rows


def score_path(root, system="styletts2"):
    return root / "metrics" / "vctk" / system / "dnsmos.csv"


@pytest.fixture
def scores(tmp_path):
    return [write_score_table(score_path(tmp_path, system), ["mos_proxy", "hypothesis"],
                              mos_rows(values)) for system, values in VALUES.items()]


@pytest.fixture
def stats_dir(tmp_path, scores):
    ratings = tmp_path / "ratings.csv"
    ratings.write_text("rater,utterance,system_a,system_b,score\n" + "".join(
        f"r{r},u{u},mvc,styletts2,{1 + (r + u) % 2}\n" for r in range(3) for u in range(4)))
    settings = stats_settings({**STATISTICS, "listener_ratings": str(ratings)})
    result = analyze([read_score_table(p) for p in scores], list(VALUES), settings)
    out = tmp_path / "stats"
    write_stats(result, settings, listener_cmos(ratings, settings), out)
    return out, result


def fails(read, path, *fragments):
    """The InputError of `read(path)`; its text names `path`, the fragments and a fix."""
    with pytest.raises(InputError) as caught:
        read(path)
    text = str(caught.value)
    assert str(path) in caught.value.where, text
    assert "Fix: " in text
    for fragment in fragments:
        assert fragment in text, text
    return caught.value


def cut(path, after):
    """Truncate `path` just after the last occurrence of `after` (a write cut short)."""
    data = path.read_bytes()
    path.write_bytes(data[:data.rindex(after.encode()) + len(after)])


# Round trips.

def test_a_score_table_reads_back_as_written(tmp_path):
    rows = mos_rows([3.768, math.nan, 1e-17])
    path = write_score_table(score_path(tmp_path), ["mos_proxy", "hypothesis"], rows)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert sidecar["csv_rows"] == 3 and len(sidecar["csv_sha256"]) == 64
    assert sidecar["column_kinds"] == {"mos_proxy": "number", "hypothesis": "text"}
    table = read_score_table(path).table
    assert list(table.columns) == ["utt_id", "speaker", "language", "status", "mos_proxy",
                                   "hypothesis", "error", "warning"]
    assert list(table["utt_id"]) == ["u0", "u1", "u2"]
    assert list(table["status"]) == ["ok", "ok", "error"]
    assert table["mos_proxy"].iloc[0] == 3.768 and math.isnan(table["mos_proxy"].iloc[1])
    assert math.isnan(table["mos_proxy"].iloc[2])  # the error row has no value
    assert list(table["hypothesis"]) == ["text 0", "text 1", ""]
    assert list(table["error"]) == ["", "", "audio is silent"]


def test_the_stats_directory_reads_back_as_written(stats_dir):
    out, result = stats_dir
    back, listeners = read_stats(out)
    assert back.notes == result.notes
    for name in ("estimates", "comparisons", "best", "differences"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name),
                                      check_dtype=False, obj=name)
    assert back.estimates["n"].tolist() == [5, 5]
    assert listeners is not None and listeners.iloc[0]["n_ratings"] == 12
    stamps = json.loads((out / "stats.json").read_text())["tables"]
    assert sorted(stamps) == ["best.csv", "comparisons.csv", "differences.csv",
                              "estimates.csv", "listener_cmos.csv"]
    assert stamps["differences.csv"]["csv_rows"] == 5


# Truncation and changes after writing.

def test_a_number_cut_mid_write_is_detected(scores):
    path = scores[0]
    text = path.read_text()
    path.write_text(text.replace("3.768", "3.7", 1))  # still a number: only the stamp knows
    fails(read_score_table, path, "changed or truncated after it was written",
          "6 rows / sha256", "rescore it", "snakemake")
    cut(path, "2.8")  # and a cut at the end, inside the last number written (2.875)
    fails(lambda p: summarize_scores([p]), path, "changed or truncated", "snakemake")


def test_a_row_cut_inside_its_status_is_detected(scores):
    path = scores[0]
    cut(path, "u4,s1,en-us,o")
    fails(read_score_table, path, "changed or truncated", "6 rows / sha256",
          "found 5 rows / sha256")


def test_a_truncated_estimates_csv_is_detected(stats_dir):
    out, _ = stats_dir
    estimates = out / "estimates.csv"
    first = estimates.read_text().splitlines()[1]
    number = first.split(",")[-4]  # the estimate cell of the first row
    data = estimates.read_bytes()
    estimates.write_bytes(data[:data.index(number.encode()) + 3])
    error = fails(lambda _: read_stats(out), estimates, "changed or truncated",
                  "statistics stage", "snakemake results/stats")
    assert error.where == str(estimates)


def test_a_truncated_stats_json_is_a_message(stats_dir):
    out, _ = stats_dir
    cut(out / "stats.json", '"notes"')
    fails(lambda _: read_stats(out), out / "stats.json", "not valid JSON",
          "snakemake results/stats")


def test_a_stats_json_without_stamps_is_a_message(stats_dir):
    out, _ = stats_dir
    record = json.loads((out / "stats.json").read_text())
    del record["tables"]
    (out / "stats.json").write_text(json.dumps(record))
    fails(lambda _: read_stats(out), out / "stats.json", "older version", "snakemake")


# Empty, header-only, older and duplicate score tables.

def test_an_empty_score_table_is_a_message_also_through_mvc_stats(tmp_path, scores, capsys):
    scores[0].write_bytes(b"")
    fails(read_score_table, scores[0], "empty file", "rescore it")
    config = json.dumps({"statistics": STATISTICS})
    assert main(["stats", "--scores", *map(str, scores), "--systems", *VALUES,
                 "--config", config, "--out", str(tmp_path / "stats")]) == 2
    err = capsys.readouterr().err
    assert f"{scores[0]}: empty file" in err and "Fix: rescore it" in err
    assert not (tmp_path / "stats").exists()


def test_a_header_only_score_table_is_a_message(tmp_path, scores):
    written = write_score_table(score_path(tmp_path, "empty"), ["mos_proxy"], [])
    fails(read_score_table, written, "a header and no rows", "rescore it")
    cut(scores[0], "error,warning\n")  # cut after the header: the stamp says 6 rows
    fails(lambda p: summarize_scores([p]), scores[0], "changed or truncated", "found 0 rows")


def test_a_score_table_without_rows_and_sha256_is_a_message(scores):
    sidecar = scores[0].with_suffix(".json")
    record = json.loads(sidecar.read_text())
    del record["csv_rows"], record["csv_sha256"]
    sidecar.write_text(json.dumps(record))
    error = fails(lambda _: read_score_table(scores[0]), sidecar, "older version",
                  "rescore it", f"snakemake {scores[0]}")
    assert error.where == str(sidecar)
    sidecar.unlink()
    fails(lambda _: read_score_table(scores[0]), sidecar, "not found", "rescore it")


def test_duplicate_utt_ids_are_refused_at_write_and_at_read(tmp_path, scores):
    rows = mos_rows([1.0, 2.0, 3.0])
    rows[2]["utt_id"] = "u0"
    with pytest.raises(ValueError, match=r"duplicate utt_id\(s\) \['u0'\]"):
        write_score_table(score_path(tmp_path, "twice"), ["mos_proxy"], rows)
    # A table that repeats an id under a matching stamp (another writer's bug) fails to read.
    path = scores[0]
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]))
    sidecar = path.with_suffix(".json")
    record = {**json.loads(sidecar.read_text()), **stamp_of(path.read_bytes()).record()}
    sidecar.write_text(json.dumps(record))
    error = fails(read_score_table, path, "utt_id 'u0' again (first on line 2)")
    assert error.where == f"{path}:8"


# The layout checks a stamp cannot make, on tables read without one.

@pytest.mark.parametrize(("row", "problem"), [
    ("u1,ok,3.5x,2", "value '3.5x' is not a number"),
    ("u1,okay,3.5,2", "status 'okay' is not one of ok/error/unavailable"),
    ("u1,ok,inf,2", "value 'inf': a finite number is required"),
    ("u1,ok,,2", "value '': a finite number is required"),
    ("u1,ok,3.5,2.5", "count '2.5' is not an integer"),
    ("u1,ok,3.5", "3 fields, the header has 4"),
])
def test_a_bad_cell_names_its_line(tmp_path, row, problem):
    path = tmp_path / "t.csv"
    path.write_text(f"utt_id,status,value,count\nu0,ok,1.0,1\n{row}\n")
    layout = Layout((Column("utt_id"), Column("status", STATUS), Column("value", NUMBER, True),
                     Column("count", INTEGER)), "rerun the stage that writes it")
    with pytest.raises(InputError, match="Fix: rerun the stage") as caught:
        read_table(path, layout, None)
    assert caught.value.where == f"{path}:3" and caught.value.problem == problem


def test_a_missing_column_names_the_header_line(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("utt_id,value\nu0,1\n")
    layout = Layout((Column("utt_id"), Column("status", STATUS)), "rerun it")
    with pytest.raises(InputError, match=r"no column\(s\) \['status'\]") as caught:
        read_table(path, layout, None)
    assert caught.value.where == f"{path}:1"


# The manifest.

def test_a_non_utf8_manifest_names_the_line(tmp_path):
    path = tmp_path / "manifest.csv"
    write_manifest([Utterance(f"u{i}", "s1", "es", f"hola {i}", "", math.nan, "test")
                    for i in range(3)], path)
    assert len(read_manifest(path)) == 3
    path.write_bytes(path.read_bytes().replace(b"hola 1", "ol\xe9 1".encode("latin-1")))
    error = fails(read_manifest, path, "not UTF-8 text (byte 0xe9 at column",
                  "save it as UTF-8", "snakemake results/manifests/")
    assert error.where == f"{path}:3"


def test_a_truncated_manifest_is_detected_by_its_sidecars_stamp(tmp_path):
    """`mvc manifest` records the manifest's stamp in its sidecar: a text cut at the end
    (a WER reference shortened) is refused; a manifest made by hand, without one, is read."""
    path = tmp_path / "vctk.csv"
    rows = [Utterance(f"u{i}", "s1", "en-us", f"Please call Stella {i}.", "", math.nan, "test")
            for i in range(3)]
    stamp = write_manifest(rows, path)
    assert len(read_manifest(path)) == 3  # no sidecar: read as it is
    path.with_suffix(".json").write_text(json.dumps({"dataset": "vctk", **stamp.record()}))
    assert read_manifest(path) == rows
    path.write_bytes(path.read_bytes()[:-12])  # "...Stella 2." cut inside its text
    fails(read_manifest, path, "changed or truncated after it was written",
          "3 rows / sha256", "rebuild it")


def test_numbers_stay_numbers_after_reading(scores):
    table = read_score_table(scores[1]).table
    assert table["mos_proxy"].dtype == np.float64
    assert table["mos_proxy"].iloc[:5].tolist() == VALUES["mvc"][:5]
