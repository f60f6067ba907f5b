"""The timings CSV the efficiency statistics read: its exact columns, values and atomic write."""

from __future__ import annotations

import csv

from mvc.synth.timings import TIMING_COLUMNS, Timing, write_timings


def test_columns_are_the_ones_the_statistics_read(tmp_path):
    assert TIMING_COLUMNS == ("utt_id", "conditioning_s", "diffusion_s", "decoder_s",
                              "vocoder_s", "total_s", "audio_s")
    rows = [Timing("u1", 0.1, 0.2, 0.3, 0.4, 1.05, 2.5), Timing("u2", 1e-7, 0, 0, 0, 1, 3)]
    write_timings(rows, tmp_path / "timings.csv")
    with (tmp_path / "timings.csv").open(newline="") as f:
        read = list(csv.reader(f))
    assert read[0] == list(TIMING_COLUMNS)
    assert read[1] == ["u1", "0.100000", "0.200000", "0.300000", "0.400000", "1.050000",
                       "2.500000"]
    assert read[2][1] == "0.000000" and len(read) == 3


def test_a_rewrite_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "timings.csv"
    write_timings([Timing(f"u{i}", 1, 1, 1, 1, 4, 1) for i in range(50)], path)
    write_timings([Timing("only", 1, 1, 1, 1, 4, 1)], path)
    assert path.read_text().splitlines()[1:] == [
        "only,1.000000,1.000000,1.000000,1.000000,4.000000,1.000000"]
    assert [p.name for p in tmp_path.iterdir()] == ["timings.csv"]
