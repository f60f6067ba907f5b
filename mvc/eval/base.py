"""The metric interface: one scored item in, one row of named values out.

A metric is constructed once from its settings (a mapping from the config) and then scores
items one at a time. Bad input for one item (missing or silent audio, NaN samples, a
reference that does not match) raises `InputError`; the scoring loop turns it into a row
with that error, so an utterance is never silently dropped. A metric that cannot run at all
for a language or setting (no ASR model for Spanish, say) says so through `unavailable`,
and its rows carry that reason: the tables print n/a with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

# A key `score` may add to its values: a caution on a number that stands (a sample-rate or
# bandwidth mismatch, say); the row keeps it in its `warning` column.
WARNING = "warning"


@dataclass(frozen=True)
class ScoreItem:
    """One utterance to score: the system's audio and what it is compared with.

    `reference_audio` is the ground-truth recording of the same text ("" when the test set
    has none, e.g. long-form passages); `text` is the reference transcript.
    """

    utt_id: str
    audio_path: str
    text: str
    language: str
    speaker: str = ""
    reference_audio: str = ""


class Metric(Protocol):
    """What every metric provides; `columns` lists the keys `score` returns, in order."""

    name: ClassVar[str]
    version: ClassVar[str]
    needs_reference_audio: ClassVar[bool]

    @property
    def columns(self) -> tuple[str, ...]: ...

    def settings(self) -> dict[str, Any]:
        """Everything that changes the numbers (orders, alphas, model paths and hashes...)."""
        ...

    def unavailable(self, language: str) -> str | None:
        """Why this metric cannot score `language` here, or None when it can."""
        ...

    def score(self, item: ScoreItem) -> dict[str, float | int | str]:
        """The values for one item, keyed by `columns` (and optionally `WARNING`);
        InputError for bad input."""
        ...
