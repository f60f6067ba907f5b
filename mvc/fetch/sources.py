"""The registry of downloadable sources (configs/sources.yaml) and the fetch settings, as
strict dataclasses: what to download, how to check it, where it unpacks, under which licence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from mvc.config import build
from mvc.errors import InputError

ARCHIVE_KINDS = ("tar.gz", "tar.bz2", "zip", "none")


@dataclass(frozen=True)
class FetchSettings:
    """How downloads behave (the `fetch` config section): retries with exponential backoff
    (backoff_s, doubled per failed attempt, at most backoff_max_s), the socket timeout, the
    read size, and whether the archive is kept after it is unpacked."""

    sources: str
    retries: int
    backoff_s: float
    backoff_max_s: float
    timeout_s: float
    chunk_bytes: int
    keep_archives: bool


@dataclass(frozen=True)
class SourceFile:
    """One published file: where it comes from, its checksum and what it unpacks to.

    `provides` is the path (relative to resources/{corpus}/) the file yields: the archive's
    member tree extracted under `extract_to` must contain it; for `archive: none` the
    downloaded file itself is moved there. `checksum_from` names who published the checksum.
    """

    url: str
    archive: str
    provides: str
    size: int | None
    sha256: str | None
    md5: str | None
    checksum_from: str | None
    extract_to: str = "."

    def __post_init__(self) -> None:
        if self.archive not in ARCHIVE_KINDS:
            raise InputError(self.url, f"unknown archive type {self.archive!r}",
                             f"use one of {list(ARCHIVE_KINDS)}")
        for name in ("provides", "extract_to"):
            path = PurePosixPath(getattr(self, name))
            if path.is_absolute() or ".." in path.parts:
                raise InputError(self.url, f"{name} {path} leaves the corpus directory",
                                 "give a relative path inside resources/{corpus}/")

    @property
    def filename(self) -> str:
        """The download's file name (the URL's last path segment)."""
        return PurePosixPath(self.url.split("?", 1)[0]).name


@dataclass(frozen=True)
class Source:
    """One corpus or checkpoint: its files, homepage, licence, and (for sources that need a
    login to download) what to do by hand."""

    title: str
    homepage: str
    licence: str
    files: tuple[SourceFile, ...]
    manual: str | None = None


def fetch_settings(section: Mapping[str, Any]) -> FetchSettings:
    """The typed `fetch` config section."""
    return build(FetchSettings, section, "fetch")


def source(registry: Mapping[str, Any], name: str) -> Source:
    """The typed entry `name` of a sources registry (a mapping of entries)."""
    if name not in registry:
        raise InputError("sources registry", f"no source named {name!r}",
                         f"use one of {sorted(registry)} or add an entry to configs/sources.yaml")
    raw = dict(registry[name])
    where = f"sources.{name}"
    if not isinstance(raw.get("files"), list) or not raw["files"]:
        raise InputError(where, "no files listed", "list the files to download under `files`")
    raw["files"] = tuple(
        build(SourceFile, {"sha256": None, "md5": None, "checksum_from": None, "size": None,
                           **item}, f"{where}.files[{i}]")
        for i, item in enumerate(raw["files"]))
    return build(Source, raw, where)
