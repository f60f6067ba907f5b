"""Rule names written outside the workflow are rules of it: the profiles' `set-resources`
and every config's `audit.rules`. A renamed rule would otherwise silently lose its cluster
resources (Snakemake ignores an unknown name) or drop out of the audit's sample."""

from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, run, scratch_copy

CONFIGS = ("default", "smoke", "paper")


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> dict[str, set[str]]:
    """Each config's rule names (`snakemake --list-rules`)."""
    workdir = scratch_copy(tmp_path_factory.mktemp("rule_names"))
    names = {}
    for config in CONFIGS:
        result = run(workdir, "--list-rules", "--configfile", f"configs/{config}.yaml")
        assert result.returncode == 0, result.stderr[-3000:]
        names[config] = {line.strip() for line in result.stdout.splitlines() if line.strip()}
    return names


def test_the_lists_are_read(rules):
    for config in CONFIGS:
        assert {"train", "synth", "score_reference_free", "score_with_reference",
                "stats"} <= rules[config], config


@pytest.mark.parametrize("profile", sorted(p.name for p in (ROOT / "profiles").iterdir()))
def test_profile_resources_name_existing_rules(rules, profile):
    settings = yaml.safe_load((ROOT / "profiles" / profile / "profile.yaml").read_text())
    named = set(settings.get("set-resources", {})) | set(settings.get("set-threads", {}))
    unknown = sorted(named - rules["paper"])
    assert not unknown, f"profiles/{profile}/profile.yaml names no such rule: {unknown}"


@pytest.mark.parametrize("config", CONFIGS)
def test_audit_rules_exist(rules, config):
    audit = yaml.safe_load(Path(ROOT / "configs" / f"{config}.yaml").read_text())["audit"]
    unknown = sorted(set(audit["rules"]) - rules[config])
    assert not unknown, f"configs/{config}.yaml audit.rules names no such rule: {unknown}"
