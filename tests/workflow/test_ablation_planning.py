"""How the workflow plans the ablations (dry runs on the smoke config, nothing executed): a
look-ahead variant synthesizes mvc's checkpoint with no train job of its own, a trained
ablation gets its own train job, the efficiency table reads a variant's parameter counts
from mvc's params.json, and a checkpoint_from naming no trained system fails early."""

import re
from pathlib import Path

import pytest
import yaml

from .conftest import run, scratch_copy


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return scratch_copy(tmp_path_factory.mktemp("ablations"))


def planned(workdir: Path, *args: str) -> tuple[dict[str, list[str]], str]:
    """Each planned rule's output lines, and the dry run's printout with shell commands."""
    result = run(workdir, *args, "--dry-run", "--printshellcmds")
    assert result.returncode == 0, result.stderr[-4000:]
    jobs: dict[str, list[str]] = {}
    for rule, output in re.findall(r"^rule (\w+):\n(?:    .*\n)*?    output: (.*)$",
                                   result.stdout, flags=re.MULTILINE):
        jobs.setdefault(rule, []).append(output)
    return jobs, result.stdout


def test_a_lookahead_variant_synthesizes_mvcs_checkpoint_without_training(workdir):
    jobs, shell = planned(workdir, "results/synth/mvc_w8/vctk", "--configfile",
                          "configs/smoke.yaml")
    assert [o.split(", ")[0] for o in jobs["train"]] == ["results/train/mvc/checkpoint.pt"]
    assert jobs["synth"] == ["results/synth/mvc_w8/vctk"]
    command = next(line for line in shell.splitlines() if "mvc synth run" in line)
    assert "--system mvc_w8 --checkpoint results/train/mvc/checkpoint.pt" in command
    assert '"mvc_w8":{"checkpoint_from":"mvc","synthesis":{"lookahead":8}}' in command


def test_a_trained_ablation_plans_its_own_train_job(workdir):
    jobs, _ = planned(workdir, "results/synth/mvc_no_adaln/vctk", "--configfile",
                      "configs/smoke.yaml")
    assert [o.split(", ")[0] for o in jobs["train"]] == [
        "results/train/mvc_no_adaln/checkpoint.pt"]


def test_the_efficiency_table_reads_a_variants_counts_from_its_checkpoint_system(workdir):
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["evaluation"]["systems"] = ["ground_truth", "mvc", "mvc_w8"]
    (workdir / "configs/variants.yaml").write_text(yaml.safe_dump(config))
    jobs, shell = planned(workdir, "results/tables", "--configfile", "configs/variants.yaml")
    assert [o.split(", ")[0] for o in jobs["train"]] == ["results/train/mvc/checkpoint.pt"]
    report = next(line for line in shell.splitlines()
                  if "mvc report tables" in line)
    assert ("--params mvc=results/train/mvc/params.json "
            "mvc_w8=results/train/mvc/params.json") in report


def test_a_checkpoint_from_naming_no_trained_system_fails_early(workdir):
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["systems"]["mvc_w4"] = {"checkpoint_from": "mvc_w8", "synthesis": {"lookahead": 4}}
    (workdir / "configs/bad_variant.yaml").write_text(yaml.safe_dump(config))
    result = run(workdir, "results/synth/mvc_w4/vctk", "--dry-run", "--configfile",
                 "configs/bad_variant.yaml")
    assert result.returncode != 0
    assert ("systems.mvc_w4.checkpoint_from names 'mvc_w8', which is not a trained system"
            in result.stdout + result.stderr)
