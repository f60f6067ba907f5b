"""`mvc bench encoders`: the conditioning paths of MVC, StyleTTS2 and the hybrid side by side.

Each system's conditioning path (mvc.models.conditioning: text encoder, duration predictor,
prosody predictor) is built from a config's `model:` section with the system's `systems:`
overrides merged in (mvc.systems.overrides), so the widths are the config's: one config per
scale (configs/default.yaml, configs/paper.yaml). Weights are random (seeded): time and
memory do not depend on them.

One forward pass, as synthesis runs it (eval mode, autograd off, no padding masks):
phoneme ids (B, T) -> text encoding -> log durations -> the encoding repeated
`frames_per_phoneme` times per phoneme (F = T x frames_per_phoneme frames; fixed durations,
so every system sees the same frames) -> F0 and energy. Per (scale, system, batch, T) it
measures
- the forward time: the median over `reps` repetitions; repetitions are interleaved (each
  visits every configuration once, the systems in a rotating order), so that load from
  other jobs falls on all systems alike;
- the peak activation memory of one forward (mvc.bench.peak_memory: on the CPU the peak
  resident set above the one before the call, in a fresh forked process; on CUDA the
  allocator's peak above what was allocated before);
- the growth exponents of time and memory in T: the least-squares log-log slope over
  T >= fit_min_length (mvc.bench.ssm.growth_exponent);
- the work per phoneme (mvc.bench.work: multiply-accumulates, and selective-scan state
  updates apart), counted in one more untimed forward at batch 1 per (scale, system, T) run,
  and the work ratio other / MVC: the throughput ratio the two would have at equal speed
  per multiply-add;
- throughput ratios MVC / StyleTTS2 and MVC / hybrid at the same (scale, batch, T): per
  repetition the other's time over MVC's (the two measured moments apart), then the median
  over the repetitions both have (a ratio > 1: MVC is faster); in the summary CSV and, per
  row, as `mvc_throughput_ratio` (1 for MVC itself).

A configuration predicted (extrapolated from shorter lengths, mvc.bench.ssm.extrapolate)
to take over `max_call_s` or to peak over `memory_budget_gb` is skipped with a row that
says so, and so are the longer ones. So is one whose forward runs out of memory (without
the memory measurement there is no peak to extrapolate from): the run goes on.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import torch
from torch import Tensor
from tqdm import tqdm

from mvc.atomic import atomic_path
from mvc.bench.peak_memory import MeasurementError, PeakMemory, cuda_peak
from mvc.bench.ssm import extrapolate, growth_exponent, half_of_physical_memory_gb, timed
from mvc.bench.work import Work, count_work
from mvc.config import section
from mvc.errors import InputError
from mvc.models.conditioning import CONDITIONING_PATHS, ConditioningPath
from mvc.models.config import ModelConfig, model_config
from mvc.ssm.scan import choose_backend
from mvc.systems.overrides import system_model_section
from mvc.train.distributed import limit_threads

SYSTEMS = ("mvc", "styletts2", "hybrid")
REFERENCE = "mvc"
DEFAULT_LENGTHS = (64, 128, 256, 512, 1024, 2048, 4096, 8192)
QUICK_LENGTHS = (64, 256)
WARM_UP_LENGTH = 16
NOMINAL_EXPONENT = {"hybrid": 2.0}
"""Growth assumed before two lengths are measured (attention is quadratic); else 1."""
PAPER_RATIO = 1.6  # MVC / StyleTTS2 throughput, the paper's claim (docs/efficiency.md)
MB = 2**20

COLUMNS = ("scale", "hidden", "system", "parameters", "device", "batch", "phonemes", "frames",
           "fwd_s", "reps", "phonemes_per_s", "mvc_throughput_ratio", "macs_per_phoneme",
           "scan_updates_per_phoneme", "peak_mb",
           "time_exponent", "memory_exponent", "scan_backend", "torch_threads", "load_1min",
           "skipped", "note")
SUMMARY_COLUMNS = ("scale", "hidden", "device", "batch", "quantity", "system", "versus",
                   "phonemes", "value", "reps", "fit_from", "fit_to")


@dataclass(frozen=True)
class Scale:
    """One model width: a name and the config sections `audio`, `model` and `systems`."""

    name: str
    config: Mapping[str, Any]

    @property
    def hidden(self) -> int:
        return int(section(self.config, "model", "hidden"))


@dataclass(frozen=True)
class EncoderBench:
    """Settings of one run (the CLI's options)."""

    scales: tuple[Scale, ...]
    systems: tuple[str, ...] = SYSTEMS
    device: str = "cpu"
    lengths: tuple[int, ...] = DEFAULT_LENGTHS
    batches: tuple[int, ...] = (1, 8)
    reps: int = 3
    frames_per_phoneme: int = 5
    fit_min_length: int = 512
    max_call_s: float = 60.0
    memory: bool = True
    memory_budget_gb: float = field(default_factory=half_of_physical_memory_gb)
    threads: int | None = None  # torch and numba CPU threads (None: their defaults)
    seed: int = 0


def validate(bench: EncoderBench) -> None:
    """InputError for options that cannot run."""
    if bench.device not in ("cpu", "cuda"):
        raise InputError("--device", f"unknown device {bench.device!r}", "use cpu or cuda")
    if bench.device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device", "CUDA is not available here", "run with --device cpu")
    unknown = [s for s in bench.systems if s not in SYSTEMS]
    if unknown or not bench.systems:
        raise InputError("--systems", f"unknown or no systems {unknown}",
                         f"use some of {', '.join(SYSTEMS)}")
    for option, values in (("--lengths", bench.lengths), ("--batches", bench.batches),
                           ("--reps", (bench.reps,)), ("--threads", (bench.threads or 1,)),
                           ("--frames-per-phoneme", (bench.frames_per_phoneme,))):
        if not values or min(values) < 1:
            raise InputError(option, f"got {list(values)}", "give integers >= 1")
    if not bench.scales:
        raise InputError("--config", "no config given", "give configs/default.yaml or another")
    names = [s.name for s in bench.scales]
    if len(set(names)) != len(names):
        raise InputError("--config", f"scale names repeat: {names}",
                         "name them apart: NAME=configs/x.yaml")


def scale_item(item: str) -> tuple[str, str]:
    """A --config item: NAME=SOURCE, or SOURCE (a YAML path, named by its stem)."""
    name, sep, source = item.partition("=")
    if sep and not name.lstrip().startswith("{"):
        return name, source
    if item.lstrip().startswith("{"):
        raise InputError("--config", "an inline JSON config needs a name",
                         "write NAME={...}")
    return os.path.splitext(os.path.basename(item))[0], item


@dataclass
class Subject:
    """A system's conditioning path at one scale and the model config it was built from."""

    path: ConditioningPath
    model: ModelConfig

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.path.parameters())


