"""Efficiency: RTF, throughput, shares and summaries against hand computations; strict CSV."""

import pytest

from mvc.errors import InputError
from mvc.eval.efficiency import per_utterance, read_timings, summarize, write_timings

BASE = "utt_id,system,audio_seconds,total_s"  # the required columns
HEADER = (BASE + ",conditioning_s,diffusion_s,decoder_s,"
          "vocoder_s,peak_mem_mb,device,n_frames\n")
ROWS = ("u1,mvc,2.0,1.0,0.1,0.4,0.2,0.2,512,cpu,160\n"
        "u2,mvc,4.0,1.0,0.2,0.3,0.2,0.1,640,cpu,320\n"
        "u1,vits,2.0,0.5,0.0,0.0,0.25,0.25,300,cpu,160\n")


@pytest.fixture
def timings(tmp_path):
    path = tmp_path / "timings.csv"
    path.write_text(HEADER + ROWS)
    return path


def test_per_utterance_rtf_throughput_and_shares(timings):
    table = per_utterance(read_timings(timings)).set_index(["system", "utt_id"])
    mvc1 = table.loc[("mvc", "u1")]
    assert mvc1["rtf"] == pytest.approx(0.5)
    assert mvc1["frames_per_second"] == pytest.approx(160.0)
    assert (mvc1["conditioning_share"], mvc1["diffusion_share"], mvc1["decoder_share"],
            mvc1["vocoder_share"]) == pytest.approx((0.1, 0.4, 0.2, 0.2))
    assert mvc1["other_share"] == pytest.approx(0.1)
    assert table.loc[("mvc", "u2"), "rtf"] == pytest.approx(0.25)
    assert table.loc[("vits", "u1"), "other_share"] == pytest.approx(0.0)


def test_summary_total_rtf_is_a_ratio_of_sums_and_the_mean_is_labelled(timings):
    summary = summarize(per_utterance(read_timings(timings))).set_index("system")
    mvc = summary.loc["mvc"]
    assert mvc["n"] == 2
    assert mvc["rtf"] == pytest.approx(2.0 / 6.0)           # (1 + 1) / (2 + 4)
    assert mvc["mean_utt_rtf"] == pytest.approx(0.375)     # (0.5 + 0.25) / 2
    assert mvc["frames_per_second"] == pytest.approx(240.0)  # 480 frames / 2 s
    assert mvc["peak_mem_mb"] == 640
    assert mvc["diffusion_share"] == pytest.approx(0.35)    # 0.7 s of 2 s
    assert mvc["device"] == "cpu"
    assert summary.loc["vits", "rtf"] == pytest.approx(0.25)


def test_minimal_schema_and_extra_component(tmp_path):
    path = tmp_path / "timings.csv"
    path.write_text(BASE + ",text_encoder_s\nu1,x,5,2.5,0.5\n")
    table = per_utterance(read_timings(path))
    assert table["rtf"].tolist() == [0.5]
    assert table["text_encoder_share"].tolist() == [0.2]
    assert "frames_per_second" not in table and "peak_mem_mb" not in summarize(table)


def test_write_then_read_round_trip(tmp_path):
    rows = [{"utt_id": "u1", "system": "mvc", "audio_seconds": 1.5, "total_s": 0.3,
             "diffusion_s": 0.1, "n_frames": 120, "device": "cuda:0"},
            {"utt_id": "u2", "system": "mvc", "audio_seconds": 3.0, "total_s": 0.6,
             "diffusion_s": 0.2, "n_frames": 240, "device": "cuda:0"}]
    write_timings(rows, tmp_path / "t.csv")
    back = read_timings(tmp_path / "t.csv")
    assert back.to_dict("records") == rows
    with pytest.raises(InputError, match=r"timing row 2 .* total_s is -0\.6"):
        write_timings([rows[0], {**rows[1], "total_s": -0.6}], tmp_path / "t.csv")
    with pytest.raises(InputError, match=r"timing row 2 .* differ from the first row's"):
        write_timings([rows[0], {k: v for k, v in rows[1].items() if k != "device"}],
                      tmp_path / "t.csv")


@pytest.mark.parametrize(("text", "message"), [
    ("utt_id,system,total_s\nu1,x,1\n", r"t.csv:1: missing column\(s\) \['audio_seconds'\]"),
    (BASE + ",gpu\nu1,x,1,1,a\n", r"t.csv:1: unknown column"),
    (BASE + "\nu1,x,1,1\nu2,x,1,-0.5\n", r"t.csv:3: total_s is -0.5"),
    (BASE + "\nu1,x,1,nan\n", r"t.csv:2: total_s is nan"),
    (BASE + "\nu1,x,0,1\n", r"t.csv:2: audio_seconds is 0\. .* greater"),
    (BASE + "\nu1,x,1,\n", r"t.csv:2: empty total_s"),
    (BASE + "\nu1,x,1,fast\n", r"t.csv:2: total_s 'fast' is not a"),
    (BASE + "\n,x,1,1\n", r"t.csv:2: empty utt_id"),
    (BASE + "\nu1,x,1,1\n\nu1,x,2,1\n", r"t.csv:4: .* appears twice"),
    (BASE + ",decoder_s\nu1,x,1,1,-0.1\n", r"t.csv:2: decoder_s is"),
    (BASE + ",decoder_s,vocoder_s\nu1,x,1,1,0.6,0.6\n",
     r"t.csv:2: component times sum to 1.2 s, more than total_s"),
    (BASE + ",n_frames\nu1,x,1,1,10.5\n", r"t.csv:2: n_frames is"),
    (BASE + ",peak_mem_mb\nu1,x,1,1,\n", r"t.csv:2: empty peak_mem"),
    (BASE + "\n", r"t.csv: no timings"),
])
def test_bad_timings_name_file_and_line(tmp_path, text, message):
    (tmp_path / "t.csv").write_text(text)
    with pytest.raises(InputError, match=message):
        read_timings(tmp_path / "t.csv")


def test_components_within_timer_slack_are_accepted(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(BASE + ",decoder_s,vocoder_s\nu1,x,1,1,0.5,0.505\n")
    assert per_utterance(read_timings(path))["other_share"].tolist() == [0.0]
