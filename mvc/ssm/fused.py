"""The `fused` scan backend: numba CPU kernels for the scan and its reverse-scan backward.

Forward: one pass over time per block of CHANNEL_BLOCK channels of one batch element, in
parallel over the blocks, with the (d_state, block) state in a small local array and the
arithmetic vectorized across the block's channels (so y = C . h needs no horizontal sum):
nothing of size (batch, L, d_inner, d_state) is ever made. Backward
(`torch.autograd.Function`): the reverse scan
    g_t = dL/dh_t = gy_t * C_t + exp(delta_{t+1} * A) * g_{t+1}    (g_L from the last state)
gives du, d delta, dA, dB, dC and d initial_state, per (batch, channel) pair. It needs
h_{t-1} and h_t; rather than store every state, the forward keeps one state every
`checkpoint_every` steps ((batch, d_inner, L / K, d_state)) and the backward recomputes each
K-step segment's states from its checkpoint, newest segment first.

exp: the scans' decays exp(delta * A) are `_exp2_32(delta * A')` with A' = A log2(e) formed
once per call: our own single-precision 2^x (k = rint(x), a degree-6 polynomial p for
2^(x-k) on [-1/2, 1/2], k added to p's exponent field: an integer add in place of a
multiply by 2^k, exact since results stay normal floats; about 1.3x on the no-grad
forward). Unlike the libm call, LLVM vectorizes it (across channels in the forward, across
d_state in the backward): the first such exp made the
forward about 2.5x faster on this CPU, and the pre-scaled 2^x form (two fewer multiply-adds
per element than a Cody-Waite e^x) took another ~10% off its CPU time. It is within 2 ulp of
float64 2^x (tests/ssm/test_scan.py); arguments are clamped to [-87, 88] log2(e), so a decay
below e^-87 is ~1.6e-38 rather than a denormal or 0. Rounding A log2(e) to fp32 moves the
exponent by at most ~6e-8 relative, as the rounding of delta * A itself does. `_exp32`
(e^x, Cody-Waite reduction, degree-7 Taylor polynomial, within 2 ulp) serves softplus and
silu, where the argument is not a product we can pre-scale.

No-grad forward: without autograd, the forward kernel also applies delta's bias and
softplus (`_softplus32`: max(x, 0) + log1p(e^-|x|), with our own series for log1p) on each
tile it gathers, and the D skip and the z gate (`_silu32`) to each output tile: the
separate torch passes over (batch, d_inner, L) that they replace cost more than the scan
itself at L = 4096 (about 0.1 s of 0.18 s). With autograd they stay torch operations.

Strides: the no-grad kernel reads u, delta and z through their strides, so the Mamba
block's views (z a slice of in_proj's time-major output, delta dt_proj's output
transposed) are gathered into the kernel's tiles in place instead of being copied first:
at L = 10240, d_inner 256, one thread, the call took 78 ms with views against 117 ms with
the two copies. With autograd, `fused_scan` still makes u and delta contiguous.

Layout: rows contiguous in time (channel-major u, delta, z) reach the (step, channel) tiles
through 8 x 8 register transposes (`_transpose8`, LLVM shuffles). Copied one element at a
time, as before, the gather was the largest cost after the scan itself: reading 64 rows
16 KB apart, a few hundred bytes each, with a scalar store per element. The output y is
written time-major ((batch, L, d_inner), returned as its (batch, d_inner, L) transpose):
each step's channels are one contiguous store, and the block's out_proj then reads it
without a copy. It is allocated on transparent huge pages (`mvc.ssm.huge_pages`): a fresh
32 MB output faulted in 4 KB at a time cost 14-20 ms. Together, at batch 4, d_inner 512,
L 4096 (medians, interleaved in one process): 165 -> 147 (transposes) -> 115 ms (huge
pages) on one thread, 107 -> 90 -> 74 ms on two.

Error model: the kernels use numba's numpy error model (a float division by zero gives inf
or NaN). With the default Python model every division carries a zero check that raises,
which kept the softplus and silu loops (their log1p and sigmoid divide, by 2 + w >= 2 and
1 + e^-x >= 1) scalar: they took more time than the scan itself (no-grad forward at d_inner
512, L 4096, one thread: 58 ms, 39 ms with the numpy model, 30 ms with the exponent add).

Floating-point flags: the kernels allow reassociation (`reassoc`) so that LLVM vectorizes the
sums over d_state (y = C . h, and the backward's sums), and fused multiply-adds (`contract`):
about 1.6x on the forward and 1.3-2x on the backward on this CPU, for results that differ from
the strict order by a few ulp (the parity tests bound them at 1e-5 against the sequential
reference). The exp, log1p, softplus and silu functions keep their operation order
(`contract` only): reassociating `_exp32`'s Cody-Waite reduction would lose the split ln 2's
precision. They stay separate functions that LLVM inlines, so their instructions keep their
own flags.

Vectorization: in the backward each loop over d_state writes one array, and the (batch,
channel) rows are sliced once outside the time loop. LLVM gives up vectorizing a loop that
writes several arrays it cannot prove distinct; split this way, the backward runs about 1.5x
faster (CPU time at L = 1024 and 4096, batch 4, d_inner 512). The forward's channel blocks
(vectorized across 64 channels rather than 16 states) took 10-15% off its CPU time.

Reductions over d_inner (dB, dC) are race-free: the backward splits the channels into
`REDUCTION_GROUPS` fixed groups that write separate partial sums ((groups, batch, L,
d_state) each), added up afterwards, so the result does not depend on the number of threads.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from mvc.ssm.huge_pages import empty_huge

try:
    import numba
    from llvmlite import ir
    from numba import njit, prange, types
    from numba.core import cgutils
    from numba.extending import intrinsic
except ImportError:  # the backend then reports itself unavailable
    numba = None

DEFAULT_CHECKPOINT_EVERY = 64
"""Steps between stored states: checkpoints cost 1/64 of a (batch, d_inner, L, d_state)
tensor, and a backward segment's recomputed states (65 x d_state floats) stay in L1."""