def build_subject(scale: Scale, system: str, device: str) -> Subject:
    """The system's conditioning path at the scale's widths (random weights from torch's
    global seed), in eval mode on `device`."""
    model = model_config(system_model_section(scale.config, system),
                         section(scale.config, "audio"), f"{scale.name}: systems.{system}")
    return Subject(CONDITIONING_PATHS[model.conditioning](model).to(device).eval(), model)


def conditioning_forward(path: ConditioningPath, phonemes: Tensor, style: Tensor,
                         frames_per_phoneme: int) -> tuple[Tensor, Tensor]:
    """Text encoding, durations, expansion by fixed durations, F0 and energy."""
    text = path.encode_text(phonemes, None)
    path.predict_durations(text, style, None)
    aligned = torch.repeat_interleave(text, frames_per_phoneme, dim=1)
    return path.predict_prosody(aligned, style, None)


def make_call(subject: Subject, batch: int, length: int, frames_per_phoneme: int,
              seed: int, device: str) -> Callable[[], object]:
    """The timed call of one configuration; inputs are built here, outside any timing."""
    gen = torch.Generator().manual_seed(seed)
    phonemes = torch.randint(1, subject.model.n_symbols, (batch, length), generator=gen)
    style = torch.randn(batch, subject.model.style_dim, generator=gen)
    phonemes, style = phonemes.to(device), style.to(device)

    def call() -> object:
        with torch.inference_mode():
            return conditioning_forward(subject.path, phonemes, style, frames_per_phoneme)

    return call


