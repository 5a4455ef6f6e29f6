r"""Grading one notebook: the cells run in the worker, the checks run here.

For each code cell of the prepared notebook, in order:

- a learner's or a locked cell is sent to the worker and runs there;
- a check cell is never sent. The grader takes the names the check is given from the *solution's* check
  cell (``bp.check.principles.sigmoid(sigmoid)``), asks the worker what those names are now, and runs the
  check in this process with a ``Remote`` for each function. Every evaluation of the learner's code happens
  in the worker; the comparison, the diagnosis and the points happen here. What the worker prints decides
  nothing.

So a submission that rebinds ``bp``, patches NumPy, fakes ``bpcourse`` in ``sys.modules``, installs an
input transformer or a trace function changes only its own worker, which can at most return wrong data.
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import remote
from .submission import Source, grade_id_of, learner_cells, prepare


@dataclass
class Result:
    """The outcome of one notebook of one student."""

    points: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def judge(check, values: list, student: str, sources: list[str]):
    """Run one check here on the worker's values: the ``Verdict`` (status and block text)."""
    from ..check.calling import GRADER_SIDE, GraderSide
    from ..check.report import VERDICTS

    sink: list = []
    side_token = GRADER_SIDE.set(GraderSide(student, tuple(sources)))
    sink_token = VERDICTS.set(sink)
    try:
        check(*values)
    finally:
        VERDICTS.reset(sink_token)
        GRADER_SIDE.reset(side_token)
    return sink[-1]


def _check_function(dotted: str):
    chapter, name = dotted.split(".")
    return getattr(importlib.import_module(f"bpcourse.check.{chapter}"), name)


def _not_run(item, title: str, why: str) -> str:
    from ..check import mistakes as M
    from ..check.report import _block

    return _block("FAIL", title, item.points, 0, [M.message(M.NOT_RUN, name=", ".join(item.names), why=why)])


def run_notebook(nb, source: Source, session: remote.Session, student: str, result: Result) -> None:
    """Run the prepared ``nb`` in ``session`` and judge its checks into ``result`` (see module doc)."""
    graded = source.graded
    sources = learner_cells(nb, source)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        grade_id = grade_id_of(cell)
        item = graded.get(grade_id)
        if item is None:
            session.run(cell.source if isinstance(cell.source, str) else "")
            continue
        check = _check_function(item.check)
        title = getattr(check, "title", grade_id)
        values = session.resolve(list(item.names))
        missing = [n for n, v in zip(item.names, values, strict=True) if v is remote.MISSING]
        if missing:
            why = f"name {missing[0]!r} is not defined when the check cell is reached: run the cell that defines it"
            result.feedback[grade_id] = _not_run(item, title, why)
            continue
        verdict = judge(check, values, student, sources)
        result.points[grade_id] = item.points if verdict.status == "PASS" else 0.0
        result.feedback[grade_id] = verdict.text


def dynamic_code_notes(nb, source: Source) -> list[str]:
    """For the instructor: code built at run time (exec, eval, compile, a computed getattr...) in the learner's
    cells, which the library-answer rule cannot read. A note, not a penalty."""
    from ..check.library_use import dynamic_code

    cells = [i for i, c in enumerate(nb.cells) if c.get("cell_type") == "code" and grade_id_of(c) not in source.locked]
    uses = dynamic_code([nb.cells[i].source if isinstance(nb.cells[i].source, str) else "" for i in cells])
    if not uses:
        return []
    where = ", ".join(f"cell {cells[u.cell] + 1} line {u.line} {u.how}" for u in uses[:3])
    more = f" and {len(uses) - 3} more" if len(uses) > 3 else ""
    return [f"for the instructor: code built at run time, which the library-answer rule cannot read: {where}{more}"]


def grade_notebook(path: Path, source: Source, start, timeout: float, student: str = "") -> Result:
    """Grade one submitted notebook; every problem becomes a note, never an exception.

    ``start(deadline)`` starts a worker session (sandboxed or not) that must be done by ``deadline``.
    """
    result = Result(points={i.grade_id: 0.0 for i in source.items})
    stem = Path(source.name).stem
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, unreadable, too deep...
        result.notes.append(f"{stem}: not a valid notebook ({type(exc).__name__})")
        return result
    nb, notes = prepare(nb, source)
    result.notes += [f"{stem}: {n}" for n in notes]
    result.notes += [f"{stem}: {n}" for n in dynamic_code_notes(nb, source)]
    session = None
    try:
        session = start(time.monotonic() + float(timeout))
        run_notebook(nb, source, session, student, result)
    except remote.WorkerGone as exc:
        why = str(exc)
        result.notes.append(f"{stem}: {why}" + (f" after {timeout:g} s" if why == "timed out" else ""))
        if why == "timed out":  # a notebook that did not finish in time earns nothing
            result.points = {i.grade_id: 0.0 for i in source.items}
    finally:
        if session is not None:
            session.close()
    for item in source.items:
        result.feedback.setdefault(item.grade_id, f"{item.grade_id}: not run")
    return result
