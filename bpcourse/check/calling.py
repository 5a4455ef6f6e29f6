r"""Calling the learner's code: time limit, exceptions, inputs changed in place, NumPy warnings.

``call(fn, *args)`` returns what the learner's function returned, or raises a ``Mistake`` whose
message is the feedback. Where a task promises numerical stability (``stable="..."``), an
overflow or invalid-value warning fails it and names the stable form; elsewhere warnings are
silenced, because the values are what the checks judge.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import inspect
import os
import secrets
import signal
import threading
import warnings
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ..i18n import _
from . import mistakes as M

GRADER_ENV = "BPCOURSE_GRADING"
NBGRADER_ENV = "NBGRADER_EXECUTION"
SEED_ENV = "BPCOURSE_CHECK_SEED"
TIME_LIMIT = 5.0  # seconds for one call of the learner's function (check.core.TIME_LIMIT overrides it)


class Mistake(Exception):
    """A check failed; the message says what is wrong and what to try, ``mistake_id`` names it."""

    def __init__(self, message: str, mistake_id: str = "unnamed"):
        super().__init__(message)
        self.mistake_id = mistake_id


class NotImplementedYet(Exception):
    """The learner's function still raises NotImplementedError (the untouched stub)."""


class LibraryCalled(Exception):
    """Under ``bpcourse grade``: the worker saw the learner's function run a library function the item declares."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


class TimeLimit(BaseException):  # BaseException: a learner's `except Exception` cannot swallow it
    """The learner's function ran longer than the time limit."""


class GraderSide(NamedTuple):
    """Set while ``bpcourse grade`` runs a check in its own process, on a submission evaluated elsewhere."""

    student: str  # seeds the inputs, with the grade_id
    sources: tuple[str, ...]  # the submission's learner-editable cells, for the library-use rule


GRADER_SIDE: contextvars.ContextVar[GraderSide | None] = contextvars.ContextVar("bpcourse_grader_side", default=None)


def grading() -> bool:
    """True under a grader: ``bpcourse grade`` (in its own process, or in a kernel with BPCOURSE_GRADING set)
    or nbgrader's autograde/validate."""
    return bool(GRADER_SIDE.get() or os.environ.get(GRADER_ENV) or os.environ.get(NBGRADER_ENV))


GRADE_SEED_ENV = "BPCOURSE_GRADE_SEED"  # the student's name, under a grader that runs the checks in the kernel
CURRENT_ITEM: contextvars.ContextVar[str] = contextvars.ContextVar("bpcourse_current_item", default="")


def grading_seed() -> int | None:
    """Under ``bpcourse grade``: the seed of the item being checked, from (student, grade_id), so a regrade
    draws the same inputs and gives the same points. None otherwise."""
    side = GRADER_SIDE.get()
    student = side.student if side is not None else os.environ.get(GRADE_SEED_ENV)
    if not student:
        return None
    digest = hashlib.sha256(f"{student}:{CURRENT_ITEM.get()}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def rng() -> np.random.Generator:
    """Fresh random inputs for every run, so no hard-coded output can pass.

    Tests fix the draw by setting BPCOURSE_CHECK_SEED; under ``bpcourse grade`` it is seeded from
    (student, grade_id) (``grading_seed``).
    """
    seed = os.environ.get(SEED_ENV)
    if seed:
        return np.random.default_rng(int(seed))
    graded = grading_seed()
    return np.random.default_rng(graded if graded is not None else secrets.randbits(64))


def _time_limit() -> float:
    from . import core  # the documented knob is check.core.TIME_LIMIT

    return float(getattr(core, "TIME_LIMIT", TIME_LIMIT))


def _run_with_time_limit(fn: Callable, args: tuple, limit: float):
    """fn(*args), stopped after ``limit`` seconds.

    In the main thread (a Jupyter kernel runs cells there) a SIGALRM timer interrupts even an
    endless Python loop. Elsewhere (Windows, threads) the call runs in a helper thread that we
    stop waiting for; the thread itself cannot be killed.
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():

        def on_alarm(signum, frame):
            raise TimeLimit

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit)
        try:
            return fn(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    box: dict = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # handed back to the caller below
            box["error"] = exc

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        raise TimeLimit
    if "error" in box:
        raise box["error"]
    return box["value"]


def _same(a, b) -> bool:
    """Deep equality that treats arrays by value (NaN equal to NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and (
                np.allclose(a, b, rtol=1e-13, atol=1e-13, equal_nan=True)  # x + h - h may round
                if a.dtype.kind == "f" and b.dtype.kind == "f"
                else np.array_equal(a, b)
            )
        )
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (int, float, complex, str, bytes, bool)) and isinstance(b, type(a)):
        return a == b or (a != a and b != b)  # NaN equals NaN here
    return True  # other objects (an rng, a function) are not inputs we watch


def _shape_hint(message: str) -> str:
    if "matmul" in message or "shapes" in message or "broadcast" in message:
        return "\n" + _(
            "hint: the shapes do not fit together. Print the .shape of every array: Wˡ is (nₗ, nₗ₋₁), "
            "Aˡ⁻¹ is (nₗ₋₁, m), so Wˡ @ Aˡ⁻¹ works; a transpose (.T) may be missing or extra"
        )
    return ""


