"""Fetching one source into resources/{name}/: each file whose product is missing is
downloaded (resumable, verified) and unpacked atomically; a product already there is used as
is. A completion marker (FETCHED.json) is written last, naming what was fetched or found."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mvc.atomic import write_text_atomic
from mvc.fetch.download import download
from mvc.fetch.sources import FetchSettings, Source, SourceFile
from mvc.fetch.unpack import unpack

log = logging.getLogger(__name__)
MARKER = "FETCHED.json"
DOWNLOADS = ".downloads"


def fetch_source(name: str, source: Source, resources: Path, settings: FetchSettings) -> Path:
    """Make resources/{name}/ hold every product of `source`; return the marker's path."""
    corpus_dir = resources / name
    corpus_dir.mkdir(parents=True, exist_ok=True)
    records = [_fetch_file(name, source, file, corpus_dir, resources, settings)
               for file in source.files]
    marker = corpus_dir / MARKER
    write_text_atomic(marker, json.dumps({"source": name, "title": source.title,
                                          "licence": source.licence, "files": records},
                                         indent=2) + "\n")
    return marker


def _fetch_file(name: str, source: Source, file: SourceFile, corpus_dir: Path,
                resources: Path, settings: FetchSettings) -> dict:
    record = {"url": file.url, "provides": file.provides}
    target = corpus_dir / file.provides
    if target.exists():
        log.info("%s: %s is present; used as is (not downloaded, not verified)", name, target)
        return {**record, "status": "present", "sha256": None}
    archive = resources / DOWNLOADS / name / file.filename
    if archive.exists():
        log.info("%s: %s was downloaded and verified before; unpacking it", name, archive)
        sha256 = None
    else:
        log.info("%s: downloading %s", name, file.url)
        sha256 = download(file, archive, settings, _offline_fix(name, source, target)).sha256
    unpack(archive, file, corpus_dir)
    if not settings.keep_archives:
        archive.unlink(missing_ok=True)
    return {**record, "status": "downloaded", "sha256": sha256,
            "checksum": "verified" if file.sha256 or file.md5 else "not published"}


def _offline_fix(name: str, source: Source, target: Path) -> str:
    manual = f" ({source.manual})" if source.manual else ""
    return (f"fetch on a machine with internet access (`mvc fetch {name}` on a login node) "
            f"and copy resources/{name}/ here, or place a local copy at {target}{manual}: it "
            f"is used as is; or point the dataset's root at a copy outside resources/")
