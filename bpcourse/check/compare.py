r"""Comparing what the learner's code returned with the reference, and turning a difference into words.

Anything may come back: None, a string, a generator, a ragged list of tuples, an object, a huge
array. Each gets a message about what came back; nothing here raises anything but ``Mistake``.
A wrong value goes to the diagnosis engine (``diagnose``), which names the near miss it matches.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..i18n import _
from . import mistakes as M
from .calling import Mistake
from .diagnose import Diagnosis, close, diagnose, swapped

MAX_SIZE = 10_000_000  # entries: a larger answer is a mistake, not something to convert


def _what(got) -> str:
    if isinstance(got, (tuple, list)):
        kinds = sorted({type(x).__name__ for x in got})
        return _("a {kind} of {n} item(s): {kinds}").format(kind=type(got).__name__, n=len(got), kinds=", ".join(kinds))
    if isinstance(got, np.ndarray):
        return _("an array of dtype {dtype}").format(dtype=got.dtype)
    return type(got).__name__


def _labelled(label: str, text: str) -> str:
    return _("{label}: {mistake}").format(label=label, mistake=text)


def _fail(mistake_id: str, **fields):
    raise Mistake(M.message(mistake_id, **fields), mistake_id)


def as_float_array(label: str, got, ndim: int | None = None) -> np.ndarray:
    """``got`` as a float ndarray, or a Mistake naming what came instead (None, a tuple, a generator...)."""
    if got is None:
        _fail(M.NONE, label=label)
    if isinstance(got, (str, bytes)):
        _fail(M.NOT_ARRAY, label=label, what=f"{type(got).__name__} {got!r:.40}")
    if isinstance(got, Iterator) or inspect.isgenerator(got):
        _fail(M.GENERATOR, label=label)
    if isinstance(got, dict):
        _fail(M.NOT_ARRAY, label=label, what=_what(got))
    size = getattr(got, "size", None)
    if isinstance(size, (int, np.integer)) and size > MAX_SIZE:
        _fail(M.TOO_BIG, label=label, size=int(size), shape="…")
    if isinstance(got, np.ndarray) and got.dtype.kind == "c":
        _fail(M.NOT_ARRAY, label=label, what=_("complex numbers"))
    if isinstance(got, np.ndarray) and got.dtype.kind not in "biuf":
        _fail(M.NOT_ARRAY, label=label, what=_what(got))
    if isinstance(got, (tuple, list)):
        if any(isinstance(x, (tuple, list, dict)) and not _numeric(x) for x in got) or not _numeric(got):
            if any(isinstance(x, (tuple, list)) for x in got) or _ragged(got):
                _fail(M.RAGGED, label=label, what=_what(got))
            _fail(M.NOT_ARRAY, label=label, what=_what(got))
    try:
        arr = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        _fail(M.NOT_ARRAY, label=label, what=_what(got))
    if ndim is not None and arr.ndim != ndim:
        raise Mistake(
            _("{label} should be a {ndim}-D array; got {got_ndim}-D with shape {shape}").format(
                label=label, ndim=ndim, got_ndim=arr.ndim, shape=arr.shape
            ),
            M.SHAPE,
        )
    return arr


def _numeric(x) -> bool:
    if isinstance(x, dict):
        return False
    if isinstance(x, np.ndarray):
        return x.dtype.kind in "biuf"
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        return False
    return arr.dtype.kind == "f"


def _ragged(x) -> bool:
    shapes = {np.shape(item) for item in x if _numeric(item)}
    return len(shapes) > 1


def as_number(label: str, got) -> float:
    """``got`` as a Python float, or a Mistake (None, an array of several values, NaN)."""
    if got is None:
        _fail(M.NONE, label=label)
    arr = np.asarray(got) if isinstance(got, (int, float, np.number, np.ndarray, bool)) else None
    if arr is None or arr.dtype.kind not in "biuf" or arr.size != 1:
        what = _what(got)
        if arr is not None and arr.dtype.kind in "biuf":
            what = _("{what} with shape {shape}").format(what=what, shape=arr.shape)
        _fail(M.NOT_NUMBER, label=label, what=what)
    value = float(arr.reshape(-1)[0])
    if not np.isfinite(value):
        raise Mistake(
            _("{label} is {value}: a log of 0, a division by 0 or an overflow?").format(label=label, value=value),
            M.NOT_FINITE,
        )
    return value


def _near(near_misses, mistakes) -> list[tuple[Diagnosis, object]]:
    """Near misses from ``diagnose`` form plus hand-listed (value, message) pairs."""
    out = list(near_misses)
    out += [(Diagnosis("listed", message), wrong) for wrong, message in mistakes if wrong is not None]
    return out


def _shape_message(label: str, arr: np.ndarray, expected: np.ndarray, m: int | None) -> str:
    hint = ""
    if arr.shape == expected.shape[::-1] and len(set(expected.shape)) > 1:
        hint = _(": did you transpose it, or swap two indices?")
    elif arr.ndim == expected.ndim - 1 and arr.shape == tuple(n for n in expected.shape if n != 1):
        hint = _(": keep the column shape with keepdims=True or .reshape(-1, 1)")
    elif arr.size == expected.size:
        hint = _(": reshape it")
    elif expected.ndim == 2 and expected.shape[1] == 1 and arr.ndim == 2 and arr.shape[0] == expected.shape[0]:
        hint = _(": sum over the columns (the examples), axis=1, keepdims=True")
    elif m is not None and expected.ndim == 2 and expected.shape[1] == 1 and arr.shape in ((1, m), (m,)):
        hint = _(": you summed over the rows (the units); sum over the columns (the examples), axis=1, keepdims=True")
    return M.message(M.SHAPE, label=label, expected=expected.shape, got=arr.shape, hint=hint)


def expect_array(
    label: str,
    got,
    expected: np.ndarray,
    mistakes: Iterable[tuple[np.ndarray, str]] = (),
    rtol: float = 1e-6,
    atol: float = 1e-9,
    m: int | None = None,
    near_misses: Iterable[tuple[Diagnosis, object]] = (),
    special: str = "",
    inputs: dict | None = None,
) -> np.ndarray:
    """Compare the learner's array with the reference and name the difference.

    ``near_misses`` are (Diagnosis, value) pairs (``Reference.near_misses``, ``diagnose.given``);
    ``mistakes`` the older (value, message) form. ``m`` (the batch size) lets a result m times too
    large or small be named; ``special`` says what is special where only part of the answer is wrong;
    ``inputs`` ({name: array}) lets an answer that is a plain function of one input be named.
    """
    arr = as_float_array(label, got)
    expected = np.asarray(expected, dtype=np.float64)
    near = _near(near_misses, mistakes)
    if arr.shape != expected.shape:
        for diagnosis, value in near:
            if close(arr, value):
                raise Mistake(_labelled(label, diagnosis.text), diagnosis.id)
        if arr.ndim == 2 and arr.shape == expected.shape[::-1]:
            found = diagnose(arr.T, expected, (), m)
            if found is not None and found.id != M.PARTLY:
                text = _("{shape}; and then: {more}").format(
                    shape=_shape_message(label, arr, expected, m), more=found.text
                )
                raise Mistake(text, M.SHAPE + "+" + found.id)
        raise Mistake(_shape_message(label, arr, expected, m), M.SHAPE)
    if np.allclose(arr, expected, rtol=rtol, atol=atol, equal_nan=True):
        return arr
    raw = np.asarray(got) if isinstance(got, np.ndarray) else None
    if raw is not None and raw.dtype.kind in "biu" and not np.allclose(expected, np.round(expected)):
        text = _("{label}: {mistake} (it came back with dtype {dtype})").format(
            label=label, mistake=M.message(M.ROUNDED), dtype=raw.dtype
        )
        raise Mistake(text, M.ROUNDED)
    bad = ~np.isfinite(arr)
    if bad.any() and np.isfinite(expected).all():
        for diagnosis, value in near:
            if close(arr, value):
                raise Mistake(_labelled(label, diagnosis.text), diagnosis.id)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise Mistake(M.message(M.NOT_FINITE, label=label, count=int(bad.sum()), index=first), M.NOT_FINITE)
    found = diagnose(arr, expected, near, m, special, inputs=inputs)
    if found is not None:
        raise Mistake(_labelled(label, found.text), found.id)
    i = np.unravel_index(np.argmax(np.abs(arr - expected)), arr.shape)
    raise Mistake(
        M.message(
            M.DIFFERS, label=label, index=tuple(int(j) for j in i), got=f"{arr[i]:.6g}", expected=f"{expected[i]:.6g}"
        ),
        M.DIFFERS,
    )


def expect_gradient(
    label: str,
    got,
    expected: np.ndarray,
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    mistakes: Iterable[tuple[np.ndarray, str]] = (),
    m: int | None = None,
    near_misses: Iterable[tuple[Diagnosis, object]] = (),
) -> np.ndarray:
    """``expect_array`` for a gradient of f at x: an unexplained difference is reported as a failed
    gradient check (finite differences of f), with its relative error."""
    try:
        return expect_array(label, got, expected, mistakes, m=m, near_misses=near_misses)
    except Mistake as exc:
        if exc.mistake_id != M.DIFFERS:
            raise
        gradient_consistent(label, f, x, np.asarray(got, dtype=np.float64))
        raise


def expect_number(
    label: str,
    got,
    expected: float,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    m: int | None = None,
    near_misses: Iterable[tuple[Diagnosis, object]] = (),
) -> float:
    """Compare a scalar (a loss...) with the reference and name the difference."""
    value = as_number(label, got)
    if np.isclose(value, expected, rtol=rtol, atol=atol):
        return value
    found = diagnose(np.float64(value), np.float64(expected), list(near_misses), m)
    if found is not None and found.id not in (M.FACTOR, M.OFFSET, M.PARTLY):
        raise Mistake(_labelled(label, found.text), found.id)
    raise Mistake(
        _("{label} is {value}, expected {expected}").format(
            label=label, value=f"{value:.6g}", expected=f"{expected:.6g}"
        ),
        M.DIFFERS,
    )


def expect_keys(label: str, got, keys) -> dict:
    """``got`` must be a dict with exactly these keys."""
    if got is None:
        _fail(M.NONE, label=label)
    if not isinstance(got, dict):
        _fail(M.NOT_DICT, label=label, keys=sorted(keys), what=_what(got))
    missing, extra = set(keys) - set(got), set(got) - set(keys)
    if missing:
        _fail(M.MISSING_KEYS, label=label, keys=sorted(missing))
    if extra:
        _fail(M.EXTRA_KEYS, label=label, keys=sorted(extra, key=str), expected=sorted(keys))
    return got


def expect_tuple(label: str, got, n: int) -> tuple:
    """``got`` must be a tuple (or list) of n items."""
    if got is None:
        _fail(M.NONE, label=label)
    if isinstance(got, Iterator) or inspect.isgenerator(got):
        _fail(M.GENERATOR, label=label)
    if not isinstance(got, (tuple, list)) or len(got) != n:
        what = _("{n} item(s)").format(n=len(got)) if isinstance(got, (tuple, list)) else _what(got)
        _fail(M.NOT_TUPLE, label=label, n=n, what=what)
    return tuple(got)


def expect_result(label: str, got, expected, names: list[str], near_misses: Iterable = (), **options):
    """A returned tuple (or dict) as a whole: a near miss of the whole, two swapped entries, then entry by entry.

    ``names`` label the entries (("dW", "db"), or the dict's keys in the order to compare them).
    ``options`` go to ``expect_array`` (m, rtol, atol, special).
    """
    near = list(near_misses)
    if close(got, expected, options.get("rtol", 1e-6), options.get("atol", 1e-9)):
        return got
    for diagnosis, value in near:
        if close(got, value):
            raise Mistake(_labelled(label, diagnosis.text), diagnosis.id)
    found = swapped(got, expected, names)
    if found is not None:
        raise Mistake(_labelled(label, found.text), found.id)
    keys = names if isinstance(expected, dict) else range(len(expected))
    for name, key in zip(names, keys, strict=True):
        parts = [(d, v[key]) for d, v in near if _has(v, key)]
        if np.ndim(expected[key]) == 0 and not isinstance(expected[key], np.ndarray):
            expect_number(name, got[key], float(expected[key]), m=options.get("m"), near_misses=parts)
        else:
            expect_array(name, got[key], expected[key], near_misses=parts, **options)
    return got


def _has(value, key) -> bool:
    if isinstance(value, dict):
        return key in value
    return isinstance(value, (tuple, list)) and isinstance(key, int) and key < len(value)


def gradient_consistent(label: str, f: Callable[[np.ndarray], float], x: np.ndarray, grad: np.ndarray) -> None:
    """Gradient check: ``grad`` must match centered differences of ``f`` at ``x``."""
    from ..gradcheck import numerical_gradient, rel_error

    with np.errstate(all="ignore"):
        num = numerical_gradient(f, x.copy(), h=1e-5)
    err = rel_error(grad, num)
    if not err < 1e-5:
        raise Mistake(M.message(M.FAILS_GRADCHECK, label=label, err=f"{err:.1e}"), M.FAILS_GRADCHECK)
