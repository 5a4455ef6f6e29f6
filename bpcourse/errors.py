"""Input checks whose messages say what was expected, what came, and what to try.

Every public function of bpcourse validates what a learner passes through these
helpers, so a wrong shape, a NaN or a typo in a name fails loudly with advice
instead of producing a silently wrong answer. Each public function checks its
arguments once, at its boundary: the library's own inner loops (the steps of
``bp.train``) run inside ``skip_checks()`` on arrays that were validated once
up front, so validation costs nothing per training step.

What counts as valid, in one place:

- arrays: real numbers (bool, int and float arrays, or lists of numbers, become float64;
  complex, text and other objects are refused) and finite (no NaN or inf);
- numbers (hyperparameters): ``int``/``float`` or NumPy scalars, finite, in the stated
  range; ``True``/``False`` are not numbers;
- whole numbers (sizes, counts, epochs): as numbers, and integral (``2.0`` is 2, ``2.7`` is refused);
- flags: ``True``/``False`` only.
"""

from __future__ import annotations

import contextvars
import functools
import math
import numbers

import numpy as np


class BPCourseError(ValueError):
    """A learner-facing error: the message explains what went wrong and how to fix it."""


class BPCourseTypeError(BPCourseError, TypeError):
    """A BPCourseError for an argument of the wrong type where ``except TypeError`` is the documented catch."""


class TrainingDiverged(BPCourseError, FloatingPointError):
    """Raised when training diverges: the loss becomes NaN or inf, or runs away (``DIVERGENCE_FACTOR`` in train.py)."""


