"""Bi-Mamba: the backward branch is flipped back, the fusion is the documented gate, padding
never leaks in either direction, gradients flow, and no attention or recurrent module."""

import pytest
import torch
from torch import nn

from mvc.models.inspect import forbidden_modules
from mvc.ssm.bimamba import BiMamba, reverse_valid

BACKEND = "sequential"
TOL = 1e-5


def make_bimamba(d_model=16, seed=0, **kwargs):
    torch.manual_seed(seed)
    return BiMamba(d_model, scan_backend=BACKEND, **kwargs)


def pin_gate(model, value):
    """Make the fusion gate output `value` (0 or 1) everywhere: all weight on one branch."""
    with torch.no_grad():
        model.gate.weight.zero_()
        model.gate.bias.fill_(50.0 if value == 1 else -50.0)


def test_fusion_is_the_documented_gate_over_both_directions_in_time_order():
    m = make_bimamba()
    x = torch.randn(2, 12, 16)
    y_fwd = m.forward_mamba(x)
    y_bwd = m.backward_mamba(x.flip(1)).flip(1)
    g = torch.sigmoid(torch.cat([y_fwd, y_bwd], -1) @ m.gate.weight.T + m.gate.bias)
    assert torch.allclose(m(x), g * y_fwd + (1 - g) * y_bwd, atol=TOL)


@pytest.mark.parametrize(("gate", "affected"), [(1, "later"), (0, "earlier")])
def test_each_branch_sees_only_its_side_of_a_frame(gate, affected):
    # The forward branch is causal; the backward one, flipped back, is anti-causal. Without
    # the flip back a change at frame t would show at frames >= L - 1 - t instead.
    m = make_bimamba()
    pin_gate(m, gate)
    x = torch.randn(1, 15, 16)
    t = 4
    bumped = x.clone()
    bumped[0, t] += 1.0
    changed = (m(bumped) - m(x)).abs().amax(-1)[0] > 1e-6
    frames = torch.arange(15)
    expected = frames >= t if affected == "later" else frames <= t
    assert torch.equal(changed, expected)


def test_reverse_valid_flips_within_each_length_and_is_an_involution():
    x = torch.arange(10.0).view(2, 5, 1)
    lengths = torch.tensor([3, 5])
    rev = reverse_valid(x, lengths)
    assert rev[..., 0].tolist() == [[2, 1, 0, 3, 4], [9, 8, 7, 6, 5]]
    assert torch.equal(reverse_valid(rev, lengths), x)


def test_garbage_padding_does_not_reach_valid_frames_in_either_direction(garbage_padded):
    m = make_bimamba()
    lengths = [13, 7, 2]
    seqs, padded, mask = garbage_padded(lengths, total=16, seed=5)
    for gate in (None, 0, 1):  # both branches, then each alone
        if gate is not None:
            pin_gate(m, gate)
        out = m(padded, mask)
        for i, (seq, n) in enumerate(zip(seqs, lengths, strict=True)):
            assert torch.allclose(out[i, :n], m(seq)[0], atol=TOL)
        assert torch.equal(out[~mask], torch.zeros_like(out[~mask]))


def test_gradients_flow_through_both_branches_and_the_gate():
    m = make_bimamba()
    x = torch.randn(2, 10, 16, requires_grad=True)
    mask = torch.ones(2, 10, dtype=torch.bool)
    mask[1, 6:] = False
    with torch.no_grad():
        x[1, 6:] = float("nan")
    (m(x, mask) ** 2).sum().backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name
    assert torch.isfinite(x.grad).all()
    assert torch.equal(x.grad[1, 6:], torch.zeros_like(x.grad[1, 6:]))


def test_shared_mamba_arguments_reach_both_directions():
    m = make_bimamba(24, d_state=8, expand=3)
    for branch in (m.forward_mamba, m.backward_mamba):
        assert branch.d_state == 8 and branch.d_inner == 72 and branch.scan_backend == BACKEND


def test_no_attention_or_recurrent_module_inside():
    assert forbidden_modules(make_bimamba()) == []
    # The check itself finds them (a walk that found nothing proves nothing otherwise).
    planted = nn.Sequential(make_bimamba(), nn.LSTM(16, 16), nn.MultiheadAttention(16, 2),
                            nn.GRU(16, 16))
    assert forbidden_modules(planted) == ["1", "2", "3"]
