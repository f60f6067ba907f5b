"""Resumable, verified downloads against a real local HTTP server: resume after a cut
connection or from a leftover partial file, checksum mismatches, retried server errors, no
network at all."""

from __future__ import annotations

import errno
import hashlib
import socket
from pathlib import Path

import pytest

from mvc.errors import InputError
from mvc.fetch.download import download
from mvc.fetch.sources import SourceFile

DATA = bytes(range(256)) * 200  # 51200 bytes
SHA256 = hashlib.sha256(DATA).hexdigest()
OFFLINE_FIX = "place a local copy at resources/x/thing"


def source_file(url: str, **checksums) -> SourceFile:
    checksums = checksums or {"sha256": SHA256}
    return SourceFile(url=url, archive="none", provides="thing", size=None,
                      sha256=checksums.get("sha256"), md5=checksums.get("md5"),
                      checksum_from="test")


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_download_verifies_and_keeps_the_file(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    dest = tmp_path / "a.bin"
    outcome = download(source_file(server.url("/a.bin")), dest, settings, OFFLINE_FIX)
    assert dest.read_bytes() == DATA
    assert outcome.sha256 == SHA256 and outcome.attempts == 1
    assert not (tmp_path / "a.bin.part").exists()


def test_publisher_md5_is_checked_too(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    md5 = hashlib.md5(DATA).hexdigest()
    download(source_file(server.url("/a.bin"), md5=md5), tmp_path / "a.bin", settings,
             OFFLINE_FIX)
    wrong = source_file(server.url("/a.bin"), md5="0" * 32)
    with pytest.raises(InputError, match=f"expected MD5 {'0' * 32}, got {md5}"):
        download(wrong, tmp_path / "b.bin", settings, OFFLINE_FIX)


def test_a_cut_connection_resumes_with_a_range_request(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    server.faults["/a.bin"] = [("cut", 10000), ("cut", 5000)]
    sleeps = Sleeps()
    outcome = download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings,
                       OFFLINE_FIX, sleep=sleeps)
    assert (tmp_path / "a.bin").read_bytes() == DATA
    assert server.requests == [("/a.bin", None), ("/a.bin", "bytes=10000-"),
                               ("/a.bin", "bytes=15000-")]
    assert outcome.attempts == 3
    assert sleeps == [settings.backoff_s, settings.backoff_s]  # progress resets the backoff


def test_a_leftover_partial_file_resumes(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    (tmp_path / "a.bin.part").write_bytes(DATA[:7777])
    download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX)
    assert (tmp_path / "a.bin").read_bytes() == DATA
    assert server.requests == [("/a.bin", "bytes=7777-")]


def test_a_complete_partial_file_is_not_downloaded_again(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    (tmp_path / "a.bin.part").write_bytes(DATA)
    download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX)
    assert (tmp_path / "a.bin").read_bytes() == DATA
    assert server.requests == [("/a.bin", f"bytes={len(DATA)}-")]  # answered 416


def test_a_server_that_ignores_ranges_restarts_the_file(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    server.faults["/a.bin"] = [("cut", 3000), "ignore_range"]
    download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX,
             sleep=Sleeps())
    assert (tmp_path / "a.bin").read_bytes() == DATA


def test_checksum_mismatch_deletes_the_file_and_names_both_hashes(server, settings, tmp_path):
    server.files["/a.bin"] = DATA[:-1] + b"\x00"
    actual = hashlib.sha256(server.files["/a.bin"]).hexdigest()
    with pytest.raises(InputError) as err:
        download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX)
    assert f"expected SHA-256 {SHA256}, got {actual}" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_server_errors_are_retried_with_backoff(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    server.faults["/a.bin"] = [500, 503]
    sleeps = Sleeps()
    outcome = download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings,
                       OFFLINE_FIX, sleep=sleeps)
    assert (tmp_path / "a.bin").read_bytes() == DATA
    assert outcome.attempts == 3 and sleeps == [0.001, 0.002]


def test_persistent_server_errors_fail_clearly(server, settings, tmp_path):
    server.files["/a.bin"] = DATA
    server.faults["/a.bin"] = [500] * 10
    sleeps = Sleeps()
    with pytest.raises(InputError, match=r"after 4 attempts \(server error 500"):
        download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX,
                 sleep=sleeps)
    assert sleeps == [0.001, 0.002, 0.004]  # doubling, capped at backoff_max_s
    assert len(server.requests) == settings.retries + 1


def test_not_found_is_not_retried(server, settings, tmp_path):
    with pytest.raises(InputError, match="answered 404"):
        download(source_file(server.url("/missing.bin")), tmp_path / "a.bin", settings,
                 OFFLINE_FIX, sleep=Sleeps())
    assert len(server.requests) == 1


def test_no_network_names_the_local_path_alternative(settings, tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with pytest.raises(InputError) as err:
        download(source_file(f"http://127.0.0.1:{port}/a.bin"), tmp_path / "a.bin", settings,
                 OFFLINE_FIX, sleep=sleeps)
    assert "cannot reach the server after 4 attempts" in str(err.value)
    assert OFFLINE_FIX in str(err.value)
    assert len(sleeps) == settings.retries


def test_a_full_disk_keeps_the_partial_file_which_then_resumes(server, settings, tmp_path,
                                                                monkeypatch):
    server.files["/a.bin"] = DATA
    real_open = Path.open

    class FullDisk:
        def __init__(self, f):
            self.f, self.written = f, 0

        def write(self, chunk):
            if self.written >= 8192:
                raise OSError(errno.ENOSPC, "No space left on device")
            self.written += len(chunk)
            return self.f.write(chunk)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

    def open_full(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return FullDisk(f) if path.name.endswith(".part") and "a" in mode else f

    monkeypatch.setattr(Path, "open", open_full)
    with pytest.raises(InputError, match="disk full while downloading"):
        download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX)
    assert (tmp_path / "a.bin.part").stat().st_size == 8192
    monkeypatch.undo()
    download(source_file(server.url("/a.bin")), tmp_path / "a.bin", settings, OFFLINE_FIX)
    assert (tmp_path / "a.bin").read_bytes() == DATA
    assert server.requests[-1] == ("/a.bin", "bytes=8192-")
