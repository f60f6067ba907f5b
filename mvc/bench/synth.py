"""`mvc bench synth`: end-to-end synthesis time per component, and long-form scaling.

Every system synthesizes the same sentences of one text (a book excerpt of data/texts),
through the synthesis stage's own code (`mvc.synth.synthesize.synthesize_utterance`: token
ids to waveform, sentence by sentence with the style carried; the text front end runs
before the clock starts). Models are trained checkpoints (results/train/{system}/
checkpoint.pt) or, for tests and smoke runs, untrained models built from a config's
`model:` and `systems:` sections (their durations are arbitrary: such times say nothing
about a trained system's RTF). The reference voice is a fixed random normalized log-mel
(`reference_frames` frames), or a given recording: its content does not change the time.

Two parts:
- components: the first `utterances` sentences, one utterance each; per (system, sentence)
  a row of the synthesis timings schema (mvc.eval.efficiency: total_s, conditioning_s,
  diffusion_s, decoder_s, vocoder_s, peak_mem_mb = the process's peak resident set), from
  the repetition with the median total_s; RTF and each component's share follow from
  `mvc.eval.efficiency.summarize`.
- long-form: passages of the first n sentences for each n of `passages` (one sentence up to
  the whole text, a chapter), per mode:
  - `sentences`: sentence by sentence, offline (what `mvc synth run` does);
  - `streaming`: sentence by sentence with the conditioning path streamed with look-ahead
    W frames (`lookahead`; MVC's Bi-Mamba path only: other systems get a skipped row);
  - `whole`: the passage's token ids as one sequence (conditioning, diffusion and decoder
    over the whole passage: where the conditioning path's growth with length shows).
  Per row: total_s and components (median repetition), RTF, first-audio latency and peak
  memory. First audio: in the sentence modes the time to the first sentence's waveform
  (measured as the one-sentence passage of the same mode: the same work; synthesis is not
  incremental within a sentence, because the diffusion samples the style from the whole
  sentence's text encoding, so W changes the conditioning path's work, not when audio
  starts); in `whole` mode the total. Peak memory: the peak resident set above the one
  before the call, in a fresh forked process (mvc.bench.peak_memory; CUDA: the
  allocator's peak), measured once per row.
Repetitions are interleaved: each visits every (system, row) once, systems in a rotating
order.
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from mvc.atomic import atomic_path
from mvc.bench.peak_memory import MeasurementError, PeakMemory, cuda_peak
from mvc.config import build, section
from mvc.errors import InputError
from mvc.eval.efficiency import per_utterance, summarize, write_timings
from mvc.features.mel import MelConfig
from mvc.models.config import model_config
from mvc.models.tts import TTSModel
from mvc.synth.config import SynthesisConfig
from mvc.synth.synthesize import SentenceIds, synthesize_utterance
from mvc.synth.vocoder import synthesis_vocoder
from mvc.systems.overrides import system_model_section
from mvc.text.frontend import text_to_ids
from mvc.text.sentences import split_sentences
from mvc.train.checkpoint import load_checkpoint
from mvc.train.distributed import limit_threads

MODES = ("sentences", "streaming", "whole")
STREAMING_PATH = "mvc"  # the conditioning path that streams (mvc.models.conditioning)
COMPONENTS = ("conditioning_s", "diffusion_s", "decoder_s", "vocoder_s")
LONGFORM_COLUMNS = ("system", "mode", "lookahead", "sentences", "phonemes", "audio_seconds",
                    "total_s", *COMPONENTS, "rtf", "first_audio_s", "peak_mb", "reps",
                    "device", "torch_threads", "load_1min", "skipped", "note")
MB = 2**20


@dataclass(frozen=True)
class SystemSpec:
    """Where a system's model comes from: a checkpoint (trained) or a config (untrained:
    `model:` with the system's `systems:` overrides, and `audio:`). Picklable, so that a
    fresh process can load it to measure memory."""

    name: str
    checkpoint: Path | None = None
    config: Mapping[str, Any] | None = None
    vocoder_checkpoint: Path | None = None
    seed: int = 0


@dataclass
class Loaded:
    """A system ready to synthesize."""

    model: TTSModel
    vocoder: Callable[[torch.Tensor], np.ndarray]
    mel: MelConfig

    @property
    def streams(self) -> bool:
        return self.model.config.conditioning == STREAMING_PATH


def load_system(spec: SystemSpec, device: str) -> Loaded:
    """The inference model and vocoder of `spec` on `device`, in eval mode."""
    if spec.checkpoint is not None:
        saved = load_checkpoint(spec.checkpoint, spec.name)
        sections = saved["sections"]
        model_cfg = model_config(sections["model"], sections["audio"])
        model = TTSModel.from_inference_state(model_cfg, saved["state"])
    elif spec.config is not None:
        sections = {"audio": section(spec.config, "audio"),
                    "model": system_model_section(spec.config, spec.name)}
        model_cfg = model_config(sections["model"], sections["audio"])
        torch.manual_seed(spec.seed)
        model = TTSModel(model_cfg, with_aligner=False)
    else:
        raise InputError(f"system {spec.name}", "neither a checkpoint nor a config",
                         "pass --checkpoint SYSTEM=PATH or --untrained CONFIG")
    mel = build(MelConfig, sections["audio"], "audio")
    vocoder = synthesis_vocoder(model_cfg.vocoder, mel, spec.vocoder_checkpoint,
                                torch.device(device))
    return Loaded(model.to(device).eval(), vocoder, mel)


@dataclass(frozen=True)
class SynthBench:
    """Settings of one run (the CLI's options)."""

    systems: tuple[SystemSpec, ...]
    sentences: tuple[str, ...]  # the text's sentences, in reading order
    language: str = "en-us"
    utterances: int = 8
    passages: tuple[int | None, ...] = (1, 4, 16)  # sentences per passage; None: all
    lookaheads: tuple[int, ...] = (8,)
    modes: tuple[str, ...] = MODES
    reps: int = 2
    device: str = "cpu"
    threads: int | None = None
    memory: bool = True
    reference_frames: int = 200
    sentence_pause_s: float = 0.25
    seed: int = 0
    reference: np.ndarray | None = field(default=None, compare=False)  # a log-mel (n_mels, F)


def validate(bench: SynthBench) -> None:
    """InputError for options that cannot run."""
    if bench.device not in ("cpu", "cuda"):
        raise InputError("--device", f"unknown device {bench.device!r}", "use cpu or cuda")
    if bench.device == "cuda" and not torch.cuda.is_available():
        raise InputError("--device", "CUDA is not available here", "run with --device cpu")
    if not bench.systems:
        raise InputError("--checkpoint", "no system given",
                         "pass --checkpoint SYSTEM=PATH ... or --untrained CONFIG")
    if not bench.sentences:
        raise InputError("--text", "no sentences in the text", "give a text with sentences")
    unknown = [m for m in bench.modes if m not in MODES]
    if unknown:
        raise InputError("--modes", f"unknown modes {unknown}", f"use some of {MODES}")
    counts = [n for n in bench.passages if n is not None]
    for option, values in (("--utterances", [bench.utterances]), ("--reps", [bench.reps]),
                           ("--passages", counts or [1]),
                           ("--lookaheads", [w + 1 for w in bench.lookaheads] or [1])):
        if min(values) < 1:
            raise InputError(option, f"got {values}", "give positive integers (look-aheads "
                                                      ">= 0, passages >= 1 or 'all')")


def encode(sentences: Sequence[str], language: str) -> list[torch.Tensor]:
    """Token ids (1, T) per sentence (the text front end, before any clock starts)."""
    return [torch.tensor([ids], dtype=torch.long) for _, ids in text_to_ids(sentences, language)]


def passage(ids: Sequence[torch.Tensor], n: int | None, mode: str, utt_id: str) -> SentenceIds:
    """The first n sentences (all when None): one per sentence, or joined (`whole`)."""
    chosen = list(ids[:n] if n is not None else ids)
    if mode == "whole":
        chosen = [torch.cat(chosen, dim=1)]
    return SentenceIds(utt_id, chosen)


def reference_mel(bench: SynthBench, n_mels: int) -> torch.Tensor:
    """The given reference log-mel, or a fixed random one (1, n_mels, reference_frames)."""
    if bench.reference is not None:
        return torch.from_numpy(bench.reference).unsqueeze(0)
    gen = torch.Generator().manual_seed(bench.seed)
    return torch.randn(1, n_mels, bench.reference_frames, generator=gen)


def run_once(loaded: Loaded, target: SentenceIds, bench: SynthBench,
             lookahead: int | None) -> dict[str, Any]:
    """One synthesis of `target`: the timings row of mvc.synth.synthesize."""
    cfg = SynthesisConfig(sentence_pause_s=bench.sentence_pause_s, lookahead=lookahead,
                          device=bench.device)
    _, row = synthesize_utterance(loaded.model, loaded.vocoder, target,
                                  reference_mel(bench, loaded.model.config.n_mels), bench.seed,
                                  cfg, loaded.mel.sample_rate, torch.device(bench.device))
    return row


@dataclass(frozen=True)
class Row:
    """One long-form configuration."""

    mode: str
    sentences: int | None
    lookahead: int | None

    def utt_id(self) -> str:
        w = "" if self.lookahead is None else f"_w{self.lookahead}"
        return f"{self.mode}{w}_{'all' if self.sentences is None else self.sentences}"


def longform_rows(bench: SynthBench) -> list[Row]:
    """Every (mode, passage, look-ahead) configuration, shortest passages first."""
    rows = []
    for n in sorted(bench.passages, key=lambda n: math.inf if n is None else n):
        for mode in bench.modes:
            if mode == "streaming":
                rows.extend(Row(mode, n, w) for w in bench.lookaheads)
            else:
                rows.append(Row(mode, n, None))
    return rows


def _memory_setup(spec: SystemSpec, bench: SynthBench, row: Row,
                  ids: list[torch.Tensor]) -> Callable[[], object]:
    """For a fresh process: load the system, warm up on the first sentence, return the call."""
    limit_threads(bench.threads)
    loaded = load_system(spec, bench.device)
    run_once(loaded, passage(ids, 1, "sentences", "warm_up"), bench, None)
    target = passage(ids, row.sentences, row.mode, row.utt_id())
    return lambda: run_once(loaded, target, bench, row.lookahead)


def _median_rep(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The repetition with the median total time (the lower one of an even count)."""
    ordered = sorted(rows, key=lambda r: r["total_s"])
    return ordered[(len(ordered) - 1) // 2]


def run_synth_bench(bench: SynthBench) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(components: timings rows per system and sentence, long-form rows)."""
    validate(bench)
    limit_threads(bench.threads)
    ids = encode(bench.sentences, bench.language)
    loaded = {spec.name: load_system(spec, bench.device) for spec in bench.systems}
    names = list(loaded)
    utterances = [passage(ids[k:k + 1], 1, "sentences", f"sentence{k:03d}")
                  for k in range(min(bench.utterances, len(ids)))]
    rows = longform_rows(bench)
    first_audio = {(r.mode, r.lookahead) for r in rows if r.mode != "whole"}
    extra = len([1 for m, w in first_audio if Row(m, 1, w) not in rows])
    component_runs: dict[tuple[str, str], list[dict]] = {}
    longform_runs: dict[tuple[str, Row], list[dict]] = {}
    skipped: dict[tuple[str, Row], str] = {}
    for name in names:
        run_once(loaded[name], utterances[0], bench, None)  # warm-up: lazy inits, JIT
        for row in rows:
            if row.mode == "streaming" and not loaded[name].streams:
                skipped[name, row] = (f"streaming is defined for the {STREAMING_PATH} "
                                      "conditioning path only")
    steps = bench.reps * len(names) * (len(utterances) + len(rows) + extra)
    with tqdm(total=steps, desc="bench synth") as bar:
        for rep in range(bench.reps):
            shift = rep % len(names)
            for name in (*names[shift:], *names[:shift]):
                for target in utterances:
                    component_runs.setdefault((name, target.utt_id), []).append(
                        {**run_once(loaded[name], target, bench, None), "system": name})
                    bar.update()
                latency = [Row(mode, 1, w) for mode, w in sorted(
                    first_audio, key=lambda x: (x[0], -1 if x[1] is None else x[1]))
                    if Row(mode, 1, w) not in rows]
                for row in [*rows, *latency]:
                    bar.update()
                    if (name, row) in skipped or (
                            row in latency and row.mode == "streaming"
                            and not loaded[name].streams):
                        continue
                    target = passage(ids, row.sentences, row.mode, row.utt_id())
                    longform_runs.setdefault((name, row), []).append(
                        {**run_once(loaded[name], target, bench, row.lookahead),
                         "load_1min": os.getloadavg()[0]})
    peaks = _longform_peaks(bench, rows, skipped, ids) if bench.memory else {}
    components = pd.DataFrame([{**_median_rep(runs), "device": bench.device}
                               for runs in component_runs.values()])
    return components, _longform_table(bench, names, rows, longform_runs, skipped, peaks, ids)


def _longform_peaks(bench: SynthBench, rows: list[Row], skipped: Mapping[tuple[str, Row], str],
                    ids: list[torch.Tensor]) -> dict[tuple[str, Row], float | str]:
    """Peak bytes per (system, row), or why it was not measured."""
    peaks: dict[tuple[str, Row], float | str] = {}
    memory = PeakMemory(preload=["mvc.bench.synth"]) if bench.device == "cpu" else None
    with memory or contextlib.nullcontext():
        for spec in bench.systems:
            for row in tqdm(rows, desc=f"peak memory {spec.name}"):
                if (spec.name, row) in skipped:
                    continue
                args = (spec, bench, row, ids)
                try:
                    peaks[spec.name, row] = float(cuda_peak(_memory_setup, *args)
                                                  if memory is None
                                                  else memory.cpu(_memory_setup, *args))
                except MeasurementError as err:
                    peaks[spec.name, row] = f"peak not measured: {err}"
    return peaks


def _longform_table(bench: SynthBench, names: list[str], rows: list[Row],
                    runs: Mapping[tuple[str, Row], list[dict]],
                    skipped: Mapping[tuple[str, Row], str],
                    peaks: Mapping[tuple[str, Row], float | str],
                    ids: list[torch.Tensor]) -> pd.DataFrame:
    out = []
    for name in names:
        for row in rows:
            chosen = ids[:row.sentences] if row.sentences is not None else ids
            base = {"system": name, "mode": row.mode,
                    "lookahead": "" if row.lookahead is None else row.lookahead,
                    "sentences": len(chosen), "phonemes": sum(t.shape[1] for t in chosen),
                    "device": bench.device, "torch_threads": torch.get_num_threads(),
                    "load_1min": math.nan}
            if (name, row) in skipped:
                out.append({**base, "reps": 0, "skipped": True, "note": skipped[name, row]})
                continue
            median = _median_rep(runs[name, row])
            first = (median["total_s"] if row.mode == "whole" else
                     statistics.median(r["total_s"] for r in runs[name, Row(row.mode, 1,
                                                                             row.lookahead)]))
            peak = peaks.get((name, row), math.nan)
            out.append({**base, "audio_seconds": median["audio_seconds"],
                        "total_s": median["total_s"], **{c: median[c] for c in COMPONENTS},
                        "rtf": median["total_s"] / median["audio_seconds"],
                        "first_audio_s": first,
                        "peak_mb": peak / MB if isinstance(peak, float) else math.nan,
                        "reps": len(runs[name, row]), "load_1min": median["load_1min"],
                        "skipped": False,
                        "note": peak if isinstance(peak, str) else ""})
    return pd.DataFrame.from_records(out, columns=list(LONGFORM_COLUMNS))


def write_synth_bench(components: pd.DataFrame, longform: pd.DataFrame, out: Path,
                      longform_out: Path) -> str:
    """Write both CSVs atomically (components in the synthesis timings schema); return the
    breakdown and the long-form table as text."""
    write_timings(components.to_dict("records"), out)
    with atomic_path(longform_out) as tmp:
        longform.to_csv(tmp, index=False, lineterminator="\n", float_format="%.6g")
    summary = summarize(per_utterance(components))
    shares = [c for c in summary.columns if c.endswith("_share")]
    shown = longform[["system", "mode", "lookahead", "sentences", "phonemes", "audio_seconds",
                      "rtf", "first_audio_s", "peak_mb", "reps", "note"]]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n\n".join([
        "Where the time goes (same sentences for every system; RTF = sum of times / sum of "
        "audio seconds; shares of the summed time):\n"
        + summary[["system", "n", "audio_seconds", "total_s", "rtf", *shares]].to_markdown(
            index=False, floatfmt=".3g"),
        "Long-form (median repetition; first audio: time to the first sentence's waveform, "
        "the total in whole mode; peak: MB above the pre-call resident set, fresh process):\n"
        + shown.to_markdown(index=False, floatfmt=".3g"),
        f"Load average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs; torch "
        f"threads {torch.get_num_threads()}.",
    ])


def read_sentences(path: Path, language: str) -> tuple[str, ...]:
    """The sentences of a text file (mvc.text.sentences.split_sentences)."""
    if not path.is_file():
        raise InputError(path, "text file not found", "give a .txt file, e.g. "
                         "data/texts/en/moby-dick-ch1.txt")
    return tuple(split_sentences(path.read_text(encoding="utf-8"), language))


def parse_passage(text: str) -> int | None:
    """A passage length from the command line: a sentence count, or "all" (None)."""
    if text == "all":
        return None
    if not text.isdigit() or int(text) < 1:
        raise InputError("--passages", f"{text!r} is not a sentence count",
                         "give integers >= 1 or 'all'")
    return int(text)
