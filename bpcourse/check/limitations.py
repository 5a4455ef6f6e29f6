r"""Checks for exercises/ex04_limitations.ipynb (chapter 4: vanishing/exploding gradients and their remedies).

Graded items: per-layer gradient norms ‖∂L/∂W^l‖; Xavier and He initialization (checked by their
statistics, so any correct sampler passes: normal or uniform); gradient clipping by global
norm; two concept questions.
"""

from __future__ import annotations

import numpy as np

from ..optim import global_norm
from ..train import layer_grad_norms as reference_norms
from .core import Mistake, as_float_array, call, expect_array, expect_keys, item, multiple_choice, numeric_answer, rng

NOTEBOOK = "ex04_limitations"


def _grads(r, sizes=(5, 4, 4, 3, 2)):
    grads = {}
    for l in range(1, len(sizes)):
        grads[f"W{l}"] = r.normal(0, 10.0 ** -(len(sizes) - l), size=(sizes[l], sizes[l - 1]))
        grads[f"b{l}"] = r.normal(size=(sizes[l], 1))
    return grads


@item("ex04_layer_grad_norms", 2, "layer_grad_norms")
def layer_grad_norms(fn) -> None:
    """Check ``fn(grads, L)`` = [‖dW^1‖, …, ‖dW^L‖] (Frobenius norms, shape (L,))."""
    grads = _grads(rng())
    L = 4
    norms = reference_norms(grads, L)
    with_b = np.array([np.hypot(norms[l - 1], np.linalg.norm(grads[f"b{l}"])) for l in range(1, L + 1)])
    expect_array(
        "your norms",
        call(fn, grads, L, name="layer_grad_norms"),
        norms,
        mistakes=[
            (norms**2, "those are squared norms: take the square root, ‖dW‖ = √(Σ dW²)"),
            (norms[::-1], "the order is reversed: entry l−1 must be layer l, from the input layer up"),
            (with_b, "use the weights dW^l only, not the biases"),
            (np.array([np.abs(grads[f"W{l}"]).max() for l in range(1, L + 1)]), "use the Frobenius norm, not max |·|"),
        ],
    )


def _check_init(fn, name: str, std_of, candidates: list[tuple[float, str]]) -> None:
    n_out, n_in = 300, 500
    seed = int(rng().integers(0, 2**31))
    W = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed), name=name))
    if W.shape != (n_out, n_in):
        hint = ": did you transpose W? W^l is (n_l, n_{l-1}) = (n_out, n_in)" if W.shape == (n_in, n_out) else ""
        raise Mistake(f"expected W of shape ({n_out}, {n_in}), got {W.shape}{hint}")
    again = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed), name=name))
    if not np.array_equal(W, again):
        raise Mistake("two equally seeded rngs gave different weights: draw with the rng argument, not np.random")
    other = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed + 1), name=name))
    if np.array_equal(W, other):
        raise Mistake("different rngs gave the same weights: the weights must be random draws from rng")
    if not np.isfinite(W).all():
        raise Mistake("W holds NaN or inf values")
    target = std_of(n_out, n_in)
    mean, std = float(W.mean()), float(W.std())
    if abs(mean) > 5 * target / np.sqrt(W.size):
        raise Mistake(f"the weights should have mean 0; yours have mean {mean:.4g}")
    if abs(std / target - 1) > 0.03:
        for value, message in candidates:
            if abs(std / value - 1) < 0.03:
                raise Mistake(f"the standard deviation of W is {std:.4g}, expected {target:.4g}: {message}")
        raise Mistake(f"the standard deviation of W is {std:.4g}, expected {target:.4g} for n_in={n_in}, n_out={n_out}")


@item("ex04_xavier", 2, "xavier_init")
def xavier_init(fn) -> None:
    """Check ``fn(n_out, n_in, rng)`` draws W (n_out, n_in) with mean 0 and variance 2/(n_in + n_out)."""
    n_out, n_in = 300, 500
    _check_init(
        fn,
        "xavier_init",
        lambda o, i: np.sqrt(2.0 / (i + o)),
        [
            (2.0 / (n_in + n_out), "you used the variance 2/(n_in + n_out) as the standard deviation: take its root"),
            (np.sqrt(1.0 / n_in), "that is √(1/n_in) (LeCun); Xavier averages fan-in and fan-out: √(2/(n_in + n_out))"),
            (np.sqrt(2.0 / n_in), "that is He's √(2/n_in); Xavier uses √(2/(n_in + n_out))"),
            (np.sqrt(1.0 / (n_in + n_out)), "the factor 2 is missing: Var(W) = 2/(n_in + n_out)"),
        ],
    )


@item("ex04_he", 2, "he_init")
def he_init(fn) -> None:
    """Check ``fn(n_out, n_in, rng)`` draws W (n_out, n_in) with mean 0 and variance 2/n_in."""
    n_out, n_in = 300, 500
    _check_init(
        fn,
        "he_init",
        lambda o, i: np.sqrt(2.0 / i),
        [
            (2.0 / n_in, "you used the variance 2/n_in as the standard deviation: take its root"),
            (np.sqrt(2.0 / n_out), "He uses the fan-in n_in = n_{l-1} (the number of columns), not n_out"),
            (np.sqrt(1.0 / n_in), "the factor 2 is missing: it makes up for ReLU zeroing half the units"),
            (np.sqrt(2.0 / (n_in + n_out)), "that is Xavier's √(2/(n_in + n_out)); He uses √(2/n_in)"),
        ],
    )


@item("ex04_clip", 2, "clip_by_norm")
def clip_by_norm(fn) -> None:
    """Check ``fn(grads, max_norm)`` rescales all arrays by max_norm/‖g‖ when the global norm ‖g‖ > max_norm."""
    r = rng()
    grads = {k: 10 * v for k, v in _grads(r, sizes=(3, 4, 2)).items()}
    norm = global_norm(grads)
    max_norm = float(norm * r.uniform(0.2, 0.6))
    got = expect_keys("the returned dict", call(fn, grads, max_norm, name="clip_by_norm"), grads)
    for k in sorted(grads, key=lambda k: -np.linalg.norm(grads[k])):  # the largest array tells mistakes apart
        g = grads[k]
        expect_array(
            f"the clipped {k}",
            got[k],
            g * max_norm / norm,
            mistakes=[
                (g * min(1.0, max_norm / np.linalg.norm(g)), "clip by the global norm of all arrays together"),
                (np.clip(g, -max_norm, max_norm), "np.clip caps each value; rescale the whole gradient instead"),
                (
                    g,
                    "the gradient was not clipped although its global norm exceeds max_norm "
                    "(np.clip caps single values only: rescale every array by max_norm/‖g‖)",
                ),
            ],
        )
    small = {k: v / 100 for k, v in grads.items()}
    got = expect_keys("the returned dict", call(fn, small, max_norm, name="clip_by_norm"), small)
    for k, g in small.items():
        expect_array(
            f"{k} when the norm is below max_norm",
            got[k],
            g,
            mistakes=[(g * max_norm / (norm / 100), "a gradient shorter than max_norm must stay as it is")],
        )


q1 = numeric_answer("ex04_q1", 1, "question 1 (the largest value of σ′)", 0.25)
q2 = multiple_choice("ex04_q2", 1, "question 2 (high-dimensional landscapes)", "42c18fa94f2403fa", "abcd")

ITEMS = {f.grade_id: f for f in (layer_grad_norms, xavier_init, he_init, clip_by_norm, q1, q2)}
