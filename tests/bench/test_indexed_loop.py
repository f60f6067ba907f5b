"""The benchmark-only indexed loop: it equals the sequential reference (values and every
gradient), and its backward really is the per-step full-size pattern that grows as L^2."""

import functools

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from mvc.bench.indexed_loop import indexed_loop_scan
from mvc.ssm.inputs import scan_inputs
from mvc.ssm.scan import selective_scan


def scan_with_grads(scan, length, bare):
    """Outputs and the gradients of every input; `bare`: no D, z, bias or softplus (delta
    made positive beforehand, as softplus would)."""
    inputs = scan_inputs(2, 5, 3, length, seed=3)
    if bare:
        inputs["delta"] = F.softplus(inputs["delta"] + inputs["delta_bias"][:, None])
        inputs = {k: inputs[k] for k in ("u", "delta", "A", "B", "C")}
    inputs = {k: v.requires_grad_() for k, v in inputs.items()}
    y = scan(**inputs, delta_softplus=not bare)
    weights = torch.randn(y.shape, generator=torch.Generator().manual_seed(1))
    (y * weights).sum().backward()
    return y.detach(), {k: v.grad for k, v in inputs.items()}


@pytest.mark.parametrize("bare", [False, True])
def test_equals_the_sequential_reference_values_and_gradients(bare):
    y, grads = scan_with_grads(indexed_loop_scan, 37, bare)
    y_ref, grads_ref = scan_with_grads(
        functools.partial(selective_scan, backend="sequential"), 37, bare)
    torch.testing.assert_close(y, y_ref, atol=1e-5, rtol=1e-5)
    assert grads.keys() == grads_ref.keys()
    for name in grads:
        torch.testing.assert_close(grads[name], grads_ref[name], atol=1e-5, rtol=1e-5,
                                   msg=lambda m, name=name: f"{name}: {m}")


class FullSizeOutputs(TorchDispatchMode):
    """Counts ATen ops that return a tensor of exactly `numel` elements."""

    def __init__(self, numel):
        super().__init__()
        self.numel, self.count = numel, 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor) and t.numel() == self.numel:
                self.count += 1
        return out


def test_backward_builds_a_whole_sequence_gradient_per_step():
    length, batch, d_inner, d_state = 24, 2, 5, 3
    inputs = {k: v.requires_grad_() for k, v in
              scan_inputs(batch, d_inner, d_state, length, seed=0).items()}
    y = indexed_loop_scan(**inputs, delta_softplus=True)
    with FullSizeOutputs(batch * d_inner * length * d_state) as full:
        y.sum().backward()
    assert full.count >= 2 * length  # decay's and drive's, at every step
