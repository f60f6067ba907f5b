"""Which modules of a tree are attention or recurrent: MVC's inference graph must have none.

Found by type (torch's MultiheadAttention, Transformer layers, RNN/LSTM/GRU and their
cells) and by declaration: a module of our own that computes softmax(Q K^T) attention sets
the class attribute `computes_attention = True` (the alignment teacher does).
"""

from __future__ import annotations

from torch import nn

FORBIDDEN_TYPES = (nn.MultiheadAttention, nn.RNNBase, nn.RNNCellBase, nn.Transformer,
                   nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)


def forbidden_modules(module: nn.Module) -> list[str]:
    """Names of the submodules (the root is "<root>") that are attention or LSTM/GRU/RNN."""
    return [name or "<root>" for name, sub in module.named_modules()
            if isinstance(sub, FORBIDDEN_TYPES) or getattr(sub, "computes_attention", False)]
