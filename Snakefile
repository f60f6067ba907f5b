# MVC-Bench: corpus -> manifest -> features -> train -> synthesize -> score -> stats -> tables.
# Main target: `snakemake --cores all results/tables` (configs/default.yaml, the embedded corpus).
# Ablation sweep: `snakemake --cores all results/ablations/table` (workflow/rules/ablations.smk).
# Another config replaces the default: `snakemake results/tables --configfile configs/smoke.yaml`.
from snakemake.utils import min_version, validate

min_version("9.0")

if not workflow.overwrite_configfiles:

    configfile: "configs/default.yaml"


validate(config, "workflow/schemas/config.schema.yaml")


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/fetch.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/synth.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/ablations.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/bench.smk"


rule all:
    default_target: True
    input:
        "results/tables",