FORWARD_TILE = 256
"""Steps the no-grad forward gathers per tile: each channel's row is read 1 KB at a time
rather than 256 B (4 such tiles of 64 channels, 256 KB, stay in L2). Measured at batch 4,
d_inner 512, L 4096, 2 threads: the same time as 64-step tiles on a quiet machine (108-110
ms), 1.35x faster with the test suite running beside it (130-158 against 186-216 ms)."""

CHANNEL_BLOCK = 64
"""Channels the forward scans together, vectorized across them (state: d_state x 64 floats,
4 KB at d_state 16): the output sum over d_state then needs no horizontal reduction."""

TRANSPOSE_BLOCK = 8
"""Side of the square blocks in which the forward moves time-contiguous rows into its
(step, channel) tiles: one AVX2 register of fp32 per row (`_transpose8`)."""

REDUCTION_GROUPS = 8
"""Channel groups with separate dB/dC partial sums (fixed, so results are deterministic)."""

_EXP_LOW, _EXP_HIGH = -87.0, 88.0  # clamp range of _exp32: 2^k stays a normal float32
_LOG2E = 1.4426950408889634
_LN2_HIGH = 0.693359375  # ln 2 split so that k * _LN2_HIGH is exact (Cody-Waite)
_LN2_LOW = -2.12194440e-4
_EXP2_COEFFICIENTS = (6.9314718e-01, 2.4022648e-01, 5.5503324e-02, 9.6184369e-03,
                      1.3398875e-03, 1.5353362e-04)
"""2^f ~ 1 + sum c_k f^k on |f| <= 1/2: our fit minimizing the largest relative error
(iteratively reweighted least squares), 2e-9 in exact arithmetic."""
_FLOAT32_EXPONENT_BIAS = 127
_FLOAT32_MANTISSA_BITS = 23
_KERNEL_FLAGS = {"reassoc", "contract"}
_EXP_FLAGS = {"contract"}


