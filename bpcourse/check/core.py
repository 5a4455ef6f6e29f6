r"""The machinery every check shares: run the learner's code safely, compare, and report.

A check is a function decorated with ``@item(grade_id, points, title)``. Its body calls the
learner's function through ``call`` (time limit, exceptions, input mutation) and compares the
result with ``expect_array`` (type, None, shape, NaN, known mistakes, values). Any problem is
raised as a ``Mistake`` whose message is the feedback. The decorator turns the outcome into
one printed block:

    [PASS] sigmoid (2/2 points)
    [FAIL] sigmoid (0/2 points)
           your sigmoid(Z) has the wrong sign ...
           hint: ...

Under a grader (``bpcourse grade`` sets BPCOURSE_GRADING; nbgrader sets NBGRADER_EXECUTION
to 'autograde' or 'validate') a block that is not a pass also raises AssertionError, so the
grader counts the cell's points as lost. In a learner's notebook a check never raises.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import os
import secrets
import signal
import threading
import warnings
from collections.abc import Callable

import numpy as np

GRADER_ENV = "BPCOURSE_GRADING"
NBGRADER_ENV = "NBGRADER_EXECUTION"
SEED_ENV = "BPCOURSE_CHECK_SEED"
TIME_LIMIT = 5.0  # seconds for one call of the learner's function


class Mistake(Exception):
    """A check failed; the message says what is wrong and what to try."""


class NotImplementedYet(Exception):
    """The learner's function still raises NotImplementedError (the untouched stub)."""


class TimeLimit(BaseException):  # BaseException: a learner's `except Exception` cannot swallow it
    """The learner's function ran longer than the time limit."""


def grading() -> bool:
    """True under a grader: ``bpcourse grade`` or nbgrader's autograde/validate."""
    return bool(os.environ.get(GRADER_ENV) or os.environ.get(NBGRADER_ENV))


def rng() -> np.random.Generator:
    """Fresh random inputs for every run, so no hard-coded output can pass.

    Tests fix the draw by setting BPCOURSE_CHECK_SEED.
    """
    seed = os.environ.get(SEED_ENV)
    return np.random.default_rng(int(seed) if seed else secrets.randbits(64))


# ---- running the learner's code -------------------------------------------------------------


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
        return (
            "\nhint: the shapes do not fit together. Print the .shape of every array: W^l is (n_l, n_{l-1}), "
            "A^{l-1} is (n_{l-1}, m), so W^l @ A^{l-1} works; a transpose (.T) may be missing or extra"
        )
    return ""


def call(fn: Callable, *args, name: str | None = None, limit: float | None = None, mutation_hint: str = ""):
    """Call the learner's ``fn(*args)`` and return its result, or raise a Mistake that explains.

    - the untouched stub (NotImplementedError) raises NotImplementedYet;
    - an exception becomes "your f raised TypeError: ..." with a hint for shape errors;
    - an endless loop is stopped after ``limit`` seconds;
    - a function that changed one of its input arrays in place is reported by argument name.
    NumPy warnings (overflow...) are silenced here: the values are what the checks judge.
    """
    name = name or getattr(fn, "__name__", "your function")
    limit = TIME_LIMIT if limit is None else limit
    if not callable(fn):
        raise Mistake(f"{name} should be a function; got {type(fn).__name__}. Run the cell that defines it")
    try:
        before = copy.deepcopy(args)
    except Exception:  # an input we cannot copy (a generator...) is not watched for changes
        before = None
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = _run_with_time_limit(fn, args, limit)
    except NotImplementedError:
        raise NotImplementedYet from None
    except TimeLimit:
        raise Mistake(
            f"{name} did not finish within {limit:g} s and was stopped: is there an endless loop "
            "(a while loop whose condition never becomes false)?"
        ) from None
    except RecursionError:
        raise Mistake(f"{name} called itself endlessly (RecursionError): does it call itself by mistake?") from None
    except Exception as exc:
        raise Mistake(f"{name} raised {type(exc).__name__}: {exc}{_shape_hint(str(exc))}") from None
    for arg_name, old, new in zip(_param_names(fn, len(args)), before or args, args, strict=True):
        if not _same(old, new):
            hint = mutation_hint or "leave the inputs as they are and return new arrays (x = x - ..., not x -= ...)"
            raise Mistake(f"your function changed its input {arg_name!r} in place; {hint}")
    return result


