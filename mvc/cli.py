"""The `mvc` command: one subcommand per workflow step, so every Snakemake rule also runs by hand.

Commands take the config sections they need through `--config`: a YAML file (by hand) or an
inline JSON object (what the rules pass, so a rule reruns exactly when its sections change).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mvc.errors import InputError

log = logging.getLogger("mvc")


def _corpus_build(args: argparse.Namespace) -> None:
    from mvc.config import load_config, section
    from mvc.data.embedded import build_corpus

    build_corpus(args.name, section(load_config(args.config), "embedded"), Path(args.out))


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
    from mvc.data.manifest import read_manifest
    from mvc.synth.ground_truth import export_ground_truth

    export_ground_truth(read_manifest(args.manifest), Path(args.out))


def _score(args: argparse.Namespace) -> None:
    from mvc.config import load_config
    from mvc.data.manifest import read_manifest
    from mvc.eval.registry import make_metric
    from mvc.eval.scoring import ScoreCache, items_for, score_items, write_scores

    system_dir = Path(args.system_dir)
    if not system_dir.is_dir():
        raise InputError(system_dir, "system directory not found",
                         "synthesize the test set first (snakemake results/synth/SYSTEM/TESTSET)")
    rows = [r for r in read_manifest(args.manifest) if args.split in (None, r.split)]
    metric = make_metric(args.metric, load_config(args.settings) if args.settings else {})
    cache = ScoreCache(args.cache) if args.cache else None
    scored = score_items(metric, items_for(rows, system_dir), cache)
    write_scores(scored, metric, Path(args.out),
                 {"system_dir": str(system_dir), "manifest": args.manifest, "split": args.split})


def _summary(args: argparse.Namespace) -> None:
    from mvc.report.data_summary import write_summaries

    write_summaries([Path(m) for m in args.manifests], [Path(s) for s in args.scores],
                    Path(args.out))


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
                     "synthesize one embedded corpus with espeak-ng in its real layout")
    build.add_argument("name", help="a key of embedded.corpora (e.g. ljspeech)")
    build.add_argument("--config", required=True, help="YAML file or inline JSON")
    build.add_argument("--out", required=True, help="output directory")

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

    score = _command(commands, "score", _score,
                     "score a directory of {utt_id}.wav against a manifest with one metric")
    score.add_argument("--system-dir", required=True, help="the system's {utt_id}.wav files")
    score.add_argument("--manifest", required=True, help="texts, languages, reference audio")
    score.add_argument("--metric", required=True, help="a registered metric (see docs/metrics.md)")
    score.add_argument("--settings", help="the metric's settings: YAML file or inline JSON")
    score.add_argument("--split", choices=("train", "val", "test"),
                       help="score only this split of the manifest (default: every row)")
    score.add_argument("--cache", help="content-addressed score cache; a rerun reuses it, so a "
                                       "killed run resumes where it stopped")
    score.add_argument("--out", required=True, help="per-utterance CSV (+ .json sidecar)")

    report = _command(commands, "report", None, "tables, plots and the report").add_subparsers(
        dest="report_command", required=True)
    summary = _command(report, "summary", _summary,
                       "the data and scores summary tables (before the statistics stage)")
    summary.add_argument("--manifests", nargs="+", required=True)
    summary.add_argument("--scores", nargs="*", default=[],
                         help="results/metrics/{testset}/{system}/{metric}.csv files")
    summary.add_argument("--out", required=True, help="output directory (results/tables)")
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
