"""A PATH entry that hides Slurm's `scontrol` from the Snakemake runs that do not use Slurm.

snakemake-executor-plugin-slurm runs `scontrol show config` whenever Snakemake starts (it
imports every installed executor plugin). Where Slurm is installed but its controller is not
running, as on this machine once tests/workflow/test_slurm.py has stopped its single-node
cluster, that call waits 9 s before it fails: a dry run took 12.5 s, 2.6 s with this stand-in,
which fails at once as `scontrol` does without a controller. The suite starts Snakemake about
30 times. tests/workflow/test_slurm.py builds its own PATH, without this entry.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

STAND_IN = "#!/bin/sh\n# tests/slurm_probe.py: no Slurm controller for this Snakemake run\nexit 1\n"


def no_slurm_probe_dir() -> Path:
    """A folder holding an `scontrol` that exits 1 (made once per user)."""
    folder = Path(tempfile.gettempdir()) / f"mvc-tests-no-scontrol-{os.getuid()}"
    script = folder / "scontrol"
    if not script.exists() or script.read_text() != STAND_IN:
        folder.mkdir(exist_ok=True)
        temporary = folder / f".scontrol.{os.getpid()}"
        temporary.write_text(STAND_IN)
        temporary.chmod(0o755)
        temporary.replace(script)
    return folder


def without_slurm_probe(path: str) -> str:
    """`path` (a PATH value) with the stand-in folder first."""
    return f"{no_slurm_probe_dir()}{os.pathsep}{path}"
