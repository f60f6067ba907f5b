"""The bad-input matrix of `mvc score` and of the metric settings: each case a new user hit
(issue 19), with the message or warning it must give. Each failed on the code before it."""

from __future__ import annotations

import copy
import json
import logging
import math
import types
import typing
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pytest
import yaml
from snakemake.utils import validate

from mvc.audio import save
from mvc.cli import main
from mvc.data.manifest import Utterance, write_manifest
from mvc.errors import InputError
from mvc.eval import mcep
from mvc.eval.base import ScoreItem
from mvc.eval.registry import METRIC_MODULES, make_metric, metric_class, settings_types
from mvc.eval.scoring import ScoreCache, score_directory
from mvc.stats.scores import read_score_table
from tests.workflow.conftest import run, scratch_copy

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "workflow" / "schemas" / "config.schema.yaml"
SR = 16000


def tone(seconds: float, hz: float, rate: int = SR, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * hz * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(
        np.float32)


def score_cli(tmp_path: Path, system: Path, manifest: Path, metrics: str, *extra: str) -> int:
    return main(["score", "--system-dir", str(system), "--manifest", str(manifest),
                 "--metrics", metrics, "--out-dir", str(tmp_path / "out"), *extra])


@pytest.fixture
def vctk_like(tmp_path):
    """Two VCTK speakers reading the same sentence, a system that ignores the speaker (the
    same file for both), and one recording per speaker."""
    system = tmp_path / "synth" / "blind" / "vctk"
    rows = []
    for speaker, hz in (("p225", 200.0), ("p226", 120.0)):
        reference = tmp_path / "recordings" / f"{speaker}_001.wav"
        save(reference, tone(1.0, hz), SR)
        utt = f"{speaker}_001"
        save(system / f"{utt}.wav", tone(1.0, 160.0), SR)
        rows.append(Utterance(utt, speaker, "en-us", "Please call Stella.", str(reference), 1.0,
                              "test"))
    manifest = tmp_path / "vctk.csv"
    write_manifest(rows, manifest)
    return rows, system, manifest


def test_a_shared_cache_entry_comes_back_under_each_asking_id(vctk_like, tmp_path):
    """The cache keys by content: identical audio and text under two ids (no reference in
    the key for DNSMOS-like metrics) must come back as two rows with their own ids."""
    rows, system, _ = vctk_like
    cache = ScoreCache(tmp_path / "cache")
    for _ in range(2):  # the second pass is served from the cache
        score_directory({"mcd_pymcd_plain": {}, "dnsmos": {}}, rows, system, tmp_path / "out",
                        cache, {})
        for metric in ("dnsmos", "mcd_pymcd_plain"):
            table = read_score_table(tmp_path / "out" / f"{metric}.csv").table
            assert list(table["utt_id"]) == ["p225_001", "p226_001"]
            assert list(table["speaker"]) == ["p225", "p226"]
    dnsmos = read_score_table(tmp_path / "out" / "dnsmos.csv").table
    assert dnsmos["mos_proxy"][0] == dnsmos["mos_proxy"][1]  # one content, one score


def test_a_cached_error_names_the_asking_file(tmp_path):
    system = tmp_path / "system"
    rows = []
    for utt in ("a", "b"):
        save(system / f"{utt}.wav", np.zeros(SR, dtype=np.float32), SR)  # identical silence
        rows.append(Utterance(utt, "s", "en-us", "same text", "", math.nan, "test"))
    cache = ScoreCache(tmp_path / "cache")
    for _ in range(2):
        score_directory({"dnsmos": {}}, rows, system, tmp_path / "out", cache, {},
                        all_errors_ok=True)
        table = read_score_table(tmp_path / "out" / "dnsmos.csv").table
        for utt, error in zip(table["utt_id"], table["error"], strict=True):
            assert f"{system / utt}.wav: audio is silent" in error


def test_a_split_with_no_row_stops_before_scoring(vctk_like, tmp_path, capsys):
    _, system, manifest = vctk_like
    assert score_cli(tmp_path, system, manifest, '{"dnsmos": {}}', "--split", "train") == 2
    assert "no manifest row to score (is --split right?)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_system_dir_one_level_off_names_what_it_found(vctk_like, tmp_path, capsys):
    _, system, manifest = vctk_like
    assert score_cli(tmp_path, system.parent, manifest, '{"dnsmos": {}}') == 2
    err = capsys.readouterr().err
    assert "none of the 2 rows' files (p225_001.wav, ...) is here (found: ['vctk'])" in err
    assert "point --system-dir at the directory holding {utt_id}.wav" in err
    assert not (tmp_path / "out").exists()


def test_every_row_an_error_exits_2_with_the_count_and_the_first(vctk_like, tmp_path, capsys):
    rows, system, manifest = vctk_like
    for row in rows:
        save(system / f"{row.utt_id}.wav", np.zeros(SR, dtype=np.float32), SR)
    assert score_cli(tmp_path, system, manifest, '{"dnsmos": {}}') == 2
    err = capsys.readouterr().err
    assert "every row is an error: dnsmos: 0 ok, 2 error, 0 unavailable; first:" in err
    assert "p225_001.wav: audio is silent" in err and "--all-errors-ok" in err
    assert read_score_table(tmp_path / "out" / "dnsmos.csv").table["status"].tolist() == [
        "error", "error"]  # written, for reading
    assert score_cli(tmp_path, system, manifest, '{"dnsmos": {}}', "--all-errors-ok") == 0


def test_the_counts_are_logged_per_metric(vctk_like, tmp_path, caplog):
    rows, system, _ = vctk_like
    (system / "p226_001.wav").unlink()
    with caplog.at_level(logging.INFO, logger="mvc.eval.scoring"):
        score_directory({"mcd": {}}, rows, system, tmp_path / "out", None, {})
    assert "mcd: 1 ok, 1 error, 0 unavailable in" in caplog.text


def test_an_out_dir_that_is_a_file_stops_before_scoring(vctk_like, tmp_path, capsys,
                                                        monkeypatch):
    _, system, manifest = vctk_like
    (tmp_path / "out").write_text("a file")
    monkeypatch.setattr("mvc.eval.scoring.score_items",
                        lambda *a: pytest.fail("scored before the output path was checked"))
    assert score_cli(tmp_path, system, manifest, '{"dnsmos": {}}') == 2
    assert "out: --out-dir is a file" in capsys.readouterr().err


def test_a_metrics_list_says_what_a_metrics_mapping_is(vctk_like, tmp_path, capsys):
    _, system, manifest = vctk_like
    assert score_cli(tmp_path, system, manifest, '["mcd"]') == 2
    err = capsys.readouterr().err
    assert '--metrics: ["mcd"] is a list' in err and '{"mcd": {}, "wer": {}}' in err
    assert "config file not found" not in err


def test_a_non_utf8_manifest_is_a_message(vctk_like, tmp_path, capsys):
    _, system, manifest = vctk_like
    manifest.write_bytes(manifest.read_bytes().replace(b"Stella", b"St\xe9lla"))
    assert score_cli(tmp_path, system, manifest, '{"dnsmos": {}}') == 2
    assert f"{manifest}:2: not UTF-8 text" in capsys.readouterr().err


@pytest.mark.parametrize(("settings", "message"), [
    ({"mcd": {"use_dtw": "no"}}, "metric 'mcd' settings.use_dtw: bad settings ('no' is not of "
                                 "type <class 'bool'>)"),
    ({"mcd": {"analysis_rate": "16000"}}, "settings.analysis_rate: bad settings ('16000' is "
                                          "not of type int | None)"),
    ({"f0_rmse": {"f0_method": "harvest", "usedtw": True}}, "unknown keys ['usedtw']"),
    ({"dnsmos": {"threads": 1.5}}, "settings.threads: bad settings (1.5 is not of type"),
    ({"mcdd": {}}, "metric 'mcdd': unknown metric"),
])
def test_bad_metric_settings_fail_before_any_model_loads(settings, message, vctk_like,
                                                         tmp_path, capsys):
    _, system, manifest = vctk_like
    assert score_cli(tmp_path, system, manifest, json.dumps(settings)) == 2
    err = capsys.readouterr().err
    assert message in err and "no order defined" not in err


def default_config() -> dict:
    return yaml.safe_load((ROOT / "configs" / "default.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("group", "metric", "settings", "message"), [
    ("with_reference", "mcd", {"use_dtw": "no"}, "'no' is not of type 'boolean'"),
    ("with_reference", "mcd", {"analysis_rate": "16000"}, "'16000' is not of type"),
    ("with_reference", "f0_rmse", {"f0_methd": "harvest"}, "'f0_methd' was unexpected"),
    ("reference_free", "dnsmos", {"mos_column": "overall"}, "'overall' is not one of"),
    ("reference_free", "wer", {"whisper": {"beam": 5}}, "'beam' was unexpected"),
    ("reference_free", "mcdd", {}, "'mcdd' was unexpected"),
])
def test_the_schema_rejects_bad_metric_settings(group, metric, settings, message):
    config = default_config()
    config["evaluation"]["metrics"][group][metric] = settings
    with pytest.raises(Exception, match=message):  # snakemake's WorkflowError
        validate(copy.deepcopy(config), str(SCHEMA))


def test_a_typo_in_a_metric_setting_fails_the_dry_run(tmp_path):
    workdir = scratch_copy(tmp_path)
    config = default_config()
    config["evaluation"]["metrics"]["with_reference"]["mcd"] = {"use_dtw": "no"}
    (workdir / "bad.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    result = run(workdir, "-n", "results/tables", "--configfile", "bad.yaml")
    assert result.returncode != 0
    assert "'no' is not of type 'boolean'" in result.stdout + result.stderr
    assert not (workdir / "results").exists()


SCHEMA_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string",
                type(None): "null"}


def schema_type(hint) -> set[str]:
    """The JSON-schema types a constructor's type hint admits."""
    arms = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    return {"object" if typing.get_origin(arm) is Mapping else SCHEMA_TYPES[arm]
            for arm in arms}


@pytest.mark.parametrize("name", sorted(METRIC_MODULES))
def test_the_schema_and_the_metric_classes_declare_the_same_settings(name):
    """Both ways: every constructor argument is in the schema with its type, and the schema
    declares nothing the constructor would reject."""
    schema = yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))
    entry = schema["$defs"]["metric_group"]["properties"][name]
    declared = schema["$defs"][entry["$ref"].rsplit("/", 1)[1]].get("properties", {})
    types = settings_types(metric_class(name))
    assert set(declared) == set(types)
    for key, hint in types.items():
        spec = declared[key]
        if "enum" in spec:
            assert hint is str, key
            continue
        admitted = {spec["type"]} if isinstance(spec["type"], str) else set(spec["type"])
        assert admitted == schema_type(hint), (key, hint, admitted)


