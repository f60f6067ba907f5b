"""Training data from the data stage's files: padded batches and masks, and stale or bad files
named with their fix."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from mvc.errors import InputError
from mvc.features.cache import FeatureCache
from mvc.text.symbols import SymbolTable
from mvc.train.dataset import DatasetFiles, load_examples, load_training_set

N_SYMBOLS = len(SymbolTable.load().symbols)


def copy_dataset(files: DatasetFiles, dest: Path) -> DatasetFiles:
    shutil.copytree(files.manifest.parent, dest)
    return DatasetFiles(dest / files.manifest.name, dest / files.phonemes.name,
                        dest / files.features.name)


def rewrite_csv(path: Path, edit) -> None:
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    rows = edit(rows)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_a_batch_is_padded_at_the_end_with_matching_masks(tiny_dataset):
    data, excluded = load_training_set([tiny_dataset], tiny_dataset.manifest.parent / "cache",
                                       N_SYMBOLS, None)
    assert len(data) == 8 and excluded == []
    batch = data.batch([1, 6, 3])
    cache = FeatureCache(tiny_dataset.manifest.parent / "cache")
    examples = [data.examples[i] for i in (1, 6, 3)]
    assert batch.utt_ids == ["utt1", "utt6", "utt3"]
    longest = max(e.n_frames for e in examples)
    assert batch.mel.shape == (3, 20, longest) and batch.f0.shape == (3, longest)
    assert batch.phonemes.shape == (3, max(len(e.token_ids) for e in examples))
    for b, example in enumerate(examples):
        arrays = cache.get(example.feature_key)
        n, t = example.n_frames, len(example.token_ids)
        assert batch.mel_lengths[b] == n and batch.phoneme_lengths[b] == t
        np.testing.assert_array_equal(batch.mel[b, :, :n].numpy(), arrays["mel"])
        np.testing.assert_array_equal(batch.f0[b, :n].numpy(), arrays["f0"])
        np.testing.assert_array_equal(batch.energy[b, :n].numpy(), arrays["energy"])
        assert batch.phonemes[b, :t].tolist() == list(example.token_ids)
        assert not batch.phonemes[b, t:].any() and not batch.mel[b, :, n:].any()
        assert batch.frame_mask()[b].sum() == n and batch.phoneme_mask()[b].sum() == t
        assert batch.frame_mask()[b, :n].all()
    assert batch.phonemes.dtype == torch.long and batch.mel.dtype == torch.float32


def test_the_token_ids_are_the_phoneme_tables(tiny_dataset):
    with tiny_dataset.phonemes.open(newline="") as f:
        table = {r["utt_id"]: [int(t) for t in r["token_ids"].split()] for r in csv.DictReader(f)}
    for example in load_examples(tiny_dataset, N_SYMBOLS):
        assert list(example.token_ids) == table[example.utt_id]


def test_only_the_train_split_and_utterances_within_max_frames_are_used(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    rewrite_csv(files.manifest, lambda rows: [{**r, "split": "test" if r["utt_id"] == "utt0"
                                               else r["split"]} for r in rows])
    lengths = {e.utt_id: e.n_frames for e in load_examples(tiny_dataset, N_SYMBOLS)}
    limit = sorted(lengths.values())[-2]
    data, excluded = load_training_set([files], files.manifest.parent / "cache", N_SYMBOLS,
                                       limit)
    assert "utt0" not in [e.utt_id for e in data.examples + excluded]
    assert [e.utt_id for e in excluded] == [max(lengths, key=lengths.get)]
    assert all(e.n_frames <= limit for e in data.examples)


def test_features_of_other_utterances_than_the_manifest_are_named_stale(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    rewrite_csv(files.features, lambda rows: [{**r, "utt_id": "ghost"} if r["utt_id"] == "utt2"
                                              else r for r in rows])
    with pytest.raises(InputError, match="ids not in the manifest \\['ghost'\\]") as err:
        load_examples(files, N_SYMBOLS)
    assert err.value.where == str(files.features)
    assert "stale" in err.value.fix and f"snakemake {files.features}" in err.value.fix


def test_a_phoneme_table_missing_a_row_is_named(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    rewrite_csv(files.phonemes, lambda rows: rows[:-1])
    with pytest.raises(InputError, match="manifest ids it lacks \\['utt7'\\]") as err:
        load_examples(files, N_SYMBOLS)
    assert err.value.where == str(files.phonemes)


def test_a_token_id_outside_the_symbol_table_is_an_error(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    rewrite_csv(files.phonemes, lambda rows: [{**r, "token_ids": f"{r['token_ids']} {N_SYMBOLS}"}
                                              for r in rows])
    with pytest.raises(InputError, match=f"token ids \\[{N_SYMBOLS}\\] outside"):
        load_examples(files, N_SYMBOLS)


def test_a_missing_cache_entry_names_the_file_and_the_fix(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    data, _ = load_training_set([files], files.manifest.parent / "cache", N_SYMBOLS, None)
    path = data.cache.path(data.examples[0].feature_key)
    path.unlink()
    with pytest.raises(InputError, match="feature cache entry of 'utt0' is missing") as err:
        data.batch([0, 1])
    assert err.value.where == str(path)


def test_missing_data_stage_output_says_to_run_it(tiny_dataset, tmp_path):
    files = copy_dataset(tiny_dataset, tmp_path / "d")
    files.features.unlink()
    with pytest.raises(InputError, match="file not found") as err:
        load_examples(files, N_SYMBOLS)
    assert "snakemake" in err.value.fix
