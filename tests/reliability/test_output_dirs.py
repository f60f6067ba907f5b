"""Output directories: a command replaces only a directory it wrote (or an empty or missing
one); a directory holding a user's files is refused and left byte-identical, an `--out` that
is a file is an error up front, and a rerun over the command's own output replaces it.

Every command that writes a directory runs in-process through `mvc.cli.main`. `mvc synth run`
needs a trained checkpoint and `mvc audit` a finished workflow, so for those two the tests show
that the output check comes before anything is read (a foreign `--out` is the error even with
a missing checkpoint or config section) and that their own earlier output passes it; the
replacing itself is atomic_dir's, tested directly below (docs/reliability.md)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import yaml

from mvc.atomic import OWNER_MARKER, OWNER_RECORD, atomic_dir, check_output_dir
from mvc.cli import main
from mvc.data.manifest import Utterance, write_manifest
from mvc.errors import InputError
from tests.score_tables import write_score_table
from tests.train.conftest import AUDIO, MODEL

ROOT = Path(__file__).resolve().parents[2]
SMOKE = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text(encoding="utf-8"))
DEFAULT = yaml.safe_load((ROOT / "configs/default.yaml").read_text(encoding="utf-8"))
STATISTICS = {
    "reference": "styletts2", "not_compared": ["ground_truth"], "n_resamples": 200,
    "confidence": 0.95, "method": "percentile", "test": "permutation", "seed": 0,
    "columns": [{"metric": "dnsmos", "column": "mos_proxy", "label": "MOS-proxy",
                 "direction": "higher"}],
    "tables": [{"name": "t", "title": "T", "testsets": ["vctk"]}]}
REPORT = {"statistics": STATISTICS, "report": DEFAULT["report"], "prosody": DEFAULT["prosody"]}
ABLATIONS_TSV = "adaln\ttext_bidirectional\td_state\tlookahead\ntrue\ttrue\t16\toffline\n" \
                "false\ttrue\t16\toffline\n"
EMBEDDED = {"texts": str(ROOT / "data/texts"), "seed": 3, "corpora": {"lj": {
    "layout": "ljspeech", "language": "en-us", "books": {"language": "en", "use": "train"},
    "speakers": {"LJ": {"voice": "en-us+f2"}}, "utterances_per_speaker": 1, "max_words": 6}}}
USERS = {"notes.txt": b"my notes\n", "sub/keep.wav": b"RIFF not really"}


def tree(folder: Path) -> dict[str, bytes | None]:
    """Every entry under `folder`: file -> its bytes, directory -> None."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*"))}


def users_directory(out: Path) -> dict[str, bytes | None]:
    for name, data in USERS.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)
    return tree(out)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """Small inputs of every command: scores, a stats directory, a manifest with two
    recordings, benchmark files, ablation scores."""
    root = tmp_path_factory.mktemp("inputs")
    rng = np.random.default_rng(0)
    base = rng.normal(3.0, 0.3, 12)
    for system, values in (("styletts2", base), ("mvc", base + 0.3)):
        write_score_table(root / "metrics" / "vctk" / system / "dnsmos.csv", ["mos_proxy"],
                          [{"utt_id": f"u{i}", "status": "ok", "mos_proxy": v}
                           for i, v in enumerate(values)])
    assert main(["stats", "--scores", *scores(root), "--systems", "mvc", "styletts2",
                 "--config", json.dumps({"statistics": STATISTICS}),
                 "--out", str(root / "stats")]) == 0
    rows = []
    for i in range(2):
        wav = root / "wavs" / f"utt{i}.wav"
        wav.parent.mkdir(exist_ok=True)
        t = np.arange(4000) / AUDIO["sample_rate"]
        sf.write(str(wav), 0.3 * np.sin(2 * np.pi * (150 + 30 * i) * t), AUDIO["sample_rate"])
        rows.append(Utterance(f"utt{i}", "spk", "en-us", "A cat.", str(wav), 0.25, "test"))
    write_manifest(rows, root / "vctk.csv")
    bench = root / "benchmarks" / "stats.tsv"
    bench.parent.mkdir()
    bench.write_text("s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\t"
                     "cpu_time\n3.0\t0:00:03\t300\t1\t1\t1\t0\t0\t50.0\t2.5\n")
    (root / "ablations.tsv").write_text(ABLATIONS_TSV)
    for variant, shift in (("adaln~true", 0.0), ("adaln~false", 1.0)):
        path = (root / "ablations" / variant / "text_bidirectional~true/d_state~16"
                / "lookahead~offline/metrics/vctk/mcd.csv")
        write_score_table(path, ["mcd_db"], [{"utt_id": f"u{i}", "status": "ok",
                                              "mcd_db": i + shift} for i in range(6)])
    return root


