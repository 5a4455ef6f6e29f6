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

Messages are translated when they are raised (``bpcourse.i18n``): each is one ``_()`` template with
named fields. The pieces a caller passes in (``hint``, ``what``, ``why``, ``kind``, ``expects``,
``whose``) are translated here too, so a caller passes a literal marked ``N_("...")`` (or a text it
already translated with ``_("...").format(...)``); names of arguments (``name``, ``label``) are code
and stay as they are.
"""

from __future__ import annotations

import contextvars
import functools
import math
import numbers

import numpy as np

from .i18n import N_, _


class BPCourseError(ValueError):
    """A learner-facing error: the message explains what went wrong and how to fix it."""


class BPCourseTypeError(BPCourseError, TypeError):
    """A BPCourseError for an argument of the wrong type where ``except TypeError`` is the documented catch."""


class TrainingDiverged(BPCourseError, FloatingPointError):
    """Raised when training diverges: the loss becomes NaN or inf, or runs away (``DIVERGENCE_FACTOR`` in train.py)."""


def _t(piece: str) -> str:
    """The translation of a piece of a message a caller passed (a template marked ``N_``, or text it
    translated already, which is returned as it is); "" stays "" (gettext would give the catalog header)."""
    return _(piece) if piece else piece


def describe(x) -> str:
    """A short description of ``x`` for a message: its repr, or the shape and dtype of an array."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return _("an array of shape {shape} ({dtype})").format(shape=x.shape, dtype=x.dtype)
    text = repr(x)
    return text if len(text) <= 60 else text[:57] + "..."


# ---- names ------------------------------------------------------------------------------------


def choose(kind: str, name, registry) -> object:
    """Return ``registry[name]``; an unknown name lists the valid ones."""
    if isinstance(name, str) and name in registry:
        return registry[name]
    valid = ", ".join(repr(k) for k in registry)
    raise BPCourseError(
        _("unknown {kind} {name!r}; choose one of {valid}").format(kind=_t(kind), name=name, valid=valid)
    )


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
        return _("a finite number")
    if high is None:
        if low == 0 and low_open:
            return _("a positive number")
        return (_("a number > {low:g}") if low_open else _("a number ≥ {low:g}")).format(low=low)
    if low is None:
        return (_("a number < {high:g}") if high_open else _("a number ≤ {high:g}")).format(high=high)
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    return _("a number in {interval}").format(interval=interval)


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
        what = _t(what) if what else _range_text(low, high, low_open, high_open)
        raise BPCourseError(
            _("{name} must be {what}; got {got}{hint}").format(name=name, what=what, got=describe(x), hint=_t(hint))
        )
    return value


def whole_number(name: str, x, low: int = 0, *, allow_none: bool = False, hint: str = "") -> int | None:
    """``x`` as an int ≥ ``low``: an integer, or a float with no fractional part (not a bool); None if allowed."""
    if x is None and allow_none:
        return None
    n = None
    if isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_)):
        n = int(x)
    else:
        value = _real_value(x)
        if value is not None and value == int(value):
            n = int(value)
    if n is None:
        text = (
            _("{name} must be a whole number ≥ {low} or None; got {got}{hint}")
            if allow_none
            else _("{name} must be a whole number ≥ {low}; got {got}{hint}")
        )
    elif n < low:
        text = (
            _("{name} must be ≥ {low} or None; got {got}{hint}")
            if allow_none
            else _("{name} must be ≥ {low}; got {got}{hint}")
        )
    else:
        return n
    raise BPCourseError(text.format(name=name, low=low, got=describe(x), hint=_t(hint)))


