"""Atomic unpacking: an archive is extracted into a hidden staging directory beside its
destination and only the finished tree is renamed into place, so a failure (a corrupt
archive, a full disk) leaves no half-unpacked corpus behind."""

from __future__ import annotations

import errno
import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

from mvc.errors import InputError
from mvc.fetch.sources import SourceFile


def unpack(archive: Path, file: SourceFile, corpus_dir: Path) -> Path:
    """Place what `file` provides at `corpus_dir / file.provides`, from the downloaded
    `archive`, atomically; return that path. The destination must not exist yet."""
    target = corpus_dir / file.provides
    if file.archive == "none":
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(archive, target)
        return target
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=corpus_dir))
    try:
        _extract(archive, file.archive, staging / file.extract_to)
        produced = staging / file.provides
        if not produced.exists():
            raise InputError(archive, f"the archive holds no {file.provides!r} under "
                                      f"{file.extract_to!r}",
                             "check `provides` and `extract_to` of this file in "
                             "configs/sources.yaml against the archive's listing")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(produced, target)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise InputError(corpus_dir, f"disk full while unpacking {archive.name}; nothing "
                                         "was left half-unpacked (the verified archive is kept)",
                             "free disk space and fetch again (no new download needed)") from None
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _extract(archive: Path, kind: str, into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(into)
        else:
            with tarfile.open(archive, "r:gz" if kind == "tar.gz" else "r:bz2") as tf:
                tf.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, EOFError) as err:
        raise InputError(archive, f"not a readable {kind} archive ({err})",
                         "delete it and fetch again") from None
