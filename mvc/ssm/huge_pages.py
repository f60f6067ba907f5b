"""Large fp32 tensors backed by transparent huge pages where Linux allows it.

The first write to a fresh tensor faults its pages in one at a time: 8192 faults for the
fused forward's 32 MB output at the benchmark size (batch 4, d_inner 512, L 4096), about
20 ms on one core of our 2-core CPU and 14 of the forward's 70 ms at 2 threads. Aligned to
2 MB and advised with MADV_HUGEPAGE, the same tensor takes 16 faults. Linux's usual THP
mode, "madvise", honours the advice; where THP is "never", or madvise is missing (not
Linux), `empty_huge` is `torch.empty`.
"""

from __future__ import annotations

import ctypes
import functools
from pathlib import Path

import torch
from torch import Tensor

HUGE_PAGE_BYTES = 2 * 1024 * 1024
"""x86-64's and arm64's (4 KB base pages) transparent huge page size."""
MADV_HUGEPAGE = 14
"""Linux's madvise advice number (include/uapi/asm-generic/mman-common.h)."""
THP_MODE = Path("/sys/kernel/mm/transparent_hugepage/enabled")


@functools.cache
def _madvise() -> ctypes._CFuncPtr | None:
    """libc's madvise when THP can honour advice here, else None."""
    try:
        mode = THP_MODE.read_text()
    except OSError:
        return None
    if "[never]" in mode:
        return None
    madvise = getattr(ctypes.CDLL(None, use_errno=True), "madvise", None)
    if madvise is not None:
        madvise.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
        madvise.restype = ctypes.c_int
    return madvise


def huge_pages_available() -> bool:
    """Whether `empty_huge` can ask for huge pages on this system."""
    return _madvise() is not None


def empty_huge(*shape: int) -> Tensor:
    """An uninitialized fp32 CPU tensor of `shape`; from one huge page up, its memory
    starts on a huge-page boundary and is advised MADV_HUGEPAGE (first touch then faults
    2 MB at a time). The advice only speeds things up: when the kernel refuses it, the
    tensor is still correct. The tensor is a view into a buffer up to 2 MB larger (the
    part before the boundary is never touched, so it costs no memory), which `torch.save`
    of the tensor itself would store too."""
    nbytes = 4 * (torch.Size(shape).numel())
    madvise = _madvise()
    if madvise is None or nbytes < HUGE_PAGE_BYTES:
        return torch.empty(*shape)
    buffer = torch.empty(nbytes + HUGE_PAGE_BYTES, dtype=torch.uint8)
    start = -buffer.data_ptr() % HUGE_PAGE_BYTES
    region = buffer[start:start + nbytes]
    madvise(region.data_ptr(), nbytes, MADV_HUGEPAGE)
    return region.view(torch.float32).view(*shape)
