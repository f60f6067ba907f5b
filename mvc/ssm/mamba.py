"""The Mamba block (Gu & Dao, 2023), parameter-compatible with mamba_ssm's `Mamba`.

Parameter names, shapes and initialization follow mamba_ssm's
`mamba_ssm.modules.mamba_simple.Mamba`, so a state dict saved by either loads in the
other. The forward pass is mamba_simple's reference (non-fused) path:

    x, z = in_proj(h).chunk(2)                  (batch, d_inner, L) each
    x = silu(causal_depthwise_conv(x))
    dt, B, C = x_proj(x).split(dt_rank, d_state, d_state)
    delta = softplus(dt_proj.weight @ dt + dt_proj.bias)
    y = selective_scan(x, delta, A = -exp(A_log), B, C, D) * silu(z)
    out = out_proj(y)

Beyond mamba_ssm: a padding mask, and a functional streaming API (`allocate_state`,
`step`, `forward_chunk`) that carries the conv and SSM state across calls.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mvc.ssm.conv import causal_conv_silu, causal_conv_silu_chunk
from mvc.ssm.scan import selective_scan

DT_INIT_MODES = ("random", "constant")
DT_RANK_DIVISOR = 16  # dt_rank="auto" is ceil(d_model / 16), as in mamba_ssm


class MambaState(NamedTuple):
    """A stream's carried state: the last d_conv conv inputs and the SSM hidden state."""

    conv_state: Tensor  # (batch, d_inner, d_conv), oldest frame first
    ssm_state: Tensor  # (batch, d_inner, d_state)


def valid_lengths(mask: Tensor) -> Tensor:
    """Lengths (batch,) of a padding mask (batch, L), True = valid, padding only at the end.

    Raises ValueError for a mask with a valid frame after a padded one: the blocks rely on
    padding being at the end so that causal processing never carries it into valid frames.
    """
    if mask.dim() != 2 or mask.dtype != torch.bool:
        raise ValueError(f"mask must be a (batch, L) bool tensor, got {tuple(mask.shape)} "
                         f"{mask.dtype}")
    if (mask[:, 1:] & ~mask[:, :-1]).any():
        raise ValueError("mask has a valid frame after a padded one; pad only at the end")
    return mask.sum(dim=1)


