"""The Snakemake DAG on the smoke config, in a scratch copy of the workflow: data, scoring,
statistics, tables, plots and the HTML report run end to end with the ground truth as the
only system in the tables, MVC trains, synthesizes and is scored on one test set, and a bad
config fails early."""

import csv
from pathlib import Path

import yaml

from .conftest import MVC_TARGETS, run, scratch_copy


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
                    and r["statistic"].startswith("wer (corpus"))
    assert (vctk_wer["system"], vctk_wer["n"], vctk_wer["ok"]) == ("ground_truth", "6", "6")
    assert 0 <= float(vctk_wer["value"]) < 1
    spanish = next(r for r in scores if r["testset"] == "css10_es" and r["metric"] == "wer")
    assert (spanish["unavailable"], spanish["value"]) == ("4", "")
    assert "pocketsphinx ships only an English model" in spanish["note"]
    mos = [r for r in scores if r["metric"] == "dnsmos" and r["statistic"] == "mos_proxy (mean)"]
    assert len(mos) == 7 and all(1 <= float(r["value"]) <= 5 for r in mos)
    assert not any(r["metric"] in ("mcd", "f0_rmse", "speaker_sim") for r in scores)
    summary = read_csv(smoke / "results/tables/data_summary.csv")
    assert [r["dataset"] for r in summary] == [
        "ljspeech", "libritts", "vctk", "css10_es", "css10_de", "css10_fr", "gutenberg"]
    assert next(r for r in summary if r["dataset"] == "vctk")["test"] == "6"


def test_paper_tables_show_every_test_set_with_finite_cells_and_n(smoke):
    config = yaml.safe_load((smoke / "configs/smoke.yaml").read_text())
    tables = smoke / "results/tables"
    for spec in config["statistics"]["tables"]:
        for suffix in ("md", "tex", "csv"):
            assert (tables / f"{spec['name']}.{suffix}").stat().st_size > 0
        cells = read_csv(tables / f"{spec['name']}.csv")
        assert {(r["testset"], r["system"]) for r in cells} == {
            (t, "ground_truth") for t in spec["testsets"]}
        for testset in spec["testsets"]:
            test_rows = [r for r in read_csv(smoke / f"results/manifests/{testset}.csv")
                         if r["split"] == "test"]
            mine = [r for r in cells if r["testset"] == testset]
            assert {int(r["n"]) for r in mine} == {len(test_rows)}
            mos = next(r for r in mine if r["column"] == "dnsmos.mos_proxy")
            assert mos["cell_n"] == str(len(test_rows)) and 1 <= float(mos["estimate"]) <= 5
            if len(test_rows) == 1:  # one utterance: an estimate without an interval
                assert mos["ci_low"] == "" and mos["cell"].endswith("[n/a]")
            else:
                low, high = float(mos["ci_low"]), float(mos["ci_high"])
                assert low <= float(mos["estimate"]) <= high
        markdown = (tables / f"{spec['name']}.md").read_text()
        assert ("| Test set | System | n | WER ↓ | CER ↓ | MOS-proxy ↑ | MCD (dB) ↓ | "
                "F0 RMSE (Hz) ↓ | Speaker sim. ↑ | CMOS-proxy vs styletts2 ↑ |") in markdown
        assert "Comparisons need at least 2 compared systems" in markdown
        assert "'styletts2'" in markdown and "not among the scored systems" in markdown
    vctk = read_csv(tables / "zero_shot_vctk.csv")
    wer = next(r for r in vctk if r["column"] == "wer.wer")
    assert 0 <= float(wer["ci_low"]) <= float(wer["estimate"]) <= float(wer["ci_high"])
    spanish = next(r for r in read_csv(tables / "multilingual_css10.csv")
                   if r["testset"] == "css10_es" and r["column"] == "wer.wer")
    assert spanish["cell"] == "n/a" and "English model" in spanish["note"]
    assert read_csv(tables / "comparisons.csv") == []


def test_summary_plots_and_efficiency_say_what_is_missing(smoke):
    readme = " ".join((smoke / "results/tables/README.md").read_text().split())
    assert "Caveat: embedded corpus." in readme
    assert "Comparisons need at least 2 compared systems" in readme
    assert "Zero-shot (VCTK): ground_truth has" in readme
    efficiency = (smoke / "results/tables/efficiency_systems.md").read_text()
    assert "No TTS system is configured" in efficiency
    plots = smoke / "results/plots"
    for stem in ("points_mos_proxy", "points_wer", "f0_vctk", "f0_ljspeech"):
        assert (plots / f"{stem}.png").stat().st_size > 5000
        assert (plots / f"{stem}.pdf").stat().st_size > 1000
    assert "ground truth only" in (plots / "README.md").read_text()


def test_html_report(smoke):
    result = run(smoke, "--report", "results/report.html", "--configfile", "configs/smoke.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    html = (smoke / "results/report.html").read_text(errors="replace")
    assert "zero_shot_vctk.csv" in html and "f0_vctk.png" in html


def test_mvc_trains_synthesizes_and_is_scored(smoke_mvc):
    config = yaml.safe_load((smoke_mvc / "configs/smoke.yaml").read_text())
    losses = read_csv(smoke_mvc / "results/train/mvc/losses.csv")
    assert len(losses) == sum(s["max_steps"] for s in config["training"]["stages"])
    assert (smoke_mvc / "results/train/mvc/checkpoint.pt").is_file()
    ids = [r["utt_id"] for r in read_csv(smoke_mvc / "results/manifests/vctk.csv")]
    synth = smoke_mvc / "results/synth/mvc/vctk"
    assert sorted(p.stem for p in synth.glob("*.wav")) == sorted(ids)
    timings = read_csv(synth / "timings.csv")
    assert [r["utt_id"] for r in timings] == ids
    assert all(float(r["total_s"]) > 0 and float(r["audio_seconds"]) > 0 for r in timings)
    for target in MVC_TARGETS:
        scores = read_csv(smoke_mvc / target)
        assert [r["utt_id"] for r in scores] == ids, target
        assert {r["status"] for r in scores} == {"ok"}, target
    assert (smoke_mvc / "results/benchmarks/train/mvc.tsv").is_file()


def test_evaluation_systems_can_list_mvc_and_the_vocoded_ground_truth(smoke, tmp_path):
    config = yaml.safe_load((smoke / "configs/smoke.yaml").read_text())
    config["evaluation"]["systems"] = ["ground_truth", "ground_truth_gl", "mvc"]
    (smoke / "configs/all_systems.yaml").write_text(yaml.safe_dump(config))
    result = run(smoke, "results/tables", "--dry-run", "--configfile", "configs/all_systems.yaml")
    assert result.returncode == 0, result.stderr[-4000:]
    out = result.stdout + result.stderr
    for testset in config["evaluation"]["testsets"]:
        assert f"results/synth/mvc/{testset}" in out, testset
        assert f"results/metrics/{testset}/ground_truth_gl/mcd.csv" in out, testset


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
