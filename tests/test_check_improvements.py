"""Catalog of wrong (and differently right) implementations for exercises 5: each must get the right diagnostic."""

from __future__ import annotations

import math

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import improvements as I

pytestmark = pytest.mark.usefixtures("check_seed")


def momentum_in_place(theta, g, v, lr, beta):
    v *= beta
    v += g
    return theta - lr * v, v


def make_adam(correct=True, t_shift=0, square=True, sign=-1.0):
    def adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * (g * g if square else g)
        tc = t + t_shift
        m_hat = m / (1 - beta1**tc) if correct else m
        v_hat = v / (1 - beta2**tc) if correct else v
        return theta + sign * lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    return adam_step


def adam_loops(theta, g, m, v, t, lr, beta1, beta2, eps):
    theta, m, v = theta.copy(), m.copy(), v.copy()
    for i in np.ndindex(theta.shape):
        m[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
        theta[i] -= lr * (m[i] / (1 - beta1**t)) / (math.sqrt(v[i] / (1 - beta2**t)) + eps)
    return theta, m, v


def bn_loops(Z, gamma, beta, eps):
    out = np.empty_like(Z)
    for j in range(Z.shape[0]):
        mu = sum(Z[j]) / Z.shape[1]
        var = sum((z - mu) ** 2 for z in Z[j]) / Z.shape[1]
        out[j] = gamma[j, 0] * (Z[j] - mu) / math.sqrt(var + eps) + beta[j, 0]
    return out, None


def make_bn(axis=1, ddof=0, eps_on=True, affine=True, swapped=False):
    def batchnorm_forward(Z, gamma, beta, eps):
        mu = Z.mean(axis=axis, keepdims=True)
        var = Z.var(axis=axis, ddof=ddof, keepdims=True)
        Z_hat = (Z - mu) / np.sqrt(var + (eps if eps_on else 0.0))
        if not affine:
            return Z_hat, None
        return (beta * Z_hat + gamma if swapped else gamma * Z_hat + beta), None

    return batchnorm_forward


def bn_backward_staged(dout, cache):
    # The computational graph step by step: through ẑ, then σ² and μ, which depend on every column.
    Z_hat, inv_std, gamma, _ = cache
    m = dout.shape[1]
    dZ_hat = gamma * dout
    Zc = Z_hat / inv_std  # z − μ
    dvar = np.sum(dZ_hat * Zc, axis=1, keepdims=True) * -0.5 * inv_std**3
    dmu = -np.sum(dZ_hat * inv_std, axis=1, keepdims=True) + dvar * np.mean(-2 * Zc, axis=1, keepdims=True)
    dZ = dZ_hat * inv_std + dvar * 2 * Zc / m + dmu / m
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def make_bn_backward(constant_stats=False, sum_gamma=True, beta_axis=1):
    def batchnorm_backward(dout, cache):
        dZ, dgamma, dbeta = bp.layers.batchnorm_backward(dout, cache)
        if constant_stats:
            dZ = cache.gamma * dout * cache.inv_std
        if not sum_gamma:
            dgamma = dout * cache.Z_hat
        if beta_axis != 1:
            dbeta = dout.sum(axis=beta_axis, keepdims=True)
        return dZ, dgamma, dbeta

    return batchnorm_backward


lib_bn = bp.layers.batchnorm_forward

CASES = [
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * (b * v + g), b * v + g),), "[PASS]"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * b * v - lr * g, g + v * b),), "[PASS]"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * (b * v + (1 - b) * g), b * v + (1 - b) * g),), "convention"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * v, b * v + g),), "update v first"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th + lr * (b * v + g), b * v + g),), "wrong sign"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * g, b * v + g),), "the velocity is not used"),
    (I.momentum_step, (momentum_in_place,), "changed its input 'v' in place"),
    (
        I.rmsprop_step,
        (lambda th, g, s, lr, b, e: (th - lr * g / (np.sqrt(b * s + (1 - b) * g * g) + e), b * s + (1 - b) * g * g),),
        "[PASS]",
    ),
    (
        I.rmsprop_step,
        (
            lambda th, g, s, lr, b, e: (
                th - lr * g * (np.sqrt(b * s + (1 - b) * g**2) + e) ** -1,
                b * s + (1 - b) * g**2,
            ),
        ),
        "[PASS]",
    ),
    (
        I.rmsprop_step,
        (lambda th, g, s, lr, b, e: (th - lr * g / (b * s + (1 - b) * g * g + e), b * s + (1 - b) * g * g),),
        "square root",
    ),
    (
        I.rmsprop_step,
        (lambda th, g, s, lr, b, e: (th - lr * g / (np.sqrt((1 - b) * s + b * g * g) + e), (1 - b) * s + b * g * g),),
        "swapped",
    ),
    (I.rmsprop_step, (lambda th, g, s, lr, b, e: (th - lr * g / (np.sqrt(s + g * g) + e), s + g * g),), "AdaGrad"),
    (
        I.rmsprop_step,
        (lambda th, g, s, lr, b, e: (th + lr * g / (np.sqrt(b * s + (1 - b) * g * g) + e), b * s + (1 - b) * g * g),),
        "wrong sign",
    ),
    (I.adam_step, (make_adam(),), "[PASS]"),
    (I.adam_step, (adam_loops,), "[PASS]"),
    (I.adam_step, (make_adam(correct=False),), "Adam's first step differs: is the bias correction"),
    (I.adam_step, (make_adam(t_shift=1),), "is t off by one"),
    (I.adam_step, (make_adam(t_shift=-1),), "is t off by one"),
    (I.adam_step, (make_adam(square=False),), "instead of g²"),
    (I.adam_step, (make_adam(sign=1.0),), "wrong sign"),
    (I.batchnorm_forward, (lib_bn,), "[PASS]"),
    (I.batchnorm_forward, (bn_loops,), "[PASS]"),
    (I.batchnorm_forward, (make_bn(axis=0),), "not over axis 0"),
    (I.batchnorm_forward, (make_bn(ddof=1),), "not ddof=1"),
    (I.batchnorm_forward, (make_bn(eps_on=False),), "NaN or inf"),
    (I.batchnorm_forward, (make_bn(affine=False),), "scale by γ and shift by β"),
    (I.batchnorm_forward, (make_bn(swapped=True),), "γ and β are swapped"),
    (I.batchnorm_backward, (lib_bn, bp.layers.batchnorm_backward), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, bn_backward_staged), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(constant_stats=True)), "depend on every column"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(sum_gamma=False)), "sum over the columns"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(beta_axis=0)), "summed over the rows"),
    (I.batchnorm_backward, (make_bn(ddof=1), bp.layers.batchnorm_backward), "fix batchnorm_forward first"),
    (I.q1, (lambda: "c",), "[PASS]"),
    (I.q1, (lambda: "d",), "is not the right choice"),
    (I.q2, (lambda: 0.01,), "[PASS]"),
    (I.q2, (lambda: 0.05,), "is not right"),
]


@pytest.mark.parametrize(("check", "impls", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impls, expected, expect_feedback):
    check(*impls)
    expect_feedback(expected)
