"""Packing the real-layout fixture corpora the way their publishers do: name -> (file name,
archive bytes, entry of the sources registry for a server URL)."""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from pathlib import Path


def tar_bytes(folder: Path, members: list[str], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as tf:
        for member in members:
            tf.add(folder / member, arcname=member)
    return buffer.getvalue()


def zip_bytes(folder: Path) -> bytes:
    """A zip of the folder's contents without the folder itself (as VCTK 0.92 and Kaggle's
    CSS10 zips are)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def published(corpora: dict[str, Path]) -> dict[str, list[tuple[str, bytes, dict]]]:
    """Per source: (file name, bytes, registry file entry without url) as the registry lists
    them (configs/sources.yaml), from the fixture corpora."""
    libritts = corpora["libritts"]
    files = {
        "ljspeech": [("LJSpeech-1.1.tar.bz2",
                      tar_bytes(corpora["ljspeech"], ["LJSpeech-1.1"], "w:bz2"),
                      {"archive": "tar.bz2", "provides": "LJSpeech-1.1"})],
        "libritts": [(f"{subset}.tar.gz", tar_bytes(libritts, [f"LibriTTS/{subset}"], "w:gz"),
                      {"archive": "tar.gz", "provides": f"LibriTTS/{subset}"})
                     for subset in ("train-clean-100", "train-clean-360", "test-clean")],
        "vctk": [("VCTK-Corpus-0.92.zip", zip_bytes(corpora["vctk"] / "VCTK-Corpus-0.92"),
                  {"archive": "zip", "extract_to": "VCTK-Corpus-0.92",
                   "provides": "VCTK-Corpus-0.92"})],
        "gutenberg": [(name, (corpora["gutenberg"] / name).read_bytes(),
                       {"archive": "none", "provides": name})
                      for name in ("pg1.txt", "pg1661.txt")],
        "whisper": [("large-v3.pt", b"not really a checkpoint",
                     {"archive": "none", "provides": "large-v3.pt"})],
    }
    for name, folder in (("css10_es", "es"), ("css10_de", "de"), ("css10_fr", "fr")):
        files[name] = [(f"{name}.zip", zip_bytes(corpora[name] / folder),
                        {"archive": "zip", "extract_to": folder, "provides": folder})]
    for entries in files.values():
        for _, data, entry in entries:
            entry["sha256"] = hashlib.sha256(data).hexdigest()
            entry["checksum_from"] = "the test"
    return files
