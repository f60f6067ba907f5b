"""One VITS inference, timed by part, through coqui's own `Vits.inference`.

Forward pre-hooks on the flow and the waveform decoder read the clock as inference reaches
them, so the parts are (mvc.eval.efficiency's components):
- conditioning: text encoder, duration predictor, the alignment path and the expanded prior
  with its noise sample (everything from token ids to the flow's input);
- decoder: the normalizing flow (prior latent -> acoustic latent);
- vocoder: the HiFi-GAN waveform decoder (latent -> waveform), VITS's built-in vocoder;
- diffusion: 0, VITS has no diffusion.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class Inference:
    """A waveform, its frames per token (after ceil) and the seconds of each part."""

    wave: np.ndarray
    durations: np.ndarray
    seconds: dict[str, float]


def infer(model: Any, ids: list[int], device: torch.device) -> Inference:
    """Synthesize one token sequence (coqui ids) with the current global RNG state."""
    marks: dict[str, float] = {}

    def mark(name: str):
        def hook(module: Any, inputs: Any) -> None:
            marks[name] = time.perf_counter()
        return hook

    handles = [model.flow.register_forward_pre_hook(mark("flow")),
               model.waveform_decoder.register_forward_pre_hook(mark("waveform_decoder"))]
    x = torch.tensor([ids], dtype=torch.long, device=device)
    try:
        started = time.perf_counter()
        out = model.inference(x, aux_input={"x_lengths": torch.tensor([len(ids)], device=device)})
        ended = time.perf_counter()
    finally:
        for handle in handles:
            handle.remove()
    seconds = {"conditioning": marks["flow"] - started,
               "diffusion": 0.0,
               "decoder": marks["waveform_decoder"] - marks["flow"],
               "vocoder": ended - marks["waveform_decoder"]}
    wave = out["model_outputs"][0, 0].float().cpu().numpy()
    durations = out["durations"][0, 0].cpu().numpy()
    return Inference(wave.astype(np.float32), durations, seconds)
