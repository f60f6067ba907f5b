"""Reference choice for zero-shot synthesis: same speaker, never the target, seeded, stable."""

from __future__ import annotations

import math

import pytest

from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.synth.references import OTHER, OWN, choose_references


def row(utt_id: str, speaker: str, audio: bool = True) -> Utterance:
    return Utterance(utt_id, speaker, "en-us", "Some text.", f"/x/{utt_id}.wav" if audio else "",
                     1.0 if audio else math.nan, "test")


ROWS = [row(f"a{i}", "a") for i in range(5)] + [row(f"b{i}", "b") for i in range(3)]


def test_the_reference_is_another_recording_of_the_same_speaker():
    for ref, target in zip(choose_references(ROWS, ROWS, 1, "m.csv"), ROWS, strict=True):
        assert ref.utt_id == target.utt_id and ref.reference_utt_id != target.utt_id
        assert ref.reference_utt_id[0] == target.speaker and ref.rule == OTHER
        assert ref.audio_path == f"/x/{ref.reference_utt_id}.wav"


def test_a_choice_depends_on_the_seed_and_the_target_only():
    all_refs = {r.utt_id: r for r in choose_references(ROWS, ROWS, 1, "m.csv")}
    alone = choose_references(ROWS, [ROWS[3]], 1, "m.csv")[0]
    assert alone == all_refs["a3"]
    assert choose_references(ROWS, ROWS[::-1], 1, "m.csv")[::-1] == list(all_refs.values())
    other_seeds = {choose_references(ROWS, [ROWS[0]], s, "m.csv")[0].reference_utt_id
                   for s in range(20)}
    assert other_seeds == {"a1", "a2", "a3", "a4"}  # every candidate is drawn for some seed


def test_a_speaker_with_one_recording_uses_its_own_and_says_so():
    lone = row("c0", "c")
    ref = choose_references([*ROWS, lone], [lone], 1, "m.csv")[0]
    assert (ref.reference_utt_id, ref.rule) == ("c0", OWN)


def test_no_recording_of_the_speaker_is_an_error_naming_the_manifest():
    text_only = row("t0", "narrator", audio=False)
    with pytest.raises(InputError, match="no reference audio for utterance 't0'") as err:
        choose_references([*ROWS, text_only], [text_only], 1, "book.csv")
    assert err.value.where == "book.csv" and "audio_dir" in err.value.fix