def _param_names(fn: Callable, n: int) -> list[str]:
    try:
        names = [p.name for p in inspect.signature(fn).parameters.values()]
    except (TypeError, ValueError):
        names = []
    return (names + [f"argument {i + 1}" for i in range(len(names), n)])[:n]


# ---- comparing results ----------------------------------------------------------------------


def as_float_array(label: str, got, ndim: int | None = None) -> np.ndarray:
    """``got`` as a float ndarray, or a Mistake naming what came instead (None, a tuple...)."""
    if got is None:
        raise Mistake(f"{label} is None: did you forget the `return` statement?")
    if isinstance(got, (str, bytes)):
        raise Mistake(f"{label} should be a NumPy array of numbers; got {type(got).__name__} {got!r:.40}")
    if isinstance(got, (tuple, list, dict)) and not _numeric_sequence(got):
        raise Mistake(f"{label} should be a NumPy array; got a {type(got).__name__} of {len(got)} item(s)")
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mistake(f"{label} should be a NumPy array of numbers; got {type(got).__name__}") from None
    if ndim is not None and arr.ndim != ndim:
        raise Mistake(f"{label} should be a {ndim}-D array; got {arr.ndim}-D with shape {arr.shape}")
    return arr


def _numeric_sequence(x) -> bool:
    try:
        return np.asarray(x, dtype=np.float64).ndim > 0 and not isinstance(x, dict)
    except (TypeError, ValueError):
        return False


def as_number(label: str, got) -> float:
    """``got`` as a Python float, or a Mistake (None, an array of several values, NaN)."""
    if got is None:
        raise Mistake(f"{label} is None: did you forget the `return` statement?")
    arr = np.asarray(got) if not isinstance(got, (str, bytes)) else None
    if arr is None or arr.dtype.kind not in "biuf" or arr.size != 1:
        shape = f" with shape {arr.shape}" if arr is not None and arr.dtype.kind in "biuf" else ""
        raise Mistake(f"{label} should be one number; got {type(got).__name__}{shape} (sum or average it?)")
    value = float(arr.reshape(-1)[0])
    if not np.isfinite(value):
        raise Mistake(f"{label} is {value}: a log of 0, a division by 0 or an overflow?")
    return value


def expect_array(
    label: str,
    got,
    expected: np.ndarray,
    mistakes: list[tuple[np.ndarray, str]] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    m: int | None = None,
) -> np.ndarray:
    """Compare the learner's array with the reference and explain the first difference.

    ``mistakes`` lists (what a typical mistake would give, message); a match names that
    mistake. ``m`` (the batch size) lets a result m times too large or small be named.
    """
    arr = as_float_array(label, got)
    if arr.shape != expected.shape:
        hint = ""
        if arr.shape == expected.shape[::-1] and len(set(expected.shape)) > 1:
            hint = ": did you transpose a matrix (W or A_prev)?"
        elif arr.ndim == expected.ndim - 1 and arr.shape == tuple(n for n in expected.shape if n != 1):
            hint = ": keep the column shape with keepdims=True or .reshape(-1, 1)"
        elif arr.size == expected.size:
            hint = ": reshape it"
        elif expected.ndim == 2 and expected.shape[1] == 1 and arr.ndim == 2 and arr.shape[0] == expected.shape[0]:
            hint = ": sum over the columns (the examples), axis=1, keepdims=True"
        elif m is not None and expected.ndim == 2 and expected.shape[1] == 1 and arr.shape in ((1, m), (m,)):
            hint = ": you summed over the rows (the units); sum over the columns (the examples), axis=1, keepdims=True"
        raise Mistake(f"expected {label} of shape {expected.shape}, got {arr.shape}{hint}")
    bad = ~np.isfinite(arr)
    if bad.any() and np.isfinite(expected).all():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Mistake(
            f"{label} holds {int(bad.sum())} NaN or inf value(s), the first at index {first}: "
            "an overflow in exp, a log of 0 or a division by 0? Look for a numerically stable form"
        )
    if np.allclose(arr, expected, rtol=rtol, atol=atol):
        return arr
    for wrong, message in mistakes:
        if wrong is not None and wrong.shape == arr.shape and np.allclose(arr, wrong, rtol=1e-6, atol=1e-9):
            raise Mistake(f"{label}: {message}")
    ratio = _constant_ratio(arr, expected)
    if ratio is not None:
        raise Mistake(f"{label}: {_ratio_message(ratio, m)}")
    i = np.unravel_index(np.argmax(np.abs(arr - expected)), arr.shape)
    idx = tuple(int(j) for j in i)
    raise Mistake(
        f"{label} differs from the expected values: at index {idx} you have {arr[i]:.6g}, expected {expected[i]:.6g}"
    )


