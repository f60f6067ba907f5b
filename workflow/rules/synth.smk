# Synthesis stage: a trained system's checkpoint + a test set's manifest -> {utt_id}.wav,
# timings.csv and references.csv in results/synth/{system}/{testset}.
# The ground-truth pseudo-systems: ground_truth (score.smk) and ground_truth_gl (the
# recordings' log-mels through the same vocoder, the round trip every system pays). With
# model.vocoder.kind hifigan both also read the shared trained vocoder (train_vocoder,
# train.smk).


rule synth:
    input:
        checkpoint="results/train/{system}/checkpoint.pt",
        manifest="results/manifests/{testset}.csv",
        vocoder=trained_vocoder(),
    output:
        directory("results/synth/{system}/{testset}"),
    wildcard_constraints:
        system=TRAINED_SYSTEM,
    params:
        config=synth_config,
        split=config["evaluation"]["split"],
        vocoder=vocoder_option(),
    log:
        "results/logs/synth/{system}/{testset}.log",
    benchmark:
        "results/benchmarks/synth/{system}/{testset}.tsv"
    threads: config["synthesis"].get("threads") or 1
    resources:
        gpu=1 if config["synthesis"].get("device") == "cuda" else 0,
    shell:
        "mvc synth run --system {wildcards.system} --checkpoint {input.checkpoint}"
        " --manifest {input.manifest} --config {params.config:q} --split {params.split}"
        "{params.vocoder} --out {output} > {log} 2>&1"


rule ground_truth_gl:
    input:
        manifest="results/manifests/{testset}.csv",
        vocoder=trained_vocoder(),
    output:
        directory("results/synth/ground_truth_gl/{testset}"),
    params:
        config=lambda w: inline({"audio": config["audio"], "model": config["model"]}),
        split=config["evaluation"]["split"],
        vocoder=vocoder_option(),
    log:
        "results/logs/synth/ground_truth_gl/{testset}.log",
    benchmark:
        "results/benchmarks/synth/ground_truth_gl/{testset}.tsv"
    threads: 1
    shell:
        "mvc synth ground-truth-gl --manifest {input.manifest} --config {params.config:q}"
        " --split {params.split}{params.vocoder} --out {output} > {log} 2>&1"
