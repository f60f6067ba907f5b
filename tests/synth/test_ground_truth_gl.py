"""The vocoded ground truth: each recording's log-mel through the systems' Griffin-Lim."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mvc import audio
from mvc.config import build
from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.features.mel import MelConfig, log_mel
from mvc.synth.ground_truth import export_ground_truth, export_vocoded_ground_truth
from tests.train.conftest import AUDIO, MODEL, write_dataset


@pytest.fixture(scope="module")
def tiny_dataset(tmp_path_factory):
    return write_dataset(tmp_path_factory.mktemp("tiny"), n=3)


def test_the_round_trip_keeps_length_rate_and_mel(tiny_dataset, tmp_path):
    rows = read_manifest(tiny_dataset.manifest)[:3]
    export_vocoded_ground_truth(rows, {"audio": AUDIO, "model": MODEL}, tmp_path / "gl")
    mel_cfg = build(MelConfig, AUDIO, "audio")
    for row in rows:
        original, _ = audio.load(row.audio_path, sample_rate=mel_cfg.sample_rate)
        vocoded, rate = audio.load(tmp_path / "gl" / f"{row.utt_id}.wav")
        assert rate == mel_cfg.sample_rate
        assert abs(vocoded.size - original.size) <= mel_cfg.hop_length
        n = min(vocoded.size, original.size)
        a, b = log_mel(original[:n], mel_cfg), log_mel(vocoded[:n], mel_cfg)
        loud = a > np.percentile(a, 75)  # compare where the tone has energy
        assert np.abs(a - b)[loud].mean() < 0.25  # normalized log-mel units (std 4 => ~1 nat)


def test_an_untrained_vocoder_is_refused(tiny_dataset, tmp_path):
    rows = read_manifest(tiny_dataset.manifest)[:1]
    model = {**MODEL, "vocoder": {**MODEL["vocoder"], "kind": "hifigan"}}
    with pytest.raises(InputError, match=r"vocoder checkpoint is missing.*train_vocoder rule"):
        export_vocoded_ground_truth(rows, {"audio": AUDIO, "model": model}, tmp_path / "gl")
    assert not (tmp_path / "gl").exists()


@pytest.mark.parametrize(("export", "system"), [
    (lambda rows, out: export_ground_truth(rows, out), "ground_truth"),
    (lambda rows, out: export_vocoded_ground_truth(rows, {"audio": AUDIO, "model": MODEL}, out),
     "ground_truth_gl")])
def test_a_text_only_row_is_named_and_nothing_is_written(tiny_dataset, tmp_path, export, system):
    rows = read_manifest(tiny_dataset.manifest)[:2]
    rows[1] = dataclasses.replace(rows[1], audio_path="")
    with pytest.raises(InputError, match=f"{rows[1].utt_id}.*the {system} system's test sets"):
        export(rows, tmp_path / "out")
    assert not (tmp_path / "out").exists()
