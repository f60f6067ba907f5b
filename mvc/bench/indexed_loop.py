"""Benchmark-only reference: the selective scan as a loop that indexes the sequence per step.

This is the comparator the SSM issue's forward+backward target names ("autograd through
the sequential loop, whose cost grows as L^2"): the pattern of mamba_ssm's
`selective_scan_ref` (mamba_ssm/ops/selective_scan_interface.py), written here on our own.
It first materializes exp(delta * A) and delta * B * u for the whole sequence, as
(batch, d_inner, L, d_state) tensors, then loops over time reading step i with
`x[:, :, i]`. Under autograd each such index's backward builds a zero-filled gradient of
the whole (batch, d_inner, L, d_state) tensor and scatters one step into it, so the
backward does O(L) work per step, O(L^2) in all.

`mvc.ssm.sequential` computes the same thing with a linear backward (it unbinds the
sequence once) and is the reference the tests trust; this one exists only so that
`mvc bench ssm` can time the issue's comparator side by side. tests/bench checks that it
equals `sequential`, values and gradients.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def indexed_loop_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                      D: Tensor | None = None, z: Tensor | None = None,
                      delta_bias: Tensor | None = None,
                      delta_softplus: bool = False) -> Tensor:
    """y (batch, d_inner, L) in fp32, for the arguments of `mvc.ssm.scan.selective_scan`
    (no initial or last state: mamba_ssm's reference loop starts from zero)."""
    u, delta, A, B, C = u.float(), delta.float(), A.float(), B.float(), C.float()
    if delta_bias is not None:
        delta = delta + delta_bias.float()[:, None]
    if delta_softplus:
        delta = F.softplus(delta)
    decay = torch.exp(delta[..., None] * A[:, None, :])  # (batch, d_inner, L, d_state)
    drive = (delta * u)[..., None] * B.transpose(1, 2)[:, None, :, :]
    state = u.new_zeros(u.shape[0], u.shape[1], A.shape[1])
    outputs = []
    for i in range(u.shape[2]):
        state = decay[:, :, i] * state + drive[:, :, i]
        outputs.append((state * C[:, None, :, i]).sum(-1))
    y = torch.stack(outputs, dim=-1)
    if D is not None:
        y = y + D.float()[:, None] * u
    if z is not None:
        y = y * F.silu(z.float())
    return y
