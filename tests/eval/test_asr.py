"""ASR backends end to end: pocketsphinx on espeak-ng speech, Whisper from a local file.

The Whisper model here is a real `whisper.model.Whisper` with tiny dimensions and random
weights, saved in Whisper's checkpoint format: its transcripts are gibberish, but loading,
decoding with a forced language and the offline guarantee are the real code paths.
"""

import hashlib
from dataclasses import asdict

import numpy as np
import pytest
import soundfile as sf
import torch

from mvc.audio import load, save
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.asr import WhisperAsr, WhisperSettings
from mvc.eval.base import ScoreItem
from mvc.eval.wer import WerMetric, corpus_wer, word_errors

# Plain sentences, as in DESIGN.md's measurement (espeak-ng en-us+f2 at 150 words/min).
SENTENCES = [
    "The sun was shining on the sea.",
    "Please call me tomorrow morning.",
    "The children played in the park after school.",
    "We will need more water for the trip.",
    "She opened the door and walked into the room.",
]
# DESIGN.md measured a corpus WER of 0.25 for this voice on 16 sentences; per-sentence WER
# ranges from 0 to 0.75, so five sentences can land well above 0.25 (these: 12/37 = 0.32).
# A broken pipeline (wrong sample rate or sample scaling) gives about 1.0; 0.6 separates them.
WER_BOUND = 0.6
POCKETSPHINX_REASON = ("pocketsphinx ships only an English model; configure a local Whisper "
                       "checkpoint")


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    """The sentences spoken by espeak-ng en-us+f2, as 22.05 kHz wav files."""
    root = tmp_path_factory.mktemp("speech")
    items = []
    for index, text in enumerate(SENTENCES):
        audio, sample_rate = synthesize(text, Voice("en-us+f2"))
        path = root / f"s{index}.wav"
        save(path, audio, sample_rate)
        items.append(ScoreItem(f"s{index}", str(path), text, "en-us"))
    return items


@pytest.fixture(scope="module")
def sphinx():
    return WerMetric(backend="pocketsphinx")


@pytest.fixture(scope="module")
def sphinx_rows(sphinx, speech):
    return [sphinx.score(item) for item in speech]


def test_pocketsphinx_recognizes_espeak_speech_better_than_mismatched_text(sphinx_rows):
    wer = corpus_wer(sphinx_rows)
    assert wer < WER_BOUND
    # The same transcripts scored against the wrong sentences: what unrelated text gets.
    references = [row["reference_normalized"] for row in sphinx_rows]
    hypotheses = [row["hypothesis_normalized"] for row in sphinx_rows]
    shifted = [word_errors(ref, hypotheses[(i + 1) % len(hypotheses)])
               for i, ref in enumerate(references)]
    mismatched = sum(c.errors for c in shifted) / sum(c.reference_length for c in shifted)
    assert mismatched > 0.8
    assert wer < mismatched / 2


def test_pocketsphinx_is_deterministic_and_independent_of_order(sphinx, speech, sphinx_rows):
    again = [sphinx.score(item) for item in reversed(speech[:2])]
    assert again == list(reversed(sphinx_rows[:2]))


def test_pocketsphinx_is_english_only(sphinx, speech):
    assert sphinx.unavailable("en-us") is None
    for language in ("es", "de", "fr-fr"):
        assert sphinx.unavailable(language) == POCKETSPHINX_REASON
    spanish = ScoreItem("x", speech[0].audio_path, "Hola.", "es")
    with pytest.raises(InputError, match="pocketsphinx ships only an English model"):
        sphinx.score(spanish)


def test_pocketsphinx_settings_hash_the_shipped_model(sphinx):
    from pocketsphinx import get_model_path

    settings = sphinx.settings()
    assert settings["asr_backend"] == "pocketsphinx"
    assert len(settings["pocketsphinx_model_sha256"]) == 64
    assert get_model_path() not in str(settings)  # a location is not a setting


