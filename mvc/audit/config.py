"""The `audit:` config section as typed dataclasses (validated by the schema first)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mvc.config import build
from mvc.errors import InputError


@dataclass(frozen=True)
class WavTolerance:
    """A rerun wav matches when no sample differs by more than `max_abs` (full scale 1.0)
    and the original-to-difference energy ratio is at least `min_snr_db`."""

    max_abs: float
    min_snr_db: float


@dataclass(frozen=True)
class NumericTolerance:
    """Numbers in CSV and JSON outputs match when |a - b| <= atol + rtol * |b|
    (math.isclose's rule); every other cell must be the same string."""

    atol: float
    rtol: float


@dataclass(frozen=True)
class Tolerances:
    wav: WavTolerance
    numeric: NumericTolerance


@dataclass(frozen=True)
class AuditConfig:
    """What the audit hashes and which jobs it reruns (docs/orchestration.md).

    target: the DAG whose jobs are sampled (the audit rule's input).
    rules: the rules whose jobs may be rerun; jobs_per_rule of each, drawn with `seed`.
    exclude: directories whose files are not hashed nor mirrored into the scratch copy
        (logs, benchmarks, caches; the audit's own output is always excluded).
    reuse: per rule, excluded directories a rerun reads (mirrored read-only), e.g. the
        feature cache `train` reads; every other cache starts empty, so it is recomputed.
    identical: glob patterns (fnmatch, on paths like results/tables/x.csv) of outputs
        that must be byte-identical.
    ignore: glob patterns of outputs not compared (measured times, memory).
    ignore_keys: keys of JSON records and torch checkpoints not compared (measured times).
    tolerances: for the other wavs, CSVs, JSONs and checkpoints; any other file must be
        byte-identical.
    threads: cores each rerun may use (Snakemake's --cores in the scratch copy).
    """

    target: str
    rules: list[str]
    jobs_per_rule: int
    seed: int
    exclude: list[str]
    reuse: dict[str, list[str]]
    identical: list[str]
    ignore: list[str]
    ignore_keys: list[str]
    tolerances: Tolerances
    threads: int


def audit_config(section: Any) -> AuditConfig:
    """Build AuditConfig from the `audit:` section; InputError names a bad or missing key."""
    if not isinstance(section, dict):
        raise InputError("config", "no `audit:` section",
                         "add one (see configs/default.yaml, `audit:`)")
    raw = section.get("tolerances")
    if not isinstance(raw, dict):
        raise InputError("audit", "missing keys ['tolerances']",
                         "add them (see configs/default.yaml)")
    tolerances = Tolerances(
        wav=build(WavTolerance, raw.get("wav", {}), "audit.tolerances.wav"),
        numeric=build(NumericTolerance, raw.get("numeric", {}), "audit.tolerances.numeric"))
    return build(AuditConfig, {**section, "tolerances": tolerances}, "audit")
