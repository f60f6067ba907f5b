"""The statistics section's error paths: each bad value is an InputError naming the key and
the fix (the shipped section builds)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from mvc.errors import InputError
from mvc.stats.settings import stats_settings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((ROOT / "configs/default.yaml").read_text(encoding="utf-8"))[
    "statistics"]


def changed(path: tuple, value: object) -> dict:
    """The shipped section with the value at `path` replaced (a key, or a list index)."""
    section = copy.deepcopy(SHIPPED)
    node = section
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return section


def test_the_shipped_section_builds():
    settings = stats_settings(SHIPPED)
    assert settings.alpha == pytest.approx(0.05) and len(settings.columns) == 7


@pytest.mark.parametrize(("path", "value", "message"), [
    (("method",), "studentized",
     "statistics.method: 'studentized'. Fix: use one of ('bca', 'percentile')"),
    (("test",), "t-test",
     "statistics.test: 't-test'. Fix: use one of ('permutation', 'bootstrap', 'wilcoxon')"),
    (("confidence",), 0.5, "statistics.confidence: 0.5. Fix: use e.g. 0.95"),
    (("confidence",), 95, "statistics.confidence: 95. Fix: use e.g. 0.95"),
    (("columns", 0, "direction"), "down",
     "statistics.columns wer: direction 'down'. Fix: use one of ('lower', 'higher')"),
    (("columns", 2, "estimator"), "median",
     "statistics.columns mos_proxy: estimator 'median'. Fix: use one of ('mean', "
     "'corpus_wer', 'corpus_cer')"),
    (("columns", 1), {"metric": "wer", "column": "cer", "label": "CER", "dir": "lower"},
     "statistics.columns[1]: unknown keys ['dir']. Fix: allowed keys are ['column', "),
    (("tables", 1), {"name": "zero_shot", "testsets": ["vctk"]},
     "statistics.tables[1]: missing keys ['title']. Fix: add them"),
    (("n_resamples",), "10000",
     "statistics.n_resamples: '10000' is not of type <class 'int'>. Fix: fix the value"),
    (("cmos_from",), "dnsmos.mos",
     "statistics.cmos_from: 'dnsmos.mos' is not a headline column. Fix: use one of "),
])
def test_a_bad_value_names_its_key_and_the_fix(path, value, message):
    with pytest.raises(InputError, match=re.escape(message)):
        stats_settings(changed(path, value))


def test_a_misspelt_or_missing_key_and_a_non_mapping_are_named():
    with pytest.raises(InputError, match=re.escape(
            "statistics: unknown keys ['n_resample']. Fix: allowed keys are ")):
        stats_settings({**SHIPPED, "n_resample": 100})
    with pytest.raises(InputError, match=re.escape("statistics: missing keys ['reference']")):
        stats_settings({k: v for k, v in SHIPPED.items() if k != "reference"})
    with pytest.raises(InputError, match=re.escape(
            "statistics: not a mapping. Fix: see configs/default.yaml")):
        stats_settings(["reference", "styletts2"])
