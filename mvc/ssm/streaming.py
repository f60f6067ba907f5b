"""Streaming Bi-Mamba inference with a finite look-ahead, and its error against offline.

Input arrives in chunks of C frames. For each chunk:

- the forward direction continues from the state the previous chunk left (conv + SSM
  state, `Mamba.forward_chunk`): exact, the same as the offline pass;
- the backward direction runs over the chunk plus the next W look-ahead frames,
  time-reversed, from zero state, and keeps the outputs of the chunk's C frames. The
  offline pass's backward state at a chunk frame also sums the frames beyond the
  look-ahead; that (exponentially decayed) part is what streaming loses.

A chunk is emitted once its C frames and its W look-ahead frames have arrived, so the
first output comes after C + W frames (the first-output latency, in frames; the last
frame of a chunk waits W frames, its first frame C - 1 + W). At the end of the stream
the look-ahead is whatever remains. With W >= the rest of the utterance (W = None, "all")
streaming equals the offline pass; W = None emits everything at the end, at the offline
pass's cost. Streams are batched sequences of equal length (no mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from mvc.ssm.bimamba import BiMamba
from mvc.ssm.mamba import MambaState


class StreamingBiMamba:
    """A stateful stream through a BiMamba: `push` frames as they arrive, `flush` at the end.

    chunk: C frames emitted at a time; lookahead: W future frames the backward direction
    sees (None = all: nothing is emitted before `flush`).
    """

    def __init__(self, model: BiMamba, chunk: int, lookahead: int | None) -> None:
        if chunk < 1:
            raise ValueError(f"chunk must be >= 1 frame, got {chunk}")
        if lookahead is not None and lookahead < 0:
            raise ValueError(f"lookahead must be >= 0 frames or None (all), got {lookahead}")
        self.model = model
        self.chunk = chunk
        self.lookahead = lookahead
        self._pending: Tensor | None = None  # frames received but not yet emitted
        self._state: MambaState | None = None  # the forward direction's carried state

    @property
    def latency_frames(self) -> int | None:
        """Frames that must arrive before the first output (None: the whole stream)."""
        return None if self.lookahead is None else self.chunk + self.lookahead

    def push(self, frames: Tensor) -> Tensor:
        """Add frames (batch, T, d_model); return the outputs now ready (batch, k * C, d_model),
        possibly none."""
        self._pending = frames if self._pending is None else torch.cat(
            [self._pending, frames], dim=1)
        outputs = [self._pending[:, :0]]
        while self.lookahead is not None and (
                self._pending.shape[1] >= self.chunk + self.lookahead):
            outputs.append(self._emit(self.chunk))
        return torch.cat(outputs, dim=1)

    def flush(self) -> Tensor:
        """End of stream: emit every remaining frame and reset.

        Fewer than C + W frames remain, so every remaining chunk's look-ahead reaches the
        end of the stream and its backward window is a suffix of the stream: one backward
        pass over all remaining frames gives each chunk's outputs (a causal pass over the
        reversed stream computes each window's outputs as its prefix).
        """
        if self._pending is None:
            raise ValueError("flush() before any push(): the stream is empty")
        remaining = self._pending.shape[1]
        out = self._emit(remaining) if remaining else self._pending
        self._pending, self._state = None, None
        return out

    def _emit(self, size: int) -> Tensor:
        """Outputs of the next `size` pending frames, their backward window being them plus
        the look-ahead (all pending frames when they are fewer)."""
        pending = self._pending
        window = pending[:, :size + (self.lookahead or 0)]
        if self._state is None:
            self._state = self.model.forward_mamba.allocate_state(pending.shape[0])
        y_fwd, self._state = self.model.forward_mamba.forward_chunk(pending[:, :size],
                                                                    self._state)
        y_bwd = self.model.backward_mamba(window.flip(1)).flip(1)[:, :size]
        self._pending = pending[:, size:]
        return self.model.fuse(y_fwd, y_bwd)


def stream(model: BiMamba, x: Tensor, chunk: int, lookahead: int | None) -> Tensor:
    """Run x (batch, L, d_model) through `StreamingBiMamba`, feeding it C frames at a time
    as a live source would; returns all outputs (batch, L, d_model)."""
    streamer = StreamingBiMamba(model, chunk, lookahead)
    pieces = [streamer.push(piece) for piece in x.split(chunk, dim=1)]
    return torch.cat([*pieces, streamer.flush()], dim=1)


@dataclass(frozen=True)
class StreamingError:
    """Streaming output vs the offline pass: max and mean absolute error, and the relative
    error ||streamed - offline||_2 / ||offline||_2 over all frames and channels."""

    max_abs: float
    mean_abs: float
    relative: float


def streaming_error(streamed: Tensor, offline: Tensor) -> StreamingError:
    """Compare a streamed output with the offline one (same shape)."""
    diff = (streamed - offline).double()
    return StreamingError(max_abs=diff.abs().max().item(), mean_abs=diff.abs().mean().item(),
                          relative=(diff.norm() / offline.double().norm()).item())


def lookahead_errors(model: BiMamba, x: Tensor, chunk: int,
                     lookaheads: Sequence[int | None]) -> dict[int | None, StreamingError]:
    """Streaming error vs the offline pass for each look-ahead W (None = all), at chunk C."""
    with torch.no_grad():
        offline = model(x)
        return {w: streaming_error(stream(model, x, chunk, w), offline) for w in lookaheads}
