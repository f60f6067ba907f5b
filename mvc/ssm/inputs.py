"""Seeded selective-scan inputs at Mamba's scales, for parity checks and benchmarks.

One recipe for the tests, `mvc bench ssm` and `mvc bench ssm-parity`: delta_bias from
mamba_ssm's dt initialization (dt log-uniform in [dt_min, dt_max], stored through the
inverse softplus), S4D-real A = -(1..d_state), unit-variance u, B, C, D and z.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

DT_MIN, DT_MAX = 1e-3, 1e-1
"""mamba_ssm's default dt initialization range (Mamba(dt_min=0.001, dt_max=0.1))."""

DELTA_STD = 0.5
"""Spread of the pre-bias delta, as the x_proj output of a freshly initialized block."""


def scan_inputs(batch: int, d_inner: int, d_state: int, length: int, *, seed: int,
                initial_state: bool = False) -> dict[str, Tensor]:
    """Keyword arguments for `mvc.ssm.scan.selective_scan` (with `delta_softplus=True`)."""
    gen = torch.Generator().manual_seed(seed)
    log_dt = torch.rand(d_inner, generator=gen) * math.log(DT_MAX / DT_MIN) + math.log(DT_MIN)
    dt = torch.exp(log_dt)
    inputs = {
        "u": torch.randn(batch, d_inner, length, generator=gen),
        "delta": DELTA_STD * torch.randn(batch, d_inner, length, generator=gen),
        "A": -torch.arange(1, d_state + 1, dtype=torch.float32).repeat(d_inner, 1),
        "B": torch.randn(batch, d_state, length, generator=gen),
        "C": torch.randn(batch, d_state, length, generator=gen),
        "D": torch.randn(d_inner, generator=gen),
        "z": torch.randn(batch, d_inner, length, generator=gen),
        "delta_bias": dt + torch.log(-torch.expm1(-dt)),  # softplus^-1(dt)
    }
    if initial_state:
        inputs["initial_state"] = torch.randn(batch, d_inner, d_state, generator=gen)
    return inputs
