"""The ablation TSV: the shipped ones read and check, each row's sections are the config's
with its knobs set, and a bad TSV or section is an InputError naming the file and the fix."""

from pathlib import Path

import pytest
import yaml

from mvc.ablations.sweep import ablation_settings, read_sweep
from mvc.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
HEADER = "adaln\ttext_bidirectional\td_state\tlookahead\n"
REFERENCE = "true\ttrue\t16\toffline\n"


def shipped(name: str) -> dict:
    return yaml.safe_load((ROOT / f"configs/{name}.yaml").read_text())


def settings_for(tsv: Path, **changes) -> object:
    section = {**shipped("smoke")["ablations"], "tsv": str(tsv), **changes}
    return ablation_settings(section)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ablations.tsv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["default", "smoke", "paper"])
def test_the_shipped_sweeps_read_and_their_reference_is_mvcs_own_settings(name, monkeypatch):
    monkeypatch.chdir(ROOT)
    config = shipped(name)
    sweep = read_sweep(ablation_settings(config["ablations"]))
    reference = sweep.rows()[sweep.reference_row]
    assert reference == {"adaln": "true", "text_bidirectional": "true", "d_state": "16",
                         "lookahead": "offline"}
    assert sweep.label(reference) == "reference"
    sweep.check_reference(config["model"], config["systems"]["mvc"], config["synthesis"])
    assert sweep.model_columns == ["adaln", "text_bidirectional", "d_state"]
    assert sweep.synthesis_columns == ["lookahead"]


def test_the_default_sweep_is_the_seven_ablations_of_docs_models(monkeypatch):
    monkeypatch.chdir(ROOT)
    sweep = read_sweep(ablation_settings(shipped("default")["ablations"]))
    assert [sweep.label(r) for r in sweep.rows()] == [
        "reference", "adaln=false", "text_bidirectional=false", "d_state=8", "d_state=32",
        "lookahead=0", "lookahead=8", "lookahead=32"]
    trained = {tuple(r[c] for c in sweep.model_columns) for r in sweep.rows()}
    assert len(trained) == 5  # the look-ahead rows share the reference's checkpoint


def test_a_row_sets_its_knobs_in_the_systems_entry_and_the_synthesis_section(tmp_path):
    sweep = read_sweep(settings_for(write(tmp_path, HEADER + REFERENCE
                                          + "False\tTRUE\t8\t 32\n")))
    cells = sweep.rows()[1]
    assert cells == {"adaln": "false", "text_bidirectional": "true", "d_state": "8",
                     "lookahead": "32"}  # canonical spellings: these name the paths
    base = {"mamba": {"d_conv": 4}}
    assert sweep.system_entry(base, cells) == {
        "temporal": {"adaln": False}, "expressive": {"adaln": False},
        "text_encoder": {"bidirectional": True}, "mamba": {"d_conv": 4, "d_state": 8}}
    assert base == {"mamba": {"d_conv": 4}}
    synthesis = {"sentence_pause_s": 0.25, "lookahead": None}
    assert sweep.synthesis_section(synthesis, cells) == {"sentence_pause_s": 0.25,
                                                         "lookahead": 32}
    assert sweep.synthesis_section(synthesis, sweep.rows()[0])["lookahead"] is None
    assert sweep.label(cells) == "adaln=false, d_state=8, lookahead=32"


@pytest.mark.parametrize(("text", "problem", "fix"), [
    (HEADER.replace("d_state", "dstate") + REFERENCE,
     "unknown: ['dstate'], missing: ['d_state']", "declare a new column there"),
    (HEADER + REFERENCE + "false\ttrue\t16\toffline\n" + "False\ttrue\t16\toffline\n",
     "lines [3, 4] are the same variant", "keep one of them"),
    (HEADER + REFERENCE + "true\ttrue\teight\toffline\n",
     ":3: column d_state: 'eight' is not an integer", "fix the cell"),
    (HEADER + REFERENCE + "maybe\ttrue\t16\toffline\n",
     ":3: column adaln: 'maybe' is not true or false", "fix the cell"),
    (HEADER + REFERENCE + "true\ttrue\t16\tstreaming\n",
     "'streaming' is not an integer or offline", "fix the cell"),
    (HEADER + "false\ttrue\t16\toffline\n",
     "no row is the reference", "add the reference row"),
    (HEADER, "no rows", "add the reference row"),
])
def test_a_bad_tsv_names_the_file_the_problem_and_the_fix(tmp_path, text, problem, fix):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        read_sweep(settings_for(path))
    message = str(err.value)
    assert message.startswith(str(path))
    assert problem in message.split(". Fix: ")[0]
    assert fix in err.value.fix


def test_a_missing_tsv_and_bad_sections_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"ablation TSV not found.*fix ablations.tsv"):
        read_sweep(settings_for(tmp_path / "absent.tsv"))
    columns = shipped("smoke")["ablations"]["columns"]
    with pytest.raises(InputError, match=r"ablations.columns.d_state.type: 'float'"):
        settings_for(tmp_path, columns={**columns, "d_state": {"type": "float",
                                                                "sets": ["model.mamba.d_state"]}})
    with pytest.raises(InputError, match=r"all under model. .* or all under synthesis."):
        settings_for(tmp_path, columns={**columns, "lookahead": {
            "type": "integer", "sets": ["synthesis.lookahead", "model.mamba.d_state"]}})
    with pytest.raises(InputError, match="column name 'testset'"):
        settings_for(tmp_path, columns={**columns, "testset": columns["d_state"]})
    with pytest.raises(InputError, match=r"ablations.reference.d_state: 'x' is not an integer"):
        read_sweep(settings_for(write(tmp_path, HEADER + REFERENCE), reference={
            "adaln": True, "text_bidirectional": True, "d_state": "x", "lookahead": None}))
    with pytest.raises(InputError, match="give the reference row's value of every knob"):
        settings_for(tmp_path, reference={"adaln": True})


def test_a_reference_that_is_not_the_systems_own_settings_is_refused(tmp_path):
    sweep = read_sweep(settings_for(write(tmp_path, HEADER + REFERENCE)))
    model = {"mamba": {"d_state": 16}, "text_encoder": {}}
    sweep.check_reference(model, {}, {"lookahead": None})
    with pytest.raises(InputError, match=r"d_state=16, but mvc has model.mamba.d_state = 32"):
        sweep.check_reference(model, {"mamba": {"d_state": 32}}, {"lookahead": None})
    with pytest.raises(InputError, match=r"lookahead=None, but mvc has synthesis.lookahead = 8"):
        sweep.check_reference(model, {}, {"lookahead": 8})
