# Reproducibility audit: `snakemake --cores all results/audit` after (and depending on) the
# audited target. Environment, git state and hashes go into files, not params: params would
# rerun the audit whenever they change. To audit again with nothing changed: `-R audit`.
# docs/orchestration.md, "Reproducibility audit".
AUDIT_WORKFLOW_FILES = ["Snakefile", "workflow", "configs", "data"]


def audit_section():
    if "audit" not in config:
        raise WorkflowError("config: no `audit:` section. Fix: add one (configs/default.yaml).")
    return config["audit"]


rule audit:
    input:
        lambda w: audit_section()["target"],
    output:
        directory("results/audit"),
    params:
        # Not inline(): its sorted keys would lose the config's order, which means something
        # (evaluation.metrics' order is the score tables' and the statistics' row order).
        config=lambda w: json.dumps(config, separators=(",", ":")),
        files=AUDIT_WORKFLOW_FILES,
    log:
        "results/logs/audit.log",
    benchmark:
        "results/benchmarks/audit.tsv"
    threads: (config.get("audit") or {}).get("threads", 1)
    shell:
        "mvc audit --config {params.config:q} --results results"
        " --workflow-files {params.files} --out {output} > {log} 2>&1"
