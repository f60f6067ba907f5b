"""The paper config on fixture corpora in the real layouts: with the corpora absent the dry run
plans a fetch job upstream of every manifest (and of Whisper's WER jobs); with them in place
under resources/ the fetch jobs find them (no download), the data stage's manifest and
phoneme rules really run the adapters on them, and the dry run of results/tables plans the
whole DAG with GPU resources on training and synthesis."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from .conftest import run, scratch_copy

DATASETS = ["ljspeech", "libritts", "vctk", "css10_es", "css10_de", "css10_fr", "gutenberg"]
TRAINED = ["mvc", "styletts2", "hybrid", "vits"]
GPU_RULES = ("train", "train_vocoder", "synth")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return scratch_copy(tmp_path_factory.mktemp("paper"))


@pytest.fixture(scope="module")
def paper(workdir) -> dict:
    return yaml.safe_load((workdir / "configs/paper.yaml").read_text())


def plan(workdir: Path, *targets: str) -> str:
    result = run(workdir, *targets, "--dry-run", "--configfile", "configs/paper.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout + result.stderr


def jobs(plan_text: str) -> list[dict[str, str]]:
    """Every planned job: its rule and the `key: value` lines of its block."""
    blocks = re.finditer(r"^rule (\w+):\n((?:    .*\n)+)", plan_text, re.MULTILINE)
    return [{"rule": m[1], **dict(line.strip().split(": ", 1) for line in m[2].splitlines()
                                 if ": " in line)} for m in blocks]


def counts(planned: list[dict[str, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for job in planned:
        out[job["rule"]] = out.get(job["rule"], 0) + 1
    return out


def test_fetch_jobs_are_planned_upstream_of_the_data_jobs(workdir, paper):
    scores = [f"results/metrics/vctk/mvc/{metric}.csv" for metric in ("wer", "mcd")]
    planned = jobs(plan(workdir, *(f"results/phonemes/{name}.csv" for name in DATASETS),
                        *scores))
    fetches = {job["output"] for job in planned if job["rule"] == "fetch"}
    assert fetches == {f"resources/{name}/FETCHED.json" for name in [*DATASETS, "whisper"]}
    manifests = {job["output"].split(", ")[0]: job["input"]
                 for job in planned if job["rule"] == "manifest"}
    for name in DATASETS:
        corpus = Path(paper["datasets"][name]["root"]).parts[1]
        assert manifests[f"results/manifests/{name}.csv"] == f"resources/{corpus}/FETCHED.json"
    # one job per metric group: the reference-free one (WER with DNSMOS) waits for Whisper
    score_inputs = {job["rule"]: job["input"].split(", ")
                    for job in planned if job["rule"].startswith("score_")}
    assert set(score_inputs) == {"score_reference_free", "score_with_reference"}
    assert "resources/whisper/FETCHED.json" in score_inputs["score_reference_free"]
    assert "resources/whisper/FETCHED.json" not in score_inputs["score_with_reference"]


def test_the_data_stage_runs_on_real_layouts_and_the_full_dag_is_planned(
        workdir, paper, real_layout_corpora):
    for name in DATASETS:
        shutil.copytree(real_layout_corpora[name], workdir / "resources" / name)
    targets = [f"results/{stage}/{name}.csv" for stage in ("manifests", "phonemes")
               for name in DATASETS]
    result = run(workdir, *targets, "--configfile", "configs/paper.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    for name in DATASETS:
        marker = json.loads((workdir / "resources" / name / "FETCHED.json").read_text())
        assert {f["status"] for f in marker["files"]} == {"present"}, name  # nothing downloaded
        rows = (workdir / f"results/manifests/{name}.csv").read_text().splitlines()[1:]
        if name == "gutenberg":  # text only: passages of both books
            assert {row.split("_", 1)[0] for row in rows} == {"pg1", "pg1661"}
        else:  # one row per recording (the paper trains on two of LibriTTS's three subsets)
            audio = [p for p in (workdir / "resources" / name).rglob("*")
                     if p.suffix in (".wav", ".flac") and "test-clean" not in p.parts]
            assert len(rows) == len(audio) > 0, name
        phonemes = (workdir / f"results/phonemes/{name}.csv").read_text().splitlines()[1:]
        assert len(phonemes) == len(rows), name

    planned = jobs(plan(workdir, "results/tables"))
    n_testsets = len(paper["evaluation"]["testsets"])
    with_audio = n_testsets - 1  # the Gutenberg book is text only
    # one job per (test set, system, metric group). Per test set with audio: the reference-free
    # group for ground_truth, ground_truth_gl and every trained system, the with-reference group
    # for all but ground_truth; the text-only book: the trained systems' reference-free group
    reference_free = with_audio * (2 + len(TRAINED)) + len(TRAINED)
    with_reference = with_audio * (1 + len(TRAINED))
    assert counts(planned) == {
        "fetch": 1,  # Whisper's checkpoint, for the WER jobs
        # the training sets' features only: no table reads the test sets' (`data` builds them)
        "features": len(paper["train_datasets"]), "train": len(TRAINED), "train_vocoder": 1,
        "synth": len(TRAINED) * n_testsets, "ground_truth": with_audio,
        "ground_truth_gl": with_audio, "score_reference_free": reference_free,
        "score_with_reference": with_reference, "stats": 1, "plots": 1, "report": 1,
    }
    assert {job["wildcards"] for job in planned if job["rule"] == "train"} == {
        f"system={system}" for system in TRAINED}
    for job in planned:
        gpu = "gpu=1" in job["resources"].split(", ")
        assert gpu == (job["rule"] in GPU_RULES), job
