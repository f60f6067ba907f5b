"""Git state, config hashes and output hashes, each against an independent computation."""

import hashlib
import json
import shutil
import subprocess

import pytest

from mvc.audit.provenance import config_hashes, git_state, output_hashes


def canonical_sha256(record):
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def test_config_hashes_are_sha256_of_canonical_json():
    config = {"seed": 1, "audio": {"n_fft": 1024, "f_max": None}, "train_datasets": ["lj"]}
    hashes = config_hashes(config)
    assert hashes["config"] == canonical_sha256(config)
    assert hashes["sections"] == {name: canonical_sha256({name: value})
                                  for name, value in config.items()}
    changed = config_hashes({**config, "seed": 2})
    assert changed["sections"]["audio"] == hashes["sections"]["audio"]
    assert changed["sections"]["seed"] != hashes["sections"]["seed"]


def test_output_hashes_match_hashlib_and_skip_excluded_dirs_and_markers(tmp_path):
    results = tmp_path / "results"
    files = {"tables/a.csv": b"x,y\n1,2\n", "synth/s/t/u.wav": b"RIFF....",
             "logs/run.log": b"log", "cache/k": b"cached", "synth/s/t/.snakemake_timestamp": b""}
    for name, data in files.items():
        (results / name).parent.mkdir(parents=True, exist_ok=True)
        (results / name).write_bytes(data)
    rows = output_hashes(results, [results / "logs", results / "cache"])
    assert [(r["path"], r["bytes"], r["sha256"]) for r in rows] == [
        (str(results / name), len(files[name]), hashlib.sha256(files[name]).hexdigest())
        for name in ("synth/s/t/u.wav", "tables/a.csv")]


def test_a_directory_outside_git_says_so(tmp_path):
    state = git_state(tmp_path)
    assert state["is_git_checkout"] is False
    assert "not a git checkout" in state["reason"] or "not installed" in state["reason"]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_and_dirty_files(tmp_path):
    def git(*args):
        return subprocess.run(["git", "-C", str(tmp_path), *args], check=True,
                              capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "Snakefile").write_text("rule all:\n")
    git("add", "Snakefile")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "first")
    clean = git_state(tmp_path)
    assert clean["commit"] == git("rev-parse", "HEAD") and clean["dirty"] is False
    (tmp_path / "Snakefile").write_text("rule all:\n    input: []\n")
    (tmp_path / "new.yaml").write_text("seed: 1\n")
    dirty = git_state(tmp_path)
    assert dirty["dirty"] is True
    assert dirty["modified"] == ["Snakefile"] and dirty["untracked"] == ["new.yaml"]
