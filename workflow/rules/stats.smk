# Statistics stage: bootstrap intervals, paired tests vs the reference, Holm per paper table.


rule stats:
    input:
        scores=score_targets(),
        ratings=listener_ratings(),
    output:
        directory("results/stats"),
    params:
        config=inline({"statistics": config["statistics"]}),
        systems=config["evaluation"]["systems"],
    log:
        "results/logs/stats.log",
    benchmark:
        "results/benchmarks/stats.tsv"
    threads: 1
    shell:
        "mvc stats --scores {input.scores} --systems {params.systems}"
        " --config {params.config:q} --out {output} > {log} 2>&1"
