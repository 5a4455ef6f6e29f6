r"""Checks for exercises/ex05_improvements.ipynb (chapter 5: better optimizers and batch normalization).

Each optimizer step is a pure function of (θ, g, state) returning the new θ and state, checked
over several consecutive steps against ``bp.optim``. Graded items: momentum (v ← βv + g,
θ ← θ − αv); RMSProp; Adam with bias correction (t = 1 on the first step); batch-norm forward;
batch-norm backward (gradient-checked); two concept questions.
"""

from __future__ import annotations

import numpy as np

from .. import layers, optim
from .core import (
    Mistake,
    as_float_array,
    call,
    expect_array,
    expect_gradient,
    expect_tuple,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)

NOTEBOOK = "ex05_improvements"
STEPS = 4


def _run_library(opt, theta0, gs):
    """θ after each step of a bp.optim optimizer, for the gradient sequence gs."""
    params, out = {"theta": theta0.copy()}, []
    for g in gs:
        opt.step(params, {"theta": g})
        out.append(params["theta"].copy())
    return out


def _manual(theta0, gs, update):
    """θ after each step of ``update(theta, g, state, t) -> (theta, state)`` from state None."""
    theta, state, out = theta0.copy(), None, []
    for t, g in enumerate(gs, start=1):
        theta, state = update(theta, g, state, t)
        out.append(theta)
    return out


def _sequence(r):
    theta0 = r.normal(size=(3, 2))
    return theta0, [r.normal(size=(3, 2)) for _ in range(STEPS)]


def _compare_steps(label, got_thetas, expected, mistakes):
    for t, theta in enumerate(got_thetas, start=1):
        expect_array(
            f"θ after step {t}",
            theta,
            expected[t - 1],
            mistakes=[(w[t - 1], msg) for w, msg in mistakes],
        )


@item("ex05_momentum", 2, "momentum_step")
def momentum_step(fn) -> None:
    """Check ``fn(theta, g, v, lr, beta)`` = (θ − α(βv + g), βv + g) over consecutive steps."""
    r = rng()
    theta0, gs = _sequence(r)
    lr, beta = float(r.uniform(0.05, 0.2)), float(r.uniform(0.5, 0.95))
    expected = _run_library(optim.Momentum(lr=lr, beta=beta), theta0, gs)

    def variant(kind):
        def update(theta, g, v, t):
            v = np.zeros_like(theta) if v is None else v
            v_new = beta * v + (1 - beta) * g if kind == "ema" else beta * v + g
            step = {"ema": v_new, "old_v": v, "sign": -v_new, "no_v": g}.get(kind, v_new)
            return theta - lr * step, v_new

        return _manual(theta0, gs, update)

    theta, v, got = theta0.copy(), np.zeros_like(theta0), []
    for g in gs:
        theta, v = expect_tuple("momentum_step(...)", call(fn, theta, g, v, lr, beta, name="momentum_step"), 2)
        theta, v = as_float_array("θ", theta), as_float_array("v", v)
        got.append(theta)
    _compare_steps(
        "momentum",
        got,
        expected,
        [
            (variant("ema"), "that is the v ← βv + (1 − β)g convention; this course uses v ← βv + g"),
            (variant("old_v"), "update v first, then step with the new v: θ ← θ − α(βv + g)"),
            (variant("sign"), "wrong sign: θ ← θ − α v"),
            (variant("no_v"), "the velocity is not used: the step is θ − α v, not θ − α g"),
        ],
    )


@item("ex05_rmsprop", 2, "rmsprop_step")
def rmsprop_step(fn) -> None:
    """Check ``fn(theta, g, s, lr, beta, eps)`` = (θ − αg/(√s′ + ε), s′) with s′ = βs + (1 − β)g²."""
    r = rng()
    theta0, gs = _sequence(r)
    lr, beta, eps = float(r.uniform(0.001, 0.01)), float(r.uniform(0.8, 0.99)), 1e-8
    expected = _run_library(optim.RMSProp(lr=lr, beta=beta, eps=eps), theta0, gs)

    def variant(kind):
        def update(theta, g, s, t):
            s = np.zeros_like(theta) if s is None else s
            s_new = {
                "no_square": beta * s + (1 - beta) * np.abs(g),
                "swapped": (1 - beta) * s + beta * g * g,
                "adagrad": s + g * g,
            }.get(kind, beta * s + (1 - beta) * g * g)
            denom = s_new + eps if kind == "no_sqrt" else np.sqrt(s_new) + eps
            return theta + (1 if kind == "sign" else -1) * lr * g / denom, s_new

        return _manual(theta0, gs, update)

    theta, s, got = theta0.copy(), np.zeros_like(theta0), []
    for g in gs:
        theta, s = expect_tuple("rmsprop_step(...)", call(fn, theta, g, s, lr, beta, eps, name="rmsprop_step"), 2)
        theta, s = as_float_array("θ", theta), as_float_array("s", s)
        got.append(theta)
    _compare_steps(
        "rmsprop",
        got,
        expected,
        [
            (variant("no_sqrt"), "divide by the square root √s + ε, not by s"),
            (variant("swapped"), "β and 1 − β are swapped: s ← β s + (1 − β) g²"),
            (variant("adagrad"), "that is AdaGrad's growing sum; RMSProp keeps a decaying average β s + (1 − β) g²"),
            (variant("sign"), "wrong sign: θ ← θ − α g/(√s + ε)"),
        ],
    )


