"""The efficiency table: per system parameters, real-time factor, throughput and memory, and
the conditioning-path kernels' time and memory from `mvc bench ssm`.

Systems: from the synthesis timings (`mvc.eval.efficiency`'s CSV, one per system and test
set). RTF = sum(total_s) / sum(audio_seconds) with a bootstrap interval over utterances (a
ratio of sums, like corpus WER); throughput = 1 / RTF (seconds of audio per second); peak
memory the largest `peak_mem_mb`. Parameters: what training wrote beside the checkpoint
(results/train/{system}/params.json: the inference model's total, without the training-only
aligner and without the vocoder, and the conditioning path's). Kernels: the rows of
results/bench/ssm.csv at one length. Benchmarks, when written: the conditioning paths
(results/bench/encoders.csv), where synthesis time goes (results/bench/synth.csv) and
long-form synthesis (results/bench/synth_longform.csv).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mvc.eval.efficiency import per_utterance, summarize
from mvc.report.render import Table, format_ci
from mvc.stats.bootstrap import Ratios, bootstrap
from mvc.stats.settings import StatsSettings

NO_DATA = "no data"
SYSTEM_COLUMNS = ("system", "n", "parameters", "rtf", "rtf_low", "rtf_high", "throughput",
                  "throughput_low", "throughput_high", "peak_mem_mb", "device", "note")
KERNEL_FIELDS = ("fwd_s", "fwd_bwd_s", "infer_peak_mb", "train_peak_mb", "fwd_growth_exponent")


def parameters_cell(counts: Mapping[str, int] | None) -> str:
    """'3.27M (conditioning 1.75M)' from a system's parameter counts; NO_DATA without them."""
    if not counts:
        return NO_DATA
    return (f"{counts['total'] / 1e6:.2f}M (conditioning {counts['conditioning'] / 1e6:.2f}M)")


def system_efficiency(timings: Mapping[str, pd.DataFrame],
                      params: Mapping[str, Mapping[str, int]], systems: Sequence[str],
                      settings: StatsSettings) -> pd.DataFrame:
    """One row per system; `timings` maps a system to its per-utterance timings (all test
    sets concatenated), `params` to its parameter counts. Systems without timings get a
    row that says so."""
    rows = []
    for system in systems:
        table = timings.get(system)
        parameters = parameters_cell(params.get(system))
        if table is None or table.empty:
            rows.append({"system": system, "n": 0, "parameters": parameters,
                         "note": "no timings CSV yet (results/synth/{system}/{testset}/"
                                 "timings.csv, docs/statistics.md)"})
            continue
        ratio = Ratios(table["total_s"].to_numpy(float)[:, None],
                       table["audio_seconds"].to_numpy(float)[:, None], np.ones((1, 1)))
        result = bootstrap(ratio, settings.n_resamples, settings.confidence, settings.method,
                           settings.seed)
        rtf, low, high = (float(result.estimate[0]), float(result.low[0]),
                          float(result.high[0]))
        summary = summarize(per_utterance(table.assign(system=system))).iloc[0]
        rows.append({"system": system, "n": len(table), "parameters": parameters, "rtf": rtf,
                     "rtf_low": low, "rtf_high": high, "throughput": 1.0 / rtf,
                     "throughput_low": 1.0 / high, "throughput_high": 1.0 / low,
                     "peak_mem_mb": summary.get("peak_mem_mb", math.nan),
                     "device": summary.get("device", ""),
                     "note": "" if params.get(system) else "parameters: no params.json"})
    return pd.DataFrame(rows, columns=SYSTEM_COLUMNS)


