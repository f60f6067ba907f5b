"""The `synthesis:` config section as a typed dataclass (built once, at the edge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mvc.config import build
from mvc.errors import InputError


@dataclass(frozen=True)
class SynthesisConfig:
    """How a test set is synthesized.

    sentence_pause_s: silence between the sentences of a multi-sentence text (long-form).
    lookahead: streaming look-ahead W in frames of the SSM layer (None: offline synthesis).
    device: "cpu" or "cuda"; threads: torch CPU threads (None: torch's default).
    """

    sentence_pause_s: float
    lookahead: int | None = None
    device: str = "cpu"
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.sentence_pause_s < 0:
            raise InputError("synthesis.sentence_pause_s", f"{self.sentence_pause_s}",
                             "use 0 or more seconds")
        if self.lookahead is not None and self.lookahead < 0:
            raise InputError("synthesis.lookahead", f"{self.lookahead}",
                             "use 0 or more frames, or null for offline synthesis")
        if self.device not in ("cpu", "cuda"):
            raise InputError("synthesis.device", repr(self.device), "use cpu or cuda")


def synthesis_config(mapping: Mapping[str, Any]) -> SynthesisConfig:
    """Build a SynthesisConfig from the YAML/JSON `synthesis:` mapping, strictly."""
    return build(SynthesisConfig, mapping, "synthesis")
