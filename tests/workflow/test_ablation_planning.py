"""How the workflow plans the ablation sweep (dry runs, nothing executed): each row of the
TSV gets its synth and score jobs under results/ablations/{knob~value/...}, only distinct
model knobs train (a look-ahead row synthesizes the reference's checkpoint), the commands
carry the row's knobs, and a bad TSV or section stops the workflow with the file and fix
(the other TSV and reference mistakes: tests/ablations/test_sweep.py)."""

import re
from pathlib import Path

import pytest
import yaml

from .conftest import run, scratch_copy

REFERENCE = "adaln~true/text_bidirectional~true/d_state~16"
NO_ADALN = "adaln~false/text_bidirectional~true/d_state~16"


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


def command(shell: str, start: str, out: str) -> str:
    return next(line for line in shell.splitlines() if start in line and out in line)


def test_each_row_is_synthesized_and_scored_and_only_model_knobs_train(workdir):
    jobs, shell = planned(workdir, "results/ablations/table", "--configfile",
                          "configs/smoke.yaml")
    assert sorted(o.split(", ")[0] for o in jobs["ablation_train"]) == [
        f"results/ablations/train/{NO_ADALN}/checkpoint.pt",
        f"results/ablations/train/{REFERENCE}/checkpoint.pt"]
    rows = [f"results/ablations/{REFERENCE}/lookahead~offline",
            f"results/ablations/{NO_ADALN}/lookahead~offline",
            f"results/ablations/{REFERENCE}/lookahead~8"]
    assert sorted(jobs["ablation_synth"]) == sorted(f"{row}/synth/vctk" for row in rows)
    # one job per (row, test set) scores both swept metrics (smoke: mcd and f0_rmse)
    assert sorted(jobs["ablation_score_with_reference"]) == sorted(
        ", ".join(f"{row}/metrics/vctk/{metric}.{ext}"
                  for metric in ("mcd", "f0_rmse") for ext in ("csv", "json")) for row in rows)
    assert "ablation_score_reference_free" not in jobs  # no reference-free metric is swept
    assert jobs["ablation_table"] == ["results/ablations/table"]
    assert "train" not in jobs and "synth" not in jobs  # the main DAG's are not involved
    # The look-ahead row synthesizes the reference row's checkpoint, streamed.
    streamed = command(shell, "mvc synth run", f"{REFERENCE}/lookahead~8/synth/vctk")
    assert (f"--system mvc --checkpoint results/ablations/train/{REFERENCE}/checkpoint.pt"
            in streamed)
    assert '"lookahead":8,' in streamed
    offline = command(shell, "mvc synth run", f"{REFERENCE}/lookahead~offline/synth/vctk")
    assert '"lookahead":null,' in offline
    trained = command(shell, "mvc train mvc", f"--out results/ablations/train/{NO_ADALN}")
    assert ('"systems":{"mvc":{"expressive":{"adaln":false},"mamba":{"d_state":16},'
            '"temporal":{"adaln":false},"text_encoder":{"bidirectional":true}}}') in trained
    table = command(shell, "mvc report ablations", "--out results/ablations/table")
    assert table.count("/metrics/vctk/") == 6


def test_the_default_sweep_trains_five_models_for_eight_rows(workdir):
    jobs, _ = planned(workdir, "results/ablations/table", "--configfile", "configs/default.yaml")
    assert len(jobs["ablation_train"]) == 5
    assert len(jobs["ablation_synth"]) == 8 * 2  # ljspeech and vctk
    # per row and test set: one job for mcd and f0_rmse, one for distillmos and wer
    assert len(jobs["ablation_score_with_reference"]) == 8 * 2
    assert len(jobs["ablation_score_reference_free"]) == 8 * 2


GOOD_TSV = "adaln\ttext_bidirectional\td_state\tlookahead\ntrue\ttrue\t16\toffline\n"


@pytest.mark.parametrize(("tsv", "changes", "message"), [
    (GOOD_TSV + "true\ttrue\t16\toffline\n", {},
     "configs/bad.tsv: lines [2, 3] are the same variant. Fix: keep one of them"),
    (GOOD_TSV, {"metrics": ["mcd.mcd"]},
     "ablations.metrics: ['mcd.mcd'] are not headline columns. Fix: use metric.column keys"),
])
def test_a_bad_sweep_stops_the_workflow_with_the_file_and_the_fix(workdir, tsv, changes,
                                                                  message):
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["ablations"].update({"tsv": "configs/bad.tsv", **changes})
    (workdir / "configs/bad.tsv").write_text(tsv)
    (workdir / "configs/bad_sweep.yaml").write_text(yaml.safe_dump(config))
    result = run(workdir, "results/ablations/table", "--dry-run", "--configfile",
                 "configs/bad_sweep.yaml")
    assert result.returncode != 0
    assert message in " ".join((result.stdout + result.stderr).split())
