"""The metric registry: metric names to their classes, each module imported when needed."""

from __future__ import annotations

import importlib
import inspect
import typing
from collections.abc import Mapping
from typing import Any

from mvc.config import check_mapping
from mvc.errors import InputError
from mvc.eval.base import Metric

# Metric name -> the module that defines it. Scoring imports only that module: a job that
# scores MCD need not load torch and resemblyzer for the speaker encoder (about 5 CPU-seconds
# per job, times some 190 score jobs in the default DAG). tests/eval/test_registry.py checks
# this table against every module's METRICS.
METRIC_MODULES: dict[str, str] = {
    "mcd": "mvc.eval.mcd",
    "mcd_pymcd_plain": "mvc.eval.mcd",
    "mcd_pymcd_dtw": "mvc.eval.mcd",
    "mcd_pymcd_dtw_sl": "mvc.eval.mcd",
    "f0_rmse": "mvc.eval.f0",
    "wer": "mvc.eval.wer",
    "dnsmos": "mvc.eval.dnsmos",
    "distillmos": "mvc.eval.distillmos",
    "utmos": "mvc.eval.utmos",
    "speaker_sim": "mvc.eval.speaker",
}


def metric_class(name: str) -> type:
    """The class of metric `name`, importing only its module."""
    if name not in METRIC_MODULES:
        raise InputError(f"metric {name!r}", "unknown metric",
                         f"use one of: {', '.join(sorted(METRIC_MODULES))}")
    return importlib.import_module(METRIC_MODULES[name]).METRICS[name]


def settings_types(cls: type) -> dict[str, Any]:
    """A metric class's settings (its constructor's keyword arguments) and their types."""
    hints = typing.get_type_hints(cls.__init__) if cls.__init__ is not object.__init__ else {}
    return {name: hints[name] for name in inspect.signature(cls).parameters}


def make_metric(name: str, settings: Mapping[str, Any] | None = None) -> Metric:
    """An instance of metric `name` built from its settings (constructor keyword arguments),
    each checked against its type before anything loads: `"use_dtw": "no"` is an error,
    not a true value."""
    cls = metric_class(name)
    settings = {} if settings is None else settings
    where = f"metric {name!r} settings"
    if not isinstance(settings, Mapping):
        raise InputError(where, f"{settings!r} is not a mapping",
                         "give the metric's settings as a mapping, or {} for its defaults")
    try:
        check_mapping(settings, settings_types(cls), set(), where)
    except InputError as err:
        raise InputError(err.where, f"bad settings ({err.problem})",
                         "check evaluation.metrics in the config against docs/metrics.md"
                         ) from None
    return cls(**settings)
