"""The `sequential` scan backend: a plain loop over time, the reference the tests trust.

It spells out mamba_ssm's `selective_scan_ref` (real A, input-dependent B and C) on its
own, sharing no pre- or post-processing with the fast backends, so that a test against it
checks those too. The inputs are unbound along time once (`unbind`): indexing `x[..., t]`
inside the loop would make autograd build a zero-filled gradient of the whole sequence
per step, a backward that grows as L^2; `unbind`'s backward is one `stack`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


def sequential_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                    D: Tensor | None, z: Tensor | None, delta_bias: Tensor | None,
                    delta_softplus: bool, initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
    """y (batch, d_inner, L) and the last state (batch, d_inner, d_state), all fp32.

    h_t = exp(delta_t * A) * h_{t-1} + delta_t * B_t * u_t, y_t = <h_t, C_t> + D * u_t,
    times silu(z_t); delta has delta_bias added and softplus applied first when asked.
    """
    if delta_bias is not None:
        delta = delta + delta_bias[:, None]
    if delta_softplus:
        delta = F.softplus(delta)
    batch, d_inner, _ = u.shape
    h = (torch.zeros(batch, d_inner, A.shape[1], dtype=u.dtype, device=u.device)
         if initial_state is None else initial_state)
    ys = []
    for u_t, delta_t, b_t, c_t in zip(u.unbind(-1), delta.unbind(-1), B.unbind(-1),
                                      C.unbind(-1), strict=True):
        h = torch.exp(delta_t[:, :, None] * A) * h + (delta_t * u_t)[:, :, None] * b_t[:, None, :]
        ys.append((h * c_t[:, None, :]).sum(-1))
    y = torch.stack(ys, dim=-1)
    if D is not None:
        y = y + D[:, None] * u
    if z is not None:
        y = y * F.silu(z)
    return y, h
