"""Catalog of wrong (and differently right) implementations for exercises 3: each must get the right diagnostic."""

from __future__ import annotations

import math

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
    (D.output_delta, lambda A, Y, Z: A - Y, "missing the factor σ′(zᴸ)"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(A), "σ′ takes zᴸ, not aᴸ"),
    (D.output_delta, lambda A, Y, Z: (Y - A) * sig_prime(Z), "wrong sign"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(Z) / A.shape[1], "the 1/m comes later"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig(Z), "σ′(z) = σ(z)(1 − σ(z)), not σ(z)"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * sp(Z), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: (d.T @ W).T * sp(Z), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: W.T @ d, "missing ⊙ σ′(zˡ)"),
    (D.hidden_delta, lambda W, d, Z, sp: (W @ d) * sp(Z), "a transpose (.T) may be missing"),
    (D.hidden_delta, lambda W, d, Z, sp: W.T @ (d * sp(Z)), "the shapes do not fit"),
    # was "expected δ^l of shape (4, 5), got (4, 4)": the message now names the @ itself
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) @ sp(Z).T, "⊙ is the element-wise product"),
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


# ---- a second catalog, written before its messages were seen: each wrong one must be named ------------------


def _key(a):
    if isinstance(a, np.ndarray):
        return ("array", a.shape)
    if isinstance(a, dict):
        return tuple((k, _key(v)) for k, v in a.items())
    return a if isinstance(a, int) else type(a).__name__


class Cached:
    """The first answer for each input shape, stored in a global and returned ever after."""

    def __init__(self, impl):
        self.impl, self.store = impl, {}

    def __call__(self, *args):
        key = tuple(_key(a) for a in args)
        if key not in self.store:
            self.store[key] = self.impl(*args)
        return self.store[key]


def sig_prime_loops(Z):
    out = np.empty_like(Z)
    for i in np.ndindex(Z.shape):
        s = 1 / (1 + math.exp(-float(Z[i])))
        out[i] = s * (1 - s)
    return out


def hidden_delta_loop(W, d, Z, sp):
    out = np.zeros_like(Z)
    for j in range(Z.shape[1]):
        out[:, j] = (W.T @ d[:, j]) * sp(Z[:, j])
    return out


def numgrad_flat_copies(f, x, h=1e-5):
    g = np.empty(x.size)
    for i in range(x.size):
        xp, xm = x.copy().reshape(-1), x.copy().reshape(-1)
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp.reshape(x.shape)) - f(xm.reshape(x.shape))) / (2 * h)
    return g.reshape(x.shape)


def numgrad_add_back(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_backward(f, x, h=1e-5):
    g = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f0 - f(x - e)) / h
    return g


def numgrad_own_h(f, x, h=1e-5):
    return numerical_gradient_copies(f, x, 1e-5)


def numgrad_all_at_once(f, x, h=1e-5):
    return np.full_like(x, (f(x + h) - f(x - h)) / (2 * h))


