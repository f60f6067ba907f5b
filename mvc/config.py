"""Configuration at the edge: load YAML/JSON, pick sections, build typed dataclasses strictly.

`workflow/schemas/config.schema.yaml` validates a whole config when Snakemake starts; the
CLI receives the sections a command needs (a file path or an inline JSON/YAML object) and
turns each into a dataclass here, rejecting unknown and missing keys with the key's path.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml

from mvc.errors import InputError

T = TypeVar("T")


def load_config(value: str) -> dict[str, Any]:
    """Load a config from a YAML file path, or from an inline JSON object string.

    Inline configs are parsed as JSON, not YAML: PyYAML reads JSON's `1e-05` as a string.
    """
    if value.lstrip().startswith("{"):
        try:
            loaded = json.loads(value)
        except json.JSONDecodeError as err:
            raise InputError("inline config", f"not valid JSON ({err})", "fix the syntax") from None
        where = "inline config"
    elif Path(value).is_file():
        where = value
        try:
            loaded = yaml.safe_load(Path(value).read_text(encoding="utf-8"))
        except yaml.YAMLError as err:
            raise InputError(where, f"not valid YAML ({err})", "fix the syntax") from None
    else:
        raise InputError(value, "config file not found",
                         "pass a YAML file (e.g. configs/default.yaml) or an inline JSON object")
    if not isinstance(loaded, dict):
        raise InputError(where, f"top level is {type(loaded).__name__}", "a config is a mapping")
    return loaded


def section(config: Mapping[str, Any], *keys: str) -> Any:
    """`config[k1][k2]...`, with an InputError naming the missing key path."""
    node: Any = config
    for depth, key in enumerate(keys):
        if not isinstance(node, Mapping) or key not in node:
            path = ".".join(keys[: depth + 1])
            raise InputError("config", f"missing key {path!r}",
                             f"add {path} to the config (see configs/default.yaml)")
        node = node[key]
    return node


def build(cls: type[T], mapping: Mapping[str, Any], where: str) -> T:
    """Construct dataclass `cls` from `mapping`; unknown or missing keys are InputErrors."""
    if not isinstance(mapping, Mapping):
        raise InputError(where, f"expected a mapping, found {type(mapping).__name__}",
                         "see configs/default.yaml for the expected shape")
    hints = typing.get_type_hints(cls)
    required = {
        f.name for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    check_mapping(mapping, {f.name: hints[f.name] for f in dataclasses.fields(cls)},  # type: ignore[arg-type]
                  required, where)
    return cls(**mapping)


def check_mapping(mapping: Mapping[str, Any], types: Mapping[str, Any], required: set[str],
                  where: str) -> None:
    """InputError for a key not in `types`, a `required` key missing, or a value whose type
    is not its key's type hint (the key's path in the message)."""
    unknown = sorted(set(mapping) - set(types))
    if unknown:
        raise InputError(where, f"unknown keys {unknown}", f"allowed keys are {sorted(types)}")
    missing = sorted(required - set(mapping))
    if missing:
        raise InputError(where, f"missing keys {missing}", "add them (see configs/default.yaml)")
    for key, value in mapping.items():
        if not _conforms(value, types[key]):
            raise InputError(f"{where}.{key}", f"{value!r} is not of type {types[key]}",
                             "fix the value (see configs/default.yaml)")


def _conforms(value: Any, hint: Any) -> bool:
    """Whether a config value matches a field's type hint (outer containers only)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_conforms(value, arm) for arm in typing.get_args(hint))
    if hint is Any:
        return True
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin in (dict, Mapping):
        return isinstance(value, Mapping)
    if origin in (list, tuple, Sequence):
        return isinstance(value, Sequence) and not isinstance(value, str)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return isinstance(value, hint)
    return isinstance(value, origin or hint)
