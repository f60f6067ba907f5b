"""The selective scan: every backend against the sequential reference (outputs and
gradients of every input), the reference against a float64 loop written here and a closed
form, state continuation, memory shape of the fast backends, and backend selection.

Tolerance: fp32 parity means |actual - expected| <= 1e-5 * max(1, max|expected|)
+ 1e-5 * |expected|, per tensor (the scale makes 1e-5 relative for gradients that sum
over many steps and grow with L).
"""

import gc
import logging
import math
import weakref

import numba
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

import mvc.ssm.scan as scan
from mvc.errors import InputError
from mvc.ssm import fused
from mvc.ssm.chunked import chunked_scan
from mvc.ssm.fused import fused_scan
from mvc.ssm.inputs import scan_inputs
from mvc.ssm.scan import BACKEND_ENV, choose_backend, selective_scan
from mvc.ssm.sequential import sequential_scan

FAST = ("chunked", "fused")
TOL = 1e-5
ARGS = ("u", "delta", "A", "B", "C", "D", "z", "delta_bias", "initial_state")


def assert_parity(actual, expected, tol=TOL):
    scale = max(1.0, expected.abs().max().item())
    torch.testing.assert_close(actual, expected, atol=tol * scale, rtol=tol)


def make_inputs(length, batch=2, d_inner=4, d_state=3, seed=0):
    return scan_inputs(batch, d_inner, d_state, length, seed=seed, initial_state=True)


OPTION_SETS = {
    "all": {"D", "z", "delta_bias", "initial_state", "softplus", "last_state"},
    "bare": set(),
    "D": {"D"},
    "z": {"z"},
    "bias+softplus": {"delta_bias", "softplus"},
    "initial_state": {"initial_state"},
    "last_state": {"last_state"},
}


def run_scan(inputs, options, backend, grad=True):
    """The scan with the chosen options; returns (outputs, gradients of every tensor input).

    Without softplus, delta is made positive first (softplus of delta + bias, as a
    constant), so that every option set scans a realistic positive step."""
    inputs = dict(inputs)
    if "softplus" not in options:
        inputs["delta"] = F.softplus(inputs["delta"] + inputs["delta_bias"][:, None])
    used = {k: v.clone().requires_grad_(grad) for k, v in inputs.items()
            if k in ("u", "delta", "A", "B", "C") or k in options}
    out = selective_scan(**used, delta_softplus="softplus" in options,
                         return_last_state="last_state" in options, backend=backend)
    outs = list(out) if isinstance(out, tuple) else [out]
    if grad:
        g = torch.Generator().manual_seed(99)
        loss = sum((o * torch.randn(o.shape, generator=g)).sum() for o in outs)
        loss.backward()
    return outs, {k: v.grad for k, v in used.items()}


CORES = {
    "chunked": chunked_scan,
    "fused": fused_scan,
    "sequential": lambda u, delta, A, B, C, h0: sequential_scan(u, delta, A, B, C, None, None,
                                                                None, False, h0),
}


_reference_cache = {}


def reference(length, options="all", **shape):
    key = (length, options, tuple(sorted(shape.items())))
    if key not in _reference_cache:
        _reference_cache[key] = run_scan(make_inputs(length, **shape), OPTION_SETS[options],
                                         "sequential")
    return _reference_cache[key]


def assert_runs_match(run, ref):
    (outs, grads), (ref_outs, ref_grads) = run, ref
    assert len(outs) == len(ref_outs)
    for actual, expected in zip(outs, ref_outs, strict=True):
        assert_parity(actual, expected)
    assert grads.keys() == ref_grads.keys()
    for name, expected in ref_grads.items():
        assert grads[name] is not None, name
        assert_parity(grads[name], expected)


# --- the reference itself, against computations written here ---------------------------


