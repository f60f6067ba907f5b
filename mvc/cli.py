"""The `mvc` command: one subcommand per workflow step, so every Snakemake rule also runs by hand.

Commands take the config sections they need through `--config`: a YAML file (by hand) or an
inline JSON object (what the rules pass, so a rule reruns exactly when its sections change).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mvc.atomic import check_output_dir
from mvc.errors import InputError

log = logging.getLogger("mvc")
TIMINGS = "timings.csv"  # what a synthesis directory holds beside its {utt_id}.wav


def _corpus_build(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.config import load_config, section
    from mvc.data.embedded import build_corpus

    build_corpus(args.name, section(load_config(args.config), "embedded"), Path(args.out))


def _fetch(args: argparse.Namespace) -> None:
    from mvc.config import load_config, section
    from mvc.fetch.corpus import fetch_source
    from mvc.fetch.sources import fetch_settings, source

    settings = fetch_settings(section(load_config(args.config), "fetch"))
    registry = load_config(args.sources or settings.sources)
    marker = fetch_source(args.name, source(registry, args.name), Path(args.resources), settings)
    log.info("fetched: %s", marker)


def _manifest(args: argparse.Namespace) -> None:
    from mvc.config import load_config, section
    from mvc.data.build_manifest import build_manifest

    config = load_config(args.config)
    build_manifest(args.name, section(config, "datasets", args.name), int(section(config, "seed")),
                   Path(args.out), skip_bad=args.skip_bad)


def _phonemize(args: argparse.Namespace) -> None:
    from mvc.data.manifest import read_manifest
    from mvc.text.phoneme_table import write_phoneme_table

    write_phoneme_table(read_manifest(args.manifest), Path(args.out))


def _features(args: argparse.Namespace) -> None:
    from mvc.config import build, load_config, section
    from mvc.data.manifest import read_manifest
    from mvc.features.cache import FeatureCache
    from mvc.features.extract import extract_dataset
    from mvc.features.mel import MelConfig
    from mvc.features.prosody import ProsodyConfig

    config = load_config(args.config)
    extract_dataset(read_manifest(args.manifest),
                    build(MelConfig, section(config, "audio"), "audio"),
                    build(ProsodyConfig, section(config, "prosody"), "prosody"),
                    FeatureCache(Path(args.cache)), Path(args.out))


def _ground_truth(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.data.manifest import read_manifest
    from mvc.synth.ground_truth import export_ground_truth

    export_ground_truth(read_manifest(args.manifest), Path(args.out))


def _train(args: argparse.Namespace) -> None:
    from mvc.config import load_config
    from mvc.systems import get_system
    from mvc.train.dataset import DatasetFiles

    counts = {len(args.manifests), len(args.phonemes), len(args.features)}
    if len(counts) != 1:
        raise InputError("mvc train", "--manifests, --phonemes and --features differ in length",
                         "give one phoneme table and one feature index per manifest, in order")
    datasets = [DatasetFiles(Path(m), Path(p), Path(f))
                for m, p, f in zip(args.manifests, args.phonemes, args.features, strict=True)]
    checkpoint = get_system(args.system).train(load_config(args.config), datasets,
                                               Path(args.cache), Path(args.out))
    log.info("checkpoint: %s", checkpoint)


def _optional_path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _train_vocoder(args: argparse.Namespace) -> None:
    from mvc.config import load_config
    from mvc.train.vocoder_stage import train_vocoder_stage

    checkpoint = train_vocoder_stage(load_config(args.config), [Path(m) for m in args.manifests],
                                     Path(args.out))
    log.info("vocoder checkpoint: %s", checkpoint)


def _synth_run(args: argparse.Namespace) -> None:
    check_output_dir(args.out)  # before any input is read or model loaded
    from mvc.config import load_config
    from mvc.systems import get_system

    config = load_config(args.config)
    if args.lookahead is not None:
        config = {**config, "synthesis": {**config.get("synthesis", {}),
                                          "lookahead": args.lookahead}}
    get_system(args.system).synthesize(Path(args.checkpoint), Path(args.manifest), args.split,
                                       config, Path(args.out),
                                       vocoder_checkpoint=_optional_path(args.vocoder))


def _ground_truth_gl(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.config import load_config
    from mvc.data.manifest import read_manifest
    from mvc.synth.ground_truth import export_vocoded_ground_truth

    rows = [r for r in read_manifest(args.manifest) if args.split in (None, r.split)]
    export_vocoded_ground_truth(rows, load_config(args.config), Path(args.out),
                                _optional_path(args.vocoder))


def _score(args: argparse.Namespace) -> None:
    from mvc.config import load_config
    from mvc.data.manifest import read_manifest
    from mvc.eval.scoring import ScoreCache, score_directory

    if args.metrics.lstrip().startswith("["):
        raise InputError("--metrics", f"{args.metrics} is a list",
                         "map each metric to its settings: '{\"mcd\": {}, \"wer\": {}}' "
                         "(docs/metrics.md), or name a YAML file that does")
    metrics = load_config(args.metrics)
    rows = [r for r in read_manifest(args.manifest) if args.split in (None, r.split)]
    system_dir = Path(args.system_dir)
    score_directory(metrics, rows, system_dir, Path(args.out_dir),
                    ScoreCache(args.cache) if args.cache else None,
                    {"system_dir": str(system_dir), "manifest": args.manifest, "split": args.split},
                    all_errors_ok=args.all_errors_ok)


def _stats(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.config import load_config, section
    from mvc.stats.analysis import analyze
    from mvc.stats.scores import read_score_table
    from mvc.stats.settings import stats_settings
    from mvc.stats.stage import listener_cmos, write_stats

    settings = stats_settings(section(load_config(args.config), "statistics"))
    scores = [read_score_table(p) for p in args.scores]
    unknown = sorted({s.system for s in scores} - set(args.systems))
    if unknown:
        raise InputError("--scores", f"scores of systems {unknown} not in --systems",
                         "list every scored system in evaluation.systems")
    listeners = (listener_cmos(settings.listener_ratings, settings)
                 if settings.listener_ratings else None)
    write_stats(analyze(scores, args.systems, settings), settings, listeners, Path(args.out))


def _stats_inputs(args: argparse.Namespace) -> tuple:
    """(config, statistics settings, report settings, the stats stage's result, listener
    CMOS or None); the config sections are checked before any file is read."""
    from mvc.config import build, load_config, section
    from mvc.report.plots_stage import PlotSettings
    from mvc.stats.settings import stats_settings
    from mvc.stats.stage import read_stats

    config = load_config(args.config)
    settings = stats_settings(section(config, "statistics"))
    report = build(PlotSettings, section(config, "report"), "report")
    result, listeners = read_stats(Path(args.stats))
    return config, settings, report, result, listeners


def _read_bench(path: str | None):
    """A results/bench CSV as a DataFrame, or None when it was not given or not written."""
    import pandas as pd

    return pd.read_csv(path) if path and Path(path).is_file() else None


def _report_plots(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.config import build, section
    from mvc.features.prosody import ProsodyConfig
    from mvc.report.plots_stage import write_plots

    config, settings, report, result, _ = _stats_inputs(args)
    synth: dict[str, dict[str, Path]] = {}
    for directory in map(Path, args.synth):
        synth.setdefault(directory.name, {})[directory.parent.name] = directory
    lines = write_plots(result, settings, synth, args.systems, _read_bench(args.bench),
                        build(ProsodyConfig, section(config, "prosody"), "prosody"), report,
                        Path(args.out), encoders=_read_bench(args.encoders),
                        longform=_read_bench(args.longform))
    print("\n".join(lines))


def _report_runtimes(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.atomic import atomic_dir
    from mvc.report.runtimes import read_benchmarks, summarize_runtimes

    table = summarize_runtimes(read_benchmarks(Path(args.benchmarks)))
    markdown = table.to_markdown(index=False, floatfmt=".1f")
    with atomic_dir(args.out) as tmp:
        table.to_csv(tmp / "runtimes.csv", index=False, lineterminator="\n")
        (tmp / "runtimes.md").write_text(markdown + "\n", encoding="utf-8")
    print(markdown)


def _report_tables(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    import pandas as pd

    from mvc.eval.efficiency import read_timings
    from mvc.report.tables_stage import write_tables

    _, settings, report, result, listeners = _stats_inputs(args)
    timings: dict[str, list[pd.DataFrame]] = {}
    for directory in map(Path, args.synth):
        if (directory / TIMINGS).is_file():
            timings.setdefault(directory.parent.name, []).append(
                read_timings(directory / TIMINGS))
    plots_dir = Path(args.plots) if args.plots else None
    plots = (sorted(p.name for p in plots_dir.iterdir() if p.suffix in (".png", ".pdf"))
             if plots_dir and plots_dir.is_dir() else [])
    params = {system: json.loads(Path(path).read_text(encoding="utf-8"))
              for system, path in map(_params_item, args.params)}
    write_tables(result, listeners, settings, args.systems, [Path(m) for m in args.manifests],
                 [Path(s) for s in args.scores],
                 {s: pd.concat(t, ignore_index=True) for s, t in timings.items()}, params,
                 _read_bench(args.bench), report.bench_length,
                 args.embedded, plots, Path(args.out),
                 {"encoders": _read_bench(args.encoders),
                  "synth": read_timings(args.synth_bench) if args.synth_bench else None,
                  "synth_longform": _read_bench(args.longform)})
    print((Path(args.out) / "README.md").read_text(encoding="utf-8"))


def _report_ablations(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.ablations.sweep import ablation_settings, read_sweep
    from mvc.config import load_config, section
    from mvc.report.ablation_table import read_ablation_scores, write_ablation_table
    from mvc.stats.settings import stats_settings

    config = load_config(args.config)
    sweep = read_sweep(ablation_settings(section(config, "ablations")))
    statistics = stats_settings(section(config, "statistics"))
    write_ablation_table(read_ablation_scores([Path(p) for p in args.scores], sweep), sweep,
                         statistics, Path(args.out))
    print((Path(args.out) / "ablations.md").read_text(encoding="utf-8"))


def _params_item(item: str) -> tuple[str, str]:
    """A --params item: SYSTEM=PATH, or a PATH results/train/{system}/params.json."""
    system, sep, path = item.partition("=")
    return (system, path) if sep else (Path(item).parent.name, item)


def _given(options: dict) -> dict:
    """The options given on the command line (argparse leaves the others None), so that a
    benchmark's dataclass defaults fill the rest."""
    return {k: v for k, v in options.items() if v is not None}