def test_an_8khz_system_gets_its_mcd_with_a_warning(tmp_path, caplog):
    reference = tmp_path / "ref.wav"
    save(reference, tone(1.0, 150.0, 22050), 22050)
    save(tmp_path / "system" / "u.wav", tone(1.0, 150.0, 8000), 8000)
    rows = [Utterance("u", "s", "en-us", "a text", str(reference), 1.0, "test")]
    with caplog.at_level(logging.WARNING, logger="mvc.eval.scoring"):
        score_directory({"mcd": {"analysis_rate": 22050}, "f0_rmse": {}}, rows,
                        tmp_path / "system", tmp_path / "out", None, {})
    row = read_score_table(tmp_path / "out" / "mcd.csv").table.iloc[0]
    assert row["status"] == "ok"
    assert row["warning"].startswith("system audio is 8000 Hz, analysed at 22050 Hz: it has "
                                     "nothing from 4000 to 11025 Hz")
    # F0 is estimated below 800 Hz: the missing band does not bias it, so no warning.
    assert read_score_table(tmp_path / "out" / "f0_rmse.csv").table.iloc[0]["warning"] == ""
    assert "mcd: 1 rows with a warning; first (u): system audio is 8000 Hz" in caplog.text
    same_rate = make_metric("mcd", {"analysis_rate": 22050})
    item = ScoreItem("u", str(reference), "a text", "en-us", "s", str(reference))
    assert same_rate.score(item)["warning"] == ""


def test_a_pair_too_long_to_align_fails_before_any_analysis(tmp_path, monkeypatch):
    """A 10-minute pair spent 3.2 GB and a minute on features before DTW refused it; the
    frame counts in the headers say so first."""
    long_file = tmp_path / "long.wav"
    save(long_file, tone(60.0, 150.0, 8000), 8000)
    monkeypatch.setattr(mcep.WorldAnalysis, "features",
                        lambda *a: pytest.fail("analysed a pair it cannot align"))
    item = ScoreItem("u", str(long_file), "a text", "en-us", "s", str(long_file))
    for name in ("mcd", "f0_rmse"):
        with pytest.raises(InputError, match=r"utterance u: aligning 12001 x 12001 frames "
                                             r"needs 144024001 DTW cells, more than "
                                             r"max_dtw_cells \(100000000"):
            make_metric(name, {"max_dtw_cells": 100_000_000}).score(item)
