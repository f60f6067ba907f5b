"""Killing the DAG mid-training (SIGKILL to Snakemake's whole process group) and running it
again: training resumes from its newest saved state, only the killed job runs again, no
partial file stands for a finished one, and the result equals an uninterrupted run's."""

import os
import re
import shutil
import signal
import subprocess
import time

import torch
import yaml

from mvc.train import checkpoint

from .conftest import SNAKEMAKE, environment, run, scratch_copy

TARGET = "results/train/mvc/checkpoint.pt"
OUTPUTS = ("checkpoint.pt", "losses.csv", "excluded.csv", "params.json")
STATE = re.compile(r"step_(\d{7})\.pt")
# The data stage train reads, copied from the smoke run with their times (so it is current).
DATA = ("corpus/ljspeech", "corpus/libritts", "manifests", "phonemes", "features",
        "cache/features")


def saved_steps(work):
    return sorted(int(m[1]) for p in work.glob("step_*.pt") if (m := STATE.fullmatch(p.name)))


def start_and_kill_at_first_state(workdir, log_path, timeout_s=900):
    """Start the DAG for TARGET in its own process group; SIGKILL the group as soon as the
    first training state is on disk."""
    work = workdir / "results/train/mvc/work"
    with log_path.open("w") as log:
        process = subprocess.Popen([*SNAKEMAKE, "--cores", "2", TARGET, "--configfile",
                                    "configs/smoke.yaml"], cwd=workdir, stdout=log,
                                   stderr=subprocess.STDOUT, env=environment(workdir),
                                   start_new_session=True)
        deadline = time.monotonic() + timeout_s
        try:
            while not saved_steps(work):
                assert process.poll() is None, log_path.read_text()[-3000:]
                assert time.monotonic() < deadline, "no training state appeared"
                time.sleep(0.02)
        finally:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_killed_training_resumes_from_its_newest_state(smoke, tmp_path):
    (tmp_path / "resume").mkdir()
    workdir = scratch_copy(tmp_path / "resume")
    for part in DATA:
        shutil.copytree(smoke / "results" / part, workdir / "results" / part)
    train = workdir / "results/train/mvc"
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    total = sum(stage["max_steps"] for stage in config["training"]["stages"])

    start_and_kill_at_first_state(workdir, tmp_path / "killed.log")
    killed_at = saved_steps(train / "work")[-1]
    assert 1 <= killed_at < total
    # Nothing that looks finished: no output of the job, and every state file a whole one.
    assert not [name for name in OUTPUTS if (train / name).exists()]
    for step in saved_steps(train / "work"):
        assert torch.load(train / "work" / f"step_{step:07d}.pt", weights_only=False)["step"] \
            == step
    assert checkpoint.latest_state(train / "work")["step"] == killed_at
    leftovers = [p.name for p in (train / "work").iterdir()
                 if not STATE.fullmatch(p.name) and p.name != "losses.csv"]
    assert all(name.startswith(".step_") and ".tmp" in name for name in leftovers), leftovers

    # A killed Snakemake leaves its lock (the next run would refuse: "Directory cannot be
    # locked"); --unlock clears it.
    assert list((workdir / ".snakemake/locks").iterdir())
    assert run(workdir, "--unlock", "--configfile", "configs/smoke.yaml").returncode == 0
    again = run(workdir, TARGET, "--configfile", "configs/smoke.yaml")
    assert again.returncode == 0, again.stderr[-4000:]
    stats = again.stderr[again.stderr.index("Job stats:"):].split("\n\n")[0]
    assert stats.split()[-4:] == ["train", "1", "total", "1"], stats
    train_log = (workdir / "results/logs/train/mvc.log").read_text()
    assert f"resuming from step {killed_at} " in train_log

    # The same as training without the kill (the smoke run's own checkpoint).
    uninterrupted = smoke / "results/train/mvc"
    assert (train / "losses.csv").read_text() == (uninterrupted / "losses.csv").read_text()
    resumed = torch.load(train / "checkpoint.pt", weights_only=False)
    whole = torch.load(uninterrupted / "checkpoint.pt", weights_only=False)
    assert resumed["state"].keys() == whole["state"].keys()
    assert all(torch.equal(resumed["state"][k], whole["state"][k]) for k in whole["state"])
    assert resumed["info"]["steps"] == whole["info"]["steps"] == total