def _bench_streaming(args: argparse.Namespace) -> None:
    from mvc.bench.streaming import (
        StreamingBench,
        parse_lookahead,
        run_streaming_bench,
        write_streaming_bench,
    )

    options = {"d_model": args.d_model, "length": args.length, "input_kind": args.input,
               "repeats": args.repeats, "seed": args.seed, "scan_backend": args.backend,
               "chunks": tuple(args.chunks) if args.chunks else None,
               "lookaheads": (tuple(parse_lookahead(w) for w in args.lookaheads)
                              if args.lookaheads else None)}
    bench = StreamingBench(**_given(options))
    print(write_streaming_bench(run_streaming_bench(bench), args.out))


def _bench_ssm(args: argparse.Namespace) -> None:
    from mvc.bench.ssm import (
        QUICK_LENGTHS,
        SsmBench,
        default_backends,
        run_ssm_bench,
        write_ssm_bench,
    )

    options = {"device": args.device, "d_model": args.d_model,
               "lengths": tuple(args.lengths or (QUICK_LENGTHS if args.quick else ())) or None,
               "reps": args.reps or (1 if args.quick else None),
               "backends": tuple(args.backends or default_backends(args.device))}
    bench = SsmBench(**_given(options))
    print(write_ssm_bench(run_ssm_bench(bench), bench, args.out))


