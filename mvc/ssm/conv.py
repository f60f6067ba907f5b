"""The Mamba block's depthwise causal convolution (then SiLU), whole-sequence or chunked.

A frame's output depends on it and the `d_conv - 1` frames before it. The chunked form
carries those frames between calls in a conv state laid out like mamba_ssm's
`conv_state` (batch, channels, d_conv): the last `d_conv` inputs, oldest first.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

try:
    from causal_conv1d import causal_conv1d_fn
except ImportError:
    causal_conv1d_fn = None


def causal_conv_silu(x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
    """SiLU of the depthwise causal convolution of x (batch, channels, L), from zero history.

    weight is nn.Conv1d's (channels, 1, d_conv). On CUDA, uses `causal_conv1d_fn` (the
    kernel mamba_ssm uses) when installed; otherwise torch's conv1d with left padding.
    """
    if causal_conv1d_fn is not None and x.is_cuda:
        return causal_conv1d_fn(x, weight.squeeze(1), bias, activation="silu")
    d_conv = weight.shape[-1]
    padded = F.pad(x, (d_conv - 1, 0))
    return F.silu(F.conv1d(padded, weight, bias, groups=x.shape[1]))


def causal_conv_silu_chunk(x: Tensor, weight: Tensor, bias: Tensor | None,
                           conv_state: Tensor) -> tuple[Tensor, Tensor]:
    """Like `causal_conv_silu` for a chunk x (batch, channels, T) that continues a stream.

    conv_state (batch, channels, d_conv) holds the stream's last d_conv inputs (zeros at
    the start). Returns the chunk's output (batch, channels, T) and the updated state, so
    that chunk outputs concatenated equal the whole-sequence output.
    """
    d_conv = weight.shape[-1]
    history = torch.cat([conv_state[..., 1:].to(x.dtype), x], dim=-1)
    y = F.silu(F.conv1d(history, weight, bias, groups=x.shape[1]))
    return y, history[..., -d_conv:]
