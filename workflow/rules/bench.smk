# Efficiency benchmarks (docs/efficiency.md): `snakemake --cores 2 bench`. A separate target,
# not in the main DAG: the synth benchmark needs the styletts2 and hybrid checkpoints, which
# the default evaluation does not train. `results/tables` and `results/plots` include the
# CSVs when they exist (bench_results() in common.smk), as they do results/bench/ssm.csv.


rule bench:
    input:
        "results/bench/encoders.csv",
        "results/bench/synth.csv",


rule bench_encoders:
    output:
        rows="results/bench/encoders.csv",
        summary="results/bench/encoders_summary.csv",
    params:
        scales=bench_scales(),
        lengths=config["bench"]["encoders"]["lengths"],
        batches=config["bench"]["encoders"]["batches"],
        reps=config["bench"]["encoders"]["reps"],
        device=config["bench"]["device"],
        threads=bench_threads_option(),
    log:
        "results/logs/bench/encoders.log",
    benchmark:
        "results/benchmarks/bench/encoders.tsv"
    threads: config["bench"]["threads"] or 1
    shell:
        "mvc bench encoders --config {params.scales} --lengths {params.lengths}"
        " --batches {params.batches} --reps {params.reps} --device {params.device}"
        " {params.threads} --out {output.rows} --summary-out {output.summary} > {log} 2>&1"


rule bench_synth:
    input:
        checkpoints=bench_checkpoints(),
        vocoder=trained_vocoder(),
        text=config["bench"]["synth"]["text"],
    output:
        components="results/bench/synth.csv",
        longform="results/bench/synth_longform.csv",
    params:
        checkpoints=bench_checkpoint_items(),
        language=config["bench"]["synth"]["language"],
        utterances=config["bench"]["synth"]["utterances"],
        passages=config["bench"]["synth"]["passages"],
        lookaheads=lambda w: " ".join(map(str, config["bench"]["synth"]["lookaheads"])),
        reps=config["bench"]["synth"]["reps"],
        device=config["bench"]["device"],
        threads=bench_threads_option(),
        vocoder=vocoder_option(),
    log:
        "results/logs/bench/synth.log",
    benchmark:
        "results/benchmarks/bench/synth.tsv"
    threads: config["bench"]["threads"] or 1
    resources:
        gpu=1 if config["bench"]["device"] == "cuda" else 0,
    shell:
        "mvc bench synth --checkpoint {params.checkpoints} {params.vocoder}"
        " --text {input.text} --language {params.language}"
        " --utterances {params.utterances} --passages {params.passages}"
        " --lookaheads {params.lookaheads} --reps {params.reps}"
        " --device {params.device} {params.threads}"
        " --out {output.components} --longform-out {output.longform} > {log} 2>&1"
