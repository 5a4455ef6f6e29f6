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


def test_every_chapter_has_a_solution_and_an_exercise_of_the_same_name():
    assert [p.stem for p in SOLUTIONS] == NAMES
    assert sorted(p.stem for p in (ROOT / "exercises").glob("ex*.ipynb")) == [p.stem for p in SOLUTIONS]


def test_strip_solutions_keeps_the_indentation_and_uses_nbgraders_stub():
    source = "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\n\nprint(f)"
    assert assign_mod.strip_solutions(source) == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n\nprint(f)"
    )
    with pytest.raises(ValueError, match="without"):
        assign_mod.strip_solutions("### BEGIN SOLUTION\nx = 1")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_committed_exercise_is_up_to_date(solution, tmp_path):
    generated = assign_mod.write_exercise(solution, tmp_path)
    committed = ROOT / "exercises" / solution.name
    assert committed.read_text(encoding="utf-8") == generated.read_text(encoding="utf-8"), (
        f"exercises/{solution.name} is out of date: run `bpcourse assign 1 2 3 4 5 --out .` and commit exercises/"
    )


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_metadata_is_nbgrader_and_matches_the_checks(solution):
    nb = nbformat.read(solution, as_version=4)
    module = CHAPTERS[int(solution.stem[2:4])]
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
    written = assign_mod.assign([1, 3], tmp_path / "release", ROOT)
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
    assert "chapter(s) 1, 3" in (release / "README.md").read_text()


@pytest.mark.parametrize("name", NAMES)
def test_untouched_exercise_reports_not_implemented_at_every_graded_item(name, monkeypatch):
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    path = ROOT / "exercises" / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    graded = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    assert len(graded) == len(CHAPTERS[int(name[2:4])].ITEMS)
    for cell in graded:
        text = "".join(o.get("text", "") for o in cell.outputs)
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        assert text.startswith("[TODO]") and "not implemented yet" in text, (grade_id, text)
    for cell in nb.cells:
        assert all(o.output_type != "error" for o in cell.get("outputs", [])), cell.source
