"""results/plots: every figure the statistics, the audio and the benchmarks allow, plus a
README listing what was drawn and what could not be (and why), written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mvc.atomic import atomic_dir
from mvc.audio import load
from mvc.features.prosody import ProsodyConfig, world_f0
from mvc.report import plots
from mvc.stats.analysis import StatsResult
from mvc.stats.settings import StatsSettings

GROUND_TRUTH = "ground_truth"


@dataclass(frozen=True)
class PlotSettings:
    """`report` config section: F0 frame period (ms) and the benchmark length for tables."""

    f0_frame_ms: float
    bench_length: int


def pick_utterance(dirs: Mapping[str, Path]) -> str | None:
    """The utterance present in every system's directory with the median file size."""
    common = None
    for directory in dirs.values():
        ids = {p.stem for p in directory.glob("*.wav")}
        common = ids if common is None else common & ids
    if not common:
        return None
    sized = sorted(common, key=lambda u: (next(iter(dirs.values())) / f"{u}.wav").stat().st_size)
    return sized[len(sized) // 2]


def contours(dirs: Mapping[str, Path], utt_id: str, prosody: ProsodyConfig,
             frame_ms: float) -> dict[str, np.ndarray]:
    """WORLD F0 (Hz) of `utt_id` in each directory, at `frame_ms` frames."""
    out = {}
    for system, directory in dirs.items():
        audio, rate = load(directory / f"{utt_id}.wav")
        hop = round(rate * frame_ms / 1000.0)
        out[system] = world_f0(audio, rate, hop, 1 + len(audio) // hop, prosody)
    return out


def write_plots(result: StatsResult, settings: StatsSettings, synth: Mapping[str, dict[str, Path]],
                systems: Sequence[str], bench: pd.DataFrame | None, prosody: ProsodyConfig,
                plot_settings: PlotSettings, out_dir: Path,
                encoders: pd.DataFrame | None = None,
                longform: pd.DataFrame | None = None) -> list[str]:
    """Draw every figure into `out_dir`; return the README lines. `synth` maps test set ->
    system -> its directory of {utt_id}.wav; `bench`, `encoders` and `longform` are
    results/bench/ssm.csv, encoders.csv and synth_longform.csv (None: not written)."""
    lines = []
    with atomic_dir(out_dir) as tmp:
        for spec in settings.columns:
            rows = result.estimates[(result.estimates["column"] == spec.key)
                                    & result.estimates["estimate"].notna()]
            if rows.empty:
                lines.append(f"- points_{spec.column}: no estimates for {spec.label}")
                continue
            plots.save(plots.point_plot(rows, spec.label, spec.direction, settings.confidence),
                       tmp / f"points_{spec.column}")
            lines.append(f"- points_{spec.column}.png/.pdf: {spec.label} per system and test set")
            diffs = result.differences[result.differences["column"] == spec.key]
            if diffs.empty:
                lines.append(f"- differences_{spec.column}: not drawn, no system is paired "
                             f"with the reference {settings.reference!r}")
                continue
            plots.save(plots.difference_plot(diffs, spec.label, settings.reference),
                       tmp / f"differences_{spec.column}")
            lines.append(f"- differences_{spec.column}.png/.pdf: per-utterance differences")
        for testset, dirs in synth.items():
            ordered = {s: dirs[s] for s in systems if s in dirs}
            utt = pick_utterance(ordered)
            if utt is None:
                lines.append(f"- f0_{testset}: no utterance synthesized by every system")
                continue
            missing = [s for s in systems if s not in ordered]
            title = f"F0 of {testset}/{utt}" + (f" (no audio yet: {', '.join(missing)})"
                                                 if missing else "")
            if GROUND_TRUTH not in ordered:
                title += " (no ground truth)"
            elif len(ordered) == 1:
                title += " (ground truth only: no TTS system synthesized yet)"
            plots.save(plots.f0_plot(contours(ordered, utt, prosody, plot_settings.f0_frame_ms),
                                     plot_settings.f0_frame_ms / 1000.0, title),
                       tmp / f"f0_{testset}")
            lines.append(f"- f0_{testset}.png/.pdf: {title}")
        if bench is None or bench.empty:
            lines.append("- efficiency_*: no results/bench/ssm.csv (run `mvc bench ssm`)")
        else:
            for name, column, label in (("time", "fwd_s", "forward time (s)"),
                                        ("memory", "infer_peak_mb", "inference peak memory (MB)")):
                plots.save(plots.scaling_plot(bench, column, label, f"{label} vs input length"),
                           tmp / f"efficiency_{name}")
                lines.append(f"- efficiency_{name}.png/.pdf: {label} vs length, log-log")
        lines += _encoder_plots(encoders, tmp) + _longform_plots(longform, tmp)
        (tmp / "README.md").write_text("# results/plots\n\n" + "\n".join(lines) + "\n",
                                       encoding="utf-8")
    return lines


def _encoder_plots(encoders: pd.DataFrame | None, tmp: Path) -> list[str]:
    """Forward time and peak memory vs phonemes per system, one pair per (scale, batch),
    with the benchmark's fitted exponents (`mvc bench encoders`)."""
    if encoders is None or encoders.empty:
        return ["- encoders_*: no results/bench/encoders.csv (run `mvc bench encoders` or "
                "`snakemake bench`)"]
    lines = []
    for (scale, batch), rows in encoders.groupby(["scale", "batch"], sort=False):
        for name, column, exponent, label in (
                ("time", "fwd_s", "time_exponent", "forward time (s)"),
                ("memory", "peak_mb", "memory_exponent", "peak memory (MiB)")):
            drawn = rows[rows[column].notna() & (rows[column] > 0)]
            stem = f"encoders_{name}_{scale}_b{batch}"
            if drawn.empty:
                lines.append(f"- {stem}: not drawn, no {column} measured")
                continue
            slopes = drawn.groupby("system")[exponent].first().to_dict()
            plots.save(plots.scaling_plot(
                drawn, column, label, f"Conditioning path {label}, {scale} width, batch {batch}",
                x="phonemes", group="system", xlabel="input length (phonemes)", slopes=slopes),
                tmp / stem)
            lines.append(f"- {stem}.png/.pdf: {label} vs phonemes per system, log-log, slopes "
                         "fitted by the benchmark")
    return lines


def _longform_plots(longform: pd.DataFrame | None, tmp: Path) -> list[str]:
    """Synthesis time and peak memory vs passage length per (system, mode)."""
    if longform is None or longform.empty:
        return ["- longform_*: no results/bench/synth_longform.csv (run `mvc bench synth`)"]
    rows = longform[~longform["skipped"].astype(bool)].copy()
    w = rows["lookahead"].map(lambda v: "" if pd.isna(v) or v == "" else f" W={int(v)}")
    rows["series"] = rows["system"] + " " + rows["mode"] + w
    lines = []
    for name, column, label in (("time", "total_s", "synthesis time (s)"),
                                ("memory", "peak_mb", "peak memory (MiB)")):
        drawn = rows[rows[column].notna() & (rows[column] > 0)]
        if drawn.empty:
            lines.append(f"- longform_{name}: not drawn, no {column} measured")
            continue
        plots.save(plots.scaling_plot(drawn, column, label, f"Long-form {label} vs passage "
                                      "length", x="phonemes", group="series",
                                      xlabel="passage length (phonemes)"),
                   tmp / f"longform_{name}")
        lines.append(f"- longform_{name}.png/.pdf: {label} vs passage length per system and "
                     "mode, log-log, least-squares slopes")
    return lines