def numgrad_minus_side(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= h
        f_minus = f(x)
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_restores_plus_only(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old
        x[i] = old - h
        f_minus = f(x)
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_precedence(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (f(x + e) - f(x - e)) / 2 * h
    return g


def numgrad_list(f, x, h=1e-5):
    return list(numerical_gradient_copies(f, x, h).ravel())


def numgrad_generator(f, x, h=1e-5):
    return (v for v in numerical_gradient_copies(f, x, h))


UNSEEN = [
    # output_delta
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime_loops(Z), "[PASS]"),
    (D.output_delta, lambda A, Y, Z: np.multiply(A - Y, A - A**2), "[PASS]"),
    (D.output_delta, lambda A, Y, Z: ((A - Y) * sig_prime(Z)).astype(np.float32), "[PASS]"),
    (D.output_delta, Cached(lambda A, Y, Z: (A - Y) * sig_prime(Z)), "earlier input"),
    (D.output_delta, lambda A, Y, Z: 2 * (A - Y) * sig_prime(Z), "no factor 2"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * Z * (1 - Z), "not Z(1 − Z)"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * sig_prime(A) / A.shape[1], "two mistakes"),
    (D.output_delta, lambda A, Y, Z: np.dot(A - Y, sig_prime(Z)), "element-wise product"),
    (D.output_delta, lambda A, Y, Z: (A - Y).T @ sig_prime(Z), "element-wise product"),
    (D.output_delta, lambda A, Y, Z: ((A - Y) * sig_prime(Z)).sum(axis=1, keepdims=True), "one column per example"),
    (D.output_delta, lambda A, Y, Z: ((A - Y) * sig_prime(Z), A), "return only that array"),
    (D.output_delta, lambda A, Y, Z: (A - Y) * (1 - A), "the factor aᴸ is missing"),
    # hidden_delta
    (D.hidden_delta, hidden_delta_loop, "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: np.einsum("ji,jk->ik", W, d) * sp(Z), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: ((W.T @ d) * sp(Z)).astype(np.float32), "[PASS]"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * sig_prime(Z), "fixed sigmoid′"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * (1 - np.tanh(Z) ** 2), "fixed tanh′"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * sp(sig(Z)), "sigma_prime(Z), not sigma_prime of"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) / Z.shape[1] * sp(Z), "the 1/m comes later"),
    (D.hidden_delta, lambda W, d, Z, sp: (W @ d) * sp(Z), "the transpose of Wˡ⁺¹ is missing"),
    (D.hidden_delta, lambda W, d, Z, sp: W.T @ (d * sp(Z)), "belongs to layer l"),
    (D.hidden_delta, Cached(lambda W, d, Z, sp: (W.T @ d) * sp(Z)), "earlier input"),
    (D.hidden_delta, lambda W, d, Z, sp: (W.T @ d) * sp(Z) * (1 - sp(Z)), "already is the derivative"),
    (D.hidden_delta, lambda W, d, Z, sp: ((W.T @ d) * sp(Z), W), "return only that array"),
    (D.hidden_delta, lambda W, d, Z, sp: (d.T @ W) * sp(Z).T, "came out transposed"),
    # weight_gradients
    (D.weight_gradients, lambda d, A: (np.einsum("im,jm->ij", d, A) / d.shape[1], d.mean(1, keepdims=True)), "[PASS]"),
    (
        D.weight_gradients,
        lambda d, A: ((d[:, None, :] * A[None, :, :]).mean(axis=2), d.mean(axis=1).reshape(-1, 1)),
        "[PASS]",
    ),
    (D.weight_gradients, lambda d, A: [d @ A.T / d.shape[1], d.mean(axis=1, keepdims=True)], "[PASS]"),
    (D.weight_gradients, lambda d, A: (d.mean(axis=1, keepdims=True), d @ A.T / d.shape[1]), "swapped"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[0], d.sum(axis=1, keepdims=True) / d.shape[0]), "examples"),
    (D.weight_gradients, lambda d, A: (d @ A / d.shape[1], d.mean(axis=1, keepdims=True)), "delta @ A_prev.T"),
    (D.weight_gradients, lambda d, A: (d @ A.T / d.shape[1], d.sum() / d.shape[1]), "you summed every entry"),
    (D.weight_gradients, Cached(lambda d, A: (d @ A.T / d.shape[1], d.mean(axis=1, keepdims=True))), "earlier input"),
    (D.weight_gradients, lambda d, A: (x for x in (d @ A.T / d.shape[1], d.mean(axis=1, keepdims=True))), "generator"),
    (
        D.weight_gradients,
        lambda d, A: (d @ A.T / d.shape[1], d.sum(axis=1, keepdims=True)),
        "your db is m = 6 times too large",
    ),
    (
        D.weight_gradients,
        lambda d, A: {"dW": d @ A.T / d.shape[1], "db": d.mean(axis=1, keepdims=True)},
        "tuple of 2",
    ),
    # numerical_gradient
    (D.numerical_gradient, numgrad_flat_copies, "[PASS]"),
    (D.numerical_gradient, numgrad_add_back, "[PASS]"),
    (D.numerical_gradient, numgrad_backward, "backward difference"),
    (D.numerical_gradient, numgrad_own_h, "does not use the given h"),
    (D.numerical_gradient, numgrad_all_at_once, "every entry of x at once"),
    (D.numerical_gradient, numgrad_minus_side, "the minus side"),
    (D.numerical_gradient, Cached(make_numgrad()), "earlier input"),
    (D.numerical_gradient, numgrad_restores_plus_only, "put the old value of x[i] back"),
    (D.numerical_gradient, numgrad_list, "reshape"),
    (D.numerical_gradient, numgrad_generator, "generator"),
    (D.numerical_gradient, numgrad_precedence, "/ (2 * h)"),
    # questions
    (D.q1, lambda: "c", "shape of Wˡ"),
    (D.q1, lambda: "d", "bˡ"),
    (D.q1, lambda: "b", "one example per column"),
    (D.q2, lambda: 2 * 1000, "[PASS]"),
    (D.q2, lambda: 1001, "forward difference"),
    (D.q2, lambda: 1000, "half the right value"),
    (D.q2, lambda: 2001, "does not need f(x)"),
    (D.q2, lambda: 2, "for one parameter"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), UNSEEN, ids=lambda x: getattr(x, "__name__", None))
def test_unseen(check, impl, expected, expect_feedback):
    if isinstance(impl, Cached):
        impl = Cached(impl.impl)  # a fresh store for every run
    check(impl)
    expect_feedback(expected)
