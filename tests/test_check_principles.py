"""Catalog of wrong (and differently right) implementations for exercises 1: each must get the right diagnostic."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpcourse.check import principles as P

pytestmark = pytest.mark.usefixtures("check_seed")


def stable_sigmoid(Z):
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + E), E / (1 + E))


def sigmoid_loops(Z):
    out = np.empty_like(Z)
    for i in np.ndindex(Z.shape):
        z = float(Z[i])
        out[i] = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    return out


def sigmoid_in_place(Z):
    Z *= -1
    return 1 / (1 + np.exp(Z))


def sigmoid_no_return(Z):
    1 / (1 + np.exp(-Z))


def gd_in_place(params, grads, lr):
    for k in params:
        params[k] -= lr * grads[k]
    return params


def gd_loop(params, grads, lr):
    new = {}
    for name in params:
        new[name] = np.subtract(params[name], np.multiply(lr, grads[name]))
    return new


CASES = [
    (P.sigmoid, stable_sigmoid, "[PASS]"),
    (P.sigmoid, sigmoid_loops, "[PASS]"),
    (P.sigmoid, lambda Z: 0.5 * (1 + np.tanh(Z / 2)), "[PASS]"),
    (P.sigmoid, lambda Z: 1 / (1 + np.exp(Z)), "wrong sign"),
    (P.sigmoid, lambda Z: 1 / (1 - np.exp(-Z)), "the denominator is 1 + e⁻ᶻ"),
    (P.sigmoid, lambda Z: np.exp(Z) / (1 + np.exp(Z)), "numerically stable form"),
    (P.sigmoid, lambda Z: 1 / (1 + np.exp(-Z)), "overflows for inputs such as ±1000"),
    (P.sigmoid, sigmoid_in_place, "changed its input 'Z' in place"),
    (P.sigmoid, sigmoid_no_return, "did you forget the `return`"),
    (P.sigmoid_prime, lambda Z: stable_sigmoid(Z) * (1 - stable_sigmoid(Z)), "[PASS]"),
    (P.sigmoid_prime, lambda Z: stable_sigmoid(Z) - stable_sigmoid(Z) ** 2, "[PASS]"),
    (P.sigmoid_prime, lambda Z: Z * (1 - Z), "uses σ(z), not z"),
    (P.sigmoid_prime, lambda Z: stable_sigmoid(Z), "multiply it by (1 − σ(z))"),
    (P.sigmoid_prime, lambda Z: -stable_sigmoid(Z) * (1 - stable_sigmoid(Z)), "wrong sign"),
    (P.sigmoid_prime, lambda Z: 1 - stable_sigmoid(Z), "the factor σ(z) is missing"),
    (P.gradient_descent_step, lambda p, g, lr: {k: p[k] - lr * g[k] for k in p}, "[PASS]"),
    (P.gradient_descent_step, gd_loop, "[PASS]"),
    (P.gradient_descent_step, lambda p, g, lr: {k: p[k] + lr * g[k] for k in p}, "wrong sign"),
    (P.gradient_descent_step, lambda p, g, lr: {k: p[k] - g[k] for k in p}, "the learning rate α is missing"),
    (P.gradient_descent_step, gd_in_place, "changed its input 'params' in place"),
    (
        P.gradient_descent_step,
        lambda p, g, lr: {k: p[k] - lr * g[k] if k[0] == "W" else p[k] for k in p},
        "params['b1'] was not updated: biases are parameters too",
    ),
    (P.gradient_descent_step, lambda p, g, lr: {k: -lr * g[k] for k in p}, "not only the step"),
    (P.gradient_descent_step, lambda p, g, lr: [p[k] - lr * g[k] for k in p], "should be a dict"),
    (P.q1, lambda: "b", "[PASS]"),
    (P.q1, lambda: " B ", "[PASS]"),
    (P.q1, lambda: "d", "is not the right choice"),
    (P.q1, lambda: "forward", "return one letter"),
    (P.q2, lambda: 2.4, "[PASS]"),
    (P.q2, lambda: 2.8, "is not right"),
    (P.q2, lambda: "2.4", "should be one number"),
    (P.q3, lambda: "c", "[PASS]"),
    (P.q3, lambda: "a", "is not the right choice"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impl, expected, expect_feedback):
    check(impl)
    expect_feedback(expected)
