r"""Checks for exercises/ex02_steps.ipynb (chapter 2: the four steps on a 3-layer network).

The network: input (n_0) → hidden (n_1, sigmoid) → output (n_2, sigmoid), examples in columns.
Graded items: the forward pass; MSE and cross-entropy with their gradients ∂L/∂A; the backward
pass of the network with the MSE loss; a full-batch training loop; two concept questions.
"""

from __future__ import annotations

import numpy as np

from .. import activations as act
from .. import losses
from .core import (
    Mistake,
    as_number,
    call,
    expect_array,
    expect_gradient,
    expect_keys,
    expect_number,
    expect_tuple,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)

NOTEBOOK = "ex02_steps"
KEYS = ("W1", "b1", "W2", "b2")


def reference_forward(X, W1, b1, W2, b2):
    """(Z1, A1, Z2, A2) of the sigmoid–sigmoid network."""
    Z1 = W1 @ X + b1
    A1 = act.sigmoid(Z1)
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, act.sigmoid(Z2)


def reference_backward(X, Y, W2, Z1, A1, Z2, A2) -> dict:
    """Gradients of the mean MSE loss (with the ½) of the sigmoid–sigmoid network."""
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * act.sigmoid_prime(Z2)  # BP1
    dZ1 = (W2.T @ dZ2) * act.sigmoid_prime(Z1)  # BP2
    db1, db2 = dZ1.sum(axis=1, keepdims=True), dZ2.sum(axis=1, keepdims=True)  # BP3
    return {"W1": dZ1 @ X.T, "b1": db1, "W2": dZ2 @ A1.T, "b2": db2}  # BP4


def _problem(r, n0=3, n1=4, n2=2, m=5):
    X = r.normal(size=(n0, m))
    params = {"W1": r.normal(size=(n1, n0)), "b1": r.normal(size=(n1, 1)), "W2": r.normal(size=(n2, n1))}
    params["b2"] = r.normal(size=(n2, 1))
    Y = r.uniform(size=(n2, m))
    return X, Y, params


@item("ex02_forward", 2, "forward")
def forward(fn) -> None:
    """Check ``fn(X, W1, b1, W2, b2)`` returns (Z1, A1, Z2, A2) of the sigmoid network."""
    X, _, p = _problem(rng())
    got = expect_tuple("forward(...)", call(fn, X, p["W1"], p["b1"], p["W2"], p["b2"], name="forward"), 4)
    Z1, A1, Z2, A2 = reference_forward(X, **p)
    no_bias = p["W1"] @ X
    expect_array("Z1", got[0], Z1, mistakes=[(no_bias, "the bias b1 is missing: Z1 = W1 @ X + b1")])
    expect_array("A1", got[1], A1, mistakes=[(Z1, "A1 equals Z1: apply the activation, A1 = σ(Z1)")])
    Z2_from_Z1 = p["W2"] @ Z1 + p["b2"]
    expect_array(
        "Z2",
        got[2],
        Z2,
        mistakes=[
            (Z2_from_Z1, "layer 2 takes the activation A1 = σ(Z1) as its input, not Z1"),
            (p["W2"] @ A1, "the bias b2 is missing: Z2 = W2 @ A1 + b2"),
        ],
    )
    expect_array("A2", got[3], A2, mistakes=[(Z2, "A2 equals Z2: apply the activation σ to the output layer too")])


@item("ex02_mse", 2, "mse")
def mse(fn) -> None:
    """Check ``fn(A, Y)`` returns (L, dA) with L = (1/m) Σ ½‖a − y‖² and dA = (A − Y)/m."""
    r = rng()
    A, Y = r.uniform(size=(3, 6)), r.uniform(size=(3, 6))
    m = A.shape[1]
    L, dA = losses.mse(A, Y)
    got = expect_tuple("mse(A, Y)", call(fn, A, Y, name="mse"), 2)
    value = as_number("the loss L", got[0])
    if np.isclose(value, np.mean((A - Y) ** 2)) or np.isclose(value, 0.5 * np.mean((A - Y) ** 2)):
        raise Mistake(
            "the loss L: you averaged over all n·m entries; sum ½(a − y)² over the units (rows), "
            "then average over the m examples (columns)"
        )
    expect_number("the loss L", value, L, m=m)
    expect_gradient(
        "dA",
        got[1],
        dA,
        lambda A_: losses.mse(A_, Y)[0],
        A,
        mistakes=[(Y - A, "wrong sign: dA = (A − Y)/m"), ((A - Y) / A.size, "divide by m (the examples) only")],
        m=m,
    )


