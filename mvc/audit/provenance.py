"""What a run was made from: the git commit and dirty state of the checkout, the config's
hashes, and the SHA-256 of every output file."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from mvc.hashing import file_sha256, record_sha256

# Snakemake's marker inside directory outputs: its bytes are a time, not a result.
SNAKEMAKE_MARKER = ".snakemake_timestamp"


def _git(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                          check=False)


def git_state(checkout: Path) -> dict[str, Any]:
    """The commit, branch and dirty state (modified and untracked files, as `git status
    --porcelain` lists them) of the checkout at `checkout`; `is_git_checkout` False, with
    the reason, when there is none (a tarball, or git not installed)."""
    if shutil.which("git") is None:
        return {"is_git_checkout": False, "reason": "git is not installed"}
    top = _git(checkout, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        return {"is_git_checkout": False, "reason": f"not a git checkout: {checkout}"}
    commit = _git(checkout, "rev-parse", "HEAD")
    status = _git(checkout, "status", "--porcelain=v1", "--untracked-files=all")
    modified, untracked = [], []
    for line in status.stdout.splitlines():
        code, path = line[:2], line[3:]
        (untracked if code == "??" else modified).append(path)
    return {
        "is_git_checkout": True,
        "toplevel": top.stdout.strip(),
        "commit": commit.stdout.strip() if commit.returncode == 0 else None,
        "branch": _git(checkout, "rev-parse", "--abbrev-ref", "HEAD").stdout.strip() or None,
        "dirty": bool(modified or untracked),
        "modified": modified,
        "untracked": untracked,
    }


def config_hashes(config: Mapping[str, Any]) -> dict[str, Any]:
    """SHA-256 of the whole config's canonical JSON, and of each top-level section's as the
    one-key record {name: section} (mvc.hashing.record_sha256)."""
    return {"config": record_sha256(config),
            "sections": {name: record_sha256({name: value})
                         for name, value in sorted(config.items())}}


def output_files(results: Path, exclude: Sequence[Path]) -> Iterator[Path]:
    """Every file under `results` (sorted), except those under an
    `exclude` directory and Snakemake's directory markers."""
    excluded = [path.resolve() for path in exclude]
    for path in sorted(results.rglob("*")):
        resolved = path.resolve()
        if any(resolved == ex or ex in resolved.parents for ex in excluded):
            continue
        if path.is_file() and path.name != SNAKEMAKE_MARKER:
            yield path


def output_hashes(results: Path, exclude: Sequence[Path]) -> list[dict[str, Any]]:
    """Rows (path, bytes, sha256) for `output_files`, paths as given under `results`."""
    return [{"path": str(path), "bytes": path.stat().st_size, "sha256": file_sha256(path)}
            for path in output_files(results, exclude)]
