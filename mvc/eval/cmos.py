"""CMOS per utterance: each system against the reference system, from MOS-proxy or listeners.

Both sources give the same per-utterance form: `utt_id, system, reference_system, cmos`,
with positive `cmos` meaning the system sounds better than the reference system.

- `cmos_proxy`: the paired difference of MOS-proxy scores on the same utterance id (the same
  text), system minus reference. Utterances without a score on both sides are returned as
  unmatched, with the reason, never dropped silently.
- `read_listener_ratings`: real comparative ratings from a CSV (rater, utterance, system_a,
  system_b, score); `score` is an integer from -3 to +3 saying how much better system_a
  sounds than system_b (ITU-T P.800 Annex E's comparison category rating, sign as in the
  CSV), so a row whose system_a is the reference is negated.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mvc.data.transcripts import read_lines
from mvc.errors import InputError

OK_STATUS = "ok"  # the scoring loop's status for a scored row
RATING_COLUMNS = ("rater", "utterance", "system_a", "system_b", "score")
SCORE_RANGE = (-3, 3)
CMOS_COLUMNS = ("utt_id", "system", "reference_system", "cmos")


@dataclass(frozen=True)
class CmosProxy:
    """Paired MOS-proxy differences and what could not be paired.

    `table`: utt_id, system, reference_system, cmos, system_mos, reference_mos (one row per
    matched utterance and system); `matched`: system -> number of paired utterances;
    `unmatched`: system, utt_id, reason (one row per utterance that is not in `table`).
    """

    table: pd.DataFrame
    matched: dict[str, int]
    unmatched: pd.DataFrame


def _scored(scores: pd.DataFrame, system: str, column: str) -> tuple[pd.Series, pd.Series]:
    """(utt_id -> score for scored rows, utt_id -> why not for the others) of one table."""
    missing = [c for c in ("utt_id", column) if c not in scores.columns]
    if missing:
        raise InputError(f"scores of system {system!r}", f"no column(s) {missing}",
                         f"pass the per-utterance table of a MOS-proxy metric (with {column!r})")
    duplicated = scores["utt_id"][scores["utt_id"].duplicated()].unique().tolist()
    if duplicated:
        raise InputError(f"scores of system {system!r}", f"utterances {duplicated} appear twice",
                         "pass one row per utterance")
    ids = scores["utt_id"].astype(str)
    values = pd.to_numeric(scores[column], errors="coerce")
    ok = values.notna()
    why = pd.Series(f"no {column} score", index=scores.index)
    if "status" in scores.columns:
        status = scores["status"].astype(str)
        error = (scores["error"].fillna("").astype(str) if "error" in scores.columns
                 else pd.Series("", index=scores.index))
        why = why.where(status == OK_STATUS, "status " + status + ": " + error)
        ok &= status == OK_STATUS
    return (pd.Series(values[ok].to_numpy(), index=ids[ok]),
            pd.Series(why[~ok].to_numpy(), index=ids[~ok]))


def cmos_proxy(scores: Mapping[str, pd.DataFrame], reference_system: str,
               column: str = "mos_proxy") -> CmosProxy:
    """Per-utterance `column` differences (system minus reference) on shared utterance ids.

    `scores` maps each system (the reference included) to its per-utterance table: `utt_id`
    and `column`, and optionally the scoring loop's `status` and `error` (rows not `ok` are
    unmatched with their error as the reason).
    """
    if reference_system not in scores:
        raise InputError(f"reference system {reference_system!r}", "has no scores",
                         f"score it too, or pick one of {sorted(scores)}")
    ref_values, ref_why = _scored(scores[reference_system], reference_system, column)
    tables, unmatched, matched = [], [], {}
    for system in sorted(s for s in scores if s != reference_system):
        values, why = _scored(scores[system], system, column)
        shared = values.index.intersection(ref_values.index, sort=False)
        matched[system] = len(shared)
        tables.append(pd.DataFrame({
            "utt_id": shared, "system": system, "reference_system": reference_system,
            "cmos": values[shared].to_numpy() - ref_values[shared].to_numpy(),
            "system_mos": values[shared].to_numpy(), "reference_mos": ref_values[shared].to_numpy(),
        }))
        reasons: dict[str, str] = {}
        for utt in why.index:
            reasons[utt] = f"{system}: {why[utt]}"
        for utt in values.index.difference(ref_values.index, sort=False):
            reasons[utt] = (f"{reference_system}: {ref_why[utt]}" if utt in ref_why.index
                            else f"not in the scores of {reference_system}")
        for utt in ref_values.index.union(ref_why.index, sort=False):
            if utt not in values.index and utt not in why.index:
                reasons[utt] = f"not in the scores of {system}"
        unmatched.extend({"system": system, "utt_id": u, "reason": r} for u, r in reasons.items())
    table = (pd.concat(tables, ignore_index=True) if tables
             else pd.DataFrame(columns=[*CMOS_COLUMNS, "system_mos", "reference_mos"]))
    return CmosProxy(table, matched,
                     pd.DataFrame(unmatched, columns=["system", "utt_id", "reason"]))


def _rating(row: dict[str, str | None], where: str, reference_system: str) -> dict[str, object]:
    """One validated rating, oriented as system versus reference (positive: system better)."""
    fields = {}
    for name in RATING_COLUMNS:
        value = row.get(name)
        if value is None or not value.strip():
            raise InputError(where, f"empty {name}", f"fill in {name} on this line")
        fields[name] = value.strip()
    try:
        score = int(fields["score"])
    except ValueError:
        raise InputError(where, f"score {fields['score']!r} is not an integer",
                         f"write an integer from {SCORE_RANGE[0]} to +{SCORE_RANGE[1]}") from None
    if not SCORE_RANGE[0] <= score <= SCORE_RANGE[1]:
        raise InputError(where, f"score {score} is outside {SCORE_RANGE[0]}..+{SCORE_RANGE[1]}",
                         "use the comparison scale from -3 to +3")
    system_a, system_b = fields["system_a"], fields["system_b"]
    if system_a == system_b or reference_system not in (system_a, system_b):
        raise InputError(where, f"compares {system_a!r} with {system_b!r}",
                         f"each row compares one system with the reference {reference_system!r}")
    if system_a == reference_system:
        return {"rater": fields["rater"], "utt_id": fields["utterance"], "system": system_b,
                "reference_system": reference_system, "cmos": -score}
    return {"rater": fields["rater"], "utt_id": fields["utterance"], "system": system_a,
            "reference_system": reference_system, "cmos": score}


def read_ratings(path: str | Path, reference_system: str) -> pd.DataFrame:
    """Every rating of a listener CSV, one row each: rater, utt_id, system, reference_system,
    cmos (the score oriented so that positive means the system beat the reference).

    Errors name `file:line`: a missing column, an empty field, a non-integer or out-of-range
    score, a row that does not compare a system with `reference_system`.
    """
    path = Path(path)
    reader = csv.DictReader(read_lines(path))
    missing = [c for c in RATING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InputError(f"{path}:1", f"missing column(s) {missing}",
                         f"the header must name {', '.join(RATING_COLUMNS)}")
    ratings = [_rating(row, f"{path}:{reader.line_num}", reference_system) for row in reader]
    if not ratings:
        raise InputError(path, "no ratings", "add one row per rating below the header")
    return pd.DataFrame(ratings, columns=["rater", *CMOS_COLUMNS])


def read_listener_ratings(path: str | Path, reference_system: str) -> pd.DataFrame:
    """Listener ratings in the per-utterance CMOS form: utt_id, system, reference_system,
    cmos (mean oriented score), n_ratings, raters (distinct rater ids joined by ';')."""
    ratings = read_ratings(path, reference_system)
    grouped = ratings.groupby(["utt_id", "system", "reference_system"], sort=True)
    return grouped.agg(cmos=("cmos", "mean"), n_ratings=("cmos", "size"),
                       raters=("rater", lambda r: ";".join(sorted(set(r))))).reset_index()
