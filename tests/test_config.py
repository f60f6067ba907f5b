"""Config loading: file or inline JSON, strict dataclass construction, and the schema."""

import re
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest
import yaml

from mvc.config import build, load_config, section
from mvc.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())


@dataclass(frozen=True)
class Point:
    x: int
    y: int = 0


def test_inline_json_and_file_give_the_same_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("a: {b: 2}\n")
    assert load_config(str(path)) == load_config('{"a": {"b": 2}}') == {"a": {"b": 2}}


def test_missing_file_names_it():
    with pytest.raises(InputError, match=r"nope\.yaml: config file not found"):
        load_config("nope.yaml")


def test_top_level_must_be_a_mapping(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="top level is list"):
        load_config(str(path))


def test_section_names_the_missing_key_path():
    assert section({"a": {"b": 3}}, "a", "b") == 3
    with pytest.raises(InputError, match=r"missing key 'a\.c'"):
        section({"a": {"b": 3}}, "a", "c")


def test_build_rejects_unknown_and_missing_keys():
    assert build(Point, {"x": 1}, "p") == Point(1, 0)
    with pytest.raises(InputError, match=r"p: unknown keys \['z'\]"):
        build(Point, {"x": 1, "z": 2}, "p")
    with pytest.raises(InputError, match=r"p: missing keys \['x'\]"):
        build(Point, {"y": 1}, "p")


@pytest.mark.parametrize("name", ["default", "smoke", "paper"])
def test_shipped_configs_satisfy_the_schema(name):
    jsonschema.validate(yaml.safe_load((ROOT / f"configs/{name}.yaml").read_text()), SCHEMA)


def test_schema_rejects_a_typo_and_a_bad_value():
    config = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text())
    config["audio"]["hop_lenght"] = 256
    with pytest.raises(jsonschema.ValidationError, match="hop_lenght"):
        jsonschema.validate(config, SCHEMA)
    config = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text())
    config["prosody"]["f0_method"] = "crepe"
    with pytest.raises(jsonschema.ValidationError, match="crepe"):
        jsonschema.validate(config, SCHEMA)


@pytest.mark.parametrize("speaker", [
    {"engine": "flite", "voice": "slt", "pitch": 40},           # an espeak key on flite
    {"voice": "en-us+f2", "f0_mean": 150},                      # a flite key on espeak
    {"voice": "slt", "stretch": 1.1},                           # flite without its engine
    {"engine": "flite", "voice": "slt", "stretch": 0},          # not a duration factor
    {"engine": "festival", "voice": "kal"},                     # no such engine
])
def test_schema_rejects_a_speaker_mixing_or_missing_its_engine(speaker):
    config = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text())
    config["embedded"]["corpora"]["vctk"]["speakers"]["p901"] = speaker
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(config, SCHEMA)


def test_inline_json_reads_exponent_floats():
    assert load_config('{"log_floor": 1e-05}') == {"log_floor": 1e-05}


def test_build_checks_value_types():
    @dataclass(frozen=True)
    class Typed:
        rate: int
        floor: float
        name: str | None = None
        items: dict[str, int] | None = None

    assert build(Typed, {"rate": 1, "floor": 2}, "t") == Typed(1, 2)
    with pytest.raises(InputError, match=r"t\.floor: '1e-05' is not of type <class 'float'>"):
        build(Typed, {"rate": 1, "floor": "1e-05"}, "t")
    with pytest.raises(InputError, match=r"t\.rate: True is not of type"):
        build(Typed, {"rate": True, "floor": 1.0}, "t")
    with pytest.raises(InputError, match=r"t\.items: \[1\] is not of type"):
        build(Typed, {"rate": 1, "floor": 1.0, "items": [1]}, "t")


def test_unparsable_inline_json_and_yaml_are_named(tmp_path):
    with pytest.raises(InputError, match=r"inline config: not valid JSON \(.*\)\. Fix: fix the"):
        load_config('{"a": 1,}')
    path = tmp_path / "c.yaml"
    path.write_text("a: [1, 2\n")
    with pytest.raises(InputError, match=rf"(?s){re.escape(str(path))}: not valid YAML \(.*"
                                         r"line 1, column 4.*\)\. Fix: fix the syntax"):
        load_config(str(path))


def test_build_names_a_section_that_is_not_a_mapping():
    with pytest.raises(InputError, match=r"p: expected a mapping, found list\. Fix: see "
                                         r"configs/default\.yaml"):
        build(Point, [1, 2], "p")