def float64_loop(inputs, softplus=True):
    """The recurrence as nested Python loops in float64 (NumPy), every option on."""
    x = {k: v.double().numpy() for k, v in inputs.items()}
    delta = x["delta"] + x["delta_bias"][:, None]
    if softplus:
        delta = np.log1p(np.exp(delta))
    batch, d_inner, length = x["u"].shape
    y = np.zeros_like(x["u"])
    h = x["initial_state"].copy()
    for b in range(batch):
        for d in range(d_inner):
            for t in range(length):
                dt = delta[b, d, t]
                h[b, d] = np.exp(dt * x["A"][d]) * h[b, d] + dt * x["B"][b, :, t] * x["u"][b, d, t]
                y[b, d, t] = h[b, d] @ x["C"][b, :, t] + x["D"][d] * x["u"][b, d, t]
    silu_z = x["z"] / (1 + np.exp(-x["z"]))
    return torch.from_numpy(y * silu_z), torch.from_numpy(h)


@pytest.mark.parametrize("backend", ["sequential", *FAST])
def test_matches_a_float64_loop_written_here(backend):
    inputs = make_inputs(23, batch=2, d_inner=3, d_state=4, seed=3)
    y, last = selective_scan(**inputs, delta_softplus=True, return_last_state=True,
                             backend=backend)
    y_ref, last_ref = float64_loop(inputs)
    assert_parity(y.double(), y_ref)
    assert_parity(last.double(), last_ref)


@pytest.mark.parametrize("backend", ["sequential", *FAST])
def test_closed_form_geometric_series(backend):
    # d_state 1, constant step dt = softplus(x + bias), A = -a, B = C = u = 1:
    # h_t = r^(t+1) h0 + dt (1 - r^(t+1)) / (1 - r) with r = exp(-a dt); y_t = (h_t + D) silu(z).
    length, x, bias, a, h0, d_skip, z = 300, 0.3, -2.0, 1.5, 0.7, 0.25, 0.8
    dt = math.log1p(math.exp(x + bias))
    r = math.exp(-a * dt)
    powers = r ** torch.arange(1, length + 1, dtype=torch.float64)
    h = powers * h0 + dt * (1 - powers) / (1 - r)
    expected = (h + d_skip) * z / (1 + math.exp(-z))
    ones = torch.ones(1, 1, length)
    y, last = selective_scan(ones, torch.full((1, 1, length), x), torch.tensor([[-a]]),
                             ones, ones, D=torch.tensor([d_skip]),
                             z=torch.full((1, 1, length), z), delta_bias=torch.tensor([bias]),
                             delta_softplus=True, return_last_state=True,
                             initial_state=torch.tensor([[[h0]]]), backend=backend)
    assert_parity(y[0, 0].double(), expected)
    assert last.item() == pytest.approx(h[-1].item(), rel=TOL)


# --- parity of the fast backends with the reference ------------------------------------


@pytest.mark.parametrize("length", [1, 2, 3, 17, 64, 65, 257, 1000])
@pytest.mark.parametrize("backend", FAST)
def test_parity_over_lengths_outputs_and_gradients(backend, length):
    run = run_scan(make_inputs(length), OPTION_SETS["all"], backend)
    assert_runs_match(run, reference(length))


@pytest.mark.parametrize("options", sorted(OPTION_SETS))
@pytest.mark.parametrize("backend", FAST)
def test_parity_per_option(backend, options):
    run = run_scan(make_inputs(65), OPTION_SETS[options], backend)
    assert_runs_match(run, reference(65, options))


def test_small_chunks_and_checkpoint_segments_match_the_reference():
    # Many chunks / backward segments at a short length, with ragged ends.
    x = make_inputs(17)
    x["delta"] = F.softplus(x["delta"] + x["delta_bias"][:, None])
    args = [x[k].requires_grad_() for k in ("u", "delta", "A", "B", "C", "initial_state")]
    expected = CORES["sequential"](*args)
    ref_grads = torch.autograd.grad(sum(o.sum() for o in expected), args)
    for scan_fn, setting in ((chunked_scan, {"chunk": 4}), (chunked_scan, {"chunk": 1}),
                             (fused_scan, {"checkpoint_every": 3}),
                             (fused_scan, {"checkpoint_every": 1})):
        actual = scan_fn(*args, **setting)
        for a, e in zip(actual, expected, strict=True):
            assert_parity(a, e)
        grads = torch.autograd.grad(sum(o.sum() for o in actual), args)
        for a, e in zip(grads, ref_grads, strict=True):
            assert_parity(a, e)


