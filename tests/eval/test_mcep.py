"""Mel-cepstrum settings by rate, sp2mc against pysptk, SPTK's convention in closed form."""

from __future__ import annotations

import numpy as np
import pysptk
import pytest

from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval import mcep
from mvc.eval.mcep import WorldAnalysis, order_alpha, sp2mc

N_BINS = 513  # a 1024-point FFT's envelope


@pytest.mark.parametrize(("rate", "expected"), [
    (16000, (23, 0.42)), (22050, (34, 0.45)), (24000, (34, 0.46)), (48000, (39, 0.55)),
])
def test_order_and_alpha_follow_the_rate(rate: int, expected: tuple[int, float]) -> None:
    assert order_alpha(rate) == expected


def test_explicit_order_and_alpha_win_and_unknown_rates_need_both() -> None:
    assert order_alpha(22050, order=24) == (24, 0.45)
    assert order_alpha(22050, alpha=0.5) == (34, 0.5)
    assert order_alpha(44100, order=39, alpha=0.53) == (39, 0.53)
    with pytest.raises(InputError, match=r"44100 Hz.*no mel-cepstrum order/alpha"):
        order_alpha(44100)
    with pytest.raises(InputError, match="8000 Hz"):
        order_alpha(8000, order=12)
    with pytest.raises(InputError, match="8000 Hz"):
        WorldAnalysis(analysis_rate=8000)
    assert WorldAnalysis(analysis_rate=8000, order=12, alpha=0.31).analysis_rate == 8000


@pytest.mark.parametrize("settings", [
    {"f0_method": "crepe"}, {"f0_floor": 900.0}, {"f0_floor": 0.0}, {"frame_period_ms": 0.0},
])
def test_bad_settings_are_input_errors(settings: dict) -> None:
    with pytest.raises(InputError, match="settings"):
        WorldAnalysis(**settings)


def test_sp2mc_equals_pysptk() -> None:
    rng = np.random.default_rng(0)
    envelope = np.exp(rng.standard_normal((7, N_BINS)))
    for order, alpha in ((34, 0.45), (23, 0.42), (10, 0.0)):
        np.testing.assert_allclose(sp2mc(envelope, order, alpha),
                                   pysptk.sp2mc(envelope, order, alpha), rtol=1e-10, atol=1e-12)


def test_cepstrum_convention_is_sptks_one_sided_log_amplitude() -> None:
    """A power envelope |H|^2 with log|H(w)| = a0 + a1 cos w + a3 cos 3w gives, unwarped
    (alpha 0), exactly c = (a0, a1, 0, a3, 0, ...): the convention the MCD formula assumes."""
    w = np.linspace(0.0, np.pi, N_BINS)
    a0, a1, a3 = -1.5, 0.8, -0.3
    log_amplitude = a0 + a1 * np.cos(w) + a3 * np.cos(3 * w)
    c = sp2mc(np.exp(2 * log_amplitude)[None, :], order=8, alpha=0.0)[0]
    np.testing.assert_allclose(c, [a0, a1, 0, a3, 0, 0, 0, 0, 0], atol=1e-12)


def test_features_have_one_row_per_frame_and_ignore_the_gain_except_in_c0() -> None:
    """Scaling the waveform by a scales WORLD's envelope by a^2: only c0 moves, by ln a
    (to 1e-5, on frames within 40 dB of the loudest: near digital silence WORLD's additive
    safeguard constant, not the signal, sets the envelope)."""
    audio, rate = synthesize("Cepstra of a quiet copy.", Voice("en-us+f2"))
    analysis = WorldAnalysis()
    loud = analysis.features(audio, rate)
    quiet = analysis.features(0.5 * audio, rate)
    frames = 1 + int(1000 * audio.size / rate / analysis.frame_period_ms)
    assert loud.f0.shape == loud.power.shape == (frames,)
    assert loud.mcep.shape == (frames, 35)
    audible = loud.power > 1e-4 * loud.power.max()
    assert audible.mean() > 0.5
    np.testing.assert_allclose(quiet.mcep[audible, 0] - loud.mcep[audible, 0], np.log(0.5),
                               atol=1e-5)
    np.testing.assert_allclose(quiet.mcep[audible, 1:], loud.mcep[audible, 1:], atol=1e-5)


def test_features_in_blocks_equal_one_whole_pass(monkeypatch) -> None:
    """The envelope is analysed in blocks of frames to bound memory: the same numbers as one
    CheapTrick call over every frame, up to WORLD's safeguard noise (a tiny seeded noise
    whose generator restarts at each call: 1e-7 on audible frames, 1e-6 near silence)."""
    audio, rate = synthesize("Blocks of frames give the same cepstra.", Voice("en-us+f2"))
    analysis = WorldAnalysis()
    monkeypatch.setattr(mcep, "ENVELOPE_BLOCK_FRAMES", 37)
    blocked = analysis.features(audio, rate)
    assert blocked.f0.size > 3 * 37
    monkeypatch.setattr(mcep, "ENVELOPE_BLOCK_FRAMES", 10**9)
    whole = analysis.features(audio, rate)
    np.testing.assert_array_equal(blocked.f0, whole.f0)
    audible = whole.power > 1e-4 * whole.power.max()
    assert audible.mean() > 0.5
    np.testing.assert_allclose(blocked.mcep[audible], whole.mcep[audible], rtol=0, atol=1e-6)
    np.testing.assert_allclose(blocked.mcep, whole.mcep, rtol=0, atol=1e-5)
    np.testing.assert_allclose(blocked.power, whole.power, rtol=1e-6)
