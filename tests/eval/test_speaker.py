"""Speaker similarity: resemblyzer's packaged encoder, cosine checked against a direct use."""

import hashlib
import itertools

import numpy as np
import pytest
import soundfile as sf
import torch
from scipy.signal import resample_poly

from mvc.audio import save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.base import ScoreItem
from mvc.eval.speaker import (  # resemblyzer's, imported there without its scipy warning
    WEIGHTS,
    SpeakerSimilarity,
    VoiceEncoder,
    preprocess_wav,
)
from mvc.eval.threads import torch_threads

TEXTS = ("The quick brown fox jumps over the lazy dog near the river bank today.",
         "Please call Stella and ask her to bring these things with her from the store.")
VOICES = {"f2": Voice("en-us+f2"), "m3": Voice("en-us+m3", pitch=20)}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Each voice saying each text: f2_0, f2_1, m3_0, m3_1 (22.05 kHz)."""
    root = tmp_path_factory.mktemp("speaker")
    paths = {}
    for (name, voice), (i, text) in itertools.product(VOICES.items(), enumerate(TEXTS)):
        audio, sr = synthesize(text, voice)
        paths[f"{name}_{i}"] = str(root / f"{name}_{i}.wav")
        save(paths[f"{name}_{i}"], audio, sr)
    return paths


@pytest.fixture(scope="module")
def metric():
    return SpeakerSimilarity()


@pytest.fixture(scope="module")
def embeddings(metric, files):
    return {name: metric.embed(path) for name, path in files.items()}


def item(path: str, reference: str) -> ScoreItem:
    return ScoreItem(utt_id="u", audio_path=path, text=TEXTS[0], language="en-us",
                     reference_audio=reference)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.sqrt((a @ a) * (b @ b)))


def test_same_file_scores_one_and_torch_threads_are_restored(metric, files):
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        score = metric.score(item(files["f2_0"], files["f2_0"]))["speaker_sim"]
        assert torch.get_num_threads() == 3
        with torch_threads(1):
            assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    assert score == pytest.approx(1.0, abs=1e-6)


def test_same_voice_is_more_similar_than_another_voice(embeddings):
    same = [cos(embeddings[f"{v}_0"], embeddings[f"{v}_1"]) for v in VOICES]
    cross = [cos(embeddings[f"f2_{i}"], embeddings[f"m3_{j}"]) for i in (0, 1) for j in (0, 1)]
    print(f"same voice {same}, different voices {cross}")
    assert min(same) > max(cross) + 0.1


def test_score_is_the_symmetric_cosine_of_the_embeddings(metric, files, embeddings):
    forward = metric.score(item(files["f2_0"], files["m3_1"]))["speaker_sim"]
    backward = metric.score(item(files["m3_1"], files["f2_0"]))["speaker_sim"]
    assert forward == backward
    assert forward == pytest.approx(cos(embeddings["f2_0"], embeddings["m3_1"]), abs=1e-6)
    assert -1.0 <= forward <= 1.0


def test_equals_resemblyzer_used_directly_on_16k_files(metric, tmp_path):
    paths = []
    for i, text in enumerate(TEXTS):
        audio, sr = synthesize(text, VOICES["f2"])
        paths.append(str(tmp_path / f"{i}.wav"))
        save(paths[-1], resample_poly(audio, 16000, sr).astype(np.float32), 16000)
    encoder = VoiceEncoder("cpu", verbose=False)
    with torch_threads(1):  # two threads crawl when other jobs hold the cores
        a, b = (encoder.embed_utterance(preprocess_wav(sf.read(p, dtype="float32")[0]))
                for p in paths)
    assert metric.score(item(*paths))["speaker_sim"] == pytest.approx(cos(a, b), abs=1e-5)


def test_unusable_audio_is_an_input_error(metric, files, tmp_path):
    sr = 16000
    save(tmp_path / "silent.wav", np.zeros(sr, dtype=np.float32), sr)
    tone = 0.5 * np.sin(2 * np.pi * 220 * np.arange(sr // 10) / sr).astype(np.float32)
    save(tmp_path / "short.wav", tone, sr)
    with pytest.raises(InputError, match="silent"):
        metric.score(item(str(tmp_path / "silent.wav"), files["f2_0"]))
    with pytest.raises(InputError, match=r"short.wav: 0.00 s of speech left"):
        metric.score(item(files["f2_0"], str(tmp_path / "short.wav")))
    with pytest.raises(InputError, match="not found"):
        metric.score(item(files["f2_0"], str(tmp_path / "absent.wav")))
    with pytest.raises(InputError, match="no reference audio"):
        metric.score(item(files["f2_0"], ""))


def test_settings_record_the_packaged_weights(metric):
    assert metric.needs_reference_audio
    settings = metric.settings()
    assert settings["weights_sha256"] == hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    assert settings["sample_rate"] == 16000 and settings["partial_rate"] == 1.3
    with pytest.raises(InputError, match="threads"):
        SpeakerSimilarity(threads=0)
