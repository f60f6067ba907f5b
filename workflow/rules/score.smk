# Scoring stage: each system's output for each test set, one job per (test set, system, metric).


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


rule score:
    input:
        system="results/synth/{system}/{testset}",
        manifest="results/manifests/{testset}.csv",
        models=metric_resources,
    output:
        scores="results/metrics/{testset}/{system}/{metric}.csv",
        sidecar="results/metrics/{testset}/{system}/{metric}.json",
    params:
        settings=lambda w: inline(metric_settings(w.metric)),
        split=config["evaluation"]["split"],
        cache="results/cache/scores",
    log:
        "results/logs/score/{testset}/{system}/{metric}.log",
    benchmark:
        "results/benchmarks/score/{testset}/{system}/{metric}.tsv"
    threads: 1
    shell:
        "mvc score --system-dir {input.system} --manifest {input.manifest}"
        " --metric {wildcards.metric} --settings {params.settings:q} --split {params.split}"
        " --cache {params.cache} --out {output.scores} > {log} 2>&1"


rule scores:
    input:
        score_targets(),
