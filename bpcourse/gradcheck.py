r"""Gradient checking: compare backprop's gradients with centered finite differences.

∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / (2h), with error O(h²) from truncation and
O(ε_machine/h) from round-off; h = 1e-5 balances the two in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    r"""Centered differences of a scalar function: g_i = (f(x + h e_i) − f(x − h e_i)) / 2h.

    ``x`` (any shape, float) is perturbed in place one entry at a time and restored
    exactly, so ``f`` may close over it (e.g. a network's own weight array).
    Returns g with x's shape. Costs 2 evaluations of f per entry.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a float ndarray (it is perturbed in place); got {type(x).__name__}")
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("x must be contiguous so it can be perturbed in place; pass np.ascontiguousarray(x)")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        f_plus = f(x)
        flat[i] = old - h
        f_minus = f(x)
        flat[i] = old
        gflat[i] = (f_plus - f_minus) / (2.0 * h)
    return g


def rel_error(a, b) -> float:
    r"""Relative error ‖a − b‖ / max(‖a‖ + ‖b‖, 1e-300) over all entries (0 when both are 0).

    Below ~1e-7 in float64 means backprop is right; above ~1e-4 means a bug.
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes; got {a.shape} and {b.shape}")
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
        lines = [f"{k:>8}: relative error {v:.2e}" for k, v in self.errors.items()]
        lines.append(
            f"worst: {self.worst}{list(self.index)}  backprop {self.backprop:.10g}  "
            f"numerical {self.numerical:.10g}  (relative error {self.max_error:.2e})"
        )
        return "\n".join(lines)


def check_network(net, X, Y, h: float = 1e-5) -> GradCheckReport:
    r"""Check every gradient of ``net`` on (X, Y) against finite differences of ``net.loss``.

    The loss is evaluated in training mode (batch statistics for batch norm) without
    touching the running averages, so it is the same function backprop differentiates.
    """
    grads = net.gradients(X, Y)
    bn_saved = {k: v.copy() for k, v in net.bn_state.items()}
    errors, worst = {}, None
    for name, p in net.params.items():
        num = numerical_gradient(lambda _: net.loss(X, Y, training=True), p, h)
        errors[name] = rel_error(grads[name], num)
        i = np.unravel_index(np.argmax(np.abs(grads[name] - num)), p.shape)
        if worst is None or errors[name] > errors[worst[0]]:
            worst = (name, tuple(int(j) for j in i), float(grads[name][i]), float(num[i]))
    for k, v in bn_saved.items():
        net.bn_state[k][...] = v
    name, index, bp_value, num_value = worst
    return GradCheckReport(errors, name, index, bp_value, num_value, errors[name])
