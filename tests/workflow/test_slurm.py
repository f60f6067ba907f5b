"""profiles/slurm on a real Slurm: scripts/slurm_single_node.sh starts a single node on this
machine, a representative part of the smoke DAG (data -> train -> synth -> score for one test
set) runs through `--profile profiles/slurm` while the same targets run locally, and every
job must have gone through sbatch and every output must equal the local run's. The embedded
corpora are built first, outside Slurm: they stand for the real corpora a cluster run reads
(configs/paper.yaml has no corpus rule), and each Slurm job costs about 45 s of overhead here
(two Snakemake start-ups inside the job, status polling).

Needs root (the script installs slurm-wlm and munge with apt-get and starts the daemons).
It fails where it cannot run; MVC_SKIP_SLURM=1 skips it, and pytest -ra reports the skip."""

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from .conftest import ROOT, SNAKEMAKE, scratch_copy
from .test_smoke_data import read_csv

pytestmark = pytest.mark.slurm

SCRIPT = ROOT / "scripts/slurm_single_node.sh"
SLURMCTLD_LOG = Path("/var/log/mvc-slurm/slurmctld.log")
PARTITION = "mvc"  # the fixture node's partition
TARGET = "results/metrics/vctk/mvc/mcd.csv"
CORPORA = ("results/corpus/ljspeech", "results/corpus/vctk")
# The rules TARGET needs once the corpora exist, each at least one sbatch job.
RULES = ("manifest", "phonemes", "features", "train", "synth", "score_with_reference")
GPU_RULES = ("train", "synth")
# Safety nets, not speed targets: the Slurm run takes about 4 min on the loaded 2-core machine.
RUN_TIMEOUT_S = 900
# Outputs that hold measured times or memory: compared on their deterministic fields only.
TIMINGS = "timings.csv"
TIMING_KEYS = {"seconds_this_run"}


def script(action: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), action], capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def slurm_node():
    """The single-node Slurm, stopped again after the module's tests, even on failure."""
    if os.environ.get("MVC_SKIP_SLURM") == "1":
        pytest.skip("MVC_SKIP_SLURM=1: the Slurm profile was not tested on a real Slurm")
    if os.geteuid() != 0:
        pytest.fail("the Slurm test needs root: scripts/slurm_single_node.sh installs "
                    "slurm-wlm and munge with apt-get and starts munged, slurmctld and slurmd. "
                    "Run the tests as root, or set MVC_SKIP_SLURM=1 to skip it (reported by "
                    "pytest -ra).", pytrace=False)
    started = script("start")
    try:
        if started.returncode != 0:
            pytest.fail(f"scripts/slurm_single_node.sh start failed:\n{started.stdout}"
                        f"{started.stderr}", pytrace=False)
        yield
    finally:
        stopped = script("stop")
        assert stopped.returncode == 0, stopped.stderr


def small_config(workdir: Path) -> str:
    """configs/smoke.yaml cut to one training and one test corpus with fewer utterances and
    the faster F0 extractor: the same rules, about 2 minutes of work."""
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["train_datasets"] = ["ljspeech"]
    config["test_datasets"] = ["vctk"]
    config["evaluation"]["testsets"] = ["vctk"]
    corpora = config["embedded"]["corpora"]
    corpora["ljspeech"]["utterances_per_speaker"] = 8  # 6 train, 1 val, 1 test
    corpora["vctk"]["utterances_per_speaker"] = 2      # synthesis takes another as reference
    config["prosody"]["f0_method"] = "dio"
    (workdir / "configs/slurm_test.yaml").write_text(yaml.safe_dump(config))
    return "configs/slurm_test.yaml"


def write_fixture_profile(workdir: Path) -> None:
    """profiles/slurm with what must differ on the fixture node: its partition, requests that
    fit 2 CPUs, squeue as the status command (no slurmdbd) and a short first status check."""
    profile = yaml.safe_load((ROOT / "profiles/slurm/profile.yaml").read_text())
    assert profile["executor"] == "slurm" and profile["slurm-keep-successful-logs"] is True
    for resources in (profile["default-resources"], *profile["set-resources"].values()):
        if "slurm_partition" in resources:
            resources["slurm_partition"] = PARTITION
        for key in ("cpus_per_task", "cpus_per_gpu"):
            if key in resources:
                resources[key] = 1
        if "mem_mb" in resources:
            resources["mem_mb"] = 1000
    for rule in GPU_RULES:
        assert profile["set-resources"][rule]["gpu"] == 1, rule
    profile["slurm-status-command"] = "squeue"
    profile["slurm-init-seconds-before-status-checks"] = 5
    (workdir / "profiles/slurm").mkdir(parents=True)
    (workdir / "profiles/slurm/profile.yaml").write_text(yaml.safe_dump(profile))


def snakemake(workdir: Path, *args: str) -> subprocess.Popen:
    """Snakemake started in the background, its output in workdir/snakemake.log."""
    env_bin = str(Path(sys.executable).parent)
    with (workdir / "snakemake.log").open("w") as log:
        # `timeout -k`: Snakemake ignores SIGTERM while Slurm jobs are pending; SIGKILL follows.
        return subprocess.Popen(
            ["timeout", "-k", "30", str(RUN_TIMEOUT_S), *SNAKEMAKE, *args], cwd=workdir,
            stdout=log, stderr=subprocess.STDOUT,
            env={"PATH": f"{env_bin}:/usr/bin:/bin", "HOME": str(workdir),
                 "PYTHONPATH": str(ROOT)},
        )