@item("ex05_adam", 3, "adam_step")
def adam_step(fn) -> None:
    """Check ``fn(theta, g, m, v, t, lr, beta1, beta2, eps)`` = Adam's step with bias correction, t = 1 first."""
    r = rng()
    theta0, gs = _sequence(r)
    lr, b1, b2, eps = float(r.uniform(0.001, 0.05)), 0.9, 0.999, 1e-8
    expected = _run_library(optim.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps), theta0, gs)

    def variant(kind):
        def update(theta, g, state, t):
            m, v = state if state is not None else (np.zeros_like(theta), np.zeros_like(theta))
            m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
            tc = t + 1 if kind == "t_plus" else t
            m_hat, v_hat = (m, v) if kind == "no_correction" else (m / (1 - b1**tc), v / (1 - b2**tc))
            return theta + (1 if kind == "sign" else -1) * lr * m_hat / (np.sqrt(v_hat) + eps), (m, v)

        return _manual(theta0, gs, update)

    theta, m, v, got = theta0.copy(), np.zeros_like(theta0), np.zeros_like(theta0), []
    for t, g in enumerate(gs, start=1):
        out = call(fn, theta, g, m, v, t, lr, b1, b2, eps, name="adam_step")
        theta, m, v = expect_tuple("adam_step(...)", out, 3)
        theta, m, v = as_float_array("θ", theta), as_float_array("m", m), as_float_array("v", v)
        if t == 1 and theta.shape == theta0.shape and not np.isfinite(theta).all():
            raise Mistake(
                "θ is NaN or inf after the first step: with t = 1, 1 − β^t is not 0; "
                "is t off by one (t − 1), or v computed from g instead of g²?"
            )
        got.append(theta)
    _compare_steps(
        "adam",
        got,
        expected,
        [
            (variant("no_correction"), "Adam's first step differs: is the bias correction m/(1 − β1^t) missing?"),
            (variant("t_plus"), "is t off by one? t = 1 on the first step, so the correction uses 1 − β^1"),
            (variant("sign"), "wrong sign: θ ← θ − α m̂/(√v̂ + ε)"),
        ],
    )


def _bn_problem(r):
    n, m = 4, 8
    Z = r.normal(2.0, 3.0, size=(n, m))
    Z[-1] = 1.5  # a constant unit: its variance is 0, so only ε keeps the division finite
    return Z, r.uniform(0.5, 2.0, size=(n, 1)), r.normal(size=(n, 1)), 1e-5


@item("ex05_batchnorm_forward", 2, "batchnorm_forward")
def batchnorm_forward(fn) -> None:
    """Check ``fn(Z, gamma, beta, eps)`` returns (out, cache) with out = γ ẑ + β, ẑ normalized over the batch."""
    Z, gamma, beta, eps = _bn_problem(rng())
    out, _ = layers.batchnorm_forward(Z, gamma, beta, eps)
    got = expect_tuple("batchnorm_forward(...)", call(fn, Z, gamma, beta, eps, name="batchnorm_forward"), 2)
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    with np.errstate(all="ignore"):
        over_units = (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + eps)
        unbiased = (Z - mu) / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + eps)
    expect_array(
        "out",
        got[0],
        out,
        mistakes=[
            (gamma * over_units + beta, "normalize each unit over the batch (axis=1, the columns), not over axis 0"),
            (gamma * unbiased + beta, "use the batch variance (divide by m: np.var's default), not ddof=1"),
            (Z_hat, "scale by γ and shift by β: out = γ ⊙ ẑ + β"),
            (beta * Z_hat + gamma, "γ and β are swapped: out = γ ⊙ ẑ + β"),
        ],
    )


@item("ex05_batchnorm_backward", 3, "batchnorm_backward")
def batchnorm_backward(forward_fn, backward_fn) -> None:
    """Check ``backward_fn(dout, cache)`` = (dZ, dgamma, dbeta), the cache coming from ``forward_fn``."""
    r = rng()
    Z, gamma, beta, eps = _bn_problem(r)
    Z[-1] = r.normal(size=Z.shape[1])  # every unit varies here, so the gradient check is well conditioned
    dout = r.normal(size=Z.shape)
    got_fwd = expect_tuple("batchnorm_forward(...)", call(forward_fn, Z, gamma, beta, eps, name="batchnorm_forward"), 2)
    out, cache = layers.batchnorm_forward(Z, gamma, beta, eps)
    try:
        expect_array("out", got_fwd[0], out)
    except Mistake as exc:
        raise Mistake(f"fix batchnorm_forward first ({exc})") from None
    got = expect_tuple("batchnorm_backward(...)", call(backward_fn, dout, got_fwd[1], name="batchnorm_backward"), 3)
    dZ, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    m = Z.shape[1]
    expect_array("dbeta", got[2], dbeta, m=m)
    expect_array("dgamma", got[1], dgamma, m=m)
    expect_gradient(
        "dZ",
        got[0],
        dZ,
        lambda Z_: float(np.sum(layers.batchnorm_forward(Z_, gamma, beta, eps)[0] * dout)),
        Z,
        mistakes=[
            (gamma * dout * cache.inv_std, "μ and σ² depend on every column of the batch: include their gradients"),
            (dout * cache.inv_std, "μ and σ² depend on every column of the batch, and dẑ = γ ⊙ dout"),
        ],
        m=m,
    )


q1 = multiple_choice("ex05_q1", 1, "question 1 (whose step keeps shrinking)", "fa7f8e63915ccfa7", "abcd")
q2 = numeric_answer("ex05_q2", 1, "question 2 (Adam's first step)", 0.01)

ITEMS = {f.grade_id: f for f in (momentum_step, rmsprop_step, adam_step, batchnorm_forward, batchnorm_backward, q1, q2)}