def available() -> str | None:
    """None when numba imports, else why the backend is unavailable."""
    return None if numba is not None else "numba is not installed"


if numba is not None:
    _f32 = np.float32
    _LOW, _HIGH = _f32(_EXP_LOW), _f32(_EXP_HIGH)
    _L2E, _LN2H, _LN2L = _f32(_LOG2E), _f32(_LN2_HIGH), _f32(_LN2_LOW)
    _ZERO, _HALF, _ONE, _TWO = _f32(0.0), _f32(0.5), _f32(1.0), _f32(2.0)
    _TAYLOR = tuple(_f32(1.0 / math.factorial(k)) for k in range(2, 8))
    _ATANH = tuple(_f32(1.0 / k) for k in range(3, 17, 2))
    _LOW2, _HIGH2 = _f32(_EXP_LOW * _LOG2E), _f32(_EXP_HIGH * _LOG2E)
    _EXP2_POLY = tuple(_f32(c) for c in _EXP2_COEFFICIENTS)

    @intrinsic
    def _int32_bits_as_float32(typingctx, bits):
        """Reinterpret an int32's bits as a float32 (an LLVM bitcast: vectorizable)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(types.float32))
        return types.float32(types.int32), codegen

    @intrinsic
    def _float32_bits_as_int32(typingctx, value):
        """Reinterpret a float32's bits as an int32 (an LLVM bitcast: vectorizable)."""
        def codegen(context, builder, signature, args):
            return builder.bitcast(args[0], context.get_value_type(types.int32))
        return types.int32(types.float32), codegen

    _UNPACK = ((0, 8, 1, 9, 4, 12, 5, 13), (2, 10, 3, 11, 6, 14, 7, 15))
    _PAIR = ((0, 1, 8, 9, 4, 5, 12, 13), (2, 3, 10, 11, 6, 7, 14, 15))
    _HALVES = ((0, 1, 2, 3, 8, 9, 10, 11), (4, 5, 6, 7, 12, 13, 14, 15))

    @intrinsic
    def _transpose8(typingctx, src, b, d, t, tile, s, j):
        """tile[s + k, j + r] = src[b, d + r, t + k] for r, k < 8, as eight 8-float loads,
        three rounds of shuffles (LLVM shufflevector: unpack, pair, swap halves; on AVX2,
        unpck/shufps/vperm2f128) and eight 8-float stores. src's rows must be contiguous in
        time and tile's rows contiguous."""
        def codegen(context, builder, signature, args):
            src_ty, tile_ty = signature.args[0], signature.args[4]
            intp = context.get_value_type(types.intp)
            b_, d_, t_, s_, j_ = (context.cast(builder, args[i], signature.args[i],
                                               types.intp) for i in (1, 2, 3, 5, 6))
            vec = ir.VectorType(ir.FloatType(), TRANSPOSE_BLOCK)
            src_ary = context.make_array(src_ty)(context, builder, args[0])
            tile_ary = context.make_array(tile_ty)(context, builder, args[4])

            def at(ty, ary, indices):
                ptr = cgutils.get_item_pointer(context, builder, ty, ary, indices,
                                               wraparound=False)
                return builder.bitcast(ptr, vec.as_pointer())

            def shuffle(x, y, mask):
                return builder.shuffle_vector(x, y, ir.Constant(
                    ir.VectorType(ir.IntType(32), len(mask)), list(mask)))

            rows = [builder.load(at(src_ty, src_ary,
                                    [b_, builder.add(d_, ir.Constant(intp, r)), t_]), align=4)
                    for r in range(TRANSPOSE_BLOCK)]
            unpacked = [shuffle(rows[2 * p], rows[2 * p + 1], _UNPACK[h])
                        for p in range(4) for h in range(2)]  # (r0r1 lo, r0r1 hi, r2r3 lo...)
            paired = [shuffle(unpacked[4 * q + h], unpacked[4 * q + 2 + h], _PAIR[k])
                      for q in range(2) for h in range(2) for k in range(2)]
            for k in range(4):
                for half in range(2):
                    column = shuffle(paired[k], paired[4 + k], _HALVES[half])
                    step = builder.add(s_, ir.Constant(intp, k + 4 * half))
                    builder.store(column, at(tile_ty, tile_ary, [step, j_]), align=4)
            return context.get_dummy_value()
        return types.none(src, b, d, t, tile, s, j), codegen

    @njit(fastmath=_EXP_FLAGS, error_model="numpy", cache=True)
    def _exp32(x):
        x = min(max(x, _LOW), _HIGH)
        k = np.floor(x * _L2E + _HALF)
        r = (x - k * _LN2H) - k * _LN2L
        c2, c3, c4, c5, c6, c7 = _TAYLOR
        p = _ONE + r * (_ONE + r * (c2 + r * (c3 + r * (c4 + r * (c5 + r * (c6 + r * c7))))))
        bits = (np.int32(k) + np.int32(_FLOAT32_EXPONENT_BIAS)) << np.int32(
            _FLOAT32_MANTISSA_BITS)
        return p * _int32_bits_as_float32(bits)

    @njit(fastmath=_EXP_FLAGS, error_model="numpy", cache=True)
    def _exp2_32(x):
        """2^x for float32 x: k = rint(x), p = 2^(x - k) by a degree-6 polynomial, then k
        added to p's exponent field (an integer add where a multiply by 2^k would take a
        floating-point slot; exact, as the clamp keeps every result a normal float:
        k >= -125 unless x - k >= 0.49, so p's exponent plus k stays >= 1). The scans call
        it on delta * (A log2 e), A pre-scaled once: two fewer multiply-adds per element
        than `_exp32`'s reduction."""
        x = min(max(x, _LOW2), _HIGH2)
        k = np.rint(x)
        f = x - k
        c1, c2, c3, c4, c5, c6 = _EXP2_POLY
        p = _ONE + f * (c1 + f * (c2 + f * (c3 + f * (c4 + f * (c5 + f * c6)))))
        scale = np.int32(k) << np.int32(_FLOAT32_MANTISSA_BITS)
        return _int32_bits_as_float32(np.int32(_float32_bits_as_int32(p) + scale))

    @njit(fastmath=_EXP_FLAGS, error_model="numpy", cache=True)
    def _log1p_unit(w):
        """log(1 + w) for w in [0, 1]: 2 atanh(s) with s = w / (2 + w) <= 1/3, its series
        to s^15 (the next term is below 2e-9 relative)."""
        s = w / (_TWO + w)
        s2 = s * s
        c3, c5, c7, c9, c11, c13, c15 = _ATANH
        p = _ONE + s2 * (c3 + s2 * (c5 + s2 * (c7 + s2 * (c9 + s2 * (c11 + s2 * (
            c13 + s2 * c15))))))
        return _TWO * s * p

    @njit(fastmath=_EXP_FLAGS, error_model="numpy", cache=True)
    def _softplus32(x):
        """log(1 + e^x) as max(x, 0) + log1p(e^-|x|), vectorizable (no libm call)."""
        return max(x, _ZERO) + _log1p_unit(_exp32(-abs(x)))

    @njit(fastmath=_EXP_FLAGS, error_model="numpy", cache=True)
    def _silu32(x):
        """x * sigmoid(x) = x / (1 + e^-x), with the clamped `_exp32`."""
        return x / (_ONE + _exp32(-x))

    @njit(fastmath=_KERNEL_FLAGS, error_model="numpy", cache=True)
    def _gather_tile(src, b, d0, width, t0, steps, tile):
        """tile[s, j] = src[b, d0 + j, t0 + s] for s < steps, j < width. Rows contiguous in
        time go through `_transpose8` in 8 x 8 blocks (element by element only at a partial
        block's edges); otherwise a step's channels are read together (contiguous in a
        time-major layout, as the Mamba block's z and delta are)."""
        if src.strides[2] == src.itemsize:
            for j0 in range(0, width, TRANSPOSE_BLOCK):
                j1 = min(j0 + TRANSPOSE_BLOCK, width)
                for s0 in range(0, steps, TRANSPOSE_BLOCK):
                    s1 = min(s0 + TRANSPOSE_BLOCK, steps)
                    if j1 - j0 == TRANSPOSE_BLOCK and s1 - s0 == TRANSPOSE_BLOCK:
                        _transpose8(src, b, d0 + j0, t0 + s0, tile, s0, j0)
                        continue
                    for j in range(j0, j1):
                        row = src[b, d0 + j]
                        for s in range(s0, s1):
                            tile[s, j] = row[t0 + s]
        else:
            for s in range(steps):
                for j in range(width):
                    tile[s, j] = src[b, d0 + j, t0 + s]

    @njit(fastmath=_KERNEL_FLAGS, error_model="numpy", cache=True)
    def _forward_block(u, delta, A_t, Bt, Ct, h0, chan, z, softplus, skip, y, h_last, ckpt,
                       every, b, d0, h, u_tile, dt_tile, z_tile, y_tile, dtu, acc):
        """Scan channels d0 .. d0 + CHANNEL_BLOCK of batch b together, vectorized across the
        channels (h is (d_state, block)). Time goes in tiles of `every` steps: each tile's
        inputs are gathered into (step, channel) tiles, and the state at its start is the
        checkpoint (stored when ckpt has room). chan[0] is delta's bias, chan[1] D (used when
        `skip`); z gates the output when it has steps. Lanes past d_inner scan zeros,
        unwritten."""
        length, d_inner, d_state = u.shape[2], u.shape[1], A_t.shape[0]
        width = min(CHANNEL_BLOCK, d_inner - d0)
        gate = z.shape[2] > 0
        bias, D = chan[0, d0:d0 + CHANNEL_BLOCK], chan[1, d0:d0 + CHANNEL_BLOCK]
        h[:, :] = 0.0
        u_tile[:, :] = 0.0
        dt_tile[:, :] = 0.0
        z_tile[:, :] = 0.0
        for j in range(width):
            for n in range(d_state):
                h[n, j] = h0[b, d0 + j, n]
        save = ckpt.shape[2] > 0
        for t0 in range(0, length, every):
            steps = min(every, length - t0)
            _gather_tile(u, b, d0, width, t0, steps, u_tile)
            _gather_tile(delta, b, d0, width, t0, steps, dt_tile)
            if gate:
                _gather_tile(z, b, d0, width, t0, steps, z_tile)
            if save:
                for j in range(width):
                    for n in range(d_state):
                        ckpt[b, d0 + j, t0 // every, n] = h[n, j]
            for s in range(steps):
                dts = dt_tile[s]
                if softplus:
                    for j in range(CHANNEL_BLOCK):
                        dts[j] = _softplus32(dts[j] + bias[j])
                else:
                    for j in range(CHANNEL_BLOCK):
                        dts[j] = dts[j] + bias[j]
            for s in range(steps):
                dts, us = dt_tile[s], u_tile[s]
                for j in range(CHANNEL_BLOCK):
                    dtu[j] = dts[j] * us[j]
                    acc[j] = 0.0
                brow, crow = Bt[b, t0 + s], Ct[b, t0 + s]
                for n in range(d_state):
                    hn, an = h[n], A_t[n, d0:d0 + CHANNEL_BLOCK]
                    bn, cn = brow[n], crow[n]
                    for j in range(CHANNEL_BLOCK):
                        hv = _exp2_32(dts[j] * an[j]) * hn[j] + dtu[j] * bn
                        hn[j] = hv
                        acc[j] += hv * cn
                ys = y_tile[s]
                if skip:
                    for j in range(CHANNEL_BLOCK):
                        ys[j] = acc[j] + D[j] * us[j]
                else:
                    for j in range(CHANNEL_BLOCK):
                        ys[j] = acc[j]
            if gate:
                for s in range(steps):
                    ys, zs = y_tile[s], z_tile[s]
                    for j in range(CHANNEL_BLOCK):
                        ys[j] = ys[j] * _silu32(zs[j])
            for s in range(steps):
                y_step, ys = y[b, t0 + s, d0:d0 + width], y_tile[s]
                for j in range(width):
                    y_step[j] = ys[j]
        for j in range(width):
            for n in range(d_state):
                h_last[b, d0 + j, n] = h[n, j]

    @njit(parallel=True, fastmath=_KERNEL_FLAGS, error_model="numpy", cache=True)
    def _forward(u, delta, A_t, Bt, Ct, h0, chan, z, softplus, skip, y, h_last, ckpt, every):
        batch, d_inner, d_state = u.shape[0], u.shape[1], A_t.shape[0]
        blocks = -(-d_inner // CHANNEL_BLOCK)
        for i in prange(batch * blocks):
            h = np.empty((d_state, CHANNEL_BLOCK), dtype=np.float32)
            u_tile = np.empty((every, CHANNEL_BLOCK), dtype=np.float32)
            dt_tile = np.empty((every, CHANNEL_BLOCK), dtype=np.float32)
            z_tile = np.empty((every, CHANNEL_BLOCK), dtype=np.float32)
            y_tile = np.empty((every, CHANNEL_BLOCK), dtype=np.float32)
            dtu = np.empty(CHANNEL_BLOCK, dtype=np.float32)
            acc = np.empty(CHANNEL_BLOCK, dtype=np.float32)
            _forward_block(u, delta, A_t, Bt, Ct, h0, chan, z, softplus, skip, y, h_last,
                           ckpt, every, i // blocks, (i % blocks) * CHANNEL_BLOCK, h, u_tile,
                           dt_tile, z_tile, y_tile, dtu, acc)

    @njit(fastmath=_KERNEL_FLAGS, error_model="numpy", cache=True)
    def _backward_pair(u, delta, A, A2, Bt, Ct, gy, g_last, ckpt, every, b, d, g,
                       du, ddelta, dA, dh0, dB, dC, hs, grad, gA, g_t):
        """Reverse scan of one (b, d) pair: adds into group g's dB, dC partial sums and
        writes du, ddelta, dh0 and this pair's share of dA. hs holds a segment's states
        (hs[j] = h_{start + j - 1}); g_t is dL/dh_t, and grad what flows back from step t to
        h_{t-1} (g_t * exp(delta_t * A))."""
        length, d_state = u.shape[2], A.shape[1]
        for n in range(d_state):
            gA[n] = 0.0
            grad[n] = g_last[b, d, n]
        u_bd, delta_bd, gy_bd = u[b, d], delta[b, d], gy[b, d]
        du_bd, ddelta_bd = du[b, d], ddelta[b, d]
        Bt_b, Ct_b, dB_gb, dC_gb = Bt[b], Ct[b], dB[g, b], dC[g, b]
        arow, arow2 = A[d], A2[d]
        for segment in range((length - 1) // every, -1, -1):
            start = segment * every
            stop = min(start + every, length)
            for n in range(d_state):
                hs[0, n] = ckpt[b, d, segment, n]
            for t in range(start, stop):
                j = t - start
                dt = delta_bd[t]
                dtu = dt * u_bd[t]
                for n in range(d_state):
                    hs[j + 1, n] = _exp2_32(dt * arow2[n]) * hs[j, n] + dtu * Bt_b[t, n]
            for t in range(stop - 1, start - 1, -1):
                j = t - start
                dt = delta_bd[t]
                ut = u_bd[t]
                gyt = gy_bd[t]
                dtu = dt * ut
                for n in range(d_state):
                    g_t[n] = grad[n] + gyt * Ct_b[t, n]
                for n in range(d_state):
                    dC_gb[t, n] += gyt * hs[j + 1, n]
                for n in range(d_state):
                    dB_gb[t, n] += g_t[n] * dtu
                s_b = _f32(0.0)
                for n in range(d_state):
                    s_b += g_t[n] * Bt_b[t, n]
                for n in range(d_state):
                    grad[n] = g_t[n] * _exp2_32(dt * arow2[n])
                s_a = _f32(0.0)
                for n in range(d_state):
                    decayed = grad[n] * hs[j, n]
                    s_a += decayed * arow[n]
                    gA[n] += decayed * dt
                du_bd[t] = dt * s_b
                ddelta_bd[t] = s_a + ut * s_b
        for n in range(d_state):
            dA[b, d, n] = gA[n]
            dh0[b, d, n] = grad[n]

    @njit(parallel=True, fastmath=_KERNEL_FLAGS, error_model="numpy", cache=True)
    def _backward(u, delta, A, A2, Bt, Ct, gy, g_last, ckpt, every, du, ddelta, dA, dh0, dB,
                  dC):
        batch, d_inner, d_state = u.shape[0], u.shape[1], A.shape[1]
        groups = dB.shape[0]
        for i in prange(batch * groups):
            b, g = i // groups, i % groups
            hs = np.empty((every + 1, d_state), dtype=np.float32)
            grad = np.empty(d_state, dtype=np.float32)
            gA = np.empty(d_state, dtype=np.float32)
            g_t = np.empty(d_state, dtype=np.float32)
            for d in range(g * d_inner // groups, (g + 1) * d_inner // groups):
                _backward_pair(u, delta, A, A2, Bt, Ct, gy, g_last, ckpt, every, b, d, g,
                               du, ddelta, dA, dh0, dB, dC, hs, grad, gA, g_t)


class _FusedScan(torch.autograd.Function):
    """(u, delta, A, B, C, h0) -> (y, last state) with the numba kernels both ways."""

    @staticmethod
    def forward(ctx, u, delta, A, B, C, h0, every):
        Bt, Ct = B.transpose(1, 2).contiguous(), C.transpose(1, 2).contiguous()
        batch, d_inner, length = u.shape
        segments = -(-length // every)
        ckpt = u.new_empty(batch, d_inner, segments, A.shape[1])
        y, h_last = _run_forward(u, delta, A, Bt, Ct, h0, ckpt, every)
        ctx.every = every
        ctx.save_for_backward(u, delta, A, Bt, Ct, ckpt)
        return y, h_last

    @staticmethod
    def backward(ctx, gy, g_last):
        u, delta, A, Bt, Ct, ckpt = ctx.saved_tensors
        batch, d_inner, length = u.shape
        d_state = A.shape[1]
        gy, g_last = gy.contiguous(), g_last.contiguous()  # autograd passes zeros, not None
        du, ddelta = torch.empty_like(u), torch.empty_like(u)
        dA = u.new_empty(batch, d_inner, d_state)
        dh0 = u.new_empty(batch, d_inner, d_state)
        dB = u.new_zeros(REDUCTION_GROUPS, batch, length, d_state)
        dC = u.new_zeros(REDUCTION_GROUPS, batch, length, d_state)
        _backward(*_arrays(u, delta, A, A * _LOG2E, Bt, Ct, gy, g_last, ckpt), ctx.every,
                  *_arrays(du, ddelta, dA, dh0, dB, dC))
        return (du, ddelta, dA.sum(0), dB.sum(0).transpose(1, 2), dC.sum(0).transpose(1, 2),
                dh0, None)


def _run_forward(u: Tensor, delta: Tensor, A: Tensor, Bt: Tensor, Ct: Tensor, h0: Tensor,
                 ckpt: Tensor, every: int, D: Tensor | None = None, z: Tensor | None = None,
                 delta_bias: Tensor | None = None,
                 softplus: bool = False) -> tuple[Tensor, Tensor]:
    """The forward kernel; D, z, delta_bias and softplus applied inside it when given."""
    batch, d_inner, length = u.shape
    y = empty_huge(batch, length, d_inner)  # time-major: what the block's out_proj reads
    h_last = u.new_empty(h0.shape)
    d_state = A.shape[1]
    padded = -(-d_inner // CHANNEL_BLOCK) * CHANNEL_BLOCK
    A_t = A.new_zeros(d_state, padded)  # (d_state, channels), zero past d_inner
    A_t[:, :d_inner] = A.t() * _LOG2E  # for _exp2_32
    chan = A.new_zeros(2, padded)  # delta's bias and D per channel, zero past d_inner
    for row, values in enumerate((delta_bias, D)):
        if values is not None:
            chan[row, :d_inner] = values
    z = u.new_empty(0, 0, 0) if z is None else z
    _forward(*_arrays(u, delta, A_t, Bt, Ct, h0, chan, z), softplus, D is not None,
             *_arrays(y, h_last, ckpt), every)
    return y.transpose(1, 2), h_last


def _arrays(*tensors: Tensor) -> list[np.ndarray]:
    """NumPy views sharing the tensors' memory (what the kernels read and write)."""
    return [t.detach().numpy() for t in tensors]


def fused_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
               initial_state: Tensor | None,
               checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY) -> tuple[Tensor, Tensor]:
    """The scan core on fp32 CPU inputs whose delta is final (bias and softplus applied).

    Shapes as in `mvc.ssm.chunked.chunked_scan`; returns y (without the D skip and z gate)
    and the last state. Differentiable in every input, the last state included.
    """
    if checkpoint_every < 1:
        raise ValueError(f"checkpoint_every must be >= 1, got {checkpoint_every}")
    u, delta, A = u.contiguous(), delta.contiguous(), A.contiguous()
    h0 = (u.new_zeros(u.shape[0], u.shape[1], A.shape[1]) if initial_state is None
          else initial_state.contiguous())
    inputs = (u, delta, A, B, C, h0)
    if torch.is_grad_enabled() and any(t.requires_grad for t in inputs):
        return _FusedScan.apply(*inputs, checkpoint_every)
    no_ckpt = u.new_empty(u.shape[0], u.shape[1], 0, A.shape[1])
    return _run_forward(u, delta, A, B.transpose(1, 2).contiguous(),
                        C.transpose(1, 2).contiguous(), h0, no_ckpt, checkpoint_every)


def fused_gated_scan(u: Tensor, delta: Tensor, A: Tensor, B: Tensor, C: Tensor,
                     D: Tensor | None, z: Tensor | None, delta_bias: Tensor | None,
                     delta_softplus: bool,
                     initial_state: Tensor | None) -> tuple[Tensor, Tensor]:
    """The whole scan on fp32 CPU inputs, without autograd, in one kernel call: delta's bias
    and softplus, the scan, the D skip and the z gate (the separate torch passes over
    (batch, d_inner, L) took more time than the scan at L = 4096). u, delta and z are read
    through their strides, without copies. With autograd the
    `fused` backend gates the differentiable `fused_scan` with torch operations instead
    (mvc.ssm.scan)."""
    A = A.contiguous()
    h0 = (u.new_zeros(u.shape[0], u.shape[1], A.shape[1]) if initial_state is None
          else initial_state.contiguous())
    no_ckpt = u.new_empty(u.shape[0], u.shape[1], 0, A.shape[1])
    return _run_forward(u, delta, A, B.transpose(1, 2).contiguous(),
                        C.transpose(1, 2).contiguous(), h0, no_ckpt, FORWARD_TILE, D, z,
                        delta_bias, delta_softplus)
