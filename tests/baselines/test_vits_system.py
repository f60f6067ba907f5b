"""The vits system end to end through `mvc train` and `mvc synth run` on the tiny on-disk
corpus: the checkpoint and loss log, resume after a kill, reproducible audio of the expected
rate and length, what the inference graph runs, the parameter counts, and bad input."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

import baselines.vits.train as vits_train
from baselines.vits.infer import infer
from baselines.vits.system import INFERENCE_PARTS, load_vits, parameter_counts
from baselines.vits.tokens import vits_ids
from mvc.cli import main
from mvc.eval.efficiency import read_timings
from mvc.systems import get_system, system_names
from mvc.text.symbols import default_table
from mvc.train.checkpoint import load_checkpoint
from tests.train.conftest import AUDIO, config, write_dataset

from .vits_settings import TINY_VITS

SYNTHESIS = {"seed": 7, "synthesis": {"sentence_pause_s": 0.1, "lookahead": None,
                                      "device": "cpu", "threads": 1}}
STAGE = {"epochs": 3, "lr": 1e-3, "betas": [0.0, 0.99], "eps": 1e-9, "weight_decay": 1e-4,
         "grad_clip": 1.0}


class Killed(Exception):
    pass


def sections() -> dict:
    """Batch 8 = the whole tiny set: 3 + 1 steps (the budget of the two stages)."""
    return {**config(batch_size=8, stages=[STAGE, {**STAGE, "epochs": 2, "max_steps": 1}]),
            "systems": {"vits": TINY_VITS}}


def train(files, out: Path, cfg: dict | None = None) -> int:
    return main(["train", "vits", "--config", json.dumps(cfg or sections()),
                 "--manifests", str(files.manifest), "--phonemes", str(files.phonemes),
                 "--features", str(files.features), "--cache",
                 str(files.manifest.parent / "cache"), "--out", str(out)])


def synth(checkpoint: Path, manifest: Path, out: Path, cfg: dict = SYNTHESIS) -> int:
    return main(["synth", "run", "--system", "vits", "--checkpoint", str(checkpoint),
                 "--manifest", str(manifest), "--config", json.dumps(cfg), "--out", str(out)])


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("vits")
    return write_dataset(root / "train"), write_dataset(root / "test", n=3, split="test"), root


@pytest.fixture(scope="module")
def trained(data) -> Path:
    files, _, root = data
    assert train(files, root / "out") == 0
    return root / "out"


@pytest.fixture(scope="module")
def synthesized(trained, data) -> Path:
    _, test, root = data
    assert synth(trained / "checkpoint.pt", test.manifest, root / "synth") == 0
    return root / "synth"


def test_vits_is_registered():
    assert "vits" in system_names() and get_system("vits").name == "vits"


def test_training_writes_the_generator_checkpoint_and_a_falling_loss_log(trained):
    saved = load_checkpoint(trained / "checkpoint.pt", "vits")
    assert set(saved["sections"]) == {"seed", "audio", "vits", "symbols"}
    assert saved["sections"]["symbols"] == list(default_table().symbols)
    assert saved["state"] and not any(k.startswith("disc.") for k in saved["state"])
    rows = read_csv(trained / "losses.csv")
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert {"total", "disc_total", "mel", "kl", "duration", "gen", "feat"} <= set(rows[0])
    assert all(int(r["utterances"]) == 8 for r in rows)
    # the same 8 utterances every step: the reconstruction and prior terms fall
    assert float(rows[-1]["kl"]) < float(rows[0]["kl"])
    assert float(rows[-1]["mel"]) < float(rows[0]["mel"])
    assert read_csv(trained / "excluded.csv") == []


def test_a_killed_run_resumes_to_the_uninterrupted_weights_and_log(trained, data, monkeypatch):
    # The reference is trained here rather than taken from the `trained` fixture: the first
    # training in a process that extracted features in-process (write_dataset) was measured
    # to run about 10x slower and to differ from later runs in the 6th digit (a grad norm).
    files, _, root = data
    assert train(files, root / "reference") == 0
    real = vits_train.write_loss_log

    def kill_at_step_2(rows, path):
        real(rows, path)
        if rows and rows[-1]["step"] == 2:
            raise Killed

    monkeypatch.setattr(vits_train, "write_loss_log", kill_at_step_2)
    with pytest.raises(Killed):
        train(files, root / "resumed")
    monkeypatch.setattr(vits_train, "write_loss_log", real)
    assert train(files, root / "resumed") == 0
    assert read_csv(root / "resumed" / "losses.csv") == read_csv(root / "reference" /
                                                                  "losses.csv")
    resumed = load_checkpoint(root / "resumed" / "checkpoint.pt", "vits")["state"]
    reference = load_checkpoint(root / "reference" / "checkpoint.pt", "vits")["state"]
    assert resumed.keys() == reference.keys()
    assert all(torch.equal(resumed[k], reference[k]) for k in reference)


def test_params_count_what_synthesis_runs(trained):
    counts = json.loads((trained / "params.json").read_text())
    model, _ = load_vits(trained / "checkpoint.pt")
    assert counts["total"] == sum(counts[p] for p in INFERENCE_PARTS)
    assert counts["conditioning"] == counts["text_encoder"] + counts["duration_predictor"]
    assert counts["total"] == sum(p.numel() for p in model.parameters()) - \
        counts["posterior_encoder"]
    assert counts["discriminator"] > 0 and parameter_counts(model)["discriminator"] == 0
    assert {k: v for k, v in parameter_counts(model).items() if k != "discriminator"} == \
        {k: v for k, v in counts.items() if k != "discriminator"}


def test_the_inference_graph_runs_the_expected_modules(trained):
    model, sections = load_vits(trained / "checkpoint.pt")
    kinds = {type(m).__name__ for m in model.modules()}
    assert {"TextEncoder", "RelativePositionMultiHeadAttention", "DurationPredictor",
            "ResidualCouplingBlocks", "HifiganGenerator"} <= kinds
    assert "VitsDiscriminator" not in kinds and not hasattr(model, "disc")
    called = []
    handles = [getattr(model, name).register_forward_hook(
        lambda *_, name=name: called.append(name))
        for name in (*INFERENCE_PARTS, "posterior_encoder")]
    ids = vits_ids(default_table().encode("ðə kæt"), sections["symbols"], model.tokenizer, "t")
    infer(model, ids, torch.device("cpu"))
    for handle in handles:
        handle.remove()
    assert called == list(INFERENCE_PARTS)  # in this order; the posterior encoder never


def test_audio_length_is_hop_times_the_predicted_frames(trained):
    model, sections = load_vits(trained / "checkpoint.pt")
    ids = vits_ids(default_table().encode("ðə dɔɡ ɹʌnz"), sections["symbols"],
                   model.tokenizer, "t")
    torch.manual_seed(3)
    first = infer(model, ids, torch.device("cpu"))
    torch.manual_seed(3)
    again = infer(model, ids, torch.device("cpu"))
    assert first.durations.shape == (len(ids),)
    assert first.wave.size == int(first.durations.sum()) * AUDIO["hop_length"]
    np.testing.assert_array_equal(first.wave, again.wave)
    assert first.seconds["diffusion"] == 0.0
    assert all(first.seconds[p] > 0 for p in ("conditioning", "decoder", "vocoder"))


def test_synthesis_writes_wavs_at_the_audio_rate_and_timings(synthesized):
    timings = read_timings(synthesized / "timings.csv")
    assert sorted(timings["utt_id"]) == ["utt0", "utt1", "utt2"]
    assert set(timings["system"]) == {"vits"} and (timings["diffusion_s"] == 0).all()
    parts = timings[["conditioning_s", "decoder_s", "vocoder_s"]].sum(axis=1)
    assert (parts <= timings["total_s"]).all()
    assert (timings["peak_mem_mb"] > 50).all()  # the process: torch, the model, activations
    for _, row in timings.iterrows():
        wave, rate = sf.read(synthesized / f"{row['utt_id']}.wav")
        assert rate == AUDIO["sample_rate"]
        assert wave.size == round(row["audio_seconds"] * rate)
        assert wave.size % AUDIO["hop_length"] == 0  # one sentence: frames x hop


def test_synthesis_is_reproducible_and_per_utterance(synthesized, trained, data, tmp_path):
    _, test, _ = data
    rows = read_csv(test.manifest)
    subset = tmp_path / "subset.csv"
    with subset.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows([rows[2]])
    assert synth(trained / "checkpoint.pt", subset, tmp_path / "again") == 0
    np.testing.assert_array_equal(sf.read(tmp_path / "again" / "utt2.wav")[0],
                                  sf.read(synthesized / "utt2.wav")[0])
    assert not np.array_equal(sf.read(synthesized / "utt1.wav")[0][:100],
                              sf.read(synthesized / "utt2.wav")[0][:100])


def test_streaming_is_refused(trained, data, tmp_path, capsys):
    _, test, _ = data
    streaming = {**SYNTHESIS, "synthesis": {**SYNTHESIS["synthesis"], "lookahead": 8}}
    assert synth(trained / "checkpoint.pt", test.manifest, tmp_path / "s", streaming) == 2
    assert "no streaming mode" in capsys.readouterr().err
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("systems", "message"), [
    ({"mvc": {}}, r"systems\.vits.*add `vits: \{\}`"),
    ({"vits": {"model_args": {"num_chars": 3}}}, "set by the adapter"),
])
def test_bad_config_fails_before_training(data, tmp_path, capsys, systems, message):
    files, _, _ = data
    assert train(files, tmp_path / "out", {**sections(), "systems": systems}) == 2
    assert re.search(message, capsys.readouterr().err)
    assert not (tmp_path / "out").exists()
