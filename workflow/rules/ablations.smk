# Ablation sweep (docs/orchestration.md, "Ablation sweeps"): every variant of the ablation TSV
# (config `ablations:`) through train -> synth -> score, then one table:
# `snakemake --cores all results/ablations/table`. A variant's directory is its knobs
# (snakemake.utils.Paramspace: results/ablations/adaln~false/.../lookahead~8/); checkpoints are
# keyed by the model knobs alone (results/ablations/train/...), so rows that differ only in
# synthesis knobs share one and train nothing. The commands are the main DAG's (`mvc train`,
# `mvc synth run`, `mvc score`) with the row's knobs set in the sections they pass.
from snakemake.utils import Paramspace

from mvc.ablations.sweep import CELL, ablation_settings, read_sweep
from mvc.errors import InputError

ABLATIONS = "results/ablations"


def _sweep():
    """The checked TSV; a bad TSV or section stops the workflow before planning."""
    try:
        sweep = read_sweep(ablation_settings(config["ablations"]))
        system = sweep.settings.system
        if system not in config["systems"]:
            raise InputError("ablations.system", f"{system!r} has no entry under systems:",
                             "name a trained system of the config (e.g. mvc)")
        unknown = [t for t in sweep.settings.testsets if t not in config["datasets"]]
        if unknown:
            raise InputError("ablations.testsets", f"{unknown} are not under datasets",
                             "add them to datasets or remove them from ablations.testsets")
        sweep.check_reference(config["model"], config["systems"][system], config["synthesis"])
        headline = [f"{c['metric']}.{c['column']}" for c in config["statistics"]["columns"]]
        unknown = [key for key in sweep.settings.metrics if key not in headline]
        if unknown:
            raise InputError("ablations.metrics", f"{unknown} are not headline columns",
                             f"use metric.column keys of statistics.columns ({headline})")
        for key in sweep.settings.metrics:
            metric_settings(key.split(".")[0])  # under evaluation.metrics, or a WorkflowError
    except InputError as err:
        raise WorkflowError(f"config: {err}") from None
    return sweep


SWEEP = _sweep()
ABLATED = SWEEP.settings.system
VARIANTS = Paramspace(SWEEP.frame)
CHECKPOINTS = Paramspace(SWEEP.frame[SWEEP.model_columns].drop_duplicates())
VARIANT_DIR = f"{ABLATIONS}/{VARIANTS.wildcard_pattern}"
CHECKPOINT_DIR = f"{ABLATIONS}/train/{CHECKPOINTS.wildcard_pattern}"


wildcard_constraints:
    **{name: CELL.pattern.strip("^$") for name in SWEEP.frame.columns},


def ablation_checkpoint(wildcards):
    """The checkpoint a variant synthesizes: the one trained with its model knobs."""
    return CHECKPOINT_DIR.format(**wildcards) + "/checkpoint.pt"


def ablation_metrics():
    """The metrics of ablations.metrics (metric.column keys), in order."""
    return list(dict.fromkeys(key.split(".")[0] for key in SWEEP.settings.metrics))


def ablation_score_targets():
    """Every variant's score tables: test sets x the metrics of ablations.metrics (metrics
    against the recording skip test sets without one, as in score_targets)."""
    with_reference = config["evaluation"]["metrics"]["with_reference"]
    return [f"{ABLATIONS}/{variant}/metrics/{testset}/{metric}.csv"
            for variant in VARIANTS.instance_patterns
            for testset in SWEEP.settings.testsets
            for metric in ablation_metrics() if has_audio(testset) or metric not in with_reference]


