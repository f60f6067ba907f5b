"""Atomic unpacking: a full disk mid-extraction or an archive without the expected tree
leaves nothing half-unpacked."""

from __future__ import annotations

import errno
import tarfile

import pytest

from mvc.errors import InputError
from mvc.fetch.sources import SourceFile
from mvc.fetch.unpack import unpack


def make_tar(tmp_path, n_files: int = 5):
    tree = tmp_path / "tree" / "LibriTTS" / "train-clean-100"
    tree.mkdir(parents=True)
    for i in range(n_files):
        (tree / f"{i}.txt").write_text(f"file {i}\n")
    archive = tmp_path / "train-clean-100.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tmp_path / "tree" / "LibriTTS", arcname="LibriTTS")
    return archive


FILE = SourceFile(url="http://x/train-clean-100.tar.gz", archive="tar.gz",
                  provides="LibriTTS/train-clean-100", size=None, sha256=None, md5=None,
                  checksum_from=None)


def test_unpack_places_the_product(tmp_path):
    corpus = tmp_path / "resources" / "libritts"
    corpus.mkdir(parents=True)
    target = unpack(make_tar(tmp_path), FILE, corpus)
    assert target == corpus / "LibriTTS" / "train-clean-100"
    assert sorted(p.name for p in target.iterdir()) == [f"{i}.txt" for i in range(5)]
    assert [p.name for p in corpus.iterdir()] == ["LibriTTS"]  # no staging left


def test_disk_full_leaves_no_half_unpacked_corpus(tmp_path, monkeypatch):
    archive = make_tar(tmp_path)
    corpus = tmp_path / "resources" / "libritts"
    corpus.mkdir(parents=True)
    real_copy = tarfile.copyfileobj
    written = []

    def copy_until_full(*args, **kwargs):
        if len(written) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_copy(*args, **kwargs)
        written.append(1)

    monkeypatch.setattr(tarfile, "copyfileobj", copy_until_full)
    with pytest.raises(InputError, match="disk full while unpacking") as err:
        unpack(archive, FILE, corpus)
    assert "nothing was left half-unpacked" in str(err.value)
    assert len(written) == 2  # the failure came mid-archive, after files were written
    assert list(corpus.iterdir()) == []
    assert archive.exists()  # verified once: the next run unpacks it without downloading


def test_an_archive_without_the_product_is_an_error(tmp_path):
    corpus = tmp_path / "resources" / "libritts"
    corpus.mkdir(parents=True)
    wrong = SourceFile(**{**FILE.__dict__, "provides": "LibriTTS/train-clean-360"})
    with pytest.raises(InputError, match="holds no 'LibriTTS/train-clean-360'"):
        unpack(make_tar(tmp_path), wrong, corpus)
    assert list(corpus.iterdir()) == []


def test_a_corrupt_archive_is_an_error(tmp_path):
    corpus = tmp_path / "resources" / "libritts"
    corpus.mkdir(parents=True)
    archive = tmp_path / "train-clean-100.tar.gz"
    archive.write_bytes(make_tar(tmp_path).read_bytes()[:200])
    with pytest.raises(InputError, match=r"not a readable tar\.gz archive"):
        unpack(archive, FILE, corpus)
    assert list(corpus.iterdir()) == []
