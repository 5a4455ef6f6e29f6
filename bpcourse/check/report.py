r"""Reporting: the printed block of a check, the ``@item`` decorator, concept questions, and progress.

    [PASS] sigmoid (2/2 points)
    [FAIL] sigmoid (0/2 points)
           sigmoid(Z): wrong sign: every value is the negative of the expected one
           (mistake: sign; reread ch. 1 §2 "Forward: …")

Under a grader (``bpcourse grade`` sets BPCOURSE_GRADING; nbgrader sets NBGRADER_EXECUTION to
'autograde' or 'validate') a block that is not a pass also raises AssertionError, so the grader
counts the cell's points as lost. In a learner's notebook a check never raises.

``progress()`` sums up the checks run in this kernel session; it reads and writes no files.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import re
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..i18n import _
from . import mistakes as M
from .calling import CURRENT_ITEM, GRADER_SIDE, Mistake, NotImplementedYet, TimeLimit, call, grading, grading_seed
from .compare import as_number

CHAPTER_FILES = {
    "1": "01_principles",
    "2": "02_steps",
    "3": "03_derivation",
    "3b": "03b_graphs_autodiff",
    "4": "04_limitations",
    "5": "05_improvements",
    "6": "06_capstone",
}


class Section(NamedTuple):
    """Where in a chapter an item's idea is taught: chapter '3', section number 2, its heading."""

    chapter: str
    number: int
    heading: str

    def text(self) -> str:
        return _('reread ch. {chapter} §{number} "{heading}"').format(
            chapter=self.chapter, number=self.number, heading=_(self.heading)
        )

    def link(self) -> str:
        """A link that JupyterLab opens at the heading, from an exercise notebook of the language in use:
        exercises/ex01_….ipynb → ../notebooks/01_….ipynb#The-four-stages, exercises/zh/ex01_….ipynb →
        ../../notebooks/zh/01_….ipynb#四个阶段 (the Chinese chapter's heading is the heading's translation)."""
        from ..i18n import edition_folder, edition_path, language

        code = language()
        anchor = _(self.heading).replace(" ", "-")
        up = "../../" if edition_folder(code) else "../"
        return f"{up}{edition_path('notebooks', code)}/{CHAPTER_FILES[self.chapter]}.ipynb#{anchor}"


class Result(NamedTuple):
    grade_id: str
    title: str
    points: float
    earned: float
    status: str  # PASS, FAIL or TODO


_RESULTS: dict[str, dict[str, Result]] = {}  # notebook name → grade_id → the latest result in this session
_LAST = {"notebook": None}


def shown_title(title: str) -> str:
    """An item's title as the learner reads it: a function's name (an identifier) is code and stays as it is;
    a question's title (marked with ``N_`` where it is declared) is translated."""
    return title if not title or title.isidentifier() else _(title)


def _block(status: str, title: str, points: float, earned: float, lines: list[str]) -> str:
    unit = _("point") if points == 1 else _("points")
    head = f"[{status}] {shown_title(title)} ({earned:g}/{points:g} {unit})"
    body = []
    for line in lines:
        for part in line.split("\n"):
            body.append("       " + part)
    return "\n".join([head, *body])


def _show_link(section: Section | None) -> None:
    """In a learner's notebook, a clickable link to the section (plain text stays in the block)."""
    if section is None or grading():
        return
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or type(shell).__name__ != "ZMQInteractiveShell":
        return
    display(Markdown(f"[{section.text()}]({section.link()})"))


class Verdict(NamedTuple):
    """What one check decided: PASS, FAIL or TODO, and the block the learner reads."""

    status: str
    text: str


VERDICTS: contextvars.ContextVar[list | None] = contextvars.ContextVar("bpcourse_verdicts", default=None)


def report(
    title: str,
    points: float,
    error: Exception | None,
    grade_id: str,
    section: Section | None = None,
    notebook: str | None = None,
) -> bool:
    """Print the block for one check; under a grader, raise AssertionError when it did not pass.

    Under ``bpcourse grade`` (``VERDICTS`` set, in the grader's own process) the block is appended there as a
    ``Verdict`` instead: nothing is printed and nothing raised.
    """
    status = "PASS" if error is None else "TODO" if isinstance(error, NotImplementedYet) else "FAIL"
    if notebook:
        _RESULTS.setdefault(notebook, {})[grade_id] = Result(
            grade_id, title, points, points if error is None else 0, status
        )
        _LAST["notebook"] = notebook
    text = _text(status, title, points, error, section)
    sink = VERDICTS.get()
    if sink is not None:
        sink.append(Verdict(status, text))
        return status == "PASS"
    print(text)
    if status == "PASS":
        return True
    if status == "FAIL":
        _show_link(section)
    if grading():
        raise AssertionError(f"{grade_id}: {text}")
    return False