class Mamba(nn.Module):
    """One Mamba block: (batch, L, d_model) -> (batch, L, d_model).

    Arguments are mamba_ssm's (d_inner = expand * d_model; dt_rank "auto" =
    ceil(d_model / 16)); `scan_backend` is passed to `selective_scan` (None = automatic).
    """

    def __init__(self, d_model: int, d_state: int = 16, d_conv: int = 4, expand: int = 2,
                 dt_rank: int | Literal["auto"] = "auto", dt_min: float = 0.001,
                 dt_max: float = 0.1, dt_init: str = "random", dt_scale: float = 1.0,
                 dt_init_floor: float = 1e-4, conv_bias: bool = True, bias: bool = False,
                 scan_backend: str | None = None, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if dt_init not in DT_INIT_MODES:
            raise ValueError(f"dt_init must be one of {DT_INIT_MODES}, got {dt_init!r}")
        factory = {"device": device, "dtype": dtype}
        self.d_model = d_model
        self.d_state = d_state
        self.d_conv = d_conv
        self.expand = expand
        self.d_inner = int(expand * d_model)
        self.dt_rank = math.ceil(d_model / DT_RANK_DIVISOR) if dt_rank == "auto" else dt_rank
        self.scan_backend = scan_backend

        self.in_proj = nn.Linear(d_model, 2 * self.d_inner, bias=bias, **factory)
        self.conv1d = nn.Conv1d(self.d_inner, self.d_inner, kernel_size=d_conv,
                                groups=self.d_inner, padding=d_conv - 1, bias=conv_bias,
                                **factory)
        self.x_proj = nn.Linear(self.d_inner, self.dt_rank + 2 * d_state, bias=False, **factory)
        self.dt_proj = nn.Linear(self.dt_rank, self.d_inner, bias=True, **factory)
        self._init_dt_proj(dt_init, dt_scale, dt_min, dt_max, dt_init_floor)

        # S4D-real initialization A[d, n] = n + 1, stored as log in fp32 like mamba_ssm.
        s4d_real = torch.arange(1, d_state + 1, dtype=torch.float32, device=device)
        self.A_log = nn.Parameter(torch.log(s4d_real).repeat(self.d_inner, 1))
        self.A_log._no_weight_decay = True
        self.D = nn.Parameter(torch.ones(self.d_inner, device=device))
        self.D._no_weight_decay = True
        self.out_proj = nn.Linear(self.d_inner, d_model, bias=bias, **factory)

    def _init_dt_proj(self, dt_init: str, dt_scale: float, dt_min: float, dt_max: float,
                      dt_init_floor: float) -> None:
        """mamba_ssm's dt recipe: the weight keeps the variance of dt at initialization; the
        bias is softplus^-1 of a step sampled log-uniformly in [dt_min, dt_max]."""
        std = self.dt_rank ** -0.5 * dt_scale
        if dt_init == "constant":
            nn.init.constant_(self.dt_proj.weight, std)
        else:
            nn.init.uniform_(self.dt_proj.weight, -std, std)
        bias = self.dt_proj.bias
        log_dt = (torch.rand(self.d_inner, device=bias.device, dtype=bias.dtype)
                  * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        dt = torch.exp(log_dt).clamp(min=dt_init_floor)
        with torch.no_grad():
            bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # inverse of softplus
        bias._no_reinit = True

    def forward(self, hidden_states: Tensor, mask: Tensor | None = None) -> Tensor:
        """(batch, L, d_model) -> (batch, L, d_model), from zero state.

        mask (batch, L) bool, True = valid, padding at the end. Valid frames only see
        earlier frames, so padding cannot reach them; padded input frames are still zeroed
        first, so that garbage there (even inf or NaN) stays out of every scan backend and
        of the backward pass. Padded output frames are zero.
        """
        self._check_input(hidden_states)
        if mask is not None:
            valid_lengths(mask)
            keep = mask.unsqueeze(-1)
            hidden_states = torch.where(keep, hidden_states, 0.0)
        x, z = self._in_projection(hidden_states)
        x = causal_conv_silu(x, self.conv1d.weight, self.conv1d.bias)
        out = self.out_proj(self._ssm(x, z).transpose(1, 2))
        return out if mask is None else out.masked_fill(~keep, 0.0)

    def allocate_state(self, batch: int) -> MambaState:
        """The zero state a stream starts from."""
        conv = torch.zeros(batch, self.d_inner, self.d_conv, device=self.conv1d.weight.device,
                           dtype=self.conv1d.weight.dtype)
        ssm = torch.zeros(batch, self.d_inner, self.d_state, device=self.A_log.device,
                          dtype=torch.float32)
        return MambaState(conv, ssm)

    def forward_chunk(self, hidden_states: Tensor,
                      state: MambaState) -> tuple[Tensor, MambaState]:
        """Continue a stream by a chunk (batch, T, d_model); returns its output and the new
        state. Chunk outputs concatenated equal `forward` of the concatenated chunks."""
        self._check_input(hidden_states)
        x, z = self._in_projection(hidden_states)
        x, conv_state = causal_conv_silu_chunk(x, self.conv1d.weight, self.conv1d.bias,
                                               state.conv_state)
        y, ssm_state = self._ssm(x, z, initial_state=state.ssm_state)
        return self.out_proj(y.transpose(1, 2)), MambaState(conv_state, ssm_state)

    def step(self, x_t: Tensor, state: MambaState) -> tuple[Tensor, MambaState]:
        """One frame (batch, d_model) -> (batch, d_model): the recurrence written out, like
        mamba_ssm's `step` (no scan call)."""
        x, z = self.in_proj(x_t).chunk(2, dim=-1)
        conv_state = torch.cat([state.conv_state[..., 1:], x.unsqueeze(-1)], dim=-1)
        x = (conv_state * self.conv1d.weight.squeeze(1)).sum(dim=-1)
        if self.conv1d.bias is not None:
            x = x + self.conv1d.bias
        x = F.silu(x)
        dt, b, c = self.x_proj(x).split([self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.softplus(F.linear(dt, self.dt_proj.weight).float() + self.dt_proj.bias.float())
        a = -torch.exp(self.A_log.float())
        x32 = x.float()
        ssm_state = (state.ssm_state * torch.exp(delta.unsqueeze(-1) * a)
                     + (delta * x32).unsqueeze(-1) * b.float().unsqueeze(1))
        y = torch.einsum("bdn,bn->bd", ssm_state, c.float()) + self.D.float() * x32
        y = (y * F.silu(z.float())).to(x_t.dtype)
        return self.out_proj(y), MambaState(conv_state, ssm_state)

    def _check_input(self, hidden_states: Tensor) -> None:
        if hidden_states.dim() != 3 or hidden_states.shape[-1] != self.d_model:
            raise ValueError(f"Mamba expects (batch, L, {self.d_model}), got "
                             f"{tuple(hidden_states.shape)}")

    def _in_projection(self, hidden_states: Tensor) -> tuple[Tensor, Tensor]:
        """x and z, each (batch, d_inner, L): the scan's channel-major layout."""
        return self.in_proj(hidden_states).transpose(1, 2).chunk(2, dim=1)

    def _ssm(self, x: Tensor, z: Tensor,
             initial_state: Tensor | None = None) -> Tensor | tuple[Tensor, Tensor]:
        """The selective scan on the conv output x (batch, d_inner, L), gated by silu(z);
        with initial_state, also returns the last state."""
        dt, b, c = self.x_proj(x.transpose(1, 2)).split(
            [self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = F.linear(dt, self.dt_proj.weight).transpose(1, 2)
        return selective_scan(
            x, delta, -torch.exp(self.A_log.float()), b.transpose(1, 2).contiguous(),
            c.transpose(1, 2).contiguous(), self.D.float(), z=z,
            delta_bias=self.dt_proj.bias.float(), delta_softplus=True,
            return_last_state=initial_state is not None, initial_state=initial_state,
            backend=self.scan_backend)