def test_other_sample_rates_are_resampled(sphinx, speech, sphinx_rows, tmp_path):
    # The fixture's files are 22.05 kHz (resampled on load); this one is at the model's rate.
    path = tmp_path / "16k.wav"
    sf.write(path, load(speech[1].audio_path, 16000)[0], 16000, subtype="FLOAT")
    assert sf.info(speech[1].audio_path).samplerate == 22050
    row = sphinx.score(ScoreItem("r", str(path), speech[1].text, "en-us"))
    assert row["hypothesis"] == sphinx_rows[1]["hypothesis"]


def test_silent_missing_and_nan_audio_are_input_errors(sphinx, tmp_path):
    silent = tmp_path / "silent.wav"
    save(silent, np.zeros(16000, dtype=np.float32), 16000)
    with pytest.raises(InputError, match=r"silent\.wav: audio is silent"):
        sphinx.score(ScoreItem("u", str(silent), "Hello there.", "en-us"))
    with pytest.raises(InputError, match=r"missing\.wav: audio file not found"):
        sphinx.score(ScoreItem("u", str(tmp_path / "missing.wav"), "Hello there.", "en-us"))
    nan = tmp_path / "nan.wav"
    samples = np.full(16000, 0.1, dtype=np.float32)
    samples[100] = np.nan
    sf.write(nan, samples, 16000, subtype="FLOAT")
    with pytest.raises(InputError, match=r"nan\.wav: audio contains NaN"):
        sphinx.score(ScoreItem("u", str(nan), "Hello there.", "en-us"))


def _check_counts(row):
    assert row["hits"] + row["substitutions"] + row["deletions"] == row["reference_words"]
    assert row["hits"] + row["substitutions"] + row["insertions"] == len(
        row["hypothesis_normalized"].split())
    errors = row["substitutions"] + row["deletions"] + row["insertions"]
    assert row["wer"] == errors / row["reference_words"]


