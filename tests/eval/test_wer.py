"""WER/CER counts against hand counts and an independent edit distance; the metric's logic.

The metric tests here use a fake ASR backend (a table from file to transcript), so they
check the counting, normalization and corpus arithmetic without running a recognizer;
tests/eval/test_asr.py runs the real backends end to end.
"""

import random
from typing import ClassVar

import pytest

import mvc.eval.wer as wer_module
from mvc.errors import InputError
from mvc.eval.asr import Transcript
from mvc.eval.base import ScoreItem
from mvc.eval.text_norm import TEXT_NORMALIZER_VERSION
from mvc.eval.wer import (
    METRICS,
    ErrorCounts,
    WerMetric,
    char_errors,
    corpus_cer,
    corpus_wer,
    mean_utterance_wer,
    word_errors,
)


@pytest.mark.parametrize(("reference", "hypothesis", "expected"), [
    # (S, D, I, H), counted by hand; each alignment is the unique cheapest one.
    ("the cat sat on the mat", "the cat sit on the mat", (1, 0, 0, 5)),
    ("the cat sat on the mat", "the cat on the mat", (0, 1, 0, 5)),
    ("the cat sat on the mat", "the big cat sat on the mat", (0, 0, 1, 6)),
    # two -> too (S), four missing (D), seven added (I)
    ("one two three four five six", "one too three five six seven", (1, 1, 1, 4)),
    ("the cat sat", "", (0, 3, 0, 0)),
    ("yes", "yes yes yes", (0, 0, 2, 1)),
])
def test_word_errors_match_hand_counts(reference, hypothesis, expected):
    counts = word_errors(reference, hypothesis)
    assert (counts.substitutions, counts.deletions, counts.insertions, counts.hits) == expected
    s, d, i, h = expected
    assert counts.reference_length == len(reference.split())
    assert counts.rate == pytest.approx((s + d + i) / (s + d + h))


def test_word_rates_of_the_hand_cases():
    assert word_errors("one two three four five six", "one too three five six seven").rate == 0.5
    assert word_errors("the cat sat", "").rate == 1.0
    assert word_errors("yes", "yes yes yes").rate == 2.0  # insertions can push WER above 1


@pytest.mark.parametrize(("reference", "hypothesis", "expected"), [
    ("kitten", "sitting", (2, 0, 1, 4)),  # k->s, e->i, +g
    ("speech", "spich", (1, 1, 0, 4)),
    ("a cat", "a hat", (1, 0, 0, 4)),  # the space is a character: N = 5
    # t, h deleted; e -> a; " red car" matches; t added
    ("the red car", "a red cart", (1, 2, 1, 8)),
    ("the cat", "", (0, 7, 0, 0)),
])
def test_char_errors_match_hand_counts(reference, hypothesis, expected):
    counts = char_errors(reference, hypothesis)
    assert (counts.substitutions, counts.deletions, counts.insertions, counts.hits) == expected
    assert counts.reference_length == len(reference)


