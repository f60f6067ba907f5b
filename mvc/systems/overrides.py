"""A system's model section: the config's `model:` with that system's entry of `systems:`
merged in (mappings recursively, any other value replaced), so a baseline is the shared
model with its conditioning path swapped, declared in config rather than in code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mvc.config import section
from mvc.errors import InputError


def merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """base with overrides applied: mappings merge key by key, other values replace."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def system_model_section(config: Mapping[str, Any], system: str) -> dict[str, Any]:
    """The `model:` section as `system` trains it."""
    systems = section(config, "systems")
    if not isinstance(systems, Mapping) or system not in systems:
        raise InputError(f"systems.{system}", "missing: every trained system needs an entry",
                         f"add `{system}: {{}}` (no overrides) or its model overrides under "
                         "systems: (see configs/default.yaml)")
    overrides = systems[system]
    if not isinstance(overrides, Mapping):
        raise InputError(f"systems.{system}", f"expected a mapping of model overrides, found "
                         f"{type(overrides).__name__}", "see configs/default.yaml")
    return merge(section(config, "model"), overrides)