def system_table(frame: pd.DataFrame, settings: StatsSettings) -> Table:
    """The systems' efficiency as a rendered-table model."""
    rows = []
    for _, r in frame.iterrows():
        if r["n"] == 0:
            rows.append([r["system"], "0", str(r["parameters"]), NO_DATA, NO_DATA, NO_DATA])
            continue
        memory = f"{r['peak_mem_mb']:.0f}" if math.isfinite(r["peak_mem_mb"]) else NO_DATA
        rows.append([r["system"], str(r["n"]), str(r["parameters"]),
                     format_ci(r["rtf"], r["rtf_low"], r["rtf_high"]),
                     format_ci(r["throughput"], r["throughput_low"], r["throughput_high"]),
                     memory])
    notes = [f"RTF = sum(synthesis time) / sum(audio duration) over the utterances (n), "
             f"{settings.confidence:.0%} bootstrap CI; throughput = 1 / RTF (audio seconds "
             "per second); memory: peak MiB while synthesizing. Parameters: the inference "
             "model (without the training-only aligner and the vocoder); conditioning: text "
             "encoder + duration + prosody predictors."]
    if frame.empty:
        notes.append("No TTS system is configured (evaluation.systems lists only systems that "
                     "are not synthesized): nothing to time yet.")
    missing = frame.loc[frame["n"] == 0, "system"].tolist()
    if missing:
        notes.append(f"No synthesis timings yet for {', '.join(missing)}: the synthesis "
                     "stage has to write them.")
    return Table("Efficiency: systems", ["System", "n", "Parameters", "RTF ↓",
                                         "Throughput ↑", "Peak memory (MiB) ↓"],
                 rows, notes=notes)


def _number(value: float) -> str:
    """Three significant digits, without exponents for large values."""
    if not pd.notna(value):
        return NO_DATA
    return f"{value:.0f}" if abs(value) >= 100 else f"{value:.3g}"


def kernel_table(bench: pd.DataFrame | None, length: int) -> tuple[Table, pd.DataFrame]:
    """The conditioning-path kernels at `length` frames from results/bench/ssm.csv."""
    header = ["Kernel", "Kind", "Device", "Forward (s) ↓", "Fwd+bwd (s) ↓",
              "Inference peak (MB) ↓", "Training peak (MB) ↓", "Time growth exponent ↓"]
    title = f"Efficiency: conditioning-path kernels at {length} frames"
    if bench is None or bench.empty:
        return (Table(title, header, [], notes=["No results/bench/ssm.csv: run `mvc bench ssm`."]),
                pd.DataFrame(columns=["subject", "kind", "device", "length", *KERNEL_FIELDS]))
    at = bench[bench["length"] == length]
    rows = []
    for _, r in at.iterrows():
        cells = [_number(r[f]) for f in KERNEL_FIELDS]
        rows.append([str(r["subject"]), str(r["kind"]), str(r["device"]), *cells])
    notes = ["From `mvc bench ssm` (results/bench/ssm.csv; docs/ssm.md for the setup). "
             "The growth exponent is the log-log slope of forward time against length."]
    if at.empty:
        notes.append(f"The benchmark has no rows at length {length}; lengths measured: "
                     f"{sorted(bench['length'].unique().tolist())}.")
    return (Table(title, header, rows, notes=notes, left=3),
            at[["subject", "kind", "device", "length", *KERNEL_FIELDS]])


def encoder_table(encoders: pd.DataFrame | None) -> tuple[Table, pd.DataFrame]:
    """Per (scale, batch, system) from `mvc bench encoders`: time and memory at the longest
    input every system of the (scale, batch) was measured at, the growth exponents and the
    throughput ratio MVC / system there."""
    header = ["Scale (hidden)", "Batch", "System", "Parameters", "MMAC / phoneme",
              "Phonemes", "Forward (s) ↓", "Peak (MiB) ↓", "Time exponent", "Memory exponent",
              "MVC / system throughput"]
    title = "Efficiency: conditioning paths (mvc bench encoders)"
    if encoders is None or encoders.empty:
        return (Table(title, header, [], notes=["No results/bench/encoders.csv: run `mvc "
                                                "bench encoders` or `snakemake bench`."]),
                pd.DataFrame(columns=["scale", "batch", "system", "phonemes"]))
    picked = []
    for _, group in encoders.groupby(["scale", "batch"], sort=False):
        measured = group[group["fwd_s"].notna()]
        counts = measured.groupby("phonemes")["system"].nunique()
        common = counts[counts == group["system"].nunique()]
        length = common.index.max() if len(common) else measured["phonemes"].max()
        picked.append(group[group["phonemes"] == length])
    at = pd.concat(picked, ignore_index=True)
    rows = [[f"{r['scale']} ({r['hidden']})", str(r["batch"]), str(r["system"]),
             f"{r['parameters'] / 1e6:.2f}M",
             _number(r.get("macs_per_phoneme", math.nan) / 1e6), str(r["phonemes"]),
             _number(r["fwd_s"]),
             _number(r["peak_mb"]), _number(r["time_exponent"]), _number(r["memory_exponent"]),
             _number(r["mvc_throughput_ratio"])] for _, r in at.iterrows()]
    loads = encoders["load_1min"]
    reps = sorted(encoders.loc[encoders["reps"] > 0, "reps"].unique())
    notes = ["Forward: median of interleaved repetitions (reps: "
             f"{', '.join(map(str, reps))}); exponents: log-log "
             "slopes of time and peak memory against phonemes over the benchmark's fitted "
             "range; MVC / system throughput: the median over repetitions of the system's time "
             "over MVC's (> 1: MVC faster). MMAC / phoneme: millions of multiply-accumulates "
             "of the dense, convolution, attention and LSTM layers per phoneme (mvc.bench.work; "
             "not the scans' state updates): at equal speed per multiply-add, the throughput "
             "ratio would be the ratio of these. Peak: above the resident set before the "
             "call, in a fresh process (CPU). Device "
             f"{', '.join(sorted(encoders['device'].unique()))}; "
             f"1-minute load {loads.min():.1f}-{loads.max():.1f} during the run."]
    skipped = encoders[encoders["skipped"].astype(bool)]
    if not skipped.empty:
        notes.append(f"{len(skipped)} configuration(s) skipped (predicted over the time or "
                     "memory budget): see encoders.csv's notes.")
    return Table(title, header, rows, notes=notes, left=3), at