def expect_gradient(
    label: str,
    got,
    expected: np.ndarray,
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    mistakes: list[tuple[np.ndarray, str]] = (),
    m: int | None = None,
) -> np.ndarray:
    """``expect_array`` for a gradient of f at x: an unexplained difference is reported as a failed
    gradient check (finite differences of f), with its relative error."""
    try:
        return expect_array(label, got, expected, mistakes, m=m)
    except Mistake as exc:
        if "differs from the expected values" not in str(exc):
            raise
        gradient_consistent(label, f, x, np.asarray(got, dtype=np.float64))
        raise


def _constant_ratio(arr: np.ndarray, expected: np.ndarray) -> float | None:
    """k if arr ≈ k·expected for one constant k, else None."""
    scale = float(np.dot(expected.ravel(), expected.ravel()))
    if scale == 0:
        return None
    k = float(np.dot(arr.ravel(), expected.ravel())) / scale
    if np.allclose(arr, k * expected, rtol=1e-6, atol=1e-9):
        return k
    return None


def _ratio_message(k: float, m: int | None) -> str:
    if np.isclose(k, -1.0):
        return "wrong sign: every value is the negative of the expected one"
    if m is not None and m > 1 and np.isclose(k, m):
        return f"your values are m = {m} times too large: average over the batch (divide by m)"
    if m is not None and m > 1 and np.isclose(k, 1.0 / m):
        return f"your values are m = {m} times too small: you divided by m once too often"
    if np.isclose(k, 2.0):
        return "your values are twice the expected ones: is a ½ missing, or a factor 2 too many?"
    if np.isclose(k, 0.5):
        return "your values are half the expected ones: is there an extra ½?"
    if np.isclose(k, 0.0):
        return "your values are all zero"
    return f"your values are {k:.4g} times the expected ones: a constant factor is wrong"


def expect_number(label: str, got, expected: float, rtol: float = 1e-6, atol: float = 1e-9, m: int | None = None):
    """Compare a scalar (a loss...) with the reference, naming a constant factor."""
    value = as_number(label, got)
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return value
    if expected != 0 and np.isclose(value / expected, round(value / expected, 6), rtol=1e-6):
        k = value / expected
        if any(np.isclose(k, c) for c in (-1.0, 2.0, 0.5) + ((m, 1.0 / m) if m else ())):
            raise Mistake(f"{label}: {_ratio_message(k, m)}")
    raise Mistake(f"{label} is {value:.6g}, expected {expected:.6g}")


def expect_keys(label: str, got, keys) -> dict:
    """``got`` must be a dict with exactly these keys."""
    if got is None:
        raise Mistake(f"{label} is None: did you forget the `return` statement?")
    if not isinstance(got, dict):
        raise Mistake(f"{label} should be a dict with keys {sorted(keys)}; got {type(got).__name__}")
    missing, extra = set(keys) - set(got), set(got) - set(keys)
    if missing:
        raise Mistake(f"{label} lacks the key(s) {sorted(missing)}")
    if extra:
        raise Mistake(f"{label} has unexpected key(s) {sorted(extra)}; expected exactly {sorted(keys)}")
    return got


def expect_tuple(label: str, got, n: int) -> tuple:
    """``got`` must be a tuple (or list) of n items."""
    if got is None:
        raise Mistake(f"{label} is None: did you forget the `return` statement?")
    if not isinstance(got, (tuple, list)) or len(got) != n:
        what = f"{len(got)} item(s)" if isinstance(got, (tuple, list)) else type(got).__name__
        raise Mistake(f"{label} should be a tuple of {n} values; got {what}")
    return tuple(got)