def _text(status: str, title: str, points: float, error: Exception | None, section: Section | None) -> str:
    if error is None:
        return _block("PASS", title, points, points, [])
    if isinstance(error, NotImplementedYet):
        line = (
            _("not implemented yet: the function still raises NotImplementedError")
            if grading()
            else _(
                "not implemented yet: replace `raise NotImplementedError()` with your code, then run this cell again"
            )
        )
        return _block("TODO", title, points, 0, [line])
    if isinstance(error, Mistake):
        seed = grading_seed()
        notes = ([_("mistake: {mistake_id}").format(mistake_id=error.mistake_id)] if grading() else []) + (
            [section.text()] if section is not None else []
        )
        if seed is not None:
            notes.append(_("inputs seeded with {seed}").format(seed=seed))
        return _block("FAIL", title, points, 0, [str(error)] + (["(" + "; ".join(notes) + ")"] if notes else []))
    detail = _("the check could not run your code: {error}: {detail}").format(error=type(error).__name__, detail=error)
    return _block("FAIL", title, points, 0, [detail])


def item(grade_id: str, points: float, title: str, section: Section | None = None, notebook: str | None = None):
    """Register a check: ``@item('ex01_sigmoid', 2, 'sigmoid', section)`` over ``def check(fn, ...)``.

    The wrapped check prints one block and returns None (so a cell shows only the block).
    ``notebook`` (default: the module's NOTEBOOK) groups the item for ``progress()``.
    """

    def decorate(body: Callable) -> Callable:
        import sys

        book = notebook or getattr(sys.modules.get(body.__module__), "NOTEBOOK", None)

        @functools.wraps(body)
        def run(*args, **kwargs) -> None:
            token = CURRENT_ITEM.set(grade_id)  # seeds this item's inputs under bpcourse grade
            try:
                library_rule(grade_id, args)
                with np.errstate(all="ignore"):  # the checks' own arithmetic on wrong answers stays quiet
                    body(*args, **kwargs)
                error = None
            except (Mistake, NotImplementedYet) as exc:
                error = exc
            except TimeLimit:
                error = Mistake(_("the check ran out of time"), M.TIME_LIMIT)
            except Exception as exc:  # a bug we did not foresee must not crash the notebook
                error = exc
            try:
                report(title, points, error, grade_id, section, book)
            finally:
                CURRENT_ITEM.reset(token)

        run.grade_id, run.points, run.title, run.section, run.notebook = grade_id, points, title, section, book
        return run

    return decorate


_CHECK_CELL = re.compile(r"\s*(import bpcourse as bp\s*)?bp\.check\.[\w.]+\([\w, ]*\)\s*")


def _learner_cells() -> list[str]:
    """The cells the learner wrote: the submission's editable cells under ``bpcourse grade``; in a notebook,
    every cell run in this kernel session except the check calls themselves."""
    side = GRADER_SIDE.get()
    if side is not None:
        return list(side.sources)
    try:
        from IPython import get_ipython
    except ImportError:
        return []
    shell = get_ipython()
    history = shell.user_ns.get("In", []) if shell is not None else []
    return [s for s in history if isinstance(s, str) and not _CHECK_CELL.fullmatch(s)]


def library_rule(grade_id: str, given: tuple) -> None:
    """An answer taken from the library earns nothing: raise a Mistake if a function the item declares
    (``library_use.DECLARED``) is what the learner handed in, or is used in a cell the learner wrote."""
    from . import library_use as LU

    declared = LU.DECLARED.get(grade_id, ())
    if not declared:
        return
    for obj in given:
        if GRADER_SIDE.get() is not None:  # a Remote: the worker says which library function it is, if any
            found = getattr(obj, "library", None)
            try:
                name = LU.declared_object(LU.resolve(found), declared) if isinstance(found, str) else None
            except Exception:  # a name that is no library object here
                name = None
        else:
            name = LU.declared_object(obj, declared)
        if name is not None:
            how = _("the function you hand to the check is bp.{name} itself").format(name=name)
            raise Mistake(M.message(M.LIBRARY_ANSWER, how=how), M.LIBRARY_ANSWER)
    cells = _learner_cells()
    uses = LU.scan(cells, declared)
    if uses:
        use = uses[0]
        first = next((line.strip() for line in cells[use.cell].splitlines() if line.strip()), "")
        how = _("line {line} of the cell that starts {first!r} {how}").format(
            line=use.line, first=first[:60], how=use.how
        )
        raise Mistake(M.message(M.LIBRARY_ANSWER, how=how), M.LIBRARY_ANSWER)


# ---- concept questions -------------------------------------------------------------------------------


def answer_digest(question: str, answer) -> str:
    """A short digest of a normalized answer, so the library does not print the answers in clear."""
    text = str(answer).strip().lower()
    return hashlib.sha256(f"{question}:{text}".encode()).hexdigest()[:16]


