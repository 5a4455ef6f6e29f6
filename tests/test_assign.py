"""bpcourse assign: exercises/ is generated from solutions/, is up to date, and runs untouched without errors."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from bpcourse import assign as assign_mod
from bpcourse.check import CHAPTERS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("ex*.ipynb"))
NAMES = ["ex01_principles", "ex02_steps", "ex03_derivation", "ex04_limitations", "ex05_improvements", "ex06_capstone"]
ALL_NAMES = [p.stem for p in SOLUTIONS]  # NAMES and the chapters with a letter (ex03b_graphs)


def module_of(stem: str):
    """The bpcourse.check module whose NOTEBOOK is this exercise (ex03b_graphs is chapter "3b", not 3)."""
    found = [mod for mod in CHAPTERS.values() if mod.NOTEBOOK == stem]
    assert len(found) == 1, f"bpcourse.check.CHAPTERS has {len(found)} module(s) with NOTEBOOK = {stem!r}"
    return found[0]


def test_every_chapter_has_a_solution_and_an_exercise_of_the_same_name():
    assert set(NAMES) <= set(ALL_NAMES)
    assert sorted(p.stem for p in (ROOT / "exercises").glob("ex*.ipynb")) == ALL_NAMES


def test_strip_solutions_keeps_the_indentation_and_uses_nbgraders_stub():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nprint(f)"
    assert assign_mod.strip_solutions(source) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    )
    with pytest.raises(ValueError, match="without"):
        assign_mod.strip_solutions("### BEGIN SOLUTION\nx = 1")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_committed_exercise_is_up_to_date(solution, tmp_path):
    chapters = " ".join(assign_mod.available_chapters(ROOT / "solutions"))
    generated = assign_mod.write_exercise(solution, tmp_path)
    committed = ROOT / "exercises" / solution.name
    assert committed.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
        f"exercises/{solution.name} is out of date: run `bpcourse assign {chapters} --out .` and commit exercises/"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_metadata_is_nbgrader_and_matches_the_checks(solution):
    nb = nbformat.read(solution, as_version=4)
    module = module_of(solution.stem)
    graded, answers, ids = {}, 0, []
    for cell in nb.cells:
        meta = cell.metadata["nbgrader"]
        assert meta["schema_version"] == 3 and {"grade", "grade_id", "locked", "solution"} <= set(meta)
        ids.append(meta["grade_id"])
        if meta["grade"]:
            assert meta["locked"] and not meta["solution"]
            graded[meta["grade_id"]] = meta["points"]
        if meta["solution"]:
            answers += 1
            assert "### BEGIN SOLUTION" in cell.source and not meta["locked"]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"
    assert graded == {k: f.points for k, f in module.ITEMS.items()}
    assert answers == len(graded)
    assert 3 <= sum(1 for k in graded if "_q" not in k) <= 6


def test_assign_writes_notebooks_and_exercises(tmp_path):
    written = assign_mod.assign([1, 3], tmp_path / "release", ROOT, wheel=False)
    release = tmp_path / "release"
    assert (release / "exercises" / "ex01_principles.ipynb") in written
    names = sorted(p.name for p in (release / "exercises").iterdir())
    assert names == ["ex01_principles.ipynb", "ex03_derivation.ipynb"]
    for chapter in ("01_principles", "03_derivation"):
        if (ROOT / "notebooks" / f"{chapter}.ipynb").is_file():
            assert (release / "notebooks" / f"{chapter}.ipynb").is_file()
    nb = nbformat.read(release / "exercises" / "ex01_principles.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells)
    assert "### BEGIN SOLUTION" not in text and text.count("    raise NotImplementedError()") == 6
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    readme = (release / "README.md").read_text()
    assert "chapter(s) 1, 3" in readme and "pip install ./bpcourse-" in readme
    assert "bpcourse==" not in readme  # not published: the release ships its wheel (tests/test_release.py)
    start = "\n".join(c.source for c in nbformat.read(release / "notebooks" / "00_start_here.ipynb", 4).cells)
    assert "[01_principles](01_principles.ipynb)" in start and "[ex03_derivation](../exercises/" in start
    assert "02_steps (not in this release)" in start and "ex02_steps (not in this release)" in start
    assert "](02_steps.ipynb)" not in start


@pytest.mark.parametrize("name", ALL_NAMES)
def test_untouched_exercise_reports_not_implemented_at_every_graded_item(name, monkeypatch):
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    path = ROOT / "exercises" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    graded = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    assert len(graded) == len(module_of(name).ITEMS)
    for cell in graded:
        text = "".join(o.get("text", "") for o in cell.outputs)
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert text.startswith("[TODO]") and "not implemented yet" in text, (grade_id, text)
    for cell in nb.cells:
        assert all(o.output_type != "error" for o in cell.get("outputs", [])), cell.source


# --- chapter ids (3b) and a learner's files, on a fake course ------------------------------------


def _notebook(*cells: tuple[str, str]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        cell = nbformat.v4.new_markdown_cell(source) if kind == "md" else nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": f"c{len(nb.cells)}", "locked": True, "solution": False}
        nb.cells.append(cell)
    return nb


def fake_course(root: Path) -> Path:
    """A course with chapters 1, 3 and 3b: notebooks 00, 01_a, 03_b, 03b_c; solutions ex01_a, ex03_b, ex03b_c."""
    (root / "notebooks").mkdir(parents=True)
    (root / "solutions").mkdir()
    start = (
        "| 1 | [01_a](01_a.ipynb) | [ex01_a](../exercises/ex01_a.ipynb) |\n"
        "| 3 | [03_b](03_b.ipynb) | [ex03_b](../exercises/ex03_b.ipynb) |\n"
        "| 3b | [`03b_c`](03b_c.ipynb) | [ex03b_c](../exercises/ex03b_c.ipynb#part-2) |\n"
        "See [the map](00_start_here.ipynb#map), [the web](https://example.org/x.ipynb) and [here](#top)."
    )
    nbformat.write(_notebook(("md", start)), root / "notebooks" / "00_start_here.ipynb")
    for stem in ("01_a", "03_b", "03b_c"):
        nbformat.write(_notebook(("md", f"# {stem}"), ("code", "x = 1")), root / "notebooks" / f"{stem}.ipynb")
        body = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
        nbformat.write(
            _notebook(("md", f"[back](../notebooks/{stem}.ipynb)"), ("code", body)),
            root / "solutions" / f"ex{stem}.ipynb",
        )
    return root


def test_chapter_ids_with_a_letter_and_clear_errors(tmp_path):
    root = fake_course(tmp_path / "course")
    solutions = root / "solutions"
    assert [assign_mod.parse_chapter(c) for c in (3, "3", "03", "3B", " 3b ")] == ["3", "3", "3", "3b", "3b"]
    assert assign_mod.chapter_prefix("3b") == "03b" and assign_mod.chapter_prefix(6) == "06"
    assert assign_mod.available_chapters(solutions) == ["1", "3", "3b"]
    assert assign_mod.solution_path(solutions, 3).name == "ex03_b.ipynb"  # ex03_* never matches ex03b_*
    assert assign_mod.solution_path(solutions, "3b").name == "ex03b_c.ipynb"
    assert [p.name for p in assign_mod.chapter_notebooks(root / "notebooks", "3")] == ["03_b.ipynb"]
    assert [p.name for p in assign_mod.chapter_notebooks(root / "notebooks", "3b")] == ["03b_c.ipynb"]
    for bad in ("7", "3c", "x", "", "3bb", True):
        with pytest.raises(SystemExit, match="the chapters are: 1, 3, 3b"):
            assign_mod.solution_path(solutions, bad)
    with pytest.raises(SystemExit, match="expected a chapter number with an optional letter, such as 2 or 3b; got 'x'"):
        assign_mod.solution_path(solutions, "x")


def test_a_release_of_3b_links_only_to_what_it_holds(tmp_path):
    root = fake_course(tmp_path / "course")
    out = tmp_path / "release"
    assign_mod.assign(["3b"], out, root, wheel=False)
    assert sorted(p.name for p in (out / "notebooks").iterdir()) == ["00_start_here.ipynb", "03b_c.ipynb"]
    assert sorted(p.name for p in (out / "exercises").iterdir()) == ["ex03b_c.ipynb"]
    start = nbformat.read(out / "notebooks" / "00_start_here.ipynb", as_version=4).cells[0].source
    assert start.splitlines() == [
        "| 1 | 01_a (not in this release) | ex01_a (not in this release) |",
        "| 3 | 03_b (not in this release) | ex03_b (not in this release) |",
        "| 3b | [`03b_c`](03b_c.ipynb) | [ex03b_c](../exercises/ex03b_c.ipynb#part-2) |",
        "See [the map](00_start_here.ipynb#map), [the web](https://example.org/x.ipynb) and [here](#top).",
    ]
    exercise = nbformat.read(out / "exercises" / "ex03b_c.ipynb", as_version=4)
    assert exercise.cells[0].source == "[back](../notebooks/03b_c.ipynb)"
    assert "raise NotImplementedError()" in exercise.cells[1].source
    assert "chapter(s) 3b" in (out / "README.md").read_text()


def test_assign_keeps_a_learners_changed_files_unless_forced(tmp_path, capsys):
    root = fake_course(tmp_path / "course")
    out = tmp_path / "release"
    assign_mod.assign([1, 3], out, root, wheel=False)
    mine = out / "exercises" / "ex01_a.ipynb"
    mine.write_text(mine.read_text(encoding="utf-8").replace("# YOUR CODE HERE", "# my answer"), encoding="utf-8")
    before = mine.read_bytes()
    untouched = out / "exercises" / "ex03_b.ipynb"
    nb = nbformat.read(root / "solutions" / "ex03_b.ipynb", as_version=4)
    nb.cells[0].source += "\n\nA fixed typo."
    nbformat.write(nb, root / "solutions" / "ex03_b.ipynb")
    capsys.readouterr()

    written = assign_mod.assign([1, 3, "3b"], out, root, wheel=False)  # adds 3b; the learner's ex01 stays
    err = capsys.readouterr().err
    assert mine.read_bytes() == before and mine not in written
    assert "kept 1 file(s) that were changed after the last release" in err and str(mine) in err and "--force" in err
    assert "A fixed typo." in untouched.read_text(encoding="utf-8") and untouched in written  # not the learner's
    start = nbformat.read(out / "notebooks" / "00_start_here.ipynb", as_version=4).cells[0].source
    assert "[`03b_c`](03b_c.ipynb)" in start  # the start page follows the release: still as assign wrote it

    stray = out / "notebooks" / "03b_c.ipynb"  # a file the release did not write (no record): kept too
    stray.unlink()
    stray.write_text("mine", encoding="utf-8")
    (out / assign_mod.MANIFEST).write_text(
        (out / assign_mod.MANIFEST).read_text().replace("notebooks/03b_c.ipynb", "gone"), encoding="utf-8"
    )
    assign_mod.assign(["3b"], out, root, wheel=False)
    assert stray.read_text(encoding="utf-8") == "mine"

    assign_mod.assign([1, "3b"], out, root, wheel=False, force=True)
    assert "# my answer" not in mine.read_text(encoding="utf-8") and stray.read_text(encoding="utf-8") != "mine"


def test_regenerating_exercises_in_the_checkout_writes_only_exercises(tmp_path):
    root = fake_course(tmp_path / "course")
    (root / "exercises").mkdir()
    (root / "exercises" / "ex03b_c.ipynb").write_text("old", encoding="utf-8")
    written = assign_mod.assign([1, 3, "3b"], root, root)
    assert [p.name for p in written] == ["ex01_a.ipynb", "ex03_b.ipynb", "ex03b_c.ipynb"]
    assert "NotImplementedError" in (root / "exercises" / "ex03b_c.ipynb").read_text(encoding="utf-8")
    assert not (root / "README.md").exists() and not list(root.glob("*.whl"))
    assert not (root / assign_mod.MANIFEST).exists()


def test_release_solutions_copies_them_and_keeps_a_learners_file(tmp_path, capsys):
    root = fake_course(tmp_path / "course")
    out = tmp_path / "release"
    assign_mod.assign([1, 3], out, root, wheel=False)
    written = assign_mod.release_solutions([1], out, root)
    assert written == [out / "solutions" / "ex01_a.ipynb"]
    assert written[0].read_bytes() == (root / "solutions" / "ex01_a.ipynb").read_bytes()  # executed, as they are
    notes = out / "solutions" / "ex03_b.ipynb"
    notes.write_text("my notes", encoding="utf-8")
    assert assign_mod.release_solutions([1, 3], out, root) == []
    assert notes.read_text(encoding="utf-8") == "my notes" and "kept 1 file(s)" in capsys.readouterr().err
    assert assign_mod.release_solutions([3], out, root, force=True) == [notes]
    with pytest.raises(SystemExit, match="--out is the course checkout"):
        assign_mod.release_solutions([1], root, root)
    with pytest.raises(SystemExit, match="the chapters are: 1, 3, 3b"):
        assign_mod.release_solutions(["3c"], out, root)


def fake_chinese_edition(root: Path) -> Path:
    """fake_course's Chinese edition, as tools/i18n.py build lays it out: notebooks/zh/, solutions/zh/."""
    (root / "notebooks" / "zh").mkdir()
    (root / "solutions" / "zh").mkdir()
    start = (
        "| 1 | [01_a](01_a.ipynb) | [ex01_a](../../exercises/zh/ex01_a.ipynb) |\n"
        "| 3 | [03_b](03_b.ipynb) | [ex03_b](../../exercises/zh/ex03_b.ipynb) |\n"
        "英文版见 [English](../00_start_here.ipynb)。"
    )
    nbformat.write(_notebook(("md", start)), root / "notebooks" / "zh" / "00_start_here.ipynb")
    for stem in ("01_a", "03_b"):
        nbformat.write(
            _notebook(("md", f"# 第 {stem} 章"), ("code", "x = 1")), root / "notebooks" / "zh" / f"{stem}.ipynb"
        )
        body = "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"
        nbformat.write(
            _notebook(("md", f"[返回](../../notebooks/zh/{stem}.ipynb)"), ("code", body)),
            root / "solutions" / "zh" / f"ex{stem}.ipynb",
        )
    return root


