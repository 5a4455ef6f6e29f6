"""bpcourse grade on a class with a solved, an untouched, an endless, a crashing, a corrupt and a hostile submission."""

from __future__ import annotations

import csv
import re
import shutil
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell

from bpcourse import grade as grade_mod

ROOT = Path(__file__).resolve().parents[1]
NAME = "ex01_principles.ipynb"
ITEMS = ["ex01_sigmoid", "ex01_sigmoid_prime", "ex01_gd_step", "ex01_q1", "ex01_q2", "ex01_q3"]
TIMEOUT = 10  # seconds per notebook: the endless loop costs this much


def _write(folder: Path, nb) -> None:
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / NAME)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    subs = tmp / "submitted"
    solution = nbformat.read(ROOT / "solutions" / NAME, as_version=4)

    _write(subs / "ada", solution)  # solved
    (subs / "bob").mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / NAME, subs / "bob" / NAME)  # untouched release

    endless = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    endless.cells.insert(2, new_code_cell("while True:\n    pass"))
    _write(subs / "cy", endless)

    crashing = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    crashing.cells.insert(2, new_code_cell("import os\nos._exit(3)"))
    _write(subs / "dee", crashing)

    (subs / "eve").mkdir()
    (subs / "eve" / NAME).write_text("{ this is not JSON", encoding="utf-8")

    # Hostile: a broken sigmoid, and both of its check cells replaced by fake passes (they get restored).
    hostile = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    for cell in hostile.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id == "ex01_sigmoid_answer":
            cell.source = "def sigmoid(Z):\n    raise ValueError('oops')"
        if grade_id in ("ex01_sigmoid", "ex01_sigmoid_prime"):
            cell.source = 'print("[PASS] sigmoid (2/2 points)")'
    hostile.cells = [c for c in hostile.cells if c.metadata.get("nbgrader", {}).get("grade_id") != "ex01_q3"]
    hostile.cells[0].metadata["nbgrader"]["points"] = 100
    fake = "class _Fake:\n    def __getattr__(self, name):\n        return self\n    def __call__(self, *a):\n"
    hostile.cells.insert(3, new_code_cell(fake + "        print('[PASS] faked')\n\nbp = _Fake()"))
    _write(subs / "fay" / "ps1", hostile)  # nbgrader's deeper layout: <student>/<assignment>/<notebook>

    # Malformed metadata of any type on a learner's cell must not crash the class's run.
    odd = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    odd.cells.insert(2, new_code_cell("x = 1", metadata={"nbgrader": "x"}))
    odd.cells.insert(3, new_code_cell("y = 2", metadata={"nbgrader": {"grade_id": ["a", "b"], "grade": True}}))
    _write(subs / "=HYPERLINK(1)", odd)  # a name a spreadsheet would run as a formula

    naps = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    naps.cells[2:2] = [new_code_cell("import time\ntime.sleep(0.5)") for _ in range(40)]  # 20 s of short cells
    _write(subs / "gus", naps)

    (subs / "hal").mkdir()
    shutil.copy(ROOT / "solutions" / NAME, subs / "hal" / "ex01_principles (1).ipynb")  # a browser's renamed download
    _write(subs / ".hidden", solution)

    out = tmp / "grades.csv"
    out.write_text("old content\n", encoding="utf-8")
    rows = grade_mod.grade(subs, out, ROOT / "solutions", timeout=TIMEOUT, feedback_dir=tmp / "feedback")
    return tmp, out, rows


