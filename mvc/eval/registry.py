"""The metric registry: every metric module's `METRICS` collected under one name space."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from functools import cache
from typing import Any

from mvc.errors import InputError
from mvc.eval.base import Metric

METRIC_MODULES = (
    "mvc.eval.mcd",
    "mvc.eval.f0",
    "mvc.eval.wer",
    "mvc.eval.dnsmos",
    "mvc.eval.utmos",
    "mvc.eval.speaker",
)


@cache
def metric_classes() -> dict[str, type]:
    """Name -> metric class, from each module's `METRICS`; a name defined twice is an error."""
    classes: dict[str, type] = {}
    for module_name in METRIC_MODULES:
        for name, cls in importlib.import_module(module_name).METRICS.items():
            if name in classes:
                raise RuntimeError(f"metric {name!r} is defined in {module_name} and elsewhere")
            classes[name] = cls
    return classes


def make_metric(name: str, settings: Mapping[str, Any] | None = None) -> Metric:
    """An instance of metric `name` built from its settings (constructor keyword arguments)."""
    classes = metric_classes()
    if name not in classes:
        raise InputError(f"metric {name!r}", "unknown metric",
                         f"use one of: {', '.join(sorted(classes))}")
    try:
        return classes[name](**dict(settings or {}))
    except TypeError as err:
        raise InputError(f"metric {name!r}", f"bad settings ({err})",
                         "check evaluation.metrics in the config against docs/metrics.md") from None
