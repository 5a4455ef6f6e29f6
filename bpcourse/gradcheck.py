r"""Gradient checking: compare backprop's gradients with centered finite differences.

∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h), with error O(h²) from truncation and
O(ε_machine/h) from round-off; h = 1e-5 balances the two in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .errors import BPCourseError, BPCourseTypeError, check_finite, describe, number, real_array
from .i18n import _


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    r"""Centered differences of a scalar function: g_i = (f(x + h e_i) − f(x − h e_i)) / 2h.

    ``x`` (any shape, float) is perturbed in place one entry at a time and restored
    exactly (also when ``f`` raises), so ``f`` may close over it (e.g. a network's own weight
    array). Returns g with x's shape. Costs 2 evaluations of f per entry.

    x must be finite, h a positive number that changes every x_i (x_i ± h ≠ x_i in float64),
    and f must return one finite real number at every perturbed point; otherwise BPCourseError.
    """
    if not callable(f):
        raise BPCourseTypeError(
            _("f must be a function of x returning one number (the loss); got {got}").format(got=describe(f))
        )
    if not isinstance(x, np.ndarray):
        raise BPCourseTypeError(
            _("x must be a float ndarray (it is perturbed in place); got {type}").format(type=type(x).__name__)
        )
    if not np.issubdtype(x.dtype, np.floating):
        raise BPCourseTypeError(
            _("x must be a float ndarray (it is perturbed in place); got {type} of dtype {dtype}").format(
                type=type(x).__name__, dtype=x.dtype
            )
        )
    h = number("h", h, 0.0, low_open=True, hint=_(" (the step of the differences; try 1e-5)"))
    check_finite("x", x, _("the gradient at a NaN or inf point is undefined"))
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    if not np.shares_memory(flat, x) and x.size > 1:
        raise BPCourseError(_("x must be contiguous so it can be perturbed in place; pass np.ascontiguousarray(x)"))
    if not x.flags.writeable:
        raise BPCourseError(_("x is read-only, but it is perturbed in place; pass a writable copy (x.copy())"))
    for i in range(flat.size):
        old = flat[i]
        up, down = old + h, old - h
        if up == old or down == old or not np.isfinite(up) or not np.isfinite(down):
            raise BPCourseError(
                _(
                    "h={h:g} is too small for {entry} = {value:g}: x ± h rounds back to x (or overflows) in "
                    "{dtype}, so the difference would be 0; use h ≈ 1e-5 × max(1, |x|)"
                ).format(h=h, entry=_entry(x, i), value=old, dtype=x.dtype)
            )
        try:  # f's own overflow warnings are silenced: an inf or NaN it returns is refused below, with the point
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                flat[i] = up
                f_plus = f(x)
                flat[i] = down
                f_minus = f(x)
        finally:
            flat[i] = old
        f_plus, f_minus = _value_of(f_plus, x, i, "+"), _value_of(f_minus, x, i, "−")
        with np.errstate(over="ignore", invalid="ignore"):
            gflat[i] = (f_plus - f_minus) / (2.0 * h)
    check_finite(
        _("the numerical gradient"),
        g,
        _("f changes by more than float64 can hold over 2h = {two_h:g}").format(two_h=2 * h),
    )
    return g


def _entry(x: np.ndarray, i: int) -> str:
    """'x[1, 2]': the entry of x at flat index i."""
    return f"x[{', '.join(str(int(j)) for j in np.unravel_index(i, x.shape))}]"


def _value_of(value, x: np.ndarray, i: int, sign: str) -> float:
    """f's return value as a float: one finite real number, or BPCourseError naming the point."""
    where = f"{_entry(x, i)} {sign} h"
    arr = np.asarray(value) if not isinstance(value, (str, bytes)) else None
    if arr is None or arr.dtype.kind not in "iuf" or arr.size != 1:
        raise BPCourseError(
            _(
                "f must return one real number (the loss); at {where} it returned {got}: "
                "sum or average it to one number"
            ).format(where=where, got=describe(value))
        )
    v = float(arr.reshape(-1)[0])
    if not np.isfinite(v):
        raise BPCourseError(
            _("f returned {value} at {where}: f must be finite near x (a log of 0 or an overflow?)").format(
                value=v, where=where
            )
        )
    return v


def rel_error(a, b) -> float:
    r"""Relative error ‖a − b‖ / max(‖a‖ + ‖b‖, 1e-300) over all entries (0 when both are 0).

    Below ~1e-7 in float64 means backprop is right; above ~1e-4 means a bug. a and b must be
    finite real arrays of the same shape.
    """
    a, b = real_array("a", a, finite=False), real_array("b", b, finite=False)
    for name, v in (("a", a), ("b", b)):
        check_finite(name, v, _("rel_error compares two finite gradients; find where the NaN or inf came from"))
    if a.shape != b.shape:
        raise BPCourseError(_("rel_error needs equal shapes; got {a} and {b}").format(a=a.shape, b=b.shape))
    # Both are scaled by the same power of 2 first: exact, the ratio is unchanged, and nothing overflows.
    big = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0)))
    if big == 0:
        return 0.0
    e = -np.frexp(big)[1]
    a, b = np.ldexp(a, e), np.ldexp(b, e)
    num = np.linalg.norm(a - b)
    return 0.0 if num == 0 else float(num / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300))


class GradCheckReport(NamedTuple):
    """Result of ``check_network``: per-parameter relative errors and the worst entry."""

    errors: dict  # name -> rel_error of that parameter's whole gradient
    worst: str  # parameter with the largest relative error
    index: tuple  # index of the largest |backprop − numerical| inside it
    backprop: float  # backprop's value at that index
    numerical: float  # finite-difference value at that index
    max_error: float  # errors[worst]

    def __str__(self) -> str:
        line = _("{name:>8}: relative error {error:.2e}")
        lines = [line.format(name=k, error=v) for k, v in self.errors.items()]
        lines.append(
            _(
                "worst: {name}{index}  backprop {backprop:.10g}  "
                "numerical {numerical:.10g}  (relative error {error:.2e})"
            ).format(
                name=self.worst,
                index=list(self.index),
                backprop=self.backprop,
                numerical=self.numerical,
                error=self.max_error,
            )
        )
        return "\n".join(lines)


def check_network(net, X, Y, h: float = 1e-5) -> GradCheckReport:
    r"""Check every gradient of ``net`` on (X, Y) against finite differences of ``net.loss``.

    The loss is evaluated in training mode (batch statistics for batch norm) without
    touching the running averages, so it is the same function backprop differentiates.
    """
    from .network import MLP

    if not isinstance(net, MLP):
        raise BPCourseError(_("net must be a bp.MLP network; got {got}").format(got=describe(net)))
    h = number("h", h, 0.0, low_open=True, hint=_(" (the step of the differences; try 1e-5)"))
    grads = net.gradients(X, Y)  # checks X, Y and net.params
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    bn_saved = {k: v.copy() for k, v in net.bn_state.items()}
    errors, worst = {}, None
    with np.errstate(all="ignore"):
        for name, p in net.params.items():
            num = numerical_gradient(lambda _: net._loss(X, Y, True), p, h)
            errors[name] = rel_error(grads[name], num)
            i = np.unravel_index(np.argmax(np.abs(grads[name] - num)), p.shape)
            if worst is None or errors[name] > errors[worst[0]]:
                worst = (name, tuple(int(j) for j in i), float(grads[name][i]), float(num[i]))
    for k, v in bn_saved.items():
        net.bn_state[k][...] = v
    name, index, bp_value, num_value = worst
    return GradCheckReport(errors, name, index, bp_value, num_value, errors[name])
