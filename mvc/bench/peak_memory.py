"""Peak memory of one call: in a fresh process on the CPU, by the allocator on CUDA.

CPU: a process's peak resident set (getrusage's ru_maxrss) only ever grows, and memory a
process freed stays mapped by its allocator, so each measurement runs in a new process.
`PeakMemory` starts one server process (`python -m mvc.bench.peak_memory MODULES`) that
imports the modules a measurement needs, then forks a child per measurement: the child
pays no imports and inherits nothing of the caller's heap. In the child the setup builds
the inputs and warms up; then freed heap memory goes back to the OS (malloc_trim, else a
call reusing it would not grow the resident set), the peak is reset to the current
resident set (/proc/self/clear_refs), and the measurement is ru_maxrss after the call
minus the resident set just before it. (multiprocessing's "forkserver" would re-run the
caller's __main__ module in every child; this server runs nothing but the setup.)
CUDA: torch.cuda.max_memory_allocated during the call minus what was allocated before it,
in this process (the caching allocator counts every allocation).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import pickle
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import BinaryIO

import torch

from mvc.memory import peak_bytes, reset_peak, resident_bytes

Setup = Callable[..., Callable[[], object]]
"""Builds the inputs (and warms up) and returns the call to measure; must be picklable."""

CPU = torch.device("cpu")


class MeasurementError(RuntimeError):
    """The measuring process failed (an exception there, or it died, e.g. out of memory)."""


def _release_freed_memory() -> None:
    """Return freed heap memory to the OS (glibc's malloc_trim), so that a call reusing
    it shows up in the resident set; a no-op elsewhere."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _measure(setup: Setup, args: Sequence[object]) -> tuple[str, object]:
    try:
        call = setup(*args)
        _release_freed_memory()
        reset_peak(CPU)
        before = resident_bytes()
        call()
        return "ok", max(0, peak_bytes(CPU) - before)
    except Exception as err:  # reported to the caller, which raises it
        return "error", f"{type(err).__name__}: {err}"


def _measure_in_child(setup: Setup, args: Sequence[object]) -> tuple[str, object]:
    """Fork, measure in the child, return its result (or why it died)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_end)
        with os.fdopen(write_end, "wb") as out:
            pickle.dump(_measure(setup, args), out)
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as result:
        data = result.read()
    _, status = os.waitpid(pid, 0)
    if not data:
        return "error", f"the measuring process died (wait status {status})"
    return pickle.loads(data)


def _serve(modules: Sequence[str], requests: BinaryIO, replies: BinaryIO) -> None:
    for module in modules:
        importlib.import_module(module)
    while True:
        try:
            setup, args = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(_measure_in_child(setup, args), replies)
        replies.flush()


class PeakMemory:
    """Measures CPU calls in fresh processes forked from a server that imported `preload`.
    Use as a context manager (the server stops at exit)."""

    def __init__(self, preload: Sequence[str] = ()) -> None:
        self._server = subprocess.Popen(
            [sys.executable, "-m", "mvc.bench.peak_memory", *preload],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __enter__(self) -> PeakMemory:
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stdin.close()
        self._server.wait()
        self._server.stdout.close()

    def cpu(self, setup: Setup, *args: object) -> int:
        """Peak bytes of `setup(*args)()` above the resident set before the call."""
        pickle.dump((setup, args), self._server.stdin)
        self._server.stdin.flush()
        try:
            status, value = pickle.load(self._server.stdout)
        except EOFError:
            raise MeasurementError(f"the measuring server exited with code "
                                   f"{self._server.wait()}") from None
        if status != "ok":
            raise MeasurementError(str(value))
        return int(value)


def cuda_peak(setup: Setup, *args: object) -> int:
    """Peak CUDA bytes allocated by `setup(*args)()` above what was allocated before it."""
    call = setup(*args)
    device = torch.device("cuda", torch.cuda.current_device())
    reset_peak(device)
    before = torch.cuda.memory_allocated(device)
    call()
    return peak_bytes(device) - before


if __name__ == "__main__":
    # The protocol owns the real stdout; anything else written to fd 1 goes to stderr.
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    _serve(sys.argv[1:], sys.stdin.buffer, protocol_out)
