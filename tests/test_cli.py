"""The bpcourse command: lab (checkout and installed), assign, grade (argument handling)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bpcourse import cli
from bpcourse import grade as grade_mod

ROOT = Path(__file__).resolve().parents[1]


def test_lab_dry_run_from_a_checkout_passes_extra_arguments(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # anywhere: the checkout this package runs from is opened
    assert cli.main(["lab", "--dry-run", "--port", "9999"]) == 0
    out = capsys.readouterr().out.strip()
    hidden = json.dumps(cli.hidden_names(ROOT))
    assert out == (
        f"{sys.executable} -m jupyter lab --ServerApp.root_dir={ROOT} "
        "--LabApp.default_url=/lab/tree/notebooks/00_start_here.ipynb "
        f"--ContentsManager.hide_globs={hidden} --port 9999"
    )


def test_lab_hides_everything_but_the_course():
    hidden = cli.hidden_names(ROOT)
    from jupyter_server.services.contents.manager import ContentsManager

    assert hidden[: len(cli.DEFAULT_HIDE_GLOBS)] == list(ContentsManager().hide_globs)  # its defaults are kept
    shown = {p.name for p in ROOT.iterdir() if not p.name.startswith(".") and p.name not in hidden}
    assert shown == {"notebooks", "exercises"}  # solutions/ too is hidden in the checkout
    assert {"tests", "benchmarks", "tools", "pyproject.toml", "README.md", "solutions"} <= set(hidden)


def test_lab_in_a_release_folder_opens_it_and_shows_its_solutions(tmp_path, monkeypatch, capsys):
    release = tmp_path / "release"
    for rel in ("notebooks/00_start_here.ipynb", "exercises/ex01_principles.ipynb", "solutions/ex01_principles.ipynb"):
        (release / rel).parent.mkdir(parents=True, exist_ok=True)
        (release / rel).write_text("{}", encoding="utf-8")
    (release / "README.md").write_text("read me", encoding="utf-8")
    (release / "bpcourse-0.1.0-py3-none-any.whl").write_bytes(b"")
    monkeypatch.chdir(release)
    monkeypatch.setattr(cli, "course_root", lambda: None)
    assert cli.main(["lab", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"--ServerApp.root_dir={release} " in out and "bpcourse-workspace" not in out
    hidden = cli.hidden_names(release)
    assert "README.md" in hidden and "bpcourse-0.1.0-py3-none-any.whl" in hidden
    assert not {"notebooks", "exercises", "solutions"} & set(hidden)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_no_browser_prints_the_first_notebooks_url_and_lists_only_the_course(tmp_path):
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "bpcourse.cli",
        "lab",
        "--no-browser",
        "--port",
        str(port),
        "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg")}
    log = tmp_path / "lab.log"
    with open(log, "wb") as sink:
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        pattern = re.compile(rf"http://(?:localhost|127\.0\.0\.1):{port}/\S*\?token=\w+")
        deadline, url = time.monotonic() + 120, None
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            found = pattern.search(log.read_text(encoding="utf-8", errors="replace"))
            url = found[0] if found else None
        assert url is not None, log.read_text(encoding="utf-8", errors="replace")[-3000:]
        path, token = url.split("?token=")
        assert path.endswith(":" + str(port) + "/lab/tree/notebooks/00_start_here.ipynb"), url

        def get(api: str) -> dict:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{api}", headers={"Authorization": f"token {token}"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.load(response)

        assert sorted(c["name"] for c in get("/api/contents")["content"]) == ["exercises", "notebooks"]
        notebooks = {c["name"] for c in get("/api/contents/notebooks")["content"]}
        assert "00_start_here.ipynb" in notebooks and "01_principles.ipynb" in notebooks
        assert {c["name"] for c in get("/api/contents/exercises")["content"]} >= {"ex01_principles.ipynb"}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)


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
    assert cli.main(["assign", "2", "--out", str(tmp_path / "release"), "--no-wheel"]) == 0
    assert (tmp_path / "release" / "exercises" / "ex02_steps.ipynb").is_file()
    assert "chapter(s) 2 ready in" in capsys.readouterr().out
    assert cli.main(["assign", "--solutions", "2", "--out", str(tmp_path / "release")]) == 0
    solution = tmp_path / "release" / "solutions" / "ex02_steps.ipynb"
    assert solution.read_bytes() == (ROOT / "solutions" / "ex02_steps.ipynb").read_bytes()
    assert "worked solutions of chapter(s) 2 are in" in capsys.readouterr().out


def test_assign_takes_chapter_ids_with_a_letter(tmp_path, monkeypatch, capsys):
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    for name in ("ex01_a", "ex03_b", "ex03b_graphs"):
        (course / "solutions" / f"{name}.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setattr(cli, "instructor_root", lambda: course)
    args = cli.build_parser().parse_args(["assign", "3b", "03", "1", "--out", "x"])
    assert args.chapters == ["3b", "3", "1"]
    for bad, says in [("7", "there is no chapter '7'"), ("3c", "there is no chapter '3c'"), ("x", "got 'x'")]:
        with pytest.raises(SystemExit) as exc:
            cli.main(["assign", bad, "--out", "x"])
        assert exc.value.code == 2
        assert f"{says}" in (err := capsys.readouterr().err) and "The chapters are: 1, 3, 3b" in err, err


@pytest.mark.parametrize(
    "bad",
    [
        ["assign", "9", "--out", "x"],
        ["assign", "3c", "--out", "x"],
        ["assign", "x", "--out", "x"],
        ["assign", "1"],
        ["grade"],
        ["assign", "1", "--out", "x", "--oops"],
    ],
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


def test_lab_lang_opens_that_editions_first_notebook(tmp_path, monkeypatch, capsys):
    from bpcourse import cli

    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    (tmp_path / "notebooks" / "00_start_here.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit, match=r"the 'zh' edition is not in .*notebooks/zh/00_start_here.ipynb is missing"):
        cli.main(["lab", "--lang", "zh", "--dry-run"])
    (tmp_path / "notebooks" / "zh" / "00_start_here.ipynb").write_text("{}")
    assert cli.main(["lab", "--lang", "zh_CN", "--dry-run"]) == 0
    assert "--LabApp.default_url=/lab/tree/notebooks/zh/00_start_here.ipynb" in capsys.readouterr().out.split()
    with pytest.raises(SystemExit):
        cli.main(["lab", "--lang", "zh_TW", "--dry-run"])
    assert "available languages are: 'en' (English), 'zh'" in capsys.readouterr().err


def test_lab_in_a_chinese_release_opens_it_and_english_names_the_edition(tmp_path, monkeypatch, capsys):
    from bpcourse import cli

    (tmp_path / "notebooks" / "zh").mkdir(parents=True)
    (tmp_path / "notebooks" / "zh" / "00_start_here.ipynb").write_text("{}")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "course_root", lambda: None)  # as installed from a release's wheel
    assert cli.main(["lab", "--lang", "zh", "--dry-run"]) == 0
    out = capsys.readouterr().out.split()
    assert f"--ServerApp.root_dir={tmp_path}" in out
    assert "--LabApp.default_url=/lab/tree/notebooks/zh/00_start_here.ipynb" in out
    with pytest.raises(SystemExit, match=r"run `bpcourse lab --lang zh`"):
        cli.main(["lab", "--dry-run"])
