"""The Mamba block: mamba_ssm's parameter layout and init, its forward semantics checked
against a plain loop written here, masks, and the step/chunk streaming API."""

import math

import pytest
import torch
import torch.nn.functional as F

import mvc.ssm.mamba as mamba_module
from mvc.ssm.mamba import Mamba, valid_lengths

BACKEND = "sequential"
TOL = 1e-5


def make_mamba(d_model=16, seed=0, **kwargs):
    torch.manual_seed(seed)
    kwargs.setdefault("scan_backend", BACKEND)
    return Mamba(d_model, **kwargs)


def reference_forward(m, h):
    """mamba_simple's reference path written as loops, in float64, on m's weights."""
    w = {name: p.detach().double() for name, p in m.named_parameters()}
    h = h.detach().double()
    batch, length, _ = h.shape
    d_inner, d_state, dt_rank = m.d_inner, m.d_state, m.dt_rank
    xz = h @ w["in_proj.weight"].T
    x, z = xz[..., :d_inner], xz[..., d_inner:]
    kernel = w["conv1d.weight"][:, 0, :]
    width = kernel.shape[1]
    conv = torch.zeros_like(x) + w["conv1d.bias"]
    for t in range(length):
        for k in range(width):
            source = t - (width - 1) + k
            if source >= 0:
                conv[:, t] += kernel[:, k] * x[:, source]
    u = conv * torch.sigmoid(conv)
    x_dbl = u @ w["x_proj.weight"].T
    dt = x_dbl[..., :dt_rank]
    b = x_dbl[..., dt_rank:dt_rank + d_state]
    c = x_dbl[..., dt_rank + d_state:]
    delta = F.softplus(dt @ w["dt_proj.weight"].T + w["dt_proj.bias"])
    a = -torch.exp(w["A_log"])
    state = torch.zeros(batch, d_inner, d_state, dtype=torch.float64)
    ys = []
    for t in range(length):
        decay = torch.exp(delta[:, t, :, None] * a)
        state = decay * state + delta[:, t, :, None] * b[:, t, None, :] * u[:, t, :, None]
        ys.append((state * c[:, t, None, :]).sum(-1) + w["D"] * u[:, t])
    y = torch.stack(ys, dim=1) * z * torch.sigmoid(z)
    return y @ w["out_proj.weight"].T


def test_parameter_names_and_shapes_match_mamba_ssm():
    # d_inner = 2 * 64 = 128, dt_rank = ceil(64 / 16) = 4, d_state = 16, d_conv = 4.
    expected = {"in_proj.weight": (256, 64), "conv1d.weight": (128, 1, 4),
                "conv1d.bias": (128,), "x_proj.weight": (4 + 32, 128),
                "dt_proj.weight": (128, 4), "dt_proj.bias": (128,), "A_log": (128, 16),
                "D": (128,), "out_proj.weight": (64, 128)}
    got = {name: tuple(t.shape) for name, t in make_mamba(64).state_dict().items()}
    assert got == expected


def test_parameter_shapes_for_other_settings_and_biases():
    # d_inner = 3 * 40 = 120, dt_rank = ceil(40 / 16) = 3 (rounded up), d_state 8, d_conv 3.
    m = make_mamba(40, d_state=8, d_conv=3, expand=3, bias=True, conv_bias=False)
    expected = {"in_proj.weight": (240, 40), "in_proj.bias": (240,),
                "conv1d.weight": (120, 1, 3), "x_proj.weight": (3 + 16, 120),
                "dt_proj.weight": (120, 3), "dt_proj.bias": (120,), "A_log": (120, 8),
                "D": (120,), "out_proj.weight": (40, 120), "out_proj.bias": (40,)}
    assert {n: tuple(t.shape) for n, t in m.state_dict().items()} == expected
    assert make_mamba(40, dt_rank=7).dt_proj.weight.shape == (80, 7)


def test_state_dict_round_trip_through_a_file(tmp_path):
    source, target = make_mamba(seed=1), make_mamba(seed=2)
    x = torch.randn(2, 9, 16)
    assert not torch.allclose(source(x), target(x))
    torch.save(source.state_dict(), tmp_path / "mamba.pt")
    target.load_state_dict(torch.load(tmp_path / "mamba.pt"), strict=True)
    assert torch.equal(source(x), target(x))


