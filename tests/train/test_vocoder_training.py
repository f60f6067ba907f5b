"""Training the vocoder: seeded segments cut from the whole utterance's mel, a few steps
reduce the mel loss, the learning rate decays, the checkpoint synthesizes what training
left, and a run interrupted after a saved state ends like an uninterrupted one."""

from __future__ import annotations

import csv
import json
import shutil

import numpy as np
import pytest
import torch

from mvc import audio as audio_io
from mvc.cli import main
from mvc.config import build
from mvc.data.manifest import read_manifest
from mvc.errors import InputError
from mvc.features.mel import MelConfig, log_mel
from mvc.models.config import VocoderConfig, build_nested
from mvc.models.discriminators import Discriminators
from mvc.models.vocoder import ISTFTGenerator
from mvc.synth.ground_truth import export_vocoded_ground_truth
from mvc.synth.vocoder import synthesis_vocoder
from mvc.train import checkpoint
from mvc.train.vocoder_config import vocoder_training_config
from mvc.train.vocoder_data import SegmentSampler, training_recordings
from mvc.train.vocoder_loop import _optimizer, train_step
from mvc.train.vocoder_losses import MelLoss
from mvc.train.vocoder_stage import train_vocoder_stage

from .conftest import AUDIO
from .vocoder_setup import VOCODER_TRAINING, hifigan_model, vocoder_sections

MEL = build(MelConfig, AUDIO, "audio")
HOP = MEL.hop_length


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread (what the configs use): faster on a loaded 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def read_rows(path):
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def vocoder_cfg() -> VocoderConfig:
    return build_nested(VocoderConfig, hifigan_model()["vocoder"], "model.vocoder")


