"""Atomic outputs: a failed write leaves the old target and no temporary files."""

import pytest

from mvc.atomic import OWNER_MARKER, atomic_dir, atomic_path, write_csv_atomic, write_text_atomic


def test_atomic_path_replaces_on_success(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_text_atomic(target, "one")
    write_text_atomic(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)


def test_atomic_path_keeps_old_target_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_atomic_dir_is_all_or_nothing(tmp_path):
    target = tmp_path / "corpus"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("a")
    assert (target / "a.txt").read_text() == "a"
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "b.txt").write_text("b")
        raise RuntimeError("crash")
    assert sorted(p.name for p in target.iterdir()) == sorted([OWNER_MARKER, "a.txt"])
    assert [p.name for p in tmp_path.iterdir()] == ["corpus"]


def test_csv_rows_round_trip_with_the_header_and_no_temporary(tmp_path):
    out = tmp_path / "rows.csv"
    write_csv_atomic(out, ["a", "b"], [{"a": 1, "b": "x,y"}, {"a": 2}])
    assert out.read_text(encoding="utf-8") == 'a,b\n1,"x,y"\n2,\n'
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]


def test_a_csv_row_with_an_unknown_key_fails_and_leaves_the_old_file(tmp_path):
    out = tmp_path / "rows.csv"
    out.write_text("old\n", encoding="utf-8")
    with pytest.raises(ValueError, match="c"):
        write_csv_atomic(out, ["a"], [{"a": 1, "c": 2}])
    assert out.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["rows.csv"]