def test_assign_lang_zh_releases_the_chinese_edition_in_its_folders(tmp_path):
    root = fake_chinese_edition(fake_course(tmp_path / "course"))
    out = tmp_path / "release"
    written = assign_mod.assign([1], out, root, wheel=False, lang="zh")
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "README.md",
        "exercises/zh/ex01_a.ipynb",
        "notebooks/zh/00_start_here.ipynb",
        "notebooks/zh/01_a.ipynb",
    ]
    assert not (out / "notebooks" / "01_a.ipynb").exists()  # the English edition is not part of a zh release
    start = nbformat.read(out / "notebooks" / "zh" / "00_start_here.ipynb", as_version=4).cells[0].source
    assert start.splitlines() == [
        "| 1 | [01_a](01_a.ipynb) | [ex01_a](../../exercises/zh/ex01_a.ipynb) |",
        "| 3 | 03_b (not in this release) | ex03_b (not in this release) |",
        "英文版见 English (not in this release)。",
    ]
    exercise = nbformat.read(out / "exercises" / "zh" / "ex01_a.ipynb", as_version=4)
    assert exercise.cells[0].source == "[返回](../../notebooks/zh/01_a.ipynb)"
    assert "raise NotImplementedError()" in exercise.cells[1].source
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "第 1 章" in readme and "bpcourse lab --lang zh" in readme and "notebooks/zh/00_start_here.ipynb" in readme
    assert assign_mod.release_solutions([3], out, root, lang="zh") == [out / "solutions" / "zh" / "ex03_b.ipynb"]
    # in the checkout, --lang zh regenerates exercises/zh/ only
    assert assign_mod.assign([3], root, root, lang="zh") == [root / "exercises" / "zh" / "ex03_b.ipynb"]


def test_assign_lang_zh_says_what_is_not_built(tmp_path):
    root = fake_course(tmp_path / "course")
    with pytest.raises(SystemExit, match=r"the 'zh' edition is not built .*missing: solutions/zh/ex01_a.ipynb, "):
        assign_mod.assign([1], tmp_path / "release", root, wheel=False, lang="zh")
    assert not (tmp_path / "release").exists()  # nothing written
    with pytest.raises(SystemExit, match="the chapters are: 1, 3, 3b"):
        assign_mod.assign(["3c"], tmp_path / "release", root, wheel=False, lang="zh")
