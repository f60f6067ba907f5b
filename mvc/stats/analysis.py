"""From score tables to the statistics the tables print: estimates, comparisons, differences.

- estimates: per (test set, system, headline column) the estimate and its bootstrap
  interval over that system's usable utterances;
- comparisons: per paper table, every pair of compared systems (those not in
  `not_compared`, e.g. the ground truth) on each of its test sets and columns, on the
  utterances both have: the paired difference with its interval and three two-sided
  p-values (paired bootstrap, sign-flip permutation, Wilcoxon signed-rank); the p-values of
  the configured test are Holm-corrected across all comparisons of that table;
- best: per (table, test set, column), the compared system with the best estimate, marked
  significant only when its difference to every other compared system is significant
  after Holm and in its favour;
- differences: per-utterance paired differences to the reference system (for the plots).

Statistics that share the same utterances are bootstrapped in one batch; resamples depend
only on the number of utterances and the seed, so a result does not depend on the batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
from scipy.linalg import block_diag

from mvc.stats.bootstrap import Ratios, bootstrap
from mvc.stats.multiple import holm
from mvc.stats.paired_tests import sign_flip, wilcoxon
from mvc.stats.scores import ScoreTable, Units, units
from mvc.stats.settings import ColumnSpec, StatsSettings

ESTIMATE_COLUMNS = ("testset", "system", "metric", "column", "label", "direction", "estimator",
                    "n_rows", "n", "estimate", "ci_low", "ci_high", "note")
COMPARISON_COLUMNS = ("table", "testset", "column", "label", "direction", "system", "other",
                      "n_pairs", "difference", "ci_low", "ci_high", "p_bootstrap",
                      "p_permutation", "p_wilcoxon", "test", "p_holm", "significant")
BEST_COLUMNS = ("table", "testset", "column", "system", "significant", "note")
DIFFERENCE_COLUMNS = ("testset", "column", "label", "system", "reference", "utt_id",
                      "difference")


@dataclass(frozen=True)
class StatsResult:
    """The four long-format tables of the statistics stage and notes for the tables."""

    estimates: pd.DataFrame
    comparisons: pd.DataFrame
    best: pd.DataFrame
    differences: pd.DataFrame
    notes: list[str]


def _ratios(unit: Units) -> Ratios:
    return Ratios(unit.num[:, None], unit.den[:, None], np.ones((1, 1)))


def _difference(a: Units, b: Units) -> Ratios:
    return Ratios(np.column_stack([a.num, b.num]), np.column_stack([a.den, b.den]),
                  np.array([[1.0], [-1.0]]))


def _batched_bootstrap(jobs: dict[object, tuple[tuple[str, ...], Ratios]],
                       settings: StatsSettings) -> dict[object, tuple[float, ...]]:
    """Bootstrap single-statistic jobs, batched by their utterance ids:
    key -> (estimate, low, high, bootstrap p-value)."""
    groups: dict[tuple[str, ...], list[object]] = defaultdict(list)
    for key, (ids, _) in jobs.items():
        groups[ids].append(key)
    out: dict[object, tuple[float, ...]] = {}
    for keys in groups.values():
        parts = [jobs[k][1] for k in keys]
        stacked = Ratios(np.hstack([p.num for p in parts]), np.hstack([p.den for p in parts]),
                         block_diag(*[p.weights for p in parts]))
        result = bootstrap(stacked, settings.n_resamples, settings.confidence, settings.method,
                           settings.seed)
        for j, key in enumerate(keys):
            out[key] = (float(result.estimate[j]), float(result.low[j]),
                        float(result.high[j]), float(result.p_value[j]))
    return out


def _units_by(scores: Sequence[ScoreTable], columns: Sequence[ColumnSpec],
              ) -> dict[tuple[str, str, str], Units]:
    """(test set, system, column key) -> usable units, for every score table given."""
    found = {}
    for score in scores:
        for spec in columns:
            if spec.metric == score.metric:
                found[(score.testset, score.system, spec.key)] = units(score, spec)
    return found


def _estimates(found: dict[tuple[str, str, str], Units], specs: dict[str, ColumnSpec],
               settings: StatsSettings) -> pd.DataFrame:
    jobs = {key: (tuple(u.utt_ids), _ratios(u)) for key, u in found.items() if len(u.utt_ids)}
    results = _batched_bootstrap(jobs, settings)
    rows = []
    for key, unit in found.items():
        testset, system, column = key
        spec = specs[column]
        estimate, low, high, _ = results.get(key, (np.nan,) * 4)
        rows.append({"testset": testset, "system": system, "metric": spec.metric,
                     "column": column, "label": spec.label, "direction": spec.direction,
                     "estimator": spec.estimator, "n_rows": unit.n_rows,
                     "n": len(unit.utt_ids), "estimate": estimate, "ci_low": low,
                     "ci_high": high, "note": unit.note})
    return pd.DataFrame(rows, columns=ESTIMATE_COLUMNS)


def _ordered_pair(a: str, b: str, settings: StatsSettings) -> tuple[str, str]:
    """(system, other): the reference is always `other`, so differences read system - ref."""
    return (b, a) if a == settings.reference else (a, b)


@dataclass(frozen=True)
class _Pair:
    """One comparison: two systems' units on the utterances both have, in the same order."""

    table: str
    testset: str
    column: str
    system: str
    other: str
    a: Units
    b: Units

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.a.utt_ids)


