"""The `mvc` command: bad input exits 2 with the file and the fix; steps run by hand."""

import csv
import json

import numpy as np
import pytest

from mvc.audio import save
from mvc.cli import main


def test_missing_config_file_exits_2_with_message(tmp_path, capsys):
    code = main(["manifest", "ljspeech", "--config", str(tmp_path / "none.yaml"),
                 "--out", str(tmp_path / "m.csv")])
    assert code == 2
    err = capsys.readouterr().err
    assert "mvc manifest: error:" in err and "none.yaml: config file not found" in err


def test_missing_corpus_root_names_it(tmp_path, capsys):
    config = {"seed": 1, "datasets": {"lj": {
        "adapter": "ljspeech", "root": str(tmp_path / "LJSpeech-1.1"),
        "split": {"by": "utterance", "fractions": {"train": 1.0}}}}}
    code = main(["manifest", "lj", "--config", json.dumps(config),
                 "--out", str(tmp_path / "m.csv")])
    assert code == 2
    assert "LJSpeech-1.1" in capsys.readouterr().err
    assert not (tmp_path / "m.csv").exists()


def test_manifest_by_hand_with_skip_bad_lists_what_it_skipped(tmp_path, capsys):
    root = tmp_path / "LJSpeech-1.1"
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(11025) / 22050)
    save(root / "wavs" / "LJ001-0001.wav", tone, 22050)
    (root / "metadata.csv").write_text("LJ001-0001|Hi there.|Hi there.\n"
                                       "LJ001-0002|Gone.|Gone.\n")
    config = {"seed": 1, "datasets": {"lj": {
        "adapter": "ljspeech", "root": str(root),
        "split": {"by": "utterance", "fractions": {"train": 1.0}}}}}
    out = tmp_path / "m.csv"
    assert main(["manifest", "lj", "--config", json.dumps(config), "--out", str(out)]) == 2
    assert "LJ001-0002.wav: audio file not found" in capsys.readouterr().err
    assert main(["manifest", "lj", "--config", json.dumps(config), "--out", str(out),
                 "--skip-bad"]) == 0
    with out.open() as f:
        assert [r["utt_id"] for r in csv.DictReader(f)] == ["LJ001-0001"]
    with out.with_suffix(".skipped.csv").open() as f:
        skipped = list(csv.DictReader(f))
    assert len(skipped) == 1 and "LJ001-0002.wav" in skipped[0]["where"] + skipped[0]["reason"]
    sidecar = json.loads(out.with_suffix(".json").read_text())
    assert sidecar["utterances"] == 1 and sidecar["skipped"] == 1


def test_unknown_subcommand_is_a_usage_error():
    with pytest.raises(SystemExit) as exit_info:
        main(["nonsense"])
    assert exit_info.value.code == 2


def test_skip_bad_belongs_to_the_dataset_not_the_adapter_options(tmp_path, capsys):
    config = {"seed": 1, "datasets": {"lj": {
        "adapter": "ljspeech", "root": str(tmp_path), "options": {"skip_bad": True},
        "split": {"by": "utterance", "fractions": {"train": 1.0}}}}}
    assert main(["manifest", "lj", "--config", json.dumps(config),
                 "--out", str(tmp_path / "m.csv")]) == 2
    assert "set datasets.lj.skip_bad instead" in capsys.readouterr().err


def test_report_params_items_name_their_system_or_take_it_from_the_directory():
    from mvc.cli import _params_item

    assert _params_item("mvc_w8=results/train/mvc/params.json") == (
        "mvc_w8", "results/train/mvc/params.json")
    assert _params_item("results/train/hybrid/params.json") == (
        "hybrid", "results/train/hybrid/params.json")
