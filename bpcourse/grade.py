r"""``bpcourse grade``: run every submission in a fresh kernel and write one CSV for the class.

Layout: ``SUBMISSIONS/<student>/<exercise notebook>.ipynb`` (the notebook may also sit one folder
deeper, ``SUBMISSIONS/<student>/<assignment>/…``, as nbgrader lays out ``submitted/``).

For each student and each exercise notebook:
1. the check cells (nbgrader ``grade: true``) and every locked cell are restored from
   ``solutions/``, so editing or deleting a check changes nothing;
2. the notebook runs in a temporary folder, in a fresh kernel, with BPCOURSE_GRADING=1 so a
   failing check raises; a notebook still running at the time limit is stopped and earns nothing;
3. a check cell earns its points when it ran without an error and printed its [PASS] block.

The CSV has one row per student: ``student``, one column per graded item, ``total``, ``notes``;
it replaces an existing file atomically. ``feedback/<student>.txt`` repeats the blocks the
learner would have seen.
"""

from __future__ import annotations

import copy
import csv
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .check.core import GRADER_ENV

PACKAGE_PARENT = Path(__file__).resolve().parent.parent
SEED_ENV = "BPCOURSE_GRADE_SEED"  # the student's name: check inputs are seeded from (student, grade_id)


def _grade_id(cell) -> str | None:
    """The cell's nbgrader grade_id if its metadata is well formed (a dict holding a string), else None.

    A submission controls its own metadata: ``"nbgrader": "x"`` or a list-valued grade_id must not
    crash the class's run; such a cell is treated as a cell of the learner's own.
    """
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


@dataclass
class Item:
    """One graded cell of the source notebook."""

    grade_id: str
    points: float


