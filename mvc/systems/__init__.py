"""The system registry: the workflow names a system; this maps the name to its implementation.

A system trains from the data stage's outputs to one checkpoint file and synthesizes a test
manifest from that checkpoint into `{utt_id}.wav` files plus `timings.csv`
(mvc.eval.efficiency). Entries are imported lazily, so listing names imports no model code;
each entry is "module:attribute" of a class built with the system's name (the systems on the
shared backbone are one class; their models differ by the config's `systems:` overrides).
MVC's ablations are `mvc` with the knobs of a row of the ablation TSV set in its overrides
(mvc.ablations.sweep), so they need no names here.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from mvc.errors import InputError
from mvc.train.dataset import DatasetFiles

REGISTRY: dict[str, str] = {
    "mvc": "mvc.systems.mvc:MVCSystem",
    "styletts2": "mvc.systems.mvc:MVCSystem",
    "hybrid": "mvc.systems.mvc:MVCSystem",
    "vits": "baselines.vits.system:VitsSystem",
}


class System(Protocol):
    """What the workflow needs of a TTS system."""

    name: str

    def train(self, config: Mapping[str, Any], datasets: Sequence[DatasetFiles],
              feature_cache: Path, out_dir: Path) -> Path:
        """Train on the datasets' `train` rows; return the checkpoint file (in out_dir)."""
        ...

    def synthesize(self, checkpoint: Path, manifest: Path, split: str | None,
                   config: Mapping[str, Any], out_dir: Path,
                   vocoder_checkpoint: Path | None = None) -> None:
        """Synthesize the manifest's rows of `split` (None: all) into out_dir; the other rows
        may serve as speaker references. `vocoder_checkpoint`: the shared trained vocoder
        (mvc.train.vocoder_stage), when the model's vocoder needs one."""
        ...


def system_names() -> list[str]:
    """Every registered system name."""
    return sorted(REGISTRY)


def get_system(name: str) -> System:
    """The system registered under `name`."""
    if name not in REGISTRY:
        raise InputError(f"system {name!r}", "not registered",
                         f"use one of {', '.join(system_names())} (mvc/systems/__init__.py)")
    module, attribute = REGISTRY[name].split(":")
    return getattr(importlib.import_module(module), attribute)(name)
