r"""The diagnosis engine: from the reference and the inputs, name the near miss an answer matches.

An item's reference is written once, in textbook form, with named switches for its typical
mistakes (``Reference``): ``eps_inside_sqrt=True``, ``sigma_of="A"``, ``t_offset=1``... Calling it
with each switch, and with each pair of switches, gives the *family of near misses* of that item.

``diagnose(got, expected, near_misses)`` compares a wrong answer with that family, and also with
relations that hold for every item:

- a constant ratio (−1, m, 1/m, 2, ½, a log base, any constant) or a constant offset;
- an element-wise function of the expected value (square, root, abs, rounding, exp, log, 1/x, 1 − x);
- a transpose, or the right rows or columns in another order;
- a one-step lag, for answers that are a sequence of steps;
- right everywhere except in a few rows, columns or entries;
- two returned values swapped;
- a near miss combined with one of these relations (while the time budget lasts).

It returns the first ``Diagnosis`` (a mistake id from ``mistakes`` and the message) or None.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable
from typing import NamedTuple

import numpy as np

from ..i18n import _
from . import mistakes as M

RTOL, ATOL = 1e-6, 1e-9
BUDGET = 0.25  # seconds a diagnosis may spend on pairs of mistakes


class Diagnosis(NamedTuple):
    """A named mistake: ``id`` from the published list ('a+b' for two at once), ``text`` for the learner."""

    id: str
    text: str


def both(first: Diagnosis, second: Diagnosis) -> Diagnosis:
    """Two mistakes in one answer."""
    text = _("two mistakes: {first}; and {second}").format(first=first.text, second=second.text)
    return Diagnosis(f"{first.id}+{second.id}", text)


# ---- closeness of any value --------------------------------------------------------------------------


def leaf(x):
    """A float array for numbers and numeric arrays (bool and int included), or None."""
    if isinstance(x, (bool, int, float, np.number, np.bool_)):
        return np.asarray(x, dtype=np.float64)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
        return x.astype(np.float64, copy=False)
    return None


def close(a, b, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """a ≈ b for numbers, arrays, and tuples, lists and dicts of them (NaN matches NaN)."""
    la, lb = leaf(a), leaf(b)
    if la is not None and lb is not None:
        return la.shape == lb.shape and bool(np.allclose(la, lb, rtol=rtol, atol=atol, equal_nan=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k], rtol, atol) for k in a)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(close(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
    return False


# ---- the near misses of a reference ----------------------------------------------------------------


class Reference:
    """A reference implementation with named switches for its typical mistakes.

    ``fn(*inputs, **switches)`` computes the right answer with no switches, and a near miss
    with one. ``variants`` maps a mistake id to the switches that produce it, e.g.
    ``{"eps_inside_sqrt": {"eps_inside_sqrt": True}, "t_plus_one": {"t_offset": 1}}``.
    """

    def __init__(self, fn: Callable, variants: dict[str, dict], fields: dict | None = None):
        self.fn, self.variants, self.fields = fn, variants, fields or {}

    def __call__(self, *inputs, **switches):
        with np.errstate(all="ignore"):
            return self.fn(*inputs, **switches)

    def near_misses(self, *inputs, pairs: bool = True, **fields) -> Iterable[tuple[Diagnosis, object]]:
        """(diagnosis, value) for each switch, then for each compatible pair of switches."""
        fields = {**self.fields, **fields}
        for mistake_id, switches in self.variants.items():
            value = self._safely(inputs, switches)
            if value is not None:
                yield Diagnosis(mistake_id, M.message(mistake_id, **fields)), value
        if pairs:
            for (id_a, sw_a), (id_b, sw_b) in itertools.combinations(self.variants.items(), 2):
                if sw_a.keys() & sw_b.keys():
                    continue  # two settings of one switch cannot both hold
                value = self._safely(inputs, {**sw_a, **sw_b})
                if value is not None:
                    first = Diagnosis(id_a, M.message(id_a, **fields))
                    yield both(first, Diagnosis(id_b, M.message(id_b, **fields))), value

    def _safely(self, inputs, switches):
        """A near miss, or None when that mistake cannot even be computed for these shapes."""
        try:
            return self(*inputs, **switches)
        except (ValueError, TypeError, IndexError, ZeroDivisionError, FloatingPointError):
            return None


def distinct(draw: Callable[[], tuple], expected: Callable, near: Callable, tries: int = 50, rtol: float = 1e-3):
    """Inputs on which the right answer differs from every near miss (by more than ``rtol``), so that a match names
    one mistake. ``draw()`` gives the inputs, ``expected(*inputs)`` the answer, ``near(*inputs)`` the near misses.
    After ``tries`` draws the last one is used as it is."""
    inputs = draw()
    for _attempt in range(tries):
        right = leaf(expected(*inputs))
        values = [leaf(v) for _diagnosis, v in near(*inputs)]
        if right is not None and all(
            v is None or v.shape != right.shape or not np.allclose(v, right, rtol=rtol, atol=ATOL) for v in values
        ):
            return inputs
        inputs = draw()
    return inputs


def given(pairs: Iterable[tuple[str, object]], **fields) -> list[tuple[Diagnosis, object]]:
    """Near misses written out by hand: (mistake id, value) pairs, with the fields of their messages."""
    return [(Diagnosis(i, M.message(i, **fields)), v) for i, v in pairs]


# ---- relations that hold for every item ------------------------------------------------------------


def _ratio(got: np.ndarray, expected: np.ndarray, m: int | None) -> Diagnosis | None:
    scale = float(np.vdot(expected, expected))
    if scale == 0 or not np.isfinite(scale):
        return None
    k = float(np.vdot(got, expected)) / scale
    if not np.allclose(got, k * expected, rtol=RTOL, atol=ATOL) or np.isclose(k, 1.0):
        return None
    if np.isclose(k, 0.0, atol=1e-12):
        return Diagnosis(M.ZERO, M.message(M.ZERO))
    named = [(-1.0, M.SIGN), (2.0, M.TWICE), (0.5, M.HALF)]
    if m is not None and m > 2:
        named += [(float(m), M.TIMES_M), (1.0 / m, M.OVER_M)]
    for value, mistake_id in named:
        if np.isclose(k, value, rtol=1e-6):
            return Diagnosis(mistake_id, M.message(mistake_id, m=m))
    if got.size == 1:
        return None  # any two numbers have a ratio: only the named slips above mean something
    for base in (np.log(10.0), 1 / np.log(10.0), np.log(2.0), 1 / np.log(2.0)):
        if np.isclose(k, base, rtol=1e-6):
            return Diagnosis(M.LOG_BASE, M.message(M.LOG_BASE, k=f"{k:.4g}"))
    return Diagnosis(M.FACTOR, M.message(M.FACTOR, k=f"{k:.4g}"))


def _offset(got: np.ndarray, expected: np.ndarray) -> Diagnosis | None:
    d = got - expected
    c = float(np.mean(d))
    if got.size > 1 and not np.isclose(c, 0.0, atol=ATOL) and np.allclose(d, c, rtol=RTOL, atol=ATOL + 1e-6 * abs(c)):
        return Diagnosis(M.OFFSET, M.message(M.OFFSET, c=f"{c:.4g}"))
    return None


def _elementwise(got: np.ndarray, expected: np.ndarray) -> Diagnosis | None:
    e = expected
    tests = [
        (M.SQUARED, lambda: e * e),
        (M.ROOT, lambda: np.sqrt(e) if (e >= 0).all() else None),
        (M.ABS, lambda: np.abs(e) if (e < 0).any() else None),
        (M.ROUNDED, lambda: np.floor(e)),
        (M.ROUNDED, lambda: np.trunc(e)),
        (M.ROUNDED, lambda: np.round(e)),
        (M.EXP_OF, lambda: np.exp(np.minimum(e, 700.0))),
        (M.LOG_OF, lambda: np.log(e) if (e > 0).all() else None),
        (M.RECIPROCAL, lambda: 1.0 / e if (e != 0).all() else None),
        (M.ONE_MINUS, lambda: 1.0 - e),
    ]
    for mistake_id, f in tests:
        with np.errstate(all="ignore"):
            value = f()
        if value is not None and not np.allclose(value, e) and np.allclose(got, value, rtol=RTOL, atol=ATOL):
            return Diagnosis(mistake_id, M.message(mistake_id))
    return None


def _order(got: np.ndarray, expected: np.ndarray) -> Diagnosis | None:
    if got.ndim == 2 and got.shape[0] == got.shape[1] and np.allclose(got, expected.T, rtol=RTOL, atol=ATOL):
        return Diagnosis(M.TRANSPOSED, M.message(M.TRANSPOSED))
    for axis, mistake_id in ((0, M.ROWS_PERMUTED), (1, M.COLS_PERMUTED)):
        if got.ndim <= axis or got.shape[axis] < 2:
            continue
        g, e = np.moveaxis(got, axis, 0), np.moveaxis(expected, axis, 0)
        if np.allclose(g, e[::-1], rtol=RTOL, atol=ATOL):
            how = _("they are reversed") if got.ndim > 1 else _("the order is reversed")
            return Diagnosis(mistake_id if got.ndim > 1 else M.PERMUTED, M.message(mistake_id, how=how))
        for k in (1, -1):
            if np.allclose(g, np.roll(e, k, axis=0), rtol=RTOL, atol=ATOL):
                what = (_("values"), _("rows"), _("columns"))[0 if got.ndim == 1 else 1 + axis]
                return Diagnosis(M.SHIFTED, M.message(M.SHIFTED, what=what, k=f"{k:+d}"))
        matches = [[np.allclose(gi, ej, rtol=RTOL, atol=ATOL) for ej in e] for gi in g]
        if all(any(row) for row in matches) and all(any(col) for col in zip(*matches, strict=True)):
            if got.ndim == 1:
                return Diagnosis(M.PERMUTED, M.message(M.PERMUTED))
            how = _("rows are indexed by the first index, columns by the second")
            return Diagnosis(mistake_id, M.message(mistake_id, how=how))
    if got.size > 1 and np.allclose(np.sort(got, axis=None), np.sort(expected, axis=None), rtol=RTOL, atol=ATOL):
        return Diagnosis(M.PERMUTED, M.message(M.PERMUTED))
    return None


def _partly(got: np.ndarray, expected: np.ndarray, special: str = "") -> Diagnosis | None:
    wrong = ~np.isclose(got, expected, rtol=RTOL, atol=ATOL)
    if got.size < 4 or wrong.mean() > 0.5:
        return None
    if got.ndim == 2:
        rows, cols = np.flatnonzero(wrong.any(axis=1)), np.flatnonzero(wrong.any(axis=0))
        if len(rows) * got.shape[1] == wrong.sum() and len(rows) <= got.shape[0] // 2:
            where = _("row(s) {rows}").format(rows=", ".join(str(int(r)) for r in rows))
        elif len(cols) * got.shape[0] == wrong.sum() and len(cols) <= got.shape[1] // 2:
            where = _("column(s) {cols}").format(cols=", ".join(str(int(c)) for c in cols))
        else:
            return None
    else:
        idx = np.flatnonzero(wrong.reshape(-1))
        if len(idx) > 3:
            return None
        where = _("index {index}").format(index=", ".join(str(int(i)) for i in idx))
    special = special or _("a zero, a tie, an edge, or a constant row?")
    return Diagnosis(M.PARTLY, M.message(M.PARTLY, where=where, special=special))


def relations(got: np.ndarray, expected: np.ndarray, m: int | None = None, special: str = "") -> Diagnosis | None:
    """The first relation that holds between the learner's array and the expected one (same shape)."""
    if got.shape != expected.shape or not (np.isfinite(got).all() and np.isfinite(expected).all()):
        return None
    if np.allclose(got, expected, rtol=RTOL, atol=ATOL):
        return None  # no difference to name
    for test in (_ratio(got, expected, m), _offset(got, expected), _elementwise(got, expected), _order(got, expected)):
        if test is not None:
            return test
    return _partly(got, expected, special)