def whole_numbers(name: str, values, example: str) -> list[int]:
    """``values`` (a list, tuple or 1-D array) as a list of ints; ``example`` shows a valid value."""
    is_list = isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.ndim == 1)
    if not is_list:
        raise BPCourseError(
            _("{name} must be a list of whole numbers such as {example}; got {got}").format(
                name=name, example=example, got=describe(values)
            )
        )
    out = []
    for i, v in enumerate(values):
        if isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)):
            out.append(int(v))
            continue
        value = _real_value(v)
        if value is None or value != int(value):
            shown = "[" + ", ".join(describe(u) for u in values) + "]" if len(values) <= 10 else _("the list")
            raise BPCourseError(
                _("{name} must hold whole numbers; got {got} at position {i} of {shown}").format(
                    name=name, got=describe(v), i=i, shown=shown
                )
            )
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
            _(
                "{name} would have shape {shape}: {entries:.3g} entries, {gb:.3g} GB of float64, more than the "
                "{limit:.0e} bpcourse creates; is one of the sizes a typo?"
            ).format(name=name, shape=shape, entries=entries, gb=8 * entries / 1e9, limit=MAX_ENTRIES)
        )


def flag(name: str, x) -> bool:
    """``x`` as a bool: only True or False (also NumPy's) are accepted."""
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    raise BPCourseError(_("{name} must be True or False; got {got}").format(name=name, got=describe(x)))


def seed_value(name: str, seed):
    """A seed for ``np.random.default_rng``: None, a whole number ≥ 0, or a NumPy Generator/SeedSequence."""
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return seed
    return whole_number(name, seed, 0, allow_none=True, hint=N_(" (the same seed gives the same result)"))


def generator(name: str, rng) -> np.random.Generator:
    """Require a NumPy random Generator."""
    if isinstance(rng, np.random.Generator):
        return rng
    raise BPCourseError(
        _("{name} must be a NumPy random generator such as np.random.default_rng(0); got {got}").format(
            name=name, got=describe(rng)
        )
    )


def function(name: str, f, signature: str, allow_none: bool = False):
    """Require something callable (or None if allowed); ``signature`` shows how it is called."""
    if callable(f) or (f is None and allow_none):
        return f
    text = (
        _("{name} must be a function {signature} or None; got {got}")
        if allow_none
        else _("{name} must be a function {signature}; got {got}")
    )
    raise BPCourseTypeError(text.format(name=name, signature=signature, got=describe(f)))


# ---- arrays -----------------------------------------------------------------------------------


def _float_array(name: str, X) -> np.ndarray:
    """``X`` as a float64 array (no copy when it already is one); refuses complex, text and non-numbers."""
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        return X
    try:
        arr = X if isinstance(X, np.ndarray) else np.asarray(X)
    except (TypeError, ValueError) as exc:  # ragged nested lists, ...
        raise BPCourseError(_not_numeric(name, X, exc)) from None
    kind = arr.dtype.kind
    if arr.ndim == 0 and not isinstance(X, np.ndarray) and kind in "OUS":  # None, a dict, a string, ...
        what = "None" if X is None else f"{type(X).__name__} {describe(X)}"
        raise BPCourseError(_("{name} must be a numeric array; got {what}").format(name=name, what=what))
    if kind == "c":
        raise BPCourseError(
            _(
                "{name} must hold real numbers; got complex values ({dtype}): bpcourse has no complex "
                "arithmetic, so pass {name}.real if the imaginary parts are 0"
            ).format(name=name, dtype=arr.dtype)
        )
    if kind in "US":
        raise BPCourseError(
            _(
                "{name} must be a numeric array; got {type} of text ({dtype}): "
                "convert it to numbers first, e.g. np.asarray(values, dtype=float)"
            ).format(name=name, type=type(X).__name__, dtype=arr.dtype)
        )
    if kind == "O":
        for v in arr.flat:
            if not isinstance(v, numbers.Real):
                raise BPCourseError(
                    _("{name} must be a numeric array; got {type} holding {item_type} {item}").format(
                        name=name, type=type(X).__name__, item_type=type(v).__name__, item=describe(v)
                    )
                )
    elif kind not in "biuf":
        raise BPCourseError(
            _("{name} must be a numeric array; got {type} of dtype {dtype}").format(
                name=name, type=type(X).__name__, dtype=arr.dtype
            )
        )
    try:
        return arr.astype(np.float64)
    except (OverflowError, TypeError, ValueError) as exc:
        raise BPCourseError(_not_numeric(name, X, exc)) from None


def _not_numeric(name: str, X, exc: Exception) -> str:
    return _("{name} must be a numeric array; got {type} ({error})").format(name=name, type=type(X).__name__, error=exc)


