r"""Probes: calls that catch what one comparison with the reference cannot.

- ``fresh``: call again on new inputs of the same shape (a cached or hard-coded answer);
- ``random_keys``: parameter dicts with other names and another number of layers (hard-coded W1, b1, ...);
- ``stable``: inputs such as ±1000 where the task promises a stable form (an overflow warning fails);
- ``new_object`` and ``dtype``: the "returns a new object" and exact-dtype contracts a task states;
- ``earlier``: the learner's own function from an earlier task, as their notebook defines it, so that a
  later item built on a wrong earlier answer is blamed on the earlier one.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..i18n import _
from . import mistakes as M
from .calling import Mistake, call
from .diagnose import close


def fresh(
    fn: Callable,
    make_args: Callable[[], tuple],
    reference: Callable,
    first_got,
    name: str,
    judge: Callable | None = None,
) -> None:
    """Call ``fn`` on a second draw of inputs of the same shape.

    ``judge(got, args)`` (optional) compares the answer as the item does, raising a Mistake. The order
    matters: a right answer passes; a named mistake on the new inputs is reported as such; only then is
    an answer equal to the first one (for other inputs) called cached; anything else is judge's verdict.
    """
    args = make_args()
    got = call(fn, *args, name=name)
    if close(got, reference(*args)):
        return
    verdict = None
    if judge is not None:
        try:
            judge(got, args)
        except Mistake as exc:
            if exc.mistake_id not in (M.DIFFERS, "unnamed", M.PARTLY, M.FAILS_GRADCHECK):
                raise
            verdict = exc
    if close(got, first_got):
        raise Mistake(M.message(M.CACHED), M.CACHED)
    if verdict is not None:
        raise verdict


def again(got, first, expected) -> None:
    """A later call's answer to new inputs that equals the first call's answer (and is wrong) is a cached one."""
    if not close(got, expected) and close(got, first):
        raise Mistake(M.message(M.CACHED), M.CACHED)


def layer_keys(r: np.random.Generator, usual=("W1", "b1", "W2", "b2")) -> tuple[list[str], int]:
    """Parameter names of a random network other than ``usual``: W1, b1, … WL, bL for L in 1 … 5,
    sometimes with γ and β too, in a shuffled order."""
    while True:
        L = int(r.integers(1, 6))
        keys = []
        for l in range(1, L + 1):
            keys += [f"W{l}", f"b{l}"]
            if r.random() < 0.3 and l < L:
                keys += [f"gamma{l}", f"beta{l}"]
        if set(keys) != set(usual):
            return [keys[i] for i in r.permutation(len(keys))], L


def reordered(d: dict, r: np.random.Generator) -> dict:
    """The same dict with its keys in another order (pairing two dicts by position is then wrong)."""
    keys = list(d)
    order = r.permutation(len(keys))
    if len(keys) > 1 and (order == np.arange(len(keys))).all():
        order = np.roll(order, 1)
    return {keys[i]: d[keys[i]] for i in order}


def random_keys(fn: Callable, args: tuple, keys: list[str], usual: list[str], name: str, judge: Callable) -> None:
    """Run ``fn(*args)`` on dicts keyed by ``keys`` (not the ``usual`` ones); ``judge(got)`` raises a Mistake.

    A function that only handles the usual names fails with a message naming the loop it needs.
    """
    try:
        got = call(fn, *args, name=name)
        if isinstance(got, dict) and set(got) != set(keys) and set(got) <= set(usual) | set(keys):
            raise Mistake(M.message(M.HARD_CODED_KEYS, expected_keys=usual, keys=keys), M.HARD_CODED_KEYS)
        judge(got)
    except Mistake as exc:
        if exc.mistake_id == M.HARD_CODED_KEYS:
            raise
        text = M.message(M.HARD_CODED_KEYS, expected_keys=usual, keys=keys)
        raise Mistake(_("{mistake} ({detail})").format(mistake=text, detail=exc), M.HARD_CODED_KEYS) from None


def stable(fn: Callable, args: tuple, name: str, how: str):
    """Call ``fn`` where the task promises stability: an overflow or invalid-value warning is a mistake."""
    return call(fn, *args, name=name, stable=how)


def new_object(label: str, got, given) -> None:
    """``got`` must not be ``given`` itself, nor share its arrays (a dict of the same arrays counts too)."""
    if got is given:
        raise Mistake(M.message(M.SAME_OBJECT, label=label), M.SAME_OBJECT)
    if isinstance(got, dict) and isinstance(given, dict):
        for k, v in got.items():
            if isinstance(v, np.ndarray) and isinstance(given.get(k), np.ndarray) and np.shares_memory(v, given[k]):
                raise Mistake(M.message(M.SAME_OBJECT, label=f"{label}[{k!r}]"), M.SAME_OBJECT)


def dtype(label: str, got, kinds: str, expected: str) -> None:
    """``got`` must be an array whose dtype kind is one of ``kinds`` ('f' float, 'iu' integer...)."""
    if isinstance(got, np.ndarray) and got.dtype.kind not in kinds:
        raise Mistake(M.message(M.WRONG_DTYPE, label=label, got=got.dtype, expected=expected), M.WRONG_DTYPE)


def earlier(fn: Callable, name: str) -> Callable | None:
    """The learner's function ``name`` from the namespace ``fn`` was defined in (their notebook), or None."""
    namespace = getattr(fn, "__globals__", None)
    other = namespace.get(name) if isinstance(namespace, dict) else None
    return other if callable(other) and other is not fn else None


def blame_earlier(fn: Callable, name: str, reference_with: Callable, got, label: str) -> None:
    """If ``got`` equals ``reference_with(learner's name)``, the item is right on top of a wrong earlier answer.

    ``reference_with(f)`` recomputes the expected answer using ``f`` for the earlier step.
    """
    mine = earlier(fn, name)
    if mine is None:
        return
    try:
        with np.errstate(all="ignore"):
            value = reference_with(mine)
    except Exception:  # the earlier function is broken in some other way: nothing to say here
        return
    if close(got, value):
        raise Mistake(M.message(M.EARLIER, label=label, name=name), M.EARLIER)
