"""Per-utterance features from real WAV files, and the dataset index written through the cache."""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mvc import audio
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.features import extract as extract_module
from mvc.features.cache import FeatureCache, content_key
from mvc.features.extract import FEATURES_VERSION, extract_dataset, extract_utterance
from mvc.features.mel import MelConfig, log_mel, n_frames
from mvc.features.prosody import ProsodyConfig, log_energy, world_f0

MEL = MelConfig(sample_rate=22050, n_fft=1024, win_length=1024, hop_length=256, n_mels=80)
PROSODY = ProsodyConfig(f0_method="dio")
SETTINGS = {
    "mel": {"sample_rate": 22050, "n_fft": 1024, "win_length": 1024, "hop_length": 256,
            "n_mels": 80, "f_min": 0.0, "f_max": None, "log_floor": 1e-5, "mean": -4.0,
            "std": 4.0, "filterbank_sample_rate": None},
    "prosody": {"f0_method": "dio", "f0_floor": 71.0, "f0_ceil": 800.0},
}
INDEX_HEADER = ["utt_id", "key", "n_frames", "mean_f0_hz", "voiced_fraction"]


def utterance(utt_id: str, audio_path: Path | str) -> Utterance:
    return Utterance(utt_id=utt_id, speaker="spk1", language="en-us", text="A tone.",
                     audio_path=str(audio_path), duration_s=0.5, split="train")


def write_tone(path: Path, tone: np.ndarray, sample_rate: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), tone, sample_rate, subtype="PCM_16")
    return path


@pytest.fixture
def corpus(tmp_path: Path, harmonic_tone: Callable[..., np.ndarray]) -> list[Utterance]:
    """Three WAVs: 150 Hz and 220 Hz at the mel rate, and 180 Hz at 16 kHz (resampled)."""
    return [
        utterance("u150", write_tone(tmp_path / "wavs" / "u150.wav",
                                     harmonic_tone(150.0, 22050, 0.5, 0.1), 22050)),
        utterance("u220", write_tone(tmp_path / "wavs" / "u220.wav",
                                     harmonic_tone(220.0, 22050, 0.3, 0.1), 22050)),
        utterance("u180", write_tone(tmp_path / "wavs" / "u180.wav",
                                     harmonic_tone(180.0, 16000, 0.4, 0.2), 16000)),
    ]


