"""Catalog of wrong (and differently right) implementations for exercises 5: each must get the right diagnostic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from learner import own

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


lib_bn = own(bp.layers.batchnorm_forward)

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
    (I.adam_step, (make_adam(correct=False),), "the bias correction is missing"),  # the same mistake, named
    (I.adam_step, (make_adam(t_shift=1),), "is t off by one"),
    (I.adam_step, (make_adam(t_shift=-1),), "is t off by one"),
    (I.adam_step, (make_adam(square=False),), "instead of g²"),
    (I.adam_step, (make_adam(sign=1.0),), "wrong sign"),
    (I.batchnorm_forward, (lib_bn,), "[PASS]"),
    (I.batchnorm_forward, (bn_loops,), "[PASS]"),
    (I.batchnorm_forward, (make_bn(axis=0),), "not over axis 0"),
    (I.batchnorm_forward, (make_bn(ddof=1),), "not ddof=1"),
    (I.batchnorm_forward, (make_bn(eps_on=False),), "ε forgotten"),  # was "NaN or inf": now named
    (I.batchnorm_forward, (make_bn(affine=False),), "scale by γ and shift by β"),
    (I.batchnorm_forward, (make_bn(swapped=True),), "γ and β are swapped"),
    (I.batchnorm_backward, (lib_bn, own(bp.layers.batchnorm_backward)), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, bn_backward_staged), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(constant_stats=True)), "depend on every column"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(sum_gamma=False)), "sum over the columns"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward(beta_axis=0)), "summed over the rows"),
    (I.batchnorm_backward, (make_bn(ddof=1), own(bp.layers.batchnorm_backward)), "fix batchnorm_forward first"),
    (I.q1, (lambda: "c",), "[PASS]"),
    (I.q1, (lambda: "d",), "is not the right choice"),
    (I.q2, (lambda: 0.01,), "[PASS]"),
    (I.q2, (lambda: 0.05,), "is not right"),
]


@pytest.mark.parametrize(("check", "impls", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impls, expected, expect_feedback):
    check(*impls)
    expect_feedback(expected)


# ---- the unseen catalog: written before looking at what the checks print ----------------------------------

_CACHE: dict = {}


def momentum_loops(theta, g, v, lr, beta):
    theta, v = np.array(theta, dtype=float), np.array(v, dtype=float)
    for i in np.ndindex(theta.shape):
        v[i] = beta * v[i] + g[i]
        theta[i] = theta[i] - lr * v[i]
    return theta, v


def momentum_sutskever(theta, g, v, lr, beta):
    v = beta * v - lr * g
    return theta + v, v


def momentum_step_in_v(theta, g, v, lr, beta):
    v = beta * v + lr * g
    return theta - v, v


def momentum_cached(theta, g, v, lr, beta):
    key = ("momentum", theta.shape)
    if key not in _CACHE:
        v = beta * v + g
        _CACHE[key] = (theta - lr * v, v)
    return _CACHE[key]


_VELOCITY: dict = {}


def momentum_global_velocity(theta, g, v, lr, beta):
    old = _VELOCITY.get(theta.shape, np.zeros_like(theta))
    new = beta * old + g
    _VELOCITY[theta.shape] = new
    return theta - lr * new, new


def momentum_slice_assign(theta, g, v, lr, beta):
    v[:] = beta * v + g
    return theta - lr * v, v


def momentum_generator(theta, g, v, lr, beta):
    v = beta * v + g
    return (x for x in (theta - lr * v, v))


def rmsprop_loops(theta, g, s, lr, beta, eps):
    theta, s = theta.copy(), s.copy()
    for i in np.ndindex(theta.shape):
        s[i] = beta * s[i] + (1 - beta) * g[i] ** 2
        theta[i] -= lr * g[i] / (math.sqrt(s[i]) + eps)
    return theta, s


def make_rmsprop(eps_at="outside", old_s=False, square=True, root_state=False, lr_on=True, fixed_eps=None):
    def rmsprop_step(theta, g, s, lr, beta, eps):
        e = eps if fixed_eps is None else fixed_eps
        s_new = beta * s + (1 - beta) * (g * g if square else g)
        used = s if old_s else s_new
        denom = {"outside": np.sqrt(used) + e, "inside": np.sqrt(used + e), "none": np.sqrt(used)}[eps_at]
        step = (lr if lr_on else 1.0) * g / denom
        return theta - step, np.sqrt(s_new) if root_state else s_new

    return rmsprop_step


def rmsprop_cached(theta, g, s, lr, beta, eps):
    key = ("rmsprop", theta.shape)
    if key not in _CACHE:
        s = beta * s + (1 - beta) * g * g
        _CACHE[key] = (theta - lr * g / (np.sqrt(s) + eps), s)
    return _CACHE[key]


def adam_efficient(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    c2 = math.sqrt(1 - beta2**t)
    alpha_t = lr * c2 / (1 - beta1**t)
    return theta - alpha_t * m / (np.sqrt(v) + eps * c2), m, v


def adam_power(theta, g, m, v, t, lr, beta1, beta2, eps):
    m_new = np.add(np.multiply(beta1, m), np.multiply(1 - beta1, g))
    v_new = beta2 * v + (1 - beta2) * np.square(g)
    m_hat = m_new * (1.0 / (1.0 - np.power(beta1, t)))
    v_hat = v_new * (1.0 / (1.0 - np.power(beta2, t)))
    return [theta - lr * m_hat * np.reciprocal(np.sqrt(v_hat) + eps), m_new, v_new]


def make_adam2(eps_at="outside", correction="divide", hat_state=False, keras=False, betas_swapped=False, t_one=False,
               m_sum=False, stale=False, order="tmv"):  # fmt: skip
    def adam_step(theta, g, m, v, t, lr, beta1, beta2, eps):
        b1, b2 = (beta2, beta1) if betas_swapped else (beta1, beta2)
        m_new = b1 * m + (g if m_sum else (1 - b1) * g)
        v_new = b2 * v + (1 - b2) * g * g
        tc = 1 if t_one else t
        c1, c2 = 1 - b1**tc, 1 - b2**tc
        mu, vu = (m, v) if stale else (m_new, v_new)
        m_hat, v_hat = {"divide": (mu / c1, vu / c2), "multiply": (mu * c1, vu * c2), "m_only": (mu / c1, vu)}[
            correction
        ]
        if keras:
            theta_new = theta - lr * math.sqrt(c2) / c1 * mu / (np.sqrt(vu) + eps)
        else:
            denom = np.sqrt(v_hat + eps) if eps_at == "inside" else np.sqrt(v_hat) + eps
            theta_new = theta - lr * m_hat / denom
        m_out, v_out = (m_hat, v_hat) if hat_state else (m_new, v_new)
        return (theta_new, v_out, m_out) if order == "tvm" else (theta_new, m_out, v_out)

    return adam_step


_T: dict = {"t": 0}


def adam_own_counter(theta, g, m, v, t, lr, beta1, beta2, eps):
    _T["t"] += 1  # counts its own calls instead of using t
    return make_adam()(theta, g, m, v, 1, lr, beta1, beta2, eps)


def adam_cached(theta, g, m, v, t, lr, beta1, beta2, eps):
    key = ("adam", theta.shape)
    if key not in _CACHE:
        _CACHE[key] = make_adam()(theta, g, m, v, t, lr, beta1, beta2, eps)
    return _CACHE[key]


def bn_std(Z, gamma, beta, eps):
    mu = np.mean(Z, axis=1, keepdims=True)
    sd = np.std(Z, axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(sd**2 + eps)
    return gamma * Z_hat + beta, {"Z_hat": Z_hat, "sd": sd}


def bn_transposed(Z, gamma, beta, eps):
    Zt = Z.T  # examples in rows, as some textbooks write it
    mu, var = Zt.mean(axis=0), Zt.var(axis=0)
    out = gamma.T * (Zt - mu) / np.sqrt(var + eps) + beta.T
    return out.T, (Z, mu, var)


def make_bn2(eps_at="inside", keepdims=True, scale=True, shift=True, sqrt=True, order="oc", fixed_eps=None):
    def batchnorm_forward(Z, gamma, beta, eps):
        e = eps if fixed_eps is None else fixed_eps
        mu, var = Z.mean(axis=1, keepdims=keepdims), Z.var(axis=1, keepdims=keepdims)
        if not sqrt:
            Z_hat = (Z - mu) / (var + e)
        elif eps_at == "outside":
            Z_hat = (Z - mu) / (np.sqrt(var) + e)
        else:
            Z_hat = (Z - mu) / np.sqrt(var + e)
        out = (gamma * Z_hat if scale else Z_hat) + (beta if shift else 0)
        return (out, Z_hat) if order == "oc" else (Z_hat, out) if order == "co" else out

    return batchnorm_forward


def bn_cached(Z, gamma, beta, eps):
    key = ("bn", Z.shape)
    if key not in _CACHE:
        _CACHE[key] = lib_bn(Z, gamma, beta, eps)
    return _CACHE[key]


def bn_forward_dict(Z, gamma, beta, eps):
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    out = gamma * (Z - mu) / np.sqrt(var + eps) + beta
    return out, {"Z": Z, "mu": mu, "var": var, "gamma": gamma, "eps": eps}


def bn_backward_from_dict(dout, cache):
    Z, mu, var, gamma, eps = (cache[k] for k in ("Z", "mu", "var", "gamma", "eps"))
    inv_std = 1 / np.sqrt(var + eps)
    Z_hat = (Z - mu) * inv_std
    dZ_hat = gamma * dout
    dZ = inv_std * (dZ_hat - dZ_hat.mean(axis=1, keepdims=True) - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True))
    return dZ, (dout * Z_hat).sum(axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def make_bn_backward2(dgamma_zhat=True, gamma_in=True, over_m=True, mean_term=True, var_term=True, order="zgb",
                      dgamma_keepdims=True, dz_axis=1, dbeta_mean=False, in_place=False):  # fmt: skip
    def batchnorm_backward(dout, cache):
        Z_hat, inv_std, gamma = cache.Z_hat, cache.inv_std, cache.gamma
        m = dout.shape[1]
        dbeta = dout.mean(axis=1, keepdims=True) if dbeta_mean else dout.sum(axis=1, keepdims=True)
        dgamma = np.sum(dout * Z_hat if dgamma_zhat else dout, axis=1, keepdims=dgamma_keepdims)
        dZ_hat = gamma * dout if gamma_in else dout
        inner = m * dZ_hat
        if mean_term:
            inner = inner - dZ_hat.sum(axis=dz_axis, keepdims=True)
        if var_term:
            inner = inner - Z_hat * np.sum(dZ_hat * Z_hat, axis=dz_axis, keepdims=True)
        dZ = inv_std * (inner / m if over_m else inner)
        if in_place:
            Z_hat *= 1.0
            Z_hat += 1e-3
        out = {"zgb": (dZ, dgamma, dbeta), "zbg": (dZ, dbeta, dgamma), "gbz": (dgamma, dbeta, dZ)}[order]
        return out

    return batchnorm_backward


def bn_backward_cached(dout, cache):
    key = ("bnb", dout.shape)
    if key not in _CACHE:
        _CACHE[key] = bp.layers.batchnorm_backward(dout, cache)
    return _CACHE[key]


@pytest.fixture(autouse=True)
def _forget_caches():
    _CACHE.clear()
    _VELOCITY.clear()
    yield


UNSEEN = [
    # momentum: 2+ right, wrong kinds named in advance
    (I.momentum_step, (momentum_loops,), "[PASS]"),
    (I.momentum_step, (lambda th, g, v, lr, b: [th - lr * (v * b + g), np.add(np.multiply(b, v), g)],), "[PASS]"),
    (I.momentum_step, (momentum_sutskever,), "v holds the step"),
    (I.momentum_step, (momentum_step_in_v,), "v holds the step"),
    (I.momentum_step, (momentum_cached,), "same answer as on the previous call"),
    (I.momentum_step, (lambda th, g, v, lr, b: (b * v + g, th - lr * (b * v + g)),), "swapped"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * (b * v + g), v),), "you returned the v you were given"),
    (I.momentum_step, (momentum_global_velocity,), "is not used (as if it were 0)"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * (0.9 * v + g), 0.9 * v + g),), "fixed hyperparameters"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th - lr * (v + b * g), v + b * g),), "β multiplies the old velocity"),
    (I.momentum_step, (momentum_slice_assign,), "changed its input 'v' in place"),
    (I.momentum_step, (momentum_generator,), "generator"),
    (I.momentum_step, (lambda th, g, v, lr, b: [(th - lr * (b * v + g), b * v + g)],), "tuple of 2 values"),
    (I.momentum_step, (lambda th, g, v, lr, b: (th, v),), "nothing was updated"),
    # RMSProp
    (I.rmsprop_step, (rmsprop_loops,), "[PASS]"),
    (I.rmsprop_step, (make_rmsprop(),), "[PASS]"),
    (I.rmsprop_step, (make_rmsprop(eps_at="inside"),), "ε is inside the square root"),
    (I.rmsprop_step, (make_rmsprop(eps_at="none"),), "ε is missing"),
    (I.rmsprop_step, (make_rmsprop(old_s=True),), "the step uses the old s"),
    (I.rmsprop_step, (rmsprop_cached,), "same answer as on the previous call"),
    (I.rmsprop_step, (make_rmsprop(square=False),), "instead of g²"),
    (I.rmsprop_step, (make_rmsprop(fixed_eps=1e-8),), "instead of the eps it is given"),
    (I.rmsprop_step, (make_rmsprop(root_state=True),), "square roots of the expected"),
    (I.rmsprop_step, (make_rmsprop(lr_on=False),), "learning rate α is missing"),  # was predicted generic
    (I.rmsprop_step, (lambda th, g, s, lr, b, e: make_rmsprop()(th, g, s, lr, b, e)[::-1],), "swapped"),
    # Adam
    (I.adam_step, (adam_efficient,), "[PASS]"),
    (I.adam_step, (adam_power,), "[PASS]"),
    (I.adam_step, (make_adam2(eps_at="inside"),), "ε is inside the square root"),
    (I.adam_step, (make_adam2(correction="multiply"),), "the bias correction divides"),
    (I.adam_step, (make_adam2(hat_state=True),), "you returned m̂ and v̂ as the state"),
    (I.adam_step, (make_adam2(keras=True),), "efficient form"),
    (I.adam_step, (make_adam2(betas_swapped=True),), "β1 and β2 are swapped"),
    (I.adam_step, (make_adam2(t_one=True),), "t you are given is not used"),
    (I.adam_step, (adam_own_counter,), "t you are given is not used"),
    (I.adam_step, (make_adam2(correction="m_only"),), "only m is bias-corrected"),
    (I.adam_step, (make_adam2(order="tvm"),), "m and v are swapped"),
    (I.adam_step, (make_adam2(m_sum=True),), "factor (1 − β1)"),
    (I.adam_step, (make_adam2(stale=True),), "the step uses the old m and v"),
    (I.adam_step, (adam_cached,), "same answer as on the previous call"),
    # batch norm, forward
    (I.batchnorm_forward, (bn_std,), "[PASS]"),
    (I.batchnorm_forward, (bn_transposed,), "[PASS]"),
    (I.batchnorm_forward, (make_bn2(eps_at="outside"),), "ε belongs inside the square root"),
    (I.batchnorm_forward, (make_bn2(keepdims=False),), "keepdims=True"),
    (I.batchnorm_forward, (make_bn2(scale=False),), "γ is missing"),
    (I.batchnorm_forward, (make_bn2(shift=False),), "β is missing"),
    (I.batchnorm_forward, (bn_cached,), "an earlier input"),
    (I.batchnorm_forward, (make_bn2(order="co"),), "out and cache are swapped"),
    (I.batchnorm_forward, (make_bn2(sqrt=False),), "not by the variance"),
    (I.batchnorm_forward, (make_bn2(fixed_eps=1e-5),), "instead of the eps it is given"),
    (I.batchnorm_forward, (make_bn2(order="o"),), "tuple of 2 values"),
    # batch norm, backward (with the learner's own forward and its cache)
    (I.batchnorm_backward, (bn_forward_dict, bn_backward_from_dict), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2()), "[PASS]"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(dgamma_zhat=False)), "the factor ẑ is missing"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(gamma_in=False)), "the factor γ is missing"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(over_m=False)), "the factor 1/m"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(mean_term=False)), "gradient through μ"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(var_term=False)), "gradient through σ²"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(order="zbg")), "dgamma and dbeta are swapped"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(order="gbz")), "wrong order"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(dgamma_keepdims=False)), "keepdims=True"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(dz_axis=0)), "the sums in dZ run over the columns"),
    (I.batchnorm_backward, (lib_bn, bn_backward_cached), "an earlier input"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(in_place=True)), "in place"),
    (I.batchnorm_backward, (lib_bn, make_bn_backward2(dbeta_mean=True)), "times too small"),
    (
        I.batchnorm_backward,
        (make_bn2(eps_at="outside"), own(bp.layers.batchnorm_backward)),
        "fix batchnorm_forward first",
    ),
    # concept questions: typical wrong answers get their own hints
    (I.q1, (lambda: "a",), "momentum divides by nothing"),
    (I.q1, (lambda: "b",), "decaying average"),
    (I.q1, (lambda: " C ",), "[PASS]"),
    (I.q2, (lambda: 0.05,), "plain gradient descent"),
    (I.q2, (lambda: 0.0316,), "without the bias correction"),
    (I.q2, (lambda: 0.1,), "multiplies by (1 − β^t)"),
    (I.q2, (lambda: 0.001,), "left uncorrected"),
    (I.q2, (lambda: 0.002,), "with a square root"),
    (I.q2, (lambda: 0.00744,), "t = 2"),
    (I.q2, (lambda: -0.01,), "wrong sign"),
    (I.q2, (lambda: 0.010000001,), "[PASS]"),
]


@pytest.mark.parametrize(("check", "impls", "expected"), UNSEEN, ids=lambda x: getattr(x, "__name__", None))
def test_unseen(check, impls, expected, expect_feedback):
    check(*impls)
    expect_feedback(expected)
