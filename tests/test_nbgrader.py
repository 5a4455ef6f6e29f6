"""solutions/ works unchanged as an nbgrader source: nbgrader's own generate_assignment and autograde.

The solution earns every point and the untouched release earns none. Runs wherever the
`instructor` extra (nbgrader) is installed, as in CI.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest

pytest.importorskip("nbgrader", reason="nbgrader is not installed: pip install -e '.[instructor]'")

from nbgrader.api import Gradebook  # noqa: E402
from nbgrader.apps import NbGraderAPI  # noqa: E402
from traitlets.config import Config  # noqa: E402

from bpcourse import assign as assign_mod  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NAME = "ex01_principles"
POINTS = {"ex01_sigmoid": 2, "ex01_sigmoid_prime": 2, "ex01_gd_step": 2, "ex01_q1": 1, "ex01_q2": 1, "ex01_q3": 1}


# nbgrader's own database code triggers this SQLAlchemy warning (a RuntimeWarning, which pyproject makes an error).
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")
def test_generate_assignment_and_autograde(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    course = tmp_path / "course"
    (course / "source" / "ps1").mkdir(parents=True)
    shutil.copy(ROOT / "solutions" / f"{NAME}.ipynb", course / "source" / "ps1")
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "bpcourse"
    api = NbGraderAPI(config=config)

    result = api.generate_assignment("ps1", force=True, create=True)
    assert result["success"], result.get("error")
    release = course / "release" / "ps1" / f"{NAME}.ipynb"
    # nbgrader's release and ours hold the same cells.
    ours = assign_mod.student_version(nbformat.read(ROOT / "solutions" / f"{NAME}.ipynb", as_version=4))
    theirs = nbformat.read(release, as_version=4)
    assert [c.source for c in theirs.cells] == [c.source for c in ours.cells]

    for student, src in (("untouched", release), ("solved", ROOT / "solutions" / f"{NAME}.ipynb")):
        (course / "submitted" / student / "ps1").mkdir(parents=True)
        shutil.copy(src, course / "submitted" / student / "ps1" / f"{NAME}.ipynb")
        result = api.autograde("ps1", student, force=True, create=True)
        assert result["success"], result.get("error")

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        solved = gb.find_submission_notebook(NAME, "ps1", "solved")
        untouched = gb.find_submission_notebook(NAME, "ps1", "untouched")
        assert {g.name: g.score for g in solved.grades if g.max_score} == POINTS
        assert solved.score == solved.max_score == 9
        assert {g.name: g.score for g in untouched.grades if g.max_score} == dict.fromkeys(POINTS, 0)
        assert untouched.score == 0
