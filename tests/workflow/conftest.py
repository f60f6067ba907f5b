"""Running the workflow in a scratch copy (Snakefile, workflow/, configs/, data/)."""

import shutil
import subprocess
import sys
from pathlib import Path

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


def run(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    env_bin = str(Path(sys.executable).parent)
    return subprocess.run(
        [*SNAKEMAKE, "--cores", "2", *args], cwd=workdir, capture_output=True, text=True,
        # PYTHONPATH: the `mvc` the rules call runs this checkout's package, not whichever
        # checkout the shared environment's editable install points at.
        env={"PATH": f"{env_bin}:/usr/bin:/bin", "HOME": str(workdir),
             "PYTHONPATH": str(ROOT)},
        # A safety net, not a speed target: the whole DAG takes 12-15 min on the shared
        # 2-core machine under load (it was 900 s before the stats and report stages).
        timeout=1800,
    )