def _memory_setup(scale: Scale, system: str, batch: int, length: int, frames_per_phoneme: int,
                  seed: int, device: str) -> Callable[[], object]:
    """For a fresh process: build the path, warm up at a short length, build the inputs."""
    torch.manual_seed(seed)
    subject = build_subject(scale, system, device)
    make_call(subject, 1, min(length, WARM_UP_LENGTH), frames_per_phoneme, seed, device)()
    return make_call(subject, batch, length, frames_per_phoneme, seed, device)


Key = tuple[str, str, int, int]  # scale, system, batch, length


@dataclass
class _Record:
    times: dict[int, float] = field(default_factory=dict)  # repetition -> seconds
    peak: float = math.nan  # bytes
    skipped: str = ""
    failures: list[str] = field(default_factory=list)
    load: float = math.nan


class _Run:
    """The measurements of one run, configuration by configuration."""

    def __init__(self, bench: EncoderBench, memory: PeakMemory | None) -> None:
        self.bench = bench
        self.memory = memory
        self.subjects: dict[tuple[str, str], Subject] = {}
        self.records: dict[Key, _Record] = {}
        self.work: dict[tuple[str, str, int], Work] = {}  # (scale, system, T), at batch 1

    def subject(self, scale: Scale, system: str) -> Subject:
        """Built once per (scale, system) and warmed up (lazy inits, JIT compiles)."""
        if (scale.name, system) not in self.subjects:
            torch.manual_seed(self.bench.seed)
            subject = build_subject(scale, system, self.bench.device)
            make_call(subject, 1, WARM_UP_LENGTH, self.bench.frames_per_phoneme,
                      self.bench.seed, self.bench.device)()
            self.subjects[scale.name, system] = subject
        return self.subjects[scale.name, system]

    def series(self, scale: str, system: str, batch: int, kind: str) -> dict[int, float]:
        """Median time ("time") or peak bytes ("memory") per measured length."""
        out = {}
        for length in self.bench.lengths:
            record = self.records.get((scale, system, batch, length))
            if record is None:
                continue
            if kind == "time" and record.times:
                out[length] = statistics.median(record.times.values())
            elif kind == "memory" and math.isfinite(record.peak):
                out[length] = record.peak
        return out

    def _skip_reason(self, key: Key) -> str:
        scale, system, batch, length = key
        shorter = self.records.get((scale, system, batch, max(
            [n for n in self.bench.lengths if n < length], default=0)))
        if shorter is not None and shorter.skipped:
            return "a shorter length was skipped"
        nominal = NOMINAL_EXPONENT.get(system, 1.0)
        seconds = extrapolate(self.series(scale, system, batch, "time"), length, nominal)
        if seconds is not None and seconds > self.bench.max_call_s:
            return (f"predicted {seconds:.3g} s per call > max_call_s {self.bench.max_call_s:g} "
                    "(extrapolated from shorter lengths)")
        peak = extrapolate(self.series(scale, system, batch, "memory"), length, nominal)
        if peak is not None and peak / 1e9 > self.bench.memory_budget_gb:
            return (f"predicted peak {peak / 1e9:.3g} GB > budget "
                    f"{self.bench.memory_budget_gb:g} GB (extrapolated from shorter lengths)")
        return ""

    def visit(self, scale: Scale, system: str, batch: int, length: int, rep: int) -> None:
        """Time one repetition; on the first visit decide the skip first and measure the
        peak memory after the timing (its forked process is gone before the next one)."""
        key = (scale.name, system, batch, length)
        first = key not in self.records
        if first:
            self.records[key] = _Record(load=os.getloadavg()[0], skipped=self._skip_reason(key))
        record = self.records[key]
        if record.skipped:
            return
        call = make_call(self.subject(scale, system), batch, length,
                         self.bench.frames_per_phoneme, self.bench.seed, self.bench.device)
        try:
            record.times[rep] = timed(call, self.bench.device)
        except (MemoryError, RuntimeError) as err:
            if not out_of_memory(err):
                raise
            record.times.clear()
            record.skipped = f"out of memory: {str(err).splitlines()[0]}"
            return
        if (scale.name, system, length) not in self.work:
            subject = self.subject(scale, system)
            self.work[scale.name, system, length] = count_work(subject.path, make_call(
                subject, 1, length, self.bench.frames_per_phoneme, self.bench.seed,
                self.bench.device))
        if first and self.bench.memory:
            self._measure_memory(scale, system, batch, length, record)

    def per_phoneme(self, scale: str, system: str, length: int) -> tuple[float, float]:
        """MACs and scan updates per phoneme at T = length (NaN when not counted)."""
        work = self.work.get((scale, system, length))
        if work is None:
            return math.nan, math.nan
        return work.macs / length, work.scan_updates / length

    def _measure_memory(self, scale: Scale, system: str, batch: int, length: int,
                        record: _Record) -> None:
        args = (scale, system, batch, length, self.bench.frames_per_phoneme, self.bench.seed,
                self.bench.device)
        try:
            record.peak = float(cuda_peak(_memory_setup, *args) if self.memory is None
                                else self.memory.cpu(_memory_setup, *args))
        except MeasurementError as err:
            record.failures.append(f"peak not measured: {err}")