def real_array(name: str, X, ndim: int | tuple[int, ...] | None = None, finite: bool = True) -> np.ndarray:
    """``X`` as a float64 array of any shape (or of ``ndim`` dimensions), finite unless ``finite=False``."""
    X = _float_array(name, X)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if X.ndim not in allowed:
            if len(allowed) == 1:
                text = _("{name} must be {last}-D; got {ndim}-D shape {shape}")
            else:  # (1, 2) → "1-D or 2-D"
                text = _("{name} must be {first}-D or {last}-D; got {ndim}-D shape {shape}")
            first = "-D or ".join(str(d) for d in allowed[:-1])  # more than two: "1-D or 2-D or 3-D"
            raise BPCourseError(text.format(name=name, first=first, last=allowed[-1], ndim=X.ndim, shape=X.shape))
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
    expects: str = N_("the network"),
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
            hint = _("; for one example use {name}.reshape(-1, 1), for one feature {name}.reshape(1, -1)").format(
                name=name
            )
        raise BPCourseError(
            _("{name} must be 2-D with one example per column, shape (n, m); got {ndim}-D shape {shape}{hint}").format(
                name=name, ndim=X.ndim, shape=X.shape, hint=hint
            )
        )
    if rows is not None and X.shape[0] != rows:
        if cols is None and X.shape[1] == rows:
            raise BPCourseError(
                _(
                    "{name} has shape {shape} but {expects} expects ({rows}, m): "
                    "examples go in columns, one per column; pass {name}.T"
                ).format(name=name, shape=X.shape, expects=_t(expects), rows=rows)
            )
        want = f"({rows}, {cols if cols is not None else 'm'})"
        raise BPCourseError(_("{name} has shape {shape}; expected {want}").format(name=name, shape=X.shape, want=want))
    if cols is not None and X.shape[1] != cols:
        raise BPCourseError(
            _("{name} has shape {shape}; expected ({rows}, {cols}) to match the other input").format(
                name=name, shape=X.shape, rows=X.shape[0], cols=cols
            )
        )
    if X.shape[1] < min_cols:
        raise BPCourseError(
            _("{name} has shape {shape}: {m} example(s) (columns), but at least {min_cols} are needed").format(
                name=name, shape=X.shape, m=X.shape[1], min_cols=min_cols
            )
        )
    check_finite(name, X)
    return X


def check_finite(name: str, X: np.ndarray, hint: str = N_("clean or impute the data before training")) -> None:
    """Refuse arrays holding NaN or inf, saying how many and where the first one is."""
    if X.dtype.kind not in "fc" or np.isfinite(X).all():
        return
    bad = ~np.isfinite(X)
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    raise BPCourseError(
        _("{name} contains {count} NaN or inf value(s), the first at index {first}; {hint}").format(
            name=name, count=int(bad.sum()), first=first, hint=_t(hint)
        )
    )


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
        hint = _("; did you transpose one of them?") if a.shape == b.shape[::-1] else ""
        raise BPCourseError(
            _("{name_a} has shape {shape_a} but {name_b} has shape {shape_b}; they must match{hint}").format(
                name_a=name_a, shape_a=a.shape, name_b=name_b, shape_b=b.shape, hint=hint
            )
        )


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
            _("{name} must hold probabilities in [0, 1] for {why}; got {value:g} at index {index}{hint}").format(
                name=name, why=_t(why), value=P[first], index=first, hint=_t(hint)
            )
        )
    j = int(np.argmax(np.abs(sums - 1.0) > 1e-6))
    raise BPCourseError(
        _(
            "every column of {name} must sum to 1 for {why} (one probability distribution per example); "
            "column {j} sums to {total:.6g}{hint}"
        ).format(name=name, why=_t(why), j=j, total=sums[j], hint=_t(hint))
    )


# ---- dicts of arrays (parameters, gradients) --------------------------------------------------


