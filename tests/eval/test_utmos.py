"""UTMOS: n/a with the reason unless a local TorchScript checkpoint is configured."""

import hashlib

import numpy as np
import pytest
import torch

from mvc.audio import load, save
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.utmos import UTMOS

SR = 22050


class MeanAbs(torch.nn.Module):
    """A stand-in for UTMOS with a value we can compute by hand."""

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return wave.abs().mean()


class Length(torch.nn.Module):
    """Returns the number of samples it was given: shows the audio arrives at 16 kHz."""

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return torch.tensor([float(wave.shape[1])])


class TwoValues(torch.nn.Module):
    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        return torch.stack([wave.mean(), wave.std()])


def export(module: torch.nn.Module, path) -> str:
    torch.jit.save(torch.jit.script(module), str(path))
    return str(path)


@pytest.fixture
def wav(tmp_path):
    t = np.arange(SR) / SR  # one second at 22.05 kHz
    path = tmp_path / "u.wav"
    save(path, (0.3 * np.sin(2 * np.pi * 220 * t) + 0.1 * np.sin(2 * np.pi * 37 * t)
                ).astype(np.float32), SR)
    return path


def item(path) -> ScoreItem:
    return ScoreItem(utt_id="u", audio_path=str(path), text="a text", language="en-us")


def test_without_a_checkpoint_every_row_is_unavailable_with_the_reason(wav, tmp_path):
    metric = UTMOS()
    assert "no UTMOS checkpoint configured" in metric.unavailable("en-us")
    assert metric.settings()["checkpoint_sha256"] == ""
    with pytest.raises(InputError, match="no UTMOS checkpoint configured"):
        metric.score(item(wav))
    absent = UTMOS(checkpoint=str(tmp_path / "utmos.pt"))
    assert absent.unavailable("en-us") == f"UTMOS checkpoint {tmp_path / 'utmos.pt'} not found"


def test_configured_checkpoint_scores_16k_audio_and_records_its_hash(wav, tmp_path):
    checkpoint = export(MeanAbs(), tmp_path / "utmos.pt")
    metric = UTMOS(checkpoint=checkpoint)
    assert metric.unavailable("de") is None
    audio, _ = load(wav, 16000)
    scores = metric.score(item(wav))
    assert scores["utmos"] == pytest.approx(float(np.mean(np.abs(audio))), rel=1e-6)
    assert scores["mos_proxy"] == scores["utmos"]
    assert metric.settings()["checkpoint_sha256"] == hashlib.sha256(
        (tmp_path / "utmos.pt").read_bytes()).hexdigest()
    assert list(scores) == list(metric.columns)
    length = UTMOS(checkpoint=export(Length(), tmp_path / "length.pt")).score(item(wav))
    assert length["utmos"] == 16000  # one second, resampled from 22.05 kHz


def test_unloadable_or_ill_shaped_checkpoints_are_input_errors(wav, tmp_path):
    (tmp_path / "junk.pt").write_text("not a model")
    with pytest.raises(InputError, match=r"junk\.pt: not a loadable TorchScript module"):
        UTMOS(checkpoint=str(tmp_path / "junk.pt"))
    metric = UTMOS(checkpoint=export(TwoValues(), tmp_path / "two.pt"))
    with pytest.raises(InputError, match="one value per utterance"):
        metric.score(item(wav))
