"""The `chunked` scan backend: a pure-PyTorch parallel scan, differentiable by autograd.

The recurrence h_t = a_t * h_{t-1} + b_t (a_t = exp(delta_t * A), b_t = delta_t * B_t * u_t)
composes associatively: step (a, b) then step (a', b') is the step (a' * a, a' * b + b').
The sequence is cut into chunks of `chunk` steps. Within a chunk, Blelloch's work-efficient
scan in its recursive (odd-even) form: neighbouring steps (2k, 2k+1) are combined into one,
the half-length sequence is scanned the same way (log2(chunk) levels deep), and each even
position then follows from the odd one before it. That is O(chunk) work (Hillis-Steele's
is O(chunk log chunk)), which matters on a CPU where every pass is memory-bound. The state
carried in from the previous chunk is folded into the chunk's first input, so the scan
yields the states themselves. Only products of decays a <= 1 appear (never exp of a
positive cumulative sum), so nothing overflows.

Memory: a chunk materializes (chunk, batch, d_inner, d_state) tensors, never the whole
sequence's. With autograd on, each chunk is one `_ChunkScan` node that keeps only the chunk's inputs
and carried-in state; its backward recomputes the chunk's states and runs the reverse
scan with the same odd-even scan.

On a 2-core CPU this is no faster than the plain loop (`sequential`), whose per-step
tensors stay in cache: see docs/ssm.md. Its use is devices without a fused kernel.
"""

from __future__ import annotations

import torch
from torch import Tensor

DEFAULT_CHUNK = 64
"""Steps per chunk: 32-128 were equally fast on the 2-core CPU (batch 4, d_inner 512,
d_state 16; 16 and 256 slower); a chunk's tensors are then 8 MB each."""


def _scan_steps(decay: Tensor, drive: Tensor) -> Tensor:
    """Inclusive scan of h_t = decay_t * h_{t-1} + drive_t along dim 0, from h_{-1} = 0."""
    steps = drive.shape[0]
    if steps == 1:
        return drive
    paired = 2 * (steps // 2)
    odd_decay = decay[1:paired:2]
    odd = _scan_steps(odd_decay * decay[0:paired:2],
                      torch.addcmul(drive[1:paired:2], odd_decay, drive[0:paired:2]))
    even = torch.addcmul(drive[2::2], decay[2::2], odd[:(steps - 1) // 2])
    states = torch.empty_like(drive)
    states[0] = drive[0]
    states[1::2] = odd
    states[2::2] = even
    return states


def _chunk_states(h: Tensor, u: Tensor, delta: Tensor, A: Tensor,
                  B: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """delta (T, batch, d_inner, 1), decays and states (T, batch, d_inner, d_state) of one
    chunk: u, delta (batch, d_inner, T); B (batch, d_state, T); h the state carried in."""
    delta_t = delta.permute(2, 0, 1)[..., None]
    decay = torch.exp(delta_t * A)
    drive = (delta_t * u.permute(2, 0, 1)[..., None]) * B.permute(2, 0, 1)[:, :, None, :]
    drive[0] += decay[0] * h
    return delta_t, decay, _scan_steps(decay, drive)


def _scan_chunk(h: Tensor, u: Tensor, delta: Tensor, A: Tensor, B: Tensor,
                C: Tensor) -> tuple[Tensor, Tensor]:
    """y (batch, d_inner, T) and the last state of one chunk (C: (batch, d_state, T))."""
    states = _chunk_states(h, u, delta, A, B)[2]
    y = (states * C.permute(2, 0, 1)[:, :, None, :]).sum(-1)
    # A copy: a view would keep the chunk's states alive as long as the last state is
    # (under autograd, that is every chunk's: the whole sequence's states).
    return y.permute(1, 2, 0), states[-1].clone()


class _ChunkScan(torch.autograd.Function):
    """`_scan_chunk` that keeps only its inputs and recomputes the states for backward.

    The backward is the reverse scan g_t = dL/dh_t = gy_t * C_t + a_{t+1} * g_{t+1}
    (g_{T-1} includes the last state's gradient), run by `_scan_steps` on time-reversed
    tensors; then d drive_t = g_t and d decay_t = g_t * h_{t-1} give every input's gradient.
    Written out rather than left to autograd, whose backward of the strided slices would
    zero-fill and copy a chunk-sized tensor for every slice.
    """

    @staticmethod
    def forward(ctx, *inputs: Tensor) -> tuple[Tensor, Tensor]:
        ctx.save_for_backward(*inputs)
        return _scan_chunk(*inputs)

    @staticmethod
    def backward(ctx, gy: Tensor, g_last: Tensor) -> tuple[Tensor, ...]:
        h, u, delta, A, B, C = ctx.saved_tensors
        delta_t, decay, states = _chunk_states(h, u, delta, A, B)
        g_y = gy.permute(2, 0, 1)[..., None] * C.permute(2, 0, 1)[:, :, None, :]
        g_y[-1] += g_last
        later_decay = torch.flip(decay, [0]).roll(1, 0)  # reversed a_{t+1}; [0] unused
        g = torch.flip(_scan_steps(later_decay, torch.flip(g_y, [0])), [0])
        g_decay = g * torch.cat([h[None], states[:-1]])
        g_exponent = g_decay * decay  # d L / d (delta_t * A)
        g_du = (g * B.permute(2, 0, 1)[:, :, None, :]).sum(-1)  # d L / d (delta_t * u_t)
        u_t, delta_plain = u.permute(2, 0, 1), delta_t[..., 0]
        g_delta = (g_exponent * A).sum(-1) + g_du * u_t
        grads = {
            "h": decay[0] * g[0],
            "u": (g_du * delta_plain).permute(1, 2, 0),
            "delta": g_delta.permute(1, 2, 0),
            "A": (g_exponent * delta_t).sum((0, 1)),
            "B": (g * (delta_t * u_t[..., None])).sum(2).permute(1, 2, 0),
            "C": (states * gy.permute(2, 0, 1)[..., None]).sum(2).permute(1, 2, 0),
        }
        return tuple(grads[name] if needed else None for name, needed in
                     zip(("h", "u", "delta", "A", "B", "C"), ctx.needs_input_grad, strict=True))


def chunked_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                 initial_state: Tensor | None,
                 chunk: int = DEFAULT_CHUNK) -> tuple[Tensor, Tensor]:
    """The scan core on fp32 inputs whose delta is final (bias and softplus applied).

    u, delta: (batch, d_inner, L); A: (d_inner, d_state); B, C: (batch, d_state, L);
    initial_state: (batch, d_inner, d_state) or None (zeros). Returns y (batch, d_inner, L)
    without the D skip and z gate, and the last state.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    batch, d_inner, length = u.shape
    h = (torch.zeros(batch, d_inner, A.shape[1], dtype=u.dtype, device=u.device)
         if initial_state is None else initial_state)
    with_grad = torch.is_grad_enabled() and any(
        t.requires_grad for t in (u, delta, A, B, C, h))
    ys = []
    for start in range(0, length, chunk):
        part = slice(start, start + chunk)
        args = (h, u[..., part], delta[..., part], A, B[..., part], C[..., part])
        if with_grad:
            y, h = _ChunkScan.apply(*args)
        else:
            y, h = _scan_chunk(*args)
        ys.append(y)
    return torch.cat(ys, dim=-1), h
