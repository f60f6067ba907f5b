"""Streaming Bi-Mamba: exact with unbounded look-ahead, error shrinking with look-ahead,
forward state carried exactly, and outputs released after C + W frames."""

from itertools import pairwise

import pytest
import torch

from mvc.ssm.bimamba import BiMamba
from mvc.ssm.streaming import (
    StreamingBiMamba,
    lookahead_errors,
    stream,
    streaming_error,
)

BACKEND = "sequential"
TOL = 1e-5


def make_model(seed=0, d_model=16):
    torch.manual_seed(seed)
    return BiMamba(d_model, scan_backend=BACKEND).eval()


@pytest.mark.parametrize(("chunk", "lookahead"), [(5, None), (5, 32), (2, None), (37, 0)])
def test_lookahead_covering_the_rest_equals_offline(chunk, lookahead):
    # 37 frames. C 5 + W 32: the first chunk is emitted by push() when the last frame
    # arrives, with a window to the end; the rest by flush(). One 37-frame chunk needs no W.
    m = make_model()
    x = torch.randn(2, 37, 16)
    with torch.no_grad():
        assert torch.allclose(stream(m, x, chunk, lookahead), m(x), atol=TOL)


def test_error_falls_as_lookahead_grows_and_vanishes_at_all():
    m = make_model(seed=1)
    x = torch.randn(1, 64, 16, generator=torch.Generator().manual_seed(1))
    lookaheads = [0, 4, 16, 48, None]
    errors = lookahead_errors(m, x, chunk=8, lookaheads=lookaheads)
    assert list(errors) == lookaheads
    for field in ("max_abs", "mean_abs", "relative"):
        series = [getattr(errors[w], field) for w in lookaheads]
        assert all(a > b for a, b in pairwise(series)), (field, series)
        assert series[0] > 1e-3 and series[-1] <= TOL, (field, series)


def test_forward_direction_state_is_carried_exactly():
    # With all weight on the forward branch, any look-ahead gives the offline output.
    m = make_model(seed=2)
    with torch.no_grad():
        m.gate.weight.zero_()
        m.gate.bias.fill_(50.0)
        x = torch.randn(2, 41, 16)
        assert torch.allclose(stream(m, x, chunk=6, lookahead=0), m(x), atol=TOL)


def test_outputs_are_released_after_chunk_plus_lookahead_frames():
    m = make_model()
    chunk, lookahead = 4, 3
    streamer = StreamingBiMamba(m, chunk, lookahead)
    assert streamer.latency_frames == 7
    x = torch.randn(1, 19, 16)
    with torch.no_grad():
        released = [streamer.push(x[:, t:t + 1]).shape[1] for t in range(x.shape[1])]
        tail = streamer.flush()
    first = next(t for t, n in enumerate(released) if n)
    assert first + 1 == chunk + lookahead
    assert released == [0] * 6 + [4, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 4]
    assert tail.shape[1] == 19 - 16
    assert StreamingBiMamba(m, chunk, None).latency_frames is None


def test_output_does_not_depend_on_how_the_input_is_pushed():
    m = make_model()
    x = torch.randn(1, 30, 16)
    with torch.no_grad():
        streamer = StreamingBiMamba(m, chunk=4, lookahead=5)
        pieces = [streamer.push(p) for p in torch.tensor_split(x, [1, 2, 9, 10, 23], dim=1)]
        irregular = torch.cat([*pieces, streamer.flush()], dim=1)
        assert torch.allclose(irregular, stream(m, x, 4, 5), atol=TOL)


def test_streaming_error_against_hand_values():
    offline = torch.tensor([[[3.0, 4.0]]])
    streamed = torch.tensor([[[3.0, 4.5]]])
    err = streaming_error(streamed, offline)
    assert (err.max_abs, err.mean_abs, err.relative) == pytest.approx((0.5, 0.25, 0.1))


def test_bad_settings_are_refused():
    m = make_model()
    with pytest.raises(ValueError, match="chunk"):
        StreamingBiMamba(m, 0, 4)
    with pytest.raises(ValueError, match="lookahead"):
        StreamingBiMamba(m, 4, -1)
    with pytest.raises(ValueError, match="empty"):
        StreamingBiMamba(m, 4, 4).flush()
