r"""Checks for exercises/ex01_principles.ipynb (chapter 1: the four stages of training).

Graded items: sigmoid σ(z) = 1/(1 + e^{−z}); its derivative σ′(z) = σ(z)(1 − σ(z));
one gradient-descent update θ ← θ − α ∂L/∂θ for every parameter; three concept questions.
"""

from __future__ import annotations

import numpy as np

from .. import activations as act
from .core import Mistake, call, expect_array, expect_keys, item, multiple_choice, numeric_answer, rng

NOTEBOOK = "ex01_principles"


@item("ex01_sigmoid", 2, "sigmoid")
def sigmoid(fn) -> None:
    """Check ``fn(Z)`` = σ(Z) element-wise on random Z (3, 5), and at z = 0 and |z| up to 1000."""
    Z = rng().normal(0.0, 3.0, size=(3, 5))
    expected = act.sigmoid(Z)
    with np.errstate(all="ignore"):
        wrong_den = 1.0 / (1.0 - np.exp(-Z))
    expect_array(
        "sigmoid(Z)",
        call(fn, Z, name="sigmoid"),
        expected,
        mistakes=[
            (act.sigmoid(-Z), "wrong sign: you computed σ(−z) = 1/(1 + e^{z}); σ(z) = 1/(1 + e^{−z})"),
            (wrong_den, "the denominator is 1 + e^{−z}, not 1 − e^{−z}"),
            (np.exp(-Z), "σ(z) = 1/(1 + e^{−z}): you returned e^{−z} without the 1/(1 + …)"),
        ],
    )
    edge = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    expect_array("sigmoid at z = −1000, −40, 0, 40, 1000", call(fn, edge, name="sigmoid"), act.sigmoid(edge))


@item("ex01_sigmoid_prime", 2, "sigmoid_prime")
def sigmoid_prime(fn) -> None:
    """Check ``fn(Z)`` = σ(Z)(1 − σ(Z)) on random Z (4, 3) and at large |z|."""
    Z = rng().normal(0.0, 2.0, size=(4, 3))
    S = act.sigmoid(Z)
    expect_array(
        "sigmoid_prime(Z)",
        call(fn, Z, name="sigmoid_prime"),
        S * (1.0 - S),
        mistakes=[
            (Z * (1.0 - Z), "σ′(z) = σ(z)(1 − σ(z)) uses σ(z), not z: apply sigmoid first"),
            (S, "that is σ(z) itself: multiply it by (1 − σ(z))"),
            (1.0 - S, "the factor σ(z) is missing: σ′(z) = σ(z)(1 − σ(z))"),
            (S * (1.0 + S), "σ′(z) = σ(z)(1 − σ(z)): a minus, not a plus"),
            (act.sigmoid(S) * (1.0 - act.sigmoid(S)), "you applied sigmoid twice: σ′ takes z, not σ(z)"),
        ],
    )
    edge = np.array([[-1000.0, 0.0, 1000.0]])
    expect_array("sigmoid_prime at z = −1000, 0, 1000", call(fn, edge, name="sigmoid_prime"), np.array([[0, 0.25, 0]]))


@item("ex01_gd_step", 2, "gradient_descent_step")
def gradient_descent_step(fn) -> None:
    """Check ``fn(params, grads, lr)`` returns {name: θ − lr·g} for every parameter, inputs untouched."""
    r = rng()
    shapes = {"W1": (3, 2), "b1": (3, 1), "W2": (1, 3), "b2": (1, 1)}
    params = {k: r.normal(size=s) for k, s in shapes.items()}
    grads = {k: r.normal(size=s) for k, s in shapes.items()}
    lr = float(r.uniform(0.05, 0.5))
    new = expect_keys("the returned dict", call(fn, params, grads, lr, name="gradient_descent_step"), shapes)
    for k in shapes:
        p, g = params[k], grads[k]
        if isinstance(new[k], np.ndarray) and new[k].shape == p.shape and np.allclose(new[k], p):
            kind = "biases are parameters too" if k.startswith("b") else "every parameter takes a step"
            raise Mistake(f"params[{k!r}] was not updated: {kind}")
        expect_array(
            f"the new {k}",
            new[k],
            p - lr * g,
            mistakes=[
                (p + lr * g, "wrong sign: step against the gradient, θ − α·g, to lower the loss"),
                (p - g, "the learning rate α is missing: θ − α·g"),
                (p - g / lr, "multiply the gradient by α, do not divide by it"),
                (-lr * g, "return the new parameter θ − α·g, not only the step −α·g"),
            ],
        )


q1 = multiple_choice("ex01_q1", 1, "question 1 (order of the stages)", "8c4e4c10182d01b1", "abcd")
q2 = numeric_answer("ex01_q2", 1, "question 2 (one step on w²)", 2.4)
q3 = multiple_choice("ex01_q3", 1, "question 3 (a too large learning rate)", "74f832dfbd5bccf0", "abcd")

ITEMS = {f.grade_id: f for f in (sigmoid, sigmoid_prime, gradient_descent_step, q1, q2, q3)}