def synthesis_table(synth: pd.DataFrame | None) -> tuple[Table, pd.DataFrame]:
    """Per system from `mvc bench synth`'s components (the timings schema): RTF and where
    the time goes."""
    title = "Efficiency: where synthesis time goes (mvc bench synth)"
    if synth is None or synth.empty:
        return (Table(title, ["System"], [], notes=["No results/bench/synth.csv: run `mvc "
                                                    "bench synth`."]), pd.DataFrame())
    summary = summarize(per_utterance(synth))
    shares = [c for c in summary.columns if c.endswith("_share")]
    header = ["System", "n", "Audio (s)", "RTF ↓",
              *[f"{c.removesuffix('_share')} %" for c in shares]]
    rows = [[str(r["system"]), str(r["n"]), _number(r["audio_seconds"]), _number(r["rtf"]),
             *[f"{100 * r[c]:.1f}" for c in shares]] for _, r in summary.iterrows()]
    notes = ["The same sentences for every system, one utterance each; RTF = summed synthesis "
             "time / summed audio duration; shares of the summed time (token ids to waveform)."]
    return Table(title, header, rows, notes=notes), summary


def longform_table(longform: pd.DataFrame | None) -> tuple[Table, pd.DataFrame]:
    """Per (system, mode, look-ahead, passage) from `mvc bench synth`: RTF, first-audio
    latency and peak memory."""
    header = ["System", "Mode", "W", "Sentences", "Phonemes", "RTF ↓", "First audio (s) ↓",
              "Peak (MiB) ↓"]
    title = "Efficiency: long-form synthesis (mvc bench synth)"
    if longform is None or longform.empty:
        return (Table(title, header, [], notes=["No results/bench/synth_longform.csv: run "
                                                "`mvc bench synth`."]), pd.DataFrame())
    rows = []
    for _, r in longform.iterrows():
        w = "" if pd.isna(r["lookahead"]) or r["lookahead"] == "" else str(int(r["lookahead"]))
        cells = ([NO_DATA] * 3 if bool(r["skipped"]) else
                 [_number(r["rtf"]), _number(r["first_audio_s"]), _number(r["peak_mb"])])
        rows.append([str(r["system"]), str(r["mode"]), w, str(r["sentences"]),
                     str(r["phonemes"]), *cells])
    notes = ["Modes: sentences (sentence by sentence, offline, as `mvc synth run`), streaming "
             "(sentence by sentence, conditioning path streamed with look-ahead W; MVC only), "
             "whole (the passage as one sequence). First audio: time to the first sentence's "
             "waveform (whole: the total). Peak: above the resident set before the call, in a "
             "fresh process (CPU)."]
    return Table(title, header, rows, notes=notes, left=3), longform