def finish(process: subprocess.Popen, workdir: Path) -> None:
    assert process.wait(RUN_TIMEOUT_S + 60) == 0, (
        f"{workdir.name}:\n" + (workdir / "snakemake.log").read_text()[-4000:])


@pytest.fixture(scope="module")
def runs(slurm_node, tmp_path_factory):
    """The same targets through the Slurm profile and locally, side by side."""
    on_slurm = scratch_copy(tmp_path_factory.mktemp("on_slurm"))
    local = scratch_copy(tmp_path_factory.mktemp("local"))
    config = small_config(on_slurm)
    small_config(local)
    write_fixture_profile(on_slurm)
    log_start = SLURMCTLD_LOG.stat().st_size  # job ids may repeat after a restart
    started = [snakemake(workdir, "--cores", "1", *CORPORA, "--configfile", config)
               for workdir in (on_slurm, local)]
    try:
        for process, workdir in zip(started, (on_slurm, local), strict=True):
            finish(process, workdir)
        started = [snakemake(on_slurm, "--profile", "profiles/slurm", TARGET,
                             "--configfile", config),
                   snakemake(local, "--cores", "1", TARGET, "--configfile", config)]
        for process, workdir in zip(started, (on_slurm, local), strict=True):
            finish(process, workdir)
    finally:  # a failed run does not leave the other one running (timeout passes SIGTERM on)
        for process in started:
            if process.poll() is None:
                process.terminate()
    return on_slurm, local, log_start


def slurm_jobs(workdir: Path) -> dict[str, list[int]]:
    """Job ids per rule, from the plugin's job logs (.snakemake/slurm_logs/rule_R/.../ID.log)."""
    jobs: dict[str, list[int]] = {}
    for log in (workdir / ".snakemake/slurm_logs").glob("rule_*/**/*.log"):
        rule = log.relative_to(workdir / ".snakemake/slurm_logs").parts[0].removeprefix("rule_")
        jobs.setdefault(rule, []).append(int(log.stem))
    return jobs


def test_every_job_went_through_sbatch_and_succeeded(runs):
    on_slurm, _, log_start = runs
    jobs = slurm_jobs(on_slurm)
    assert sorted(jobs) == sorted(RULES)
    assert len(jobs["manifest"]) == 2 and all(len(jobs[r]) == 1 for r in RULES[1:])
    with SLURMCTLD_LOG.open() as f:
        f.seek(log_start)
        log = f.read()
    for rule, ids in jobs.items():
        for job in ids:
            assert re.search(rf"_slurm_rpc_submit_batch_job: JobId={job}\b", log), (rule, job)
            assert re.search(rf"_job_complete: JobId={job} WEXITSTATUS 0\b", log), (rule, job)


def test_gpu_rules_asked_slurm_for_a_gpu(runs):
    on_slurm, _, _ = runs
    jobs = slurm_jobs(on_slurm)
    for rule in GPU_RULES:
        shown = subprocess.run(["scontrol", "show", "job", str(jobs[rule][0])],
                               capture_output=True, text=True, check=True).stdout
        assert "TresPerJob=gres:gpu:1" in shown, (rule, shown)
        assert f"Partition={PARTITION}" in shown and "JobState=COMPLETED" in shown, shown
    cpu_job = subprocess.run(["scontrol", "show", "job", str(jobs["manifest"][0])],
                             capture_output=True, text=True, check=True).stdout
    assert "gpu" not in cpu_job


def same_saved(a, b, where: str) -> None:
    """Two torch-saved objects hold the same values; measured durations aside."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for key in a.keys() - TIMING_KEYS:
            same_saved(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_saved(x, y, f"{where}[{i}]")
    elif isinstance(a, torch.Tensor):
        assert torch.equal(a, b), where
    else:
        assert a == b, where


def outputs(workdir: Path) -> list[Path]:
    """Every file under results/ but logs, benchmarks and Snakemake's directory stamps."""
    results = workdir / "results"
    return sorted(p.relative_to(workdir) for p in results.rglob("*") if p.is_file()
                  and p.relative_to(results).parts[0] not in ("logs", "benchmarks")
                  and p.name != ".snakemake_timestamp")


def test_outputs_equal_the_local_run(runs):
    """Byte-identical, except torch files (the zip records carry the temporary file's name,
    and the checkpoint the training's duration) and timings.csv (measured times)."""
    on_slurm, local, _ = runs
    files = outputs(local)
    assert files == outputs(on_slurm)
    assert any(f.suffix == ".wav" for f in files) and Path(TARGET) in files
    for path in files:
        mine, theirs = on_slurm / path, local / path
        if path.suffix == ".pt":
            same_saved(torch.load(mine, weights_only=False),
                       torch.load(theirs, weights_only=False), str(path))
        elif path.name == TIMINGS:
            keep = ("utt_id", "system", "audio_seconds")
            assert ([{k: r[k] for k in keep} for r in read_csv(mine)]
                    == [{k: r[k] for k in keep} for r in read_csv(theirs)]), path
        else:
            assert mine.read_bytes() == theirs.read_bytes(), path
    with (on_slurm / TARGET).open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows and {r["status"] for r in rows} == {"ok"}
