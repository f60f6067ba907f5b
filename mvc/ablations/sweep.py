"""The ablation sweep: one variant per row of a TSV (configs/ablations.tsv), one column per
knob, each knob's meaning declared in the config's `ablations:` section.

A knob sets one or more config keys: `model.*` keys are model overrides merged into the
ablated system's `systems:` entry (so the variant trains its own checkpoint, as a baseline
does), `synthesis.*` keys change only how a checkpoint is synthesized (so rows that differ
only there share one trained checkpoint). Cells are checked against the knob's type and
rewritten in one canonical spelling (`true`, `16`, `offline`), which is what the
Snakemake Paramspace puts in the paths (`adaln~false/.../lookahead~8`). Nothing here reads
the rest of the workflow: the rules ask for the sections a row trains or synthesizes with.
Light on imports (pandas only): the Snakefile imports it when it parses.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mvc.config import build
from mvc.errors import InputError

TYPES = ("boolean", "integer", "number")
STAGES = ("model", "synthesis")
COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CELL = re.compile(r"^[A-Za-z0-9_.+-]+$")
# Wildcard names the ablation rules use besides the knobs; a knob may not take one.
RESERVED = ("testset", "metric", "system", "dataset", "corpus")
PARAM_SEP = "~"  # Paramspace's separator of a knob's name and value in a path part
TRUE, FALSE = ("true", "yes", "1"), ("false", "no", "0")


@dataclass(frozen=True)
class Knob:
    """One TSV column: the type of its cells, the config keys it sets (`model.a.b` or
    `synthesis.c`) and the cell word that means null (e.g. `offline` for no look-ahead)."""

    type: str
    sets: list[str]
    null_as: str | None = None

    @property
    def stage(self) -> str:
        """`model` (the variant trains) or `synthesis` (it reuses a checkpoint)."""
        return self.sets[0].split(".", 1)[0]


@dataclass(frozen=True)
class AblationSettings:
    """The `ablations:` section: the TSV, the system it ablates, its knobs, the reference
    row (typed values, one per knob), and what is synthesized and scored."""

    tsv: str
    system: str
    columns: dict[str, Knob]
    reference: dict[str, Any]
    testsets: list[str]
    metrics: list[str]


def ablation_settings(mapping: Mapping[str, Any]) -> AblationSettings:
    """Build the settings from the `ablations:` section, each knob checked."""
    fields = dict(mapping) if isinstance(mapping, Mapping) else mapping
    if isinstance(fields, dict) and isinstance(fields.get("columns"), Mapping):
        fields["columns"] = {name: _knob(name, spec) for name, spec in fields["columns"].items()}
    settings = build(AblationSettings, fields, "ablations")
    if not settings.columns:
        raise InputError("ablations.columns", "no knobs", "declare the TSV's columns there")
    unknown = sorted(set(settings.reference) ^ set(settings.columns))
    if unknown:
        raise InputError("ablations.reference", f"keys {sorted(settings.reference)} differ from "
                         f"the knobs {sorted(settings.columns)}",
                         "give the reference row's value of every knob, and only those")
    return settings


def _knob(name: str, spec: Any) -> Knob:
    where = f"ablations.columns.{name}"
    if not COLUMN_NAME.match(str(name)) or name in RESERVED:
        raise InputError(where, f"column name {name!r}", "use lower_snake_case, not one of "
                         f"{RESERVED} (it becomes a Snakemake wildcard)")
    knob = build(Knob, spec, where)
    if knob.type not in TYPES:
        raise InputError(f"{where}.type", f"{knob.type!r}", f"use one of {TYPES}")
    stages = {key.split(".", 1)[0] for key in knob.sets}
    if not knob.sets or not stages <= set(STAGES) or len(stages) > 1 or any(
            len(key.split(".")) < 2 for key in knob.sets):
        raise InputError(f"{where}.sets", f"{knob.sets}", "list config keys all under model. "
                         "(the variant trains) or all under synthesis. (it reuses a checkpoint)")
    if knob.null_as is not None and (not CELL.match(knob.null_as) or knob.null_as == "NA"):
        raise InputError(f"{where}.null_as", f"{knob.null_as!r}",
                         "use a plain word such as offline (not NA: Paramspace reads it as "
                         "missing)")
    return knob


def _parse(knob: Knob, cell: str) -> Any:
    """A cell's value, or ValueError."""
    if knob.null_as is not None and cell == knob.null_as:
        return None
    if knob.type == "boolean":
        if cell.lower() in TRUE:
            return True
        if cell.lower() in FALSE:
            return False
        raise ValueError(cell)
    if knob.type == "integer":
        return int(cell)
    value = float(cell)
    if not math.isfinite(value):
        raise ValueError(cell)
    return value


