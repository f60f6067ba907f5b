"""The runtime summary sums Snakemake benchmark files per stage and part."""

import subprocess
import sys

import pandas as pd
import pytest

from mvc.errors import InputError
from mvc.report.runtimes import read_benchmarks, summarize_runtimes

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(root, relative, *rows):
    """A benchmark file as Snakemake writes it: one line per run of (s, max_rss, cpu_time)."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{s}\t0:00:00\t{rss}\t1\t1\t1\t0\t0\t50.0\t{cpu}\n" for s, rss, cpu in rows]
    path.write_text(HEADER + "".join(lines))


@pytest.fixture
def benchmarks(tmp_path):
    root = tmp_path / "benchmarks"
    bench(root, "train/mvc.tsv", (100.0, 2000, 90.0))
    bench(root, "train/vits.tsv", (300.0, 1500, 280.0))
    bench(root, "synth/mvc/vctk.tsv", (10.0, 900, 8.0))
    bench(root, "synth/mvc/css10_es.tsv", (20.0, 950, 18.0))
    bench(root, "score/vctk/mvc/reference_free.tsv", (40.0, 700, 30.0))
    bench(root, "score/vctk/vits/reference_free.tsv", (60.0, 710, 50.0))
    bench(root, "score/vctk/mvc/with_reference.tsv", (5.0, 600, 4.0), (7.0, 650, 6.0))  # repeat(2)
    bench(root, "stats.tsv", (3.0, 300, 2.5))
    return root


def test_parts_are_systems_for_train_and_synth_and_metric_groups_for_score(benchmarks):
    runs = read_benchmarks(benchmarks)
    parts = dict(zip(runs["file"], zip(runs["stage"], runs["part"], strict=True), strict=True))
    assert parts["train/vits.tsv"] == ("train", "vits")
    assert parts["synth/mvc/css10_es.tsv"] == ("synth", "mvc")
    assert parts["score/vctk/vits/reference_free.tsv"] == ("score", "reference_free")
    assert parts["stats.tsv"] == ("stats", "all")
    repeated = runs.set_index("file").loc["score/vctk/mvc/with_reference.tsv"]
    assert (repeated["wall_s"], repeated["cpu_s"], repeated["max_rss_mb"]) == (6.0, 5.0, 650.0)


def test_sums_per_part_and_total_against_hand_numbers(benchmarks):
    table = summarize_runtimes(read_benchmarks(benchmarks)).set_index(["stage", "part"])
    assert table.loc[("train", "vits"), ["jobs", "wall_s", "cpu_s"]].tolist() == [1, 300.0, 280.0]
    synth = table.loc[("synth", "mvc")]
    assert (synth["jobs"], synth["wall_s"], synth["max_wall_s"], synth["max_rss_mb"]) == (
        2, 30.0, 20.0, 950.0)
    reference_free = table.loc[("score", "reference_free")]
    assert (reference_free["jobs"], reference_free["wall_s"], reference_free["cpu_s"]) == (
        2, 100.0, 80.0)
    total = table.loc[("total", "all")]
    assert total["jobs"] == 8
    assert total["wall_s"] == pytest.approx(100 + 300 + 10 + 20 + 40 + 60 + 6 + 3)
    assert total["max_rss_mb"] == 2000


def test_stages_are_ordered_by_their_summed_wall_time(benchmarks):
    stages = summarize_runtimes(read_benchmarks(benchmarks))["stage"].tolist()
    assert list(dict.fromkeys(stages)) == ["train", "score", "synth", "stats", "total"]
    train = summarize_runtimes(read_benchmarks(benchmarks)).query("stage == 'train'")
    assert train["part"].tolist() == ["vits", "mvc"]


def test_a_file_that_is_not_a_benchmark_is_named(benchmarks):
    (benchmarks / "stats.tsv").write_text("a\tb\n1\t2\n")
    with pytest.raises(InputError, match=r"stats\.tsv.*not a Snakemake benchmark file"):
        read_benchmarks(benchmarks)


def test_no_benchmarks_says_to_run_the_workflow(tmp_path):
    with pytest.raises(InputError, match="run the workflow first"):
        read_benchmarks(tmp_path)


def test_cli_writes_csv_and_markdown(benchmarks, tmp_path):
    out = tmp_path / "runtimes"
    subprocess.run([sys.executable, "-m", "mvc.cli", "report", "runtimes", "--benchmarks",
                    str(benchmarks), "--out", str(out)], check=True, capture_output=True)
    table = pd.read_csv(out / "runtimes.csv")
    assert table.iloc[-1].tolist()[:3] == ["total", "all", 8]
    assert "| train" in (out / "runtimes.md").read_text()