def multiple_choice(
    grade_id: str,
    points: float,
    title: str,
    digest: str,
    choices: str,
    section: Section | None = None,
    hints: dict[str, str] | None = None,
    notebook: str | None = None,
):
    """A check for a multiple-choice question whose right letter has the given digest.

    ``hints`` maps a wrong letter to what it mistakes (shown with the section to reread).
    """

    @item(grade_id, points, title, section, notebook or _caller_notebook())
    def check(fn: Callable) -> None:
        got = call(fn, name=shown_title(title))
        if not isinstance(got, str) or got.strip().lower() not in choices:
            letters = ", ".join(repr(c) for c in choices)
            raise Mistake(M.message(M.CHOICE, letters=letters, got=got), M.CHOICE)
        letter = got.strip().lower()
        if answer_digest(grade_id, got) != digest:
            hint = (hints or {}).get(letter)
            hint = _(hint) if hint else _("reread the section and try again")
            raise Mistake(M.message(M.WRONG_CHOICE, letter=letter, hint=hint), M.WRONG_CHOICE)

    return check


def numeric_answer(
    grade_id: str,
    points: float,
    title: str,
    value: float,
    rtol: float = 1e-3,
    section: Section | None = None,
    wrong: list[tuple[float, str]] = (),
    notebook: str | None = None,
):
    """A check for a question whose answer is a number (within a relative tolerance).

    ``wrong`` lists typical wrong values with their hints (a forgotten factor 2, the per-example
    mean...); the generic relations (sign, factor 2, ½) are named without being listed.
    """

    @item(grade_id, points, title, section, notebook or _caller_notebook())
    def check(fn: Callable) -> None:
        got = as_number(_("your answer"), call(fn, name=shown_title(title)))
        if np.isclose(got, value, rtol=rtol, atol=1e-12):
            return
        shown = f"{got:.6g}"
        for wrong_value, hint in wrong:
            if np.isclose(got, wrong_value, rtol=rtol, atol=1e-12):
                raise Mistake(M.message(M.LISTED_ANSWER, got=shown, hint=_(hint)), M.LISTED_ANSWER)
        for factor, mistake_id in ((-1.0, M.ANSWER_SIGN), (2.0, M.ANSWER_TWICE), (0.5, M.ANSWER_HALF)):
            if np.isclose(got, factor * value, rtol=rtol, atol=1e-12):
                raise Mistake(M.message(mistake_id, got=shown), mistake_id)
        raise Mistake(M.message(M.WRONG_ANSWER, got=shown), M.WRONG_ANSWER)

    return check


def _caller_notebook() -> str | None:
    """The NOTEBOOK of the chapter module that declares a question (two frames up)."""
    import sys

    return sys._getframe(2).f_globals.get("NOTEBOOK")


# ---- progress -------------------------------------------------------------------------------------------


class Progress(NamedTuple):
    """Where a learner stands in one exercise notebook, from the checks run in this kernel session."""

    notebook: str | None
    earned: float
    possible: float
    left: list  # (title, points, status) of every item not passed yet, in notebook order

    def __str__(self) -> str:
        if self.notebook is None:
            return _(
                "no check has run in this kernel session yet (after a restart, the results are gone): "
                "run the check cells, e.g. Run ▸ Run All Cells"
            )
        fields = {"notebook": self.notebook, "earned": self.earned, "possible": self.possible}
        if not self.left:
            return _("{notebook}: {earned:g} of {possible:g} points: every item passes").format(**fields)
        lines = [_("{notebook}: {earned:g} of {possible:g} points; still to do:").format(**fields)]
        for title, points, status in self.left:
            state = {"FAIL": _("failing"), "TODO": _("not implemented"), None: _("not run in this session")}[status]
            lines.append(
                "  - " + _("{title} ({points:g}): {state}").format(title=shown_title(title), points=points, state=state)
            )
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython shows the text, not the tuple
        p.text(str(self))


def progress(notebook: str | None = None) -> Progress:
    """Points earned, points possible and what is left, for the exercise in progress (or ``notebook``)."""
    from . import CHAPTERS

    book = notebook or _LAST["notebook"]
    if book is None:
        return Progress(None, 0.0, 0.0, [])
    items = next((list(mod.ITEMS.values()) for mod in CHAPTERS.values() if mod.NOTEBOOK == book), [])
    done = _RESULTS.get(book, {})
    earned = sum(r.earned for r in done.values())
    possible = sum(i.points for i in items)
    left = [
        (i.title, i.points, done[i.grade_id].status if i.grade_id in done else None)
        for i in items
        if i.grade_id not in done or done[i.grade_id].status != "PASS"
    ]
    return Progress(book, earned, possible, left)
