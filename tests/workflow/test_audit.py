"""`snakemake results/audit` on a copy of the smoke DAG's outputs, some altered on purpose
after they were made: the report names exactly those, the hashes are the files' SHA-256,
the environment names the torch in use, and the audit job itself succeeds."""

import csv
import hashlib
import json
import os
import shutil

import pytest
import soundfile as sf
import torch
import yaml

from .conftest import run

# Each rule's rerun reads the original inputs, so what is altered must be read by no other
# rerun job: the ground truth's wavs feed score (not rerun), the estimates feed report.
# (Each rule's rerun starts Snakemake once: tens of seconds on a loaded machine.)
AUDIT_RULES = ["ground_truth", "stats"]
EXCLUDED = ("results/logs", "results/benchmarks", "results/cache", "results/audit")


def keep_mtime(path, change):
    """Apply `change` to the file at `path`, then restore its times: Snakemake must not see
    an updated input, as if the file had been damaged after the run."""
    times = os.stat(path)
    change(path)
    os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


def alter_wav(path):
    samples, rate = sf.read(str(path), always_2d=False)
    samples[len(samples) // 2] += 0.05 if samples[len(samples) // 2] < 0.9 else -0.05
    sf.write(str(path), samples, rate, subtype=sf.info(str(path)).subtype)


def alter_last_number(path):
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    column = max(i for i, cell in enumerate(rows[1]) if cell.replace(".", "", 1).isdigit())
    rows[1][column] = str(float(rows[1][column]) + 1.0)
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return rows[0][column]


@pytest.fixture(scope="module")
def audited(smoke, tmp_path_factory):
    """A copy of the smoke outputs (times kept, no Snakemake metadata) with one wav of each
    ground-truth test set and one number of the statistics' estimates altered, then audited
    with one job of each of AUDIT_RULES rerun."""
    workdir = tmp_path_factory.mktemp("audited")
    shutil.copytree(smoke, workdir, dirs_exist_ok=True, symlinks=True,
                    ignore=shutil.ignore_patterns(".snakemake"))
    altered = {}
    for synth_dir in sorted((workdir / "results/synth/ground_truth").iterdir()):
        wav = sorted(synth_dir.glob("*.wav"))[0]
        keep_mtime(wav, alter_wav)
        altered[str(wav.relative_to(workdir))] = "wav"
    estimates = workdir / "results/stats/estimates.csv"
    columns = []
    keep_mtime(estimates, lambda path: columns.append(alter_last_number(path)))
    altered[str(estimates.relative_to(workdir))] = columns[0]
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["audit"]["rules"] = AUDIT_RULES
    # sort_keys=False: the order of evaluation.metrics is the statistics' row order.
    (workdir / "configs/audit.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = run(workdir, "results/audit", "--configfile", "configs/audit.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir, altered, config, result.stdout + result.stderr


def read_csv(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_only_the_audit_job_ran(audited):
    _, _, _, log = audited
    stats = log[log.index("Job stats:"):].split("\n\n")[0]
    assert "audit" in stats and stats.split()[-1] == "1", stats


def test_report_names_each_altered_file_of_the_rerun_jobs(audited):
    workdir, altered, _, _ = audited
    rows = read_csv(workdir / "results/audit/comparisons.csv")
    assert {row["rule"] for row in rows} == set(AUDIT_RULES)
    differing = {row["file"]: row for row in rows if row["status"] != "identical"}
    compared = {row["file"] for row in rows}
    expected = {path for path in altered if path in compared}
    assert {row["rule"] for row in rows if row["file"] in expected} == {"ground_truth", "stats"}
    assert set(differing) == expected, differing
    for path in expected:
        row = differing[path]
        assert row["status"] == "differs"
        if row["kind"] == "wav":
            max_abs = float(row["measure"].split(";")[0].split("=")[1])
            assert 0.04 < max_abs < 0.06
        else:
            assert row["kind"] == "csv" and f"column {altered[path]}:" in row["detail"]
    assert {row["kind"] for row in rows} >= {"wav", "csv", "json"}
    readme = (workdir / "results/audit/README.md").read_text()
    assert "**DIFFERENCES FOUND: 2 of" in readme
    assert all(f"| {path} |" in readme for path in expected)


def test_output_hashes_are_every_file_with_its_sha256(audited):
    workdir, altered, _, _ = audited
    rows = read_csv(workdir / "results/audit/outputs.csv")
    expected = {}
    for folder, _, names in os.walk(workdir / "results"):
        for name in names:
            path = os.path.relpath(os.path.join(folder, name), workdir)
            if name != ".snakemake_timestamp" and not path.startswith(EXCLUDED):
                expected[path] = hashlib.sha256((workdir / path).read_bytes()).hexdigest()
    assert {row["path"]: row["sha256"] for row in rows} == expected
    assert set(altered) <= set(expected)
    assert all(int(row["bytes"]) == (workdir / row["path"]).stat().st_size for row in rows)


def test_environment_git_and_config_hashes(audited):
    workdir, _, config, _ = audited
    audit = workdir / "results/audit"
    environment = json.loads((audit / "environment.json").read_text())
    assert environment["torch"]["version"] == torch.__version__
    assert environment["packages"]["snakemake"]
    assert json.loads((audit / "git.json").read_text())["is_git_checkout"] is False
    merged = json.loads((audit / "config.json").read_text())
    assert merged["audit"] == config["audit"] and merged["seed"] == config["seed"]
    hashes = json.loads((audit / "config_hashes.json").read_text())

    def sha(record):
        text = json.dumps(record, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    assert hashes["config"] == sha(merged)
    assert hashes["sections"]["audit"] == sha({"audit": config["audit"]})
    assert set(hashes["sections"]) == set(merged)
