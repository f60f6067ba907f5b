"""`mvc bench streaming`: streaming Bi-Mamba (chunk C, look-ahead W) against the offline pass.

For a randomly initialised BiMamba it measures, per (C, W), the streaming output's error
against the offline pass (max abs, mean abs, relative L2) and the wall time of both. An
untrained model's error is only indicative: a trained model's dt (hence its memory
length) sets how much the backward direction loses beyond W; the trained MVC model's
figure comes with the MVC system. Times are medians over interleaved repetitions, after
a warm-up call. Streaming makes many small calls, which OpenMP threads left spinning
(torch's and numba's) slow down on a busy CPU; each row records the torch thread count
and $OMP_WAIT_POLICY (PASSIVE avoids the spinning).
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import torch
from torch import Tensor
from tqdm import tqdm

from mvc.atomic import atomic_path
from mvc.errors import InputError
from mvc.ssm.bimamba import BiMamba
from mvc.ssm.streaming import stream, streaming_error

INPUT_KINDS = ("random", "structured")
ALL = "all"  # the look-ahead that covers the rest of the utterance
OMP_WAIT_POLICY = "OMP_WAIT_POLICY"  # recorded: spinning OpenMP threads skew CPU timings
UNTRAINED_NOTE = ("Note: the model is randomly initialised, so these errors are only "
                  "indicative; a trained model's error comes with the MVC system.")


@dataclass(frozen=True)
class StreamingBench:
    """Settings of one benchmark run (the CLI's options)."""

    d_model: int = 256
    length: int = 2048
    chunks: tuple[int, ...] = (16, 64)
    lookaheads: tuple[int | None, ...] = (0, 8, 32, 128, None)  # None = all
    input_kind: str = "random"
    repeats: int = 3
    seed: int = 0
    scan_backend: str | None = None
    structured_tones: int = 4  # sinusoids per channel in the structured input
    structured_noise: float = 0.1  # std of the white noise added to them
    structured_max_period: float = 200.0  # frames; periods are log-uniform in [4, this]


def parse_lookahead(text: str) -> int | None:
    """A look-ahead from the command line: a frame count >= 0, or "all" (None)."""
    if text == ALL:
        return None
    if not text.isdigit():
        raise InputError("--lookaheads", f"{text!r} is not a frame count",
                         f"give integers >= 0 or {ALL!r}")
    return int(text)


def make_input(bench: StreamingBench) -> Tensor:
    """(1, length, d_model) input: white noise ("random"), or per channel a few sinusoids
    with log-uniform periods plus noise ("structured": correlated in time, like features)."""
    gen = torch.Generator().manual_seed(bench.seed)
    if bench.input_kind == "random":
        return torch.randn(1, bench.length, bench.d_model, generator=gen)
    shape = (bench.structured_tones, 1, bench.d_model)
    log_period = torch.rand(shape, generator=gen) * math.log(bench.structured_max_period / 4)
    period = 4 * torch.exp(log_period)
    phase = 2 * math.pi * torch.rand(shape, generator=gen)
    t = torch.arange(bench.length, dtype=torch.float32).view(1, -1, 1)
    tones = torch.sin(2 * math.pi * t / period + phase).sum(0) / math.sqrt(bench.structured_tones)
    noise = bench.structured_noise * torch.randn(bench.length, bench.d_model, generator=gen)
    return (tones + noise).unsqueeze(0)


def _timed(fn: Callable[..., Tensor], *args: object) -> tuple[Tensor, float]:
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def run_streaming_bench(bench: StreamingBench) -> pd.DataFrame:
    """One row per (chunk, look-ahead): errors vs offline and median times."""
    if bench.input_kind not in INPUT_KINDS:
        raise InputError("--input", f"unknown input kind {bench.input_kind!r}",
                         f"use one of {', '.join(INPUT_KINDS)}")
    for option, values in (("--chunks", bench.chunks), ("--length", [bench.length]),
                           ("--d-model", [bench.d_model]), ("--repeats", [bench.repeats])):
        if not values or min(values) < 1:
            raise InputError(option, f"got {list(values)}", "give integers >= 1")
    torch.manual_seed(bench.seed)
    model = BiMamba(bench.d_model, scan_backend=bench.scan_backend).eval()
    x = make_input(bench)
    settings = [(c, w) for c in bench.chunks for w in bench.lookaheads]
    offline_times: list[float] = []
    stream_times: dict[tuple[int, int | None], list[float]] = {s: [] for s in settings}
    streamed: dict[tuple[int, int | None], Tensor] = {}
    with torch.inference_mode(), tqdm(total=bench.repeats * (1 + len(settings)),
                                      desc="bench streaming") as progress:
        warm_up = x[:, :2 * max(bench.chunks)]  # first calls pay JIT compiles and imports
        model(warm_up)
        stream(model, warm_up, max(bench.chunks), 0)
        for _ in range(bench.repeats):
            offline, seconds = _timed(model, x)
            offline_times.append(seconds)
            progress.update()
            for chunk, lookahead in settings:
                streamed[chunk, lookahead], seconds = _timed(stream, model, x, chunk, lookahead)
                stream_times[chunk, lookahead].append(seconds)
                progress.update()
    rows = []
    for chunk, lookahead in settings:
        error = streaming_error(streamed[chunk, lookahead], offline)
        rows.append({
            "d_model": bench.d_model, "length": bench.length, "input": bench.input_kind,
            "chunk": chunk, "lookahead": ALL if lookahead is None else lookahead,
            "latency_frames": bench.length if lookahead is None else chunk + lookahead,
            "max_abs": error.max_abs, "mean_abs": error.mean_abs, "relative": error.relative,
            "stream_s": statistics.median(stream_times[chunk, lookahead]),
            "offline_s": statistics.median(offline_times),
            "scan_backend": bench.scan_backend or "auto", "seed": bench.seed,
            "torch_threads": torch.get_num_threads(),
            "omp_wait_policy": os.environ.get(OMP_WAIT_POLICY, ""),
        })
    return pd.DataFrame.from_records(rows)


def write_streaming_bench(table: pd.DataFrame, out: str) -> str:
    """Write the CSV atomically; return the table as text for the terminal."""
    with atomic_path(out) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
    shown = table[["chunk", "lookahead", "latency_frames", "max_abs", "mean_abs", "relative",
                   "stream_s", "offline_s"]]
    return shown.to_markdown(index=False, floatfmt=".3g") + "\n\n" + UNTRAINED_NOTE
