"""`mvc bench synth` on untrained smoke-config models: component times inside the total,
the CSVs' schemas (the components CSV reads back as synthesis timings), the long-form rows
and their first-audio latency, passage building, and the CLI's errors."""


import pandas as pd
import pytest
import torch

from mvc.bench.synth import (
    LONGFORM_COLUMNS,
    Row,
    longform_rows,
    parse_passage,
    passage,
)
from mvc.cli import main
from mvc.errors import InputError
from mvc.eval.efficiency import COMPONENTS, read_timings

TEXT = ("The cat sat on the mat. It was a sunny day. Birds sang in the old tree. "
        "Then it rained.")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """One small run of the CLI: two systems, two sentences timed, passages of 1 and 3."""
    tmp = tmp_path_factory.mktemp("bench_synth")
    text = tmp / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    out, longform_out = tmp / "synth.csv", tmp / "synth_longform.csv"
    code = main(["bench", "synth", "--untrained", "configs/smoke.yaml", "--systems", "mvc",
                 "styletts2", "--text", str(text), "--utterances", "2", "--passages", "1", "3",
                 "--lookaheads", "4", "--reps", "2", "--no-memory", "--threads", "1",
                 "--out", str(out), "--longform-out", str(longform_out)])
    assert code == 0
    return read_timings(out), pd.read_csv(longform_out, keep_default_na=False,
                                          na_values=[""])


def test_component_times_sum_to_about_the_total(run):
    components, _ = run
    assert list(zip(components["system"], components["utt_id"], strict=True)) == [
        ("mvc", "sentence000"), ("mvc", "sentence001"),
        ("styletts2", "sentence000"), ("styletts2", "sentence001")]
    parts = components[list(COMPONENTS)].sum(axis=1)
    assert (components[list(COMPONENTS)] > 0).all().all()
    # every stage inside the clock is timed: the rest is bookkeeping (a few percent)
    assert (parts <= components["total_s"] * 1.01).all()
    assert (parts >= components["total_s"] * 0.8).all()
    assert (components["audio_seconds"] > 0).all() and (components["device"] == "cpu").all()


def test_longform_rows_per_system_mode_and_passage(run):
    _, longform = run
    assert tuple(longform.columns) == LONGFORM_COLUMNS
    keys = list(zip(longform["system"], longform["mode"], longform["sentences"], strict=True))
    assert keys == [(system, mode, n) for system in ("mvc", "styletts2") for n in (1, 3)
                    for mode in ("sentences", "streaming", "whole")]
    streamed = longform[longform["mode"] == "streaming"]
    assert (streamed["lookahead"] == 4).all()
    baseline = longform[longform["system"] == "styletts2"]
    skipped = baseline[baseline["mode"] == "streaming"]
    assert skipped["skipped"].all() and skipped["note"].str.contains("mvc").all()
    assert skipped["total_s"].isna().all() and (skipped["reps"] == 0).all()
    done = longform[~longform["skipped"]]
    assert (done["reps"] == 2).all()
    assert list(done["rtf"]) == pytest.approx(list(done["total_s"] / done["audio_seconds"]),
                                              rel=1e-5)  # the CSV keeps 6 digits
    assert (done[list(COMPONENTS)].sum(axis=1) <= done["total_s"] * 1.01).all()
    assert done["peak_mb"].isna().all()  # --no-memory
    whole = done[done["mode"] == "whole"]
    assert (whole["first_audio_s"] == whole["total_s"]).all()
    for _, group in done[done["mode"] != "whole"].groupby(["system", "mode"]):
        one = group.set_index("sentences")
        # first audio of the 3-sentence passage is the 1-sentence passage's time
        assert one.loc[3, "first_audio_s"] == pytest.approx(one.loc[1, "first_audio_s"])
        assert one.loc[3, "phonemes"] > one.loc[1, "phonemes"]


def test_passages_join_sentences_in_whole_mode_only():
    ids = [torch.tensor([[1, 2]]), torch.tensor([[3]]), torch.tensor([[4, 5, 6]])]
    split = passage(ids, 2, "sentences", "p")
    assert [t.tolist() for t in split.sentences] == [[[1, 2]], [[3]]]
    whole = passage(ids, None, "whole", "p")
    assert [t.tolist() for t in whole.sentences] == [[[1, 2, 3, 4, 5, 6]]]


def test_rows_shortest_passage_first_with_every_lookahead():
    from mvc.bench.synth import SynthBench

    bench = SynthBench(systems=(), sentences=("A.",), passages=(None, 2),
                       lookaheads=(0, 8), modes=("streaming", "whole"))
    assert longform_rows(bench) == [Row("streaming", 2, 0), Row("streaming", 2, 8),
                                    Row("whole", 2, None), Row("streaming", None, 0),
                                    Row("streaming", None, 8), Row("whole", None, None)]


def test_bad_options_are_input_errors(tmp_path, capsys):
    assert parse_passage("all") is None and parse_passage("3") == 3
    for bad in ("0", "x"):
        with pytest.raises(InputError, match="--passages"):
            parse_passage(bad)
    out = ["--out", str(tmp_path / "s.csv"), "--longform-out", str(tmp_path / "l.csv")]
    cases = (([], "either --checkpoint or --untrained"),
             (["--checkpoint", "mvc"], "is not SYSTEM=PATH"),
             (["--untrained", "configs/smoke.yaml", "--text", str(tmp_path / "none.txt")],
              "text file not found"),
             (["--untrained", "configs/smoke.yaml", "--systems", "nosuch"], "systems.nosuch"),
             (["--checkpoint", f"mvc={tmp_path / 'none.pt'}"], "none.pt"))
    for argv, message in cases:
        assert main(["bench", "synth", *argv, *out]) == 2
        assert message in capsys.readouterr().err
