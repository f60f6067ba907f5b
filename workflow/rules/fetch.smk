# Fetch stage: the real corpora and checkpoints of the sources registry (configs/sources.yaml)
# -> resources/{name}/ with a FETCHED.json marker, upstream of the manifests (corpus_of) and of
# the metrics reading a local checkpoint (metric_resources). A copy already in place is used as
# is. Under a cluster profile the downloads run on the submitting (login) node: compute nodes
# often have no network. docs/fetching.md.
import yaml


localrules:
    fetch,


def _load_sources():
    """The sources registry named by fetch.sources, schema-validated (none without `fetch`)."""
    if "fetch" not in config:
        return {}
    path = Path(config["fetch"]["sources"])
    if not path.is_file():
        raise WorkflowError(f"config: fetch.sources names {path}, which does not exist. "
                            f"Fix: point it at configs/sources.yaml.")
    registry = yaml.safe_load(path.read_text(encoding="utf-8"))
    validate(registry, "../schemas/sources.schema.yaml")
    return registry


SOURCES = _load_sources()


def fetch_source(wildcards):
    """The one registry entry a fetch job downloads, as inline JSON (a change reruns it)."""
    if "fetch" not in config:
        raise WorkflowError(
            f"resources/{wildcards.corpus}/ is read but the config has no `fetch` section. "
            f"Fix: add one (see configs/paper.yaml), or point the root outside resources/."
        )
    if wildcards.corpus not in SOURCES:
        raise WorkflowError(
            f"resources/{wildcards.corpus}/ is read but {config['fetch']['sources']} has no "
            f"entry {wildcards.corpus!r}. Fix: add one, or move the copy outside resources/ "
            f"and point the root there (used as is)."
        )
    return inline({wildcards.corpus: SOURCES[wildcards.corpus]})


rule fetch:
    output:
        f"{RESOURCES_ROOT}/{{corpus}}/{FETCH_MARKER}",
    params:
        sources=fetch_source,
        config=lambda w: inline({"fetch": config["fetch"]}),
        resources=str(RESOURCES_ROOT),
    log:
        "results/logs/fetch/{corpus}.log",
    benchmark:
        "results/benchmarks/fetch/{corpus}.tsv"
    threads: 1
    shell:
        "mvc fetch {wildcards.corpus} --sources {params.sources:q} --config {params.config:q}"
        " --resources {params.resources} > {log} 2>&1"
