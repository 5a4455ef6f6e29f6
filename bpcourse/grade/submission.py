r"""What the grader reads: the solution notebooks (graded items, locked cells) and a student's submission.

A submission controls every byte of its notebook, metadata included. Nothing here trusts it: a cell's
nbgrader metadata counts only when it is well formed, locked and check cells are restored from
``solutions/``, and the check calls are taken from the solution, never from the submission.
"""

from __future__ import annotations

import ast
import copy
from dataclasses import dataclass
from pathlib import Path

import nbformat


def grade_id_of(cell) -> str | None:
    """The cell's nbgrader grade_id if its metadata is well formed (a dict holding a string), else None.

    ``"nbgrader": "x"`` or a list-valued grade_id must not crash the class's run: such a cell is treated as a
    cell of the learner's own.
    """
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    nbgrader = meta.get("nbgrader") if isinstance(meta, dict) else None
    grade_id = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return grade_id if isinstance(grade_id, str) else None


@dataclass
class Item:
    """One graded cell of the source notebook, and the check call it makes."""

    grade_id: str
    points: float
    check: str = ""  # dotted name of the check, e.g. 'principles.sigmoid'
    names: tuple[str, ...] = ()  # the learner's names it is given, e.g. ('sigmoid',)


@dataclass
class Source:
    """A solution notebook as the grader needs it: its graded items and its locked cells."""

    name: str  # file name, e.g. ex01_principles.ipynb
    items: list[Item]
    locked: dict[str, nbformat.NotebookNode]  # grade_id -> the cell as it must be

    @classmethod
    def read(cls, path: Path) -> Source:
        from ..assign import student_version

        nb = student_version(nbformat.read(path, as_version=4))
        items, locked = [], {}
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and not meta.get("solution"):
                check, names = check_call(cell.source, f"{path.name}: {meta['grade_id']}")
                items.append(Item(meta["grade_id"], float(meta.get("points", 0)), check, names))
            if meta.get("locked") or (meta.get("grade") and not meta.get("solution")):
                locked[meta["grade_id"]] = cell
        return cls(path.name, items, locked)

    @property
    def graded(self) -> dict[str, Item]:
        return {i.grade_id: i for i in self.items}


def check_call(source: str, where: str) -> tuple[str, tuple[str, ...]]:
    """('principles.sigmoid', ('sigmoid',)) for a check cell ``bp.check.principles.sigmoid(sigmoid)``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    call = tree.body[0].value if tree and len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) else None
    parts = []
    func = call.func if isinstance(call, ast.Call) else None
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if (
        not isinstance(func, ast.Name)
        or func.id != "bp"
        or len(parts) != 3
        or parts[0] != "check"
        or call.keywords
        or not all(isinstance(a, ast.Name) for a in call.args)
    ):
        raise ValueError(f"{where}: a check cell must be one call bp.check.<chapter>.<item>(<names>); got {source!r}")
    return ".".join(parts[1:]), tuple(a.id for a in call.args)


def restored(source: Source, grade_id: str) -> nbformat.NotebookNode:
    """The source's version of a locked cell."""
    return copy.deepcopy(source.locked[grade_id])


def prepare(nb: nbformat.NotebookNode, source: Source) -> tuple[nbformat.NotebookNode, list[str]]:
    """The notebook to run: locked and check cells restored, deleted checks appended, outputs dropped."""
    notes, seen, cells = [], set(), []
    for cell in nb.cells:
        grade_id = grade_id_of(cell)
        if grade_id in source.locked:
            if grade_id in seen:
                continue  # a copy of a locked cell: only the original runs
            cell = restored(source, grade_id)
            seen.add(grade_id)
        if cell.get("cell_type") == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    missing = [item.grade_id for item in source.items if item.grade_id not in seen]
    cells += [restored(source, g) for g in missing]
    if missing:
        notes.append(f"restored {len(missing)} deleted check cell(s)")
    nb.cells = cells
    return nb, notes


def learner_cells(nb: nbformat.NotebookNode, source: Source) -> list[str]:
    """The code the learner wrote or could edit: every code cell that is not restored from the solution."""
    return [
        c.source
        for c in nb.cells
        if c.get("cell_type") == "code" and grade_id_of(c) not in source.locked and isinstance(c.get("source"), str)
    ]


def find_submission(student_dir: Path, name: str) -> Path | None:
    """<student>/<name> or, as nbgrader lays it out, <student>/<assignment>/<name>.

    Never through a symbolic link, neither the notebook nor its assignment folder: a link to another
    student's folder (a zip or tar upload can carry one) must not earn that student's grade.
    """
    direct = student_dir / name
    if direct.is_file() and not direct.is_symlink():
        return direct
    deeper = sorted(
        p for p in student_dir.glob(f"*/{name}") if p.is_file() and not p.is_symlink() and not p.parent.is_symlink()
    )
    return deeper[0] if deeper else None


def symlinked(student_dir: Path, name: str) -> bool:
    """Whether the notebook is there only through a symbolic link (to a file or to a folder)."""
    return (student_dir / name).is_symlink() or any(
        p.is_symlink() or p.parent.is_symlink() for p in student_dir.glob(f"*/{name}")
    )


def misnamed(student_dir: Path, stem: str) -> list[str]:
    """Uploads that look like the exercise under another name, e.g. 'ex02_steps (1).ipynb'."""
    found = sorted(p for p in student_dir.rglob("*.ipynb") if p.is_file() and p.stem != stem)
    key = stem.lower()
    return [
        str(p.relative_to(student_dir)) for p in found if p.stem.lower().startswith(key[:4]) or key in p.stem.lower()
    ]
