"""Score tables for tests, written by the real writer (`mvc.eval.scoring.write_scores`), so
each has the sidecar (columns, kinds, rows, SHA-256) that `read_score_table` checks."""

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from mvc.eval.scoring import write_scores


class TableMetric:
    """A stand-in metric that only names its columns: all `write_scores` asks of it."""

    version = "test"
    needs_reference_audio = False

    def __init__(self, name: str, columns: Sequence[str]) -> None:
        self.name = name
        self.columns = tuple(columns)

    def settings(self) -> dict:
        return {}

    def unavailable(self, language: str) -> None:
        return None

    def score(self, item: Any) -> dict:
        raise NotImplementedError("a table-only stand-in")


def write_score_table(path: Path, columns: Sequence[str],
                      rows: Sequence[Mapping[str, Any]]) -> Path:
    """`path` ({metric}.csv, the metric named by its stem) and its sidecar; each row gives
    utt_id, status and values (speaker, language and error default to s1, en-us, '')."""
    path = Path(path)
    full = [{"speaker": "s1", "language": "en-us", "error": "", **row} for row in rows]
    write_scores(full, TableMetric(path.stem, columns), path, {"written_by": "tests"})
    return path
