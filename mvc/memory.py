"""Peak memory of this process since a reset: what synthesis reports per utterance and what
the kernel benchmark builds on.

CPU: the resident set's high-water mark (getrusage's ru_maxrss), which Linux >= 4.0 lets a
process reset to its current resident set (/proc/self/clear_refs); where that is not
allowed the peak stays monotone (a process-lifetime peak, never an underestimate).
CUDA: the caching allocator's `max_memory_allocated`, reset with `reset_peak_memory_stats`.
"""

from __future__ import annotations

import contextlib
import os
import resource

import torch

_KIB = 1024  # ru_maxrss is in KiB on Linux
MIB = 1024 * 1024


def resident_bytes() -> int:
    """This process's current resident set size (Linux /proc/self/statm)."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def reset_peak(device: torch.device) -> None:
    """Start a new peak at what the process holds now, on `device`."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        return
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak_bytes(device: torch.device) -> int:
    """The peak since the last `reset_peak`: resident set on the CPU (model, runtime and
    activations), allocated tensor memory on CUDA."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        return torch.cuda.max_memory_allocated(device)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * _KIB
