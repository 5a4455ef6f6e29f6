r"""Checks for exercises/ex03_derivation.ipynb (chapter 3: the four equations BP1–BP4).

Here δ^l is the error term of each example (one column per example, no 1/m); the batch mean
enters in the weight gradients: dW^l = (1/m) Δ^l (A^{l-1})ᵀ, db^l = (1/m) Σ_columns Δ^l.
Graded items: δ^L for a sigmoid output with the ½-MSE loss (BP1); the δ recursion (BP2); dW and db
over a batch (BP3, BP4); a centered-difference gradient checker; two concept questions.
"""

from __future__ import annotations

import numpy as np

from .. import activations as act
from .core import Mistake, call, expect_array, expect_gradient, expect_tuple, item, multiple_choice, numeric_answer, rng

NOTEBOOK = "ex03_derivation"


@item("ex03_output_delta", 2, "output_delta")
def output_delta(fn) -> None:
    """Check ``fn(A, Y, Z)`` = (A − Y) ⊙ σ′(Z) (BP1), with A = σ(Z)."""
    r = rng()
    Z = r.normal(size=(3, 5))
    A, Y = act.sigmoid(Z), r.uniform(size=(3, 5))
    m = Z.shape[1]
    expect_gradient(
        "δ^L",
        call(fn, A, Y, Z, name="output_delta"),
        (A - Y) * act.sigmoid_prime(Z),
        lambda Z_: float(0.5 * np.sum((act.sigmoid(Z_) - Y) ** 2)),
        Z,
        mistakes=[
            (A - Y, "missing the factor σ′(z^L): BP1 is δ^L = (a^L − y) ⊙ σ′(z^L)"),
            ((A - Y) * act.sigmoid_prime(A), "σ′ takes z^L, not a^L: use sigmoid_prime(Z)"),
            ((A - Y) * act.sigmoid(Z), "σ′(z) = σ(z)(1 − σ(z)), not σ(z)"),
            ((A - Y) @ act.sigmoid_prime(Z).T, "⊙ is the element-wise product (*), not a matrix product (@)"),
            ((A - Y) * act.sigmoid_prime(Z) / m, "δ here is per example: the 1/m comes later, in dW and db"),
        ],
        m=m,
    )


@item("ex03_hidden_delta", 2, "hidden_delta")
def hidden_delta(fn) -> None:
    """Check ``fn(W_next, delta_next, Z, sigma_prime)`` = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(Z^l) (BP2)."""
    r = rng()
    n_l, n_next, m = 4, 3, 5
    W_next, delta_next, Z = r.normal(size=(n_next, n_l)), r.normal(size=(n_next, m)), r.normal(size=(n_l, m))
    name = ("sigmoid", "tanh")[int(r.integers(0, 2))]
    sigma, sigma_prime = act.ACTIVATIONS[name]
    back = W_next.T @ delta_next
    expect_array(
        "δ^l",
        call(fn, W_next, delta_next, Z, sigma_prime, name="hidden_delta"),
        back * sigma_prime(Z),
        mistakes=[
            (back, "missing ⊙ σ′(z^l): BP2 is δ^l = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(z^l)"),
            (back * sigma(Z), "multiply by σ′(z^l), the derivative, not σ(z^l)"),
            (back * sigma_prime(sigma(Z)), "σ′ takes z^l itself: sigma_prime(Z)"),
        ],
        m=m,
    )


@item("ex03_weight_gradients", 2, "weight_gradients")
def weight_gradients(fn) -> None:
    """Check ``fn(delta, A_prev)`` = (dW, db) with dW = (1/m) δ A_prevᵀ (BP4), db = (1/m) Σ_columns δ (BP3)."""
    r = rng()
    n_l, n_prev, m = 3, 4, 6
    delta, A_prev = r.normal(size=(n_l, m)), r.normal(size=(n_prev, m))
    dW, db = expect_tuple("weight_gradients(...)", call(fn, delta, A_prev, name="weight_gradients"), 2)
    expect_array(
        "dW",
        dW,
        delta @ A_prev.T / m,
        mistakes=[(delta @ A_prev.T, f"your dW is m = {m} times too large: average over the batch (divide by m)")],
        m=m,
    )
    expect_array(
        "db",
        db,
        delta.sum(axis=1, keepdims=True) / m,
        m=m,
    )


@item("ex03_numerical_gradient", 2, "numerical_gradient")
def numerical_gradient(fn) -> None:
    """Check ``fn(f, x, h)`` = centered differences (f(x + h e_i) − f(x − h e_i)) / 2h for every entry of x."""
    r = rng()
    x = r.normal(size=(3, 2))
    h = 1e-4

    def f(v):
        return float(np.sum(np.sin(v) * v**2) + np.sum(v) ** 2)

    def differences(kind):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            e = np.zeros_like(x)
            e[i] = h
            g[i] = (f(x + e) - f(x - e)) / (2 * h) if kind == "centered" else (f(x + e) - f(x)) / h
        return g

    exact = np.cos(x) * x**2 + 2 * x * np.sin(x) + 2 * np.sum(x)
    got = call(
        fn,
        f,
        x,
        h,
        name="numerical_gradient",
        mutation_hint="after evaluating f(x + h e_i) and f(x − h e_i), put the old value of x[i] back",
    )
    centered = differences("centered")
    expect_array(
        "your gradient",
        got,
        exact,
        mistakes=[
            (differences("forward"), "that is the forward difference (f(x+h) − f(x))/h; use the centered one"),
            (2 * centered, "twice the expected values: divide by 2h, not h"),
            (-centered, "wrong sign: (f(x + h) − f(x − h)) / 2h"),
        ],
        rtol=1e-5,
        atol=1e-6,
    )
    if not np.allclose(centered, got, rtol=1e-7, atol=1e-8):
        raise Mistake("your gradient is close but not the centered difference with the given h: do you use h?")


q1 = multiple_choice("ex03_q1", 1, "question 1 (the shape of δ^l)", "efe9ddff745e90d9", "abcd")
q2 = numeric_answer("ex03_q2", 1, "question 2 (cost of finite differences)", 2000)

ITEMS = {f.grade_id: f for f in (output_delta, hidden_delta, weight_gradients, numerical_gradient, q1, q2)}
