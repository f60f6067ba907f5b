# Plots, tables and the one-page summary; `snakemake --report results/report.html` gathers
# the items marked report(...) below with their captions from workflow/report/.


rule plots:
    input:
        stats="results/stats",
        synth=synth_dirs(),
        bench=ssm_bench(),
        encoders=bench_results("encoders.csv"),
        longform=bench_results("synth_longform.csv"),
    output:
        report(
            directory("results/plots"),
            patterns=["{name}.png"],
            caption="../report/plots.rst",
            category="Plots",
        ),
    params:
        config=report_config(),
        systems=config["evaluation"]["systems"],
        bench=lambda w, input: f"--bench {input.bench}" if input.bench else "",
        benchmarks=lambda w, input: bench_options(input),
    log:
        "results/logs/plots.log",
    threads: 1
    shell:
        "mvc report plots --stats {input.stats} --synth {input.synth}"
        " --systems {params.systems} --config {params.config:q} {params.bench}"
        " {params.benchmarks} --out {output} > {log} 2>&1"


rule report:
    input:
        stats="results/stats",
        plots="results/plots",
        manifests=expand("results/manifests/{dataset}.csv", dataset=all_datasets()),
        scores=score_targets(),
        synth=synth_dirs(),
        params=trained_params(),
        bench=ssm_bench(),
        encoders=bench_results("encoders.csv"),
        longform=bench_results("synth_longform.csv"),
        synth_bench=bench_results("synth.csv"),
    output:
        report(
            directory("results/tables"),
            patterns=["{name}.csv"],
            caption="../report/tables.rst",
            category="Tables",
        ),
    params:
        config=report_config(),
        systems=config["evaluation"]["systems"],
        embedded=embedded_testsets(),
        counts=system_params(),
        bench=lambda w, input: f"--bench {input.bench}" if input.bench else "",
        benchmarks=lambda w, input: bench_options(input),
    log:
        "results/logs/report.log",
    benchmark:
        "results/benchmarks/report.tsv"
    threads: 1
    shell:
        "mvc report tables --stats {input.stats} --plots {input.plots}"
        " --manifests {input.manifests} --scores {input.scores} --synth {input.synth}"
        " --params {params.counts}"
        " --systems {params.systems} --embedded {params.embedded} {params.bench}"
        " {params.benchmarks}"
        " --config {params.config:q} --out {output} > {log} 2>&1 && cat {output}/README.md"


# After a run: `snakemake --cores 1 results/runtimes` sums the rules' benchmark files per stage
# and per system or metric (docs/orchestration.md, "Where the time goes").
rule runtimes:
    input:
        "results/tables",
    output:
        directory("results/runtimes"),
    params:
        benchmarks="results/benchmarks",
    log:
        "results/logs/runtimes.log",
    threads: 1
    shell:
        "mvc report runtimes --benchmarks {params.benchmarks} --out {output} > {log} 2>&1"
