"""The ablation table on synthetic score files laid out as the ablation rules write them:
estimates, n, paired differences and Holm p-values against numbers computed by hand (and
by scipy for the Wilcoxon p-values), the Markdown's n, and the refusal of incomplete scores."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats as scipy_stats

from mvc.ablations.sweep import ablation_settings, read_sweep
from mvc.atomic import OWNER_MARKER
from mvc.cli import main
from mvc.errors import InputError
from mvc.report.ablation_table import read_ablation_scores, write_ablation_table
from mvc.stats.settings import stats_settings
from tests.score_tables import write_score_table

ROOT = Path(__file__).resolve().parents[2]
TSV = ("adaln\ttext_bidirectional\td_state\tlookahead\n"
       "true\ttrue\t16\toffline\nfalse\ttrue\t16\toffline\ntrue\ttrue\t16\t8\n")
REFERENCE = np.array([5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
NO_ADALN = np.array([1.0, 1.5, 0.5, 2.0, 1.0, 1.2])      # all positive
LOOKAHEAD = np.array([0.1, -0.25, 0.3, -0.15, 0.2, 9.0])  # the last one fails to score


def config(tmp_path: Path) -> dict:
    smoke = yaml.safe_load((ROOT / "configs/smoke.yaml").read_text())
    (tmp_path / "ablations.tsv").write_text(TSV)
    ablations = {**smoke["ablations"], "tsv": str(tmp_path / "ablations.tsv"),
                 "metrics": ["mcd.mcd_db"]}
    return {"ablations": ablations, "statistics": {**smoke["statistics"], "test": "wilcoxon"}}


def score_file(root: Path, variant: str, values: np.ndarray, status: list[str]) -> Path:
    return write_score_table(root / variant / "metrics" / "vctk" / "mcd.csv", ["mcd_db"], [
        {"utt_id": f"u{i}", "status": s, "mcd_db": v}
        for i, (v, s) in enumerate(zip(values, status, strict=True))])


@pytest.fixture
def scores(tmp_path) -> list[Path]:
    root = tmp_path / "results/ablations"
    ok = ["ok"] * 6
    return [
        score_file(root, "adaln~true/text_bidirectional~true/d_state~16/lookahead~offline",
                   REFERENCE, ok),
        score_file(root, "adaln~false/text_bidirectional~true/d_state~16/lookahead~offline",
                   REFERENCE + NO_ADALN, ok),
        score_file(root, "adaln~true/text_bidirectional~true/d_state~16/lookahead~8",
                   REFERENCE + LOOKAHEAD, [*ok[:5], "error"]),
    ]


def test_the_table_has_each_variants_estimate_n_and_holm_corrected_difference(tmp_path,
                                                                               scores):
    sections = config(tmp_path)
    sweep = read_sweep(ablation_settings(sections["ablations"]))
    statistics = stats_settings(sections["statistics"])
    frame = write_ablation_table(read_ablation_scores(scores, sweep), sweep, statistics,
                                 tmp_path / "table").set_index("variant")
    assert list(frame.index) == ["reference", "adaln=false", "lookahead=8"]
    assert list(frame["d_state"]) == ["16", "16", "16"]
    assert list(frame["n"]) == [6, 6, 5] and list(frame["n_rows"]) == [6, 6, 6]
    assert frame.loc["lookahead=8", "note"] == "1 error"
    assert frame.loc["reference", "estimate"] == pytest.approx(7.5)
    assert frame.loc["adaln=false", "estimate"] == pytest.approx(7.5 + NO_ADALN.mean())
    assert frame.loc["lookahead=8", "estimate"] == pytest.approx(REFERENCE[:5].mean()
                                                                 + LOOKAHEAD[:5].mean())
    for variant in frame.index:
        row = frame.loc[variant]
        assert row["ci_low"] < row["estimate"] < row["ci_high"]
    assert pd.isna(frame.loc["reference", "difference"])
    assert bool(frame.loc["reference", "is_reference"])
    assert frame.loc["adaln=false", "n_pairs"] == 6
    assert frame.loc["lookahead=8", "n_pairs"] == 5  # u5 has no usable score
    assert frame.loc["adaln=false", "difference"] == pytest.approx(NO_ADALN.mean())
    assert frame.loc["lookahead=8", "difference"] == pytest.approx(LOOKAHEAD[:5].mean())
    # Wilcoxon, exact for n <= 50 without ties: all 6 differences positive gives 2 / 2^6.
    assert frame.loc["adaln=false", "p_wilcoxon"] == pytest.approx(2 / 64)
    p_lookahead = scipy_stats.wilcoxon(LOOKAHEAD[:5]).pvalue
    assert frame.loc["lookahead=8", "p_wilcoxon"] == pytest.approx(p_lookahead)
    # Holm over the family of 2: the smaller p doubled, the larger kept (not below it).
    assert frame.loc["adaln=false", "p_holm"] == pytest.approx(2 * 2 / 64)
    assert frame.loc["lookahead=8", "p_holm"] == pytest.approx(max(2 * 2 / 64, p_lookahead))
    assert list(frame["significant"].iloc[1:]) == [False, False]  # 0.0625 > 0.05
    written = pd.read_csv(tmp_path / "table/ablations.csv")
    assert len(written) == 3 and "p_holm" in written.columns
    cells = pd.read_csv(tmp_path / "table/ablations.csv", dtype=str, keep_default_na=False)
    assert list(cells["n_pairs"]) == ["", "6", "5"]  # counts, never 6.0
    markdown = (tmp_path / "table/ablations.md").read_text()
    assert "### vctk: MCD (dB) ↓" in markdown
    assert "| lookahead=8 | true | true | 16 | 8 | 5 of 6 |" in markdown
    assert "(n pairs=5)" in markdown and "Holm-corrected across all 2 comparisons" in markdown
    assert "- lookahead=8: 1 error" in markdown


def test_incomplete_or_foreign_scores_are_refused(tmp_path, scores):
    sweep = read_sweep(ablation_settings(config(tmp_path)["ablations"]))
    with pytest.raises(InputError, match=r"variant 'lookahead=8' has no scores for "
                                         r"\[\('vctk', 'mcd'\)\]"):
        read_ablation_scores(scores[:2], sweep)
    foreign = score_file(tmp_path / "x", "adaln~true/text_bidirectional~true/d_state~8/"
                         "lookahead~offline", REFERENCE, ["ok"] * 6)
    with pytest.raises(InputError, match="not a score file of a variant"):
        read_ablation_scores([*scores, foreign], sweep)


def test_mvc_report_ablations_writes_the_table(tmp_path, scores, capsys):
    out = tmp_path / "table"
    code = main(["report", "ablations", "--config", json.dumps(config(tmp_path)),
                 "--scores", *map(str, scores), "--out", str(out)])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [OWNER_MARKER, "ablations.csv", "ablations.md"])
    assert "# Ablations of mvc" in capsys.readouterr().out
