"""The adapter registry: a corpus name and root (plus its options) to manifest rows.

The config names an adapter per dataset; `read_corpus` checks the name, the root and the
options, then calls the reader. Every reader takes the root first and `skip_bad` among its
keyword options, and returns an `AdapterResult` (rows plus skipped bad items).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from mvc.data.css10 import read_css10
from mvc.data.gutenberg import read_gutenberg
from mvc.data.libritts import read_libritts
from mvc.data.ljspeech import read_ljspeech
from mvc.data.result import AdapterResult, Skipped, write_skipped
from mvc.data.vctk import read_vctk
from mvc.errors import InputError

__all__ = ["ADAPTERS", "AdapterResult", "Skipped", "read_corpus", "write_skipped"]

ADAPTERS: dict[str, Callable[..., AdapterResult]] = {
    "ljspeech": read_ljspeech,
    "libritts": read_libritts,
    "vctk": read_vctk,
    "css10": read_css10,
    "gutenberg": read_gutenberg,
}


def read_corpus(name: str, root: str | Path, **options: object) -> AdapterResult:
    """Read the corpus at `root` with the adapter `name`, passing `options` to its reader.

    Raises InputError for an unknown adapter (listing the known ones), a missing root, or
    options the reader does not take (listing those it does).
    """
    reader = ADAPTERS.get(name)
    if reader is None:
        raise InputError(f"adapter {name!r}", "unknown corpus adapter",
                         f"use one of: {', '.join(sorted(ADAPTERS))}")
    root = Path(root)
    if not root.exists():
        raise InputError(root, f"{name} corpus root not found",
                         "set datasets.<name>.root in the config to the corpus folder, or build "
                         "the embedded corpus")
    try:
        inspect.signature(reader).bind(root, **options)
    except TypeError as err:
        accepted = [param for param in inspect.signature(reader).parameters if param != "root"]
        raise InputError(f"adapter {name!r}", f"bad options ({err})",
                         f"{name} takes: {', '.join(accepted)}") from None
    return reader(root, **options)
