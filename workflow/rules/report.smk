# Tables, plots and report. Until training, synthesis and scoring exist, `results/tables`
# holds the data summary and says which stages are still missing.


rule tables:
    input:
        manifests=expand("results/manifests/{dataset}.csv", dataset=all_datasets()),
        data=data_stage_outputs(),
    output:
        directory("results/tables"),
    log:
        "results/logs/tables.log",
    threads: 1
    shell:
        "mvc report data-summary --manifests {input.manifests} --out {output} > {log} 2>&1"
        " && cat {output}/README.md"