def scores(root: Path) -> list[str]:
    return sorted(str(p) for p in (root / "metrics").rglob("dnsmos.csv"))


def ablation_config(root: Path) -> str:
    return json.dumps({"ablations": {**SMOKE["ablations"], "tsv": str(root / "ablations.tsv"),
                                     "metrics": ["mcd.mcd_db"]},
                       "statistics": {**SMOKE["statistics"], "test": "wilcoxon"}})


# Each command that writes a directory: its argv (inputs, out) -> list. The first eight run
# here in seconds; synth run and audit are checked up to their first input (see above).
RUNNABLE = {
    "stats": lambda r, out: ["stats", "--scores", *scores(r), "--systems", "mvc", "styletts2",
                             "--config", json.dumps({"statistics": STATISTICS}), "--out", out],
    "report tables": lambda r, out: [
        "report", "tables", "--stats", str(r / "stats"), "--systems", "mvc", "styletts2",
        "--config", json.dumps(REPORT), "--manifests", str(r / "vctk.csv"),
        "--scores", *scores(r), "--out", out],
    "report plots": lambda r, out: [
        "report", "plots", "--stats", str(r / "stats"), "--systems", "mvc", "styletts2",
        "--config", json.dumps(REPORT), "--out", out],
    "report runtimes": lambda r, out: ["report", "runtimes", "--benchmarks",
                                       str(r / "benchmarks"), "--out", out],
    "report ablations": lambda r, out: [
        "report", "ablations", "--config", ablation_config(r),
        "--scores", *sorted(str(p) for p in (r / "ablations").rglob("mcd.csv")), "--out", out],
    "synth ground-truth": lambda r, out: ["synth", "ground-truth", "--manifest",
                                          str(r / "vctk.csv"), "--out", out],
    "synth ground-truth-gl": lambda r, out: [
        "synth", "ground-truth-gl", "--manifest", str(r / "vctk.csv"),
        "--config", json.dumps({"audio": AUDIO, "model": MODEL}), "--out", out],
    "corpus build": lambda r, out: ["corpus", "build", "lj", "--config",
                                    json.dumps({"embedded": EMBEDDED}), "--out", out],
}
CHECKED = {
    **RUNNABLE,
    "synth run": lambda r, out: ["synth", "run", "--system", "mvc", "--checkpoint",
                                 str(r / "no_checkpoint.pt"), "--manifest", str(r / "vctk.csv"),
                                 "--config", "{}", "--out", out],
    "audit": lambda r, out: ["audit", "--config", '{"seed": 1}', "--workflow-files",
                             "Snakefile", "--out", out],
}


@pytest.mark.parametrize("command", sorted(CHECKED))
def test_a_directory_with_a_users_files_is_refused_and_left_as_it_was(command, inputs,
                                                                      tmp_path, capsys):
    out = tmp_path / "results"
    before = users_directory(out)
    assert main(CHECKED[command](inputs, str(out))) == 2
    err = capsys.readouterr().err
    assert (f"mvc {command.split()[0]}: error: {out}: the directory exists and holds files mvc "
            f"did not write (notes.txt, sub; no {OWNER_MARKER} marker); an output directory "
            "is replaced whole, so mvc refuses to replace this one. Fix: choose a new or empty "
            "directory for the output, or remove this one yourself") in err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results"]  # no temporary left


