"""`mvc bench ssm`: the selective-scan backends against each other, attention and a BiLSTM.

Subjects, at one width (d_model 256: d_inner 512, d_state 16; batch 4; fp32):
- each scan backend (`mvc.ssm.scan.selective_scan` as the Mamba block calls it: D, z,
  delta_bias and softplus on);
- `indexed_loop` (`mvc.bench.indexed_loop`, benchmark only): the same scan as a loop that
  indexes the sequence per step, the pattern of mamba_ssm's `selective_scan_ref`, whose
  backward grows as L^2: the comparator the issue's forward+backward target names. It is
  timed `indexed_loop_reps` times (default once), its forward+backward at lengths up to
  `indexed_loop_max_length` only, and a call may take up to `indexed_loop_max_call_s`;
- `attention`: torch.nn.MultiheadAttention(512, 8, batch_first=True) self-attention on
  (4, L, 512) with need_weights=False (what the hybrid calls);
- `bilstm`: torch.nn.LSTM(512, 256, bidirectional=True, batch_first=True) (StyleTTS2's).

Per subject and length L it measures
- forward time (autograd off, modules in eval mode: the inference path) and
  forward+backward time (autograd on every input and parameter; backward of the output's
  sum): medians over `reps` repetitions, each repetition visiting every configuration
  once (interleaved), after one warm-up per subject (JIT compiles, lazy imports);
- peak activation memory of a forward pass, for inference (autograd off) and for training
  (autograd on: the graph kept for backward), by `mvc.bench.peak_memory` (CPU: peak RSS
  above the pre-call RSS in a fresh forked process; CUDA: the allocator's peak);
- speed-ups over `sequential` and over `indexed_loop` at the same L, and the growth
  exponent of time (and of the training peak) vs L: the least-squares slope on log-log
  over L >= fit_min_length.

Configurations that would not finish or fit are skipped with a row that says why: a
backend unavailable on the device; a call predicted to take over `max_call_s` or a peak
predicted over `memory_budget_gb`, extrapolated from the subject's two longest measured
lengths (growth exponent at least 1; before two are measured, the subject's nominal one:
2 for attention and for the indexed loop's forward+backward, 1 otherwise).
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn
from tqdm import tqdm

from mvc.atomic import atomic_path
from mvc.bench.indexed_loop import indexed_loop_scan
from mvc.bench.peak_memory import MeasurementError, PeakMemory, cuda_peak
from mvc.errors import InputError
from mvc.ssm.inputs import scan_inputs
from mvc.ssm.scan import BACKENDS, selective_scan

DEFAULT_LENGTHS = (256, 512, 1024, 2048, 4096, 8192, 16384)
QUICK_LENGTHS = (256, 512)
WARM_UP_LENGTH = 16  # a memory measurement's warm-up: JIT loads, lazy inits, small heap
REFERENCES = ("attention", "bilstm")
INDEXED_LOOP = "indexed_loop"
INDEXED_LOOP_WARM_UP = 64  # its warm-up length (its backward at L = 1024 takes minutes)
NOMINAL_EXPONENT = {"attention": {"fwd": 2.0, "fwd_bwd": 2.0, "infer": 2.0, "train": 2.0},
                    INDEXED_LOOP: {"fwd_bwd": 2.0}}
"""Growth (time or memory, by kind) assumed before two lengths are measured; else 1."""
PASSES = ("fwd", "fwd_bwd")
MB = 2**20

COLUMNS = ("subject", "kind", "device", "length", "fwd_s", "fwd_bwd_s",
           "fwd_speedup_vs_sequential", "fwd_bwd_speedup_vs_sequential",
           "fwd_speedup_vs_indexed_loop", "fwd_bwd_speedup_vs_indexed_loop", "infer_peak_mb",
           "train_peak_mb", "fwd_growth_exponent", "fwd_bwd_growth_exponent",
           "train_peak_growth_exponent", "reps", "fwd_bwd_reps", "load_1min", "skipped",
           "note")


def half_of_physical_memory_gb() -> float:
    """The default memory budget: half the machine's RAM (the rest for the OS and others)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 / 1e9


def default_backends(device: str) -> tuple[str, ...]:
    """sequential and chunked everywhere; fused on the CPU, mamba_ssm's cuda on CUDA."""
    return ("sequential", "chunked", "fused" if device == "cpu" else "cuda")


