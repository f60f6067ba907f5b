"""A dry run of `snakemake bench`: it plans the encoder benchmark from the config's scales
and the synth benchmark on every bench.synth system's checkpoint (training those it lacks)."""

import pytest
import yaml

from .conftest import scratch_copy
from .test_vocoder_plan import dry_run, jobs


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return scratch_copy(tmp_path_factory.mktemp("bench_plan"))


def test_bench_plans_both_benchmarks_and_trains_the_baselines(workdir):
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    plan = dry_run(workdir, config, "bench_smoke", "bench")
    counts = jobs(plan)
    assert counts["bench_encoders"] == 1 and counts["bench_synth"] == 1
    assert counts["train"] == 3  # mvc, styletts2 and hybrid
    assert "mvc bench encoders --config smoke=configs/smoke.yaml --lengths 16 64" in plan
    assert ("mvc bench synth --checkpoint mvc=results/train/mvc/checkpoint.pt "
            "styletts2=results/train/styletts2/checkpoint.pt "
            "hybrid=results/train/hybrid/checkpoint.pt") in plan
    assert "--passages 1 2 --lookaheads 8 --reps 1 --device cpu --threads 1" in plan

