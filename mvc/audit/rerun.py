"""A scratch copy of the workflow in which some jobs run again: the workflow's own files
copied, the original outputs mirrored as read-only symbolic links, and the rerun jobs'
outputs left out so Snakemake makes them anew."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mvc.errors import InputError

CONFIG_NAME = "audit_config.json"


@dataclass(frozen=True)
class RerunResult:
    """Snakemake's exit status and its output (stdout, then stderr) for one rerun."""

    returncode: int
    log: str


def _under(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def make_scratch(scratch: Path, workflow_dir: Path, workflow_files: Sequence[str],
                 results: str, skip: Sequence[str], config: Mapping[str, Any]) -> Path:
    """Copy `workflow_files` from `workflow_dir` into `scratch`, write the merged config as
    JSON in its own key order (which means something: evaluation.metrics' order is the
    statistics' row order; Snakemake reads a .json configfile as JSON), and mirror every file under
    `workflow_dir/results` as a symbolic link, except those under `skip` (paths relative to
    the workdir). Returns the config file's path."""
    scratch.mkdir(parents=True, exist_ok=True)
    for name in workflow_files:
        source = workflow_dir / name
        if not source.exists():
            raise InputError(source, "a workflow file to copy is missing",
                             "run the audit from the workflow's directory")
        if source.is_dir():
            shutil.copytree(source, scratch / name, symlinks=True)
        else:
            shutil.copy2(source, scratch / name)
    skipped = [Path(path) for path in skip]
    origin = workflow_dir / results
    for path in sorted(origin.rglob("*")):
        relative = path.relative_to(workflow_dir)
        if path.is_dir() or _under(relative, skipped):
            continue
        link = scratch / relative
        link.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(path.resolve(), link)
    configfile = scratch / CONFIG_NAME
    configfile.write_text(json.dumps(config, indent=1), encoding="utf-8")
    return configfile


def rerun_jobs(scratch: Path, outputs: Sequence[str], rule: str, configfile: Path,
               cores: int) -> RerunResult:
    """Run Snakemake in `scratch` for `outputs`, allowing only `rule`: every input must be
    there already (mirrored), so exactly the jobs of those outputs run."""
    command = [sys.executable, "-m", "snakemake", "--cores", str(cores), *outputs,
               "--allowed-rules", rule, "--configfile", str(configfile)]
    done = subprocess.run(command, cwd=scratch, capture_output=True, text=True, check=False)
    return RerunResult(done.returncode, done.stdout + done.stderr)
