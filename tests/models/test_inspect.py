"""forbidden_modules finds attention and recurrent modules by type and by declaration."""

import torch
from torch import nn

from mvc.models.inspect import forbidden_modules


class HandRolledAttention(nn.Module):
    """softmax(Q K^T) V written out: only its declaration can give it away."""

    computes_attention = True

    def __init__(self) -> None:
        super().__init__()
        self.qkv = nn.Linear(8, 24)

    def forward(self, x):
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        return torch.softmax(q @ k.transpose(1, 2), dim=-1) @ v


def test_finds_every_kind_by_name():
    tree = nn.Sequential(nn.Linear(8, 8), nn.LSTM(8, 8), nn.GRU(8, 8), nn.RNN(8, 8),
                         nn.MultiheadAttention(8, 2), nn.TransformerEncoderLayer(8, 2),
                         nn.GRUCell(8, 8), nn.Sequential(HandRolledAttention()))
    assert forbidden_modules(tree) == ["1", "2", "3", "4", "5", "5.self_attn", "6", "7.0"]


def test_a_clean_tree_and_the_root_itself():
    assert forbidden_modules(nn.Sequential(nn.Linear(2, 2), nn.Conv1d(2, 2, 3))) == []
    assert forbidden_modules(nn.LSTM(2, 2)) == ["<root>"]