@item("ex02_cross_entropy", 2, "cross_entropy")
def cross_entropy(fn) -> None:
    """Check ``fn(A, Y)`` returns (L, dA) with L = −(1/m) Σ y log a and dA = −Y/(m A), also where a = 0."""
    r = rng()
    n, m = 4, 6
    A = act.softmax(r.normal(size=(n, m)))
    Y = np.zeros((n, m))
    Y[r.integers(0, n, size=m), np.arange(m)] = 1.0
    L, dA = losses.cross_entropy(A, Y)
    got = expect_tuple("cross_entropy(A, Y)", call(fn, A, Y, name="cross_entropy"), 2)
    expect_number("the loss L", got[0], L, m=m)
    expect_gradient(
        "dA",
        got[1],
        dA,
        lambda A_: losses.cross_entropy(A_, Y)[0],
        A,
        mistakes=[
            ((A - Y) / m, "(A − Y)/m is δ = ∂L/∂Z for softmax with cross-entropy; here we want ∂L/∂A = −Y/(m A)"),
            (-Y / A, "your values are m times too large: average over the batch (divide by m)"),
        ],
        m=m,
    )
    # A wrong class may get probability exactly 0: 0 · log 0 must count as 0, not NaN.
    A0 = A.copy()
    wrong = Y == 0
    A0[np.argmax(wrong, axis=0), np.arange(m)] = 0.0
    A0 /= A0.sum(axis=0, keepdims=True)
    L0, dA0 = losses.cross_entropy(A0, Y)
    got0 = expect_tuple("cross_entropy(A, Y)", call(fn, A0, Y, name="cross_entropy"), 2)
    try:
        expect_number("the loss L when a wrong class has probability 0", got0[0], L0, m=m)
        expect_array("dA when a wrong class has probability 0", got0[1], dA0, m=m)
    except Mistake as exc:
        raise Mistake(
            f"{exc}\nhint: 0·log 0 gives NaN in NumPy; clip first, e.g. np.log(np.maximum(A, 1e-12)), "
            "and use the clipped A in dA too"
        ) from None


@item("ex02_backward", 3, "backward")
def backward(fn) -> None:
    """Check ``fn(X, Y, W2, Z1, A1, Z2, A2)`` returns the gradients of the mean MSE loss (with ½)."""
    X, Y, p = _problem(rng())
    m = X.shape[1]
    Z1, A1, Z2, A2 = reference_forward(X, **p)
    got = expect_keys("the returned grads", call(fn, X, Y, p["W2"], Z1, A1, Z2, A2, name="backward"), KEYS)
    ref = reference_backward(X, Y, p["W2"], Z1, A1, Z2, A2)
    dZ2_no_prime = (A2 - Y) / m
    dZ1_no_prime = p["W2"].T @ (dZ2_no_prime * act.sigmoid_prime(Z2))

    def loss(name):
        def f(theta):
            q = dict(p, **{name: theta})
            return losses.mse(reference_forward(X, **q)[3], Y)[0]

        return f

    hints = {
        "W2": [(dZ2_no_prime @ A1.T, "missing σ′(Z2) in the output layer's δ (BP1: δ2 = (A2 − Y)/m ⊙ σ′(Z2))")],
        "b2": [(dZ2_no_prime.sum(axis=1, keepdims=True), "missing σ′(Z2) in the output layer's δ (BP1)")],
        "W1": [(dZ1_no_prime @ X.T, "missing σ′(Z1) in the hidden layer's δ (BP2: δ1 = W2ᵀ δ2 ⊙ σ′(Z1))")],
        "b1": [(dZ1_no_prime.sum(axis=1, keepdims=True), "missing σ′(Z1) in the hidden layer's δ (BP2)")],
    }
    for k in ("W2", "b2", "W1", "b1"):  # output layer first: its mistakes explain the others
        expect_gradient(f"d{k}", got[k], ref[k], loss(k), p[k], mistakes=hints[k], m=m)


@item("ex02_train", 3, "train")
def train(fn) -> None:
    """Check ``fn(X, Y, params, lr, epochs)`` returns (params, losses) of full-batch gradient descent.

    losses[i] is the loss before update i, so losses[0] is the loss of the initial parameters.
    """
    r = rng()
    X, Y, p = _problem(r, n0=2, n1=3, n2=1, m=8)
    lr, epochs = float(r.uniform(0.5, 2.0)), int(r.integers(8, 15))

    def run(sign=-1.0, step=lr, update_b=True):
        q = {k: v.copy() for k, v in p.items()}
        trace = []
        for _ in range(epochs):
            cache = reference_forward(X, **q)
            trace.append(losses.mse(cache[3], Y)[0])
            g = reference_backward(X, Y, q["W2"], *cache)
            q = {k: q[k] + sign * step * g[k] if (update_b or k[0] == "W") else q[k] for k in q}
        return q, np.array(trace)

    ref_params, ref_losses = run()
    got = expect_tuple("train(...)", call(fn, X, Y, p, lr, epochs, name="train"), 2)
    new = expect_keys("the returned params", got[0], KEYS)
    trace = np.asarray(got[1], dtype=float) if isinstance(got[1], (list, tuple, np.ndarray)) else got[1]
    if not isinstance(trace, np.ndarray) or trace.shape != (epochs,):
        shape = trace.shape if isinstance(trace, np.ndarray) else type(trace).__name__
        raise Mistake(f"losses should hold one loss per epoch, {epochs} values; got {shape}")
    final_loss = losses.mse(reference_forward(X, **ref_params)[3], Y)[0]
    if np.allclose(trace, trace[0]):
        raise Mistake("your losses never change: does the loop update the parameters it uses?")
    expect_array(
        "losses",
        trace,
        ref_losses,
        mistakes=[
            (run(sign=+1.0)[1], "the loss goes up: step against the gradient, θ − α·g"),
            (run(step=1.0)[1], "the learning rate is ignored: θ − α·g"),
            (run(update_b=False)[1], "the biases are never updated: update b1 and b2 too"),
            (np.append(ref_losses[1:], final_loss), "losses[0] must be the loss before the first update"),
        ],
    )
    for k in KEYS:
        expect_array(f"the final {k}", new[k], ref_params[k])


q1 = multiple_choice("ex02_q1", 1, "question 1 (which loss for classification)", "9b2b75add8cf0fba", "abcd")
q2 = numeric_answer("ex02_q2", 1, "question 2 (number of parameters)", 43)

ITEMS = {f.grade_id: f for f in (forward, mse, cross_entropy, backward, train, q1, q2)}