def _table(out: Path) -> dict:
    """The CSV by student; the note that a machine without a sandbox adds to every row is left out."""
    with out.open(newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    for row in rows.values():
        row["notes"] = re.sub(r"^not sandboxed \([^)]*\)(; )?", "", row["notes"])
    return rows


def test_csv_columns_and_one_row_per_student(graded):
    _, out, _ = graded
    with out.open(newline="", encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert header == ["student", *ITEMS, "total", "possible", "notes"]
    assert list(_table(out)) == ["'=HYPERLINK(1)", "ada", "bob", "cy", "dee", "eve", "fay", "gus", "hal"]
    assert {row["possible"] for row in _table(out).values()} == {"9"}


def test_malformed_metadata_renamed_uploads_and_many_short_cells(graded):
    table = _table(graded[1])
    assert table["'=HYPERLINK(1)"]["total"] == "9" and table["'=HYPERLINK(1)"]["notes"] == ""
    assert table["gus"]["total"] == "0"
    assert table["gus"]["notes"] == f"ex01_principles: timed out after {TIMEOUT} s"
    assert table["hal"]["total"] == "0"
    assert table["hal"]["notes"] == (
        "ex01_principles: not submitted (found 'ex01_principles (1).ipynb': rename it to ex01_principles.ipynb "
        "to have it graded)"
    )
    assert ".hidden" not in table


def test_a_regrade_draws_the_same_inputs_and_writes_the_same_csv(tmp_path):
    subs = tmp_path / "submitted"
    wrong = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    for cell in wrong.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex01_sigmoid_answer":
            cell.source = "def sigmoid(Z):\n    return 1 / (1 + np.exp(Z))"
    _write(subs / "ivy", wrong)
    texts = []
    for run in (1, 2):
        out = tmp_path / f"grades{run}.csv"
        grade_mod.grade(subs, out, ROOT / "solutions", timeout=60, feedback_dir=tmp_path / f"fb{run}", progress=False)
        texts.append((out.read_bytes(), (tmp_path / f"fb{run}" / "ivy.txt").read_text(encoding="utf-8")))
    assert texts[0] == texts[1]
    assert "inputs seeded with " in texts[0][1] and "mistake: sigma_of_minus_z" in texts[0][1]


def test_solved_gets_full_points_untouched_gets_zero(graded):
    table = _table(graded[1])
    assert [table["ada"][i] for i in ITEMS] == ["2", "2", "2", "1", "1", "1"]
    assert table["ada"]["total"] == "9" and table["ada"]["notes"] == ""
    assert [table["bob"][i] for i in ITEMS] == ["0"] * 6
    assert table["bob"]["total"] == "0" and table["bob"]["notes"] == ""


def test_endless_crashing_and_corrupt_are_recorded(graded):
    table = _table(graded[1])
    assert table["cy"]["total"] == "0"
    assert table["cy"]["notes"] == f"ex01_principles: timed out after {TIMEOUT} s"
    assert table["dee"]["total"] == "0"
    assert table["dee"]["notes"].startswith("ex01_principles: the kernel died")
    assert table["eve"]["total"] == "0"
    assert table["eve"]["notes"].startswith("ex01_principles: not a valid notebook")


def test_tampered_checks_are_restored(graded):
    table = _table(graded[1])
    assert [table["fay"][i] for i in ITEMS] == ["0", "0", "2", "1", "1", "1"]
    assert table["fay"]["total"] == "5"
    assert table["fay"]["notes"] == "ex01_principles: restored 1 deleted check cell(s)"


def test_csv_replaced_atomically_and_feedback_written(graded):
    tmp, out, rows = graded
    assert "old content" not in out.read_text(encoding="utf-8")
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]
    assert len(rows) == 9
    fay = (tmp / "feedback" / "fay.txt").read_text(encoding="utf-8")
    assert fay.startswith("Feedback for fay: 5 of 9 points")
    assert "[FAIL] sigmoid (0/2 points)\n       sigmoid raised ValueError: oops" in fay
    assert "[PASS] gradient_descent_step (2/2 points)" in fay
    bob = (tmp / "feedback" / "bob.txt").read_text(encoding="utf-8")
    assert bob.count("[TODO]") == 6 and "not implemented yet" in bob
    assert "timed out" in (tmp / "feedback" / "cy.txt").read_text(encoding="utf-8")


def test_prepare_restores_check_cells_and_drops_copies():
    source = grade_mod.Source.read(ROOT / "solutions" / NAME)
    nb = nbformat.read(ROOT / "exercises" / NAME, as_version=4)
    check = next(c for c in nb.cells if c.metadata["nbgrader"].get("grade_id") == "ex01_sigmoid")
    check.source = "pass"
    nb.cells.append(nbformat.from_dict(dict(check)))
    prepared, notes = grade_mod.prepare(nb, source)
    sources = [c.source for c in prepared.cells]
    assert sources.count("bp.check.principles.sigmoid(sigmoid)") == 1 and "pass" not in sources
    assert notes == []


def test_the_worker_runs_cells_in_its_scratch_folder_and_evaluates_calls(tmp_path):
    from bpcourse.grade import run

    settings = run.settings_for(30, 2 * 2**30, None)
    session = run.start_session(settings, tmp_path, time.monotonic() + 60)
    try:
        reply = session.run(
            "import os\nprint(os.environ['BPCOURSE_GRADING'], os.getcwd())\ndef double(x):\n    return 2 * x"
        )
        assert reply == {"error": None, "stdout": f"worker {tmp_path}\n"}
        (double,) = session.resolve(["double"])
        got = double._bpcourse_remote((np.arange(3.0),), 5.0)
        assert isinstance(got, np.ndarray) and got.tolist() == [0.0, 2.0, 4.0]
        assert session.run("1 / 0")["error"][0] == "ZeroDivisionError"
    finally:
        session.close()


def test_only_regrades_one_student_into_the_existing_csv(graded, tmp_path):
    tmp, out, _ = graded
    subs = tmp / "submitted"
    copy = tmp_path / "grades.csv"
    shutil.copy(out, copy)
    before = _table(copy)
    rows = grade_mod.grade(subs, copy, ROOT / "solutions", timeout=TIMEOUT, feedback_dir=tmp_path / "fb", only="ada")
    after = _table(copy)
    assert list(after) == list(before) and after == before and len(rows) == 9
    assert [p.name for p in (tmp_path / "fb").iterdir()] == ["ada.txt"]
    with pytest.raises(SystemExit, match="no student folder 'zed'"):
        grade_mod.grade(subs, copy, ROOT / "solutions", timeout=TIMEOUT, feedback_dir=tmp_path / "fb", only="zed")


@pytest.mark.parametrize("edition", ["solutions", "solutions/zh"])
def test_every_solution_notebook_earns_full_marks(tmp_path, edition):
    """The English solutions, and the Chinese ones (a class taking the Chinese edition hands in exercises/zh/
    notebooks: same file names and grade ids, graded against the same solutions/)."""
    student = tmp_path / "submitted" / "sol"
    student.mkdir(parents=True)
    for path in sorted((ROOT / edition).glob("ex*.ipynb")):
        shutil.copy(path, student / path.name)
    (row,) = grade_mod.grade(
        tmp_path / "submitted", tmp_path / "g.csv", ROOT / "solutions", timeout=120, progress=False
    )
    assert row["total"] == row["possible"] == "82"  # 67 for ex01–ex06, 15 for ex03b
    assert re.sub(r"^not sandboxed \([^)]*\)", "", row["notes"]) == ""


def test_code_built_at_run_time_gets_a_note_for_the_instructor(tmp_path):
    nb = nbformat.read(ROOT / "solutions" / NAME, as_version=4)
    nb.cells.insert(2, new_code_cell("name = 'sig' + 'moid'\nexec('x = 1')"))
    _write(tmp_path / "submitted" / "kim", nb)
    (row,) = grade_mod.grade(tmp_path / "submitted", tmp_path / "g.csv", ROOT / "solutions", timeout=60, progress=False)
    assert row["total"] == "9"
    assert "ex01_principles: for the instructor: code built at run time" in row["notes"]
    assert "cell 3 line 2 calls exec" in row["notes"]
