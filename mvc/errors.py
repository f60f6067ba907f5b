"""The one error type for bad input: it says what was found, where, and how to fix it."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad user input (a file, a line, a config value) that the user must fix."""

    def __init__(self, where: str | Path, problem: str, fix: str) -> None:
        self.where = str(where)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.where}: {problem}. Fix: {fix}")
