"""The feature cache: keyed by content (not path), round-trips arrays, writes atomically."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pytest

from mvc.errors import InputError
from mvc.features import cache as cache_module
from mvc.features.cache import FeatureCache, content_key

SETTINGS = {"mel": {"n_mels": 80, "hop_length": 256, "f_max": None}, "prosody": {"f0": "dio"}}


def write_bytes(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_key_is_sha256_of_canonical_record(tmp_path: Path) -> None:
    audio = write_bytes(tmp_path / "a.wav", b"RIFF fake audio bytes")
    record = {"audio_sha256": hashlib.sha256(b"RIFF fake audio bytes").hexdigest(),
              "settings": SETTINGS, "version": "1"}
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"))

    assert content_key(audio, SETTINGS, "1") == hashlib.sha256(canonical.encode()).hexdigest()


def test_key_follows_content_not_path(tmp_path: Path) -> None:
    audio = write_bytes(tmp_path / "corpus" / "a.wav", bytes(range(256)) * 40)
    key = content_key(audio, SETTINGS, "1")

    (tmp_path / "elsewhere").mkdir()
    moved = audio.rename(tmp_path / "elsewhere" / "renamed.wav")
    assert content_key(moved, SETTINGS, "1") == key

    changed = bytearray(moved.read_bytes())
    changed[1000] ^= 0x01
    moved.write_bytes(bytes(changed))
    assert content_key(moved, SETTINGS, "1") != key


def test_key_changes_with_any_setting_or_version_but_not_key_order(tmp_path: Path) -> None:
    audio = write_bytes(tmp_path / "a.wav", b"same bytes")
    key = content_key(audio, SETTINGS, "1")
    reordered = {"prosody": {"f0": "dio"}, "mel": {"f_max": None, "hop_length": 256, "n_mels": 80}}
    one_setting = {**SETTINGS, "mel": {**SETTINGS["mel"], "hop_length": 300}}

    assert content_key(audio, reordered, "1") == key
    assert content_key(audio, one_setting, "1") != key
    assert content_key(audio, SETTINGS, "2") != key


def test_key_of_a_missing_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "gone.wav"
    with pytest.raises(InputError, match=f"^{re.escape(str(missing))}: cannot read the file"):
        content_key(missing, SETTINGS, "1")


def test_put_then_get_round_trips_arrays(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path / "cache")
    key = "ab" + "0" * 62
    arrays = {"mel": np.arange(12, dtype=np.float32).reshape(3, 4),
              "f0": np.array([0.0, 150.5, 151.25], dtype=np.float32)}
    assert cache.get(key) is None

    cache.put(key, arrays)
    got = cache.get(key)

    assert got is not None and sorted(got) == ["f0", "mel"]
    for name, value in arrays.items():
        assert got[name].dtype == value.dtype
        np.testing.assert_array_equal(got[name], value)
    assert [p.relative_to(tmp_path) for p in (tmp_path / "cache").rglob("*")] == [
        Path("cache/ab"), Path(f"cache/ab/{key}.npz")]


def test_failed_put_leaves_no_entry_and_no_temp_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def crash_midway(file, **arrays):
        file.write(b"PK partial zip")
        raise RuntimeError("disk full")

    cache = FeatureCache(tmp_path)
    key = "cd" + "1" * 62
    monkeypatch.setattr(cache_module.np, "savez", crash_midway)
    with pytest.raises(RuntimeError, match="disk full"):
        cache.put(key, {"f0": np.zeros(3)})

    assert list((tmp_path / "cd").iterdir()) == []
    assert cache.get(key) is None


def test_overwrite_replaces_the_entry(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = "ef" + "2" * 62
    cache.put(key, {"f0": np.zeros(3)})
    cache.put(key, {"f0": np.ones(5)})
    np.testing.assert_array_equal(cache.get(key)["f0"], np.ones(5))
    assert len(list((tmp_path / "ef").iterdir())) == 1


def test_corrupt_entry_names_the_file(tmp_path: Path) -> None:
    cache = FeatureCache(tmp_path)
    key = "12" + "3" * 62
    write_bytes(cache.path(key), b"not a zip archive")
    where = re.escape(str(cache.path(key)))
    with pytest.raises(InputError, match=f"^{where}: corrupt feature cache entry .*"
                                         "Fix: delete it; the next run recomputes it$"):
        cache.get(key)


def test_malformed_key_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cache keys are 64 lowercase hex digits"):
        FeatureCache(tmp_path).path("../../etc/passwd")
