"""A system's sections from its entry under `systems:`.

A trained system's entry holds model overrides: the config's `model:` with them merged in
(mappings recursively, any other value replaced), so a baseline or an ablation is the
shared model with a part swapped, declared in config rather than in code. A variant entry
instead names `checkpoint_from: SYSTEM` and, optionally, `synthesis:` overrides: it trains
nothing and synthesizes that system's checkpoint with the config's `synthesis:` section and
its overrides merged in (the look-ahead ablations: one trained MVC, several look-aheads).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from mvc.config import build, section
from mvc.errors import InputError
from mvc.models.config import DERIVED_KEYS, ModelConfig, dataclass_of
from mvc.synth.config import SynthesisConfig

VARIANT_KEYS = ("checkpoint_from", "synthesis")


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


def checkpoint_source(config: Mapping[str, Any], system: str) -> str:
    """The system whose trained checkpoint `system` synthesizes: its `checkpoint_from`, or
    itself for a trained system."""
    entry = system_entry(config, system)
    if "checkpoint_from" not in entry:
        if "synthesis" in entry:
            raise InputError(f"systems.{system}.synthesis", "synthesis overrides on a trained "
                             "system (they belong to a checkpoint_from variant)",
                             f"add a variant `{system}_x: {{checkpoint_from: {system}, "
                             "synthesis: ...}` or change the synthesis: section")
        return system
    source = entry["checkpoint_from"]
    extra = sorted(set(entry) - set(VARIANT_KEYS))
    if extra:
        raise InputError(f"systems.{system}", f"keys {extra} beside checkpoint_from: a variant "
                         f"reuses {source!r}'s trained model and takes only {VARIANT_KEYS}",
                         "drop checkpoint_from to train a model of its own, or the keys")
    systems = section(config, "systems")
    if not isinstance(source, str) or source not in systems:
        raise InputError(f"systems.{system}.checkpoint_from", f"{source!r} has no entry under "
                         "systems:", f"name a trained system (one of {trained(systems)})")
    if isinstance(systems[source], Mapping) and "checkpoint_from" in systems[source]:
        raise InputError(f"systems.{system}.checkpoint_from", f"{source!r} is itself a "
                         "checkpoint_from variant and has no checkpoint of its own",
                         f"name a trained system (one of {trained(systems)})")
    return source


def trained(systems: Mapping[str, Any]) -> list[str]:
    """The entries that train a model of their own (no checkpoint_from)."""
    return sorted(name for name, entry in systems.items()
                  if not (isinstance(entry, Mapping) and "checkpoint_from" in entry))


def system_model_section(config: Mapping[str, Any], system: str) -> dict[str, Any]:
    """The `model:` section as `system` trains it."""
    source = checkpoint_source(config, system)
    if source != system:
        raise InputError(f"systems.{system}", f"a checkpoint_from variant trains nothing: it "
                         f"synthesizes {source!r}'s checkpoint",
                         f"train {source} (snakemake results/train/{source}/checkpoint.pt)")
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


def system_synthesis_section(config: Mapping[str, Any], system: str) -> dict[str, Any]:
    """The `synthesis:` section as `system` is synthesized: a variant's overrides merged in.
    A config without `systems:` (a direct `mvc synth run`) means no overrides."""
    synthesis = section(config, "synthesis")
    if "systems" not in config or checkpoint_source(config, system) == system:
        return dict(synthesis)
    overrides = system_entry(config, system).get("synthesis") or {}
    if not isinstance(overrides, Mapping):
        raise InputError(f"systems.{system}.synthesis", f"expected a mapping, found "
                         f"{type(overrides).__name__}", "give synthesis overrides, e.g. "
                         "{lookahead: 8}")
    merged = merge(synthesis, overrides)
    build(SynthesisConfig, merged, f"systems.{system}.synthesis")  # names a bad override key
    return merged
