"""The whole audit: environment, provenance, output hashes, then the sampled jobs rerun in
a scratch copy and compared; everything written into one directory at the end."""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mvc.atomic import atomic_dir, write_csv_atomic, write_text_atomic
from mvc.audit.compare import EXTRA, IGNORED, MISSING, compare_file, file_kind
from mvc.audit.config import AuditConfig, audit_config
from mvc.audit.environment import environment_record
from mvc.audit.jobs import Job, dag_jobs, sample_jobs
from mvc.audit.provenance import SNAKEMAKE_MARKER, config_hashes, git_state, output_hashes
from mvc.audit.report import COMPARISONS, RERUN_FAILED, failures, verdict, write_report
from mvc.audit.rerun import make_scratch, rerun_jobs
from mvc.errors import InputError

log = logging.getLogger(__name__)

FILES = {
    "README.md": "this report: the verdict and the differences found",
    COMPARISONS: "every compared file of the rerun jobs: kind, status, largest difference",
    "environment.json": "Python, installed packages, torch/CUDA/cuDNN, CPU, GPU, OS",
    "git.json": "the checkout's commit and dirty state (modified, untracked files)",
    "config.json": "the merged config the DAG ran with",
    "config_hashes.json": "SHA-256 of the whole config and of each top-level section",
    "outputs.csv": "the SHA-256 and size of every output file (excluded directories aside)",
    "rerun_logs/": "Snakemake's output of each rerun, one log per rule",
}


def _files_under(root: Path) -> list[str]:
    """Paths of the files under `root` relative to it (a file output: its own name)."""
    if root.is_file():
        return [""]
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name != SNAKEMAKE_MARKER)


def _mirrored(path: Path) -> bool:
    """Whether `path`, or a file in it, is a symbolic link of the scratch copy's mirror."""
    return path.is_symlink() or (path.is_dir() and any(p.is_symlink() for p in path.rglob("*")))


def _tolerance_text(kind: str, cfg: AuditConfig) -> str:
    """The tolerance a file of `kind` is held to, as the report states it."""
    wav, numeric = cfg.tolerances.wav, cfg.tolerances.numeric
    return {"wav": f"max_abs<={wav.max_abs:g}; snr_db>={wav.min_snr_db:g}",
            "bytes": "byte-identical", IGNORED: "not compared"}.get(
        kind, f"atol={numeric.atol:g}; rtol={numeric.rtol:g}")


def compare_outputs(original: Path, rerun: Path, job: Job,
                    cfg: AuditConfig) -> list[dict[str, Any]]:
    """One row per file of the job's outputs, original (under `original`) vs rerun."""
    rows = []
    for output in job.outputs:
        names = sorted(set(_files_under(original / output)) | set(_files_under(rerun / output)))
        for name in names:
            path = str(Path(output) / name) if name else output
            kind = file_kind(path, cfg.identical, cfg.ignore)
            a, b = original / path, rerun / path
            row = {"rule": job.rule, "job": job.name, "file": path, "kind": kind}
            tolerance = _tolerance_text(kind, cfg)
            if not b.is_file():
                rows.append({**row, "status": MISSING, "tolerance": tolerance})
            elif not a.is_file():
                rows.append({**row, "status": EXTRA, "tolerance": tolerance})
            else:
                found = compare_file(a, b, kind, cfg.tolerances, cfg.ignore_keys)
                rows.append({**row, "status": found.status, "measure": found.measure,
                             "tolerance": tolerance, "detail": found.detail})
    return rows


def _rerun_rule(rule: str, jobs: Sequence[Job], cfg: AuditConfig, workdir: Path,
                scratch: Path, workflow_files: Sequence[str], results: str,
                config: Mapping[str, Any], excluded: Sequence[str]) -> tuple[list, str]:
    """Rerun one rule's sampled jobs in their own scratch copy; the comparison rows and the
    rerun's log."""
    outputs = [output for job in jobs for output in job.outputs]
    reused = set(cfg.reuse.get(rule, []))
    skip = [path for path in excluded if path not in reused] + outputs
    rule_dir = scratch / rule
    configfile = make_scratch(rule_dir, workdir, workflow_files, results, skip, config)
    log.info("rerunning %d %s job(s) in %s", len(jobs), rule, rule_dir)
    done = rerun_jobs(rule_dir, outputs, rule, configfile, cfg.threads)
    remade = not any(_mirrored(rule_dir / output) for output in outputs)
    if done.returncode == 0 and remade:
        rows = [row for job in jobs for row in compare_outputs(workdir, rule_dir, job, cfg)]
        return rows, done.log
    tail = (done.log.strip().splitlines() or [""])[-1]
    why = (f"snakemake exited {done.returncode}: {tail} (rerun_logs/{rule}.log)"
           if done.returncode else "an output was not made anew (still the mirrored original)")
    return [{"rule": rule, "job": job.name, "file": output, "kind": "", "status": RERUN_FAILED,
             "detail": why} for job in jobs for output in job.outputs], done.log