def _spell(knob: Knob, value: Any) -> str:
    """The canonical cell of a value (what the paths carry)."""
    if value is None:
        return str(knob.null_as)
    if knob.type == "boolean":
        return "true" if value else "false"
    return repr(value) if knob.type == "number" else str(value)


def _reference_cell(knob: Knob, name: str, value: Any) -> str:
    """The canonical cell of the reference's (YAML-typed) value of a knob."""
    kinds = {"boolean": bool, "integer": int, "number": int | float}
    fits = (knob.null_as is not None if value is None
            else isinstance(value, kinds[knob.type])
            and (knob.type == "boolean" or not isinstance(value, bool)))
    if not fits:
        raise InputError(f"ablations.reference.{name}", f"{value!r} is not {_expected(knob)}",
                         "give the reference row's value (null for the knob's null_as word)")
    return _spell(knob, value)


def _expected(knob: Knob) -> str:
    kinds = {"boolean": "true or false", "integer": "an integer", "number": "a number"}
    return kinds[knob.type] + (f" or {knob.null_as}" if knob.null_as else "")


@dataclass(frozen=True)
class Sweep:
    """The checked TSV: `frame` holds each row's canonical cells (strings, TSV order)."""

    settings: AblationSettings
    frame: pd.DataFrame
    reference_row: int

    @property
    def model_columns(self) -> list[str]:
        return [c for c in self.frame.columns if self.settings.columns[c].stage == "model"]

    @property
    def synthesis_columns(self) -> list[str]:
        return [c for c in self.frame.columns if self.settings.columns[c].stage == "synthesis"]

    def values(self, cells: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values of a row's (or a Paramspace instance's) canonical cells."""
        return {name: _parse(self.settings.columns[name], str(cell))
                for name, cell in cells.items() if name in self.settings.columns}

    def rows(self) -> list[dict[str, str]]:
        """Every row's canonical cells, in TSV order."""
        return self.frame.to_dict("records")

    def label(self, cells: Mapping[str, str]) -> str:
        """A row's name in the table: its knobs that differ from the reference row, or
        `reference`."""
        reference = self.frame.iloc[self.reference_row]
        changed = [f"{c}={cells[c]}" for c in self.frame.columns if cells[c] != reference[c]]
        return ", ".join(changed) or "reference"

    def system_entry(self, base: Mapping[str, Any], cells: Mapping[str, Any]) -> dict[str, Any]:
        """The ablated system's `systems:` entry with a row's model knobs set."""
        return _set_keys(base, self._keys(cells, "model"))

    def synthesis_section(self, base: Mapping[str, Any],
                          cells: Mapping[str, Any]) -> dict[str, Any]:
        """The `synthesis:` section with a row's synthesis knobs set."""
        return _set_keys(base, self._keys(cells, "synthesis"))

    def _keys(self, cells: Mapping[str, Any], stage: str) -> dict[tuple[str, ...], Any]:
        out = {}
        for name, value in self.values(cells).items():
            knob = self.settings.columns[name]
            if knob.stage == stage:
                out.update({tuple(key.split(".")[1:]): value for key in knob.sets})
        return out

    def check_reference(self, model: Mapping[str, Any], entry: Mapping[str, Any],
                        synthesis: Mapping[str, Any]) -> None:
        """The reference row must be the ablated system's own settings wherever the config
        states them (its `systems:` entry, else `model:`; `synthesis:`)."""
        for name, value in self.settings.reference.items():
            for key in self.settings.columns[name].sets:
                stage, *path = key.split(".")
                found = (_get(synthesis, path) if stage == "synthesis"
                         else _get(entry, path) if _get(entry, path) is not _MISSING
                         else _get(model, path))
                if found is not _MISSING and found != value:
                    raise InputError(
                        "ablations.reference", f"{name}={value!r}, but {self.settings.system} "
                        f"has {key} = {found!r} in the config",
                        f"make the reference row {self.settings.system}'s own settings "
                        f"({name}: {found!r})")


