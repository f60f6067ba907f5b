"""Vocoders: Griffin-Lim inverts the feature mel of a tone to that tone; the iSTFT
generator gives hop samples per frame and refuses a hop that does not match."""

import dataclasses

import numpy as np
import pytest
import torch

from mvc.errors import InputError
from mvc.features.mel import MelConfig, log_mel
from mvc.models.vocoder import ISTFTGenerator, build_vocoder

from .conftest import load_model_config

AUDIO = MelConfig(sample_rate=22050, n_fft=1024, win_length=1024, hop_length=256, n_mels=80)


def test_griffin_lim_round_trip_keeps_a_tone_and_its_length():
    config = load_model_config("smoke").vocoder
    sr, f0 = AUDIO.sample_rate, 440.0
    t = np.arange(int(0.5 * sr)) / sr
    wave = 0.3 * np.sin(2 * np.pi * f0 * t)
    mel = torch.from_numpy(log_mel(wave, AUDIO))
    out = build_vocoder(config, AUDIO)(mel)
    assert out.dtype == np.float32
    assert abs(len(out) - len(wave)) <= AUDIO.hop_length
    spectrum = np.abs(np.fft.rfft(out[2000:-2000]))
    peak_hz = np.argmax(spectrum) * sr / len(out[2000:-2000])
    assert peak_hz == pytest.approx(f0, abs=15)
    assert np.sqrt(np.mean(out ** 2)) == pytest.approx(np.sqrt(np.mean(wave ** 2)), rel=0.3)
    assert np.array_equal(out, build_vocoder(config, AUDIO)(mel))  # deterministic


def test_istft_generator_output_length_and_hop_check():
    config = load_model_config("smoke").vocoder
    hifigan = dataclasses.replace(config, kind="hifigan")
    torch.manual_seed(0)
    vocoder = build_vocoder(hifigan, AUDIO)
    out = vocoder(torch.randn(80, 12))
    assert out.dtype == np.float32 and len(out) == 12 * AUDIO.hop_length
    assert isinstance(vocoder.generator, ISTFTGenerator)
    with pytest.raises(InputError, match="upsampling gives hop 256, the audio hop is 300"):
        build_vocoder(hifigan, dataclasses.replace(AUDIO, hop_length=300))


def test_a_mel_of_the_wrong_shape_is_refused():
    vocoder = build_vocoder(load_model_config("smoke").vocoder, AUDIO)
    with pytest.raises(InputError, match="expected shape \\(80, F >= 1\\)"):
        vocoder(torch.zeros(1, 80, 10))