def test_long_sequence_8192():
    # Forward against the reference; gradients of fused against chunked, both of which
    # match the reference at the shorter lengths above (autograd through the loop is slow).
    inputs = make_inputs(8192, batch=1, d_inner=2, d_state=4, seed=1)
    with torch.no_grad():
        expected = selective_scan(**inputs, delta_softplus=True, return_last_state=True,
                                  backend="sequential")
    runs = {b: run_scan(inputs, OPTION_SETS["all"], b) for b in FAST}
    for backend in FAST:
        for actual, e in zip(runs[backend][0], expected, strict=True):
            assert_parity(actual, e)
    assert_runs_match(runs["fused"], runs["chunked"])


@pytest.mark.parametrize("backend", FAST)
def test_no_grad_path_matches_grad_path(backend):
    inputs = make_inputs(130)
    with torch.no_grad():
        plain = selective_scan(**inputs, delta_softplus=True, backend=backend)
    with_grad = run_scan(inputs, OPTION_SETS["all"] - {"last_state"}, backend)[0][0].detach()
    if backend == "chunked":
        assert torch.equal(plain, with_grad)
    else:  # fused's no-grad kernel applies bias, softplus, D and z itself
        assert_parity(plain, with_grad, tol=1e-6)


@pytest.mark.parametrize("options", sorted(OPTION_SETS))
@pytest.mark.parametrize("length", [1, 65, 130, 600])  # 600: three tiles, the last partial
def test_fused_no_grad_kernel_matches_the_reference_per_option(options, length):
    inputs = make_inputs(length, d_inner=70)  # two channel blocks, the second partial
    actual = run_scan(inputs, OPTION_SETS[options], "fused", grad=False)[0]
    expected = run_scan(inputs, OPTION_SETS[options], "sequential", grad=False)[0]
    for a, e in zip(actual, expected, strict=True):
        assert_parity(a, e)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("backend", ["sequential", *FAST])
def test_low_precision_inputs_are_computed_in_fp32(backend, dtype):
    inputs = {k: v.to(dtype) for k, v in make_inputs(40).items()}
    y, last = selective_scan(**inputs, delta_softplus=True, return_last_state=True,
                             backend=backend)
    y32, last32 = selective_scan(**{k: v.float() for k, v in inputs.items()},
                                 delta_softplus=True, return_last_state=True,
                                 backend=backend)
    assert y.dtype == dtype and last.dtype == torch.float32
    assert torch.equal(y, y32.to(dtype))
    assert torch.equal(last, last32)


@pytest.mark.parametrize("backend", ["sequential", *FAST])
def test_scan_continues_from_a_last_state(backend):
    inputs = make_inputs(50)
    options = {"delta_softplus": True, "return_last_state": True, "backend": backend}
    whole, last = selective_scan(**inputs, **options)
    first = {k: v[..., :20] if v.dim() == 3 and k != "initial_state" else v
             for k, v in inputs.items()}
    rest = {k: v[..., 20:] if v.dim() == 3 and k != "initial_state" else v
            for k, v in inputs.items()}
    y_first, state = selective_scan(**first, **options)
    y_rest, last_rest = selective_scan(**{**rest, "initial_state": state}, **options)
    assert_parity(torch.cat([y_first, y_rest], dim=-1), whole)
    assert_parity(last_rest, last)


def test_non_contiguous_inputs():
    inputs = make_inputs(33)
    strided = {k: v.transpose(-1, -2).contiguous().transpose(-1, -2) if v.dim() == 3 else v
               for k, v in inputs.items()}
    assert not strided["u"].is_contiguous()
    expected = selective_scan(**inputs, delta_softplus=True, backend="sequential")
    for backend in FAST:
        assert_parity(selective_scan(**strided, delta_softplus=True, backend=backend), expected)
    # fused's no-grad kernel reads strided u, delta and z in place (no copies): same bits
    assert torch.equal(selective_scan(**strided, delta_softplus=True, backend="fused"),
                       selective_scan(**inputs, delta_softplus=True, backend="fused"))


