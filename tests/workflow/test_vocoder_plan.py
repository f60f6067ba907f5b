"""Dry runs of the workflow: a hifigan config plans train_vocoder upstream of synthesis and
of the vocoded ground truth; a Griffin-Lim config plans no such job; the paper config with
every system on the backbone plans (its corpora are absent here: the fetch rules stand in)."""

import re

import pytest
import yaml

from .conftest import run, scratch_copy

ALL_SYSTEMS = ["ground_truth", "ground_truth_gl", "mvc"]
VOCODER = "results/train/vocoder/checkpoint.pt"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return scratch_copy(tmp_path_factory.mktemp("plan"))


def dry_run(workdir, config: dict, name: str, *targets: str) -> str:
    (workdir / f"configs/{name}.yaml").write_text(yaml.safe_dump(config))
    result = run(workdir, *targets, "--dry-run", "--printshellcmds", "--forceall", "--configfile",
                 f"configs/{name}.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout + result.stderr


def smoke_config(workdir, kind: str) -> dict:
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["model"]["vocoder"]["kind"] = kind
    config["evaluation"]["systems"] = ALL_SYSTEMS
    return config


def jobs(plan: str) -> dict[str, int]:
    """The dry run's job-count table: rule -> count."""
    table = plan[plan.index("Job stats:"):]
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.MULTILINE)}


def job_inputs(plan: str, rule: str) -> list[str]:
    """The `input:` line of every planned job of `rule`."""
    return re.findall(rf"^rule {rule}:\n    input: (.*)$", plan, re.MULTILINE)


def test_hifigan_plans_train_vocoder_upstream_of_synthesis(workdir):
    plan = dry_run(workdir, smoke_config(workdir, "hifigan"), "hifigan",
                   "results/synth/mvc/vctk", "results/synth/ground_truth_gl/vctk")
    counts = jobs(plan)
    assert counts["train_vocoder"] == 1
    assert counts["synth"] == 1 and counts["ground_truth_gl"] == 1
    assert "mvc train-vocoder --config" in plan
    for rule in ("synth", "ground_truth_gl"):
        [inputs] = job_inputs(plan, rule)
        assert VOCODER in inputs.split(", "), rule
    assert plan.count(f"--vocoder {VOCODER}") == 2


def test_griffin_lim_plans_no_vocoder_training(workdir):
    plan = dry_run(workdir, smoke_config(workdir, "griffin_lim"), "griffin_lim",
                   "results/synth/mvc/vctk", "results/synth/ground_truth_gl/vctk")
    counts = jobs(plan)
    assert counts["synth"] == 1 and counts["ground_truth_gl"] == 1
    assert "train_vocoder" not in counts
    assert "--vocoder" not in plan and VOCODER not in plan


def test_the_paper_config_plans_every_system_with_the_trained_vocoder(workdir):
    config = yaml.safe_load((workdir / "configs/paper.yaml").read_text())
    plan = dry_run(workdir, config, "paper_plan", "results/tables")
    counts = jobs(plan)
    assert counts["train_vocoder"] == 1
    assert counts["train"] == len([s for s in config["evaluation"]["systems"]
                                   if not s.startswith("ground_truth")])
    for system in ("mvc", "styletts2", "hybrid", "ground_truth_gl"):
        assert f"results/synth/{system}/vctk" in plan, system
