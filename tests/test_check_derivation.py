"""Catalog of wrong (and differently right) implementations for exercises 3: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import derivation as D

sig, sig_prime = bp.activations.sigmoid, bp.activations.sigmoid_prime


pytestmark = pytest.mark.usefixtures("check_seed")


def weight_gradients_loops(delta, A_prev):
    m = delta.shape[1]
    dW, db = np.zeros((delta.shape[0], A_prev.shape[0])), np.zeros((delta.shape[0], 1))
    for i in range(m):
        dW += np.outer(delta[:, i], A_prev[:, i]) / m
        db[:, 0] += delta[:, i] / m
    return dW, db


def make_numgrad(kind="centered", restore=True):
    def numerical_gradient(f, x, h=1e-5):
        g = np.zeros_like(x)
        for i in np.ndindex(x.shape):
            old = x[i]
            x[i] = old + h
            f_plus = f(x)
            x[i] = old - h
            f_minus = f(x)
            if restore:
                x[i] = old
            if kind == "forward":
                x[i] = old
                g[i] = (f_plus - f(x)) / h
            elif kind == "over_h":
                g[i] = (f_plus - f_minus) / h
            elif kind == "sign":
                g[i] = (f_minus - f_plus) / (2 * h)
            else:
                g[i] = (f_plus - f_minus) / (2 * h)
        return g

    return numerical_gradient


def numerical_gradient_copies(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / (2 * h)
    return g


CASES = [
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(Z), "[PASS]"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * A * (1 - A), "[PASS]"),
    (D.output_delta, lambda A, Y, Z: A - Y, "missing the factor σ′(z^L)"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(A), "σ′ takes z^L, not a^L"),
    (D.output_delta, lambda A, Y, Z: (Y - A) * sig_prime(Z), "wrong sign"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(Z) / A.shape[1], "the 1/m comes later"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig(Z), "σ′(z) = σ(z)(1 − σ(z)), not σ(z)"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * sp(Z), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: (d.T @ W).T * sp(Z), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: W.T @ d, "missing ⊙ σ′(z^l)"),
    (D.hidden_delta, lambda W, d, Z, sp: (W @ d) * sp(Z), "a transpose (.T) may be missing"),
    (D.hidden_delta, lambda W, d, Z, sp: W.T @ (d * sp(Z)), "the shapes do not fit"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) @ sp(Z).T, "expected δ^l of shape (4, 5), got (4, 4)"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[1], d.mean(axis=1, keepdims=True)), "[PASS]"),
    (D.weight_gradients, weight_gradients_loops, "[PASS]"),
    (D.weight_gradients, lambda d, A: (d @ A.T, d.sum(axis=1, keepdims=True)), "your dW is m = 6 times too large"),
    (D.weight_gradients, lambda d, A: (A @ d.T / d.shape[1], d.mean(axis=1, keepdims=True)), "did you transpose"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[1], d.mean(axis=1)), "keepdims=True"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[1], d.mean(axis=0, keepdims=True)), "summed over the rows"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[1], d.sum(axis=1, keepdims=True)), "m = 6 times too large"),
    (D.numerical_gradient, make_numgrad(), "[PASS]"),
    (D.numerical_gradient, numerical_gradient_copies, "[PASS]"),
    (D.numerical_gradient, make_numgrad("forward"), "that is the forward difference"),
    (D.numerical_gradient, make_numgrad("over_h"), "divide by 2h, not h"),
    (D.numerical_gradient, make_numgrad(restore=False), "put the old value of x[i] back"),
    (D.numerical_gradient, make_numgrad("sign"), "wrong sign"),
    (D.q1, lambda: "a", "[PASS]"),
    (D.q1, lambda: "b", "is not the right choice"),
    (D.q2, lambda: 2000, "[PASS]"),
    (D.q2, lambda: 1000, "half the right value"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impl, expected, expect_feedback):
    check(impl)
    expect_feedback(expected)
