"""The jobs of a target's DAG, as a Snakemake dry run lists them, and the seeded sample of
them the audit reruns."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mvc.errors import InputError

_RULE_LINE = re.compile(r"^(?:local)?rule (?P<rule>[A-Za-z0-9_]+):$")
_FIELD_LINE = re.compile(r"^    (?P<key>[a-z]+): (?P<value>.*)$")


@dataclass(frozen=True)
class Job:
    """One job of the DAG: its rule, output paths (relative to the workdir) and wildcards."""

    rule: str
    outputs: tuple[str, ...]
    wildcards: str = ""

    @property
    def name(self) -> str:
        return f"{self.rule}[{self.wildcards}]" if self.wildcards else self.rule


def parse_dry_run(text: str) -> list[Job]:
    """The jobs with outputs in the text of `snakemake --dry-run` (Snakemake 9's job blocks:
    `rule NAME:` then indented `output: a, b` and `wildcards: k=v, ...` lines), each once,
    sorted by rule then outputs. Aggregate rules (no output) are left out."""
    jobs: set[Job] = set()
    rule: str | None = None
    fields: dict[str, str] = {}

    def close() -> None:
        if rule is not None and fields.get("output"):
            outputs = tuple(part.strip() for part in fields["output"].split(", "))
            jobs.add(Job(rule, outputs, fields.get("wildcards", "")))

    for line in text.splitlines():
        if match := _RULE_LINE.match(line):
            close()
            rule, fields = match["rule"], {}
        elif rule is not None and (match := _FIELD_LINE.match(line)):
            fields[match["key"]] = match["value"]
        elif rule is not None and not line.startswith("    "):
            close()
            rule, fields = None, {}
    close()
    return sorted(jobs, key=lambda job: (job.rule, job.outputs))


def dag_jobs(workdir: Path, target: str, configfile: Path) -> list[Job]:
    """Every job of `target`'s DAG in the workflow at `workdir` (a dry run with --forceall,
    so jobs whose outputs exist are listed too); InputError when the dry run fails."""
    command = [sys.executable, "-m", "snakemake", "--dry-run", "--forceall", "--nolock",
               "--cores", "1", target, "--configfile", str(configfile)]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InputError(workdir, f"the dry run of {target} failed:\n{done.stderr[-3000:]}",
                         "fix the workflow or config so `snakemake --dry-run` plans it")
    return parse_dry_run(done.stdout + "\n" + done.stderr)


def sample_jobs(jobs: Sequence[Job], rules: Sequence[str], per_rule: int,
                seed: int) -> dict[str, list[Job]]:
    """Up to `per_rule` jobs of each rule in `rules`, drawn without replacement by one
    random.Random(seed) in the order of `rules` from each rule's jobs sorted by output, so
    the order of `jobs` does not matter (a rule without jobs gets an empty list)."""
    rng = random.Random(seed)
    sample = {}
    for rule in rules:
        candidates = sorted((job for job in jobs if job.rule == rule), key=lambda j: j.outputs)
        sample[rule] = sorted(rng.sample(candidates, min(per_rule, len(candidates))),
                              key=lambda job: job.outputs)
    return sample
