"""The scoring loop: one row per manifest row, errors and n/a as rows, a content cache."""

import csv
import json
import math
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from mvc.audio import load, save
from mvc.cli import main
from mvc.data.manifest import Utterance, write_manifest
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.registry import make_metric
from mvc.eval.scoring import ScoreCache, items_for, score_directory, score_items, write_scores

SR = 16000


class Peak:
    """A stand-in metric: the peak of the system's audio; Spanish is unavailable."""

    name: ClassVar[str] = "peak"
    version: ClassVar[str] = "1"
    needs_reference_audio: ClassVar[bool] = False
    columns = ("peak",)

    def __init__(self) -> None:
        self.calls = 0

    def settings(self) -> dict:
        return {"scale": 1.0}

    def unavailable(self, language: str) -> str | None:
        return "no Spanish model here" if language == "es" else None

    def score(self, item: ScoreItem) -> dict:
        self.calls += 1
        audio, _ = load(item.audio_path)
        return {"peak": float(np.max(np.abs(audio)))}


def tone(amp: float) -> np.ndarray:
    return (amp * np.sin(2 * np.pi * 200 * np.arange(SR // 4) / SR)).astype(np.float32)


@pytest.fixture
def setup(tmp_path):
    system = tmp_path / "system"
    rows = []
    for i, (language, amp) in enumerate([("en-us", 0.5), ("en-us", 0.25), ("es", 0.5),
                                         ("en-us", 0.0), ("en-us", 0.5)]):
        utt = f"u{i}"
        rows.append(Utterance(utt, "s1", language, f"text {i}", "", math.nan, "test"))
        if i != 4:
            save(system / f"{utt}.wav", tone(amp), SR)
    return rows, system


def test_every_row_scored_or_explained_in_order(setup):
    rows, system = setup
    scored = score_items(Peak(), items_for(rows, system))
    assert [r["utt_id"] for r in scored] == ["u0", "u1", "u2", "u3", "u4"]
    assert [r["status"] for r in scored] == ["ok", "ok", "unavailable", "error", "error"]
    assert scored[0]["peak"] == pytest.approx(0.5, abs=1e-3)
    assert scored[1]["peak"] == pytest.approx(0.25, abs=1e-3)
    assert scored[2]["error"] == "no Spanish model here"
    assert "u3.wav: audio is silent" in scored[3]["error"]
    assert "u4.wav: the system's output for this utterance is missing" in scored[4]["error"]
    assert "corpus" not in scored[4]["error"] and "--system-dir" in scored[4]["error"]


def test_cache_recomputes_only_what_changed(setup, tmp_path):
    rows, system = setup
    cache = ScoreCache(tmp_path / "cache")
    first = Peak()
    score_items(first, items_for(rows, system), cache)
    assert first.calls == 3  # u0, u1, u3 (silent); u4 is missing, u2 n/a
    again = Peak()
    assert score_items(again, items_for(rows, system), cache) == score_items(
        first, items_for(rows, system), None)
    assert again.calls == 0  # the missing file is retried, but never reaches the metric
    save(system / "u1.wav", tone(0.125), SR)
    changed = Peak()
    scored = score_items(changed, items_for(rows, system), cache)
    assert changed.calls == 1 and scored[1]["peak"] == pytest.approx(0.125, abs=1e-3)


def test_written_csv_and_sidecar(setup, tmp_path):
    rows, system = setup
    metric = Peak()
    out = tmp_path / "peak.csv"
    write_scores(score_items(metric, items_for(rows, system)), metric, out, {"system_dir": "x"})
    with out.open() as f:
        table = list(csv.DictReader(f))
    assert list(table[0]) == ["utt_id", "speaker", "language", "status", "peak", "error",
                              "warning"]
    assert len(table) == 5 and table[2]["peak"] == ""
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert (sidecar["ok"], sidecar["error"], sidecar["unavailable"]) == (2, 2, 1)
    assert sidecar["unavailable_reasons"] == ["no Spanish model here"]
    assert sidecar["settings"] == {"scale": 1.0} and sidecar["system_dir"] == "x"


def test_reference_metric_without_reference_is_a_row_error(setup):
    rows, system = setup

    class NeedsReference(Peak):
        needs_reference_audio = True

    scored = score_items(NeedsReference(), items_for(rows[:1], system))
    assert scored[0]["status"] == "error" and "has no reference audio" in scored[0]["error"]


def test_unknown_metric_and_bad_settings():
    with pytest.raises(InputError, match="unknown metric"):
        make_metric("nonsense")


def test_cli_missing_system_dir(tmp_path, capsys):
    manifest = tmp_path / "m.csv"
    write_manifest([Utterance("u0", "s", "en-us", "hi", "", math.nan, "test")], manifest)
    code = main(["score", "--system-dir", str(tmp_path / "none"), "--manifest", str(manifest),
                 "--metrics", '{"wer": {}}', "--out-dir", str(tmp_path / "o")])
    assert code == 2 and "system directory not found" in capsys.readouterr().err
    assert not Path(tmp_path / "o").exists()


@pytest.fixture
def with_reference(tmp_path):
    """Three utterances whose recordings are 200 Hz tones; the system's are 220 Hz."""
    system = tmp_path / "system"
    rows = []
    for i in range(3):
        reference = tmp_path / "recordings" / f"u{i}.wav"
        t = np.arange(SR // 2) / SR
        save(reference, (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), SR)
        save(system / f"u{i}.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), SR)
        rows.append(Utterance(f"u{i}", "s1", "en-us", f"text {i}", str(reference), 0.5, "test"))
    return rows, system


def test_one_call_writes_what_one_call_per_metric_writes(with_reference, tmp_path):
    rows, system = with_reference
    metrics = {"mcd": {"analysis_rate": 16000}, "f0_rmse": None}
    written = score_directory(metrics, rows, system, tmp_path / "together", None, {"x": 1})
    assert written == [tmp_path / "together" / "mcd.csv", tmp_path / "together" / "f0_rmse.csv"]
    for name, settings in metrics.items():
        metric = make_metric(name, settings)
        alone = tmp_path / "alone" / f"{name}.csv"
        write_scores(score_items(metric, items_for(rows, system)), metric, alone, {"x": 1})
        for suffix in (".csv", ".json"):
            assert ((tmp_path / "together" / name).with_suffix(suffix).read_text()
                    == alone.with_suffix(suffix).read_text())
    with (tmp_path / "together" / "f0_rmse.csv").open() as f:
        assert [row["status"] for row in csv.DictReader(f)] == ["ok"] * 3


def test_bad_settings_of_any_metric_stop_before_anything_is_scored(with_reference, tmp_path):
    rows, system = with_reference
    with pytest.raises(InputError, match=r"metric 'f0_rmse'.*bad settings"):
        score_directory({"mcd": {}, "f0_rmse": {"no_such_setting": 1}}, rows, system,
                        tmp_path / "out", None, {})
    assert not (tmp_path / "out").exists()
    with pytest.raises(InputError, match="no metric given"):
        score_directory({}, rows, system, tmp_path / "out", None, {})


def test_cli_scores_several_metrics_into_the_directory(with_reference, tmp_path):
    rows, system = with_reference
    manifest = tmp_path / "m.csv"
    write_manifest(rows, manifest)
    code = main(["score", "--system-dir", str(system), "--manifest", str(manifest),
                 "--metrics", '{"mcd": {}, "f0_rmse": {}}', "--out-dir", str(tmp_path / "o")])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "f0_rmse.csv", "f0_rmse.json", "mcd.csv", "mcd.json"]
    assert json.loads((tmp_path / "o" / "mcd.json").read_text())["ok"] == 3
