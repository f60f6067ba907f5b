# Data stage: embedded corpus -> manifest -> phonemes and features.


rule embedded_corpus:
    input:
        shipped_texts,
    output:
        directory("results/corpus/{corpus}"),
    params:
        config=embedded_corpus_config,
    log:
        "results/logs/corpus/{corpus}.log",
    benchmark:
        "results/benchmarks/corpus/{corpus}.tsv"
    threads: 1
    shell:
        "mvc corpus build {wildcards.corpus} --config {params.config:q} --out {output} > {log} 2>&1"


rule manifest:
    input:
        corpus_of,
    output:
        manifest="results/manifests/{dataset}.csv",
        sidecar="results/manifests/{dataset}.json",
    params:
        config=dataset_config,
    log:
        "results/logs/manifest/{dataset}.log",
    benchmark:
        "results/benchmarks/manifest/{dataset}.tsv"
    threads: 1
    shell:
        "mvc manifest {wildcards.dataset} --config {params.config:q} --out {output.manifest} > {log} 2>&1"


rule phonemes:
    input:
        "results/manifests/{dataset}.csv",
    output:
        table="results/phonemes/{dataset}.csv",
        sidecar="results/phonemes/{dataset}.json",
    log:
        "results/logs/phonemes/{dataset}.log",
    benchmark:
        "results/benchmarks/phonemes/{dataset}.tsv"
    threads: 1
    shell:
        "mvc phonemize --manifest {input} --out {output.table} > {log} 2>&1"


rule features:
    input:
        "results/manifests/{dataset}.csv",
    output:
        "results/features/{dataset}.csv",
    params:
        config=lambda w: inline({"audio": config["audio"], "prosody": config["prosody"]}),
        cache="results/cache/features",
    log:
        "results/logs/features/{dataset}.log",
    benchmark:
        "results/benchmarks/features/{dataset}.tsv"
    threads: 1
    priority: CRITICAL_PATH_PRIORITY
    shell:
        "mvc features --manifest {input} --config {params.config:q} --cache {params.cache}"
        " --out {output} > {log} 2>&1"


rule data:
    input:
        data_stage_outputs(),
