"""The Snakemake DAG on the smoke config, in a scratch copy of the workflow: data, training
of the four systems (MVC, StyleTTS2, the hybrid, VITS), synthesis of every test set, scoring,
statistics, tables, plots and the HTML report run end to end; the tables show every system
and test set with finite numbers and the expected n; a bad config fails early."""

import csv
import math
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
    assert {r["split"] for r in counts["vctk"]} == {"test"} and len(counts["vctk"]) == 2 * 3
    assert {r["language"] for r in counts["css10_de"]} == {"de"}
    assert len(counts["gutenberg"]) == 2


def test_scores_summary_and_data_summary(smoke):
    scores = read_csv(smoke / "results/tables/scores_summary.csv")
    vctk_wer = next(r for r in scores if r["testset"] == "vctk" and r["metric"] == "wer"
                    and r["system"] == "ground_truth" and r["statistic"].startswith("wer (corpus"))
    assert (vctk_wer["n"], vctk_wer["ok"]) == ("6", "6")
    assert 0 <= float(vctk_wer["value"]) < 1
    spanish = next(r for r in scores if r["testset"] == "css10_es" and r["metric"] == "wer")
    assert (spanish["unavailable"], spanish["value"]) == ("4", "")
    assert "pocketsphinx ships only an English model" in spanish["note"]
    mos = [r for r in scores if r["metric"] == "dnsmos" and r["statistic"] == "mos_proxy (mean)"]
    assert len(mos) == 7 * 6 and all(1 <= float(r["value"]) <= 5 for r in mos)
    with_reference = {(r["system"], r["metric"]) for r in scores
                      if r["metric"] in ("mcd", "f0_rmse", "speaker_sim")}
    assert with_reference == {(s, m) for s in ("ground_truth_gl", "mvc", "styletts2", "hybrid",
                                               "vits") for m in ("mcd", "f0_rmse", "speaker_sim")}
    summary = read_csv(smoke / "results/tables/data_summary.csv")
    assert [r["dataset"] for r in summary] == [
        "ljspeech", "libritts", "vctk", "css10_es", "css10_de", "css10_fr", "gutenberg"]
    assert next(r for r in summary if r["dataset"] == "vctk")["test"] == "6"


def test_paper_tables_show_every_system_and_test_set_with_finite_cells_and_n(smoke):
    config = smoke_config(smoke)
    systems = config["evaluation"]["systems"]
    english_only = {"wer.wer", "wer.cer"}  # pocketsphinx: n/a on the CSS10 sets, with a note
    with_reference = {"mcd.mcd_db", "f0_rmse.f0_rmse_hz", "speaker_sim.speaker_sim"}
    tables = smoke / "results/tables"
    for spec in config["statistics"]["tables"]:
        for suffix in ("md", "tex", "csv"):
            assert (tables / f"{spec['name']}.{suffix}").stat().st_size > 0
        cells = read_csv(tables / f"{spec['name']}.csv")
        assert {(r["testset"], r["system"]) for r in cells} == {
            (t, s) for t in spec["testsets"] for s in systems}
        for cell in cells:
            n = len([r for r in read_csv(smoke / f"results/manifests/{cell['testset']}.csv")
                     if r["split"] == "test"])
            where = (cell["testset"], cell["system"], cell["column"])
            assert int(cell["n"]) == n, where
            if cell["column"].startswith("cmos."):
                continue  # checked with the comparisons below
            if cell["system"] == "ground_truth" and cell["column"] in with_reference:
                assert cell["cell"] == "–" and cell["note"] == "not scored", where
            elif cell["testset"].startswith("css10") and cell["column"] in english_only:
                assert cell["cell"] == "n/a" and "English model" in cell["note"], where
            else:
                estimate = float(cell["estimate"])
                assert math.isfinite(estimate) and cell["cell_n"] == str(n), where
                if n > 1:
                    assert float(cell["ci_low"]) <= estimate <= float(cell["ci_high"]), where
                else:  # one utterance: an estimate without an interval
                    assert cell["ci_low"] == "" and cell["cell"].endswith("[n/a]"), where
            if cell["column"] == "dnsmos.mos_proxy":
                assert 1 <= float(cell["estimate"]) <= 5, where
        markdown = (tables / f"{spec['name']}.md").read_text()
        assert ("| Test set | System | n | WER ↓ | CER ↓ | MOS-proxy ↑ | MCD (dB) ↓ | "
                "F0 RMSE (Hz) ↓ | Speaker sim. ↑ | CMOS-proxy vs styletts2 ↑ |") in markdown
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
        assert int(row["parameters"]) > 0 and float(row["peak_mem_mb"]) > 0, system
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
        scores = read_csv(smoke / f"results/metrics/{testset}/{system}/dnsmos.csv")
        assert [r["utt_id"] for r in scores] == ids and {r["status"] for r in scores} == {"ok"}


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
