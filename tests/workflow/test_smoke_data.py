"""The Snakemake DAG on the smoke config, in a scratch copy of the workflow: data, training
of the four systems (MVC, StyleTTS2, the hybrid, VITS), synthesis of every test set, scoring,
statistics, tables, plots and the HTML report run end to end; the tables show every system
and test set with finite numbers and the expected n; a bad config fails early."""

import csv
import math
import re
from pathlib import Path

import pytest
import yaml

from .conftest import run, scratch_copy


def smoke_config(smoke: Path) -> dict:
    return yaml.safe_load((smoke / "configs/smoke.yaml").read_text())


def test_smoke_scores_every_trained_system_beside_the_ground_truth(smoke):
    systems = smoke_config(smoke)["evaluation"]["systems"]
    assert systems == ["ground_truth", "ground_truth_gl", "mvc", "styletts2", "hybrid", "vits"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def test_every_dataset_has_manifest_phonemes_and_features(smoke):
    config = yaml.safe_load((smoke / "configs/smoke.yaml").read_text())
    for name in config["train_datasets"] + config["test_datasets"]:
        manifest = read_csv(smoke / f"results/manifests/{name}.csv")
        phonemes = read_csv(smoke / f"results/phonemes/{name}.csv")
        features = read_csv(smoke / f"results/features/{name}.csv")
        assert manifest, name
        ids = [row["utt_id"] for row in manifest]
        assert [row["utt_id"] for row in phonemes] == ids
        assert [row["utt_id"] for row in features] == ids
        assert all(int(row["n_frames"]) > 0 for row in features)
        assert all(row["token_ids"] for row in phonemes)


def test_expected_counts_and_splits(smoke):
    counts = {name: read_csv(smoke / f"results/manifests/{name}.csv")
              for name in ("ljspeech", "libritts", "vctk", "css10_de", "gutenberg")}
    assert len(counts["ljspeech"]) == 12
    assert sorted(r["split"] for r in counts["ljspeech"]).count("train") == 9
    assert len(counts["libritts"]) == 3 * 4
    assert {r["split"] for r in counts["vctk"]} == {"test"} and len(counts["vctk"]) == 2 * 2
    assert {r["language"] for r in counts["css10_de"]} == {"de"}
    assert len(counts["gutenberg"]) == 2


def test_scores_summary_and_data_summary(smoke):
    scores = read_csv(smoke / "results/tables/scores_summary.csv")
    vctk_wer = next(r for r in scores if r["testset"] == "vctk" and r["metric"] == "wer"
                    and r["system"] == "ground_truth" and r["statistic"].startswith("wer (corpus"))
    assert (vctk_wer["n"], vctk_wer["ok"]) == ("4", "4")
    assert 0 <= float(vctk_wer["value"]) < 1
    spanish = next(r for r in scores if r["testset"] == "css10_es" and r["metric"] == "wer"
                   and r["system"] == "ground_truth" and r["statistic"].startswith("wer (corpus"))
    assert (spanish["n"], spanish["ok"], spanish["unavailable"]) == ("3", "3", "0")
    assert 0 <= float(spanish["value"]) < 1  # Whisper base reads the espeak-ng Spanish
    for metric in ("distillmos", "dnsmos"):
        mos = [r for r in scores if r["metric"] == metric and r["statistic"] == "mos_proxy (mean)"]
        assert len(mos) == 4 * 6 and all(1 <= float(r["value"]) <= 5 for r in mos), metric
    with_reference = {(r["system"], r["metric"]) for r in scores
                      if r["metric"] in ("mcd", "f0_rmse", "speaker_sim")}
    assert with_reference == {(s, m) for s in ("ground_truth_gl", "mvc", "styletts2", "hybrid",
                                               "vits") for m in ("mcd", "f0_rmse", "speaker_sim")}
    summary = read_csv(smoke / "results/tables/data_summary.csv")
    assert [r["dataset"] for r in summary] == [
        "ljspeech", "libritts", "vctk", "css10_es", "css10_de", "css10_fr", "gutenberg"]
    assert next(r for r in summary if r["dataset"] == "vctk")["test"] == "4"


def test_paper_tables_show_every_system_and_test_set_with_finite_cells_and_n(smoke):
    """Every (test set, system) row with the test set's n; every cell a finite estimate with
    its interval and its own n where it is below the row's, or n/a with the reason. The
    smoke systems are barely trained (4 steps): some of their audio is too short or silent
    for a metric, which must show as a smaller cell n or n/a, never as a silent gap."""
    config = smoke_config(smoke)
    systems = config["evaluation"]["systems"]
    with_reference = {"mcd.mcd_db", "f0_rmse.f0_rmse_hz", "speaker_sim.speaker_sim"}
    tables = smoke / "results/tables"
    for spec in config["statistics"]["tables"]:
        for suffix in ("md", "tex", "csv"):
            assert (tables / f"{spec['name']}.{suffix}").stat().st_size > 0
        cells = read_csv(tables / f"{spec['name']}.csv")
        assert {(r["testset"], r["system"]) for r in cells} == {
            (t, s) for t in spec["testsets"] for s in systems}
        for cell in cells:
            testset, system, column = cell["testset"], cell["system"], cell["column"]
            n = sum(r["split"] == "test"
                    for r in read_csv(smoke / f"results/manifests/{testset}.csv"))
            assert int(cell["n"]) == n, (testset, system, column)
            if column.startswith("cmos."):
                continue  # the comparisons' test checks these
            if system == "ground_truth" and column in with_reference:
                assert (cell["cell"], cell["note"]) == ("–", "not scored")
            elif cell["estimate"] == "":
                assert cell["cell"] == "n/a" and cell["note"], (testset, system, column)
            else:
                estimate, cell_n = float(cell["estimate"]), int(cell["cell_n"])
                assert math.isfinite(estimate) and 1 <= cell_n <= n, (testset, system, column)
                assert cell_n == n or f"(n={cell_n})" in cell["cell"], (testset, system, column)
                if cell_n > 1:
                    assert float(cell["ci_low"]) <= estimate <= float(cell["ci_high"])
                else:  # one utterance: an estimate without an interval
                    assert cell["ci_low"] == "" and "[n/a]" in cell["cell"]
            # the recordings are valid audio in every language; MCD is defined on any audio
            recordings = system == "ground_truth" and (
                column.endswith(".mos_proxy") or column.startswith("wer."))
            if recordings or (system != "ground_truth" and column == "mcd.mcd_db"):
                assert cell["cell_n"] == str(n), (testset, system, column)
            if column.endswith(".mos_proxy") and cell["estimate"]:
                assert 1 <= float(cell["estimate"]) <= 5
        markdown = (tables / f"{spec['name']}.md").read_text()
        assert ("| Test set | System | n | WER ↓ | CER ↓ | MOS-proxy (DistillMOS) ↑ | DNSMOS ↑ "
                "| MCD (dB) ↓ | F0 RMSE (Hz) ↓ | Speaker sim. ↑ | CMOS-proxy vs styletts2 ↑ |"
                ) in markdown
        assert "A transcript the judge flagged as hallucinated" in markdown
        assert "Holm family" in markdown


def test_comparisons_pair_every_compared_system_with_the_reference(smoke):
    config = smoke_config(smoke)
    comparisons = read_csv(smoke / "results/tables/comparisons.csv")
    compared = {"mvc", "hybrid", "vits"}  # not_compared: the two ground truths
    assert {r["other"] for r in comparisons} | {r["system"] for r in comparisons} == (
        compared | {"styletts2"})
    pairs = {(r["testset"], frozenset((r["system"], r["other"]))) for r in comparisons}
    for testset in config["evaluation"]["testsets"]:
        for system in compared:
            assert (testset, frozenset((system, "styletts2"))) in pairs, (testset, system)
    for row in comparisons:
        assert 0 <= float(row["p_holm"]) <= 1 and float(row["p_holm"]) >= float(
            row[f"p_{config['statistics']['test']}"]) - 1e-12
        assert int(row["n_pairs"]) >= 1


def test_summary_efficiency_and_plots_cover_every_system(smoke):
    readme = " ".join((smoke / "results/tables/README.md").read_text().split())
    assert "Caveat: embedded corpus." in readme
    efficiency = {r["system"]: r for r in read_csv(smoke / "results/tables/efficiency_systems.csv")}
    assert set(efficiency) == {"mvc", "styletts2", "hybrid", "vits"}
    audio_utterances = sum(
        sum(r["split"] == "test" for r in read_csv(smoke / f"results/manifests/{t}.csv"))
        for t in smoke_config(smoke)["evaluation"]["testsets"])
    for system, row in efficiency.items():
        assert int(row["n"]) == audio_utterances, system
        assert 0 < float(row["rtf_low"]) <= float(row["rtf"]) <= float(row["rtf_high"]), system
        assert re.fullmatch(r"\d+\.\d\dM \(conditioning \d+\.\d\dM\)", row["parameters"])
        assert float(row["peak_mem_mb"]) > 0, system
    plots = smoke / "results/plots"
    for stem in ("points_mos_proxy", "points_wer", "f0_vctk", "f0_ljspeech"):
        assert (plots / f"{stem}.png").stat().st_size > 5000
        assert (plots / f"{stem}.pdf").stat().st_size > 1000


def test_html_report(smoke):
    result = run(smoke, "--report", "results/report.html", "--configfile", "configs/smoke.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    html = (smoke / "results/report.html").read_text(errors="replace")
    assert "zero_shot_vctk.csv" in html and "f0_vctk.png" in html


@pytest.mark.parametrize("system", ["mvc", "styletts2", "hybrid", "vits"])
def test_each_system_trains_and_synthesizes_every_test_set(smoke, system):
    config = smoke_config(smoke)
    losses = read_csv(smoke / f"results/train/{system}/losses.csv")
    if system != "vits":  # VITS runs both stages' steps as one budget (docs/models.md)
        assert len(losses) == sum(s["max_steps"] for s in config["training"]["stages"])
    assert losses and (smoke / f"results/train/{system}/checkpoint.pt").is_file()
    assert (smoke / f"results/benchmarks/train/{system}.tsv").is_file()
    for testset in config["evaluation"]["testsets"]:
        ids = [r["utt_id"] for r in read_csv(smoke / f"results/manifests/{testset}.csv")
               if r["split"] == "test"]
        synth = smoke / f"results/synth/{system}/{testset}"
        assert sorted(p.stem for p in synth.glob("*.wav")) == sorted(ids), testset
        timings = read_csv(synth / "timings.csv")
        assert sorted(r["utt_id"] for r in timings) == sorted(ids), testset
        assert all(float(r["total_s"]) > 0 and float(r["audio_seconds"]) > 0 for r in timings)
        # every utterance has a row; one the metric cannot score (a barely trained system's
        # fragment shorter than DNSMOS's minimum) is an error naming its file
        scores = read_csv(smoke / f"results/metrics/{testset}/{system}/dnsmos.csv")
        assert [r["utt_id"] for r in scores] == ids
        for row in scores:
            assert row["status"] == "ok" or (
                row["status"] == "error" and f"{row['utt_id']}.wav" in row["error"]), row


def test_second_run_has_nothing_to_do(smoke):
    result = run(smoke, "results/tables", "--dry-run", "--configfile", "configs/smoke.yaml")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_bad_config_fails_with_the_schema_error(tmp_path):
    workdir = scratch_copy(tmp_path)
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["audio"]["hop_lenght"] = 256
    (workdir / "configs/bad.yaml").write_text(yaml.safe_dump(config))
    result = run(workdir, "results/tables", "--dry-run", "--configfile", "configs/bad.yaml")
    assert result.returncode != 0
    assert "hop_lenght" in result.stdout + result.stderr


def test_unknown_dataset_name_is_named(tmp_path):
    workdir = scratch_copy(tmp_path)
    config = yaml.safe_load((workdir / "configs/smoke.yaml").read_text())
    config["test_datasets"].append("timit")
    (workdir / "configs/bad.yaml").write_text(yaml.safe_dump(config))
    result = run(workdir, "results/tables", "--dry-run", "--configfile", "configs/bad.yaml")
    assert result.returncode != 0
    assert "test_datasets names ['timit']" in result.stdout + result.stderr
