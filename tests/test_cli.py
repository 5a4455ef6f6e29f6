"""The bpcourse command: lab (checkout and installed), assign, grade (argument handling)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bpcourse import cli
from bpcourse import grade as grade_mod

ROOT = Path(__file__).resolve().parents[1]


def test_lab_dry_run_from_a_checkout_passes_extra_arguments(capsys):
    assert cli.main(["lab", "--dry-run", "--port", "9999"]) == 0
    out = capsys.readouterr().out.strip()
    assert (
        out == f"{sys.executable} -m jupyter lab --ServerApp.root_dir={ROOT} notebooks/00_start_here.ipynb --port 9999"
    )


def test_lab_installed_copies_the_course_and_never_overwrites_learner_files(tmp_path, monkeypatch, capsys):
    material = tmp_path / "package" / "course"
    (material / "notebooks").mkdir(parents=True)
    (material / "exercises").mkdir()
    (material / "notebooks" / "00_start_here.ipynb").write_text("fresh start", encoding="utf-8")
    (material / "exercises" / "ex01_principles.ipynb").write_text("fresh exercise", encoding="utf-8")
    workspace = tmp_path / "ws"
    (workspace / "exercises").mkdir(parents=True)
    (workspace / "exercises" / "ex01_principles.ipynb").write_text("my answers", encoding="utf-8")
    monkeypatch.setattr(cli, "course_root", lambda: None)
    monkeypatch.setattr(cli, "course_material", lambda: material)

    assert cli.main(["lab", "--dry-run", "--workspace", str(workspace)]) == 0
    out = capsys.readouterr().out
    assert "notebooks/: copied 1 new file(s), kept 0 of yours unchanged" in out
    assert "exercises/: copied 0 new file(s), kept 1 of yours unchanged" in out
    assert f"--ServerApp.root_dir={workspace}" in out
    assert (workspace / "exercises" / "ex01_principles.ipynb").read_text(encoding="utf-8") == "my answers"
    assert (workspace / "notebooks" / "00_start_here.ipynb").read_text(encoding="utf-8") == "fresh start"


def test_assign_writes_the_release(tmp_path, capsys):
    assert cli.main(["assign", "2", "--out", str(tmp_path / "release")]) == 0
    assert (tmp_path / "release" / "exercises" / "ex02_steps.ipynb").is_file()
    assert "chapter(s) 2 ready in" in capsys.readouterr().out


@pytest.mark.parametrize(
    "bad", [["assign", "9", "--out", "x"], ["assign", "1"], ["grade"], ["assign", "1", "--out", "x", "--oops"]]
)
def test_bad_arguments_exit_with_usage(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(bad)
    assert exc.value.code == 2
    assert "usage: bpcourse" in capsys.readouterr().err


def test_grade_arguments_reach_the_grader(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_grade(submissions, out, solutions, timeout, feedback_dir, only=None, **options):
        calls.append((submissions, out, solutions, timeout, feedback_dir, only, options))
        return [{}, {}]

    monkeypatch.setattr(grade_mod, "grade", fake_grade)
    (tmp_path / "subs").mkdir()
    assert cli.main(["grade", str(tmp_path / "subs"), "--out", str(tmp_path / "g.csv")]) == 0
    assert calls[-1][:6] == (tmp_path / "subs", tmp_path / "g.csv", ROOT / "solutions", 120, None, None)
    assert calls[-1][6] == {"jobs": None, "shard": None, "memory": 2 * 2**30, "sandboxed": None}
    assert "2 student(s) graded" in capsys.readouterr().out
    cli.main(["grade", str(tmp_path / "subs"), "--timeout", "7.5", "--feedback", str(tmp_path / "fb")])
    assert calls[-1][3] == 7.5 and calls[-1][4] == tmp_path / "fb"
    cli.main(["grade", str(tmp_path / "subs"), "--only", "ada"])
    assert calls[-1][5] == "ada" and "regraded ada" in capsys.readouterr().out
    cli.main(["grade", str(tmp_path / "subs"), "--jobs", "3", "--shard", "2/4", "--memory", "512M", "--no-sandbox"])
    assert calls[-1][6] == {"jobs": 3, "shard": (2, 4), "memory": 512 * 2**20, "sandboxed": False}


@pytest.mark.parametrize(
    "bad, message",
    [
        (["--shard", "5/4"], "expected i/n with 1 ≤ i ≤ n"),
        (["--shard", "x"], "expected i/n"),
        (["--memory", "lots"], "bpcourse grade --memory"),
        (["--jobs", "0"], "expected a number of workers ≥ 1, got 0"),
        (["--only", "ada", "--shard", "1/2"], "do not go together"),
    ],
)
def test_grade_refuses_bad_options(tmp_path, bad, message):
    (tmp_path / "subs").mkdir()
    with pytest.raises(SystemExit, match=message):
        cli.main(["grade", str(tmp_path / "subs"), *bad])


def test_merge_combines_shards_and_refuses_overlaps(tmp_path, capsys):
    head = "student,ex01_sigmoid,total,possible,notes\r\n"
    (tmp_path / "a.csv").write_text(head + "bob,2,2,2,\r\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text(head + "ada,0,0,2,late\r\n", encoding="utf-8")
    assert (
        cli.main(
            ["grade", "--merge", str(tmp_path / "a.csv"), str(tmp_path / "b.csv"), "--out", str(tmp_path / "all.csv")]
        )
        == 0
    )
    assert (tmp_path / "all.csv").read_bytes() == (head + "ada,0,0,2,late\r\nbob,2,2,2,\r\n").encode()
    assert "merged 2 shard(s), 2 student(s)" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="student 'bob' is in both"):
        cli.main(
            ["grade", "--merge", str(tmp_path / "a.csv"), str(tmp_path / "a.csv"), "--out", str(tmp_path / "x.csv")]
        )
    (tmp_path / "c.csv").write_text("student,total\r\ncy,1\r\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="has the columns"):
        cli.main(
            ["grade", "--merge", str(tmp_path / "a.csv"), str(tmp_path / "c.csv"), "--out", str(tmp_path / "x.csv")]
        )


def test_grade_refuses_a_missing_folder(tmp_path):
    with pytest.raises(SystemExit, match="is not a folder of submissions"):
        cli.main(["grade", str(tmp_path / "nowhere")])
