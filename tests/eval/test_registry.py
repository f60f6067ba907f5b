"""The metric registry: its name -> module table matches the modules, and scoring one metric
imports only that metric's module."""

import importlib
import subprocess
import sys

import pytest

from mvc.errors import InputError
from mvc.eval.registry import METRIC_MODULES, make_metric


def test_the_table_names_every_metric_of_every_module_and_nothing_else():
    for module_name in set(METRIC_MODULES.values()):
        defined = set(importlib.import_module(module_name).METRICS)
        listed = {name for name, module in METRIC_MODULES.items() if module == module_name}
        assert defined == listed, module_name
        for name in defined:
            assert importlib.import_module(module_name).METRICS[name].name == name


def test_metrics_other_than_speaker_sim_load_without_torch_or_the_speaker_encoder():
    code = ("import sys; from mvc.eval.registry import make_metric\n"
            "for name in ('mcd', 'f0_rmse', 'wer', 'dnsmos'): make_metric(name)\n"
            "print(sorted(m for m in ('torch', 'resemblyzer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_unknown_metric_lists_the_known_ones():
    with pytest.raises(InputError, match=r"unknown metric.*dnsmos, f0_rmse"):
        make_metric("pesq")


def test_bad_settings_name_the_metric_and_the_config_section():
    with pytest.raises(InputError, match=r"metric 'mcd'.*bad settings.*evaluation\.metrics"):
        make_metric("mcd", {"no_such_setting": 1})