def _rerun_sample(config: Mapping[str, Any], cfg: AuditConfig, workdir: Path, results: str,
                  workflow_files: Sequence[str], excluded: Sequence[str],
                  scratch_root: Path | None, keep_scratch: bool) -> tuple[dict, list, dict]:
    """Plan the target's DAG in a scratch copy, draw the sample and rerun it rule by rule:
    (the sample by rule, the comparison rows, each rule's rerun log)."""
    scratch = Path(tempfile.mkdtemp(prefix="mvc-audit-", dir=scratch_root))
    try:
        configfile = make_scratch(scratch / "plan", workdir, workflow_files, results,
                                  excluded, config)
        sample = sample_jobs(dag_jobs(scratch / "plan", cfg.target, configfile), cfg.rules,
                             cfg.jobs_per_rule, cfg.seed)
        rows, logs = [], {}
        for rule, jobs in sample.items():
            if jobs:
                found, logs[rule] = _rerun_rule(rule, jobs, cfg, workdir, scratch,
                                                workflow_files, results, config, excluded)
                rows += found
    finally:
        if keep_scratch:
            log.info("scratch copies kept in %s", scratch)
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return sample, rows, logs


def run_audit(config: Mapping[str, Any], workdir: Path, results: str, out: Path,
              workflow_files: Sequence[str], scratch_root: Path | None = None,
              keep_scratch: bool = False) -> list[dict[str, Any]]:
    """Audit the outputs under `workdir/results` of the workflow in `workdir` run with the
    merged `config`; write everything into `out` (replaced whole). Returns the comparison
    rows; differences are findings in the report, not an error."""
    cfg = audit_config(config.get("audit"))
    workdir = workdir.resolve()
    if not out.resolve().is_relative_to(workdir / results):
        raise InputError(out, f"the audit's directory lies outside {results}",
                         f"write it under {results} (e.g. {results}/audit)")
    excluded = [*cfg.exclude, str(out.resolve().relative_to(workdir))]
    if scratch_root is not None and scratch_root.resolve().is_relative_to(workdir / results):
        raise InputError(scratch_root, f"the scratch directory lies inside {results}",
                         "choose one outside the outputs (default: the system's temp dir)")
    log.info("recording the environment, git state and config hashes")
    environment = environment_record()
    git = git_state(workdir)
    hashes = config_hashes(config)
    log.info("hashing the outputs under %s", results)
    outputs = [{**row, "path": str(Path(row["path"]).relative_to(workdir))}
               for row in output_hashes(workdir / results, [workdir / p for p in excluded])]
    sample, rows, logs = _rerun_sample(config, cfg, workdir, results, workflow_files,
                                       excluded, scratch_root, keep_scratch)
    sampled = {rule: [job.name for job in jobs] for rule, jobs in sample.items()}
    settings = {"target": cfg.target, "jobs_per_rule": cfg.jobs_per_rule, "seed": cfg.seed,
                "hashes exclude": ", ".join(excluded)}
    with atomic_dir(out) as tmp:
        write_text_atomic(tmp / "environment.json", json.dumps(environment, indent=1) + "\n")
        write_text_atomic(tmp / "git.json", json.dumps(git, indent=1) + "\n")
        write_text_atomic(tmp / "config.json", json.dumps(config, indent=1) + "\n")
        write_text_atomic(tmp / "config_hashes.json", json.dumps(hashes, indent=1) + "\n")
        write_csv_atomic(tmp / "outputs.csv", ("path", "bytes", "sha256"), outputs)
        for rule, text in logs.items():
            write_text_atomic(tmp / "rerun_logs" / f"{rule}.log", text)
        write_report(tmp, rows, sampled, settings, FILES)
    for row in failures(rows):
        log.warning("audit: %s %s (%s) %s", row["file"], row["status"], row["job"],
                    row.get("detail", ""))
    log.log(logging.WARNING if failures(rows) else logging.INFO, "audit: %s", verdict(rows))
    return rows