@pytest.mark.parametrize("command", sorted(CHECKED))
def test_an_out_that_is_a_file_is_an_input_error(command, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("mine\n")
    assert main(CHECKED[command](inputs, str(out))) == 2
    assert (f"{out}: the output path is an existing file, not a directory"
            in capsys.readouterr().err)
    assert out.read_text() == "mine\n"


@pytest.mark.parametrize("command", sorted(RUNNABLE))
def test_a_rerun_replaces_the_commands_own_output(command, inputs, tmp_path):
    out = tmp_path / "out"
    assert main(RUNNABLE[command](inputs, str(out))) == 0
    first = tree(out)
    assert first[OWNER_MARKER] == OWNER_RECORD.encode()
    (out / "stale.txt").write_text("left by the first run\n")  # replaced whole
    assert main(RUNNABLE[command](inputs, str(out))) == 0
    assert sorted(tree(out)) == sorted(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_empty_directory_is_filled(inputs, tmp_path):
    out = tmp_path / "runtimes"
    out.mkdir()
    assert main(RUNNABLE["report runtimes"](inputs, str(out))) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [OWNER_MARKER, "runtimes.csv", "runtimes.md"])


def test_synth_run_checks_the_output_before_reading_the_checkpoint(inputs, tmp_path, capsys):
    """The output check comes first: it costs nothing, while a checkpoint and model take a
    while to load; with the command's own earlier output the checkpoint is the error."""
    own = tmp_path / "own"
    with atomic_dir(own) as tmp:
        (tmp / "utt0.wav").write_bytes(b"earlier")
    before = tree(own)
    assert main(CHECKED["synth run"](inputs, str(own))) == 2
    err = capsys.readouterr().err
    assert f"{inputs / 'no_checkpoint.pt'}" in err and "did not write" not in err
    assert tree(own) == before


def test_audit_passes_its_own_output_on_to_the_config_check(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with atomic_dir(tmp_path / "results/audit") as tmp:
        (tmp / "README.md").write_text("earlier\n")
    assert main(CHECKED["audit"](tmp_path, "results/audit")) == 2
    assert "mvc audit: error: config: no `audit:` section" in capsys.readouterr().err


# atomic_dir itself


def test_atomic_dir_replaces_its_own_output_and_marks_it(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    with atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("b")
    assert tree(target) == {OWNER_MARKER: b'{"written_by": "mvc"}\n', "b.txt": b"b"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_refuses_a_foreign_directory_before_the_work(tmp_path):
    target = tmp_path / "out"
    before = users_directory(target)
    with (pytest.raises(InputError, match=r"holds files mvc did not write \(notes.txt, sub;"),
          atomic_dir(target)):
        pytest.fail("the body ran")
    assert tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_names_three_foreign_entries_and_counts_the_rest(tmp_path):
    for name in "abcde":
        (tmp_path / name).write_text(name)
    with pytest.raises(InputError, match=r"\(a, b, c and 2 more; no "):
        check_output_dir(tmp_path)


def test_atomic_dir_fills_an_empty_directory(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert sorted(tree(target)) == [OWNER_MARKER, "a.txt"]


def test_a_failure_inside_leaves_the_old_output_untouched(tmp_path):
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    before = tree(target)
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("b")
        raise RuntimeError("crash")
    assert tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_files_that_appear_during_the_work_are_not_replaced(tmp_path):
    """The final guard: a directory someone filled while the command ran is kept."""
    target = tmp_path / "out"
    with pytest.raises(InputError, match="did not write"), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
        before = users_directory(target)
    assert tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p.write_text("x"), "is an existing file, not a directory"),
    (lambda p: p.symlink_to(p.parent / "elsewhere"), "is a symbolic link"),
])
def test_a_file_or_link_is_not_replaced(tmp_path, make, message):
    target = tmp_path / "out"
    make(target)
    with pytest.raises(InputError, match=message):
        check_output_dir(target)


def test_no_directory_under_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="is a file, so no directory can be made under it"):
        check_output_dir(tmp_path / "f" / "out")


def test_the_current_directory_is_not_replaced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # empty, but replacing it would pull it from under the process
    for target in (".", str(tmp_path), ".."):
        with pytest.raises(InputError, match="is \\(or holds\\) the current directory"):
            check_output_dir(target)