def gradient_consistent(label: str, f: Callable[[np.ndarray], float], x: np.ndarray, grad: np.ndarray) -> None:
    """Gradient check: ``grad`` must match centered differences of ``f`` at ``x``."""
    from ..gradcheck import numerical_gradient, rel_error

    with np.errstate(all="ignore"):
        num = numerical_gradient(f, x.copy(), h=1e-5)
    err = rel_error(grad, num)
    if not err < 1e-5:
        raise Mistake(
            f"{label} fails the gradient check (relative error {err:.1e} against finite differences): "
            "it is not the derivative of the loss"
        )


# ---- the feedback block and the decorator ------------------------------------------------------


def _block(status: str, title: str, points: float, earned: float, lines: list[str]) -> str:
    unit = "point" if points == 1 else "points"
    head = f"[{status}] {title} ({earned:g}/{points:g} {unit})"
    body = []
    for line in lines:
        for part in line.split("\n"):
            body.append("       " + part)
    return "\n".join([head, *body])


def report(title: str, points: float, error: Exception | None, grade_id: str) -> bool:
    """Print the block for one check; under a grader, raise AssertionError when it did not pass."""
    if error is None:
        print(_block("PASS", title, points, points, []))
        return True
    if isinstance(error, NotImplementedYet):
        text = _block(
            "TODO",
            title,
            points,
            0,
            ["not implemented yet: replace `raise NotImplementedError()` with your code, then run this cell again"],
        )
    elif isinstance(error, Mistake):
        text = _block("FAIL", title, points, 0, [str(error)])
    else:
        text = _block("FAIL", title, points, 0, [f"the check could not run your code: {type(error).__name__}: {error}"])
    print(text)
    if grading():
        raise AssertionError(f"{grade_id}: {text}")
    return False


def item(grade_id: str, points: float, title: str):
    """Register a check: ``@item('ex01_sigmoid', 2, 'sigmoid')`` over ``def check(fn, ...)``.

    The wrapped check prints one block and returns None (so a cell shows only the block).
    """

    def decorate(body: Callable) -> Callable:
        @functools.wraps(body)
        def run(*args, **kwargs) -> None:
            try:
                with np.errstate(all="ignore"):  # the checks' own arithmetic on wrong answers stays quiet
                    body(*args, **kwargs)
                error = None
            except (Mistake, NotImplementedYet) as exc:
                error = exc
            except TimeLimit:
                error = Mistake("the check ran out of time")
            except Exception as exc:  # a bug we did not foresee must not crash the notebook
                error = exc
            report(title, points, error, grade_id)

        run.grade_id, run.points, run.title = grade_id, points, title
        return run

    return decorate


def answer_digest(question: str, answer) -> str:
    """A short digest of a normalized answer, so the library does not print the answers in clear."""
    text = str(answer).strip().lower()
    return hashlib.sha256(f"{question}:{text}".encode()).hexdigest()[:16]


def multiple_choice(grade_id: str, points: float, title: str, digest: str, choices: str):
    """A check for a multiple-choice question whose right letter has the given digest."""

    @item(grade_id, points, title)
    def check(fn: Callable) -> None:
        got = call(fn, name=title)
        if not isinstance(got, str) or got.strip().lower() not in choices:
            raise Mistake(f"return one letter among {', '.join(repr(c) for c in choices)}; got {got!r}")
        if answer_digest(grade_id, got) != digest:
            raise Mistake(f"{got.strip().lower()!r} is not the right choice: reread the section and try again")

    return check


def numeric_answer(grade_id: str, points: float, title: str, value: float, rtol: float = 1e-3):
    """A check for a question whose answer is a number (within a relative tolerance)."""

    @item(grade_id, points, title)
    def check(fn: Callable) -> None:
        got = as_number("your answer", call(fn, name=title))
        if not np.isclose(got, value, rtol=rtol, atol=1e-12):
            raise Mistake(f"{got:.6g} is not right: redo the calculation step by step")

    return check
