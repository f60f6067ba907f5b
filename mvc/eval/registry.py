"""The metric registry: metric names to their classes, each module imported when needed."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

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
    "utmos": "mvc.eval.utmos",
    "speaker_sim": "mvc.eval.speaker",
}


def metric_class(name: str) -> type:
    """The class of metric `name`, importing only its module."""
    if name not in METRIC_MODULES:
        raise InputError(f"metric {name!r}", "unknown metric",
                         f"use one of: {', '.join(sorted(METRIC_MODULES))}")
    return importlib.import_module(METRIC_MODULES[name]).METRICS[name]


def make_metric(name: str, settings: Mapping[str, Any] | None = None) -> Metric:
    """An instance of metric `name` built from its settings (constructor keyword arguments)."""
    cls = metric_class(name)
    try:
        return cls(**dict(settings or {}))
    except TypeError as err:
        raise InputError(f"metric {name!r}", f"bad settings ({err})",
                         "check evaluation.metrics in the config against docs/metrics.md") from None
