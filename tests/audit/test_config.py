"""The `audit:` section: every shipped config's builds; a bad one is named."""

from pathlib import Path

import pytest
import yaml

from mvc.audit.config import AuditConfig, audit_config
from mvc.errors import InputError

# The workflow configs (configs/sources.yaml is the fetch registry, not one of them).
CONFIGS = [Path(__file__).resolve().parents[2] / "configs" / f"{name}.yaml"
           for name in ("default", "smoke", "paper")]


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_configs_have_an_audit_section(path):
    cfg = audit_config(yaml.safe_load(path.read_text())["audit"])
    assert isinstance(cfg, AuditConfig) and cfg.target == "results/tables"
    assert "train" not in cfg.rules and cfg.tolerances.wav.max_abs > 0


def test_missing_section_and_unknown_key_are_named():
    with pytest.raises(InputError, match="no `audit:` section"):
        audit_config(None)
    section = yaml.safe_load(CONFIGS[0].read_text())["audit"]
    with pytest.raises(InputError, match=r"audit.tolerances.wav: unknown keys \['snr'\]"):
        audit_config({**section, "tolerances": {**section["tolerances"],
                                                "wav": {"max_abs": 1e-3, "snr": 60.0}}})