rule ablation_train:
    input:
        **rules.train.input,
    output:
        checkpoint=f"{CHECKPOINT_DIR}/checkpoint.pt",
        losses=f"{CHECKPOINT_DIR}/losses.csv",
        excluded=f"{CHECKPOINT_DIR}/excluded.csv",
        params=f"{CHECKPOINT_DIR}/params.json",
    params:
        config=lambda w: inline({
            **{key: config[key] for key in TRAIN_SECTIONS},
            "systems": {ABLATED: SWEEP.system_entry(config["systems"][ABLATED],
                                                    CHECKPOINTS.instance(w))}}),
        cache="results/cache/features",
        out=lambda w, output: str(Path(output.checkpoint).parent),
    log:
        f"results/logs/ablations/train/{CHECKPOINTS.wildcard_pattern}.log",
    benchmark:
        f"results/benchmarks/ablations/train/{CHECKPOINTS.wildcard_pattern}.tsv"
    threads: config["training"].get("threads") or 1
    resources:
        gpu=1 if config["training"].get("device") == "cuda" else 0,
    shell:
        "mvc train {ABLATED} --config {params.config:q} --manifests {input.manifests}"
        " --phonemes {input.phonemes} --features {input.features} --cache {params.cache}"
        " --out {params.out} > {log} 2>&1"


rule ablation_synth:
    input:
        checkpoint=ablation_checkpoint,
        manifest="results/manifests/{testset}.csv",
        vocoder=trained_vocoder(),
    output:
        directory(f"{VARIANT_DIR}/synth/{{testset}}"),
    params:
        config=lambda w: inline({"seed": config["seed"], "synthesis": SWEEP.synthesis_section(
            config["synthesis"], VARIANTS.instance(w))}),
        split=config["evaluation"]["split"],
        vocoder=vocoder_option(),
    log:
        f"results/logs/ablations/{VARIANTS.wildcard_pattern}/synth/{{testset}}.log",
    benchmark:
        f"results/benchmarks/ablations/{VARIANTS.wildcard_pattern}/synth/{{testset}}.tsv"
    threads: config["synthesis"].get("threads") or 1
    resources:
        gpu=1 if config["synthesis"].get("device") == "cuda" else 0,
    shell:
        "mvc synth run --system {ABLATED} --checkpoint {input.checkpoint}"
        " --manifest {input.manifest} --config {params.config:q} --split {params.split}"
        "{params.vocoder} --out {output} > {log} 2>&1"


# One job per (variant, test set, metric group), as the main DAG's score rules.
for group, group_metrics in config["evaluation"]["metrics"].items():
    swept = {name: group_metrics[name] for name in ablation_metrics() if name in group_metrics}
    if not swept:
        continue

    rule:
        name:
            f"ablation_score_{group}"
        input:
            system=f"{VARIANT_DIR}/synth/{{testset}}",
            manifest="results/manifests/{testset}.csv",
            models=metric_resources(swept),
        output:
            [f"{VARIANT_DIR}/metrics/{{testset}}/{metric}.{ext}"
             for metric in swept for ext in ("csv", "json")],
        params:
            metrics=inline(swept),
            split=config["evaluation"]["split"],
            cache=SCORE_CACHE,
            out_dir=f"{VARIANT_DIR}/metrics/{{testset}}",
        log:
            f"results/logs/ablations/{VARIANTS.wildcard_pattern}/score/{{testset}}/{group}.log",
        benchmark:
            f"results/benchmarks/ablations/{VARIANTS.wildcard_pattern}/score/{{testset}}/{group}.tsv"
        threads: 1
        shell:
            SCORE_COMMAND


rule ablation_table:
    input:
        tsv=config["ablations"]["tsv"],
        scores=ablation_score_targets(),
    output:
        directory(f"{ABLATIONS}/table"),
    params:
        config=inline({key: config[key] for key in ("ablations", "statistics")}),
    log:
        "results/logs/ablations/table.log",
    benchmark:
        "results/benchmarks/ablations/table.tsv"
    threads: 1
    shell:
        "mvc report ablations --config {params.config:q} --scores {input.scores}"
        " --out {output} > {log} 2>&1 && cat {output}/ablations.md"
