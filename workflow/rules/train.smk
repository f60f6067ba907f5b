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
    priority: CRITICAL_PATH_PRIORITY
    resources:
        gpu=1 if config["training"].get("device") == "cuda" else 0,
    shell:
        "mvc train {wildcards.system} --config {params.config:q} --manifests {input.manifests}"
        " --phonemes {input.phonemes} --features {input.features} --cache {params.cache}"
        " --out {params.out} > {log} 2>&1"


# The shared vocoder (model.vocoder.kind: hifigan only; synth and ground_truth_gl require it
# then): one HiFi-GAN/iSTFTNet generator trained on the training datasets' recordings.
# Resumable states live in results/train/vocoder/work/, as for `train`.
ruleorder: train_vocoder > train


rule train_vocoder:
    input:
        manifests=expand("results/manifests/{dataset}.csv", dataset=config["train_datasets"]),
    output:
        checkpoint=VOCODER_CHECKPOINT,
        losses="results/train/vocoder/losses.csv",
    params:
        config=lambda w: inline({"seed": config["seed"], "audio": config["audio"],
                                 "model": {"vocoder": config["model"]["vocoder"]},
                                 "vocoder_training": config["vocoder_training"]}),
        out="results/train/vocoder",
    log:
        "results/logs/train/vocoder.log",
    benchmark:
        "results/benchmarks/train/vocoder.tsv"
    threads: config["vocoder_training"].get("threads") or 1
    resources:
        gpu=1 if config["vocoder_training"].get("device") == "cuda" else 0,
    shell:
        "mvc train-vocoder --config {params.config:q} --manifests {input.manifests}"
        " --out {params.out} > {log} 2>&1"