@dataclass
class Source:
    """A solution notebook as the grader needs it: its graded items and its locked cells."""

    name: str  # file name, e.g. ex01_principles.ipynb
    items: list[Item]
    locked: dict[str, nbformat.NotebookNode]  # grade_id -> the cell as it must be

    @classmethod
    def read(cls, path: Path) -> Source:
        from .assign import student_version

        nb = student_version(nbformat.read(path, as_version=4))
        items, locked = [], {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                items.append(Item(meta["grade_id"], float(meta.get("points", 0))))
            if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
                locked[meta["grade_id"]] = cell
        return cls(path.name, items, locked)


@dataclass
class Result:
    """The outcome of one notebook of one student."""

    points: dict[str, float] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _restored(source: Source, grade_id: str) -> nbformat.NotebookNode:
    """The source's version of a locked cell; a check cell also re-imports the real library first,
    so a submission that rebinds the name `bp` cannot replace the checks."""
    cell = copy.deepcopy(source.locked[grade_id])
    if cell.cell_type == "code" and grade_id in {i.grade_id for i in source.items}:
        cell.source = "import bpcourse as bp\n" + cell.source
    return cell


def prepare(nb: nbformat.NotebookNode, source: Source) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to execute: locked and check cells restored, deleted checks appended, outputs dropped."""
    notes, seen, cells = [], set(), []
    for cell in nb.cells:
        grade_id = _grade_id(cell)
        if grade_id in source.locked:
            if grade_id in seen:
                continue  # a copy of a locked cell: only the original runs
            cell = _restored(source, grade_id)
            seen.add(grade_id)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    missing = [item.grade_id for item in source.items if item.grade_id not in seen]
    cells += [_restored(source, g) for g in missing]
    if missing:
        notes.append(f"restored {len(missing)} deleted check cell(s)")
    nb.cells = cells
    return nb, notes


def _kernel_env(student: str = "") -> dict:
    env = os.environ.copy()
    env[GRADER_ENV] = "1"
    env[SEED_ENV] = student
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PACKAGE_PARENT), env.get("PYTHONPATH", "")) if p)
    env.pop("NBGRADER_EXECUTION", None)
    return env


def execute(
    nb: nbformat.NotebookNode, timeout: float, workdir: Path, student: str = ""
) -> tuple[nbformat.NotebookNode | None, str]:
    """Run ``nb`` in a fresh kernel whose working folder is ``workdir``; returns (executed nb, problem).

    All cells run even when some raise. ``timeout`` bounds the whole notebook (kernel start-up
    not counted). ``problem`` is '' when the notebook ran to the end, else what stopped it.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nbformat.write(nb, workdir / "submission.ipynb")
    deadline: list[float] = []  # set when the first cell starts

    def time_left(cell) -> float:
        # one deadline for the whole notebook: a cell that starts after it gets 10 ms, so many short
        # cells cannot outlive the limit by a second each
        if not deadline:
            deadline.append(time.monotonic() + float(timeout))
        return max(0.01, deadline[0] - time.monotonic())

    client = NotebookClient(
        nb,
        kernel_name="python3",
        allow_errors=True,
        timeout_func=time_left,
        shutdown_kernel="immediate",  # a kernel stuck in a loop is killed, not asked politely
        resources={"metadata": {"path": str(workdir)}},
        record_timing=False,
    )
    try:
        client.execute(env=_kernel_env(student), stderr=subprocess.DEVNULL)  # the kernel's own log lines
    except CellTimeoutError:
        return None, f"timed out after {timeout:g} s"
    except DeadKernelError:
        return nb, "the kernel died (the notebook crashed or exited Python)"
    except Exception as exc:  # noqa: BLE001 - anything else is recorded, never raised
        return nb, f"could not run: {type(exc).__name__}: {str(exc)[:200]}"
    return nb, ""


def score(executed: nbformat.NotebookNode | None, source: Source) -> tuple[dict[str, float], dict[str, str]]:
    """Points and feedback text per graded item of one executed notebook."""
    cells = {}
    if executed is not None:
        for cell in executed.cells:
            grade_id = _grade_id(cell)
            if grade_id and cell.cell_type == "code":
                cells.setdefault(grade_id, cell)
    points, feedback = {}, {}
    for item in source.items:
        cell = cells.get(item.grade_id)
        if cell is None or cell.execution_count is None:
            points[item.grade_id], feedback[item.grade_id] = 0.0, f"{item.grade_id}: not run"
            continue
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")
        errors = [o for o in cell.outputs if o.output_type == "error"]
        passed = not errors and "[PASS]" in text
        if errors and "[" not in text:  # the check itself could not start (e.g. a name was deleted)
            text += f"{item.grade_id}: {errors[0].ename}: {errors[0].evalue}"
        points[item.grade_id] = item.points if passed else 0.0
        feedback[item.grade_id] = text.strip()
    return points, feedback


def grade_notebook(path: Path, source: Source, timeout: float, student: str = "") -> Result:
    """Grade one submitted notebook; every problem becomes a note, never an exception."""
    result = Result(points={i.grade_id: 0.0 for i in source.items})
    stem = Path(source.name).stem
    try:
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - not JSON, not a notebook, unreadable...
        result.notes.append(f"{stem}: not a valid notebook ({type(exc).__name__})")
        return result
    nb, notes = prepare(nb, source)
    result.notes += [f"{stem}: {n}" for n in notes]
    with tempfile.TemporaryDirectory(prefix="bpcourse-grade-") as tmp:
        executed, problem = execute(nb, timeout, Path(tmp), student)
    if problem:
        result.notes.append(f"{stem}: {problem}")
    if problem.startswith("timed out") or executed is None:
        executed = None  # a notebook that did not finish earns nothing
    result.points, result.feedback = score(executed, source)
    return result


def find_submission(student_dir: Path, name: str) -> Path | None:
    """<student>/<name> or, as nbgrader lays it out, <student>/<assignment>/<name>."""
    direct = student_dir / name
    if direct.is_file():
        return direct
    deeper = sorted(p for p in student_dir.glob(f"*/{name}") if p.is_file())
    return deeper[0] if deeper else None


def _misnamed(student_dir: Path, stem: str) -> list[str]:
    """Uploads that look like the exercise under another name, e.g. 'ex02_steps (1).ipynb'."""
    found = sorted(p for p in student_dir.rglob("*.ipynb") if p.is_file() and p.stem != stem)
    key = stem.lower()
    return [
        str(p.relative_to(student_dir)) for p in found if p.stem.lower().startswith(key[:4]) or key in p.stem.lower()
    ]


def spreadsheet_safe(value: str) -> str:
    """A text field that no spreadsheet runs as a formula: a leading =, +, -, @, tab or CR gets a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write_csv_atomically(rows: list[dict], columns: list[str], out: Path) -> None:
    """Write the CSV to a temporary file beside ``out``, then rename it over ``out`` in one step."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fmt(x: float) -> str:
    return f"{x:g}"


def grade(
    submissions: Path,
    out: Path,
    solutions: Path,
    timeout: float = 120,
    feedback_dir: Path | None = None,
    progress: bool = True,
    only: str | None = None,
) -> list[dict]:
    """Grade the class in ``submissions``; write ``out`` (CSV) and per-student feedback; return the rows.

    ``only``: grade that one student and replace (or add) their row in the existing ``out``, whose other
    rows stay as they are; the columns must be the ones a whole-class run would write.
    """
    from tqdm.auto import tqdm

    sources = [Source.read(p) for p in sorted(solutions.glob("ex*.ipynb"))]
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    # Columns for every exercise that somebody handed in.
    used = [s for s in sources if any(find_submission(d, s.name) for d in students)]
    columns = ["student", *[i.grade_id for s in used for i in s.items], "total", "possible", "notes"]
    possible = sum(i.points for s in used for i in s.items)
    hidden = sorted(p.name for p in submissions.iterdir() if p.is_dir() and p.name.startswith("."))
    if hidden:
        print(f"bpcourse grade: not graded, hidden folder(s) in {submissions}: {', '.join(hidden)}", file=sys.stderr)
    feedback_dir = feedback_dir if feedback_dir is not None else out.parent / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    kept = _rows_to_keep(out, columns, only, [d.name for d in students]) if only is not None else []
    if only is not None:
        students = [d for d in students if d.name == only]
    rows = []
    for student_dir in tqdm(students, desc="grading", unit="student", disable=not progress):
        row, notes, lines = {"student": spreadsheet_safe(student_dir.name)}, [], []
        for source in used:
            path = find_submission(student_dir, source.name)
            stem = Path(source.name).stem
            if path is None:
                note = f"{stem}: not submitted"
                near = _misnamed(student_dir, stem)
                if near:
                    note += f" (found {', '.join(repr(n) for n in near)}: rename it to {source.name} to have it graded)"
                result = Result(points={i.grade_id: 0.0 for i in source.items}, notes=[note])
            else:
                result = grade_notebook(path, source, timeout, student_dir.name)
            row.update({k: _fmt(v) for k, v in result.points.items()})
            notes += result.notes
            lines.append(f"== {stem} ==")
            lines += result.notes
            lines += [result.feedback.get(i.grade_id, "") for i in source.items if result.feedback.get(i.grade_id)]
            lines.append("")
        earned = sum(float(row[i.grade_id]) for s in used for i in s.items)
        row["total"], row["possible"], row["notes"] = _fmt(earned), _fmt(possible), spreadsheet_safe("; ".join(notes))
        rows.append(row)
        header = f"Feedback for {student_dir.name}: {earned:g} of {possible:g} points\n\n"
        (feedback_dir / f"{student_dir.name}.txt").write_text(header + "\n".join(lines), encoding="utf-8")
    if only is not None:
        rows = sorted(kept + rows, key=lambda r: r["student"])
    write_csv_atomically(rows, columns, out)
    return rows


def _rows_to_keep(out: Path, columns: list[str], only: str, students: list[str]) -> list[dict]:
    """The rows of the existing CSV other than ``only``'s, for ``--only``; a clear error if that cannot work."""
    if only not in students:
        have = ", ".join(students[:10]) + (", ..." if len(students) > 10 else "")
        raise SystemExit(f"bpcourse grade --only: no student folder {only!r}; the students are: {have}")
    if not out.is_file():
        return []
    with out.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != columns:
            raise SystemExit(
                f"bpcourse grade --only: {out} has the columns {reader.fieldnames}, but this class needs {columns}; "
                "grade the whole class once (without --only)"
            )
        return [row for row in reader if row["student"] != spreadsheet_safe(only)]