def _sig(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


FUNCTIONS = [  # (name as printed, f): what a learner may return by mistake, as a function of one input
    ("{x}", lambda x: x),
    ("−{x}", lambda x: -x),
    ("tanh({x})", np.tanh),
    ("σ({x})", _sig),
    ("σ′({x}) = σ({x})(1 − σ({x}))", lambda x: _sig(x) * (1.0 - _sig(x))),
    ("tanh′({x}) = 1 − tanh²({x})", lambda x: 1.0 - np.tanh(x) ** 2),
    ("relu({x})", lambda x: np.maximum(x, 0.0)),
    ("exp({x})", lambda x: np.exp(np.minimum(x, 700.0))),
    ("{x}²", lambda x: x * x),
    ("|{x}|", np.abs),
]


def of_inputs(got: np.ndarray, inputs: dict) -> Diagnosis | None:
    """An answer that is a plain function (tanh, σ, σ′, relu, exp, …) of one of the item's inputs."""
    for name, x in inputs.items():
        x = leaf(x)
        if x is None or x.shape != got.shape:
            continue
        for printed, f in FUNCTIONS:
            with np.errstate(all="ignore"):
                value = f(x)
            if np.allclose(got, value, rtol=RTOL, atol=ATOL):
                what = printed.replace("{x}", name)
                return Diagnosis(M.FUNCTION_OF_INPUT, M.message(M.FUNCTION_OF_INPUT, what=what))
    return None


def lag(steps_got: list, steps_expected: list) -> Diagnosis | None:
    """A sequence of per-step answers that runs one step behind or ahead of the expected one."""
    n = len(steps_expected)
    if len(steps_got) != n or n < 2:
        return None
    for t in range(1, n):
        if not close(steps_got[t], steps_expected[t]):
            if close(steps_got[t], steps_expected[t - 1]):
                return Diagnosis(M.LAG_BEHIND, M.message(M.LAG_BEHIND, t=t + 1, t_prev=t))
            if t + 1 < n and close(steps_got[t], steps_expected[t + 1]):
                return Diagnosis(M.LAG_AHEAD, M.message(M.LAG_AHEAD, t=t + 1, t_next=t + 2))
            return None
    return None


def swapped(got, expected, names: list[str]) -> Diagnosis | None:
    """Two entries of a returned tuple (or dict) that hold each other's values."""
    keys = list(expected) if isinstance(expected, dict) else list(range(len(expected)))
    if not isinstance(got, (dict, tuple, list)) or len(got) != len(keys):
        return None
    if isinstance(got, dict) and set(got) != set(keys):
        return None
    for i, j in itertools.combinations(range(len(keys)), 2):
        a, b = keys[i], keys[j]
        if close(got[a], expected[b]) and close(got[b], expected[a]) and not close(got[a], expected[a]):
            order = "(" + ", ".join(names) + ")"
            return Diagnosis(M.SWAPPED, M.message(M.SWAPPED, a=names[i], b=names[j], order=order))
    return None


# ---- the engine ---------------------------------------------------------------------------------------


def diagnose(
    got,
    expected,
    near_misses: Iterable[tuple[Diagnosis, object]] = (),
    m: int | None = None,
    special: str = "",
    budget: float = BUDGET,
    inputs: dict | None = None,
) -> Diagnosis | None:
    """Name the mistake that turns ``expected`` into ``got``, or None.

    ``near_misses`` are (diagnosis, value) pairs from the item (``Reference.near_misses``,
    ``given``); values may be any structure ``close`` compares. ``inputs`` ({name: array}) lets an
    answer that is a plain function of one input (tanh(Z), σ′(Z), …) be named. Singles are tried first, then
    generic relations, then a near miss combined with a relation while ``budget`` seconds last.
    """
    start = time.perf_counter()
    tried = []
    for diagnosis, value in near_misses:
        if close(got, value):
            return diagnosis
        tried.append((diagnosis, value))
        if time.perf_counter() - start > budget:
            break
    g, e = leaf(got), leaf(expected)
    if g is not None and e is not None:
        found = relations(g, e, m, special)
        if found is not None and found.id != M.PARTLY:
            return found
        plain = of_inputs(g, inputs or {})
        if plain is not None:
            return plain
        if g.ndim == 2 and g.shape == e.shape[::-1] and g.shape[0] != g.shape[1]:
            inner = relations(g.T, e, m)
            if inner is not None and inner.id != M.PARTLY:
                return both(Diagnosis(M.TRANSPOSED, M.message(M.TRANSPOSED)), inner)
        for diagnosis, value in tried if g.size > 1 else ():  # one number has too many chance relations
            v = leaf(value)
            if v is None or v.shape != g.shape or "+" in diagnosis.id or time.perf_counter() - start > budget:
                continue
            inner = relations(g, v, m)
            if inner is not None and inner.id != M.PARTLY:
                return both(diagnosis, inner)
        return found
    return None
