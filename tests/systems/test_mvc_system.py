"""MVC end to end through `mvc train` and `mvc synth run` on a tiny on-disk corpus: the
checkpoint, the loss log, reproducible audio, streaming, long-form, and bad input."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from mvc.ablations.sweep import ablation_settings, read_sweep
from mvc.cli import main
from mvc.data.manifest import read_manifest, write_manifest
from mvc.errors import InputError
from mvc.eval.efficiency import read_timings
from mvc.systems import get_system, system_names
from mvc.train.checkpoint import load_checkpoint
from mvc.train.vocoder_stage import train_vocoder_stage
from tests.train.conftest import config, write_dataset
from tests.train.vocoder_setup import hifigan_model, vocoder_sections

ROOT = Path(__file__).resolve().parents[2]
SYNTHESIS = {"seed": 7, "synthesis": {"sentence_pause_s": 0.1, "lookahead": None,
                                      "device": "cpu", "threads": 1}}
STAGE = {"epochs": 4, "lr": 3e-3, "betas": [0.0, 0.99], "eps": 1e-9, "weight_decay": 1e-4,
         "grad_clip": 1.0}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mvc")
    files = write_dataset(root / "train")
    sections = config(batch_size=8, stages=[STAGE, {**STAGE, "max_steps": 1}])
    assert main(["train", "mvc", "--config", json.dumps(sections),
                 "--manifests", str(files.manifest), "--phonemes", str(files.phonemes),
                 "--features", str(files.features), "--cache", str(root / "train" / "cache"),
                 "--out", str(root / "out")]) == 0
    return root / "out"


@pytest.fixture(scope="module")
def test_manifest(tmp_path_factory) -> Path:
    files = write_dataset(tmp_path_factory.mktemp("test"), n=4, split="test")
    return files.manifest


def synth(checkpoint: Path, manifest: Path, out: Path, *extra: str) -> int:
    return main(["synth", "run", "--system", "mvc", "--checkpoint", str(checkpoint),
                 "--manifest", str(manifest), "--config", json.dumps(SYNTHESIS),
                 "--out", str(out), *extra])


@pytest.fixture(scope="module")
def synthesized(trained, test_manifest, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth") / "offline"
    assert synth(trained / "checkpoint.pt", test_manifest, out) == 0
    return out


def test_mvc_is_registered():
    assert "mvc" in system_names() and get_system("mvc").name == "mvc"
    with pytest.raises(InputError, match="not registered"):
        get_system("tacotron")


def test_training_writes_the_checkpoint_without_the_aligner_and_the_loss_log(trained):
    saved = load_checkpoint(trained / "checkpoint.pt", "mvc")
    assert saved["state"] and not any(k.startswith("aligner.") for k in saved["state"])
    assert set(saved["sections"]) == {"seed", "audio", "model"}
    counts = json.loads((trained / "params.json").read_text())
    inference = sum(v.numel() for v in saved["state"].values() if v.is_floating_point())
    assert counts["aligner"] > 0 and 0 < counts["conditioning"] < counts["total"]
    assert counts["total"] <= inference  # float buffers are in the state, not parameters
    rows = read_csv(trained / "losses.csv")
    assert [(r["stage"], r["stage_step"]) for r in rows] == [
        ("1", "1"), ("1", "2"), ("1", "3"), ("1", "4"), ("2", "1")]
    assert {"mel", "aligner", "duration", "f0", "energy", "diffusion", "total"} <= set(rows[0])
    assert all(np.isfinite(float(r["total"])) for r in rows)
    assert read_csv(trained / "excluded.csv") == []


def test_a_few_steps_on_one_batch_reduce_the_stage_1_loss(trained):
    """Stage 1 saw the whole tiny set (one batch of 8) four times: the loss fell."""
    totals = [float(r["total"]) for r in read_csv(trained / "losses.csv") if r["stage"] == "1"]
    assert totals[-1] < totals[0]


def test_synthesis_from_the_checkpoint_is_reproducible(trained, test_manifest, synthesized,
                                                        tmp_path):
    assert synth(trained / "checkpoint.pt", test_manifest, tmp_path / "b") == 0
    rows = read_manifest(test_manifest)
    for row in rows:
        a = (synthesized / f"{row.utt_id}.wav").read_bytes()
        assert a == (tmp_path / "b" / f"{row.utt_id}.wav").read_bytes(), row.utt_id
    timings = read_timings(synthesized / "timings.csv")
    assert list(timings.columns) == ["utt_id", "system", "audio_seconds", "total_s",
                                     "conditioning_s", "diffusion_s", "decoder_s", "vocoder_s",
                                     "peak_mem_mb"]
    assert list(timings["utt_id"]) == [r.utt_id for r in rows]
    assert set(timings["system"]) == {"mvc"}
    for t in timings.to_dict("records"):
        parts = sum(t[c] for c in ("conditioning_s", "diffusion_s", "decoder_s", "vocoder_s"))
        assert all(t[c] > 0 for c in timings.columns[2:])
        assert t["peak_mem_mb"] > 50  # the synthesis process: torch, the model, activations
        assert t["total_s"] >= parts
        info = sf.info(str(synthesized / f"{t['utt_id']}.wav"))
        assert t["audio_seconds"] == pytest.approx(info.frames / info.samplerate, abs=1e-6)


def test_the_reference_is_another_recording_of_the_same_speaker(test_manifest, synthesized):
    speakers = {r.utt_id: r.speaker for r in read_manifest(test_manifest)}
    for ref in read_csv(synthesized / "references.csv"):
        assert ref["reference_utt_id"] != ref["utt_id"]
        assert speakers[ref["reference_utt_id"]] == speakers[ref["utt_id"]]


def test_streaming_with_full_lookahead_equals_offline(trained, test_manifest, synthesized,
                                                      tmp_path):
    assert synth(trained / "checkpoint.pt", test_manifest, tmp_path / "stream",
                 "--lookahead", "100000") == 0
    wavs = sorted(synthesized.glob("*.wav"))
    assert len(wavs) == 4
    for wav in wavs:
        assert wav.read_bytes() == (tmp_path / "stream" / wav.name).read_bytes()


def test_a_long_form_text_is_synthesized_sentence_by_sentence(trained, test_manifest,
                                                              tmp_path):
    rows = read_manifest(test_manifest)
    manifest = tmp_path / "long.csv"
    two = rows[0].__class__(**{**vars(rows[0]), "text": "The dog runs. We sat down."})
    write_manifest([two, *rows[1:]], manifest)
    assert synth(trained / "checkpoint.pt", manifest, tmp_path / "out", "--split", "test") == 0
    wave, sample_rate = sf.read(str(tmp_path / "out" / f"{two.utt_id}.wav"))
    pause = round(SYNTHESIS["synthesis"]["sentence_pause_s"] * sample_rate)
    silent = np.flatnonzero(wave == 0)
    runs = np.split(silent, np.flatnonzero(np.diff(silent) != 1) + 1)
    assert max(len(r) for r in runs) >= pause  # the pause between the two sentences


def test_missing_reference_audio_is_named_and_nothing_is_written(trained, test_manifest,
                                                                 tmp_path):
    shutil.copytree(test_manifest.parent, tmp_path / "t")
    manifest = tmp_path / "t" / test_manifest.name
    rows = read_manifest(manifest)
    write_manifest([r.__class__(**{**vars(r), "audio_path": str(tmp_path / "t" / "wavs" /
                                                                Path(r.audio_path).name)})
                    for r in rows], manifest)
    for wav in (tmp_path / "t" / "wavs").glob("*.wav"):
        wav.unlink()
    with pytest.raises(InputError, match="reference audio of utterance 'utt0'") as err:
        get_system("mvc").synthesize(trained / "checkpoint.pt", manifest, None, SYNTHESIS,
                                     tmp_path / "out")
    assert err.value.where.endswith(".wav") and "not found" in str(err.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("text", "language", "problem"), [
    ("_", "en-us", "nothing is left of '_'"),
    ("Sie sitzen aneinander.", "de", "symbol '1' (U+0031 DIGIT ONE) is not in the symbol table"),
])
def test_a_text_without_speakable_symbols_names_the_manifest(trained, test_manifest, tmp_path,
                                                             text, language, problem):
    rows = read_manifest(test_manifest)
    bad = rows[1].__class__(**{**vars(rows[1]), "text": text, "language": language})
    manifest = tmp_path / "bad.csv"
    write_manifest([rows[0], bad, *rows[2:]], manifest)
    with pytest.raises(InputError, match=re.escape(problem)) as err:
        get_system("mvc").synthesize(trained / "checkpoint.pt", manifest, None, SYNTHESIS,
                                     tmp_path / "out")
    assert err.value.where == str(manifest)


def test_a_checkpoint_of_another_system_is_refused(trained, tmp_path):
    saved = torch.load(trained / "checkpoint.pt", weights_only=False)
    torch.save({**saved, "system": "styletts2"}, tmp_path / "other.pt")
    with pytest.raises(InputError, match="a checkpoint of system 'styletts2', not 'mvc'"):
        load_checkpoint(tmp_path / "other.pt", "mvc")


def test_a_lookahead_row_is_streaming_synthesis_of_the_same_checkpoint(trained, test_manifest,
                                                                       synthesized, tmp_path):
    """An ablation row with lookahead 0 (its synthesis section, as the ablation rules pass it)
    synthesizes what `mvc synth run --lookahead 0` does, which is not the offline audio."""
    section = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text())["ablations"]
    (tmp_path / "sweep.tsv").write_text("adaln\ttext_bidirectional\td_state\tlookahead\n"
                                        "true\ttrue\t16\toffline\ntrue\ttrue\t16\t0\n")
    sweep = read_sweep(ablation_settings({**section, "tsv": str(tmp_path / "sweep.tsv")}))
    row = {**SYNTHESIS, "synthesis": sweep.synthesis_section(SYNTHESIS["synthesis"],
                                                             sweep.rows()[1])}
    get_system("mvc").synthesize(trained / "checkpoint.pt", test_manifest, None, row,
                                 tmp_path / "row")
    assert synth(trained / "checkpoint.pt", test_manifest, tmp_path / "stream",
                 "--lookahead", "0") == 0
    wavs = sorted(synthesized.glob("*.wav"))
    differs = 0
    for wav in wavs:
        streamed = (tmp_path / "stream" / wav.name).read_bytes()
        assert (tmp_path / "row" / wav.name).read_bytes() == streamed
        differs += streamed != wav.read_bytes()
    assert differs  # W = 0 is not the offline synthesis: the knob took effect


def test_a_hifigan_model_synthesizes_with_the_trained_vocoder_and_needs_it(trained,
                                                                           test_manifest,
                                                                           tmp_path, capsys):
    vocoder = train_vocoder_stage(vocoder_sections(steps=2),
                                  [trained.parent / "train" / "manifest.csv"], tmp_path / "voc")
    saved = torch.load(trained / "checkpoint.pt", weights_only=False)
    saved["sections"]["model"]["vocoder"] = hifigan_model()["vocoder"]
    torch.save(saved, tmp_path / "hifigan.pt")
    assert synth(tmp_path / "hifigan.pt", test_manifest, tmp_path / "none") == 2
    assert "the vocoder checkpoint is missing" in capsys.readouterr().err
    assert not (tmp_path / "none").exists()
    out = tmp_path / "out"
    assert synth(tmp_path / "hifigan.pt", test_manifest, out, "--vocoder", str(vocoder)) == 0
    timings = read_timings(out / "timings.csv")
    assert len(timings) == len(read_manifest(test_manifest))
    assert (timings["vocoder_s"] > 0).all()
    for row in read_manifest(test_manifest):
        wave, rate = sf.read(out / f"{row.utt_id}.wav")
        assert rate == 16000 and wave.size > 0 and np.isfinite(wave).all()