def _keys(name: str, d, keys, then: str) -> None:
    if not isinstance(d, dict):
        raise BPCourseError(_("{name} must be a dict of NumPy arrays; got {got}").format(name=name, got=describe(d)))
    missing = [k for k in keys if k not in d]
    if missing:
        raise BPCourseError(_("{name} lacks {missing}; {then}").format(name=name, missing=missing, then=then))


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
        _keys(name, d, list(required), _("it needs the keys {keys}").format(keys=list(required)))
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
    then = _("it must have the same keys as {like_name}").format(like_name=like_name)
    _keys(name, d, list(like), then)  # find what is wrong, and say it
    extra = [k for k in d if k not in like]
    if extra:
        raise BPCourseError(
            _("{name} has key(s) {extra} that {like_name} lacks; it must have the same keys as {like_name}").format(
                name=name, extra=extra, like_name=like_name
            )
        )
    for k, ref in like.items():
        g = d[k]
        label = f"{name}[{k!r}]"
        if not isinstance(g, np.ndarray):
            raise BPCourseError(
                _(
                    "{label} is {got}; it must be a NumPy array of shape {shape} like {like_name}[{key!r}] "
                    "(convert it with np.asarray(..., dtype=float))"
                ).format(label=label, got=describe(g), shape=ref.shape, like_name=like_name, key=k)
            )
        if g.shape != ref.shape:
            raise BPCourseError(
                _("{label} has shape {shape} but {like_name}[{key!r}] has {like_shape}").format(
                    label=label, shape=g.shape, like_name=like_name, key=k, like_shape=ref.shape
                )
            )
        check_array(label, g, None, False, False)
    return d


_BROKEN = N_("the network cannot recover from it: re-create it with bp.MLP(...) or restore a saved copy")


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
    whose = _t(whose() if callable(whose) else whose)
    then = _("{whose} has exactly {keys}").format(whose=whose, keys=list(shapes))
    _keys(name, params, list(shapes), then)  # find what is wrong, and say it
    extra = [k for k in params if k not in shapes]
    if extra:
        raise BPCourseError(
            _("{name} has unexpected key(s) {extra}; {whose} has exactly {keys}").format(
                name=name, extra=extra, whose=whose, keys=list(shapes)
            )
        )
    for k, shape in shapes.items():
        check_array(f"{name}[{k!r}]", params[k], shape, True, True, hint=_BROKEN)


def check_array(label: str, a, shape=None, float_only: bool = False, writable: bool = False, hint: str = "") -> None:
    """``a`` must already be a finite real NumPy array (of ``shape``; float and writable if asked): it is used
    in place, so it is not converted."""
    if not isinstance(a, np.ndarray):
        text = (
            _("{label} is {got}; it must be a NumPy array (to set its values: {label}[...] = values)")
            if shape is None
            else _(
                "{label} is {got}; it must be a NumPy array of shape {shape} (to set its values: {label}[...] = values)"
            )
        )
        raise BPCourseError(text.format(label=label, got=describe(a), shape=shape))
    kinds = "f" if float_only else "iuf"
    if a.dtype.kind not in kinds:
        raise BPCourseError(
            _("{label} has dtype {dtype}; it must be a float array: convert it with .astype(float)").format(
                label=label, dtype=a.dtype
            )
        )
    if shape is not None and a.shape != shape:
        if a.ndim == 1 and shape == (a.shape[0], 1):
            tip = _(": a bias is a column, one row per unit, so use .reshape(-1, 1)")
        elif a.shape == shape[::-1]:
            tip = _(": did you transpose it?")
        else:
            tip = ""
        raise BPCourseError(
            _("{label} has shape {shape} but must be {want}{tip}").format(
                label=label, shape=a.shape, want=shape, tip=tip
            )
        )
    if writable and not a.flags.writeable:
        raise BPCourseError(
            _("{label} is read-only, but it is updated in place; assign a writable copy (.copy())").format(label=label)
        )
    check_finite(
        label, a, hint or N_("it would make the parameters NaN or inf: find where it came from (an overflow?)")
    )


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
                _(
                    "{what} gave inf or NaN although its inputs are finite: a value overflowed float64 "
                    "(beyond about 1.8e308); the inputs are too large in magnitude, so scale them down"
                ).format(what=what)
            )