def test_transpose8_moves_an_8_by_8_block_into_the_tile():
    src = np.arange(2 * 16 * 20, dtype=np.float32).reshape(2, 16, 20)
    tile = np.zeros((12, 16), dtype=np.float32)

    @numba.njit
    def place(src, tile):
        fused._transpose8(src, 1, 3, 5, tile, 2, 8)

    place(src, tile)
    expected = np.zeros_like(tile)
    expected[2:10, 8:16] = src[1, 3:11, 5:13].T
    assert np.array_equal(tile, expected)


def test_fused_no_grad_output_is_time_major():
    """The block's out_proj reads (batch, L, d_inner): the kernel writes it that way, so
    the block's transpose back is a view, not a copy."""
    inputs = make_inputs(40, d_inner=12)
    with torch.no_grad():
        y = selective_scan(**inputs, delta_softplus=True, backend="fused")
    assert y.shape == inputs["u"].shape
    assert y.transpose(1, 2).is_contiguous()


def test_fused_gradients_do_not_depend_on_the_thread_count():
    inputs = make_inputs(300, batch=2, d_inner=16)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run_scan(inputs, OPTION_SETS["all"], "fused")
    finally:
        numba.set_num_threads(threads)
    many = run_scan(inputs, OPTION_SETS["all"], "fused")
    for a, b in zip([*one[0], *one[1].values()], [*many[0], *many[1].values()], strict=True):
        assert torch.equal(a, b)


def max_ulp_error(approx, exact, x):
    """Largest |approx(x) - exact(x)| in float32 ulps of the float64 value."""
    got = np.array([approx(v) for v in x], dtype=np.float64)
    expected = exact(x.astype(np.float64))
    ulp = np.spacing(np.abs(expected).astype(np.float32)).astype(np.float64)
    return np.max(np.abs(got - expected) / ulp)


def test_exp2_32_is_within_two_ulp_of_float64():
    low, high = fused._EXP_LOW * fused._LOG2E, fused._EXP_HIGH * fused._LOG2E
    x = np.linspace(low, high, 200_001).astype(np.float32)[::41]
    assert max_ulp_error(fused._exp2_32, np.exp2, x) <= 2
    assert fused._exp2_32(np.float32(-300.0)) == fused._exp2_32(np.float32(low))


def test_softplus_silu_and_log1p_are_within_a_few_ulp_of_float64():
    x = np.linspace(-80, 80, 100_001).astype(np.float32)[::7]
    assert max_ulp_error(fused._softplus32, lambda v: np.logaddexp(0, v), x) <= 3
    assert max_ulp_error(fused._silu32, lambda v: v / (1 + np.exp(-v)), x) <= 2
    w = np.linspace(0, 1, 10_001).astype(np.float32)
    assert max_ulp_error(fused._log1p_unit, np.log1p, w[1:]) <= 3
    assert fused._log1p_unit(np.float32(0.0)) == 0


def test_exp32_is_within_two_ulp_of_float64_exp():
    x = np.linspace(fused._EXP_LOW, fused._EXP_HIGH, 200_001).astype(np.float32)
    approx = np.array([fused._exp32(v) for v in x[::41]], dtype=np.float64)
    exact = np.exp(x[::41].astype(np.float64))
    two_ulp = 2 * np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert np.all(np.abs(approx - exact) <= two_ulp)
    assert fused._exp32(np.float32(-200.0)) == fused._exp32(np.float32(fused._EXP_LOW))


# --- memory: no (batch, L, d_inner, d_state) tensor ------------------------------------


class LargestTensor(TorchDispatchMode):
    """Records the largest tensor any ATen op returns."""

    def __init__(self):
        super().__init__()
        self.numel = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor):
                self.numel = max(self.numel, t.numel())
        return out