def out_of_memory(err: BaseException) -> bool:
    """Whether an error is a failed allocation (torch raises RuntimeError on the CPU)."""
    return (isinstance(err, (MemoryError, torch.OutOfMemoryError))
            or "can't allocate memory" in str(err))


def run_encoder_bench(bench: EncoderBench) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Measure every configuration; return (rows per configuration, summary)."""
    validate(bench)
    limit_threads(bench.threads)
    order = [(scale, batch, length) for scale in bench.scales for batch in bench.batches
             for length in sorted(bench.lengths)]
    memory = (PeakMemory(preload=["mvc.bench.encoders"])
              if bench.device == "cpu" and bench.memory else None)
    run = _Run(bench, memory)
    steps = len(order) * len(bench.systems) * bench.reps
    with memory or contextlib.nullcontext(), tqdm(total=steps, desc="bench encoders") as bar:
        for rep in range(bench.reps):
            for scale, batch, length in order:
                shift = rep % len(bench.systems)
                for system in (*bench.systems[shift:], *bench.systems[:shift]):
                    bar.set_postfix_str(f"{scale.name} {system} B={batch} T={length}")
                    run.visit(scale, system, batch, length, rep)
                    bar.update()
    return _tables(bench, run)


def paired_ratio(reference: Mapping[int, float], other: Mapping[int, float]) -> tuple[float, int]:
    """Median over the repetitions both have of other / reference (a throughput ratio of
    the reference over the other), and how many there were; NaN without any."""
    both = sorted(set(reference) & set(other))
    if not both:
        return math.nan, 0
    return statistics.median(other[r] / reference[r] for r in both), len(both)


def scan_backend(scale: Scale, device: str) -> str:
    """The selective-scan backend the Mamba layers run (model.mamba.scan_backend, else
    $MVC_SSM_BACKEND, else automatic: mamba_ssm's kernel on CUDA where it imports)."""
    return choose_backend(device, section(scale.config, "model", "mamba").get("scan_backend"))


def fit_exponent(series: Mapping[int, float], min_length: int) -> tuple[float, int, int]:
    """The growth exponent over the lengths >= min_length with a positive value, and the
    fitted range (NaN, 0, 0 with fewer than two such lengths)."""
    kept = {n: v for n, v in series.items() if n >= min_length and v > 0}
    if len(kept) < 2:
        return math.nan, 0, 0
    return growth_exponent(list(kept), list(kept.values())), min(kept), max(kept)


def _tables(bench: EncoderBench, run: _Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, summary = [], []
    common = {"device": bench.device}
    for scale in bench.scales:
        for batch in bench.batches:
            fits = {}
            for system in bench.systems:
                for kind in ("time", "memory"):
                    fits[system, kind] = fit_exponent(
                        run.series(scale.name, system, batch, kind), bench.fit_min_length)
                    value, low, high = fits[system, kind]
                    summary.append({"scale": scale.name, "hidden": scale.hidden, **common,
                                    "batch": batch, "quantity": f"{kind}_exponent",
                                    "system": system, "versus": "", "phonemes": math.nan,
                                    "value": value, "reps": math.nan,
                                    "fit_from": low or math.nan, "fit_to": high or math.nan})
            for length in sorted(bench.lengths):
                for other in bench.systems:
                    if other == REFERENCE or REFERENCE not in bench.systems:
                        continue
                    ratio, n = paired_ratio(
                        run.records[scale.name, REFERENCE, batch, length].times,
                        run.records[scale.name, other, batch, length].times)
                    summary.append({"scale": scale.name, "hidden": scale.hidden, **common,
                                    "batch": batch, "quantity": "throughput_ratio",
                                    "system": REFERENCE, "versus": other, "phonemes": length,
                                    "value": ratio, "reps": n, "fit_from": math.nan,
                                    "fit_to": math.nan})
                    work = (run.per_phoneme(scale.name, other, length)[0]
                            / run.per_phoneme(scale.name, REFERENCE, length)[0])
                    summary.append({"scale": scale.name, "hidden": scale.hidden, **common,
                                    "batch": batch, "quantity": "work_ratio",
                                    "system": REFERENCE, "versus": other, "phonemes": length,
                                    "value": work, "reps": math.nan, "fit_from": math.nan,
                                    "fit_to": math.nan})
            for system in bench.systems:
                parameters = run.subject(scale, system).parameters
                for length in sorted(bench.lengths):
                    record = run.records[scale.name, system, batch, length]
                    fwd = statistics.median(record.times.values()) if record.times else math.nan
                    ratio = (paired_ratio(run.records[scale.name, REFERENCE, batch, length].times,
                                          record.times)[0]
                             if REFERENCE in bench.systems else math.nan)
                    macs, updates = run.per_phoneme(scale.name, system, length)
                    rows.append({
                        "scale": scale.name, "hidden": scale.hidden, "system": system,
                        "parameters": parameters, **common, "batch": batch,
                        "phonemes": length, "frames": length * bench.frames_per_phoneme,
                        "fwd_s": fwd, "reps": len(record.times),
                        "phonemes_per_s": batch * length / fwd, "mvc_throughput_ratio": ratio,
                        "macs_per_phoneme": macs, "scan_updates_per_phoneme": updates,
                        "peak_mb": record.peak / MB,
                        "time_exponent": fits[system, "time"][0],
                        "memory_exponent": fits[system, "memory"][0],
                        "scan_backend": scan_backend(scale, bench.device),
                        "torch_threads": torch.get_num_threads(), "load_1min": record.load,
                        "skipped": bool(record.skipped),
                        "note": "; ".join(filter(None, [record.skipped, *record.failures])),
                    })
    return (pd.DataFrame.from_records(rows, columns=list(COLUMNS)),
            pd.DataFrame.from_records(summary, columns=list(SUMMARY_COLUMNS)))


def targets_summary(summary: pd.DataFrame, bench: EncoderBench) -> str:
    """The issue's targets, each with the figure this run measured."""
    lines = ["Targets (measured in this run):"]
    top = max(bench.lengths)
    for (scale, batch), group in summary.groupby(["scale", "batch"], sort=False):
        exponents = group[group["quantity"] == "time_exponent"].set_index("system")["value"]
        memory = group[group["quantity"] == "memory_exponent"].set_index("system")["value"]
        where = f"{scale}, batch {batch}"
        if "mvc" in exponents:
            value = exponents["mvc"]
            verdict = "n/a" if math.isnan(value) else ("met" if value <= 1.1 else "MISSED")
            lines.append(f"- {where}: MVC time exponent {value:.3f} (target <= 1.1) {verdict}; "
                         f"memory exponent {memory.get('mvc', math.nan):.3f}")
        if "hybrid" in exponents:
            lines.append(f"- {where}: hybrid time exponent {exponents['hybrid']:.3f}, memory "
                         f"exponent {memory.get('hybrid', math.nan):.3f} (expected > 1: "
                         "attention is quadratic)")
        at_top = group[group["phonemes"] == top]
        work = at_top[at_top["quantity"] == "work_ratio"].set_index("versus")["value"]
        for r in at_top[at_top["quantity"] == "throughput_ratio"].itertuples():
            note = f" (paper: {PAPER_RATIO}x)" if r.versus == "styletts2" else ""
            lines.append(f"- {where}: throughput MVC / {r.versus} at T={top}: "
                         f"{r.value:.3g}x, median of {int(r.reps)} paired repetitions{note}; "
                         f"{work.get(r.versus, math.nan):.3g}x at equal speed per "
                         f"multiply-add ({r.versus}'s MACs / MVC's)")
    return "\n".join(lines)


def write_encoder_bench(rows: pd.DataFrame, summary: pd.DataFrame, bench: EncoderBench,
                        out: str, summary_out: str) -> str:
    """Write both CSVs atomically; return the tables and targets as text."""
    for table, path in ((rows, out), (summary, summary_out)):
        with atomic_path(path) as tmp:
            table.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
    shown = rows.pivot_table(index=["scale", "batch", "phonemes"], columns="system",
                             values="fwd_s", sort=False)
    paired = summary[summary["quantity"].isin(["throughput_ratio", "work_ratio"])]
    ratios = paired.assign(column=paired["quantity"] + " " + paired["versus"],
                           phonemes=paired["phonemes"].astype(int)).pivot_table(
        index=["scale", "batch", "phonemes"], columns="column", values="value", sort=False)
    work = rows.drop_duplicates(["scale", "system", "phonemes"]).assign(
        mmacs=lambda t: t["macs_per_phoneme"] / 1e6).pivot_table(
        index=["scale", "phonemes"], columns="system", values="mmacs", sort=False)
    exponents = summary[summary["quantity"].str.endswith("exponent")].pivot_table(
        index=["scale", "batch", "system"], columns="quantity", values="value", sort=False)
    skipped = [f"- {r.scale} {r.system} B={r.batch} T={r.phonemes}: {r.note}"
               for r in rows.itertuples() if r.note]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n\n".join([
        "Forward time (s), median of interleaved repetitions:\n"
        + shown.to_markdown(floatfmt=".4g"),
        "Throughput ratio MVC / system (median of per-repetition ratios; > 1: MVC faster), "
        "and the work ratio (the system's MACs / MVC's: the throughput ratio at equal speed "
        "per multiply-add):\n"
        + (ratios.to_markdown(floatfmt=".3g") if not ratios.empty else "- none"),
        "Work: millions of multiply-accumulates per phoneme (scan updates in the CSV):\n"
        + work.to_markdown(floatfmt=".4g"),
        f"Growth exponents over T >= {bench.fit_min_length}:\n"
        + exponents.to_markdown(floatfmt=".3f"),
        "Skipped or not measured:\n" + ("\n".join(skipped) if skipped else "- none"),
        targets_summary(summary, bench),
        f"Load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs; torch "
        f"threads {torch.get_num_threads()}.",
    ])


def scales_from(items: Sequence[tuple[str, Mapping[str, Any]]]) -> tuple[Scale, ...]:
    """Scales from (name, loaded config) pairs, each checked for the sections it needs."""
    scales = []
    for name, config in items:
        for key in ("audio", "model", "systems"):
            section(config, key)
        scales.append(Scale(name, config))
    return tuple(scales)