def test_short_clipped_and_noise_audio_give_valid_rows(sphinx, speech, tmp_path):
    audio, sample_rate = load(speech[4].audio_path)
    short = tmp_path / "short.wav"
    save(short, audio[: sample_rate // 10], sample_rate)
    row = sphinx.score(ScoreItem("short", str(short), speech[4].text, "en-us"))
    _check_counts(row)
    assert row["wer"] >= 0.8  # a tenth of a second cannot hold a nine-word sentence
    speech_1, _ = load(speech[1].audio_path)
    clipped = tmp_path / "clipped.wav"
    save(clipped, np.clip(speech_1 * 4, -1, 1), sample_rate)  # 6 % of the samples clipped
    _check_counts(sphinx.score(ScoreItem("clipped", str(clipped), speech[1].text, "en-us")))
    noise = tmp_path / "noise.wav"
    save(noise, np.random.default_rng(0).uniform(-0.3, 0.3, 16000).astype(np.float32), 16000)
    _check_counts(sphinx.score(ScoreItem("noise", str(noise), "Hello there.", "en-us")))


# --- Whisper ---------------------------------------------------------------------------


def _toy_whisper(path, n_vocab: int) -> None:
    """A real Whisper with tiny dimensions and random weights, in Whisper's file format.

    n_audio_ctx must stay 1500 (30 s of 10 ms frames, halved by the conv stem); n_text_ctx
    16 caps decoding at 8 tokens, which keeps the test fast.
    """
    from whisper.model import ModelDimensions, Whisper

    torch.manual_seed(0)
    dims = ModelDimensions(n_mels=80, n_audio_ctx=1500, n_audio_state=16, n_audio_head=2,
                           n_audio_layer=1, n_vocab=n_vocab, n_text_ctx=16, n_text_state=16,
                           n_text_head=2, n_text_layer=1)
    torch.save({"dims": asdict(dims), "model_state_dict": Whisper(dims).state_dict()}, path)


MULTILINGUAL_VOCAB = 51865  # Whisper's multilingual tokenizer; one fewer: English-only


@pytest.fixture(scope="module")
def toy_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("whisper") / "toy.pt"
    _toy_whisper(path, MULTILINGUAL_VOCAB)
    return path


def test_whisper_transcribes_offline_from_a_local_checkpoint(no_network, toy_checkpoint,
                                                             speech):
    metric = WerMetric(backend="whisper", whisper={"checkpoint": str(toy_checkpoint)})
    row = metric.score(speech[0])
    assert isinstance(row["hypothesis"], str)
    assert row["reference_words"] == 7
    settings = metric.settings()
    assert settings["whisper_checkpoint_sha256"] == hashlib.sha256(
        toy_checkpoint.read_bytes()).hexdigest()
    assert settings["whisper_checkpoint"] == "toy.pt"
    assert settings["whisper_precision"] == "fp32" and settings["whisper_temperature"] == 0.0
    assert metric.score(speech[0]) == row  # deterministic


def test_whisper_forces_the_items_language(no_network, toy_checkpoint, speech, monkeypatch):
    from whisper.model import Whisper

    seen = []
    decode = Whisper.decode

    def spy(self, mel, options):
        seen.append((options.language, options.fp16, options.temperature))
        return decode(self, mel, options)

    def refuse(*args, **kwargs):
        raise AssertionError("language detection ran")

    monkeypatch.setattr(Whisper, "decode", spy)
    monkeypatch.setattr(Whisper, "detect_language", refuse)
    asr = WhisperAsr(WhisperSettings(checkpoint=str(toy_checkpoint)))
    for language, code in (("de", "de"), ("fr-fr", "fr"), ("en-us", "en")):
        seen.clear()
        assert isinstance(asr.transcribe(speech[0].audio_path, language).text, str)
        assert seen and set(seen) == {(code, False, 0.0)}
    assert asr.unavailable("es") is None
    assert asr.unavailable("xx") == "Whisper has no language 'xx' (from 'xx')"


def test_whisper_missing_checkpoint_says_where_and_how(tmp_path):
    missing = tmp_path / "large-v3.pt"
    with pytest.raises(InputError, match=r"large-v3\.pt: Whisper checkpoint not found\. Fix: copy"):
        WerMetric(backend="whisper", whisper={"checkpoint": str(missing)})
    with pytest.raises(InputError, match="exactly one of `checkpoint` and `model`"):
        WerMetric(backend="whisper", whisper={})
    with pytest.raises(InputError, match="unknown keys"):
        WerMetric(backend="whisper", whisper={"checkpont": str(missing)})


def test_whisper_model_name_is_looked_up_only_in_the_cache(no_network, toy_checkpoint,
                                                          tmp_path, monkeypatch):
    import whisper

    sha = hashlib.sha256(toy_checkpoint.read_bytes()).hexdigest()
    monkeypatch.setitem(whisper._MODELS, "toy", f"https://example.invalid/{sha}/toy.pt")
    settings = {"model": "toy", "download_root": str(tmp_path)}
    with pytest.raises(InputError, match="Whisper model 'toy' is not in the local cache"):
        WerMetric(backend="whisper", whisper=settings)
    (tmp_path / "toy.pt").write_bytes(toy_checkpoint.read_bytes())
    metric = WerMetric(backend="whisper", whisper=settings)
    assert metric.settings()["whisper_checkpoint_sha256"] == sha
    monkeypatch.setitem(whisper._MODELS, "toy", f"https://example.invalid/{'0' * 64}/toy.pt")
    with pytest.raises(InputError, match="differs from the official 'toy' checkpoint"):
        WerMetric(backend="whisper", whisper=settings)
    with pytest.raises(InputError, match="unknown Whisper model 'huge'"):
        WerMetric(backend="whisper", whisper={"model": "huge"})


def test_english_only_whisper_is_unavailable_for_other_languages(tmp_path):
    path = tmp_path / "toy.en.pt"
    _toy_whisper(path, MULTILINGUAL_VOCAB - 1)
    asr = WhisperAsr(WhisperSettings(checkpoint=str(path)))
    assert asr.unavailable("en-us") is None
    assert asr.unavailable("es") == ("the Whisper checkpoint toy.en.pt is English-only; "
                                     "configure a multilingual checkpoint")
