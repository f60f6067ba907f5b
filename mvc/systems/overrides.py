"""A system's model section from its entry under `systems:`.

A system's entry holds model overrides: the config's `model:` with them merged in
(mappings recursively, any other value replaced), so a baseline is the shared model with a
part swapped, declared in config rather than in code. MVC's ablations are made the same
way, one entry per row of the ablation TSV (mvc.ablations.sweep, workflow/rules/ablations.smk).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from mvc.config import section
from mvc.errors import InputError
from mvc.models.config import DERIVED_KEYS, ModelConfig, dataclass_of


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """base with overrides applied: mappings merge key by key, other values replace."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def system_entry(config: Mapping[str, Any], system: str) -> Mapping[str, Any]:
    """`systems.{system}`, which every trained system and every variant needs."""
    systems = section(config, "systems")
    if not isinstance(systems, Mapping) or system not in systems:
        raise InputError(f"systems.{system}", "missing: every trained system needs an entry",
                         f"add `{system}: {{}}` (no overrides) or its model overrides under "
                         "systems: (see configs/default.yaml)")
    entry = systems[system]
    if not isinstance(entry, Mapping):
        raise InputError(f"systems.{system}", f"expected a mapping of model overrides, found "
                         f"{type(entry).__name__}", "see configs/default.yaml")
    return entry


def system_model_section(config: Mapping[str, Any], system: str) -> dict[str, Any]:
    """The `model:` section as `system` trains it."""
    overrides = system_entry(config, system)
    check_override_keys(overrides, ModelConfig, f"systems.{system}")
    return merge(section(config, "model"), overrides)


def check_override_keys(overrides: Mapping[str, Any], cls: type, where: str) -> None:
    """Every override key (nested ones too) must name a field of the model config, so that
    a typo is reported at the entry that has it."""
    names = {f.name for f in dataclasses.fields(cls)} - set(DERIVED_KEYS)
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InputError(where, f"unknown model override keys {unknown}",
                         f"use keys of the model: section ({', '.join(sorted(names))})")
    hints = typing.get_type_hints(cls)
    for key, value in overrides.items():
        nested = dataclass_of(hints[key])
        if nested is not None and isinstance(value, Mapping):
            check_override_keys(value, nested, f"{where}.{key}")
