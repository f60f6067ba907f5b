"""Running the workflow in a scratch copy (Snakefile, workflow/, configs/, data/), and the
smoke DAG's run, shared by the test files that read it (session fixtures: it takes minutes)."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.slurm_probe import without_slurm_probe

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake"]


def scratch_copy(dest: Path) -> Path:
    for item in ("Snakefile", "workflow", "configs", "data"):
        source = ROOT / item
        if source.is_dir():
            shutil.copytree(source, dest / item)
        else:
            shutil.copy(source, dest / item)
    return dest


def environment(workdir: Path) -> dict[str, str]:
    """What Snakemake runs with. PYTHONPATH: the `mvc` the rules call runs this checkout's
    package, not whichever checkout the shared environment's editable install points at.
    PATH: without Slurm's `scontrol` (tests/slurm_probe.py: 9 s per Snakemake start)."""
    env_bin = str(Path(sys.executable).parent)
    return {"PATH": without_slurm_probe(f"{env_bin}:/usr/bin:/bin"), "HOME": str(workdir),
            "PYTHONPATH": str(ROOT)}


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SNAKEMAKE, "--cores", "2", *args], cwd=workdir, capture_output=True, text=True,
        env=environment(workdir),
        # A safety net, not a speed target: the whole DAG takes 12-15 min on the shared
        # 2-core machine under load (it was 900 s before the stats and report stages).
        timeout=1800,
    )


@pytest.fixture(scope="session")
def smoke(tmp_path_factory):
    """The smoke config's results/tables (every system) and its whole data stage (`data`:
    also the test sets' features, which the tables do not need) in a scratch copy. Tests
    that change files must work on a copy of it (tests/workflow/test_audit.py shows how)."""
    workdir = scratch_copy(tmp_path_factory.mktemp("smoke"))
    result = run(workdir, "results/tables", "data", "--configfile", "configs/smoke.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    return workdir
