# Input functions and config checks shared by the rules. No science here.
import json
from pathlib import Path

from snakemake.exceptions import WorkflowError

EMBEDDED_ROOT = Path("results/corpus")
# Real corpora and checkpoints fetched from configs/sources.yaml land in resources/{name}/
# (fetch.smk), each with this completion marker.
RESOURCES_ROOT = Path("resources")
FETCH_MARKER = "FETCHED.json"
# Pseudo-systems made from the test sets' own recordings; every other system is trained.
GROUND_TRUTH_SYSTEMS = ("ground_truth", "ground_truth_gl")
TRAIN_SECTIONS = ("seed", "audio", "model", "training")
VOCODER_CHECKPOINT = "results/train/vocoder/checkpoint.pt"
# Training is the DAG's longest chain (features -> train -> synth -> score): Snakemake starts
# these jobs before any other ready one, so the scoring of the ground truths fills the
# remaining cores instead of delaying the trainings (all other rules: priority 0).
CRITICAL_PATH_PRIORITY = 10
# What the score rules (score.smk, ablations.smk) run: one metric group's `mvc score` on one
# system's directory, with the content cache every scoring job shares. A system that fails on
# every utterance is a result the tables report (--all-errors-ok), not a failed job.
SCORE_CACHE = "results/cache/scores"
SCORE_COMMAND = (
    "mvc score --system-dir {input.system} --manifest {input.manifest}"
    " --metrics {params.metrics:q} --split {params.split} --all-errors-ok"
    " --cache {params.cache} --out-dir {params.out_dir} > {log} 2>&1"
)


# Every system but the ground-truth pseudo-systems is trained and synthesized.
TRAINED_SYSTEM = "(?!ground_truth)[A-Za-z0-9_-]+"


def system_entry(system):
    """`systems:` narrowed to one system's model overrides (none if it has no entry; `mvc
    train` then says what to add), so editing one system's entry reruns only that one."""
    return {name: entry for name, entry in config.get("systems", {}).items() if name == system}


def synth_config(wildcards):
    """The sections `mvc synth run` reads."""
    return inline({"seed": config["seed"], "synthesis": config["synthesis"]})


wildcard_constraints:
    corpus="[A-Za-z0-9_-]+",
    dataset="[A-Za-z0-9_-]+",


def _check_dataset_names():
    for where, names in (("train_datasets", config["train_datasets"]),
                         ("test_datasets", config["test_datasets"]),
                         ("evaluation.testsets", config["evaluation"]["testsets"])):
        unknown = [n for n in names if n not in config["datasets"]]
        if unknown:
            raise WorkflowError(
                f"config: {where} names {unknown}, which are not under `datasets`. "
                f"Fix: add them to `datasets` or remove them from {where}."
            )


_check_dataset_names()


def all_datasets():
    """Training then test datasets, each once, in config order."""
    return list(dict.fromkeys(config["train_datasets"] + config["test_datasets"]))


def has_audio(name):
    """Whether a dataset's manifest rows carry audio (a Gutenberg book alone is text only)."""
    spec = config["datasets"][name]
    return spec["adapter"] != "gutenberg" or bool(spec.get("options", {}).get("audio_dir"))


def inline(mapping):
    """Config sections as the inline JSON that `mvc ... --config` reads."""
    return json.dumps(mapping, sort_keys=True, separators=(",", ":"))


def embedded_corpus_config(wildcards):
    embedded = config.get("embedded") or {}
    if wildcards.corpus not in embedded.get("corpora", {}):
        raise WorkflowError(
            f"no embedded corpus {wildcards.corpus!r} in the config. "
            f"Fix: add it under embedded.corpora or point the dataset's root at a real corpus."
        )
    return inline({"embedded": {**embedded, "corpora": {
        wildcards.corpus: embedded["corpora"][wildcards.corpus]}}})


def shipped_texts(wildcards):
    """The public-domain texts an embedded corpus is spoken from (a change rebuilds it)."""
    texts = Path(config["embedded"]["texts"])
    return [str(texts / "books.yaml"), *sorted(str(p) for p in texts.glob("*/*.txt"))]


def dataset_config(wildcards):
    return inline({"seed": config["seed"],
                   "datasets": {wildcards.dataset: config["datasets"][wildcards.dataset]}})


def corpus_of(wildcards):
    """What a dataset's root comes from: the embedded corpus directory for a root under
    results/corpus/, the fetch marker for one under resources/ (fetch.smk), nothing for a
    corpus elsewhere (used as is)."""
    root = Path(config["datasets"][wildcards.dataset]["root"])
    if root.parts[: len(EMBEDDED_ROOT.parts)] == EMBEDDED_ROOT.parts and len(root.parts) > 2:
        return str(EMBEDDED_ROOT / root.parts[len(EMBEDDED_ROOT.parts)])
    return fetched(root)


def fetched(path):
    """The fetch marker of the resources/{name}/ a path lies in, or nothing outside it."""
    path = Path(path)
    if path.parts[:1] == RESOURCES_ROOT.parts and len(path.parts) > 1:
        return [str(RESOURCES_ROOT / path.parts[1] / FETCH_MARKER)]
    return []