def describe(x) -> str:
    """A short description of ``x`` for a message: its repr, or the shape and dtype of an array."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return f"an array of shape {x.shape} ({x.dtype})"
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- names ------------------------------------------------------------------------------------


def choose(kind: str, name, registry) -> object:
    """Return ``registry[name]``; an unknown name lists the valid ones."""
    if isinstance(name, str) and name in registry:
        return registry[name]
    valid = ", ".join(repr(k) for k in registry)
    raise BPCourseError(f"unknown {kind} {name!r}; choose one of {valid}")


# ---- scalars ----------------------------------------------------------------------------------


def _real_value(x) -> float | None:
    """float(x) for a finite real number that is not a bool (also a 0-d real array), else None."""
    if isinstance(x, (bool, np.bool_)):
        return None
    if isinstance(x, np.ndarray):
        if x.ndim != 0 or x.dtype.kind not in "iuf":
            return None
        x = x[()]
    if not isinstance(x, numbers.Real):
        return None
    try:
        value = float(x)
    except (OverflowError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _range_text(low, high, low_open: bool, high_open: bool) -> str:
    if low is None and high is None:
        return "a finite number"
    if high is None:
        return "a positive number" if low == 0 and low_open else f"a number {'>' if low_open else '≥'} {low:g}"
    if low is None:
        return f"a number {'<' if high_open else '≤'} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def number(
    name: str,
    x,
    low: float | None = None,
    high: float | None = None,
    *,
    low_open: bool = False,
    high_open: bool = False,
    what: str | None = None,
    hint: str = "",
) -> float:
    """``x`` as a float: a finite real number (not a bool) between ``low`` and ``high``.

    The bounds are included unless ``low_open``/``high_open``; the message says "``name`` must be
    ``what``" (default: the range in words, e.g. "a number in [0, 1)"), what came, and ``hint``.
    """
    value = _real_value(x)
    ok = value is not None
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        what = what or _range_text(low, high, low_open, high_open)
        raise BPCourseError(f"{name} must be {what}; got {describe(x)}{hint}")
    return value


def whole_number(name: str, x, low: int = 0, *, allow_none: bool = False, hint: str = "") -> int | None:
    """``x`` as an int ≥ ``low``: an integer, or a float with no fractional part (not a bool); None if allowed."""
    if x is None and allow_none:
        return None
    alt = " or None" if allow_none else ""
    n = None
    if isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_)):
        n = int(x)
    else:
        value = _real_value(x)
        if value is not None and value == int(value):
            n = int(value)
    if n is None:
        raise BPCourseError(f"{name} must be a whole number ≥ {low}{alt}; got {describe(x)}{hint}")
    if n < low:
        raise BPCourseError(f"{name} must be ≥ {low}{alt}; got {describe(x)}{hint}")
    return n


def whole_numbers(name: str, values, example: str) -> list[int]:
    """``values`` (a list, tuple or 1-D array) as a list of ints; ``example`` shows a valid value."""
    is_list = isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    if not is_list:
        raise BPCourseError(f"{name} must be a list of whole numbers such as {example}; got {describe(values)}")
    out = []
    for i, v in enumerate(values):
        if isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)):
            out.append(int(v))
            continue
        value = _real_value(v)
        if value is None or value != int(value):
            shown = "[" + ", ".join(describe(u) for u in values) + "]" if len(values) <= 10 else "the list"
            raise BPCourseError(f"{name} must hold whole numbers; got {describe(v)} at position {i} of {shown}")
        out.append(int(value))
    return out


MAX_ENTRIES = 10**8
"""The largest array bpcourse creates on request (800 MB of float64): a bigger one is a typo, not a course data set."""


def size_ok(name: str, shape: tuple[int, ...]) -> None:
    """Refuse to create an array of ``shape`` with more than MAX_ENTRIES entries (it would exhaust memory)."""
    n = math.prod(shape)
    if n > MAX_ENTRIES or max(shape, default=0) > MAX_ENTRIES:
        entries = float(n) if n < 10**300 else math.inf
        raise BPCourseError(
            f"{name} would have shape {shape}: {entries:.3g} entries, {8 * entries / 1e9:.3g} GB of float64, more "
            f"than the {MAX_ENTRIES:.0e} bpcourse creates; is one of the sizes a typo?"
        )


def flag(name: str, x) -> bool:
    """``x`` as a bool: only True or False (also NumPy's) are accepted."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise BPCourseError(f"{name} must be True or False; got {describe(x)}")


def seed_value(name: str, seed):
    """A seed for ``np.random.default_rng``: None, a whole number ≥ 0, or a NumPy Generator/SeedSequence."""
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return seed
    return whole_number(name, seed, 0, allow_none=True, hint=" (the same seed gives the same result)")


def generator(name: str, rng) -> np.random.Generator:
    """Require a NumPy random Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    raise BPCourseError(
        f"{name} must be a NumPy random generator such as np.random.default_rng(0); got {describe(rng)}"
    )


def function(name: str, f, signature: str, allow_none: bool = False):
    """Require something callable (or None if allowed); ``signature`` shows how it is called."""
    if callable(f) or (f is None and allow_none):
        return f
    alt = " or None" if allow_none else ""
    raise BPCourseTypeError(f"{name} must be a function {signature}{alt}; got {describe(f)}")


# ---- arrays -----------------------------------------------------------------------------------


def _float_array(name: str, X) -> np.ndarray:
    """``X`` as a float64 array (no copy when it already is one); refuses complex, text and non-numbers."""
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        return X
    try:
        arr = X if isinstance(X, np.ndarray) else np.asarray(X)
    except (TypeError, ValueError) as exc:  # ragged nested lists, ...
        raise BPCourseError(f"{name} must be a numeric array; got {type(X).__name__} ({exc})") from None
    kind = arr.dtype.kind
    if arr.ndim == 0 and not isinstance(X, np.ndarray) and kind in "OUS":  # None, a dict, a string, ...
        what = "None" if X is None else f"{type(X).__name__} {describe(X)}"
        raise BPCourseError(f"{name} must be a numeric array; got {what}")
    if kind == "c":
        raise BPCourseError(
            f"{name} must hold real numbers; got complex values ({arr.dtype}): bpcourse has no complex "
            f"arithmetic, so pass {name}.real if the imaginary parts are 0"
        )
    if kind in "US":
        raise BPCourseError(
            f"{name} must be a numeric array; got {type(X).__name__} of text ({arr.dtype}): "
            "convert it to numbers first, e.g. np.asarray(values, dtype=float)"
        )
    if kind == "O":
        for v in arr.flat:
            if not isinstance(v, numbers.Real):
                raise BPCourseError(
                    f"{name} must be a numeric array; got {type(X).__name__} holding {type(v).__name__} {describe(v)}"
                )
    elif kind not in "biuf":
        raise BPCourseError(f"{name} must be a numeric array; got {type(X).__name__} of dtype {arr.dtype}")
    try:
        return arr.astype(np.float64)
    except (OverflowError, TypeError, ValueError) as exc:
        raise BPCourseError(f"{name} must be a numeric array; got {type(X).__name__} ({exc})") from None


def real_array(name: str, X, ndim: int | tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """``X`` as a float64 array of any shape (or of ``ndim`` dimensions), finite unless ``finite=False``."""
    X = _float_array(name, X)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if X.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise BPCourseError(f"{name} must be {want}; got {X.ndim}-D shape {X.shape}")
    if finite:
        check_finite(name, X)
    return X


def as_matrix(
    name: str,
    X,
    rows: int | None = None,
    cols: int | None = None,
    *,
    min_cols: int = 0,
    expects: str = "the network",
) -> np.ndarray:
    """Check that ``X`` is a finite 2-D float array, optionally with ``rows`` rows, ``cols`` or ≥ ``min_cols`` columns.

    When ``X`` has the right number of columns instead of rows, the message says
    that examples go in columns and suggests passing ``X.T``.
    """
    # C order: a strided view (a column slice of an F-ordered array) can make BLAS ~100× slower.
    X = np.ascontiguousarray(_float_array(name, X))
    if X.ndim != 2:
        hint = ""
        if X.ndim == 1:
            hint = f"; for one example use {name}.reshape(-1, 1), for one feature {name}.reshape(1, -1)"
        raise BPCourseError(
            f"{name} must be 2-D with one example per column, shape (n, m); got {X.ndim}-D shape {X.shape}{hint}"
        )
    if rows is not None and X.shape[0] != rows:
        if cols is None and X.shape[1] == rows:
            raise BPCourseError(
                f"{name} has shape {X.shape} but {expects} expects ({rows}, m): "
                f"examples go in columns, one per column; pass {name}.T"
            )
        want = f"({rows}, {cols if cols is not None else 'm'})"
        raise BPCourseError(f"{name} has shape {X.shape}; expected {want}")
    if cols is not None and X.shape[1] != cols:
        raise BPCourseError(f"{name} has shape {X.shape}; expected ({X.shape[0]}, {cols}) to match the other input")
    if X.shape[1] < min_cols:
        raise BPCourseError(
            f"{name} has shape {X.shape}: {X.shape[1]} example(s) (columns), but at least {min_cols} are needed"
        )
    check_finite(name, X)
    return X


def check_finite(name: str, X: np.ndarray, hint: str = "clean or impute the data before training") -> None:
    """Refuse arrays holding NaN or inf, saying how many and where the first one is."""
    if X.dtype.kind not in "fc" or np.isfinite(X).all():
        return
    bad = ~np.isfinite(X)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise BPCourseError(f"{name} contains {int(bad.sum())} NaN or inf value(s), the first at index {first}; {hint}")


def all_finite(arrays) -> bool:
    """True if no array of ``arrays`` (a list) holds NaN or inf: one cheap sum per array, exact when it is not finite.

    A sum is NaN or ±inf if an entry is; finite sums that overflow fall back to the exact test.
    """
    total = 0.0
    with np.errstate(all="ignore"):
        for a in arrays:
            if a.dtype.kind == "f":
                total += np.add.reduce(a, axis=None)
    return math.isfinite(total) or all(np.isfinite(a).all() for a in arrays if a.dtype.kind == "f")


def same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Require ``a`` and ``b`` to have the same shape, naming both."""
    if a.shape != b.shape:
        hint = "; did you transpose one of them?" if a.shape == b.shape[::-1] else ""
        raise BPCourseError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match{hint}")


def probabilities(name: str, P: np.ndarray, why: str, columns_sum_to_one: bool = False, hint: str = "") -> None:
    """Require every entry of ``P`` in [0, 1] and, if asked, every column to sum to 1 (within 1e-6)."""
    if not P.size:
        return
    if P.min() >= 0 and P.max() <= 1:
        if not columns_sum_to_one:
            return
        sums = np.add.reduce(P, axis=0)
        if sums.min() >= 1 - 1e-6 and sums.max() <= 1 + 1e-6:
            return
    bad = (P < 0) | (P > 1)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise BPCourseError(
            f"{name} must hold probabilities in [0, 1] for {why}; got {P[first]:g} at index {first}{hint}"
        )
    j = int(np.argmax(np.abs(sums - 1.0) > 1e-6))
    raise BPCourseError(
        f"every column of {name} must sum to 1 for {why} (one probability distribution per example); "
        f"column {j} sums to {sums[j]:.6g}{hint}"
    )


# ---- dicts of arrays (parameters, gradients) --------------------------------------------------


def _keys(name: str, d, keys, then: str) -> None:
    if not isinstance(d, dict):
        raise BPCourseError(f"{name} must be a dict of NumPy arrays; got {describe(d)}")
    missing = [k for k in keys if k not in d]
    if missing:
        raise BPCourseError(f"{name} lacks {missing}; {then}")


def arrays_dict(
    name: str, d, required=(), *, float_only: bool = False, writable: bool = False, finite: bool = True
) -> dict:
    """A dict of real arrays holding at least the ``required`` keys: float and writable ones if asked,
    finite unless ``finite=False`` (when the caller checks its results instead)."""
    kinds = "f" if float_only else "iuf"
    fine = (
        type(d) is dict
        and all(k in d for k in required)
        and all(
            type(a) is np.ndarray and a.dtype.kind in kinds and (a.flags.writeable or not writable) for a in d.values()
        )
    )
    if not (fine and (not finite or all_finite(list(d.values())))):  # find what is wrong, and say it
        _keys(name, d, list(required), f"it needs the keys {list(required)}")
        for k, a in d.items():
            check_array(f"{name}[{k!r}]", a, None, float_only, writable)
    return d


def arrays_like(name: str, d, like: dict, like_name: str = "params") -> dict:
    """A dict with exactly the keys of ``like``, each a finite real array of the same shape as ``like``'s."""
    fine = (
        type(d) is dict
        and d.keys() == like.keys()
        and all(type(g) is np.ndarray and g.dtype.kind in "iuf" and g.shape == like[k].shape for k, g in d.items())
    )
    if fine and all_finite(list(d.values())):
        return d
    _keys(name, d, list(like), f"it must have the same keys as {like_name}")  # find what is wrong, and say it
    extra = [k for k in d if k not in like]
    if extra:
        raise BPCourseError(
            f"{name} has key(s) {extra} that {like_name} lacks; it must have the same keys as {like_name}"
        )
    for k, ref in like.items():
        g = d[k]
        label = f"{name}[{k!r}]"
        if not isinstance(g, np.ndarray):
            raise BPCourseError(
                f"{label} is {describe(g)}; it must be a NumPy array of shape {ref.shape} like {like_name}[{k!r}] "
                "(convert it with np.asarray(..., dtype=float))"
            )
        if g.shape != ref.shape:
            raise BPCourseError(f"{label} has shape {g.shape} but {like_name}[{k!r}] has {ref.shape}")
        check_array(label, g, None, False, False)
    return d


_BROKEN = "the network cannot recover from it: re-create it with bp.MLP(...) or restore a saved copy"


def check_params(name: str, params, shapes: dict, whose, finite: bool = True) -> None:
    """``params`` must map exactly the keys of ``shapes`` to writable float arrays of those shapes, finite
    unless ``finite=False`` (when the caller infers it from its results, e.g. the pre-activations).

    ``whose`` names what needs them (e.g. "an MLP with layer sizes [2, 3, 1]"), or is a function returning that.
    """
    fine = (
        type(params) is dict
        and params.keys() == shapes.keys()
        and all(
            type(p) is np.ndarray and p.dtype.kind == "f" and p.shape == shapes[k] and p.flags.writeable
            for k, p in params.items()
        )
    )
    if fine and (not finite or all_finite(list(params.values()))):
        return
    whose = whose() if callable(whose) else whose
    _keys(name, params, list(shapes), f"{whose} has exactly {list(shapes)}")  # find what is wrong, and say it
    extra = [k for k in params if k not in shapes]
    if extra:
        raise BPCourseError(f"{name} has unexpected key(s) {extra}; {whose} has exactly {list(shapes)}")
    for k, shape in shapes.items():
        check_array(f"{name}[{k!r}]", params[k], shape, True, True, hint=_BROKEN)


def check_array(label: str, a, shape=None, float_only: bool = False, writable: bool = False, hint: str = "") -> None:
    """``a`` must already be a finite real NumPy array (of ``shape``; float and writable if asked): it is used
    in place, so it is not converted."""
    if not isinstance(a, np.ndarray):
        want = f" of shape {shape}" if shape is not None else ""
        raise BPCourseError(
            f"{label} is {describe(a)}; it must be a NumPy array{want} (to set its values: {label}[...] = values)"
        )
    kinds = "f" if float_only else "iuf"
    if a.dtype.kind not in kinds:
        raise BPCourseError(f"{label} has dtype {a.dtype}; it must be a float array: convert it with .astype(float)")
    if shape is not None and a.shape != shape:
        if a.ndim == 1 and shape == (a.shape[0], 1):
            tip = ": a bias is a column, one row per unit, so use .reshape(-1, 1)"
        elif a.shape == shape[::-1]:
            tip = ": did you transpose it?"
        else:
            tip = ""
        raise BPCourseError(f"{label} has shape {a.shape} but must be {shape}{tip}")
    if writable and not a.flags.writeable:
        raise BPCourseError(f"{label} is read-only, but it is updated in place; assign a writable copy (.copy())")
    check_finite(label, a, hint or "it would make the parameters NaN or inf: find where it came from (an overflow?)")


# ---- the boundary of a public function ---------------------------------------------------------

_CHECKED = contextvars.ContextVar("bpcourse_arguments_checked", default=False)


class skip_checks:  # noqa: N801 - a context manager used like np.errstate
    """Inside this context the ``@checked`` functions skip their checks and warnings are the caller's business.

    For the library's inner loops, whose arrays were validated once at a public entry point: the
    training loop runs every step inside one, so the checks cost nothing per step. The context
    is per thread (a ``contextvars.ContextVar``) and nests.
    """

    __slots__ = ("_token",)

    def __enter__(self):
        self._token = _CHECKED.set(True)
        return self

    def __exit__(self, *exc) -> None:
        _CHECKED.reset(self._token)


def checked(check):
    """Decorator: the public function validates its arguments with ``check`` before running.

    ``check`` takes the function's arguments and returns all of them, validated and converted
    (e.g. lists to float arrays), as a tuple in signature order, or raises BPCourseError. The body
    then runs with NumPy's floating-point warnings off and inside ``skip_checks()`` (the functions
    it calls trust the checked arrays), and an inf or NaN in a result (an overflow) raises
    BPCourseError. Within ``skip_checks()`` the function runs unchecked, as if undecorated.
    ``help()``, ``inspect.signature`` and ``inspect.getsource`` still show the original function.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def public(*args, **kwargs):
            if _CHECKED.get():
                return fn(*args, **kwargs)
            args = check(*args, **kwargs)
            with skip_checks(), np.errstate(all="ignore"):
                out = fn(*args)
            finite_result(f"{fn.__name__}(...)", out)
            return out

        return public

    return decorate


def finite_result(what: str, out) -> None:
    """Raise if an array or float in ``out`` (or directly in a returned tuple, caches aside) is not finite."""
    items = out if isinstance(out, tuple) and not hasattr(out, "_fields") else (out,)
    for v in items:
        if isinstance(v, np.ndarray):
            ok = v.dtype.kind not in "fc" or bool(np.isfinite(v).all())
        elif isinstance(v, float):
            ok = math.isfinite(v)
        else:
            continue
        if not ok:
            raise BPCourseError(
                f"{what} gave inf or NaN although its inputs are finite: a value overflowed float64 "
                "(beyond about 1.8e308); the inputs are too large in magnitude, so scale them down"
            )
