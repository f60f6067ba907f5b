"""Atomic file output: write to a temporary file beside the target, then rename over it.

An output directory is replaced whole, so `atomic_dir` only replaces one that mvc owns: a
directory it made (marked by OWNER_MARKER inside), an empty one, or none; anything else is
refused with an InputError, never deleted (docs/reliability.md, "Output directories").
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mvc.errors import InputError

# Written into every directory atomic_dir makes; fixed bytes (no time), so reruns hash equal.
OWNER_MARKER = ".mvc-output"
OWNER_RECORD = '{"written_by": "mvc"}\n'
SHOWN = 3  # foreign names an error lists


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's directory; on success rename it to the target.

    A crash or exception leaves the target untouched and removes the temporary file, so
    a reader never sees a half-written output.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp" + target.suffix,
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.chmod(0o644)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    finally:
        tmp_path.unlink(missing_ok=True)


def write_text_atomic(target: str | Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_csv_atomic(target: str | Path, columns: Sequence[str],
                     rows: Iterable[Mapping[str, Any]]) -> None:
    """Write dict rows as a CSV with the given header, atomically (a row with a key not in
    `columns` is an error, a missing key an empty cell)."""
    with atomic_path(target) as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(columns), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def check_output_dir(target: str | Path) -> None:
    """Raise InputError unless `atomic_dir(target)` may replace `target`: it must not exist,
    or be an empty directory, or one an earlier atomic_dir wrote (it holds OWNER_MARKER).
    Commands call this before their long work; atomic_dir calls it again itself."""
    target = Path(target)
    fix = "choose a new or empty directory for the output, or remove this one yourself"
    if target.is_symlink():
        raise InputError(target, "the output directory is a symbolic link, which mvc will not "
                         "replace", fix)
    if target.exists() and not target.is_dir():
        raise InputError(target, "the output path is an existing file, not a directory",
                         "choose a directory path for the output (a new or empty directory)")
    for parent in target.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise InputError(target, f"{parent} is a file, so no directory can be made "
                                 "under it", "choose an output path under a directory")
            break
    if Path.cwd().is_relative_to(Path(os.path.abspath(target))):
        raise InputError(target, "the output directory is (or holds) the current directory, "
                         "which mvc will not replace", "choose a new subdirectory for the output")
    if not target.is_dir() or (target / OWNER_MARKER).is_file():
        return
    names = sorted(os.listdir(target))
    if names:
        shown = ", ".join(names[:SHOWN]) + (f" and {len(names) - SHOWN} more"
                                            if len(names) > SHOWN else "")
        raise InputError(target, f"the directory exists and holds files mvc did not write "
                         f"({shown}; no {OWNER_MARKER} marker); an output directory is replaced "
                         "whole, so mvc refuses to replace this one", fix)


@contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory beside `target`; on success it replaces `target` whole,
    with OWNER_MARKER inside. `target` must pass `check_output_dir` (checked on entry and
    again just before the swap).

    A failure leaves any previous `target` as it was and removes the partial directory.
    """
    target = Path(target)
    check_output_dir(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    tmp.chmod(0o755)
    try:
        yield tmp
        (tmp / OWNER_MARKER).write_text(OWNER_RECORD, encoding="utf-8")
        check_output_dir(target)  # nothing foreign appeared there while we worked
        _swap(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap(new: Path, target: Path) -> None:
    """Rename `new` to `target`; an old `target` is moved aside first (and back if the rename
    fails), then removed."""
    if not target.exists():
        new.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    os.replace(target, old)  # onto the empty directory mkdtemp made
    try:
        new.rename(target)
    except BaseException:
        os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)
