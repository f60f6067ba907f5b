"""The DAG's jobs from a dry run's text, and the seeded sample."""

from mvc.audit.jobs import Job, parse_dry_run, sample_jobs

DRY_RUN = """Building DAG of jobs...
Job stats:
job      count
score        2

[Thu Nov 26 12:35:33 2026]
rule score:
    input: results/synth/ground_truth/vctk, results/manifests/vctk.csv
    output: results/metrics/vctk/ground_truth/wer.csv, results/metrics/vctk/ground_truth/wer.json
    log: results/logs/score/vctk/ground_truth/wer.log
    jobid: 3
    reason: Missing output files: results/metrics/vctk/ground_truth/wer.csv
    wildcards: testset=vctk, system=ground_truth, metric=wer
    resources: tmpdir=/tmp
[Thu Nov 26 12:35:33 2026]
localrule stats:
    input: results/metrics/vctk/ground_truth/wer.csv
    output: results/stats
    jobid: 1
[Thu Nov 26 12:35:33 2026]
rule scores:
    input: results/metrics/vctk/ground_truth/wer.csv
    jobid: 0
Job stats:
"""


def test_parse_dry_run_reads_rules_outputs_and_wildcards():
    assert parse_dry_run(DRY_RUN) == [
        Job("score", ("results/metrics/vctk/ground_truth/wer.csv",
                      "results/metrics/vctk/ground_truth/wer.json"),
            "testset=vctk, system=ground_truth, metric=wer"),
        Job("stats", ("results/stats",)),
    ]


def test_sample_is_seeded_bounded_and_names_rules_without_jobs():
    jobs = [Job("score", (f"results/metrics/{i}.csv",)) for i in range(10)]
    first = sample_jobs(jobs, ["score", "train"], 3, seed=7)
    assert first == sample_jobs(list(reversed(jobs)), ["score", "train"], 3, seed=7)
    assert len(first["score"]) == 3 and set(first["score"]) <= set(jobs)
    assert first["train"] == []
    assert len(sample_jobs(jobs, ["score"], 50, seed=7)["score"]) == 10
    draws = {tuple(sample_jobs(jobs, ["score"], 1, seed=s)["score"]) for s in range(20)}
    assert len(draws) > 1
