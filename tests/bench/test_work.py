"""Work counting (mvc.bench.work) against MACs written out by hand from the layer shapes."""

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from mvc.bench.encoders import Scale, build_subject, make_call
from mvc.bench.work import count_work
from mvc.config import load_config
from mvc.ssm.mamba import Mamba


def test_dense_and_conv_macs_are_weights_times_steps():
    batch, length = 2, 11
    linear, conv = nn.Linear(6, 5), nn.Conv1d(5, 7, kernel_size=3, padding=1)
    x = torch.randn(batch, length, 6)
    work = count_work(linear, lambda: conv(linear(x).transpose(1, 2)))
    assert work.product_macs == batch * length * (6 * 5 + 5 * 7 * 3)
    assert work.lstm_macs == 0 and work.scan_updates == 0


def test_lstm_macs_per_step_are_four_gates_times_hidden_times_input_plus_hidden():
    lstm = nn.LSTM(6, 4, num_layers=2, bidirectional=True, batch_first=True)
    per_step = 2 * (4 * 4 * (6 + 4)) + 2 * (4 * 4 * (8 + 4))  # two directions, two layers
    x = torch.randn(3, 9, 6)
    assert count_work(lstm, lambda: lstm(x)).lstm_macs == 3 * 9 * per_step
    packed = pack_padded_sequence(x, torch.tensor([9, 5, 2]), batch_first=True)
    assert count_work(lstm, lambda: lstm(packed)).lstm_macs == (9 + 5 + 2) * per_step


def test_a_mamba_block_counts_its_projections_conv_and_scan_updates():
    block = Mamba(16, d_state=4, d_conv=3, expand=2)  # d_inner 32, dt_rank 1
    batch, length = 2, 13
    work = count_work(block, lambda: block(torch.randn(batch, length, 16)))
    d_inner, dt_rank, d_state = 32, 1, 4
    per_step = (16 * 2 * d_inner + d_inner * 3 + d_inner * (dt_rank + 2 * d_state)
                + dt_rank * d_inner + d_inner * 16)
    assert work.product_macs == batch * length * per_step
    assert work.scan_updates == batch * length * d_inner * d_state
    assert work.macs == work.product_macs


@pytest.fixture(scope="module")
def smoke() -> Scale:
    return Scale("smoke", load_config("configs/smoke.yaml"))


@pytest.mark.parametrize("system", ["mvc", "styletts2", "hybrid"])
def test_the_conditioning_paths_work_grows_with_the_length_as_their_layers_do(smoke, system):
    """Work is a + b T for the recurrent and state-space paths (a: the style's affine maps,
    once per call), so equal steps in T add equal work; attention adds a T^2 term. Hooks are
    removed after counting."""
    subject = build_subject(smoke, system, "cpu")
    w8, w16, w32 = (count_work(subject.path, make_call(subject, 1, n, 5, 0, "cpu"))
                    for n in (8, 16, 32))
    if system == "hybrid":
        assert w32.macs - w16.macs > 2 * (w16.macs - w8.macs)
    else:
        assert w32.macs - w16.macs == 2 * (w16.macs - w8.macs)
    assert w32.scan_updates == 4 * w8.scan_updates
    assert (w8.lstm_macs > 0) == (system == "styletts2")
    assert (w8.scan_updates > 0) == (system != "styletts2")
    assert all(not m._forward_hooks for m in subject.path.modules())


@pytest.mark.parametrize("grad", [False, True])
def test_attention_counts_its_projections_and_both_products_once(grad):
    """Whether torch's counter sees none of the call (inference fast path) or only its
    projections (autograd), the count is the one written out."""
    attention = nn.MultiheadAttention(16, 4, batch_first=True, kdim=8, vdim=12).eval()
    batch, queries, keys = 2, 7, 5
    q, k, v = torch.randn(batch, queries, 16), torch.randn(batch, keys, 8), torch.randn(
        batch, keys, 12)
    expected = batch * (queries * 16 * 16 + keys * 8 * 16 + keys * 12 * 16
                        + 2 * queries * keys * 16 + queries * 16 * 16)
    mode = torch.enable_grad() if grad else torch.inference_mode()
    with mode:
        work = count_work(attention, lambda: attention(q, k, v, need_weights=False))
    assert work.product_macs == expected
