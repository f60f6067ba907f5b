"""The sources registry and the fetch settings: the shipped files satisfy their schemas and
the strict dataclasses; typos and bad values are rejected."""

from __future__ import annotations

import copy
from pathlib import Path

import jsonschema
import pytest
import yaml

from mvc.errors import InputError
from mvc.fetch.sources import fetch_settings, source

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = yaml.safe_load((ROOT / "configs/sources.yaml").read_text())
SOURCES_SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/sources.schema.yaml").read_text())
CONFIG_SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
PAPER = yaml.safe_load((ROOT / "configs/paper.yaml").read_text())


def test_the_shipped_registry_is_valid_and_names_where_each_checksum_is_from():
    jsonschema.validate(REGISTRY, SOURCES_SCHEMA)
    for name in REGISTRY:
        for file in source(REGISTRY, name).files:
            assert (file.sha256 is None) == (file.checksum_from is None), file.url


def test_every_paper_root_under_resources_is_a_product_of_its_registry_entry():
    for dataset, spec in PAPER["datasets"].items():
        parts = Path(spec["root"]).parts
        assert parts[0] == "resources", dataset
        products = {Path(f.provides) for f in source(REGISTRY, parts[1]).files}
        root = Path(*parts[2:])
        assert root == Path(".") or any(root in (p, *p.parents) for p in products), dataset
    checkpoint = Path(PAPER["evaluation"]["metrics"]["reference_free"]["wer"]["whisper"]
                      ["checkpoint"])
    assert Path(*checkpoint.parts[2:]) in {Path(f.provides)
                                           for f in source(REGISTRY, checkpoint.parts[1]).files}


def test_the_registry_schema_rejects_a_malformed_checksum_and_a_typo():
    bad = copy.deepcopy(REGISTRY)
    bad["ljspeech"]["files"][0]["sha256"] = "be1a3045"
    with pytest.raises(jsonschema.ValidationError, match="be1a3045"):
        jsonschema.validate(bad, SOURCES_SCHEMA)
    bad = copy.deepcopy(REGISTRY)
    bad["vctk"]["files"][0]["extract_too"] = "x"
    with pytest.raises(jsonschema.ValidationError, match="extract_too"):
        jsonschema.validate(bad, SOURCES_SCHEMA)


def test_the_dataclasses_reject_unknown_archives_and_escaping_paths():
    for key, value, message in (("archive", "rar", "unknown archive type"),
                                ("provides", "../elsewhere", "leaves the corpus directory")):
        bad = copy.deepcopy(REGISTRY)
        bad["ljspeech"]["files"][0][key] = value
        with pytest.raises(InputError, match=message):
            source(bad, "ljspeech")
    with pytest.raises(InputError, match="no source named 'timit'"):
        source(REGISTRY, "timit")


def test_fetch_settings_are_schema_validated_and_typed():
    settings = fetch_settings(PAPER["fetch"])
    assert settings.retries == 5 and settings.sources == "configs/sources.yaml"
    bad = copy.deepcopy(PAPER)
    bad["fetch"]["retries"] = -1
    with pytest.raises(jsonschema.ValidationError, match="-1"):
        jsonschema.validate(bad, CONFIG_SCHEMA)
    with pytest.raises(InputError, match="backof_s"):
        fetch_settings({**PAPER["fetch"], "backof_s": 1.0})