def _pairs(found: dict[tuple[str, str, str], Units], specs: dict[str, ColumnSpec],
           compared: list[str], settings: StatsSettings, reference_only: bool) -> list[_Pair]:
    """Every pair of compared systems with scores (or, `reference_only`, every compared
    system with the reference), per table, test set and column."""
    pairs = []
    for table in settings.tables:
        for testset in table.testsets:
            for column in specs:
                present = [s for s in compared if (testset, s, column) in found
                           and len(found[(testset, s, column)].utt_ids)]
                candidates = ([(s, settings.reference) for s in present
                               if s != settings.reference and settings.reference in present]
                              if reference_only else combinations(present, 2))
                for first, second in candidates:
                    system, other = _ordered_pair(first, second, settings)
                    ua, ub = found[(testset, system, column)], found[(testset, other, column)]
                    shared = ua.utt_ids[np.isin(ua.utt_ids, ub.utt_ids)]
                    pairs.append(_Pair(table.name, testset, column, system, other,
                                       ua.select(shared), ub.select(shared)))
    return pairs


def _comparisons(found: dict[tuple[str, str, str], Units], specs: dict[str, ColumnSpec],
                 compared: list[str], settings: StatsSettings,
                 reference_only: bool = False) -> pd.DataFrame:
    pairs = _pairs(found, specs, compared, settings, reference_only)
    jobs = {i: (p.ids, _difference(p.a, p.b)) for i, p in enumerate(pairs) if p.ids}
    boot = _batched_bootstrap(jobs, settings)
    p_perm = _batched_sign_flip(pairs, settings)
    rows = []
    for i, pair in enumerate(pairs):
        spec = specs[pair.column]
        difference, low, high, p_boot = boot.get(i, (np.nan,) * 4)
        rows.append({"table": pair.table, "testset": pair.testset, "column": pair.column,
                     "label": spec.label, "direction": spec.direction, "system": pair.system,
                     "other": pair.other, "n_pairs": len(pair.ids), "difference": difference,
                     "ci_low": low, "ci_high": high, "p_bootstrap": p_boot,
                     "p_permutation": p_perm[i], "p_wilcoxon": wilcoxon(pair.a.value
                                                                         - pair.b.value),
                     "test": settings.test})
    frame = pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
    frame["p_holm"] = np.nan
    for _, index in frame.groupby("table").groups.items():
        frame.loc[index, "p_holm"] = holm(frame.loc[index, f"p_{settings.test}"].to_numpy())
    frame["significant"] = frame["p_holm"] < settings.alpha
    return frame