def _bench_encoders(args: argparse.Namespace) -> None:
    from mvc.bench.encoders import (
        QUICK_LENGTHS,
        EncoderBench,
        run_encoder_bench,
        scale_item,
        scales_from,
        write_encoder_bench,
    )
    from mvc.config import load_config

    items = [scale_item(item) for item in args.config]
    options = {"scales": scales_from([(name, load_config(src)) for name, src in items]),
               "device": args.device, "systems": tuple(args.systems) if args.systems else None,
               "lengths": tuple(args.lengths or (QUICK_LENGTHS if args.quick else ())) or None,
               "batches": tuple(args.batches) if args.batches else None,
               "reps": args.reps or (1 if args.quick else None),
               "frames_per_phoneme": args.frames_per_phoneme,
               "fit_min_length": args.fit_min_length, "max_call_s": args.max_call_s,
               "memory": False if args.no_memory else None, "threads": args.threads}
    bench = EncoderBench(**_given(options))
    rows, summary = run_encoder_bench(bench)
    print(write_encoder_bench(rows, summary, bench, args.out, args.summary_out))


def _bench_synth(args: argparse.Namespace) -> None:
    from mvc.bench.synth import (
        SynthBench,
        SystemSpec,
        parse_passage,
        read_sentences,
        run_synth_bench,
        write_synth_bench,
    )
    from mvc.config import load_config

    vocoder = Path(args.vocoder) if args.vocoder else None
    if bool(args.checkpoint) == bool(args.untrained):
        raise InputError("mvc bench synth", "give either --checkpoint or --untrained",
                         "--checkpoint mvc=results/train/mvc/checkpoint.pt ... (trained) or "
                         "--untrained configs/smoke.yaml (tests, smoke runs)")
    if args.checkpoint:
        specs = []
        for item in args.checkpoint:
            name, sep, path = item.partition("=")
            if not sep or not name:
                raise InputError("--checkpoint", f"{item!r} is not SYSTEM=PATH",
                                 "write e.g. mvc=results/train/mvc/checkpoint.pt")
            specs.append(SystemSpec(name, checkpoint=Path(path), vocoder_checkpoint=vocoder))
    else:
        config = load_config(args.untrained)
        specs = [SystemSpec(name, config=config, vocoder_checkpoint=vocoder)
                 for name in (args.systems or ("mvc", "styletts2", "hybrid"))]
    options = {"utterances": args.utterances, "reps": args.reps, "threads": args.threads,
               "passages": (tuple(parse_passage(p) for p in args.passages)
                            if args.passages else None),
               "lookaheads": tuple(args.lookaheads) if args.lookaheads else None,
               "modes": tuple(args.modes) if args.modes else None,
               "memory": False if args.no_memory else None}
    bench = SynthBench(systems=tuple(specs), device=args.device, language=args.language,
                       sentences=read_sentences(Path(args.text), args.language),
                       **_given(options))
    components, longform = run_synth_bench(bench)
    print(write_synth_bench(components, longform, Path(args.out), Path(args.longform_out)))