@dataclass(frozen=True)
class SsmBench:
    """Settings of one run (the CLI's options and the fixed widths)."""

    device: str = "cpu"
    lengths: tuple[int, ...] = DEFAULT_LENGTHS
    backends: tuple[str, ...] = field(default_factory=lambda: default_backends("cpu"))
    reps: int = 3
    d_model: int = 256
    expand: int = 2
    d_state: int = 16
    batch: int = 4
    heads: int = 8
    fit_min_length: int = 1024
    max_call_s: float = 120.0
    indexed_loop_reps: int = 1
    indexed_loop_max_call_s: float = 600.0
    indexed_loop_max_length: int = 2048  # its forward+backward takes minutes at L = 1024
    memory_budget_gb: float = field(default_factory=lambda: half_of_physical_memory_gb())
    seed: int = 0

    @property
    def d_inner(self) -> int:
        return self.expand * self.d_model

    @property
    def subjects(self) -> tuple[str, ...]:
        return (*self.backends, INDEXED_LOOP, *REFERENCES)

    def reps_of(self, subject: str) -> int:
        """Timed repetitions of each pass: fewer for the (slow) indexed loop."""
        return min(self.reps, self.indexed_loop_reps) if subject == INDEXED_LOOP else self.reps

    def max_call_s_of(self, subject: str) -> float:
        return self.indexed_loop_max_call_s if subject == INDEXED_LOOP else self.max_call_s


def validate(bench: SsmBench) -> None:
    """InputError for options that cannot run."""
    if bench.device not in ("cpu", "cuda"):
        raise InputError("--device", f"unknown device {bench.device!r}", "use cpu or cuda")
    if bench.device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device", "CUDA is not available here", "run with --device cpu")
    unknown = [b for b in bench.backends if b not in BACKENDS]
    if unknown:
        raise InputError("--backends", f"unknown backend(s) {', '.join(unknown)}",
                         f"use some of {', '.join(BACKENDS)}")
    if not bench.lengths or min(bench.lengths) < 1:
        raise InputError("--lengths", f"lengths must be >= 1, got {bench.lengths}",
                         "give positive integers")
    if bench.reps < 1 or bench.indexed_loop_reps < 1:
        raise InputError("--reps", f"reps must be >= 1, got {bench.reps} (indexed loop: "
                         f"{bench.indexed_loop_reps})", "give 1 or more")


# --- what is measured -----------------------------------------------------------------


@dataclass
class Case:
    """One configuration's calls: inference forward, training forward (graph kept) and
    training forward+backward."""

    infer: Callable[[], object]
    train_forward: Callable[[], object]
    train_step: Callable[[], object]


def bench_scan_inputs(bench: SsmBench, length: int, requires_grad: bool) -> dict[str, Tensor]:
    """The benchmark's seeded scan inputs (mvc.ssm.inputs) on its device."""
    inputs = scan_inputs(bench.batch, bench.d_inner, bench.d_state, length, seed=bench.seed)
    return {k: v.to(bench.device).requires_grad_(requires_grad) for k, v in inputs.items()}


