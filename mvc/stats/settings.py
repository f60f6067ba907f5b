"""The `statistics` config section as typed dataclasses (configs/*.yaml, docs/statistics.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mvc.config import build
from mvc.errors import InputError

ESTIMATORS = ("mean", "corpus_wer", "corpus_cer")
DIRECTIONS = ("lower", "higher")
TESTS = ("permutation", "bootstrap", "wilcoxon")
METHODS = ("bca", "percentile")


@dataclass(frozen=True)
class ColumnSpec:
    """One headline column: a metric file's column, how it is estimated, which way is better.

    `estimator`: `mean` of `column` over the utterances scored; `corpus_wer` / `corpus_cer`:
    sum(errors) / sum(reference words or characters) from the per-utterance counts, with
    `column` (the per-utterance rate) used only by the Wilcoxon test.
    """

    metric: str
    column: str
    label: str
    direction: str
    estimator: str = "mean"

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise InputError(f"statistics.columns {self.column}",
                             f"direction {self.direction!r}", f"use one of {DIRECTIONS}")
        if self.estimator not in ESTIMATORS:
            raise InputError(f"statistics.columns {self.column}",
                             f"estimator {self.estimator!r}", f"use one of {ESTIMATORS}")

    @property
    def key(self) -> str:
        return f"{self.metric}.{self.column}"

    @property
    def arrow(self) -> str:
        return "↓" if self.direction == "lower" else "↑"


@dataclass(frozen=True)
class TableSpec:
    """One paper table: its file name, title and the test sets it shows (in row order)."""

    name: str
    title: str
    testsets: list[str]


@dataclass(frozen=True)
class StatsSettings:
    """How estimates, intervals and tests are computed, and what the tables show."""

    reference: str
    not_compared: list[str]
    n_resamples: int
    confidence: float
    method: str
    test: str
    seed: int
    columns: list[ColumnSpec]
    tables: list[TableSpec]
    listener_ratings: str | None = None
    cmos_from: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError("statistics.method", f"{self.method!r}", f"use one of {METHODS}")
        if self.test not in TESTS:
            raise InputError("statistics.test", f"{self.test!r}", f"use one of {TESTS}")
        if not 0.5 < self.confidence < 1.0:
            raise InputError("statistics.confidence", f"{self.confidence}", "use e.g. 0.95")
        keys = [c.key for c in self.columns]
        if self.cmos_from is not None and self.cmos_from not in keys:
            raise InputError("statistics.cmos_from", f"{self.cmos_from!r} is not a headline "
                             "column", f"use one of {keys} (metric.column) or null")

    @property
    def alpha(self) -> float:
        """The significance level that matches the interval: 1 - confidence."""
        return 1.0 - self.confidence


def stats_settings(mapping: Mapping[str, Any]) -> StatsSettings:
    """Build the settings from the `statistics` section, nested specs included."""
    if not isinstance(mapping, Mapping):
        raise InputError("statistics", "not a mapping", "see configs/default.yaml")
    fields = dict(mapping)
    fields["columns"] = [build(ColumnSpec, c, f"statistics.columns[{i}]")
                         for i, c in enumerate(fields.get("columns", []))]
    fields["tables"] = [build(TableSpec, t, f"statistics.tables[{i}]")
                        for i, t in enumerate(fields.get("tables", []))]
    return build(StatsSettings, fields, "statistics")
