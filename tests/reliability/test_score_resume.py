"""`mvc score` killed with SIGKILL and run again, and two runs at once on one cache and one
output directory: the tables end byte-identical to one clean run's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mvc.audio import save
from mvc.data.manifest import Utterance, write_manifest

ROOT = Path(__file__).resolve().parents[2]
SR = 16000
N = 40
METRICS = '{"mcd": {}, "f0_rmse": {}}'


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> tuple[Path, Path]:
    """N one-second pairs (recording at 200 Hz + k, system at 210 Hz + k), one silent."""
    root = tmp_path_factory.mktemp("resume")
    rows = []
    t = np.arange(SR) / SR
    for k in range(N):
        reference = root / "recordings" / f"u{k:02d}.wav"
        save(reference, (0.3 * np.sin(2 * np.pi * (200 + k) * t)).astype(np.float32), SR)
        amp = 0.0 if k == 7 else 0.3
        save(root / "system" / f"u{k:02d}.wav",
             (amp * np.sin(2 * np.pi * (210 + k) * t)).astype(np.float32), SR)
        rows.append(Utterance(f"u{k:02d}", "s", "en-us", f"text {k}", str(reference), 1.0,
                              "test"))
    write_manifest(rows, root / "m.csv")
    return root, root / "m.csv"


def score(root: Path, manifest: Path, out: Path, cache: Path | None) -> subprocess.Popen:
    command = [sys.executable, "-m", "mvc.cli", "score", "--system-dir", str(root / "system"),
               "--manifest", str(manifest), "--metrics", METRICS, "--out-dir", str(out)]
    if cache is not None:
        command += ["--cache", str(cache)]
    # The provenance in the sidecars names these paths: keep them equal between runs.
    return subprocess.Popen(command, cwd=root, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finished(process: subprocess.Popen) -> None:
    _, err = process.communicate(timeout=600)
    assert process.returncode == 0, err.decode()[-2000:]


def tables(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.fixture(scope="module")
def clean(inputs) -> dict[str, bytes]:
    root, manifest = inputs
    finished(score(root, manifest, root / "clean", None))
    return tables(root / "clean")


def test_a_killed_run_resumes_to_the_same_bytes(inputs, clean, tmp_path):
    root, manifest = inputs
    cache = tmp_path / "cache"
    process = score(root, manifest, root / "killed", cache)
    deadline = time.monotonic() + 300
    while len(list(cache.glob("*/*.json"))) < N // 2 and process.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert process.poll() is None, "finished before it could be killed: give it more work"
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (root / "killed" / "f0_rmse.csv").exists()
    for entry in cache.glob("*/*.json"):  # a kill mid-write leaves a temporary, not an entry
        json.loads(entry.read_text())
    finished(score(root, manifest, root / "killed", cache))
    assert tables(root / "killed") == clean


def test_two_runs_at_once_share_a_cache_and_a_directory(inputs, clean, tmp_path):
    root, manifest = inputs
    both = [score(root, manifest, root / "together", tmp_path / "cache") for _ in range(2)]
    for process in both:
        finished(process)
    assert tables(root / "together") == clean