def _batched_sign_flip(pairs: list[_Pair], settings: StatsSettings) -> dict[int, float]:
    """Sign-flip p-values of every pair, batched by the utterances compared."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        groups[pair.ids].append(i)
    out = {}
    for ids, members in groups.items():
        if not ids:
            out.update({i: np.nan for i in members})
            continue
        a = [pairs[i].a for i in members]
        b = [pairs[i].b for i in members]
        p = sign_flip(np.column_stack([u.num for u in a]), np.column_stack([u.den for u in a]),
                      np.column_stack([u.num for u in b]), np.column_stack([u.den for u in b]),
                      settings.n_resamples, settings.seed)
        out.update(dict(zip(members, p.tolist(), strict=True)))
    return out


def _best(estimates: pd.DataFrame, comparisons: pd.DataFrame, compared: list[str],
          settings: StatsSettings) -> pd.DataFrame:
    rows = []
    for table in settings.tables:
        for testset in table.testsets:
            for spec in settings.columns:
                cells = estimates[(estimates["testset"] == testset)
                                  & (estimates["column"] == spec.key)
                                  & estimates["system"].isin(compared)
                                  & estimates["estimate"].notna()]
                if len(cells) < 2:
                    continue
                best_row = (cells.loc[cells["estimate"].idxmin()] if spec.direction == "lower"
                            else cells.loc[cells["estimate"].idxmax()])
                best = best_row["system"]
                mine = comparisons[(comparisons["table"] == table.name)
                                   & (comparisons["testset"] == testset)
                                   & (comparisons["column"] == spec.key)
                                   & ((comparisons["system"] == best)
                                      | (comparisons["other"] == best))]
                sign = -1.0 if spec.direction == "lower" else 1.0
                favour = [(r["difference"] if r["system"] == best else -r["difference"]) * sign > 0
                          for _, r in mine.iterrows()]
                significant = bool(len(mine) == len(cells) - 1 and mine["significant"].all()
                                   and all(favour))
                rows.append({"table": table.name, "testset": testset, "column": spec.key,
                             "system": best, "significant": significant,
                             "note": "" if significant else
                             "not significantly better than every other system after Holm"})
    return pd.DataFrame(rows, columns=BEST_COLUMNS)


def _differences(found: dict[tuple[str, str, str], Units], specs: dict[str, ColumnSpec],
                 compared: list[str], settings: StatsSettings) -> pd.DataFrame:
    frames = []
    for (testset, system, column), unit in found.items():
        reference = found.get((testset, settings.reference, column))
        if system == settings.reference or system not in compared or reference is None:
            continue
        shared = unit.utt_ids[np.isin(unit.utt_ids, reference.utt_ids)]
        a, b = unit.select(shared), reference.select(shared)
        frames.append(pd.DataFrame({"testset": testset, "column": column,
                                    "label": specs[column].label, "system": system,
                                    "reference": settings.reference, "utt_id": shared,
                                    "difference": a.value - b.value}))
    return (pd.concat(frames, ignore_index=True) if frames
            else pd.DataFrame(columns=DIFFERENCE_COLUMNS))


def analyze(scores: Sequence[ScoreTable], systems: Sequence[str],
            settings: StatsSettings, reference_only: bool = False) -> StatsResult:
    """Estimates, comparisons, best-per-column marks and differences for the given scores.

    `systems` is the configured system order (evaluation.systems); systems with scores but
    not listed are an error of the caller. `reference_only`: compare each system with the
    reference alone (the ablation table's family), not every pair.
    """
    specs = {spec.key: spec for spec in settings.columns}
    found = _units_by(scores, settings.columns)
    scored = [s for s in systems if any(key[1] == s for key in found)]
    compared = [s for s in scored if s not in settings.not_compared]
    notes = []
    if len(compared) < 2:
        notes.append(f"Comparisons need at least 2 compared systems; scored: "
                     f"{', '.join(scored) or 'none'} ({', '.join(settings.not_compared)} "
                     "shown, never compared). No significance marks.")
    if settings.reference not in scored:
        notes.append(f"The reference system {settings.reference!r} (statistics.reference) is "
                     "not among the scored systems: no differences to it are shown.")
    estimates = _estimates(found, specs, settings)
    comparisons = _comparisons(found, specs, compared, settings, reference_only)
    best = _best(estimates, comparisons, compared, settings)
    return StatsResult(estimates, comparisons, best,
                       _differences(found, specs, compared, settings), notes)