@pytest.mark.parametrize("core", sorted(CORES))
def test_fast_backends_never_hold_all_states(core):
    length, d_inner, d_state = 1024, 128, 16
    all_states = length * d_inner * d_state  # batch 1
    x = make_inputs(length, batch=1, d_inner=d_inner, d_state=d_state)
    x["delta"] = F.softplus(x["delta"] + x["delta_bias"][:, None])
    args = [x[k].requires_grad_() for k in ("u", "delta", "A", "B", "C", "initial_state")]
    saved = {}  # what the graph keeps alive: whole storages, as a view keeps its base

    def pack(t):
        saved[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes() // 4
        return t

    with LargestTensor() as largest, torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        y, _ = CORES[core](*args)
    if core == "sequential":  # shows that the check can fail: the loop keeps every state
        assert sum(saved.values()) > all_states
        return
    assert largest.numel < all_states / 8
    assert sum(saved.values()) < all_states / 2
    with LargestTensor() as largest:
        y.sum().backward()
    assert largest.numel < all_states / 8


# --- backend selection ------------------------------------------------------------------


@pytest.fixture
def fresh_log(monkeypatch, caplog):
    monkeypatch.setattr(scan, "_logged", set())
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    caplog.set_level(logging.INFO, logger="mvc.ssm")
    return caplog


def scan_messages(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "mvc.ssm"]


def test_automatic_choice_on_cpu_is_fused_and_is_logged_once(fresh_log):
    inputs = make_inputs(5)
    for _ in range(3):
        selective_scan(**inputs)
    assert choose_backend("cpu") == "fused"
    assert scan_messages(fresh_log) == ["selective scan: backend 'fused' on cpu (automatic)"]


def test_cpu_falls_back_to_chunked_without_numba(fresh_log, monkeypatch):
    monkeypatch.setattr(fused, "available", lambda: "numba is not installed")
    assert choose_backend("cpu") == "chunked"
    assert "fused" not in scan.available_backends("cpu")


def test_automatic_choice_on_cuda_devices(fresh_log, monkeypatch):
    monkeypatch.setattr(scan, "_mamba_scan_fn", lambda: None)
    assert choose_backend("cuda:0") == "chunked"
    monkeypatch.setattr(scan, "_mamba_scan_fn", lambda: object())
    assert choose_backend("cuda:0") == "cuda"
    assert scan.available_backends("cuda:0") == ["sequential", "chunked", "cuda"]
    assert len(scan_messages(fresh_log)) == 2


def test_environment_variable_overrides_automatic_but_not_an_explicit_backend(
        fresh_log, monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "chunked")
    inputs = make_inputs(5)
    expected = selective_scan(**inputs, backend="sequential")
    for _ in range(2):
        assert_parity(selective_scan(**inputs), expected)
    assert choose_backend("cpu") == "chunked"
    assert choose_backend("cpu", "sequential") == "sequential"
    assert scan_messages(fresh_log) == [
        "selective scan: backend 'sequential' on cpu (requested)",
        f"selective scan: backend 'chunked' on cpu (from ${BACKEND_ENV})",
    ]


def test_unknown_backend_names_the_available_ones(fresh_log, monkeypatch):
    with pytest.raises(InputError, match="unknown selective-scan backend 'lstm'") as err:
        selective_scan(**make_inputs(3), backend="lstm")
    assert "sequential, chunked, fused" in str(err.value)
    monkeypatch.setenv(BACKEND_ENV, "blelloch")
    with pytest.raises(InputError, match=BACKEND_ENV):
        choose_backend("cpu")


def test_cuda_backend_on_cpu_says_why(fresh_log, monkeypatch):
    monkeypatch.setattr(scan, "_mamba_scan_fn", lambda: None)
    with pytest.raises(InputError, match="'cuda' is unavailable: mamba_ssm is not importable"):
        selective_scan(**make_inputs(3), backend="cuda")
    monkeypatch.setattr(scan, "_mamba_scan_fn", lambda: object())
    with pytest.raises(InputError, match="needs CUDA tensors, these are on cpu") as err:
        selective_scan(**make_inputs(3), backend="cuda")
    assert "sequential, chunked, fused" in str(err.value)
    with pytest.raises(InputError, match="'fused' is unavailable: it runs on the CPU only"):
        choose_backend("cuda:0", "fused")


def test_cuda_backend_dispatch_and_initial_state_fallback(fresh_log, monkeypatch):
    # The kernel itself needs a GPU; its dispatch is checked with a stand-in.
    calls = []

    def kernel(u, delta, A, B, C, D, z, delta_bias, delta_softplus, return_last_state):
        calls.append(return_last_state)
        return torch.zeros_like(u), torch.zeros(u.shape[0], u.shape[1], A.shape[1])

    monkeypatch.setattr(scan, "_mamba_scan_fn", lambda: kernel)
    inputs = make_inputs(9)
    no_state = {k: v for k, v in inputs.items() if k != "initial_state"}
    scan.BACKENDS["cuda"].run(**no_state, delta_softplus=True, initial_state=None)
    assert calls == [True]
    y, last = scan.BACKENDS["cuda"].run(**no_state, delta_softplus=True,
                                        initial_state=inputs["initial_state"])
    assert calls == [True]
    expected = selective_scan(**inputs, delta_softplus=True, return_last_state=True,
                              backend="sequential")
    assert_parity(y, expected[0])
    assert_parity(last, expected[1])
    assert any("fallback" in m and "'chunked'" in m for m in scan_messages(fresh_log))


# --- argument checks ----------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    (lambda x: x.update(B=x["B"][..., :-1]), r"B must have shape \(2, 3, 6\)"),
    (lambda x: x.update(C=x["C"][:, :2]), r"C must have shape \(2, 3, 6\)"),
    (lambda x: x.update(D=x["D"][None]), r"D must have shape \(4,\)"),
    (lambda x: x.update(z=x["z"][:1]), r"z must have shape \(2, 4, 6\)"),
    (lambda x: x.update(delta=x["delta"][..., 1:]), r"delta must have shape \(2, 4, 6\)"),
    (lambda x: x.update(delta_bias=x["delta_bias"][:2]), "delta_bias must have shape"),
    (lambda x: x.update(initial_state=x["initial_state"][:, :, :2]),
     r"initial_state must have shape \(2, 4, 3\)"),
    (lambda x: x.update(u=x["u"][0]), r"u must be \(batch, d_inner, L\)"),
    (lambda x: x.update(u=x["u"][..., :0]), "L >= 1"),
    (lambda x: x.update(A=x["A"].to(torch.complex64)), "A must be a real"),
    (lambda x: x.update(D=torch.zeros(4, device="meta")), "D is on meta, u on cpu"),
])
def test_bad_arguments_are_named(change, message):
    inputs = make_inputs(6)
    change(inputs)
    with pytest.raises(ValueError, match=message):
        selective_scan(**inputs, backend="sequential")


@pytest.mark.parametrize("grad", [False, True])
@pytest.mark.parametrize("backend", ["sequential", *FAST])
def test_a_call_computes_afresh_and_keeps_nothing(backend, grad):
    """The same tensors changed in place give the new result (no cache of earlier calls),
    and nothing of a call outlives its output: a cache keyed on the tensors once held
    every call's inputs and autograd graph (training memory grew ~110 MB per step)."""
    inputs = make_inputs(33)
    if grad:
        inputs = {k: v.requires_grad_() for k, v in inputs.items()}
    with torch.set_grad_enabled(grad):
        first = selective_scan(**inputs, delta_softplus=True, backend=backend)
        with torch.no_grad():
            inputs["u"].mul_(2.0)
        again = selective_scan(**inputs, delta_softplus=True, backend=backend)
        fresh = selective_scan(**{**inputs, "u": inputs["u"].detach().clone()},
                               delta_softplus=True, backend=backend)
    torch.testing.assert_close(again, fresh, atol=0, rtol=0)
    assert not torch.allclose(first, again)
    output = weakref.ref(again)
    del first, again, fresh
    gc.collect()
    assert output() is None
