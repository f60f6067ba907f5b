"""The whole audit on a two-rule workflow: one output damaged after the run is named, the
table remade from it is named too, the others reproduce, and nothing is written outside
the audit's directory."""

import csv
import os
import subprocess
import sys
from unittest import mock

import pytest

from mvc.audit.run import run_audit
from mvc.cli import main
from mvc.errors import InputError
from tests.slurm_probe import without_slurm_probe

SNAKEFILE = """
rule tables:
    input: expand("results/numbers/{name}.csv", name=sorted(config["values"]))
    output: directory("results/tables")
    shell: "mkdir -p {output} && cat {input} > {output}/all.csv"

rule numbers:
    output: "results/numbers/{name}.csv"
    params: value=lambda w: config["values"][w.name]
    shell: "printf 'name,value\\\\n{wildcards.name},{params.value}\\\\n' > {output}"
"""

AUDIT = {"target": "results/tables", "rules": ["numbers", "tables", "train"],
         "jobs_per_rule": 5, "seed": 1, "exclude": ["results/logs"], "reuse": {},
         "identical": ["results/tables/*"], "ignore": [], "ignore_keys": [],
         "tolerances": {"wav": {"max_abs": 1e-3, "min_snr_db": 60.0},
                        "numeric": {"atol": 1e-8, "rtol": 1e-5}}, "threads": 1}
CONFIG = {"values": {"a": 0.5, "b": 1.25, "c": 2.0}, "audit": AUDIT}


@pytest.fixture(scope="module")
def audited(tmp_path_factory):
    """The workflow run, b.csv damaged afterwards (its time kept), then audited."""
    workdir = tmp_path_factory.mktemp("workflow")
    (workdir / "Snakefile").write_text(SNAKEFILE)
    (workdir / "config.yaml").write_text("values: {a: 0.5, b: 1.25, c: 2.0}\n")
    # Every Snakemake start here, the audit's reruns included, without Slurm's scontrol.
    with mock.patch.dict(os.environ, {"PATH": without_slurm_probe(os.environ["PATH"])}):
        done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "1",
                               "results/tables", "--configfile", "config.yaml"], cwd=workdir,
                              capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        damaged = workdir / "results/numbers/b.csv"
        times = os.stat(damaged)
        damaged.write_text("name,value\nb,1.5\n")
        os.utime(damaged, ns=(times.st_atime_ns, times.st_mtime_ns))
        before = sorted(p for p in workdir.rglob("*"))
        rows = run_audit(CONFIG, workdir, "results", workdir / "results/audit", ["Snakefile"])
    return workdir, rows, before


def read_csv(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_a_damaged_output_and_what_was_made_from_it_are_named(audited):
    workdir, rows, _ = audited
    written = read_csv(workdir / "results/audit/comparisons.csv")
    assert [(r["file"], r["kind"], r["status"]) for r in written] == [
        (r["file"], r["kind"], r["status"]) for r in rows] == [
        ("results/numbers/a.csv", "csv", "identical"),
        ("results/numbers/b.csv", "csv", "differs"),
        ("results/numbers/c.csv", "csv", "identical"),
        ("results/tables/all.csv", "bytes", "differs")]
    assert written[1]["detail"] == "row 1, column value: '1.5' vs '1.25'"
    readme = (workdir / "results/audit/README.md").read_text()
    assert readme.splitlines()[2].startswith("**DIFFERENCES FOUND: 2 of 4")
    assert "- `train`: no job of this rule in the DAG" in readme


def test_hashes_and_nothing_written_outside_the_audit(audited):
    workdir, _, before = audited
    after = sorted(p for p in workdir.rglob("*") if "audit" not in p.relative_to(workdir).parts)
    assert after == before
    hashed = [r["path"] for r in read_csv(workdir / "results/audit/outputs.csv")]
    assert hashed == ["results/numbers/a.csv", "results/numbers/b.csv",
                      "results/numbers/c.csv", "results/tables/all.csv"]


def test_the_audit_directory_must_lie_under_the_results(tmp_path):
    with pytest.raises(InputError, match="outside results"):
        run_audit(CONFIG, tmp_path, "results", tmp_path / "audit", ["Snakefile"])


def test_cli_without_an_audit_section_exits_2_naming_it(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["audit", "--config", '{"seed": 1}', "--workflow-files", "Snakefile",
                 "--out", "results/audit"])
    assert code == 2
    assert "mvc audit: error: config: no `audit:` section" in capsys.readouterr().err
    assert not (tmp_path / "results").exists()