def _bench_metrics(args: argparse.Namespace) -> None:
    import tempfile

    from mvc.bench.metrics import MetricsBench, run_metrics_bench, write_metrics_bench

    defaults = MetricsBench()
    metrics = ({name: defaults.metrics.get(name, {}) for name in args.metrics}
               if args.metrics else defaults.metrics)
    bench = MetricsBench(texts=Path(args.texts), utterances=args.utterances, metrics=metrics)
    with tempfile.TemporaryDirectory(prefix="mvc-bench-metrics-") as work_dir:
        print(write_metrics_bench(run_metrics_bench(bench, Path(work_dir)), Path(args.out)))


def _bench_stats(args: argparse.Namespace) -> None:
    from mvc.bench.stats import StatsBench, run_stats_bench, write_stats_bench
    from mvc.config import load_config, section
    from mvc.stats.settings import stats_settings

    settings = stats_settings(section(load_config(args.config), "statistics"))
    bench = StatsBench(settings, systems=args.systems, utterances=args.utterances)
    print(write_stats_bench(run_stats_bench(bench), Path(args.out)))


def _bench_ssm_parity(args: argparse.Namespace) -> None:
    import torch

    from mvc.bench.ssm_parity import mamba_ssm_state_dict, scan_parity, write_parity

    device = torch.device(args.device)
    rows = scan_parity(device, tuple(args.lengths), args.tolerance)
    rows += mamba_ssm_state_dict(device, max(args.lengths), args.block_tolerance)
    write_parity(rows, Path(args.out))
    for row in rows:
        print(row)
    if any(row["passed"] is False for row in rows):
        raise InputError(args.out, "a backend disagrees with the sequential reference",
                         "see the rows above; report it with the device and versions")


def _audit(args: argparse.Namespace) -> None:
    check_output_dir(args.out)
    from mvc.audit.run import run_audit
    from mvc.config import load_config

    run_audit(load_config(args.config), Path.cwd(), args.results, Path(args.out),
              args.workflow_files, _optional_path(args.scratch), args.keep_scratch)


