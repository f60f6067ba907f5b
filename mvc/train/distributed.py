"""Data-parallel training under torchrun, and the single-process default.

Under `torchrun --nproc_per_node N mvc train ...` (WORLD_SIZE > 1 in the environment) each
process takes every N-th batch of the same seeded epoch (`mvc.train.sampler`) and, after
backward, the gradients are averaged across processes with one all-reduce per parameter:
the update DistributedDataParallel makes, without its wrapper (the model's training entry
point is `losses()`, not `forward()`, which DDP's wrapper hooks). Every process starts from the
same seeded weights, so they stay identical. Only rank 0 writes checkpoints and logs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist

from mvc.errors import InputError


@dataclass(frozen=True)
class Processes:
    """This process's place in the run: rank, world size and the device it trains on."""

    rank: int
    world_size: int
    device: torch.device

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def average_gradients(self, params: Sequence[torch.nn.Parameter]) -> None:
        """Average the gradients over processes (nothing to do in a single process)."""
        if self.world_size == 1:
            return
        for param in params:
            if param.grad is None:
                param.grad = torch.zeros_like(param)
            dist.all_reduce(param.grad, op=dist.ReduceOp.SUM)
            param.grad /= self.world_size


def setup(device: str) -> Processes:
    """One process (the default), or this process of a torchrun launch (WORLD_SIZE > 1)."""
    if device == "cuda" and not torch.cuda.is_available():
        raise InputError("training.device", "cuda, but no CUDA GPU is visible",
                         "set training.device: cpu, or run on a machine with a GPU")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Processes(0, 1, torch.device(device))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
    if device == "cuda":
        torch.cuda.set_device(local_rank)
        return Processes(dist.get_rank(), world_size, torch.device("cuda", local_rank))
    return Processes(dist.get_rank(), world_size, torch.device("cpu"))


def limit_threads(threads: int | None) -> None:
    """Use `threads` CPU threads in torch and in numba (the fused scan's thread pool); None
    leaves both at their defaults. On a loaded machine one thread can be many times faster
    than two: idle threads spin-wait against other processes (docs/training.md)."""
    if threads is None:
        return
    torch.set_num_threads(threads)
    try:
        import numba
    except ImportError:
        return
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))


def barrier(processes: Processes) -> None:
    """Wait for every process (so no rank reads a checkpoint before rank 0 wrote it)."""
    if processes.world_size > 1:
        dist.barrier()