def _levenshtein(a: list[str], b: list[str]) -> int:
    """Textbook dynamic-programming edit distance, independent of jiwer."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, start=1):
        current = [i]
        for j, y in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def test_word_errors_agree_with_an_independent_edit_distance():
    rng = random.Random(5)
    vocabulary = ["a", "b", "c", "d"]
    for _ in range(200):
        reference = [rng.choice(vocabulary) for _ in range(rng.randint(1, 9))]
        hypothesis = [rng.choice(vocabulary) for _ in range(rng.randint(0, 9))]
        counts = word_errors(" ".join(reference), " ".join(hypothesis))
        assert counts.errors == _levenshtein(reference, hypothesis)
        assert counts.hits + counts.substitutions + counts.deletions == len(reference)
        assert counts.hits + counts.substitutions + counts.insertions == len(hypothesis)


def test_rate_of_an_empty_reference_is_refused():
    with pytest.raises(ValueError, match="undefined"):
        _ = ErrorCounts(0, 0, 2, 0).rate


class FakeAsr:
    """A stand-in backend: transcripts from a table; English only, like pocketsphinx. With
    `flags`, it flags the transcripts whose file is in `flags` (reason: the value)."""

    name: ClassVar[str] = "fake"

    def __init__(self, transcripts: dict[str, str], flags: dict[str, str] | None = None) -> None:
        self.transcripts = transcripts
        self.flags = flags
        self.flags_hallucinations = flags is not None
        self.calls: list[str] = []

    def settings(self):
        return {"asr_backend": self.name}

    def unavailable(self, language):
        return None if language.startswith("en") else "fake speaks English only"

    def transcribe(self, audio_path, language):
        self.calls.append(str(audio_path))
        return Transcript(self.transcripts[str(audio_path)],
                          (self.flags or {}).get(str(audio_path), ""))


@pytest.fixture
def fake_metric(monkeypatch):
    def make(transcripts: dict[str, str],
             flags: dict[str, str] | None = None) -> tuple[WerMetric, FakeAsr]:
        backend = FakeAsr(transcripts, flags)
        monkeypatch.setattr(wer_module, "make_backend", lambda *args: backend)
        return WerMetric(), backend
    return make


def test_metric_row_normalizes_both_sides_and_counts(fake_metric):
    metric, _ = fake_metric({"a.wav": "i have twenty five apples"})
    row = metric.score(ScoreItem("u1", "a.wav", "I have 25 apples.", "en-us"))
    assert list(row) == list(metric.columns)
    assert row["hypothesis"] == "i have twenty five apples"
    assert row["hypothesis_normalized"] == row["reference_normalized"] == "i have 25 apples"
    assert (row["substitutions"], row["deletions"], row["insertions"], row["hits"]) == (0, 0, 0, 4)
    assert row["reference_words"] == 4 and row["wer"] == 0.0
    assert row["reference_chars"] == len("i have 25 apples") and row["cer"] == 0.0


def test_empty_hypothesis_is_a_valid_row_of_deletions(fake_metric):
    metric, _ = fake_metric({"a.wav": ""})
    row = metric.score(ScoreItem("u1", "a.wav", "Good morning, everyone.", "en-us"))
    assert (row["deletions"], row["reference_words"], row["wer"]) == (3, 3, 1.0)
    assert (row["char_deletions"], row["reference_chars"], row["cer"]) == (21, 21, 1.0)


def test_a_flagged_transcript_is_scored_as_empty_and_keeps_its_text(fake_metric):
    """The looped tiny.en text on a mute output: 30 x 8 words against a 5-word reference
    would be WER 48 as text; flagged, it is 5 deletions and WER 1 ("nothing was said")."""
    loop = " ".join(["i do not know how to do it"] * 30)
    metric, _ = fake_metric({"mute.wav": loop, "ok.wav": "please call me tomorrow morning"},
                            flags={"mute.wav": "repeated 3-gram ratio 0.97 > 0.5"})
    assert metric.columns[-2:] == ("hallucination", "hallucination_reason")
    mute = metric.score(ScoreItem("m", "mute.wav", "Please call me tomorrow morning.", "en-us"))
    assert list(mute) == list(metric.columns)
    assert mute["hypothesis"] == loop and mute["hypothesis_normalized"] == ""
    assert (mute["deletions"], mute["insertions"], mute["hits"], mute["wer"]) == (5, 0, 0, 1.0)
    assert (mute["char_deletions"], mute["char_insertions"], mute["cer"]) == (31, 0, 1.0)
    assert (mute["hallucination"], mute["hallucination_reason"]) == (
        1, "repeated 3-gram ratio 0.97 > 0.5")
    ok = metric.score(ScoreItem("o", "ok.wav", "Please call me tomorrow morning.", "en-us"))
    assert (ok["wer"], ok["hallucination"], ok["hallucination_reason"]) == (0.0, 0, "")


def test_backends_without_flags_add_no_flag_columns(fake_metric):
    metric, _ = fake_metric({"a.wav": "hello there"})
    assert "hallucination" not in metric.columns
    assert "hallucination" not in metric.score(ScoreItem("u", "a.wav", "Hello there.", "en-us"))


def test_empty_reference_after_normalization_names_the_utterance(fake_metric):
    metric, backend = fake_metric({"a.wav": "anything"})
    with pytest.raises(InputError, match=r"utterance u7: reference text '\[noise\] \.\.\.'"):
        metric.score(ScoreItem("u7", "a.wav", "[noise] ...", "en-us"))
    assert backend.calls == []  # refused before spending time on ASR


def test_corpus_wer_weights_by_length_unlike_the_mean_of_utterances(fake_metric):
    metric, _ = fake_metric({"long.wav": "the quick brown fox jumps over the lazy old dig",
                             "short.wav": ""})
    rows = [metric.score(ScoreItem("long", "long.wav",
                                   "The quick brown fox jumps over the lazy old dog.", "en-us")),
            metric.score(ScoreItem("short", "short.wav", "Hello there.", "en-us"))]
    assert [row["wer"] for row in rows] == [0.1, 1.0]
    assert corpus_wer(rows) == pytest.approx(3 / 12)  # 1 substitution + 2 deletions, 12 words
    assert mean_utterance_wer(rows) == pytest.approx(0.55)
    # CER: "dog" -> "dig" is 1 of 47 characters; "hello there" is 11 deletions
    assert corpus_cer(rows) == pytest.approx((1 + 11) / (47 + 11))


def test_corpus_functions_refuse_no_rows():
    with pytest.raises(ValueError, match="no scored utterances"):
        corpus_wer([])
    with pytest.raises(ValueError, match="no scored utterances"):
        mean_utterance_wer([])


def test_corpus_wer_accepts_rows_read_back_as_strings():
    rows = [{"substitutions": "1", "deletions": "0", "insertions": "2", "reference_words": "6"}]
    assert corpus_wer(rows) == 0.5


def test_unavailable_language_comes_from_the_backend(fake_metric):
    metric, _ = fake_metric({})
    assert metric.unavailable("en-us") is None
    assert metric.unavailable("es") == "fake speaks English only"


def test_settings_record_normalizer_and_backend(fake_metric):
    metric, _ = fake_metric({})
    settings = metric.settings()
    assert settings["asr_backend"] == "fake"
    assert settings["text_normalizer_version"] == TEXT_NORMALIZER_VERSION
    assert settings["cer_spaces"] == "counted"
    assert METRICS["wer"] is WerMetric and len(METRICS) == 1
    assert WerMetric.needs_reference_audio is False


def test_unknown_backend_is_an_input_error():
    with pytest.raises(InputError, match="unknown ASR backend 'kaldi'"):
        WerMetric(backend="kaldi")