def _command(group: argparse._SubParsersAction, name: str,
             handler: Callable[[argparse.Namespace], None] | None,
             help_text: str) -> argparse.ArgumentParser:
    sub = group.add_parser(name, help=help_text, description=help_text)
    if handler is not None:
        sub.set_defaults(handler=handler)
    return sub


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mvc", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    corpus = _command(commands, "corpus", None, "the embedded default corpus").add_subparsers(
        dest="corpus_command", required=True)
    build = _command(corpus, "build", _corpus_build,
                     "synthesize one embedded corpus (flite, espeak-ng) in its real layout")
    build.add_argument("name", help="a key of embedded.corpora (e.g. ljspeech)")
    build.add_argument("--config", required=True, help="YAML file or inline JSON")
    build.add_argument("--out", required=True, help="output directory")

    fetch = _command(commands, "fetch", _fetch,
                     "download, verify and unpack a corpus or checkpoint of the sources "
                     "registry into RESOURCES/NAME/ (resumable; a copy already there is used)")
    fetch.add_argument("name", help="a key of the sources registry (e.g. ljspeech)")
    fetch.add_argument("--config", required=True,
                       help="a config with a fetch section (e.g. configs/paper.yaml): YAML file "
                            "or inline JSON")
    fetch.add_argument("--sources", help="the sources registry: YAML file or inline JSON "
                                         "(default: the config's fetch.sources)")
    fetch.add_argument("--resources", default="resources",
                       help="where corpora are unpacked (default: resources)")

    manifest = _command(commands, "manifest", _manifest,
                        "read a corpus with its adapter into a manifest CSV")
    manifest.add_argument("name", help="a key of datasets (e.g. vctk)")
    manifest.add_argument("--config", required=True, help="YAML file or inline JSON")
    manifest.add_argument("--out", required=True, help="manifest CSV to write")
    manifest.add_argument("--skip-bad", action="store_true",
                          help="skip bad items instead of failing; lists them in OUT.skipped.csv")

    phonemize = _command(commands, "phonemize", _phonemize,
                         "normalize, phonemize and encode a manifest's texts")
    phonemize.add_argument("--manifest", required=True)
    phonemize.add_argument("--out", required=True, help="phoneme CSV to write")

    features = _command(commands, "features", _features,
                        "log-mel, F0 and energy for a manifest (cached by content)")
    features.add_argument("--manifest", required=True)
    features.add_argument("--config", required=True, help="YAML file or inline JSON")
    features.add_argument("--cache", required=True, help="content-addressed feature cache dir")
    features.add_argument("--out", required=True, help="feature index CSV to write")

    synth = _command(commands, "synth", None, "synthesize a test set").add_subparsers(
        dest="synth_command", required=True)
    ground_truth = _command(synth, "ground-truth", _ground_truth,
                            "lay out a test set's own recordings as a system's output")
    ground_truth.add_argument("--manifest", required=True)
    ground_truth.add_argument("--out", required=True, help="output directory of {utt_id}.wav")

    run = _command(synth, "run", _synth_run,
                   "synthesize a test set with a trained system: {utt_id}.wav, timings.csv, "
                   "references.csv")
    run.add_argument("--system", required=True, help="a registered system (e.g. mvc)")
    run.add_argument("--checkpoint", required=True, help="the system's checkpoint file")
    run.add_argument("--manifest", required=True, help="the test set's manifest")
    run.add_argument("--config", required=True,
                     help="sections seed and synthesis: YAML file or inline JSON")
    run.add_argument("--split", choices=("train", "val", "test"),
                     help="synthesize only this split (default: every row); every row with "
                          "audio may serve as a speaker reference")
    run.add_argument("--lookahead", type=int,
                     help="streaming synthesis with a look-ahead of W frames "
                          "(overrides synthesis.lookahead; default offline)")
    run.add_argument("--vocoder", help="the trained vocoder's checkpoint (needed when "
                                       "model.vocoder.kind is hifigan)")
    run.add_argument("--out", required=True, help="output directory")
    ground_truth_gl = _command(synth, "ground-truth-gl", _ground_truth_gl,
                               "a test set's recordings through their log-mel and the "
                               "configured vocoder (the round trip every system pays)")
    ground_truth_gl.add_argument("--manifest", required=True)
    ground_truth_gl.add_argument("--config", required=True,
                                 help="sections audio and model: YAML file or inline JSON")
    ground_truth_gl.add_argument("--split", choices=("train", "val", "test"),
                                 help="only this split (default: every row)")
    ground_truth_gl.add_argument("--vocoder", help="the trained vocoder's checkpoint (needed "
                                                   "when model.vocoder.kind is hifigan)")
    ground_truth_gl.add_argument("--out", required=True, help="output directory")

    train = _command(commands, "train", _train,
                     "train a system on the data stage's outputs (resumes after a kill)")
    train.add_argument("system", help="a registered system (e.g. mvc)")
    train.add_argument("--config", required=True,
                       help="sections seed, audio, model, training: YAML file or inline JSON")
    train.add_argument("--manifests", nargs="+", required=True, help="training manifests")
    train.add_argument("--phonemes", nargs="+", required=True,
                       help="their phoneme tables, in the same order")
    train.add_argument("--features", nargs="+", required=True,
                       help="their feature indexes, in the same order")
    train.add_argument("--cache", required=True, help="the feature cache directory")
    train.add_argument("--out", required=True,
                       help="output directory (checkpoint.pt, losses.csv, work/)")

    train_vocoder = _command(commands, "train-vocoder", _train_vocoder,
                             "train the shared HiFi-GAN/iSTFTNet vocoder on the training "
                             "recordings (resumes after a kill)")
    train_vocoder.add_argument("--config", required=True,
                               help="sections seed, audio, model.vocoder, vocoder_training: "
                                    "YAML file or inline JSON")
    train_vocoder.add_argument("--manifests", nargs="+", required=True,
                               help="training manifests (their train rows' audio)")
    train_vocoder.add_argument("--out", required=True,
                               help="output directory (checkpoint.pt, losses.csv, work/)")

    score = _command(commands, "score", _score,
                     "score a directory of {utt_id}.wav against a manifest with one or more "
                     "metrics")
    score.add_argument("--system-dir", required=True, help="the system's {utt_id}.wav files")
    score.add_argument("--manifest", required=True, help="texts, languages, reference audio")
    score.add_argument("--metrics", required=True,
                       help="metric name -> its settings, as under evaluation.metrics "
                            "(docs/metrics.md): YAML file or inline JSON, e.g. '{\"mcd\": {}}'")
    score.add_argument("--split", choices=("train", "val", "test"),
                       help="score only this split of the manifest (default: every row)")
    score.add_argument("--cache", help="content-addressed score cache; a rerun reuses it, so a "
                                       "killed run resumes where it stopped")
    score.add_argument("--all-errors-ok", action="store_true",
                       help="exit 0 when a metric's every row is an error (the workflow: a "
                            "system failing everywhere is a result); by hand it is a wrong "
                            "input and exits 2")
    score.add_argument("--out-dir", required=True,
                       help="where {metric}.csv (per utterance) and {metric}.json go")

    report = _command(commands, "report", None, "tables, plots and the report").add_subparsers(
        dest="report_command", required=True)
    stats = _command(commands, "stats", _stats, "bootstrap intervals, paired tests and Holm "
                     "correction of the per-utterance scores (results/stats)")
    stats.add_argument("--scores", nargs="*", default=[],
                       help="results/metrics/{testset}/{system}/{metric}.csv files")
    stats.add_argument("--systems", nargs="+", required=True,
                       help="the systems in table order (evaluation.systems)")
    stats.add_argument("--config", required=True,
                       help="a config with a statistics section: YAML file or inline JSON")
    stats.add_argument("--out", required=True, help="output directory (results/stats)")

    for name, handler, help_text in (
            ("tables", _report_tables, "the paper tables (Markdown, LaTeX, CSV), efficiency, "
                                       "data summary and the one-page README"),
            ("plots", _report_plots, "point, difference, F0 and efficiency plots (PNG + PDF)")):
        sub = _command(report, name, handler, help_text)
        sub.add_argument("--stats", required=True, help="the stats directory (results/stats)")
        sub.add_argument("--systems", nargs="+", required=True,
                         help="the systems in table order (evaluation.systems)")
        sub.add_argument("--config", required=True, help="sections statistics, report, prosody: "
                                                         "YAML file or inline JSON")
        sub.add_argument("--bench", help="results/bench/ssm.csv, when it exists")
        sub.add_argument("--encoders", help="results/bench/encoders.csv, when it exists")
        sub.add_argument("--longform", help="results/bench/synth_longform.csv, when it exists")
        if name == "tables":
            sub.add_argument("--synth-bench", help="results/bench/synth.csv, when it exists")
        sub.add_argument("--out", required=True, help="output directory")
        if name == "tables":
            sub.add_argument("--manifests", nargs="+", required=True)
            sub.add_argument("--scores", nargs="*", default=[],
                             help="the score tables (for the scores summary)")
            sub.add_argument("--params", nargs="*", default=[],
                             help="SYSTEM=PATH or PATH (results/train/{system}/params.json): "
                                  "the parameter counts of each system")
            sub.add_argument("--embedded", nargs="*", default=[],
                             help="test sets from the embedded corpus (adds the caveat banner)")
            sub.add_argument("--plots", help="the plots directory, listed in the README")
        sub.add_argument("--synth", nargs="*", default=[],
                         help="results/synth/{system}/{testset} directories: audio for the "
                              f"plots, {TIMINGS} (when written) for the efficiency table")

    runtimes = _command(report, "runtimes", _report_runtimes,
                        "where the DAG spent its time: the rules' benchmark files summed per "
                        "stage and per system or metric")
    runtimes.add_argument("--benchmarks", required=True, help="results/benchmarks")
    runtimes.add_argument("--out", required=True, help="output directory (results/runtimes)")

    ablations = _command(report, "ablations", _report_ablations,
                         "the ablation table: each variant of the ablation TSV vs its "
                         "reference row (CSV + Markdown)")
    ablations.add_argument("--config", required=True, help="sections ablations and statistics: "
                                                           "YAML file or inline JSON")
    ablations.add_argument("--scores", nargs="+", required=True,
                           help="results/ablations/KNOB~VALUE/.../metrics/TESTSET/METRIC.csv")
    ablations.add_argument("--out", required=True, help="output directory")

    audit = _command(commands, "audit", _audit,
                     "record the environment, git state, config and output hashes, rerun a "
                     "sample of jobs in a scratch copy and compare (run from the workdir)")
    audit.add_argument("--config", required=True,
                       help="the whole merged config (with its audit section): YAML file or "
                            "inline JSON")
    audit.add_argument("--results", default="results", help="the outputs' directory")
    audit.add_argument("--workflow-files", nargs="+", required=True,
                       help="what a scratch copy needs beside the outputs (Snakefile, "
                            "workflow, ...)")
    audit.add_argument("--scratch", help="where scratch copies go (default: the temp dir)")
    audit.add_argument("--keep-scratch", action="store_true",
                       help="keep the scratch copies (their path is logged)")
    audit.add_argument("--out", required=True, help="output directory (results/audit)")

    bench = _command(commands, "bench", None, "speed, memory and accuracy benchmarks "
                     "(results/bench/*.csv)").add_subparsers(dest="bench_command", required=True)
    streaming = _command(bench, "streaming", _bench_streaming,
                         "streaming Bi-Mamba (chunk C, look-ahead W): error and time vs offline")
    streaming.add_argument("--d-model", type=int, help="model width (default 256)")
    streaming.add_argument("--length", type=int, help="input frames (default 2048)")
    streaming.add_argument("--chunks", type=int, nargs="+", help="chunk sizes C (default 16 64)")
    streaming.add_argument("--lookaheads", nargs="+",
                           help="look-aheads W in frames or 'all' (default 0 8 32 128 all)")
    streaming.add_argument("--input", choices=("random", "structured"),
                           help="white noise or sinusoids + noise (default random)")
    streaming.add_argument("--repeats", type=int, help="timed repetitions (default 3)")
    streaming.add_argument("--seed", type=int, help="model and input seed (default 0)")
    streaming.add_argument("--backend", help="selective-scan backend (default: automatic)")
    streaming.add_argument("--out", default="results/bench/streaming.csv", help="CSV to write")
    ssm = _command(bench, "ssm", _bench_ssm, "selective-scan backends vs attention and a "
                   "BiLSTM: time, peak memory, growth with length (docs/ssm.md)")
    ssm.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    ssm.add_argument("--lengths", type=int, nargs="+",
                     help="sequence lengths (default 256 512 ... 16384)")
    ssm.add_argument("--reps", type=int, help="interleaved timed repetitions (default 3)")
    ssm.add_argument("--backends", nargs="+",
                     help="scan backends (default: sequential chunked, and fused on cpu or "
                          "cuda on cuda)")
    ssm.add_argument("--d-model", type=int, help="model width; d_inner is twice it (default 256)")
    ssm.add_argument("--quick", action="store_true",
                     help="lengths 256 512 and 1 repetition unless given (a smoke run)")
    ssm.add_argument("--out", default="results/bench/ssm.csv", help="CSV to write")

    encoders = _command(bench, "encoders", _bench_encoders,
                        "conditioning paths of MVC, StyleTTS2 and the hybrid: time, peak memory "
                        "and growth with input length, throughput ratios (docs/efficiency.md)")
    encoders.add_argument("--config", nargs="+",
                          default=["configs/default.yaml", "configs/paper.yaml"],
                          help="one config per scale (its model: and systems: widths): PATH "
                               "or NAME=PATH or NAME={inline JSON} (default: default and "
                               "paper configs)")
    encoders.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    encoders.add_argument("--systems", nargs="+", help="default: mvc styletts2 hybrid")
    encoders.add_argument("--lengths", type=int, nargs="+",
                          help="phoneme counts (default 64 128 ... 8192)")
    encoders.add_argument("--batches", type=int, nargs="+", help="batch sizes (default 1 8)")
    encoders.add_argument("--reps", type=int, help="interleaved timed repetitions (default 3)")
    encoders.add_argument("--frames-per-phoneme", type=int,
                          help="fixed duration of every phoneme in frames (default 5)")
    encoders.add_argument("--fit-min-length", type=int,
                          help="fit the growth exponents over lengths >= this (default 512)")
    encoders.add_argument("--max-call-s", type=float,
                          help="skip a configuration predicted to take longer (default 60)")
    encoders.add_argument("--threads", type=int,
                          help="torch and numba CPU threads (default: theirs)")
    encoders.add_argument("--no-memory", action="store_true", help="time only")
    encoders.add_argument("--quick", action="store_true",
                          help="lengths 64 256 and 1 repetition unless given (a smoke run)")
    encoders.add_argument("--out", default="results/bench/encoders.csv", help="CSV to write")
    encoders.add_argument("--summary-out", default="results/bench/encoders_summary.csv",
                          help="exponents and throughput ratios CSV to write")

    synth = _command(bench, "synth", _bench_synth,
                     "end-to-end synthesis time per component, RTF, long-form RTF, peak memory "
                     "and first-audio latency (docs/efficiency.md)")
    synth.add_argument("--checkpoint", nargs="+",
                       help="SYSTEM=PATH per trained system (results/train/{system}/"
                            "checkpoint.pt)")
    synth.add_argument("--untrained", help="a config: untrained models of --systems from its "
                                           "model: and systems: sections (tests, smoke runs)")
    synth.add_argument("--systems", nargs="+",
                       help="with --untrained (default mvc styletts2 hybrid)")
    synth.add_argument("--vocoder", help="the trained vocoder checkpoint (vocoder kind hifigan)")
    synth.add_argument("--text", default="data/texts/en/moby-dick-ch1.txt",
                       help="the text whose sentences are synthesized")
    synth.add_argument("--language", default="en-us", help="the text's language")
    synth.add_argument("--utterances", type=int,
                       help="sentences timed one by one for the components (default 8)")
    synth.add_argument("--passages", nargs="+",
                       help="long-form passage lengths in sentences, or 'all' (default 1 4 16)")
    synth.add_argument("--lookaheads", type=int, nargs="+",
                       help="streaming look-aheads W in frames (default 8)")
    synth.add_argument("--modes", nargs="+", help="long-form modes (default sentences "
                                                  "streaming whole)")
    synth.add_argument("--reps", type=int, help="interleaved repetitions (default 2)")
    synth.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    synth.add_argument("--threads", type=int, help="torch and numba CPU threads")
    synth.add_argument("--no-memory", action="store_true", help="time only")
    synth.add_argument("--out", default="results/bench/synth.csv",
                       help="components CSV (synthesis timings schema) to write")
    synth.add_argument("--longform-out", default="results/bench/synth_longform.csv",
                       help="long-form CSV to write")

    metrics = _command(bench, "metrics", _bench_metrics,
                       "utterances per second of each metric on the same espeak-ng utterances")
    metrics.add_argument("--utterances", type=int, default=100)
    metrics.add_argument("--metrics", nargs="+", help="registered metric names (default: all "
                                                      "of wer (faster_whisper), distillmos, "
                                                      "dnsmos, mcd, f0_rmse, speaker_sim)")
    metrics.add_argument("--texts", default="data/texts/en", help="folder of .txt books")
    metrics.add_argument("--out", default="results/bench/metrics.csv", help="CSV to write")

    bench_stats = _command(bench, "stats", _bench_stats,
                           "the statistics stage's time on synthetic scores (default: 4 systems "
                           "x the config's headline columns x 1000 utterances)")
    bench_stats.add_argument("--config", default="configs/default.yaml",
                             help="a config with a statistics section (resamples, method)")
    bench_stats.add_argument("--systems", type=int, default=4)
    bench_stats.add_argument("--utterances", type=int, default=1000)
    bench_stats.add_argument("--out", default="results/bench/stats.csv", help="CSV to write")

    parity = _command(bench, "ssm-parity", _bench_ssm_parity,
                      "every scan backend on a device against the sequential reference, "
                      "and our Mamba's state dict loaded into mamba_ssm's where it imports")
    parity.add_argument("--device", default="cpu", help="cpu or cuda")
    parity.add_argument("--lengths", type=int, nargs="+", default=[64, 1000, 4096])
    parity.add_argument("--tolerance", type=float, default=1e-5,
                        help="max abs output difference and max relative gradient difference")
    parity.add_argument("--block-tolerance", type=float, default=1e-4,
                        help="max abs difference of whole Mamba blocks (ours vs mamba_ssm's "
                             "fused path, which orders fp32 sums differently)")
    parity.add_argument("--out", default="results/bench/ssm_parity.csv", help="CSV to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `mvc` console script; bad input exits 2 with the error's message."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        args.handler(args)
    except InputError as err:
        print(f"mvc {args.command}: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
