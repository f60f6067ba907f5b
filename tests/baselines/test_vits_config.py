"""The VITS adapter's pure parts: the VitsConfig built from our settings, the vocabulary
built from our symbol table, token ids, and the formatter on the data stage's real files."""

from __future__ import annotations

import csv

import pytest

from baselines.vits.config import vits_config
from baselines.vits.data import coqui_samples
from baselines.vits.tokens import vits_ids
from mvc.errors import InputError
from mvc.text.symbols import default_table
from tests.train.conftest import AUDIO, write_dataset

from .vits_settings import TINY_VITS

SYMBOLS = list(default_table().symbols)


@pytest.fixture(scope="module")
def tokenizer():
    from TTS.tts.utils.text.tokenizer import TTSTokenizer

    tokenizer, _ = TTSTokenizer.init_from_config(vits_config(AUDIO, TINY_VITS, SYMBOLS,
                                                             training=False))
    return tokenizer


def test_the_config_takes_our_audio_settings_and_overrides():
    cfg = vits_config(AUDIO, TINY_VITS, SYMBOLS, training=True)
    assert (cfg.audio.sample_rate, cfg.audio.fft_size, cfg.audio.win_length,
            cfg.audio.hop_length, cfg.audio.num_mels) == (16000, 512, 512, 128, 20)
    assert cfg.model_args.out_channels == 512 // 2 + 1
    assert cfg.model_args.hidden_channels == 16 and cfg.lr_gen == 2e-3
    assert cfg.model_args.init_discriminator
    assert not vits_config(AUDIO, TINY_VITS, SYMBOLS, training=False).model_args \
        .init_discriminator
    assert not cfg.use_phonemes and cfg.text_cleaner is None and cfg.add_blank


def test_the_vocabulary_is_our_symbol_table_after_pad_and_blank(tokenizer):
    characters = tokenizer.characters
    assert characters.num_chars == len(SYMBOLS) + 1
    assert characters.id_to_char(0) == "<PAD>" and characters.id_to_char(1) == "<BLNK>"
    for k in (1, 2, len(SYMBOLS) - 1):
        assert characters.char_to_id(SYMBOLS[k]) == k + 1


def test_token_ids_map_by_symbol_with_blanks_around_and_between(tokenizer):
    ours = default_table().encode("həloʊ")
    ids = vits_ids(ours, SYMBOLS, tokenizer, "test")
    assert ids[0::2] == [1] * (len(ours) + 1)
    assert tokenizer.decode(ids[1::2]) == "həloʊ"


@pytest.mark.parametrize(("token_ids", "message"), [
    ([], "no phoneme tokens"),
    ([3, len(SYMBOLS)], f"token id {len(SYMBOLS)} is outside"),
    ([0], "token id 0 is outside"),
])
def test_bad_token_ids_are_input_errors(tokenizer, token_ids, message):
    with pytest.raises(InputError, match=message):
        vits_ids(token_ids, SYMBOLS, tokenizer, "utterance 'x'")


def test_a_symbol_table_grown_after_training_is_an_input_error(tokenizer):
    with pytest.raises(InputError, match="retrain VITS"):
        vits_ids([len(SYMBOLS) - 1], SYMBOLS[:-1], tokenizer, "utterance 'x'")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"model_argz": {}}, r"unknown or unsupported field\(s\) \['model_argz'\]"),
    ({"use_phonemes": True}, "unknown or unsupported"),
    ({"model_args": {"hidden_chanels": 8}}, "unknown VitsArgs field"),
    ({"model_args": {"num_chars": 8}}, "set by the adapter"),
    ({"model_args": {"use_speaker_embedding": True}}, "speaker-agnostic"),
    ({"model_args": {"upsample_rates_decoder": [8, 8, 4]}}, "multiply to 256, not audio"),
])
def test_bad_overrides_are_input_errors_naming_the_field(overrides, message):
    with pytest.raises(InputError, match=message):
        vits_config(AUDIO, overrides, SYMBOLS, training=True)


def test_the_formatter_reads_the_data_stage_files(tmp_path):
    files = write_dataset(tmp_path, n=5)
    samples = coqui_samples(files, len(SYMBOLS))
    with files.phonemes.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [s.audio_unique_name for s in samples] == [f"manifest#utt{i}" for i in range(5)]
    for sample, row in zip(samples, table, strict=True):
        assert sample.text == row["phonemes"]
        assert list(sample.token_ids) == [int(t) for t in row["token_ids"].split()]
        assert default_table().decode(sample.token_ids) == sample.text
        assert sample.as_coqui()["audio_file"].endswith(f"{row['utt_id']}.wav")
        assert sample.speaker_name in ("spk0", "spk1") and sample.language == "en-us"
    assert coqui_samples(files, len(SYMBOLS), split="test") == []