def read_index(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_extract_utterance_resamples_and_aligns_every_feature(corpus: list[Utterance]) -> None:
    path = corpus[2].audio_path
    wave, _ = audio.load(path, sample_rate=22050)
    assert sf.info(path).samplerate == 16000

    features = extract_utterance(path, MEL, PROSODY)

    frames = n_frames(wave.size, MEL)
    assert sorted(features) == ["energy", "f0", "mel"]
    assert features["mel"].shape == (80, frames)
    assert features["f0"].shape == features["energy"].shape == (frames,)
    assert all(value.dtype == np.float32 for value in features.values())
    np.testing.assert_array_equal(features["mel"], log_mel(wave, MEL))
    np.testing.assert_array_equal(features["f0"], world_f0(wave, 22050, 256, frames, PROSODY))
    np.testing.assert_array_equal(features["energy"], log_energy(features["mel"], MEL))
    assert np.median(features["f0"][features["f0"] > 0]) == pytest.approx(180.0, rel=0.01)


def test_extract_dataset_writes_the_index_and_fills_the_cache(
        tmp_path: Path, corpus: list[Utterance]) -> None:
    cache = FeatureCache(tmp_path / "cache")
    index_path = tmp_path / "features" / "index.csv"

    extract_dataset(corpus, MEL, PROSODY, cache, index_path)

    index = read_index(index_path)
    assert index[0] == INDEX_HEADER
    for row, utt, f0_hz in zip(index[1:], corpus, (150.0, 220.0, 180.0), strict=True):
        utt_id, key, frames, mean_f0, voiced_fraction = row
        assert utt_id == utt.utt_id
        assert key == content_key(utt.audio_path, SETTINGS, FEATURES_VERSION)
        wave, _ = audio.load(utt.audio_path, sample_rate=22050)
        assert int(frames) == n_frames(wave.size, MEL)
        assert float(mean_f0) == pytest.approx(f0_hz, rel=0.01)
        cached = cache.get(key)
        assert cached is not None
        f0 = cached["f0"]
        assert f0.size == int(frames)
        assert float(voiced_fraction) == pytest.approx(np.count_nonzero(f0) / f0.size, abs=1e-6)
        assert 0.3 < float(voiced_fraction) < 1.0
        np.testing.assert_array_equal(cached["mel"],
                                      extract_utterance(utt.audio_path, MEL, PROSODY)["mel"])
    assert not [p for p in index_path.parent.iterdir() if p.name != "index.csv"]


def test_second_run_reuses_the_cache_and_a_changed_file_is_recomputed(
        tmp_path: Path, corpus: list[Utterance], monkeypatch: pytest.MonkeyPatch,
        harmonic_tone: Callable[..., np.ndarray]) -> None:
    cache = FeatureCache(tmp_path / "cache")
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    extract_dataset(corpus, MEL, PROSODY, cache, first)
    computed: list[str] = []

    def counting(audio_path, mel_cfg, prosody_cfg):
        computed.append(Path(audio_path).name)
        return extract_utterance(audio_path, mel_cfg, prosody_cfg)

    monkeypatch.setattr(extract_module, "extract_utterance", counting)
    extract_dataset(corpus, MEL, PROSODY, cache, second)
    assert computed == []
    assert second.read_bytes() == first.read_bytes()

    write_tone(Path(corpus[1].audio_path), harmonic_tone(230.0, 22050, 0.3, 0.1), 22050)
    extract_dataset(corpus, MEL, PROSODY, cache, second)
    assert computed == ["u220.wav"]
    assert float(read_index(second)[2][3]) == pytest.approx(230.0, rel=0.01)


def test_unvoiced_utterance_has_empty_mean_f0(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    hiss = write_tone(tmp_path / "hiss.wav", 0.1 * rng.standard_normal(11025), 22050)
    index_path = tmp_path / "index.csv"
    extract_dataset([utterance("hiss", hiss)], MEL, PROSODY, FeatureCache(tmp_path / "c"),
                    index_path)
    assert read_index(index_path)[1][2:] == ["44", "", "0.000000"]


def test_text_only_row_is_an_error_naming_the_utterance(tmp_path: Path,
                                                        corpus: list[Utterance]) -> None:
    rows = [*corpus[:1], utterance("long_form_3", "")]
    index_path = tmp_path / "index.csv"
    with pytest.raises(InputError) as err:
        extract_dataset(rows, MEL, PROSODY, FeatureCache(tmp_path / "c"), index_path)
    assert str(err.value) == (
        "utterance 'long_form_3': has no audio_path; features need audio. Fix: pass only rows "
        "with audio (not text-only test sets) to feature extraction")
    assert not index_path.exists()


def test_silent_file_is_an_error_naming_it(tmp_path: Path, corpus: list[Utterance]) -> None:
    silent = write_tone(tmp_path / "wavs" / "silent.wav", np.zeros(22050), 22050)
    rows = [*corpus[:1], utterance("quiet", silent)]
    with pytest.raises(InputError, match=f"^{re.escape(str(silent))}: audio is silent"):
        extract_dataset(rows, MEL, PROSODY, FeatureCache(tmp_path / "c"), tmp_path / "i.csv")


def test_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "wavs" / "nowhere.wav"
    with pytest.raises(InputError, match=f"^{re.escape(str(missing))}: cannot read the file"):
        extract_dataset([utterance("gone", missing)], MEL, PROSODY, FeatureCache(tmp_path / "c"),
                        tmp_path / "i.csv")


def test_too_short_file_is_an_error_naming_it(tmp_path: Path) -> None:
    short = write_tone(tmp_path / "click.wav", 0.5 * np.ones(400), 22050)
    with pytest.raises(InputError) as err:
        extract_utterance(short, MEL, PROSODY)
    assert str(err.value) == (
        f"{short}: cannot compute features (audio has 400 samples; the centred STFT needs more "
        "than n_fft // 2 = 512). Fix: drop this utterance from the manifest or fix its audio")


def test_index_mean_f0_is_the_mean_over_voiced_frames(tmp_path: Path,
                                                      corpus: list[Utterance]) -> None:
    cache = FeatureCache(tmp_path / "cache")
    extract_dataset(corpus[:1], MEL, PROSODY, cache, tmp_path / "index.csv")
    _, key, _, mean_f0, _ = read_index(tmp_path / "index.csv")[1]
    f0 = cache.get(key)["f0"]
    assert float(mean_f0) == pytest.approx(float(f0[f0 > 0].mean()), abs=5e-4)
    assert math.isfinite(float(mean_f0))