_MISSING = object()


def _get(mapping: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = mapping
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _set_keys(base: Mapping[str, Any], keys: Mapping[tuple[str, ...], Any]) -> dict[str, Any]:
    """A deep copy of `base` with each key path set (missing mappings created)."""
    out = copy.deepcopy(dict(base))
    for path, value in keys.items():
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = value
    return out


def read_sweep(settings: AblationSettings) -> Sweep:
    """Read and check the TSV named by the settings: its columns are exactly the knobs,
    every cell parses, no two rows are the same variant, one row is the reference."""
    path = Path(settings.tsv)
    fix_row = "fix the cell, or the knob in ablations.columns of the config"
    if not path.is_file():
        raise InputError(path, "ablation TSV not found",
                         "create it (one row per variant, one column per knob; see "
                         "configs/ablations.tsv) or fix ablations.tsv in the config")
    try:
        frame = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False,
                            skip_blank_lines=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(path, f"not a tab-separated table ({err})",
                         "one header line of knob names, then one row per variant") from None
    columns = list(frame.columns)
    unknown = [c for c in columns if c not in settings.columns]
    missing = [c for c in settings.columns if c not in columns]
    if unknown or missing or len(set(columns)) != len(columns):
        raise InputError(path, f"columns {columns}; unknown: {unknown}, missing: {missing}",
                         f"use exactly the knobs of ablations.columns ({list(settings.columns)}),"
                         " or declare a new column there (type and the config keys it sets)")
    if frame.empty:
        raise InputError(path, "no rows", "add the reference row and one row per variant")
    canonical = []
    for index, row in frame.iterrows():
        line = int(index) + 2
        cells = {}
        for name in columns:
            knob, cell = settings.columns[name], row[name].strip()
            try:
                cells[name] = _spell(knob, _parse(knob, cell))
            except ValueError:
                raise InputError(f"{path}:{line}", f"column {name}: {cell!r} is not "
                                 f"{_expected(knob)}", fix_row) from None
        canonical.append(cells)
    frame = pd.DataFrame(canonical, columns=columns)
    duplicated = frame.duplicated(keep=False)
    if duplicated.any():
        lines = [int(i) + 2 for i in frame.index[duplicated]]
        raise InputError(path, f"lines {lines} are the same variant",
                         "keep one of them (each row must differ in at least one knob)")
    reference = {name: _reference_cell(settings.columns[name], name, value)
                 for name, value in settings.reference.items()}
    match = frame.index[(frame[list(reference)] == pd.Series(reference)).all(axis=1)]
    if len(match) != 1:
        raise InputError(path, f"no row is the reference {reference} (ablations.reference)",
                         "add the reference row (the ablated system's own settings) or fix "
                         "ablations.reference")
    sweep = Sweep(settings, frame, int(match[0]))
    if not sweep.model_columns:
        raise InputError("ablations.columns", "no knob sets a model. key",
                         "declare at least one trained knob (the checkpoints are keyed by them)")
    return sweep
