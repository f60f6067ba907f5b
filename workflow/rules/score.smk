# Scoring stage: each system's output for each test set with every metric of evaluation.metrics.


rule ground_truth:
    input:
        "results/manifests/{testset}.csv",
    output:
        directory("results/synth/ground_truth/{testset}"),
    log:
        "results/logs/synth/ground_truth/{testset}.log",
    benchmark:
        "results/benchmarks/synth/ground_truth/{testset}.tsv"
    threads: 1
    shell:
        "mvc synth ground-truth --manifest {input} --out {output} > {log} 2>&1"


# One scoring job per (test set, system, metric group): `mvc score` runs every metric of the
# group in one process, so the start-up and imports (about 5 s a job) are paid once per group
# rather than once per metric. with_reference metrics have their own job because they skip
# the ground truth and text-only test sets (score_targets).
for group, group_metrics in config["evaluation"]["metrics"].items():
    if not group_metrics:
        continue

    rule:
        name:
            f"score_{group}"
        input:
            system="results/synth/{system}/{testset}",
            manifest="results/manifests/{testset}.csv",
            models=metric_resources(group_metrics),
        output:
            [f"results/metrics/{{testset}}/{{system}}/{metric}.{ext}"
             for metric in group_metrics for ext in ("csv", "json")],
        wildcard_constraints:
            testset="[A-Za-z0-9_-]+",
            system="[A-Za-z0-9_-]+",
        params:
            metrics=inline(group_metrics),
            split=config["evaluation"]["split"],
            cache=SCORE_CACHE,
            out_dir="results/metrics/{testset}/{system}",
        log:
            f"results/logs/score/{{testset}}/{{system}}/{group}.log",
        benchmark:
            f"results/benchmarks/score/{{testset}}/{{system}}/{group}.tsv"
        threads: 1
        shell:
            SCORE_COMMAND


rule scores:
    input:
        score_targets(),
