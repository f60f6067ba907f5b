"""`mvc bench metrics`: utterances per second of each metric on the same synthetic utterances.

The utterances are espeak-ng speech of sentences from the shipped public-domain texts, cut
to about five seconds; each "system" utterance has a "reference" recording of the same
text by another voice at another rate, so metrics that compare with a reference work as
they do on real test sets. Model loading is timed apart from scoring.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvc.atomic import write_csv_atomic
from mvc.audio import save
from mvc.data.espeak import Voice, synthesize
from mvc.eval.base import ScoreItem
from mvc.eval.registry import make_metric
from mvc.eval.scoring import score_items
from mvc.text.sentences import segment, split_sentences

COLUMNS = ("metric", "utterances", "audio_s", "setup_s", "score_s", "utterances_per_s",
           "real_time_factor", "ok", "error", "unavailable")


@dataclass(frozen=True)
class MetricsBench:
    """Settings of one run: how many utterances, of how many words, which metrics."""

    texts: Path = Path("data/texts/en")
    utterances: int = 100
    words: int = 12  # about five seconds at espeak-ng's 150 words per minute
    metrics: dict[str, dict[str, Any]] = field(default_factory=lambda: {
        "wer": {"backend": "faster_whisper"}, "distillmos": {}, "dnsmos": {}, "mcd": {},
        "f0_rmse": {}, "speaker_sim": {}})
    system_voice: Voice = field(default_factory=lambda: Voice("en-us+f2"))
    reference_voice: Voice = field(default_factory=lambda: Voice("en-us+f5",
                                                                 words_per_minute=140))


def make_items(bench: MetricsBench, work_dir: Path) -> tuple[list[ScoreItem], float]:
    """The system/reference wav pairs as score items, and their total system audio seconds."""
    chunks = [chunk for book in sorted(bench.texts.glob("*.txt"))
              for sentence in split_sentences(book.read_text(encoding="utf-8"), "en-us")
              for chunk in segment(sentence, bench.words) if len(chunk.split()) >= 4]
    items, seconds = [], 0.0
    for index in range(bench.utterances):
        text = chunks[index % len(chunks)]
        utt = f"bench_{index:04d}"
        audio, rate = synthesize(text, bench.system_voice)
        save(work_dir / "system" / f"{utt}.wav", audio, rate)
        reference, ref_rate = synthesize(text, bench.reference_voice)
        save(work_dir / "reference" / f"{utt}.wav", reference, ref_rate)
        seconds += len(audio) / rate
        items.append(ScoreItem(utt, str(work_dir / "system" / f"{utt}.wav"), text, "en-us",
                               "bench", str(work_dir / "reference" / f"{utt}.wav")))
    return items, seconds


def run_metrics_bench(bench: MetricsBench, work_dir: Path) -> list[dict[str, Any]]:
    """One row per metric: setup time, scoring time and throughput on the same items."""
    items, audio_s = make_items(bench, work_dir)
    rows = []
    for name, settings in bench.metrics.items():
        start = time.perf_counter()
        metric = make_metric(name, settings)
        setup = time.perf_counter() - start
        start = time.perf_counter()
        scored = score_items(metric, items)
        elapsed = time.perf_counter() - start
        statuses = [row["status"] for row in scored]
        rows.append({"metric": name, "utterances": len(items), "audio_s": round(audio_s, 2),
                     "setup_s": round(setup, 3), "score_s": round(elapsed, 3),
                     "utterances_per_s": round(len(items) / elapsed, 3),
                     "real_time_factor": round(elapsed / audio_s, 4),
                     "ok": statuses.count("ok"), "error": statuses.count("error"),
                     "unavailable": statuses.count("unavailable")})
    return rows


def write_metrics_bench(rows: list[dict[str, Any]], out: Path) -> str:
    """Write the rows as CSV (atomically) and return them as a Markdown table."""
    write_csv_atomic(out, COLUMNS, rows)
    header = "| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n"
    return header + "".join("| " + " | ".join(str(r[c]) for c in COLUMNS) + " |\n" for r in rows)
