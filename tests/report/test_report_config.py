"""The report section's error paths through `mvc report tables|plots`: a bad or missing
report key is an InputError naming it and the fix, raised before any input is read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from mvc.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((ROOT / "configs/default.yaml").read_text(encoding="utf-8"))
SECTIONS = {key: SHIPPED[key] for key in ("statistics", "report", "prosody")}


def report(command: str, config: dict, tmp_path: Path) -> int:
    extra = ["--manifests", str(tmp_path / "m.csv")] if command == "tables" else []
    return main(["report", command, "--stats", str(tmp_path / "no_stats"), "--systems", "mvc",
                 "--config", json.dumps(config), "--out", str(tmp_path / "out"), *extra])


@pytest.mark.parametrize("command", ["tables", "plots"])
@pytest.mark.parametrize(("section", "message"), [
    ({"f0_frame_ms": 5.0, "bench_len": 4096},
     "report: unknown keys ['bench_len']. Fix: allowed keys are ['bench_length', "
     "'f0_frame_ms']"),
    ({"f0_frame_ms": 5.0}, "report: missing keys ['bench_length']. Fix: add them"),
    ({"f0_frame_ms": "5 ms", "bench_length": 4096},
     "report.f0_frame_ms: '5 ms' is not of type <class 'float'>"),
    (None, "config: missing key 'report'. Fix: add report to the config"),
])
def test_a_bad_report_section_is_named_before_any_input_is_read(command, section, message,
                                                                tmp_path, capsys):
    config = {**SECTIONS, "report": section} if section else {
        k: v for k, v in SECTIONS.items() if k != "report"}
    assert report(command, config, tmp_path) == 2
    err = capsys.readouterr().err
    assert message in err and "no_stats" not in err


def test_with_a_good_section_the_missing_stats_directory_is_the_error(tmp_path, capsys):
    assert report("tables", SECTIONS, tmp_path) == 2
    err = capsys.readouterr().err
    assert f"{tmp_path / 'no_stats'}: not a statistics stage output (missing [" in err
    assert "Fix: run the statistics stage first (snakemake results/stats)" in err
