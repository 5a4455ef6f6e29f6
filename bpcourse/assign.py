r"""``bpcourse assign``: the student version of chapters, generated from ``solutions/``.

``solutions/exNN_<name>.ipynb`` is the one source. Its answers sit between nbgrader's markers;
the student version replaces each marked region by a stub, as nbgrader's ``generate_assignment``
does, and drops all outputs:

    ### BEGIN SOLUTION            →    # YOUR CODE HERE
    ...                                 raise NotImplementedError()
    ### END SOLUTION

Cells keep their nbgrader metadata, so a release is also a valid nbgrader student notebook.
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)


def strip_solutions(source: str, stub: str = CODE_STUB) -> str:
    """Replace every BEGIN/END SOLUTION region by ``stub``, indented like the BEGIN line."""
    out, inside, indent = [], False, ""
    for line in source.split("\n"):
        if line.strip().startswith(BEGIN):
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in stub.split("\n")]
        elif line.strip().startswith(END):
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a solution notebook with answers replaced by stubs and every output cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _HIDDEN.sub("", strip_solutions(cell.source))
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, TEXT_STUB)
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


def solution_path(solutions: Path, chapter: int) -> Path:
    """solutions/exNN_<name>.ipynb for a chapter number."""
    found = sorted(solutions.glob(f"ex{chapter:02d}_*.ipynb"))
    if not found:
        have = ", ".join(p.stem for p in sorted(solutions.glob("ex*.ipynb"))) or "none"
        raise SystemExit(f"bpcourse assign: no exercises for chapter {chapter} in {solutions} (there are: {have})")
    return found[0]


def write_exercise(solution: Path, out_dir: Path) -> Path:
    """Write the student version of one solution notebook to out_dir under the same file name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / solution.name
    nbformat.write(student_version(nbformat.read(solution, as_version=4)), target)
    return target


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not (dst.exists() and dst.resolve() == src.resolve()):
        shutil.copy2(src, dst)
    return dst


RELEASE_README = """# bpcourse: chapter(s) {chapters}

notebooks/  the chapters (start with 00_start_here.ipynb)
exercises/  the exercises: complete each function, run the check cell below it

The notebooks import the course library, version {version}:

    pip install "bpcourse=={version}"
    jupyter lab

Hand in the exercise notebooks as they are (same file names).
"""


def assign(chapters: list[int], out: Path, root: Path) -> list[Path]:
    """Write the release of ``chapters`` under ``out``: notebooks/ and exercises/, ready to hand out.

    notebooks/ gets 00_start_here and each chapter's notebook; exercises/ gets the student
    version of each chapter's solution notebook; README.md says what to install. Returns the
    written paths.
    """
    from . import __version__

    written = []
    notebooks = root / "notebooks"
    start = notebooks / "00_start_here.ipynb"
    if start.is_file():
        written.append(_copy(start, out / "notebooks" / start.name))
    for n in chapters:
        for chapter_nb in sorted(notebooks.glob(f"{n:02d}_*.ipynb")):
            written.append(_copy(chapter_nb, out / "notebooks" / chapter_nb.name))
        written.append(write_exercise(solution_path(root / "solutions", n), out / "exercises"))
    if out.resolve() != root.resolve():  # regenerating exercises/ in the checkout writes no README
        readme = out / "README.md"
        readme.write_text(RELEASE_README.format(chapters=", ".join(map(str, chapters)), version=__version__))
        written.append(readme)
    return written