def test_init_recipe():
    dt_min, dt_max = 0.002, 0.05
    m = make_mamba(512, dt_min=dt_min, dt_max=dt_max, dt_scale=2.0)
    dt = F.softplus(m.dt_proj.bias.detach().double())
    assert dt.min() >= dt_min * (1 - 1e-5) and dt.max() <= dt_max * (1 + 1e-5)
    # log-uniform: the mean of log(dt) is the midpoint (1024 draws, std of the mean ~0.04).
    midpoint = (math.log(dt_min) + math.log(dt_max)) / 2
    assert abs(dt.log().mean().item() - midpoint) < 0.2
    std = m.dt_rank ** -0.5 * 2.0
    weight = m.dt_proj.weight.detach()
    assert weight.abs().max() <= std and weight.abs().max() > 0.9 * std
    a = -torch.exp(m.A_log.detach())
    assert torch.allclose(a, -torch.arange(1.0, 17.0).repeat(m.d_inner, 1), rtol=1e-6, atol=0)
    assert torch.equal(m.D.detach(), torch.ones(m.d_inner))
    assert m.A_log._no_weight_decay and m.D._no_weight_decay
    assert m.A_log.dtype == torch.float32 and m.D.dtype == torch.float32


def test_init_constant_dt_and_floor():
    m = make_mamba(32, dt_init="constant", dt_min=1e-7, dt_max=1e-6, dt_init_floor=1e-4)
    assert torch.allclose(m.dt_proj.weight, torch.full_like(m.dt_proj.weight, 2 ** -0.5))
    dt = F.softplus(m.dt_proj.bias.detach().double())
    assert torch.allclose(dt, torch.full_like(dt, 1e-4), rtol=1e-4)
    with pytest.raises(ValueError, match="dt_init"):
        make_mamba(16, dt_init="xavier")


def test_forward_matches_plain_reference_loop():
    m = make_mamba(16, bias=False)
    x = torch.randn(3, 23, 16)
    assert torch.allclose(m(x).double(), reference_forward(m, x), atol=TOL)


def test_scan_backend_is_passed_to_the_scan(monkeypatch):
    seen = []

    def spy(u, *args, **kwargs):
        seen.append(kwargs["backend"])
        return torch.zeros_like(u)

    monkeypatch.setattr(mamba_module, "selective_scan", spy)
    make_mamba(scan_backend="chunked")(torch.randn(1, 5, 16))
    assert seen == ["chunked"]


def test_garbage_padding_does_not_reach_valid_frames_and_pads_are_zero(garbage_padded):
    m = make_mamba(16)
    lengths = [11, 6, 1]
    seqs, padded, mask = garbage_padded(lengths, total=14, seed=3)
    out = m(padded, mask)
    for i, (seq, n) in enumerate(zip(seqs, lengths, strict=True)):
        assert torch.allclose(out[i, :n], m(seq)[0], atol=TOL)
    assert torch.equal(out[~mask], torch.zeros_like(out[~mask]))


def test_mask_must_pad_only_at_the_end():
    mask = torch.tensor([[True, False, True]])
    with pytest.raises(ValueError, match="pad only at the end"):
        make_mamba()(torch.randn(1, 3, 16), mask)
    assert valid_lengths(torch.tensor([[True, True, False], [False] * 3])).tolist() == [2, 0]


def test_step_over_all_frames_equals_forward():
    m = make_mamba(16)
    x = torch.randn(2, 13, 16)
    state = m.allocate_state(2)
    assert state.conv_state.shape == (2, 32, 4) and state.ssm_state.shape == (2, 32, 16)
    outputs = []
    for t in range(x.shape[1]):
        y_t, state = m.step(x[:, t], state)
        outputs.append(y_t)
    assert torch.allclose(torch.stack(outputs, dim=1), m(x), atol=TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_forward_chunk_over_random_splits_equals_forward(seed):
    m = make_mamba(16, d_conv=4)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, 40, 16, generator=gen)
    cuts = sorted(torch.randperm(39, generator=gen)[:8].add(1).tolist())
    state, outputs = m.allocate_state(2), []
    for piece in torch.tensor_split(x, cuts, dim=1):
        y, state = m.forward_chunk(piece, state)
        outputs.append(y)
    assert torch.allclose(torch.cat(outputs, dim=1), m(x), atol=TOL)


def test_chunks_shorter_than_the_conv_and_single_frames():
    m = make_mamba(16, d_conv=4)
    x = torch.randn(1, 10, 16)
    state, outputs = m.allocate_state(1), []
    for piece in torch.tensor_split(x, [1, 2, 4, 5], dim=1):
        y, state = m.forward_chunk(piece, state)
        outputs.append(y)
    assert torch.allclose(torch.cat(outputs, dim=1), m(x), atol=TOL)
