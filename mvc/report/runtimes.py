"""Where a DAG run spent its time: Snakemake's `benchmark:` files summed per stage and part.

Every rule writes `results/benchmarks/{stage}/...tsv` (one row per run: wall seconds `s`,
`cpu_time`, `max_rss` in MB, `mean_load`, ...). The summary groups them by stage (the first
path component) and, within a stage, by the part that explains the cost: the system for
`train` and `synth` (`synth/{system}/{testset}`), the metric group for `score`
(`score/{testset}/{system}/{group}`: one job scores every metric of a group), nothing for
the others. Sums of wall time are CPU-slot
seconds, not the run's end-to-end time: jobs run side by side (`--cores`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mvc.errors import InputError

COLUMNS = ("stage", "part", "jobs", "wall_s", "cpu_s", "max_wall_s", "max_rss_mb")
REQUIRED = ("s", "cpu_time", "max_rss")
# stage -> which path component (after the stage) names the part
PART_INDEX = {"train": 0, "synth": 0, "score": 2}


def _part(stage: str, rest: tuple[str, ...]) -> str:
    index = PART_INDEX.get(stage)
    return Path(rest[index]).stem if index is not None and len(rest) > index else "all"


def read_benchmarks(root: Path) -> pd.DataFrame:
    """One row per benchmark file: stage, part, file, wall s, CPU s, peak RSS (MB).

    A file with several rows (`benchmark: repeat(...)`) counts its mean, as Snakemake's own
    report does."""
    records = []
    for path in sorted(root.rglob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        missing = [c for c in REQUIRED if c not in table.columns]
        if table.empty or missing:
            raise InputError(path, f"not a Snakemake benchmark file (missing {missing or 'rows'})",
                             "delete it; the rule's next run rewrites it")
        parts = path.relative_to(root).with_suffix("").parts
        stage = parts[0]
        records.append({"stage": stage, "part": _part(stage, parts[1:]),
                        "file": str(path.relative_to(root)),
                        "wall_s": float(table["s"].mean()),
                        "cpu_s": float(pd.to_numeric(table["cpu_time"], errors="coerce").mean()),
                        "max_rss_mb": float(pd.to_numeric(table["max_rss"],
                                                          errors="coerce").max())})
    if not records:
        raise InputError(root, "no benchmark files", "run the workflow first "
                         "(snakemake --cores all results/tables)")
    return pd.DataFrame.from_records(records)


def summarize_runtimes(runs: pd.DataFrame) -> pd.DataFrame:
    """Per (stage, part): job count, summed and largest wall time, summed CPU time, peak
    RSS; stages in order of their summed wall time, largest first, and a last `total` row
    over every job."""
    grouped = (runs.groupby(["stage", "part"], sort=False)
               .agg(jobs=("file", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"),
                    max_wall_s=("wall_s", "max"), max_rss_mb=("max_rss_mb", "max"))
               .reset_index())
    order = grouped.groupby("stage")["wall_s"].sum().sort_values(ascending=False).index
    grouped["stage"] = pd.Categorical(grouped["stage"], categories=list(order), ordered=True)
    grouped = grouped.sort_values(["stage", "wall_s"], ascending=[True, False])
    grouped["stage"] = grouped["stage"].astype(str)
    total = {"stage": "total", "part": "all", "jobs": len(runs), "wall_s": runs["wall_s"].sum(),
             "cpu_s": runs["cpu_s"].sum(), "max_wall_s": runs["wall_s"].max(),
             "max_rss_mb": runs["max_rss_mb"].max()}
    table = pd.concat([grouped, pd.DataFrame([total])], ignore_index=True)
    return table[list(COLUMNS)].round({"wall_s": 1, "cpu_s": 1, "max_wall_s": 1,
                                       "max_rss_mb": 0})
