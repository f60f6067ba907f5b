"""Audio I/O: round trips, resampling, and a clear error for each kind of bad file."""

import numpy as np
import pytest
import soundfile as sf

from mvc.audio import duration_s, load, load_clip, require_sample_rate, save
from mvc.errors import InputError


def sine(freq=220.0, sr=22050, seconds=0.5, amp=0.5):
    t = np.arange(int(sr * seconds)) / sr
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def test_save_load_round_trip_within_16_bit_quantization(tmp_path):
    audio = sine()
    save(tmp_path / "a.wav", audio, 22050)
    loaded, sr = load(tmp_path / "a.wav")
    assert sr == 22050 and loaded.dtype == np.float32
    np.testing.assert_allclose(loaded, audio, atol=1 / 32768)
    assert duration_s(tmp_path / "a.wav") == pytest.approx(len(audio) / 22050, abs=1e-9)


def test_flac_round_trip_and_stereo_downmix(tmp_path):
    stereo = np.stack([sine(), sine(330.0)], axis=1)
    sf.write(tmp_path / "s.flac", stereo, 48000)
    loaded, _ = load(tmp_path / "s.flac")
    np.testing.assert_allclose(loaded, stereo.mean(axis=1), atol=2 / 32768)


def test_resampling_keeps_a_tone_at_its_frequency(tmp_path):
    save(tmp_path / "a.wav", sine(440.0, 48000, 1.0), 48000)
    audio, sr = load(tmp_path / "a.wav", sample_rate=16000)
    assert sr == 16000 and len(audio) == 16000
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.argmax(spectrum) * sr / len(audio) == pytest.approx(440.0, abs=1.0)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"x\.wav: audio file not found"):
        load(tmp_path / "x.wav")


def test_corrupt_file(tmp_path):
    (tmp_path / "bad.wav").write_bytes(b"RIFF garbage" * 10)
    with pytest.raises(InputError, match=r"bad\.wav: unreadable audio"):
        load(tmp_path / "bad.wav")


def test_empty_file(tmp_path):
    sf.write(tmp_path / "e.wav", np.zeros(0, dtype=np.float32), 22050)
    with pytest.raises(InputError, match=r"e\.wav: audio file has no samples"):
        duration_s(tmp_path / "e.wav")


def test_silent_file_is_an_error_unless_allowed(tmp_path):
    save(tmp_path / "s.wav", np.zeros(2205, dtype=np.float32), 22050)
    with pytest.raises(InputError, match=r"s\.wav: audio is silent"):
        load(tmp_path / "s.wav")
    audio, _ = load(tmp_path / "s.wav", allow_silent=True)
    assert audio.shape == (2205,)


def test_nan_samples_are_an_error(tmp_path):
    audio = sine()
    audio[100] = np.nan
    sf.write(tmp_path / "n.wav", audio, 22050, subtype="FLOAT")
    with pytest.raises(InputError, match=r"n\.wav: audio contains NaN"):
        load(tmp_path / "n.wav")
    with pytest.raises(ValueError, match="non-finite"):
        save(tmp_path / "m.wav", audio, 22050)


def test_wrong_sample_rate_names_file_and_fix(tmp_path):
    save(tmp_path / "a.wav", sine(sr=16000), 16000)
    require_sample_rate(tmp_path / "a.wav", 16000)
    with pytest.raises(InputError, match=r"a\.wav: sample rate is 16000 Hz, expected 22050 Hz"):
        require_sample_rate(tmp_path / "a.wav", 22050)


def test_a_clip_shorter_than_a_metric_needs_names_the_file_and_the_metric(tmp_path):
    path = tmp_path / "short.wav"
    save(path, (0.3 * np.sin(np.arange(3200) / 5.0)).astype(np.float32), 16000)  # 0.2 s
    assert load_clip(path, 8000, 0.1, "DNSMOS").size == 1600  # resampled, long enough
    with pytest.raises(InputError, match=r"short.wav: audio is 0.200 s long, DNSMOS needs at "
                                         r"least 0.5 s \(min_seconds\)"):
        load_clip(path, 16000, 0.5, "DNSMOS")
