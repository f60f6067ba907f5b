"""The report's verdict line."""

from mvc.audit.compare import DIFFERS, IDENTICAL, IGNORED, WITHIN
from mvc.audit.report import verdict


def test_verdict_line():
    same = {"kind": "csv", "status": IDENTICAL}
    assert verdict([same, {**same, "status": WITHIN}]) == (
        "REPRODUCED: all 2 compared rerun outputs match within the tolerances.")
    assert verdict([same, {**same, "status": DIFFERS}]).startswith("DIFFERENCES FOUND: 1 of 2")
    assert verdict([{**same, "status": IGNORED}]).startswith("NOTHING COMPARED")