def test_segments_are_seeded_and_cut_from_the_whole_utterances_mel(tiny_dataset):
    rows = training_recordings([tiny_dataset.manifest])
    sampler = SegmentSampler(rows, MEL, segment_frames=8, batch_size=3, seed=1)
    batch = sampler.batch(4)
    assert batch.wave.shape == (3, 8 * HOP) and batch.mel.shape == (3, MEL.n_mels, 8)
    assert torch.equal(batch.wave, sampler.batch(4).wave)  # the step alone decides
    assert not torch.equal(batch.wave, sampler.batch(5).wave)
    whole = {r.utt_id: audio_io.load(r.audio_path, MEL.sample_rate)[0] for r in rows}
    for wave, mel in zip(batch.wave.numpy(), batch.mel.numpy(), strict=True):
        found = [(utt, k) for utt, w in whole.items() for k in range(w.size // HOP - 7)
                 if np.array_equal(w[k * HOP: (k + 8) * HOP], wave)]
        assert found  # a periodic tone may repeat a segment elsewhere: one of them is it
        assert any(np.array_equal(mel, log_mel(whole[utt], MEL)[:, k: k + 8])
                   for utt, k in found)


def test_an_utterance_shorter_than_a_segment_is_padded_with_silence(tiny_dataset):
    rows = training_recordings([tiny_dataset.manifest])[:1]
    frames = audio_io.load(rows[0].audio_path, MEL.sample_rate)[0].size // HOP + 5
    batch = SegmentSampler(rows, MEL, frames, 1, seed=0).batch(0)
    assert batch.wave.shape == (1, frames * HOP)
    assert float(batch.wave[0, -4 * HOP:].abs().max()) == 0.0


def test_a_few_steps_reduce_the_mel_loss_on_a_fixed_batch(tiny_dataset):
    cfg = vocoder_training_config(VOCODER_TRAINING)
    torch.manual_seed(0)
    generator = ISTFTGenerator(MEL.n_mels, vocoder_cfg().hifigan)
    discriminators = Discriminators(cfg.discriminators)
    optimizers = (_optimizer(generator.parameters(), cfg),
                  _optimizer(discriminators.parameters(), cfg))
    mel_loss = MelLoss(MEL)
    batch = SegmentSampler(training_recordings([tiny_dataset.manifest]), MEL, 8, 2, 0).batch(0)
    with torch.no_grad():
        before = float(mel_loss(generator(batch.mel), batch.wave))
    rows = [train_step(generator, discriminators, mel_loss, batch, optimizers, cfg, 0)
            for _ in range(10)]
    with torch.no_grad():
        after = float(mel_loss(generator(batch.mel), batch.wave))
    assert float(rows[0]["mel"]) == pytest.approx(before, rel=1e-5)
    assert after < 0.9 * before
    assert all(np.isfinite(float(r[k])) for r in rows for k in ("discriminator", "generator"))


def test_learning_rate_decays_every_lr_decay_every_steps():
    cfg = vocoder_training_config(VOCODER_TRAINING)  # lr 2e-3, x0.5 every 2 steps
    assert [cfg.lr_at(s) for s in range(5)] == pytest.approx(
        [2e-3, 2e-3, 1e-3, 1e-3, 5e-4])


@pytest.fixture(scope="module")
def trained(tiny_dataset, tmp_path_factory):
    """An uninterrupted 4-step run through the CLI."""
    out = tmp_path_factory.mktemp("vocoder")
    code = main(["train-vocoder", "--config", json.dumps(vocoder_sections()),
                 "--manifests", str(tiny_dataset.manifest), "--out", str(out)])
    assert code == 0
    return out


def test_checkpoint_synthesizes_what_training_left(trained):
    rows = read_rows(trained / "losses.csv")
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert [float(r["lr"]) for r in rows] == pytest.approx([2e-3, 2e-3, 1e-3, 1e-3])
    state = checkpoint.latest_state(trained / "work")
    assert state["step"] == 4
    generator = ISTFTGenerator(MEL.n_mels, vocoder_cfg().hifigan)
    generator.load_state_dict(state["generator"])
    generator.eval()
    mel = torch.from_numpy(log_mel(np.sin(np.arange(4000) * 0.05).astype(np.float32), MEL))
    with torch.no_grad():
        expected = generator(mel.unsqueeze(0))[0].numpy()
    vocoder = synthesis_vocoder(vocoder_cfg(), MEL, trained / "checkpoint.pt")
    out = vocoder(mel)
    assert out.shape == (mel.shape[1] * HOP,)
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(
        synthesis_vocoder(vocoder_cfg(), MEL, trained / "checkpoint.pt")(mel), out)


def test_resume_after_an_interruption_ends_like_an_uninterrupted_run(trained, tiny_dataset,
                                                                    tmp_path):
    # killed after step 3: the newest state is step 2's (checkpoint_every 2)
    train_vocoder_stage(vocoder_sections(), [tiny_dataset.manifest], tmp_path, stop_after=3)
    assert checkpoint.latest_state(tmp_path / "work")["step"] == 2
    assert not (tmp_path / "checkpoint.pt").exists()
    train_vocoder_stage(vocoder_sections(), [tiny_dataset.manifest], tmp_path)
    ours, theirs = read_rows(tmp_path / "losses.csv"), read_rows(trained / "losses.csv")
    assert [r["step"] for r in ours] == ["1", "2", "3", "4"]
    # oneDNN's CPU convs may round differently in a fresh process (docs/training.md), so the
    # numbers agree to float rounding, not bit for bit
    for mine, reference in zip(ours, theirs, strict=True):
        for column, value in reference.items():
            assert float(mine[column]) == pytest.approx(float(value), rel=1e-4), column
    resumed = checkpoint.latest_state(tmp_path / "work")
    uninterrupted = checkpoint.latest_state(trained / "work")
    for part in ("generator", "discriminators"):
        assert resumed[part].keys() == uninterrupted[part].keys()
        for name, value in uninterrupted[part].items():
            torch.testing.assert_close(resumed[part][name], value, rtol=1e-4, atol=1e-6)


def test_a_changed_config_starts_over(trained, tiny_dataset, tmp_path):
    shutil.copytree(trained / "work", tmp_path / "work")
    train_vocoder_stage(vocoder_sections(steps=2, lr=1e-3), [tiny_dataset.manifest], tmp_path)
    rows = read_rows(tmp_path / "losses.csv")
    assert [int(r["step"]) for r in rows] == [1, 2]
    assert float(rows[0]["lr"]) == pytest.approx(1e-3)


def test_hifigan_without_or_with_a_mismatched_checkpoint_is_refused(trained):
    with pytest.raises(InputError, match=r"vocoder checkpoint is missing.*train_vocoder rule"):
        synthesis_vocoder(vocoder_cfg(), MEL, None)
    other = build(MelConfig, {**AUDIO, "mean": -5.0}, "audio")
    with pytest.raises(InputError, match="trained for other audio settings"):
        synthesis_vocoder(vocoder_cfg(), other, trained / "checkpoint.pt")


def test_griffin_lim_needs_no_training(tiny_dataset, tmp_path, capsys):
    sections = vocoder_sections()
    sections["model"]["vocoder"]["kind"] = "griffin_lim"
    code = main(["train-vocoder", "--config", json.dumps(sections),
                 "--manifests", str(tiny_dataset.manifest), "--out", str(tmp_path)])
    assert code == 2
    assert "'griffin_lim' needs no training" in capsys.readouterr().err


def test_the_vocoded_ground_truth_uses_the_trained_vocoder(trained, tiny_dataset, tmp_path):
    rows = read_manifest(tiny_dataset.manifest)[:2]
    config = {"audio": AUDIO, "model": hifigan_model()}
    export_vocoded_ground_truth(rows, config, tmp_path / "gl", trained / "checkpoint.pt")
    vocoder = synthesis_vocoder(vocoder_cfg(), MEL, trained / "checkpoint.pt")
    for row in rows:
        wave, _ = audio_io.load(row.audio_path, MEL.sample_rate)
        expected = vocoder(torch.from_numpy(log_mel(wave, MEL)))
        written, rate = audio_io.load(tmp_path / "gl" / f"{row.utt_id}.wav", allow_silent=True)
        assert rate == MEL.sample_rate and written.size == expected.size
        # the wav is 16-bit PCM: equal to a quantization step
        np.testing.assert_allclose(written, np.clip(expected, -1, 1), atol=1 / 2 ** 15)
