# Tables, plots and report. Until training, synthesis and statistics exist, `results/tables`
# holds the data and scores summaries and says which stages are still missing.


rule tables:
    input:
        manifests=expand("results/manifests/{dataset}.csv", dataset=all_datasets()),
        data=data_stage_outputs(),
        scores=score_targets(),
    output:
        directory("results/tables"),
    log:
        "results/logs/tables.log",
    threads: 1
    shell:
        "mvc report summary --manifests {input.manifests} --scores {input.scores}"
        " --out {output} > {log} 2>&1 && cat {output}/README.md"
