# Training stage: the training datasets' data-stage outputs -> one checkpoint per system.
# Resumable states live in results/train/{system}/work/ (not an output, so Snakemake keeps them
# when a killed job is rerun: `mvc train` continues from the newest one).


rule train:
    input:
        manifests=expand("results/manifests/{dataset}.csv", dataset=config["train_datasets"]),
        phonemes=expand("results/phonemes/{dataset}.csv", dataset=config["train_datasets"]),
        features=expand("results/features/{dataset}.csv", dataset=config["train_datasets"]),
    output:
        checkpoint="results/train/{system}/checkpoint.pt",
        losses="results/train/{system}/losses.csv",
        excluded="results/train/{system}/excluded.csv",
        params="results/train/{system}/params.json",
    wildcard_constraints:
        system=TRAINED_SYSTEM,
    params:
        config=lambda w: inline({**{key: config[key] for key in TRAIN_SECTIONS},
                                 "systems": system_entry(w.system)}),
        cache="results/cache/features",
        out="results/train/{system}",
    log:
        "results/logs/train/{system}.log",
    benchmark:
        "results/benchmarks/train/{system}.tsv"
    threads: config["training"].get("threads") or 1
    resources:
        gpu=1 if config["training"].get("device") == "cuda" else 0,
    shell:
        "mvc train {wildcards.system} --config {params.config:q} --manifests {input.manifests}"
        " --phonemes {input.phonemes} --features {input.features} --cache {params.cache}"
        " --out {params.out} > {log} 2>&1"
