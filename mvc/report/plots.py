"""The paper's figures (seaborn, one figure per file, PNG and PDF), from data, never paths:

- `point_plot`: one headline column's estimates with their intervals per system and test set;
- `difference_plot`: the per-utterance paired differences to the reference system;
- `f0_plot`: one utterance's F0 contour per system against the ground truth;
- `scaling_plot`: time or memory against input length, log-log, with fitted slopes
  (the kernels, the conditioning paths, long-form synthesis).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from mvc.atomic import atomic_path

FORMATS = ("png", "pdf")


def save(fig: plt.Figure, out_stem: Path) -> list[Path]:
    """Write `out_stem`.png and .pdf atomically and close the figure."""
    written = []
    for fmt in FORMATS:
        target = out_stem.with_suffix(f".{fmt}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
        written.append(target)
    plt.close(fig)
    return written


def point_plot(estimates: pd.DataFrame, label: str, direction: str,
               confidence: float) -> plt.Figure:
    """Estimates (testset, system, estimate, ci_low, ci_high) as points with CI bars."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    testsets = list(dict.fromkeys(estimates["testset"]))
    systems = list(dict.fromkeys(estimates["system"]))
    palette = sns.color_palette(n_colors=len(systems))
    width = 0.6 / max(1, len(systems))
    for k, system in enumerate(systems):
        mine = estimates[estimates["system"] == system].set_index("testset")
        x = np.array([testsets.index(t) for t in mine.index]) + (k - (len(systems) - 1) / 2) * width
        y = mine["estimate"].to_numpy(float)
        err = np.vstack([y - mine["ci_low"].to_numpy(float), mine["ci_high"].to_numpy(float) - y])
        ax.errorbar(x, y, yerr=np.nan_to_num(err), fmt="o", capsize=3, color=palette[k],
                    label=system)
    ax.set_xticks(range(len(testsets)), testsets)
    ax.set_xlabel("test set")
    ax.set_ylabel(f"{label} ({'lower' if direction == 'lower' else 'higher'} is better)")
    ax.legend(title="system", fontsize="small")
    ax.set_title(f"{label}: estimate and {confidence:.0%} CI per system")
    return fig


def difference_plot(differences: pd.DataFrame, label: str, reference: str) -> plt.Figure:
    """Per-utterance differences (testset, system, difference) as box + strip plots."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    sns.boxplot(data=differences, x="testset", y="difference", hue="system", ax=ax,
                showfliers=False)
    sns.stripplot(data=differences, x="testset", y="difference", hue="system", ax=ax,
                  dodge=True, size=2, alpha=0.5, legend=False)
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel("test set")
    ax.set_ylabel(f"{label}: system - {reference}")
    ax.set_title(f"Per-utterance {label} differences to {reference}")
    return fig


def f0_plot(contours: Mapping[str, np.ndarray], frame_s: float, title: str) -> plt.Figure:
    """F0 tracks (Hz, 0 = unvoiced, drawn as gaps) per system, ground truth first."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(7, 3))
    for system, f0 in contours.items():
        track = np.where(f0 > 0, f0, np.nan)
        ax.plot(np.arange(len(track)) * frame_s, track, label=system,
                linewidth=2.0 if system == "ground_truth" else 1.2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("F0 (Hz)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    return fig


def fitted_slope(length: np.ndarray, value: np.ndarray) -> float:
    """Least-squares slope of log(value) on log(length): the growth exponent."""
    keep = np.isfinite(value) & (value > 0)
    if keep.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(length[keep]), np.log(value[keep]), 1)[0])


def scaling_plot(bench: pd.DataFrame, column: str, ylabel: str, title: str, *,
                 x: str = "length", group: str = "subject",
                 xlabel: str = "input length (frames)",
                 slopes: Mapping[str, float] | None = None) -> plt.Figure:
    """`column` against `x` per `group` (default: results/bench/ssm.csv's rows), log-log;
    the legend gives each group's slope: `slopes[group]` when given (the benchmark's own fit,
    e.g. over its fitted range), else the least-squares slope over the drawn points."""
    sns.set_theme(style="whitegrid")
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, rows in bench.groupby(group, sort=False):
        rows = rows.sort_values(x)
        length, value = rows[x].to_numpy(float), rows[column].to_numpy(float)
        slope = slopes[name] if slopes is not None else fitted_slope(length, value)
        ax.plot(length, value, marker="o", label=f"{name} (slope {slope:.2f})")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small")
    return fig