def metric_resources(metrics):
    """The fetch markers of the local checkpoints under resources/ that metrics (name ->
    settings) read: a metric's own `checkpoint` (UTMOS) or its backend's
    (wer.whisper.checkpoint)."""
    markers = []
    for settings in metrics.values():
        settings = settings or {}
        backend = settings.get(settings.get("backend")) or {}
        for path in (settings.get("checkpoint"), backend.get("checkpoint")):
            if path:
                markers += fetched(path)
    return list(dict.fromkeys(markers))


def data_stage_outputs():
    """Every manifest and phoneme table, and the features of every dataset with audio."""
    names = all_datasets()
    return (
        [f"results/manifests/{n}.csv" for n in names]
        + [f"results/phonemes/{n}.csv" for n in names]
        + [f"results/features/{n}.csv" for n in names if has_audio(n)]
    )


def metric_settings(name):
    """A metric's settings, from whichever evaluation.metrics group names it."""
    for group in config["evaluation"]["metrics"].values():
        if name in group:
            return group[name] or {}
    raise WorkflowError(f"metric {name!r} is not under evaluation.metrics in the config.")


def score_targets():
    """Every (test set, system, metric) score table the evaluation asks for.

    Metrics that compare with the reference recording skip the ground truth itself (it would
    be compared with itself) and test sets without recordings (e.g. a Gutenberg book); the
    ground-truth pseudo-systems skip test sets without recordings altogether.
    """
    evaluation = config["evaluation"]
    targets = []
    for testset in evaluation["testsets"]:
        for system in evaluation["systems"]:
            if system in GROUND_TRUTH_SYSTEMS and not has_audio(testset):
                continue
            for group, metrics in evaluation["metrics"].items():
                for metric in metrics:
                    if group == "with_reference" and (
                        system == "ground_truth" or not has_audio(testset)
                    ):
                        continue
                    targets.append(f"results/metrics/{testset}/{system}/{metric}.csv")
    return targets


def system_params():
    """SYSTEM=PATH for each system in evaluation.systems: the parameter counts written beside
    its checkpoint, for the efficiency table."""
    return [f"{system}=results/train/{system}/params.json"
            for system in config["evaluation"]["systems"] if system not in GROUND_TRUTH_SYSTEMS]


def trained_params():
    """The params.json files behind system_params(), each once."""
    return list(dict.fromkeys(item.split("=", 1)[1] for item in system_params()))


def synth_dirs():
    """Every (system, test set) output directory with audio: the plots' F0 contours and,
    where the synthesis wrote one, its timings.csv for the efficiency table."""
    evaluation = config["evaluation"]
    return [f"results/synth/{system}/{testset}" for testset in evaluation["testsets"]
            if has_audio(testset) for system in evaluation["systems"]]


def trained_vocoder():
    """The shared vocoder's checkpoint when model.vocoder.kind needs training (hifigan), else
    nothing: a Griffin-Lim config plans no train_vocoder job."""
    return [VOCODER_CHECKPOINT] if config["model"]["vocoder"]["kind"] == "hifigan" else []


def vocoder_option():
    """`--vocoder PATH` for the synthesis commands when the vocoder is trained, else ""."""
    return "".join(f" --vocoder {path}" for path in trained_vocoder())


def ssm_bench():
    """results/bench/ssm.csv when `mvc bench ssm` has written it (no rule makes it)."""
    path = Path("results/bench/ssm.csv")
    return [str(path)] if path.is_file() else []


def bench_results(name):
    """results/bench/{name} when `snakemake bench` (or `mvc bench`) has written it."""
    path = Path("results/bench") / name
    return [str(path)] if path.is_file() else []


def bench_options(input):
    """The report's --encoders/--longform/--synth-bench options for the CSVs that exist."""
    options = {"encoders": "--encoders", "longform": "--longform", "synth_bench": "--synth-bench"}
    return " ".join(f"{flag} {input[key]}" for key, flag in options.items()
                    if key in input.keys() and input[key])


def bench_scales():
    """`mvc bench encoders --config` items: NAME=CONFIG per bench.encoders.scales entry."""
    return [f"{name}={path}" for name, path in config["bench"]["encoders"]["scales"].items()]


def bench_checkpoints():
    return [f"results/train/{system}/checkpoint.pt" for system in config["bench"]["synth"]["systems"]]


def bench_checkpoint_items():
    return [f"{system}=results/train/{system}/checkpoint.pt"
            for system in config["bench"]["synth"]["systems"]]


def bench_threads_option():
    threads = config["bench"]["threads"]
    return f"--threads {threads}" if threads else ""


def listener_ratings():
    path = config["statistics"].get("listener_ratings")
    return [path] if path else []


def report_config():
    return inline({key: config[key] for key in ("statistics", "report", "prosody")})


def embedded_testsets():
    """Test sets whose corpus is the embedded espeak-ng one (the summary's caveat banner)."""
    return [name for name in config["evaluation"]["testsets"]
            if Path(config["datasets"][name]["root"]).parts[: len(EMBEDDED_ROOT.parts)]
            == EMBEDDED_ROOT.parts]
