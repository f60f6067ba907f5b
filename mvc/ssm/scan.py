"""`selective_scan`: Mamba's selective scan, one function over several backends.

Semantics are those of mamba_ssm's `selective_scan_ref`
(mamba_ssm/ops/selective_scan_interface.py) for real A and input-dependent B, C:

    delta <- softplus(delta + delta_bias)            (bias and softplus each when given)
    h_t    = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t        h_{-1} = initial_state
    y_t    = <h_t, C_t> + D * u_t, then times silu(z_t)

with u, delta, z: (batch, d_inner, L); A: (d_inner, d_state); B, C: (batch, d_state, L);
D, delta_bias: (d_inner,); states (batch, d_inner, d_state). `initial_state` is our
extension (mamba_ssm's kernel has none): the scan of [a, b] equals the scan of b started
from the last state of a, which streaming and chunked inference rely on. Everything is
computed in fp32; y comes back in u's dtype and the last state in fp32, as in mamba_ssm.

Backends (`BACKENDS`):
- `sequential`: a plain loop over time (mvc.ssm.sequential): the reference in tests.
- `chunked`: our pure-PyTorch parallel scan (mvc.ssm.chunked), any device.
- `fused`: numba CPU kernels with their own reverse-scan backward (mvc.ssm.fused).
- `cuda`: mamba_ssm's `selective_scan_fn` on CUDA tensors, when mamba_ssm imports. Its
  kernel takes no initial state: with one, the call falls back to `chunked` (logged once).
  Its backward ignores the last state's gradient (mamba_ssm's documented limitation).

Choice (`choose_backend`): an explicit `backend`, else the environment variable
MVC_SSM_BACKEND, else automatic: `cuda` for CUDA tensors when mamba_ssm imports, `chunked`
for other CUDA tensors, and on the CPU `fused` when numba imports, else `chunked`. The
issue named `chunked` the CPU default; `fused` replaced it because `mvc bench ssm` measured
it, on this 2-core CPU at batch 4, d_inner 512, L 256-16384, 6-8x faster than `chunked`
forward and 5-16x forward+backward, with a training peak 4-8x smaller (docs/ssm.md).
The choice is logged once per (backend, device) on the "mvc.ssm" logger.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from mvc.errors import InputError
from mvc.ssm import fused
from mvc.ssm.chunked import chunked_scan
from mvc.ssm.sequential import sequential_scan

BACKEND_ENV = "MVC_SSM_BACKEND"
log = logging.getLogger("mvc.ssm")

Core = Callable[[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor | None], tuple[Tensor, Tensor]]
"""A scan core: (u, final delta, A, B, C, initial_state) -> (y without D and z, last state)."""


@dataclass(frozen=True)
class Backend:
    """A named scan implementation.

    run: the full scan, (u, delta, A, B, C, D, z, delta_bias, delta_softplus,
        initial_state) -> (y, last_state), computed in fp32.
    unavailable: for a device, None when the backend runs there, else the reason.
    """

    name: str
    run: Callable[..., tuple[Tensor, Tensor]]
    unavailable: Callable[[torch.device], str | None]


def _gated(core: Core) -> Callable[..., tuple[Tensor, Tensor]]:
    """A full scan from a core: delta's bias and softplus before, D skip and z gate after."""
    def run(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor | None,
            z: Tensor | None, delta_bias: Tensor | None, delta_softplus: bool,
            initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
        if delta_bias is not None:
            delta = delta + delta_bias[:, None]
        if delta_softplus:
            delta = F.softplus(delta)
        y, last_state = core(u, delta, A, B, C, initial_state)
        if D is not None:
            y = y + D[:, None] * u
        if z is not None:
            y = y * F.silu(z)
        return y, last_state
    return run


def _in_fp32(run: Callable[..., tuple[Tensor, Tensor]]) -> Callable[..., tuple[Tensor, Tensor]]:
    """`run` on fp32 copies of its tensor arguments (no copy for fp32 ones)."""
    def wrapped(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor | None,
                z: Tensor | None, delta_bias: Tensor | None, delta_softplus: bool,
                initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
        def fp32(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.float()
        return run(fp32(u), fp32(delta), fp32(A), fp32(B), fp32(C), fp32(D), fp32(z),
                   fp32(delta_bias), delta_softplus, fp32(initial_state))
    return wrapped


def _fused_run(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor | None,
               z: Tensor | None, delta_bias: Tensor | None, delta_softplus: bool,
               initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
    """`fused`: with autograd, its differentiable core gated like the others; without, one
    kernel that also applies the bias, softplus, D skip and z gate."""
    tensors = (u, delta, A, B, C, D, z, delta_bias, initial_state)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
        return _gated(fused.fused_scan)(u, delta, A, B, C, D, z, delta_bias, delta_softplus,
                                        initial_state)
    return fused.fused_gated_scan(u, delta, A, B, C, D, z, delta_bias, delta_softplus,
                                  initial_state)


@functools.cache
def _mamba_scan_fn() -> Callable[..., tuple[Tensor, Tensor]] | None:
    """mamba_ssm's `selective_scan_fn`, or None when mamba_ssm (or its CUDA build) fails."""
    try:
        from mamba_ssm.ops.selective_scan_interface import selective_scan_fn
    except (ImportError, OSError):
        return None
    return selective_scan_fn


def _cuda_unavailable(device: torch.device) -> str | None:
    if _mamba_scan_fn() is None:
        return "mamba_ssm is not importable (pip install mvc-bench[gpu] on a CUDA machine)"
    if device.type != "cuda":
        return f"it needs CUDA tensors, these are on {device}"
    return None


def _cpu_only(device: torch.device) -> str | None:
    reason = fused.available()
    if reason is None and device.type != "cpu":
        reason = f"it runs on the CPU only, these tensors are on {device}"
    return reason


def _mamba_run(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor, D: Tensor | None,
               z: Tensor | None, delta_bias: Tensor | None, delta_softplus: bool,
               initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
    """mamba_ssm's kernel, which computes in fp32 itself from u, delta, B, C, z in their
    dtype (A, D and delta_bias it requires in fp32); with an initial state, which it does
    not take, the `chunked` backend instead."""
    if initial_state is not None:
        _log_once("chunked", u.device, "fallback: mamba_ssm's kernel takes no initial_state")
        return BACKENDS["chunked"].run(u, delta, A, B, C, D, z, delta_bias, delta_softplus,
                                       initial_state)
    return _mamba_scan_fn()(u, delta, A.float(), B, C, None if D is None else D.float(), z,
                            None if delta_bias is None else delta_bias.float(),
                            delta_softplus, return_last_state=True)


BACKENDS: dict[str, Backend] = {
    "sequential": Backend("sequential", _in_fp32(sequential_scan), lambda device: None),
    "chunked": Backend("chunked", _in_fp32(_gated(chunked_scan)), lambda device: None),
    "fused": Backend("fused", _in_fp32(_fused_run), _cpu_only),
    "cuda": Backend("cuda", _mamba_run, _cuda_unavailable),
}

_logged: set[tuple[str, str]] = set()


def _log_once(backend: str, device: torch.device, how: str) -> None:
    key = (backend, str(device))
    if key not in _logged:
        _logged.add(key)
        log.info("selective scan: backend %r on %s (%s)", backend, device, how)


def available_backends(device: torch.device | str) -> list[str]:
    """The backends that run on tensors on `device`, in registry order."""
    device = torch.device(device)
    return [name for name, b in BACKENDS.items() if b.unavailable(device) is None]


def _automatic(device: torch.device) -> str:
    if device.type == "cuda":
        return "cuda" if _cuda_unavailable(device) is None else "chunked"
    return "fused" if _cpu_only(device) is None else "chunked"


def choose_backend(device: torch.device | str, backend: str | None = None) -> str:
    """The backend for tensors on `device`: `backend`, else $MVC_SSM_BACKEND, else automatic.

    Raises InputError for an unknown name or one unavailable on this device, listing the
    available ones. Logs the choice once per (backend, device).
    """
    device = torch.device(device)
    env = os.environ.get(BACKEND_ENV) or None
    if backend is not None:
        where, how, name = "selective_scan(backend=...)", "requested", backend
    elif env is not None:
        where, how, name = BACKEND_ENV, f"from ${BACKEND_ENV}", env
    else:
        where, how, name = "selective_scan", "automatic", _automatic(device)
    fix = f"use one of the backends available on {device}: {', '.join(available_backends(device))}"
    if name not in BACKENDS:
        raise InputError(where, f"unknown selective-scan backend {name!r}", fix)
    reason = BACKENDS[name].unavailable(device)
    if reason is not None:
        raise InputError(where, f"selective-scan backend {name!r} is unavailable: {reason}", fix)
    _log_once(name, device, how)
    return name


def _check_shapes(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                  D: Tensor | None, z: Tensor | None, delta_bias: Tensor | None,
                  initial_state: Tensor | None) -> None:
    """ValueError naming the argument, the expected and the found shape."""
    if u.dim() != 3 or u.shape[-1] < 1:
        raise ValueError(f"selective_scan: u must be (batch, d_inner, L) with L >= 1, "
                         f"got shape {tuple(u.shape)}")
    if A.dim() != 2 or A.is_complex():
        raise ValueError(f"selective_scan: A must be a real (d_inner, d_state) matrix, "
                         f"got {A.dtype} of shape {tuple(A.shape)}")
    batch, d_inner, length = u.shape
    d_state = A.shape[1]
    expected = {
        "delta": (delta, (batch, d_inner, length)),
        "A": (A, (d_inner, d_state)),
        "B": (B, (batch, d_state, length)),
        "C": (C, (batch, d_state, length)),
        "D": (D, (d_inner,)),
        "z": (z, (batch, d_inner, length)),
        "delta_bias": (delta_bias, (d_inner,)),
        "initial_state": (initial_state, (batch, d_inner, d_state)),
    }
    for name, (tensor, shape) in expected.items():
        if tensor is None:
            continue
        if tuple(tensor.shape) != shape:
            raise ValueError(f"selective_scan: {name} must have shape {shape} (from u "
                             f"{tuple(u.shape)} and A {tuple(A.shape)}), got "
                             f"{tuple(tensor.shape)}")
        if tensor.device != u.device:
            raise ValueError(f"selective_scan: {name} is on {tensor.device}, u on {u.device}")


def selective_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                   D: Tensor | None = None, z: Tensor | None = None,
                   delta_bias: Tensor | None = None, delta_softplus: bool = False,
                   return_last_state: bool = False, initial_state: Tensor | None = None,
                   backend: str | None = None) -> Tensor | tuple[Tensor, Tensor]:
    """mamba_ssm's selective scan (see the module docstring for the recurrence and shapes).

    Returns y (batch, d_inner, L) in u's dtype, or (y, last_state) with the last state
    (batch, d_inner, d_state) in fp32 when `return_last_state`. `backend` names one of
    `BACKENDS`; None chooses as `choose_backend` does.
    """
    _check_shapes(u, delta, A, B, C, D, z, delta_bias, initial_state)
    name = choose_backend(u.device, backend)
    y, last_state = BACKENDS[name].run(u, delta, A, B, C, D, z, delta_bias, delta_softplus,
                                       initial_state)
    y = y.to(u.dtype)
    return (y, last_state) if return_last_state else y
