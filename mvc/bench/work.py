"""The work one forward pass does: multiply-accumulates (MACs) and selective-scan state updates.

Why: a throughput ratio says little without the work behind it. A system that does X times
the multiply-adds of another runs at best 1/X times as fast at equal speed per multiply-add,
so `mvc bench encoders` reports the work next to the times (docs/efficiency.md).

Counted:
- matrix products and convolutions (dense layers, convolutions, attention's products):
  torch's `FlopCounterMode`, which counts 2 flops per multiply-accumulate and no bias adds;
- LSTM layers, whose fused kernels `FlopCounterMode` does not see into: per step, the
  number of weights of every layer and direction (4 gates x hidden x (input + hidden)),
  bias adds not counted, as above;
- `nn.MultiheadAttention`, which `FlopCounterMode` misses in part or whole on the CPU (torch
  2.9: nothing of the inference fast path `_native_multi_head_attention`, and not the
  CPU attention kernel behind `scaled_dot_product_attention`): written out, replacing what
  the counter saw inside the call: the q, k, v and output projections (B Lq E^2 + B Lk
  kdim E + B Lk vdim E + B Lq E^2) and the two products Q K^T and A V (2 B Lq Lk E), over
  the padded lengths, which the kernels compute whatever the mask;
- selective scans, apart from the MACs since they are not matrix products: batch x steps x
  d_inner x d_state state updates per Mamba block forward (each an exp and two
  multiply-adds: the state and its share of the output).
Elementwise work (norms, activations, gates) is not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence
from torch.utils.flop_counter import FlopCounterMode

from mvc.ssm.mamba import Mamba

FLOPS_PER_MAC = 2


@dataclass(frozen=True)
class Work:
    """What one call did: MACs of products and convolutions, of LSTMs, and scan updates."""

    product_macs: int
    lstm_macs: int
    scan_updates: int

    @property
    def macs(self) -> int:
        return self.product_macs + self.lstm_macs


def _steps(inputs: tuple) -> int:
    """Batch x time steps of an LSTM's input: a (batch, L, in) / (L, batch, in) tensor or a
    PackedSequence (whose data holds one row per valid step)."""
    x = inputs[0]
    if isinstance(x, PackedSequence):
        return int(x.data.shape[0])
    return int(x.shape[0] * x.shape[1]) if x.dim() == 3 else int(x.shape[0])


def attention_macs(attention: nn.MultiheadAttention, query: Tensor, key: Tensor) -> int:
    """MACs of one `nn.MultiheadAttention` call: projections and the two products."""
    def batch_and_length(x: Tensor) -> tuple[int, int]:
        if x.dim() == 2:
            return 1, int(x.shape[0])
        first, second = int(x.shape[0]), int(x.shape[1])
        return (first, second) if attention.batch_first else (second, first)

    batch, queries = batch_and_length(query)
    keys = batch_and_length(key)[1]
    embed = attention.embed_dim
    projections = (2 * queries * embed + keys * (attention.kdim + attention.vdim)) * embed
    return batch * (projections + 2 * queries * keys * embed)


def count_work(module: nn.Module, call: Callable[[], object]) -> Work:
    """Run `call` once (it should run `module`'s forward) and count its work.

    LSTMs, attention layers and Mamba blocks are found among `module`'s submodules; Mamba
    blocks are counted through their `forward` (an offline pass; the streaming API is not
    hooked)."""
    counts = {"lstm": 0, "scan": 0, "attention": 0}
    seen_before: dict[int, int] = {}
    flops = FlopCounterMode(display=False)

    def lstm_hook(lstm: nn.LSTM, inputs: tuple, output: object) -> None:
        weights = sum(p.numel() for name, p in lstm.named_parameters()
                      if name.startswith("weight"))
        counts["lstm"] += _steps(inputs) * weights

    def mamba_hook(block: Mamba, inputs: tuple, output: object) -> None:
        batch, length = inputs[0].shape[:2]
        counts["scan"] += batch * length * block.d_inner * block.d_state

    def attention_pre_hook(attention: nn.MultiheadAttention, inputs: tuple) -> None:
        seen_before[id(attention)] = flops.get_total_flops()

    def attention_hook(attention: nn.MultiheadAttention, inputs: tuple, output: object) -> None:
        seen = flops.get_total_flops() - seen_before.pop(id(attention))
        counts["attention"] += attention_macs(attention, inputs[0], inputs[1]) * FLOPS_PER_MAC
        counts["attention"] -= seen

    handles = []
    for sub in module.modules():
        if isinstance(sub, nn.LSTM):
            handles.append(sub.register_forward_hook(lstm_hook))
        elif isinstance(sub, Mamba):
            handles.append(sub.register_forward_hook(mamba_hook))
        elif isinstance(sub, nn.MultiheadAttention):
            handles.append(sub.register_forward_pre_hook(attention_pre_hook))
            handles.append(sub.register_forward_hook(attention_hook))
    try:
        with flops:
            call()
    finally:
        for handle in handles:
            handle.remove()
    products = flops.get_total_flops() + counts["attention"]
    return Work(products // FLOPS_PER_MAC, counts["lstm"], counts["scan"])
