"""The TTS model: alignment teacher (training only) + conditioning path + shared backbone.

Stage 1 trains the aligner, the text encoder, the acoustic style encoder and the decoder
(mel reconstruction from the teacher's durations, ground-truth F0/energy and the style of
the utterance's own mel). Stage 2 trains the duration and prosody predictors, the prosodic
style encoder and the style diffusion, with the stage-1 modules frozen. Synthesis needs no
aligner: `inference_state_dict` leaves it out and `from_inference_state` rebuilds without it.

Output heads start at their targets' means, measured on the first training batch of their
stage (data-dependent initialization): the targets sit far from 0 (log(1 + frames) ~1.6,
energy -2..-9, silent mel bins ~-2), and Adam moves a bias about lr per step, so from 0 a
few hundred steps are not enough and durations came out ~30% short. The `initialized`
buffer records which stages did it, so a resumed run does not redo it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor, nn

from mvc.errors import InputError
from mvc.models.aligner import Aligner
from mvc.models.backbone import Backbone
from mvc.models.batch import Batch
from mvc.models.conditioning import CONDITIONING_PATHS, ConditioningPath
from mvc.models.config import ModelConfig
from mvc.models.layers import expand_by_durations, masked_mean

ALIGNER_PREFIX = "aligner."
STAGES = (1, 2)


@dataclass
class Synthesis:
    """One synthesized utterance. mel (1, n_mels, F) normalized; f0 (1, F) the predicted
    contour in Hz, floored at 0 (near 0 where the model predicts unvoiced frames, not exactly
    0); energy (1, F); durations (1, T) frames; style (1, 2 * style_dim), acoustic then
    prosodic, to carry over to the next sentence; timings in seconds."""

    mel: Tensor
    f0: Tensor
    energy: Tensor
    durations: Tensor
    style: Tensor
    timings: dict[str, float]


class TTSModel(nn.Module):
    """Aligner (when `with_aligner`), conditioning path `config.conditioning`, backbone."""

    def __init__(self, config: ModelConfig, with_aligner: bool = True) -> None:
        super().__init__()
        self.config = config
        self.aligner = Aligner(config.n_symbols, config.n_mels, config.aligner) \
            if with_aligner else None
        self.conditioning: ConditioningPath = CONDITIONING_PATHS[config.conditioning](config)
        self.backbone = Backbone(config)
        self.register_buffer("initialized", torch.zeros(len(STAGES), dtype=torch.bool))

    def stage_modules(self, stage: int) -> list[nn.Module]:
        """The modules stage 1 or 2 trains."""
        if stage == 1:
            if self.aligner is None:
                raise ValueError("stage 1 trains the aligner, which an inference model lacks")
            return [self.aligner, self.conditioning.text_encoder, self.backbone.acoustic_style,
                    self.backbone.decoder]
        if stage == 2:
            return [self.conditioning.duration, self.conditioning.prosody,
                    self.backbone.prosodic_style, self.backbone.diffusion]
        raise ValueError(f"stage must be one of {STAGES}, got {stage}")

    def stage_parameters(self, stage: int) -> list[nn.Parameter]:
        """The parameters stage 1 or 2 trains (what its optimizer gets)."""
        return [p for module in self.stage_modules(stage) for p in module.parameters()]

    def losses(self, batch: Batch, stage: int) -> dict[str, Tensor]:
        """Each weighted loss term by name and their sum "total" (what backward() needs)."""
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage}")
        if self.aligner is None:
            raise ValueError("training needs the aligner; build the model with build_model")
        text_mask, frame_mask = batch.phoneme_mask(), batch.frame_mask()
        with torch.set_grad_enabled(stage == 1):
            scores = self.aligner.scores(batch.phonemes, text_mask, batch.mel, frame_mask)
            text = self.conditioning.encode_text(batch.phonemes, text_mask)
            acoustic = self.backbone.acoustic_style(batch.mel, frame_mask)
        durations = self.aligner.durations(scores, batch.phoneme_lengths, batch.mel_lengths)
        aligned = expand_by_durations(text, durations, batch.mel.shape[2])
        f0 = torch.where(frame_mask, batch.f0, 0.0) / self.config.f0_scale
        energy = torch.where(frame_mask, batch.energy, 0.0)
        if self.training and not bool(self.initialized[stage - 1]):
            self._initialize_outputs(batch, stage, durations, f0, energy, text_mask, frame_mask)
        if stage == 1:
            weights = self.config.losses.stage1
            start, seg_mask = random_segments(batch.mel_lengths, self.config.max_len)
            mel = self.backbone.decoder(crop(aligned, start, seg_mask), crop(f0, start, seg_mask),
                                        crop(energy, start, seg_mask), acoustic, seg_mask)
            target = crop(batch.mel.transpose(1, 2), start, seg_mask)
            terms = {
                "mel": weights.mel * masked_l1(mel.transpose(1, 2), target, seg_mask),
                "aligner": weights.aligner * self.aligner.forward_sum_loss(
                    scores, batch.phoneme_lengths, batch.mel_lengths),
            }
        else:
            weights = self.config.losses.stage2
            prosodic = self.backbone.prosodic_style(batch.mel, frame_mask)
            log_dur = self.conditioning.predict_durations(text, prosodic, text_mask)
            f0_pred, energy_pred = self.conditioning.predict_prosody(aligned, prosodic,
                                                                     frame_mask)
            style = torch.cat([acoustic, prosodic], dim=-1).detach()
            terms = {
                "duration": weights.duration * masked_mse(
                    log_dur, torch.log1p(durations.to(log_dur.dtype)), text_mask),
                "f0": weights.f0 * masked_l1(f0_pred, f0, frame_mask),
                "energy": weights.energy * masked_l1(energy_pred, energy, frame_mask),
                "diffusion": weights.diffusion * self.backbone.diffusion.loss(
                    style, masked_mean(text, text_mask)),
            }
        terms["total"] = torch.stack(list(terms.values())).sum()
        return terms

    @torch.no_grad()
    def _initialize_outputs(self, batch: Batch, stage: int, durations: Tensor, f0: Tensor,
                            energy: Tensor, text_mask: Tensor, frame_mask: Tensor) -> None:
        """Set the stage's output biases to its targets' means over this batch's valid
        positions (averaged over processes under torch.distributed)."""
        frames = frame_mask.unsqueeze(-1).to(batch.mel.dtype)
        if stage == 1:
            mel_mean = (torch.where(frame_mask.unsqueeze(1), batch.mel, 0.0).transpose(1, 2)
                        * frames).sum((0, 1)) / frames.sum()
            self.backbone.decoder.initialize_output(all_processes_mean(mel_mean))
        else:
            log_dur = torch.log1p(durations.to(f0.dtype))
            self.conditioning.initialize_outputs(
                all_processes_mean(log_dur[text_mask].mean()),
                all_processes_mean(f0[frame_mask].mean()),
                all_processes_mean(energy[frame_mask].mean()))
        self.initialized[stage - 1] = True

    @torch.no_grad()
    def synthesize(self, phonemes: Tensor, reference_mel: Tensor, *, generator: torch.Generator,
                   lookahead: int | None = None, style: Tensor | None = None) -> Synthesis:
        """Synthesize one utterance (1, T) in the voice of `reference_mel` (1, n_mels, F).

        The style is sampled by the diffusion from the text and mixed with the reference's
        (inference.alpha, inference.beta); with `style` (the previous sentence's), the
        result is carry * style + (1 - carry) * the new one. `lookahead` W streams the
        conditioning path (None = offline; W >= the length equals offline). Runs in eval
        mode and restores the previous mode.
        """
        self._check_inputs(phonemes, reference_mel, style)
        inference = self.config.inference
        was_training = self.training
        self.eval()
        try:
            start = time.perf_counter()
            s = self.config.style_dim
            ref_acoustic = self.backbone.acoustic_style(reference_mel, None)
            ref_prosodic = self.backbone.prosodic_style(reference_mel, None)
            stream = {"lookahead": lookahead, "chunk": inference.stream_chunk}
            text = self.conditioning.encode_text(phonemes, None, **stream)
            encoded = time.perf_counter()
            sampled = self.backbone.diffusion.sample(text.mean(dim=1), generator)
            new_style = torch.cat([
                inference.alpha * sampled[:, :s] + (1 - inference.alpha) * ref_acoustic,
                inference.beta * sampled[:, s:] + (1 - inference.beta) * ref_prosodic], dim=-1)
            if style is not None:
                new_style = inference.carry * style + (1 - inference.carry) * new_style
            acoustic, prosodic = new_style[:, :s], new_style[:, s:]
            diffused = time.perf_counter()
            log_dur = self.conditioning.predict_durations(text, prosodic, None, **stream)
            durations = torch.round(torch.expm1(log_dur)).clamp(1, self.config.max_dur).long()
            aligned = expand_by_durations(text, durations, int(durations.sum()))
            f0, energy = self.conditioning.predict_prosody(aligned, prosodic, None, **stream)
            conditioned = time.perf_counter()
            mel = self.backbone.decoder(aligned, f0, energy, acoustic, None)
            decoded = time.perf_counter()
        finally:
            self.train(was_training)
        timings = {"conditioning": (encoded - start) + (conditioned - diffused),
                   "diffusion": diffused - encoded, "decoder": decoded - conditioned}
        return Synthesis(mel=mel, f0=(f0 * self.config.f0_scale).clamp(min=0.0), energy=energy,
                         durations=durations, style=new_style, timings=timings)

    def parameter_counts(self) -> dict[str, int]:
        """Parameter counts for the efficiency table: `total` is the inference model (all
        but the aligner, which synthesis never runs), `conditioning` the conditioning path
        (text encoder + duration + prosody), `text_encoder` its first module, `aligner` the
        training-only teacher (0 for an inference model). Vocoders are counted apart."""
        def count(module: nn.Module | None) -> int:
            return 0 if module is None else sum(p.numel() for p in module.parameters())
        aligner = count(self.aligner)
        return {"total": count(self) - aligner, "conditioning": count(self.conditioning),
                "text_encoder": count(self.conditioning.text_encoder), "aligner": aligner}

    def inference_state_dict(self) -> dict[str, Tensor]:
        """The state dict without the aligner (what a synthesis checkpoint holds)."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith(ALIGNER_PREFIX)}

    @classmethod
    def from_inference_state(cls, config: ModelConfig, state: dict[str, Tensor]) -> TTSModel:
        """An inference-only model (no aligner) with `state` loaded strictly."""
        model = cls(config, with_aligner=False)
        model.load_state_dict(state, strict=True)
        model.eval()
        return model

    def _check_inputs(self, phonemes: Tensor, reference_mel: Tensor | None,
                      style: Tensor | None) -> None:
        """InputErrors naming what is wrong with a synthesis request and how to fix it."""
        n_symbols, n_mels = self.config.n_symbols, self.config.n_mels
        if phonemes.dim() != 2 or phonemes.shape[0] != 1:
            raise InputError("phonemes", f"expected shape (1, T), found {tuple(phonemes.shape)}",
                             "synthesize one utterance at a time")
        if phonemes.shape[1] == 0:
            raise InputError("phonemes", "the phoneme sequence is empty",
                             "give a non-empty text (check the text front end's output)")
        bad = phonemes[(phonemes < 1) | (phonemes >= n_symbols)]
        if bad.numel():
            raise InputError("phonemes", f"unknown symbol ids {sorted(set(bad.tolist()))[:10]} "
                             f"(valid ids are 1..{n_symbols - 1}; 0 is padding)",
                             "encode the text with mvc.text.symbols (the table this model was "
                             "trained with)")
        if reference_mel is None or reference_mel.numel() == 0:
            raise InputError("reference_mel", "missing or empty reference mel",
                             "give the reference utterance's normalized log-mel (1, n_mels, F)")
        if reference_mel.dim() != 3 or reference_mel.shape[:2] != (1, n_mels):
            raise InputError("reference_mel", f"expected shape (1, {n_mels}, F), found "
                             f"{tuple(reference_mel.shape)}",
                             "compute it with mvc.features.mel.log_mel and add a batch axis")
        if not torch.isfinite(reference_mel).all():
            raise InputError("reference_mel", "contains inf or NaN",
                             "recompute the reference's features")
        if style is not None and style.shape != (1, 2 * self.config.style_dim):
            raise InputError("style", f"expected shape (1, {2 * self.config.style_dim}), found "
                             f"{tuple(style.shape)}", "pass a previous Synthesis.style")


def all_processes_mean(value: Tensor) -> Tensor:
    """value averaged over the processes of a torch.distributed run (itself otherwise)."""
    if dist.is_available() and dist.is_initialized():
        value = value.clone()
        dist.all_reduce(value)
        value /= dist.get_world_size()
    return value


def build_model(config: ModelConfig) -> TTSModel:
    """A training model (with the aligner) for `config.conditioning`."""
    return TTSModel(config, with_aligner=True)


def random_segments(lengths: Tensor, max_len: int | None) -> tuple[Tensor, Tensor]:
    """StyleTTS2's decoder crop: per utterance a start drawn uniformly (torch's global RNG)
    so that a segment of min(max_len, length) frames fits; returns the starts (B,) and the
    segments' mask (B, L), L = min(max_len, longest)."""
    longest = int(lengths.max())
    size = longest if max_len is None else min(max_len, longest)
    room = (lengths - size).clamp(min=0)
    start = (torch.rand(lengths.shape, device=lengths.device) * (room + 1)).floor().long()
    start = torch.minimum(start, room)
    mask = (start.unsqueeze(1) + torch.arange(size, device=lengths.device)) < lengths.unsqueeze(1)
    return start, mask


def crop(x: Tensor, start: Tensor, mask: Tensor) -> Tensor:
    """Frames [start_b, start_b + L) of x (B, F) or (B, F, C), L = mask.shape[1]; frames
    past an utterance's end are 0."""
    index = (start.unsqueeze(1) + torch.arange(mask.shape[1], device=x.device)).clamp(
        max=x.shape[1] - 1)
    if x.dim() == 3:
        index = index.unsqueeze(-1).expand(-1, -1, x.shape[2])
        return torch.where(mask.unsqueeze(-1), torch.gather(x, 1, index), 0.0)
    return torch.where(mask, torch.gather(x, 1, index), 0.0)


def masked_l1(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean absolute error over valid positions (mask (B, L) on (B, L) or (B, L, C))."""
    return _masked_mean_error((pred - target).abs(), mask)


def masked_mse(pred: Tensor, target: Tensor, mask: Tensor) -> Tensor:
    """Mean squared error over valid positions."""
    return _masked_mean_error((pred - target) ** 2, mask)


def _masked_mean_error(error: Tensor, mask: Tensor) -> Tensor:
    keep = mask if error.dim() == 2 else mask.unsqueeze(-1).expand_as(error)
    return torch.where(keep, error, 0.0).sum() / keep.sum().clamp(min=1)
