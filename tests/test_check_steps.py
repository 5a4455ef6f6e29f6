"""Catalog of wrong (and differently right) implementations for exercises 2: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import steps as S

sig, sig_prime = bp.activations.sigmoid, bp.activations.sigmoid_prime


pytestmark = pytest.mark.usefixtures("check_seed")


def forward_per_column(X, W1, b1, W2, b2):
    cols = [S.reference_forward(X[:, [i]], W1, b1, W2, b2) for i in range(X.shape[1])]
    return tuple(np.hstack([c[k] for c in cols]) for k in range(4))


def forward_no_b1(X, W1, b1, W2, b2):
    return S.reference_forward(X, W1, 0 * b1, W2, b2)


def forward_linear_output(X, W1, b1, W2, b2):
    Z1, A1, Z2, _ = S.reference_forward(X, W1, b1, W2, b2)
    return Z1, A1, Z2, Z2


def forward_z1_into_layer2(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    Z2 = W2 @ Z1 + b2
    return Z1, sig(Z1), Z2, sig(Z2)


def mse_loops(A, Y):
    m = A.shape[1]
    L = sum(0.5 * float(np.sum((A[:, i] - Y[:, i]) ** 2)) for i in range(m)) / m
    return L, (A - Y) / m


def ce_pick(A, Y):
    m = A.shape[1]
    Ac = np.clip(A, 1e-12, None)
    return float(-np.mean(np.log(np.sum(Y * Ac, axis=0)))), -Y / Ac / m


def ce_naive(A, Y):
    return float(-np.sum(Y * np.log(A)) / A.shape[1]), -Y / (A.shape[1] * A)


def backward_loops(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    g = {"W1": 0.0, "b1": 0.0, "W2": 0.0, "b2": 0.0}
    for i in range(m):
        d2 = (A2[:, [i]] - Y[:, [i]]) * sig_prime(Z2[:, [i]])
        d1 = (W2.T @ d2) * sig_prime(Z1[:, [i]])
        g["W2"] = g["W2"] + np.outer(d2, A1[:, i]) / m
        g["b2"] = g["b2"] + d2 / m
        g["W1"] = g["W1"] + np.outer(d1, X[:, i]) / m
        g["b1"] = g["b1"] + d1 / m
    return g


def make_backward(scale=1.0, output_prime=True, hidden_prime=True, transpose_w2=False, sum_b=True, sign=1.0):
    def backward(X, Y, W2, Z1, A1, Z2, A2):
        m = X.shape[1]
        dZ2 = sign * (A2 - Y) / m * scale * (sig_prime(Z2) if output_prime else 1.0)
        dZ1 = (W2.T @ dZ2) * (sig_prime(Z1) if hidden_prime else 1.0)
        dW2 = A1 @ dZ2.T if transpose_w2 else dZ2 @ A1.T
        b = (lambda d: d.sum(axis=1, keepdims=True)) if sum_b else (lambda d: d)
        return {"W1": dZ1 @ X.T, "b1": b(dZ1), "W2": dW2, "b2": b(dZ2)}

    return backward


def make_train(sign=-1.0, update_b=True, record_after=False, epochs_delta=0, copy=True):
    def train(X, Y, params, lr, epochs):
        p = {k: v.copy() for k, v in params.items()} if copy else params
        losses = []
        for _ in range(epochs + epochs_delta):
            cache = S.reference_forward(X, p["W1"], p["b1"], p["W2"], p["b2"])
            if not record_after:
                losses.append(bp.losses.mse(cache[3], Y)[0])
            g = S.reference_backward(X, Y, p["W2"], *cache)
            for k in p:
                if update_b or k[0] == "W":
                    p[k] += sign * lr * g[k]
            if record_after:
                losses.append(bp.losses.mse(S.reference_forward(X, **p)[3], Y)[0])
        return p, losses

    return train


CASES = [
    (S.forward, S.reference_forward, "[PASS]"),
    (S.forward, forward_per_column, "[PASS]"),
    (S.forward, forward_no_b1, "the bias b1 is missing"),
    (S.forward, forward_linear_output, "apply the activation σ to the output layer"),
    (S.forward, forward_z1_into_layer2, "layer 2 takes the activation A1"),
    (S.forward, lambda X, W1, b1, W2, b2: S.reference_forward(X.T, W1, b1, W2, b2), "the shapes do not fit"),
    (S.forward, lambda X, W1, b1, W2, b2: S.reference_forward(X, W1, b1, W2, b2)[3], "tuple of 4 values"),
    (S.mse, bp.losses.mse, "[PASS]"),
    (S.mse, mse_loops, "[PASS]"),
    (S.mse, lambda A, Y: (np.sum((A - Y) ** 2) / A.shape[1], (A - Y) / A.shape[1]), "twice the expected"),
    (S.mse, lambda A, Y: (0.5 * np.sum((A - Y) ** 2), A - Y), "m = 6 times too large"),
    (S.mse, lambda A, Y: (bp.losses.mse(A, Y)[0], (Y - A) / A.shape[1]), "wrong sign"),
    (S.mse, lambda A, Y: (np.mean((A - Y) ** 2), (A - Y) / A.shape[1]), "averaged over all n·m entries"),
    (S.mse, lambda A, Y: (bp.losses.mse(A, Y)[0], ((A - Y) / A.shape[1]).T), "did you transpose"),
    (S.cross_entropy, bp.losses.cross_entropy, "[PASS]"),
    (S.cross_entropy, ce_pick, "[PASS]"),
    (S.cross_entropy, lambda A, Y: (-bp.losses.cross_entropy(A, Y)[0], bp.losses.cross_entropy(A, Y)[1]), "wrong sign"),
    (S.cross_entropy, lambda A, Y: (bp.losses.cross_entropy(A, Y)[0], -Y / A), "m times too large"),
    (S.cross_entropy, lambda A, Y: (bp.losses.cross_entropy(A, Y)[0], (A - Y) / A.shape[1]), "δ = ∂L/∂Z"),
    (S.cross_entropy, ce_naive, "0·log 0 gives NaN"),
    (S.backward, S.reference_backward, "[PASS]"),
    (S.backward, backward_loops, "[PASS]"),
    (S.backward, make_backward(output_prime=False), "missing σ′(Z2)"),
    (S.backward, make_backward(hidden_prime=False), "missing σ′(Z1)"),
    (S.backward, make_backward(scale=5.0), "m = 5 times too large"),
    (S.backward, make_backward(transpose_w2=True), "did you transpose"),
    (S.backward, make_backward(sum_b=False), "sum over the columns"),
    (S.backward, make_backward(sign=-1.0), "wrong sign"),
    (S.train, make_train(), "[PASS]"),
    (S.train, make_train(sign=+1.0), "the loss goes up"),
    (S.train, make_train(update_b=False), "the biases are never updated"),
    (S.train, make_train(record_after=True), "losses[0] must be the loss before the first update"),
    (S.train, make_train(epochs_delta=-1), "one loss per epoch"),
    (S.train, make_train(sign=0.0), "your losses never change"),
    (S.train, make_train(copy=False), "changed its input 'params' in place"),
    (S.q1, lambda: "c", "[PASS]"),
    (S.q1, lambda: "a", "is not the right choice"),
    (S.q2, lambda: 43, "[PASS]"),
    (S.q2, lambda: 35, "is not right"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impl, expected, expect_feedback):
    check(impl)
    expect_feedback(expected)
