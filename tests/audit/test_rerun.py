"""The scratch copy a rerun runs in: workflow files copied, outputs mirrored as links to
the originals except the skipped ones, the config written in its own key order."""

import json

from mvc.audit.rerun import make_scratch


def test_scratch_mirrors_outputs_skips_what_is_remade_and_keeps_config_order(tmp_path):
    workdir, scratch = tmp_path / "work", tmp_path / "scratch"
    for name in ("results/manifests/a.csv", "results/stats/estimates.csv",
                 "results/logs/x.log", "results/synth/s/t/u.wav"):
        (workdir / name).parent.mkdir(parents=True, exist_ok=True)
        (workdir / name).write_text(name)
    (workdir / "workflow/rules").mkdir(parents=True)
    (workdir / "workflow/rules/a.smk").write_text("rule a:\n")
    (workdir / "Snakefile").write_text("include: 'workflow/rules/a.smk'\n")
    config = {"seed": 1, "evaluation": {"metrics": {"wer": {}, "dnsmos": {}}}}
    configfile = make_scratch(scratch, workdir, ["Snakefile", "workflow"], "results",
                              ["results/logs", "results/synth/s/t"], config)
    assert (scratch / "workflow/rules/a.smk").read_text() == "rule a:\n"
    assert not (scratch / "workflow").is_symlink()
    links = sorted(str(p.relative_to(scratch)) for p in (scratch / "results").rglob("*")
                   if p.is_symlink())
    assert links == ["results/manifests/a.csv", "results/stats/estimates.csv"]
    assert (scratch / "results/manifests/a.csv").resolve() == workdir / "results/manifests/a.csv"
    assert not (scratch / "results/synth/s/t").exists()
    assert list(json.loads(configfile.read_text())["evaluation"]["metrics"]) == ["wer", "dnsmos"]