def call(
    fn: Callable,
    *args,
    name: str | None = None,
    limit: float | None = None,
    mutation_hint: str = "",
    stable: str = "",
    harness: Callable | None = None,
):
    """Call the learner's ``fn(*args)`` and return its result, or raise a Mistake that explains.

    ``harness`` (a module-level library function) turns an object-valued result into plain data (arrays,
    numbers, tuples, dicts) where the learner's code runs: in this kernel, or in the worker under
    ``bpcourse grade`` (which sends it by its dotted name), so the check judges the same data both ways.

    - the untouched stub (NotImplementedError) raises NotImplementedYet;
    - an exception becomes "your f raised TypeError: ..." with a hint for shape errors;
    - an endless loop is stopped after ``limit`` seconds;
    - a function that changed one of its input arrays in place is reported by argument name;
    - with ``stable`` (the stable form, in words), an overflow or invalid-value warning is a mistake.
    """
    name = name or getattr(fn, "__name__", _("your function"))
    limit = _time_limit() if limit is None else limit
    if not callable(fn):
        raise Mistake(M.message(M.NOT_A_FUNCTION, name=name, what=type(fn).__name__), M.NOT_A_FUNCTION)
    try:
        before = copy.deepcopy(args)
    except Exception:  # an input we cannot copy (a generator...) is not watched for changes
        before = None
    caught: list = []
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            np.errstate(
                over="warn" if stable else "ignore",
                invalid="warn" if stable else "ignore",
                divide="warn" if stable else "ignore",
                under="ignore",
            ),
        ):
            warnings.simplefilter("always" if stable else "ignore")
            remote = _remote_runner(fn)
            watched = declared_for(CURRENT_ITEM.get()) if grading() else ()  # see ``tripwire``
            if remote is not None:
                result = remote(args, limit, harness, watched)
            else:
                with tripwire(watched) as hits:
                    result = _run_with_time_limit(fn, args, limit)
                if hits:
                    raise LibraryCalled(hits[0])
                result = harness(result) if harness is not None else result
    except NotImplementedError:
        raise NotImplementedYet from None
    except TimeLimit:
        raise Mistake(M.message(M.TIME_LIMIT, name=name, limit=f"{limit:g}"), M.TIME_LIMIT) from None
    except RecursionError:
        raise Mistake(M.message(M.RECURSION, name=name), M.RECURSION) from None
    except LibraryCalled as exc:
        how = _("{name} runs bp.{library} when it is called").format(name=name, library=exc.name)
        raise Mistake(M.message(M.LIBRARY_ANSWER, how=how), M.LIBRARY_ANSWER) from None
    except Exception as exc:
        text = M.message(M.RAISED, name=name, error=type(exc).__name__, detail=exc) + _shape_hint(str(exc))
        raise Mistake(text, M.RAISED) from None
    numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if stable and numeric:
        text = M.message(M.UNSTABLE, what=name, warning=str(numeric[0].message), stable=stable)
        raise Mistake(text, M.UNSTABLE)
    for arg_name, old, new in zip(_param_names(fn, len(args)), before or args, args, strict=True):
        if not _same(old, new):
            hint = mutation_hint or _("leave the inputs as they are and return new arrays (x = x - ..., not x -= ...)")
            raise Mistake(M.message(M.CHANGED_INPUT, arg=arg_name, hint=hint), M.CHANGED_INPUT)
    return result


def declared_for(grade_id: str) -> tuple[str, ...]:
    """The library functions that item ``grade_id`` asks the learner to write (``library_use.DECLARED``)."""
    if not grade_id:
        return ()
    from .library_use import DECLARED

    return DECLARED.get(grade_id, ())


def watched_code(declared: tuple[str, ...]) -> dict:
    """id(code object) → (declared name, code), for every Python function behind the declared names (a class:
    its methods; a table: its functions)."""
    from .library_use import resolve

    codes: dict = {}
    for name in declared:
        try:
            obj = resolve(name)
        except Exception:  # noqa: BLE001 - a module that cannot be imported here holds nothing to watch
            continue
        values = (
            list(vars(obj).values()) if inspect.isclass(obj) else list(obj.values()) if isinstance(obj, dict) else [obj]
        )
        for value in values:
            # the innermost function: a decorator's wrapper code (errors.checked) is shared by many functions
            f = (
                inspect.unwrap(getattr(value, "__func__", value))
                if callable(getattr(value, "__func__", value))
                else None
            )
            code = getattr(f, "__code__", None)
            if code is not None:  # by identity: code objects compare equal by content, and a copy is not the library's
                codes.setdefault(id(code), (name, code))
    return codes


class tripwire:  # noqa: N801 - used as a context manager, like a function
    """While active, record which declared library functions run (``sys.setprofile``): a library answer that
    the cells hide from the syntax scan (a name built at run time) still shows when it is called. The list of
    names hit is what ``with`` gives.

    Only under a grader (``call`` watches nothing otherwise): in a learner's notebook the syntax scan and the
    identity check give the immediate feedback, and code that reaches the library by a computed name is
    caught when graded.
    """

    def __init__(self, declared: tuple[str, ...]):
        self.codes = watched_code(declared) if declared else {}
        self.hits: list[str] = []

    def __enter__(self) -> list[str]:
        if self.codes:
            import sys

            self.previous = sys.getprofile()

            def hook(frame, event, arg):
                if event == "call" and id(frame.f_code) in self.codes:
                    name = self.codes[id(frame.f_code)][0]
                    if name not in self.hits:
                        self.hits.append(name)

            sys.setprofile(hook)
        return self.hits

    def __exit__(self, *exc) -> None:
        if self.codes:
            import sys

            sys.setprofile(self.previous)


def _remote_runner(fn):
    """Under ``bpcourse grade``, a learner's function is a ``grade.remote.Remote``: it runs in the worker, which
    keeps its own time limit; anything else is called here."""
    if GRADER_SIDE.get() is None:
        return None
    from ..grade.remote import Remote

    return fn._bpcourse_remote if isinstance(fn, Remote) else None


def _param_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    return (names + [_("argument {i}").format(i=i + 1) for i in range(len(names), n)])[:n]
