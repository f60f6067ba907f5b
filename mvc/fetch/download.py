"""Resumable HTTP downloads: Range requests continue a partial file, transient failures
(connection errors, cut transfers, 5xx and 429 answers) are retried with exponential backoff,
and the finished file is checked against its published SHA-256 or MD5 before it is kept."""

from __future__ import annotations

import errno
import hashlib
import http.client
import logging
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from mvc.errors import InputError
from mvc.fetch.sources import FetchSettings, SourceFile

log = logging.getLogger(__name__)
READ_HASH_BYTES = 1 << 20
CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class Transient(Exception):
    """A failure worth retrying: the network, a cut transfer, a server error."""

    def __init__(self, message: str, offline: bool = False) -> None:
        super().__init__(message)
        self.offline = offline


@dataclass(frozen=True)
class Outcome:
    """What a download did: its verified SHA-256 and how many attempts it took."""

    sha256: str
    attempts: int


def download(file: SourceFile, dest: Path, settings: FetchSettings, offline_fix: str,
             sleep: Callable[[float], None] = time.sleep) -> Outcome:
    """Download `file.url` to `dest` (resuming `dest.part`), verify it, return its SHA-256.

    Failures that made no progress count against `settings.retries`; an attempt that added
    bytes resets the count, so a long download over a flaky link still finishes. A checksum
    mismatch deletes the file and raises with both hashes; unreachable hosts raise with
    `offline_fix` (where to put a local copy instead).
    """
    part = dest.with_name(dest.name + ".part")
    dest.parent.mkdir(parents=True, exist_ok=True)
    failures, attempts = 0, 0
    while True:
        attempts += 1
        before = _size(part)
        try:
            _transfer(file, part, settings, offline_fix)
            break
        except Transient as err:
            failures = 1 if _size(part) > before else failures + 1
            if failures > settings.retries:
                raise _give_up(file, err, attempts, offline_fix) from None
            delay = min(settings.backoff_s * 2 ** (failures - 1), settings.backoff_max_s)
            log.warning("%s: %s; retry %d of %d in %.1f s", file.url, err, failures,
                        settings.retries, delay)
            sleep(delay)
    digest = verify(part, file)
    os.replace(part, dest)
    return Outcome(digest, attempts)


def verify(path: Path, file: SourceFile) -> str:
    """SHA-256 of `path`; raise (deleting the file) when it or the MD5 differs from the
    published one. A file with no published checksum is kept with a warning."""
    sha256, md5 = hashlib.sha256(), hashlib.md5() if file.md5 else None
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(READ_HASH_BYTES), b""):
            sha256.update(chunk)
            if md5:
                md5.update(chunk)
    for name, expected, actual in (("SHA-256", file.sha256, sha256.hexdigest()),
                                   ("MD5", file.md5, md5.hexdigest() if md5 else None)):
        if expected is not None and expected.lower() != actual:
            path.unlink()
            raise InputError(file.url, f"checksum mismatch: expected {name} {expected.lower()}, "
                                       f"got {actual}; the file was deleted",
                             "run the fetch again to download it afresh; if it persists the "
                             "file changed upstream: check the entry in configs/sources.yaml")
    if file.sha256 is None and file.md5 is None:
        log.warning("%s: no published checksum to verify against (SHA-256 %s recorded in the "
                    "marker)", file.url, sha256.hexdigest())
    return sha256.hexdigest()


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _transfer(file: SourceFile, part: Path, settings: FetchSettings, offline_fix: str) -> None:
    """One attempt: request the bytes after those in `part` and append them; return when the
    file is whole, raise Transient when it should be retried, InputError when it should not."""
    have = _size(part)
    request = urllib.request.Request(file.url, headers={"User-Agent": "mvc-bench-fetch"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=settings.timeout_s)
    except urllib.error.HTTPError as err:
        _http_error(err, file, part, have, offline_fix)
        return
    except (urllib.error.URLError, OSError) as err:
        reason = getattr(err, "reason", err)
        raise Transient(f"cannot connect ({reason})", offline=True) from None
    with response:
        total = _expected_total(response, file, part, have)
        try:
            with part.open("ab") as out, tqdm(total=total, initial=_size(part), unit="B",
                                              unit_scale=True, unit_divisor=1024,
                                              desc=file.filename, mininterval=1.0) as bar:
                while True:
                    try:
                        chunk = response.read(settings.chunk_bytes)
                    except (http.client.IncompleteRead, ConnectionError, TimeoutError) as err:
                        raise Transient(f"transfer cut after {_size(part)} bytes "
                                        f"({err!r})") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    bar.update(len(chunk))
        except OSError as err:
            if err.errno == errno.ENOSPC:
                raise InputError(part, "disk full while downloading; the partial file is kept "
                                       "and resumes on the next run",
                                 "free disk space (or move resources/ to a larger disk) and "
                                 "fetch again") from None
            raise
    got = _size(part)
    if total is not None and got < total:
        raise Transient(f"transfer cut after {got} of {total} bytes")


def _expected_total(response, file: SourceFile, part: Path, have: int) -> int | None:
    """The whole file's size from the answer. A 206 must continue exactly where `part` ends
    (else `part` is emptied and the attempt retried); a 200 to a Range request means the
    server does not resume: `part` starts over."""
    if response.status == 206:
        match = CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
        if match and int(match[1]) == have:
            return int(match[3]) if match[3] != "*" else file.size
        part.write_bytes(b"")
        raise Transient("the server resumed at another offset; starting over")
    if have:
        log.warning("%s: the server does not resume (answered %d); starting over", file.url,
                    response.status)
        part.write_bytes(b"")
    length = response.headers.get("Content-Length")
    return int(length) if length else file.size


def _http_error(err: urllib.error.HTTPError, file: SourceFile, part: Path, have: int,
                offline_fix: str) -> None:
    code = err.code
    if code == 416 and have and (file.size is None or have == file.size):
        return  # the partial file is already whole
    if code == 416:
        part.unlink(missing_ok=True)
        raise Transient("the partial download is longer than the file; starting over")
    if code >= 500 or code == 429:
        raise Transient(f"server error {code} {err.reason}")
    raise InputError(file.url, f"the server answered {code} {err.reason}",
                     f"check the URL in configs/sources.yaml, or download the file by hand: "
                     f"{offline_fix}")


def _give_up(file: SourceFile, err: Transient, attempts: int, offline_fix: str) -> InputError:
    if err.offline:
        return InputError(file.url, f"cannot reach the server after {attempts} attempts "
                                    f"({err}); no network?", offline_fix)
    return InputError(file.url, f"download failed after {attempts} attempts ({err})",
                      "try again later (a partial download resumes), or download the file by "
                      f"hand: {offline_fix}")