def _reference_layer(bench: SsmBench, name: str) -> nn.Module:
    torch.manual_seed(bench.seed)
    width = bench.d_inner
    if name == "attention":
        return nn.MultiheadAttention(width, bench.heads, batch_first=True).to(bench.device)
    return nn.LSTM(width, width // 2, bidirectional=True, batch_first=True).to(bench.device)


def make_case(bench: SsmBench, subject: str, length: int) -> Case:
    """The calls of one (subject, length); inputs are built here, outside any timing."""
    if subject in REFERENCES:
        layer = _reference_layer(bench, subject)
        gen = torch.Generator().manual_seed(bench.seed)
        x = torch.randn(bench.batch, length, bench.d_inner, generator=gen).to(bench.device)
        x_grad = x.clone().requires_grad_()

        def apply(v: Tensor) -> Tensor:
            return layer(v, v, v, need_weights=False)[0] if subject == "attention" else layer(v)[0]

        def infer() -> object:
            layer.eval()
            with torch.no_grad():
                return apply(x)

        def train_forward() -> object:
            layer.train()
            return apply(x_grad)
    else:
        plain = bench_scan_inputs(bench, length, requires_grad=False)
        with_grad = bench_scan_inputs(bench, length, requires_grad=True)

        def scan(inputs: dict[str, Tensor]) -> Tensor:
            if subject == INDEXED_LOOP:
                return indexed_loop_scan(**inputs, delta_softplus=True)
            return selective_scan(**inputs, delta_softplus=True, backend=subject)

        def infer() -> object:
            with torch.no_grad():
                return scan(plain)

        def train_forward() -> object:
            return scan(with_grad)

    def train_step() -> object:
        out = train_forward()
        out.sum().backward()
        return out

    return Case(infer, train_forward, train_step)


def _memory_setup(bench: SsmBench, subject: str, length: int,
                  train: bool) -> Callable[[], object]:
    """For a fresh process: warm up at a short length, then build the case to measure."""
    warm = make_case(bench, subject, min(length, WARM_UP_LENGTH))
    warm.infer()
    warm.train_step()
    case = make_case(bench, subject, length)
    return case.train_forward if train else case.infer


# --- timing and prediction ------------------------------------------------------------


def timed(call: Callable[[], object], device: str) -> float:
    """Wall seconds of one call, synchronizing a CUDA device before and after."""
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    call()
    if device == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start


def growth_exponent(lengths: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(length); NaN with fewer than 2 points."""
    if len(lengths) < 2:
        return math.nan
    return float(np.polyfit(np.log(lengths), np.log(values), 1)[0])


def extrapolate(measured: dict[int, float], length: int,
                nominal_exponent: float = 1.0) -> float | None:
    """A value at `length` extrapolated from the two longest measured lengths below it (a
    power law with exponent >= 1), or from one with `nominal_exponent`; None when nothing
    shorter was measured. Used to skip configurations predicted past a budget."""
    below = sorted(n for n in measured if n < length)
    if not below:
        return None
    last = below[-1]
    exponent = nominal_exponent
    if len(below) >= 2 and min(measured[below[-2]], measured[last]) > 0:  # 0: a tiny peak
        prev = below[-2]
        exponent = max(1.0, math.log(measured[last] / measured[prev]) / math.log(last / prev))
    return measured[last] * (length / last) ** exponent


def _predicted(measured: dict[int, float], length: int, subject: str,
               kind: str) -> float | None:
    """`extrapolate` with the nominal exponent of (subject, kind)."""
    return extrapolate(measured, length, NOMINAL_EXPONENT.get(subject, {}).get(kind, 1.0))


@dataclass
class _Record:
    times: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PASSES})
    peaks: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # pass -> reason
    failures: list[str] = field(default_factory=list)
    load: float = math.nan  # the 1-minute load average when first measured


class _Run:
    """The measurements of one benchmark run, configuration by configuration."""

    def __init__(self, bench: SsmBench, memory: PeakMemory | None) -> None:
        self.bench = bench
        self.memory = memory
        self.records = {(s, n): _Record() for s in bench.subjects for n in bench.lengths}

    def series(self, subject: str, key: str) -> dict[int, float]:
        """Median time (a pass) or peak bytes ("infer"/"train") per measured length."""
        out = {}
        for length in self.bench.lengths:
            record = self.records[subject, length]
            if key in PASSES and record.times[key]:
                out[length] = statistics.median(record.times[key])
            elif key in record.peaks:
                out[length] = record.peaks[key]
        return out

    def _too_big(self, subject: str, length: int, kind: str) -> str | None:
        """A reason when `kind` ("fwd"/"fwd_bwd" time, "infer"/"train" peak) is predicted
        past its budget."""
        budget, unit, scale = ((self.bench.max_call_s_of(subject), "s per call", 1.0)
                               if kind in PASSES
                               else (self.bench.memory_budget_gb, "GB peak", 1e-9))
        predicted = _predicted(self.series(subject, kind), length, subject, kind)
        if predicted is None or predicted * scale <= budget:
            return None
        return (f"{kind}: predicted {predicted * scale:.3g} {unit} > budget {budget:g} "
                f"(extrapolated from shorter lengths)")

    def _skip(self, record: _Record, passes: tuple[str, ...], reason: str) -> None:
        for p in passes:
            record.skipped.setdefault(p, reason)

    def first_visit(self, subject: str, length: int) -> None:
        """Decide skips, measure peak memory, then time each pass once."""
        record = self.records[subject, length]
        record.load = os.getloadavg()[0]
        if subject in BACKENDS:
            reason = BACKENDS[subject].unavailable(torch.device(self.bench.device))
            if reason is not None:
                self._skip(record, PASSES, f"backend unavailable: {reason}")
                return
        if subject == INDEXED_LOOP and length > self.bench.indexed_loop_max_length:
            self._skip(record, ("fwd_bwd",), f"fwd_bwd: the indexed loop's is run up to L = "
                       f"{self.bench.indexed_loop_max_length} only (its backward grows as L^2)")
        for p in PASSES:
            reason = self._too_big(subject, length, p)
            if reason is not None:
                self._skip(record, PASSES[PASSES.index(p):], reason)
        for kind, passes in (("infer", PASSES), ("train", ("fwd_bwd",))):
            if passes[0] in record.skipped:
                continue
            reason = self._too_big(subject, length, kind)
            if reason is not None:
                self._skip(record, passes, reason)
                continue
            args = (self.bench, subject, length, kind == "train")
            try:
                record.peaks[kind] = float(cuda_peak(_memory_setup, *args)
                                           if self.memory is None
                                           else self.memory.cpu(_memory_setup, *args))
            except MeasurementError as err:
                record.failures.append(f"{kind} peak not measured: {err}")
        self.time_once(subject, length)

    def time_once(self, subject: str, length: int) -> None:
        record = self.records[subject, length]
        if set(PASSES) <= record.skipped.keys():
            return
        case = make_case(self.bench, subject, length)
        for p, call in (("fwd", case.infer), ("fwd_bwd", case.train_step)):
            if p not in record.skipped and len(record.times[p]) < self.bench.reps_of(subject):
                record.times[p].append(timed(call, self.bench.device))

    def warm_up(self, subject: str) -> None:
        if subject in BACKENDS and BACKENDS[subject].unavailable(
                torch.device(self.bench.device)) is not None:
            return
        length = min(self.bench.lengths)
        if subject == INDEXED_LOOP:
            length = min(length, INDEXED_LOOP_WARM_UP)
        case = make_case(self.bench, subject, length)
        case.infer()
        case.train_step()


def run_ssm_bench(bench: SsmBench) -> pd.DataFrame:
    """Measure every (subject, length); one row each, skipped ones included."""
    validate(bench)
    steps = len(bench.subjects) * len(bench.lengths) * bench.reps
    memory = PeakMemory(preload=["mvc.bench.ssm"]) if bench.device == "cpu" else None
    run = _Run(bench, memory)
    with memory or contextlib.nullcontext(), tqdm(total=steps, desc="bench ssm") as progress:
        for subject in bench.subjects:
            run.warm_up(subject)
            for length in sorted(bench.lengths):
                progress.set_postfix_str(f"{subject} L={length}")
                run.first_visit(subject, length)
                progress.update()
        for _ in range(bench.reps - 1):
            for subject in bench.subjects:
                for length in sorted(bench.lengths):
                    run.time_once(subject, length)
                    progress.update()
    return _table(bench, run)


_KINDS = {**dict.fromkeys(REFERENCES, "reference"), INDEXED_LOOP: "scan_reference"}


def _table(bench: SsmBench, run: _Run) -> pd.DataFrame:
    rows = []
    fits = {}
    for subject in bench.subjects:
        for key in (*PASSES, "train"):
            series = {n: v for n, v in run.series(subject, key).items()
                      if n >= bench.fit_min_length}
            fits[subject, key] = growth_exponent(list(series), list(series.values()))
    for subject in bench.subjects:
        for length in sorted(bench.lengths):
            record = run.records[subject, length]
            times = {p: statistics.median(t) if t else math.nan
                     for p, t in record.times.items()}
            speedups = {}
            for base_subject in ("sequential", INDEXED_LOOP):
                base_record = run.records.get((base_subject, length))
                for p in PASSES:
                    base = base_record.times[p] if base_record is not None else []
                    speedups[p, base_subject] = (statistics.median(base) / times[p]
                                                 if base and record.times[p] else math.nan)
            rows.append({
                "subject": subject,
                "kind": _KINDS.get(subject, "scan"),
                "device": bench.device, "length": length,
                "fwd_s": times["fwd"], "fwd_bwd_s": times["fwd_bwd"],
                "fwd_speedup_vs_sequential": speedups["fwd", "sequential"],
                "fwd_bwd_speedup_vs_sequential": speedups["fwd_bwd", "sequential"],
                "fwd_speedup_vs_indexed_loop": speedups["fwd", INDEXED_LOOP],
                "fwd_bwd_speedup_vs_indexed_loop": speedups["fwd_bwd", INDEXED_LOOP],
                "infer_peak_mb": record.peaks.get("infer", math.nan) / MB,
                "train_peak_mb": record.peaks.get("train", math.nan) / MB,
                "fwd_growth_exponent": fits[subject, "fwd"],
                "fwd_bwd_growth_exponent": fits[subject, "fwd_bwd"],
                "train_peak_growth_exponent": fits[subject, "train"],
                "reps": len(record.times["fwd"]),
                "fwd_bwd_reps": len(record.times["fwd_bwd"]),
                "load_1min": record.load,
                "skipped": ",".join(p for p in PASSES if p in record.skipped),
                "note": "; ".join([*dict.fromkeys(record.skipped.values()),
                                   *record.failures]),
            })
    return pd.DataFrame.from_records(rows, columns=list(COLUMNS))


def _at(table: pd.DataFrame, subject: str, length: int, column: str) -> float:
    rows = table[(table["subject"] == subject) & (table["length"] == length)]
    return float(rows[column].iloc[0]) if len(rows) else math.nan


def targets_summary(table: pd.DataFrame, bench: SsmBench) -> str:
    """The issue's targets, each with the measured figure (NaN where not measured)."""
    lines = ["Targets (measured in this run):"]

    def line(text: str, value: float, goal: float, higher_is_better: bool) -> None:
        met = value >= goal if higher_is_better else value <= goal
        verdict = "n/a" if math.isnan(value) else ("met" if met else "MISSED")
        lines.append(f"- {text}: {value:.3g} (target {'>=' if higher_is_better else '<='} "
                     f"{goal:g}) {verdict}")

    scans = [b for b in bench.backends if b != "sequential"]
    for b in scans:
        line(f"{b} forward speed-up over sequential at L=4096",
             _at(table, b, 4096, "fwd_speedup_vs_sequential"), 20, True)
        line(f"{b} forward time growth exponent, L >= {bench.fit_min_length}",
             _at(table, b, max(bench.lengths), "fwd_growth_exponent"), 1.15, False)
        line(f"{b} forward+backward speed-up at L=1024 over the indexed loop (the issue's "
             f"L^2 comparator)", _at(table, b, 1024, "fwd_bwd_speedup_vs_indexed_loop"),
             50, True)
        line(f"{b} forward+backward speed-up at L=1024 over sequential (our linear loop)",
             _at(table, b, 1024, "fwd_bwd_speedup_vs_sequential"), 50, True)
        line(f"{b} training peak memory growth exponent (1 = linear in L)",
             _at(table, b, max(bench.lengths), "train_peak_growth_exponent"), 1.15, False)
    if "fused" in bench.backends:
        for length in sorted(bench.lengths):
            ratio = _at(table, "fused", length, "fwd_s") / _at(table, "bilstm", length, "fwd_s")
            line(f"stretch: fused forward time / BiLSTM forward time at L={length}",
                 ratio, 1.0, False)
    return "\n".join(lines)


def write_ssm_bench(table: pd.DataFrame, bench: SsmBench, out: str) -> str:
    """Write the CSV atomically; return the table and the targets as text."""
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
    shown = table[["subject", "length", "fwd_s", "fwd_bwd_s", "fwd_speedup_vs_sequential",
                   "fwd_bwd_speedup_vs_sequential", "fwd_speedup_vs_indexed_loop",
                   "fwd_bwd_speedup_vs_indexed_loop", "infer_peak_mb", "train_peak_mb",
                   "reps", "fwd_bwd_reps", "skipped"]].rename(columns={
                       "fwd_speedup_vs_sequential": "fwd x seq",
                       "fwd_bwd_speedup_vs_sequential": "fwd_bwd x seq",
                       "fwd_speedup_vs_indexed_loop": "fwd x idx",
                       "fwd_bwd_speedup_vs_indexed_loop": "fwd_bwd x idx"})
    exponents = table.drop_duplicates("subject")[
        ["subject", "fwd_growth_exponent", "fwd_bwd_growth_exponent",
         "train_peak_growth_exponent"]]
    notes = [f"- {r.subject} L={r.length}: {r.note}" for r in table.itertuples() if r.note]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n\n".join([
        shown.to_markdown(index=False, floatfmt=".4g"),
        f"Growth exponents over L >= {bench.fit_min_length}:\n"
        + exponents.to_markdown(index=False, floatfmt=".3f"),
        "x seq: speed-up over `sequential` (our loop, linear backward); x idx: over "
        "`indexed_loop` (per-step indexing as in mamba_ssm's selective_scan_ref, backward "
        "~L^2). Times are medians of `reps` (forward) and `fwd_bwd_reps` (forward+backward) "
        "interleaved repetitions.",
        "Skipped:\n" + ("\n".join(notes) if notes else "- none"),
        targets_summary(table, bench),
        f"Load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs.",
    ])
