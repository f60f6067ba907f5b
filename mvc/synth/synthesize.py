"""Synthesize a test set with a trained backbone model: wavs, timings.csv and references.csv.

Every text is split into sentences (mvc.text.sentences.split_sentences; a one-sentence text
stays whole) and synthesized sentence by sentence: the first sentence's style comes from the
reference recording (mvc.synth.references), and each later sentence gets the style the
previous one used (`style=`), so a long-form passage keeps one voice. Sentences are joined
with `sentence_pause_s` of silence. Each utterance has its own generator seeded by
(seed, utt_id), so its audio does not depend on which other utterances are synthesized.

The text front end (espeak-ng) and the reference's log-mel are computed before the clock
starts: timings cover token ids to waveform (mvc.eval.efficiency's timings CSV).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from tqdm import tqdm

from mvc import audio
from mvc.atomic import atomic_dir
from mvc.data.manifest import Utterance
from mvc.errors import InputError
from mvc.eval.efficiency import write_timings
from mvc.features.mel import MelConfig, log_mel
from mvc.memory import MIB, peak_bytes, reset_peak
from mvc.synth.config import SynthesisConfig
from mvc.synth.references import Reference, choose_references, derived_seed, write_references
from mvc.text.frontend import text_to_ids
from mvc.text.sentences import split_sentences

STAGES = ("conditioning", "diffusion", "decoder")


class Synthesizer(Protocol):
    """What synthesis needs of a model (mvc.models.tts.TTSModel provides it)."""

    def synthesize(self, phonemes: torch.Tensor, reference_mel: torch.Tensor, *,
                   generator: torch.Generator, lookahead: int | None = None,
                   style: torch.Tensor | None = None) -> Any: ...


@dataclass(frozen=True)
class SentenceIds:
    """A target's sentences as token-id tensors (1, T), in reading order."""

    utt_id: str
    sentences: list[torch.Tensor]


def sentence_ids(targets: Sequence[Utterance], manifest: str | Path) -> list[SentenceIds]:
    """Split every target into sentences and encode them (batched per language)."""
    pieces: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    split = []
    for t, target in enumerate(targets):
        sentences = split_sentences(target.text, target.language)
        if not sentences:
            raise InputError(manifest, f"utterance {target.utt_id!r} has an empty text",
                             "give it a text or remove it from the test set")
        split.append(sentences)
        pieces[target.language].extend((t, s, text) for s, text in enumerate(sentences))
    encoded: list[list[torch.Tensor | None]] = [[None] * len(s) for s in split]
    for language, items in pieces.items():
        try:
            results = text_to_ids([text for _, _, text in items], language)
        except InputError as err:
            raise InputError(manifest, err.problem, err.fix) from None
        for (t, s, _), (_, ids) in zip(items, results, strict=True):
            encoded[t][s] = torch.tensor([ids], dtype=torch.long)
    return [SentenceIds(target.utt_id, [e for e in enc if e is not None])
            for target, enc in zip(targets, encoded, strict=True)]


def reference_mel(reference: Reference, mel_cfg: MelConfig) -> torch.Tensor:
    """The reference recording's normalized log-mel, (1, n_mels, F)."""
    try:
        wave, _ = audio.load(reference.audio_path, sample_rate=mel_cfg.sample_rate)
    except InputError as err:
        raise InputError(err.where, f"reference audio of utterance {reference.utt_id!r}: "
                         f"{err.problem}", err.fix) from None
    return torch.from_numpy(log_mel(wave, mel_cfg)).unsqueeze(0)


def synthesize_utterance(model: Synthesizer, vocoder: Callable[[torch.Tensor], np.ndarray],
                         target: SentenceIds, ref_mel: torch.Tensor, seed: int,
                         cfg: SynthesisConfig, sample_rate: int,
                         device: torch.device) -> tuple[np.ndarray, dict[str, float | str]]:
    """One utterance's waveform and its timings row (seconds; mvc.eval.efficiency's columns
    without `system`), sentence by sentence with the style carried. `peak_mem_mb` is the
    process's peak while synthesizing it (mvc.memory: resident set on the CPU, allocated
    tensors on CUDA)."""
    generator = torch.Generator(device=device).manual_seed(derived_seed(seed, target.utt_id))
    pause = np.zeros(round(cfg.sentence_pause_s * sample_rate), dtype=np.float32)
    seconds = dict.fromkeys((*STAGES, "vocoder"), 0.0)
    pieces: list[np.ndarray] = []
    style = None
    reset_peak(device)
    started = time.perf_counter()
    for k, ids in enumerate(target.sentences):
        out = model.synthesize(ids.to(device), ref_mel.to(device), generator=generator,
                               lookahead=cfg.lookahead, style=style)
        style = out.style
        for stage in STAGES:
            seconds[stage] += out.timings[stage]
        vocoder_started = time.perf_counter()
        wave = vocoder(out.mel[0].cpu())
        seconds["vocoder"] += time.perf_counter() - vocoder_started
        pieces.extend([pause, wave] if k else [wave])
    total = time.perf_counter() - started
    peak_mb = peak_bytes(device) / MIB
    wave = np.concatenate(pieces).astype(np.float32)
    return wave, {"utt_id": target.utt_id, "audio_seconds": wave.size / sample_rate,
                  "total_s": total, **{f"{part}_s": seconds[part] for part in seconds},
                  "peak_mem_mb": peak_mb}


def synthesize_testset(system: str, model: Synthesizer,
                       vocoder: Callable[[torch.Tensor], np.ndarray],
                       mel_cfg: MelConfig, rows: Sequence[Utterance],
                       targets: Sequence[Utterance], cfg: SynthesisConfig, seed: int,
                       manifest: str | Path, out_dir: Path, device: torch.device) -> None:
    """Write `{utt_id}.wav`, timings.csv and references.csv for `targets` into out_dir whole
    (atomically: a failure leaves no partial directory)."""
    references = choose_references(rows, targets, seed, manifest)
    encoded = sentence_ids(targets, manifest)
    mels: dict[str, torch.Tensor] = {}
    timings = []
    with atomic_dir(out_dir) as tmp:
        for target, reference in tqdm(list(zip(encoded, references, strict=True)),
                                      desc="synthesis", unit="utt"):
            if reference.audio_path not in mels:
                mels[reference.audio_path] = reference_mel(reference, mel_cfg)
            wave, timing = synthesize_utterance(model, vocoder, target,
                                                mels[reference.audio_path], seed, cfg,
                                                mel_cfg.sample_rate, device)
            audio.save(tmp / f"{target.utt_id}.wav", wave, mel_cfg.sample_rate)
            timings.append({**timing, "system": system})
        write_timings(timings, tmp / "timings.csv")
        write_references(references, tmp / "references.csv")
