"""A held-out catalog of learner answers for the 26 graded code items of the exercise notebooks.

Written from the tasks alone (the markdown and solution cells of ``solutions/ex0*.ipynb``), before
looking at any message of ``bpcourse.check``: it is a test of how well the checks *name* a mistake,
not a copy of what they say. Each entry is one implementation of one task:

- ``right=False``: a typical learner mistake. ``keywords`` are alternatives, any of which (case-insensitive)
  a good message would contain when it names this mistake; they were decided from the mistake alone.
- ``right=True``: a differently-right answer (a loop, an equivalent formula, another valid ordering)
  that the check must accept.

``check`` is the dotted path under ``bp.check`` of the check cell's function. For
``ex05_batchnorm_backward`` the impl is a ``(batchnorm_forward, batchnorm_backward)`` pair, as in the
notebook's check cell. Implementations that keep module-level state carry a ``reset`` attribute that the
runner calls before every run, so each run starts as from a fresh kernel.

Plain NumPy only (and ``bp.MLP``/``bp.train`` for ``train_digits``, which the task asks for).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Entry:
    item: str  # e.g. "ex02_mse"
    check: str  # dotted path under bp.check, e.g. "steps.mse"
    impl: Callable | tuple[Callable, Callable]
    right: bool
    keywords: list[str] = field(default_factory=list)
    note: str = ""


# ----------------------------------------------------------------------------------------------------
# keyword lists shared by many entries (decided from the mistake, before reading any message)

SIGN = ["sign"]
IN_PLACE = ["in place", "in-place", "changed your", "changes its input", "modif", "mutat", "overwr"]
SAME_OBJECT = ["a new", "new dict", "new array", "copy", "same object", "the one you were given", "itself"]
CACHE = [
    "cache",
    "earlier input",
    "earlier call",
    "previous input",
    "previous call",
    "hard-code",
    "memo",
    "stale",
    "same result",
    "same output",
]
DIV_M = ["divide by m", "divided by m", "/ m", "/m", "1/m", "average over", "averaged over", "mean over", "m ="]
NO_DIV_M = ["1/m", "/ m", "/m", "divided by m", "divide by m", "without the 1/m", "no 1/m", "per example", "m ="]
KEEPDIMS = ["keepdims", "axis"]
AXIS = ["axis", "over the columns", "over the rows", "rows", "columns"]
TRANSPOSE = ["transpose", ".T", "ᵀ"]
ORDER = ["order", "swapped", "swap", "the other way"]
KEYS = ["keys", "loop over", "every key", "all keys", "each key"]
LIST_TYPE = ["list", "ndarray", "np.array", "numpy array", "generator", "tuple"]
SHAPE = ["shape"]
INTEGER = ["integer", "//"]
N_CLASSES = ["n_classes"]
EPS = ["ε", "eps"]
SQRT = ["square root", "√", "sqrt"]
ONE_MINUS_BETA = ["1 − β", "1 - β", "1-β", "1−β", "1 - beta", "1-beta", "(1 − β", "(1 - β"]
SIGMA_PRIME = ["σ′", "σ'", "sigmoid_prime", "sigma_prime", "derivative"]
SIGMA_PRIME_OF_Z = [
    "σ′(z",
    "σ'(z",
    "σ′(a",
    "σ'(a",
    "sigmoid_prime(z",
    "sigmoid_prime(a",
    "sigma_prime(z",
    "sigma_prime(a",
    "of z",
    "at z",
    "instead of z",
    "of a instead",
    "twice",
]
FLOAT = ["float", "scalar", "one number", "a number"]


# ----------------------------------------------------------------------------------------------------
# right helpers (what a learner's earlier, correct cells provide)


def _sig(Z):
    Z = np.asarray(Z, dtype=float)
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _sigp(Z):
    S = _sig(Z)
    return S * (1.0 - S)


def _with_reset(fn, store):
    fn.reset = store.clear
    return fn


def _shape_key(*args):
    key = []
    for a in args:
        if isinstance(a, np.ndarray):
            key.append(a.shape)
        elif isinstance(a, dict):
            key.append(tuple((k, np.shape(v)) for k, v in a.items()))
        elif isinstance(a, int | np.integer):
            key.append(int(a))
        elif isinstance(a, list | tuple):
            key.append(len(a))
    return tuple(key)


# ====================================================================================================
# ex01 principles


def sigmoid_ok(Z):
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def sigmoid_loop(Z):
    Z = np.asarray(Z, dtype=float)
    out = np.empty_like(Z)
    for i in np.ndindex(Z.shape):
        z = float(Z[i])
        out[i] = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    return out


def sigmoid_tanh_form(Z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(Z, dtype=float)))


def sigmoid_logaddexp(Z):
    return np.exp(-np.logaddexp(0.0, -np.asarray(Z, dtype=float)))


def sigmoid_masked(Z):
    Z = np.asarray(Z, dtype=float)
    out = np.empty_like(Z)
    neg = Z < 0
    ez = np.exp(Z[neg])
    out[neg] = ez / (1.0 + ez)
    out[~neg] = 1.0 / (1.0 + np.exp(-Z[~neg]))
    return out


def sigmoid_sign(Z):
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, E / (1.0 + E), 1.0 / (1.0 + E))


def sigmoid_naive(Z):
    return 1.0 / (1.0 + np.exp(-Z))


def sigmoid_naive_ratio(Z):
    E = np.exp(Z)
    return E / (1.0 + E)


def sigmoid_where_both_forms(Z):
    return np.where(Z >= 0, 1.0 / (1.0 + np.exp(-Z)), np.exp(Z) / (1.0 + np.exp(Z)))


def sigmoid_is_tanh(Z):
    return np.tanh(Z)


def sigmoid_returns_derivative(Z):
    S = _sig(Z)
    return S * (1.0 - S)


def sigmoid_in_place(Z):
    pos = Z >= 0
    E = np.exp(-np.abs(Z))
    Z[pos] = 1.0 / (1.0 + E[pos])
    Z[~pos] = E[~pos] / (1.0 + E[~pos])
    return Z


_SIGMOID_CACHE: dict = {}


def sigmoid_cached(Z):
    if Z.shape not in _SIGMOID_CACHE:
        _SIGMOID_CACHE[Z.shape] = _sig(Z)
    return _SIGMOID_CACHE[Z.shape]


_with_reset(sigmoid_cached, _SIGMOID_CACHE)


def sigmoid_list(Z):
    return _sig(Z).tolist()


def sigmoid_flat(Z):
    return _sig(Z).ravel()


def sigmoid_prime_ok(Z):
    S = sigmoid_ok(Z)
    return S * (1.0 - S)


def sigmoid_prime_exp_form(Z):
    E = np.exp(-np.abs(Z))
    return E / (1.0 + E) ** 2


def sigmoid_prime_logaddexp(Z):
    Z = np.asarray(Z, dtype=float)
    return np.exp(-np.logaddexp(0.0, -Z) - np.logaddexp(0.0, Z))


def sigmoid_prime_symmetric(Z):
    return _sig(Z) * _sig(-np.asarray(Z, dtype=float))


def sigmoid_prime_loop(Z):
    Z = np.asarray(Z, dtype=float)
    out = np.empty_like(Z)
    for i in np.ndindex(Z.shape):
        e = math.exp(-abs(float(Z[i])))
        out[i] = e / (1.0 + e) ** 2
    return out


def sigmoid_prime_sign(Z):
    S = _sig(Z)
    return S * (S - 1.0)


def sigmoid_prime_of_z(Z):
    return Z * (1.0 - Z)


def sigmoid_prime_is_sigmoid(Z):
    return _sig(Z)


def sigmoid_prime_sigmoid_twice(Z):
    A = _sig(Z)
    S = _sig(A)
    return S * (1.0 - S)


def sigmoid_prime_in_place(Z):
    S = _sig(Z)
    Z[...] = S * (1.0 - S)
    return Z


_SIGMOID_PRIME_CACHE: dict = {}


def sigmoid_prime_cached(Z):
    if Z.shape not in _SIGMOID_PRIME_CACHE:
        _SIGMOID_PRIME_CACHE[Z.shape] = _sigp(Z)
    return _SIGMOID_PRIME_CACHE[Z.shape]


_with_reset(sigmoid_prime_cached, _SIGMOID_PRIME_CACHE)


def sigmoid_prime_tanh_formula(Z):
    S = _sig(Z)
    return 1.0 - S**2


def sigmoid_prime_jacobian(Z):
    return np.diagflat(_sigp(Z))


def sigmoid_prime_mean(Z):
    return float(np.mean(_sigp(Z)))


def gd_ok(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in params}


def gd_loop(params, grads, lr):
    new = {}
    for name in grads:
        new[name] = np.subtract(params[name], np.multiply(lr, grads[name]))
    return {name: new[name] for name in params}


def gd_deepcopy(params, grads, lr):
    new = copy.deepcopy(params)
    for name in new:
        new[name] -= lr * grads[name]
    return new


def gd_zip_keys(params, grads, lr):
    names = list(params)
    return dict(zip(names, (params[k] + (-lr) * grads[k] for k in names), strict=True))


def gd_sign(params, grads, lr):
    return {name: params[name] + lr * grads[name] for name in params}


def gd_in_place(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return params


def gd_in_place_new_dict(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return dict(params)


def gd_same_dict(params, grads, lr):
    for name in params:
        params[name] = params[name] - lr * grads[name]
    return params


def gd_hard_coded_keys(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in ("W1", "b1", "W2", "b2")}


def gd_no_lr(params, grads, lr):
    return {name: params[name] - grads[name] for name in params}


def gd_divides_by_lr(params, grads, lr):
    return {name: params[name] - grads[name] / lr for name in params}


_GD_CACHE: dict = {}


def gd_cached(params, grads, lr):
    key = _shape_key(params)
    if key not in _GD_CACHE:
        _GD_CACHE[key] = {name: params[name] - lr * grads[name] for name in params}
    return _GD_CACHE[key]


_with_reset(gd_cached, _GD_CACHE)


def gd_list(params, grads, lr):
    return [params[name] - lr * grads[name] for name in params]


def gd_pairs_by_position(params, grads, lr):
    return {name: p - lr * g for (name, p), g in zip(params.items(), grads.values(), strict=True)}


def gd_weights_only(params, grads, lr):
    return {name: params[name] - lr * grads[name] if name.startswith("W") else params[name] for name in params}


# ====================================================================================================
# ex02 steps


def forward_ok(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = _sig(Z1)
    Z2 = W2 @ A1 + b2
    A2 = _sig(Z2)
    return Z1, A1, Z2, A2


def forward_dot(X, W1, b1, W2, b2):
    Z1 = np.dot(W1, X) + b1
    Z2 = np.dot(W2, _sig(Z1)) + b2
    return Z1, _sig(Z1), Z2, _sig(Z2)


def forward_columns(X, W1, b1, W2, b2):
    m = X.shape[1]
    Z1 = np.zeros((W1.shape[0], m))
    Z2 = np.zeros((W2.shape[0], m))
    for i in range(m):
        Z1[:, i] = W1 @ X[:, i] + b1[:, 0]
        Z2[:, i] = W2 @ _sig(Z1[:, i]) + b2[:, 0]
    return Z1, _sig(Z1), Z2, _sig(Z2)


def forward_rows_then_transpose(X, W1, b1, W2, b2):
    Z1 = (X.T @ W1.T + b1.T).T
    A1 = _sig(Z1)
    Z2 = (A1.T @ W2.T + b2.T).T
    return Z1, A1, Z2, _sig(Z2)


def forward_einsum(X, W1, b1, W2, b2):
    Z1 = np.einsum("ij,jk->ik", W1, X) + b1
    A1 = _sig(Z1)
    Z2 = np.einsum("ij,jk->ik", W2, A1) + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_no_b1(X, W1, b1, W2, b2):
    Z1 = W1 @ X
    A1 = _sig(Z1)
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_no_b2(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = _sig(Z1)
    Z2 = W2 @ A1
    return Z1, A1, Z2, _sig(Z2)


def forward_examples_as_rows(X, W1, b1, W2, b2):
    Z1 = X.T @ W1.T + b1.T
    A1 = _sig(Z1)
    Z2 = A1 @ W2.T + b2.T
    return Z1, A1, Z2, _sig(Z2)


def forward_no_hidden_activation(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = Z1
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_z2_from_z1(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = _sig(Z1)
    Z2 = W2 @ Z1 + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_tuple_order(X, W1, b1, W2, b2):
    Z1, A1, Z2, A2 = forward_ok(X, W1, b1, W2, b2)
    return A1, Z1, A2, Z2


def forward_only_output(X, W1, b1, W2, b2):
    return forward_ok(X, W1, b1, W2, b2)[3]


_FORWARD_CACHE: dict = {}


def forward_cached(X, W1, b1, W2, b2):
    key = _shape_key(X, W1, b1, W2, b2)
    if key not in _FORWARD_CACHE:
        _FORWARD_CACHE[key] = forward_ok(X, W1, b1, W2, b2)
    return _FORWARD_CACHE[key]


_with_reset(forward_cached, _FORWARD_CACHE)


def forward_relu_hidden(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = np.maximum(0.0, Z1)
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, _sig(Z2)


def forward_generator(X, W1, b1, W2, b2):
    return (v for v in forward_ok(X, W1, b1, W2, b2))


def mse_ok(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), D / m


def mse_column_mean(A, Y):
    D = A - Y
    return float(np.mean(np.sum(D**2, axis=0)) / 2), D / A.shape[1]


def mse_loop(A, Y):
    n, m = A.shape
    L = 0.0
    dA = np.zeros((n, m))
    for i in range(m):
        d = A[:, i] - Y[:, i]
        L += 0.5 * float(d @ d)
        dA[:, i] = d / m
    return L / m, dA


def mse_norm(A, Y):
    m = A.shape[1]
    return float(0.5 * np.linalg.norm(A - Y) ** 2 / m), (A - Y) * (1.0 / m)


def mse_einsum(A, Y):
    D = A - Y
    m = A.shape[1]
    return float(np.einsum("ij,ij->", D, D)) / (2 * m), np.divide(D, m)


def mse_no_half(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(np.sum(D * D) / m), D / m


def mse_no_mean(A, Y):
    D = A - Y
    return float(0.5 * np.sum(D * D)), D


def mse_mean_all_entries(A, Y):
    D = A - Y
    return float(0.5 * np.mean(D * D)), D / D.size


def mse_grad_sign(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), (Y - A) / m


def mse_grad_no_m(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), D


def mse_m_from_rows(A, Y):
    m = A.shape[0]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), D / m


def mse_per_example(A, Y):
    m = A.shape[1]
    D = A - Y
    return 0.5 * np.sum(D * D, axis=0) / m, D / m


def mse_tuple_order(A, Y):
    L, dA = mse_ok(A, Y)
    return dA, L


def mse_grad_factor_two(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), 2 * D / m


_MSE_CACHE: dict = {}


def mse_cached(A, Y):
    if A.shape not in _MSE_CACHE:
        _MSE_CACHE[A.shape] = mse_ok(A, Y)
    return _MSE_CACHE[A.shape]


_with_reset(mse_cached, _MSE_CACHE)


def mse_floor_division(A, Y):
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), D // m


def ce_ok(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), -Y / (m * Ac)


def ce_clip(A, Y):
    m = A.shape[1]
    Ac = np.clip(A, 1e-12, None)
    return float(-np.mean(np.sum(Y * np.log(Ac), axis=0))), -(Y / Ac) / m


def ce_loop(A, Y):
    n, m = A.shape
    L = 0.0
    dA = np.zeros((n, m))
    for i in range(m):
        a = np.maximum(A[:, i], 1e-12)
        L -= float(np.sum(Y[:, i] * np.log(a)))
        dA[:, i] = -Y[:, i] / (m * a)
    return L / m, dA


def ce_einsum(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return -float(np.einsum("ij,ij->", Y, np.log(Ac))) / m, np.negative(Y) / Ac / m


def ce_loss_sign(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(np.sum(Y * np.log(Ac)) / m), -Y / (m * Ac)


def ce_grad_sign(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), Y / (m * Ac)


def ce_no_clip(A, Y):
    m = A.shape[1]
    return float(-np.sum(Y * np.log(A)) / m), -Y / (m * A)


def ce_clip_loss_only(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), -Y / (m * A)


def ce_no_mean(A, Y):
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac))), -Y / Ac


def ce_binary_formula(A, Y):
    m = A.shape[1]
    Ac = np.clip(A, 1e-12, 1 - 1e-12)
    L = -np.sum(Y * np.log(Ac) + (1 - Y) * np.log(1 - Ac)) / m
    return float(L), (-(Y / Ac) + (1 - Y) / (1 - Ac)) / m


def ce_softmax_gradient(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), (A - Y) / m


def ce_mean_all_entries(A, Y):
    Ac = np.maximum(A, 1e-12)
    return float(-np.mean(Y * np.log(Ac))), -Y / (A.size * Ac)


def ce_log10(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log10(Ac)) / m), -Y / (m * Ac * np.log(10))


def ce_per_example(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return -np.sum(Y * np.log(Ac), axis=0) / m, -Y / (m * Ac)


def ce_tuple_order(A, Y):
    L, dA = ce_ok(A, Y)
    return dA, L


def backward_ok(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(Z2)
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_loop(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    g = {"W1": 0.0, "b1": 0.0, "W2": 0.0, "b2": 0.0}
    for i in range(m):
        x, a1 = X[:, i : i + 1], A1[:, i : i + 1]
        d2 = (A2[:, i : i + 1] - Y[:, i : i + 1]) * _sigp(Z2[:, i : i + 1])
        d1 = (W2.T @ d2) * _sigp(Z1[:, i : i + 1])
        g["W2"] = g["W2"] + d2 @ a1.T
        g["b2"] = g["b2"] + d2
        g["W1"] = g["W1"] + d1 @ x.T
        g["b1"] = g["b1"] + d1
    return {k: v / m for k, v in g.items()}


def backward_from_activations(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) * A2 * (1 - A2) / m
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1)
    return {
        "b2": np.sum(dZ2, axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b1": np.sum(dZ1, axis=1, keepdims=True),
        "W1": dZ1 @ X.T,
    }


def backward_mean_at_end(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    d2 = (A2 - Y) * _sigp(Z2)
    d1 = (W2.T @ d2) * _sigp(Z1)
    return {
        "W1": d1 @ X.T / m,
        "b1": d1.mean(axis=1, keepdims=True),
        "W2": d2 @ A1.T / m,
        "b2": d2.mean(axis=1, keepdims=True),
    }


def backward_no_m(X, Y, W2, Z1, A1, Z2, A2):
    dZ2 = (A2 - Y) * _sigp(Z2)
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_no_keepdims(X, Y, W2, Z1, A1, Z2, A2):
    g = backward_ok(X, Y, W2, Z1, A1, Z2, A2)
    g["b1"] = g["b1"].ravel()
    g["b2"] = g["b2"].ravel()
    return g


def backward_db_wrong_axis(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(Z2)
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=0, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=0, keepdims=True),
    }


def backward_sigma_prime_of_a(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(A2)
    dZ1 = (W2.T @ dZ2) * _sigp(A1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_no_hidden_sigma_prime(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(Z2)
    dZ1 = W2.T @ dZ2
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_dw_transposed(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(Z2)
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": X @ dZ1.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": A1 @ dZ2.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_w2_not_transposed(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * _sigp(Z2)
    dZ1 = (W2 @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_sign(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (Y - A2) / m * _sigp(Z2)
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def backward_key_names(X, Y, W2, Z1, A1, Z2, A2):
    return {"d" + k: v for k, v in backward_ok(X, Y, W2, Z1, A1, Z2, A2).items()}


def backward_layers_swapped(X, Y, W2, Z1, A1, Z2, A2):
    g = backward_ok(X, Y, W2, Z1, A1, Z2, A2)
    return {"W1": g["W2"], "b1": g["b2"], "W2": g["W1"], "b2": g["b1"]}


def backward_aliases_a2(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = A2
    dZ2 -= Y
    dZ2 *= _sigp(Z2) / m
    dZ1 = (W2.T @ dZ2) * _sigp(Z1)
    return {
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
    }


def _fwd_params(X, p):
    return forward_ok(X, p["W1"], p["b1"], p["W2"], p["b2"])


def train_ok(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        L, _ = mse_ok(A2, Y)
        losses.append(L)
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = {name: params[name] - lr * grads[name] for name in params}
    return params, losses


def train_deepcopy_in_place(X, Y, params, lr, epochs):
    params = copy.deepcopy(params)
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        for name in params:
            params[name] -= lr * grads[name]
    return params, losses


def train_own_loss(X, Y, params, lr, epochs):
    W1, b1, W2, b2 = (params[k] for k in ("W1", "b1", "W2", "b2"))
    m = X.shape[1]
    losses = []
    epoch = 0
    while epoch < epochs:
        Z1, A1, Z2, A2 = forward_ok(X, W1, b1, W2, b2)
        losses.append(float(0.5 * np.sum((A2 - Y) ** 2) / m))
        g = backward_ok(X, Y, W2, Z1, A1, Z2, A2)
        W1, b1, W2, b2 = W1 - lr * g["W1"], b1 - lr * g["b1"], W2 - lr * g["W2"], b2 - lr * g["b2"]
        epoch += 1
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, losses


def train_grads_first(X, Y, params, lr, epochs):
    current = dict(params)
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, current)
        grads = backward_ok(X, Y, current["W2"], Z1, A1, Z2, A2)
        L, _dA = mse_ok(A2, Y)
        current = gd_ok(current, grads, lr)
        losses.append(L)
    return current, losses


def train_no_copy(X, Y, params, lr, epochs):
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        for name in params:
            params[name] -= lr * grads[name]
    return params, losses


def train_shallow_copy(X, Y, params, lr, epochs):
    params = dict(params)
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        for name in params:
            params[name] -= lr * grads[name]
    return params, losses


def train_loss_after_update(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = gd_ok(params, grads, lr)
        losses.append(mse_ok(_fwd_params(X, params)[3], Y)[0])
    return params, losses


def train_one_epoch_short(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs - 1):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = gd_ok(params, grads, lr)
    return params, losses


def train_sign(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = {name: params[name] + lr * grads[name] for name in params}
    return params, losses


def train_appends_tuple(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y))
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = gd_ok(params, grads, lr)
    return params, losses


def train_returns_params_only(X, Y, params, lr, epochs):
    return train_ok(X, Y, params, lr, epochs)[0]


def train_weights_only(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        params["W1"] = params["W1"] - lr * grads["W1"]
        params["W2"] = params["W2"] - lr * grads["W2"]
    return params, losses


def train_rebinds_loop_variable(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = _fwd_params(X, params)
        losses.append(mse_ok(A2, Y)[0])
        grads = backward_ok(X, Y, params["W2"], Z1, A1, Z2, A2)
        for name, p in params.items():
            p = p - lr * grads[name]  # the learner's mistake: rebinds the loop variable
    return params, losses


_TRAIN_CACHE: dict = {}


def train_cached(X, Y, params, lr, epochs):
    key = _shape_key(X, params, epochs)
    if key not in _TRAIN_CACHE:
        _TRAIN_CACHE[key] = train_ok(X, Y, params, lr, epochs)
    return _TRAIN_CACHE[key]


_with_reset(train_cached, _TRAIN_CACHE)


# ====================================================================================================
# ex03 derivation


def output_delta_ok(A, Y, Z):
    return (A - Y) * _sigp(Z)


def output_delta_from_a(A, Y, Z):
    return (A - Y) * A * (1.0 - A)


def output_delta_loop(A, Y, Z):
    out = np.empty(np.shape(A))
    for i in np.ndindex(out.shape):
        e = math.exp(-abs(float(Z[i])))
        out[i] = (A[i] - Y[i]) * e / (1.0 + e) ** 2
    return out


def output_delta_multiply(A, Y, Z):
    S = sigmoid_logaddexp(Z)
    return np.multiply(np.subtract(A, Y), S * (1.0 - S))


def output_delta_sign(A, Y, Z):
    return (Y - A) * _sigp(Z)


def output_delta_sigma_prime_of_a(A, Y, Z):
    return (A - Y) * _sigp(A)


def output_delta_no_sigma_prime(A, Y, Z):
    return A - Y


def output_delta_divided_by_m(A, Y, Z):
    return (A - Y) * _sigp(Z) / A.shape[1]


def output_delta_matrix_product(A, Y, Z):
    return (A - Y) @ _sigp(Z).T


def output_delta_z_as_activation(A, Y, Z):
    return (A - Y) * Z * (1.0 - Z)


def output_delta_in_place(A, Y, Z):
    A -= Y
    A *= _sigp(Z)
    return A


_OUTPUT_DELTA_CACHE: dict = {}


def output_delta_cached(A, Y, Z):
    if A.shape not in _OUTPUT_DELTA_CACHE:
        _OUTPUT_DELTA_CACHE[A.shape] = (A - Y) * _sigp(Z)
    return _OUTPUT_DELTA_CACHE[A.shape]


_with_reset(output_delta_cached, _OUTPUT_DELTA_CACHE)


def output_delta_summed(A, Y, Z):
    return np.sum((A - Y) * _sigp(Z), axis=1, keepdims=True)


def output_delta_loss_not_derivative(A, Y, Z):
    return 0.5 * (A - Y) ** 2 * _sigp(Z)


def hidden_delta_ok(W_next, delta_next, Z, sigma_prime):
    return (W_next.T @ delta_next) * sigma_prime(Z)


def hidden_delta_transposed_product(W_next, delta_next, Z, sigma_prime):
    return sigma_prime(Z) * (delta_next.T @ W_next).T


def hidden_delta_einsum(W_next, delta_next, Z, sigma_prime):
    return np.einsum("ji,jk->ik", W_next, delta_next) * sigma_prime(Z)


def hidden_delta_columns(W_next, delta_next, Z, sigma_prime):
    sp = sigma_prime(Z)
    out = np.zeros(np.shape(Z))
    for i in range(out.shape[1]):
        out[:, i] = np.dot(W_next.T, delta_next[:, i]) * sp[:, i]
    return out


def hidden_delta_no_transpose(W_next, delta_next, Z, sigma_prime):
    return (W_next @ delta_next) * sigma_prime(Z)


def hidden_delta_no_sigma_prime(W_next, delta_next, Z, sigma_prime):
    return W_next.T @ delta_next


def hidden_delta_hard_coded_sigmoid(W_next, delta_next, Z, sigma_prime):
    return (W_next.T @ delta_next) * _sigp(Z)


def hidden_delta_sigma_prime_of_product(W_next, delta_next, Z, sigma_prime):
    return sigma_prime(W_next.T @ delta_next)


def hidden_delta_sigma_prime_of_activation(W_next, delta_next, Z, sigma_prime):
    A = _sig(Z)
    return (W_next.T @ delta_next) * sigma_prime(A)


def hidden_delta_examples_as_rows(W_next, delta_next, Z, sigma_prime):
    return (delta_next.T @ W_next) * sigma_prime(Z).T


def hidden_delta_divided_by_m(W_next, delta_next, Z, sigma_prime):
    return (W_next.T @ delta_next) * sigma_prime(Z) / Z.shape[1]


def hidden_delta_in_place(W_next, delta_next, Z, sigma_prime):
    Z[...] = sigma_prime(Z)
    return (W_next.T @ delta_next) * Z


_HIDDEN_DELTA_CACHE: dict = {}


def hidden_delta_cached(W_next, delta_next, Z, sigma_prime):
    key = _shape_key(W_next, delta_next, Z)
    if key not in _HIDDEN_DELTA_CACHE:
        _HIDDEN_DELTA_CACHE[key] = (W_next.T @ delta_next) * sigma_prime(Z)
    return _HIDDEN_DELTA_CACHE[key]


_with_reset(hidden_delta_cached, _HIDDEN_DELTA_CACHE)


def hidden_delta_sum_not_product(W_next, delta_next, Z, sigma_prime):
    return W_next.T @ delta_next + sigma_prime(Z)


def weight_gradients_ok(delta, A_prev):
    m = delta.shape[1]
    return delta @ A_prev.T / m, delta.sum(axis=1, keepdims=True) / m


def weight_gradients_einsum(delta, A_prev):
    m = delta.shape[1]
    return np.einsum("ik,jk->ij", delta, A_prev) / m, delta.mean(axis=1, keepdims=True)


def weight_gradients_dot_ones(delta, A_prev):
    m = delta.shape[1]
    return np.dot(delta, A_prev.T) * (1.0 / m), delta @ np.ones((m, 1)) / m


def weight_gradients_transposed_product(delta, A_prev):
    m = delta.shape[1]
    dW = (A_prev @ delta.T).T / m
    return dW, np.mean(delta, axis=1).reshape(-1, 1)


def weight_gradients_no_m(delta, A_prev):
    return delta @ A_prev.T, delta.sum(axis=1, keepdims=True)


def weight_gradients_db_no_m(delta, A_prev):
    m = delta.shape[1]
    return delta @ A_prev.T / m, delta.sum(axis=1, keepdims=True)


def weight_gradients_dw_transposed(delta, A_prev):
    m = delta.shape[1]
    return A_prev @ delta.T / m, delta.sum(axis=1, keepdims=True) / m


def weight_gradients_no_keepdims(delta, A_prev):
    m = delta.shape[1]
    return delta @ A_prev.T / m, delta.sum(axis=1) / m


def weight_gradients_db_wrong_axis(delta, A_prev):
    m = delta.shape[1]
    return delta @ A_prev.T / m, delta.sum(axis=0, keepdims=True) / m


def weight_gradients_m_from_rows(delta, A_prev):
    m = delta.shape[0]
    return delta @ A_prev.T / m, delta.sum(axis=1, keepdims=True) / m


def weight_gradients_tuple_order(delta, A_prev):
    dW, db = weight_gradients_ok(delta, A_prev)
    return db, dW


def weight_gradients_floor_division(delta, A_prev):
    m = delta.shape[1]
    return delta @ A_prev.T // m, delta.sum(axis=1, keepdims=True) // m


_WEIGHT_GRADIENTS_CACHE: dict = {}


def weight_gradients_cached(delta, A_prev):
    key = _shape_key(delta, A_prev)
    if key not in _WEIGHT_GRADIENTS_CACHE:
        _WEIGHT_GRADIENTS_CACHE[key] = weight_gradients_ok(delta, A_prev)
    return _WEIGHT_GRADIENTS_CACHE[key]


_with_reset(weight_gradients_cached, _WEIGHT_GRADIENTS_CACHE)


def weight_gradients_m_twice(delta, A_prev):
    m = delta.shape[1]
    d = delta / m
    return d @ A_prev.T / m, d.sum(axis=1, keepdims=True) / m


def numgrad_ok(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_copies(f, x, h=1e-5):
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xm = x.copy()
        xp[i] += h
        xm[i] -= h
        g[i] = (f(xp) - f(xm)) / (2 * h)
    return g


def numgrad_flat_index(f, x, h=1e-5):
    g = np.empty(x.shape, dtype=float)
    for k in range(x.size - 1, -1, -1):
        i = np.unravel_index(k, x.shape)
        saved = x[i].copy()
        x[i] = saved - h
        f_minus = f(x)
        x[i] = saved + h
        f_plus = f(x)
        x[i] = saved
        g[i] = 0.5 * (f_plus - f_minus) / h
    return g


def numgrad_nditer(f, x, h=1e-5):
    g = np.zeros_like(x, dtype=float)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = float(x[i])
        x[i] = old + h
        a = f(x)
        x[i] = old - h
        b = f(x)
        x[i] = old
        g[i] = (a - b) / (h + h)
    return g


def numgrad_forward_difference(f, x, h=1e-5):
    g = np.zeros_like(x)
    f0 = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        g[i] = (f(x) - f0) / h
        x[i] = old
    return g


def numgrad_divides_by_h(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_plus - f_minus) / h
    return g


def numgrad_no_restore(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_restore_by_arithmetic(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        f_plus = f(x)
        x[i] -= 2 * h
        f_minus = f(x)
        x[i] += h
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_rows_only(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in range(x.shape[0]):
        old = x[i].copy()
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_sign(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_minus - f_plus) / (2 * h)
    return g


def numgrad_flat_list(f, x, h=1e-5):
    return numgrad_ok(f, x, h).ravel().tolist()


def numgrad_flat_array(f, x, h=1e-5):
    return numgrad_ok(f, x, h).ravel()


def numgrad_own_h(f, x, h=1e-5):
    h = 0.1
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_integer_result(f, x, h=1e-5):
    g = np.zeros(x.shape, dtype=int)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f(x)
        x[i] = old - h
        f_minus = f(x)
        x[i] = old
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


def numgrad_copy_not_reset(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        xp = x.copy()
        xp[i] += h
        f_plus = f(xp)
        xp[i] -= h
        f_minus = f(xp)
        g[i] = (f_plus - f_minus) / (2 * h)
    return g


# ====================================================================================================
# ex04 limitations


def norms_ok(grads, L):
    return np.array([np.sqrt(np.sum(grads[f"W{l}"] ** 2)) for l in range(1, L + 1)])


def norms_linalg(grads, L):
    return np.array([np.linalg.norm(grads["W" + str(l)]) for l in range(1, L + 1)])


def norms_fill(grads, L):
    out = np.zeros(L)
    for l in range(L, 0, -1):
        W = grads[f"W{l}"]
        out[l - 1] = math.sqrt(float(np.einsum("ij,ij->", W, W)))
    return out


def norms_fro(grads, L):
    return np.fromiter((np.linalg.norm(grads[f"W{l}"], "fro") for l in range(1, L + 1)), dtype=float, count=L)


def norms_squared(grads, L):
    return np.array([np.sum(grads[f"W{l}"] ** 2) for l in range(1, L + 1)])


def norms_with_biases(grads, L):
    return np.array([np.sqrt(np.sum(grads[f"W{l}"] ** 2) + np.sum(grads[f"b{l}"] ** 2)) for l in range(1, L + 1)])


def norms_reversed(grads, L):
    return np.array([np.sqrt(np.sum(grads[f"W{l}"] ** 2)) for l in range(L, 0, -1)])


def norms_hard_coded_two_layers(grads, L):
    return np.array([np.linalg.norm(grads["W1"]), np.linalg.norm(grads["W2"])])


def norms_list(grads, L):
    return [float(np.sqrt(np.sum(grads[f"W{l}"] ** 2))) for l in range(1, L + 1)]


def norms_generator(grads, L):
    return (np.sqrt(np.sum(grads[f"W{l}"] ** 2)) for l in range(1, L + 1))


def norms_l1(grads, L):
    return np.array([np.sum(np.abs(grads[f"W{l}"])) for l in range(1, L + 1)])


def norms_one_short(grads, L):
    return np.array([np.sqrt(np.sum(grads[f"W{l}"] ** 2)) for l in range(1, L)])


def norms_spectral(grads, L):
    return np.array([np.linalg.norm(grads[f"W{l}"], 2) for l in range(1, L + 1)])


def norms_rms(grads, L):
    return np.array([np.sqrt(np.mean(grads[f"W{l}"] ** 2)) for l in range(1, L + 1)])


_NORMS_CACHE: dict = {}


def norms_cached(grads, L):
    key = _shape_key(grads, L)
    if key not in _NORMS_CACHE:
        _NORMS_CACHE[key] = norms_ok(grads, L)
    return _NORMS_CACHE[key]


_with_reset(norms_cached, _NORMS_CACHE)


def xavier_ok(n_out, n_in, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def xavier_normal(n_out, n_in, rng):
    return rng.normal(0.0, math.sqrt(2 / (n_out + n_in)), size=(n_out, n_in))


def xavier_divide(n_out, n_in, rng):
    return rng.standard_normal((n_out, n_in)) / np.sqrt((n_in + n_out) / 2)


def xavier_transposed_draw(n_out, n_in, rng):
    return (rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / (n_in + n_out))).T


def xavier_one_at_a_time(n_out, n_in, rng):
    W = np.empty((n_out, n_in))
    std = math.sqrt(2.0 / (n_in + n_out))
    for i in range(n_out):
        for j in range(n_in):
            W[i, j] = std * rng.standard_normal()
    return W


def xavier_variance_as_std(n_out, n_in, rng):
    return (2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def xavier_shape_transposed(n_out, n_in, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_in, n_out))


def xavier_uniform(n_out, n_in, rng):
    s = np.sqrt(2.0 / (n_in + n_out))
    return rng.uniform(-s, s, size=(n_out, n_in))


def xavier_global_random(n_out, n_in, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * np.random.randn(n_out, n_in)  # noqa: NPY002 - the learner's mistake


def xavier_he_formula(n_out, n_in, rng):
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))


def xavier_lecun_formula(n_out, n_in, rng):
    return np.sqrt(1.0 / n_in) * rng.standard_normal((n_out, n_in))


def xavier_floor_division(n_out, n_in, rng):
    return np.sqrt(2 // (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def xavier_mean_one(n_out, n_in, rng):
    return rng.normal(1.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in))


def xavier_own_seed(n_out, n_in, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * np.random.default_rng(0).standard_normal((n_out, n_in))


_XAVIER_CACHE: dict = {}


def xavier_cached(n_out, n_in, rng):
    if (n_out, n_in) not in _XAVIER_CACHE:
        _XAVIER_CACHE[(n_out, n_in)] = np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))
    return _XAVIER_CACHE[(n_out, n_in)]


_with_reset(xavier_cached, _XAVIER_CACHE)


def he_ok(n_out, n_in, rng):
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))


def he_normal(n_out, n_in, rng):
    return rng.normal(loc=0.0, scale=math.sqrt(2.0 / n_in), size=(n_out, n_in))


def he_transposed_draw(n_out, n_in, rng):
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_in, n_out)).T


def he_one_at_a_time(n_out, n_in, rng):
    std = (2.0 / n_in) ** 0.5
    return np.array([[std * rng.standard_normal() for _ in range(n_in)] for _ in range(n_out)])


def he_variance_as_std(n_out, n_in, rng):
    return (2.0 / n_in) * rng.standard_normal((n_out, n_in))


def he_fan_out(n_out, n_in, rng):
    return np.sqrt(2.0 / n_out) * rng.standard_normal((n_out, n_in))


def he_xavier_formula(n_out, n_in, rng):
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def he_no_factor_two(n_out, n_in, rng):
    return np.sqrt(1.0 / n_in) * rng.standard_normal((n_out, n_in))


def he_shape_transposed(n_out, n_in, rng):
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_in, n_out))


def he_global_random(n_out, n_in, rng):
    return np.sqrt(2.0 / n_in) * np.random.standard_normal((n_out, n_in))  # noqa: NPY002 - the learner's mistake


def he_uniform(n_out, n_in, rng):
    s = np.sqrt(2.0 / n_in)
    return rng.uniform(-s, s, size=(n_out, n_in))


def he_floor_division(n_out, n_in, rng):
    return np.sqrt(2 // n_in) * rng.standard_normal((n_out, n_in))


def he_positive_only(n_out, n_in, rng):
    return np.abs(np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in)))


_HE_CACHE: dict = {}


def he_cached(n_out, n_in, rng):
    if (n_out, n_in) not in _HE_CACHE:
        _HE_CACHE[(n_out, n_in)] = np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))
    return _HE_CACHE[(n_out, n_in)]


_with_reset(he_cached, _HE_CACHE)


def clip_ok(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


def clip_concatenate(grads, max_norm):
    norm = np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()]))
    if norm <= max_norm:
        return {name: g.copy() for name, g in grads.items()}
    return {name: g * (max_norm / norm) for name, g in grads.items()}


def clip_min_scale(grads, max_norm):
    total = 0.0
    for g in grads.values():
        total += float(np.sum(np.square(g)))
    norm = math.sqrt(total)
    scale = max_norm / max(norm, max_norm)
    out = {}
    for name, g in grads.items():
        out[name] = scale * g
    return out


def clip_copies_then_scale(grads, max_norm):
    out = {name: np.array(g, dtype=float, copy=True) for name, g in grads.items()}
    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in out.values()))
    if norm > max_norm:
        for g in out.values():
            g *= max_norm / norm
    return out


def clip_per_array(grads, max_norm):
    out = {}
    for name, g in grads.items():
        n = np.linalg.norm(g)
        out[name] = g * (max_norm / n) if n > max_norm else g.copy()
    return out


def clip_element_wise(grads, max_norm):
    return {name: np.clip(g, -max_norm, max_norm) for name, g in grads.items()}


def clip_always_rescales(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    return {name: g * (max_norm / norm) for name, g in grads.items()}


def clip_inverted_factor(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    scale = norm / max_norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


def clip_no_sqrt(grads, max_norm):
    norm = sum(np.sum(g * g) for g in grads.values())
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


def clip_in_place(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return grads


def clip_returns_input_when_small(grads, max_norm):
    norm = np.sqrt(sum(np.sum(g * g) for g in grads.values()))
    if norm <= max_norm:
        return grads
    return {name: g * (max_norm / norm) for name, g in grads.items()}


def clip_returns_list(grads, max_norm):
    return list(clip_ok(grads, max_norm).values())


def clip_l1_norm(grads, max_norm):
    norm = sum(np.sum(np.abs(g)) for g in grads.values())
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


def clip_hard_coded_keys(grads, max_norm):
    keys = ("W1", "b1", "W2", "b2")
    norm = np.sqrt(sum(np.sum(grads[k] ** 2) for k in keys))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {k: grads[k] * scale for k in keys}


def clip_rms_norm(grads, max_norm):
    norm = np.sqrt(np.mean(np.concatenate([g.ravel() ** 2 for g in grads.values()])))
    scale = max_norm / norm if norm > max_norm else 1.0
    return {name: g * scale for name, g in grads.items()}


_CLIP_CACHE: dict = {}


def clip_cached(grads, max_norm):
    key = _shape_key(grads)
    if key not in _CLIP_CACHE:
        _CLIP_CACHE[key] = clip_ok(grads, max_norm)
    return _CLIP_CACHE[key]


_with_reset(clip_cached, _CLIP_CACHE)


# ====================================================================================================
# ex05 improvements


def momentum_ok(theta, g, v, lr, beta):
    v = beta * v + g
    return theta - lr * v, v


def momentum_expanded(theta, g, v, lr, beta):
    v_new = g + beta * v
    return theta - lr * g - lr * beta * v, v_new


def momentum_ufuncs(theta, g, v, lr, beta):
    v_new = np.add(np.multiply(beta, v), g)
    theta_new = np.array(theta, dtype=float, copy=True)
    theta_new -= lr * v_new
    return theta_new, v_new


def momentum_loop(theta, g, v, lr, beta):
    theta_new = np.empty(np.shape(theta))
    v_new = np.empty(np.shape(v))
    for i in np.ndindex(theta_new.shape):
        v_new[i] = beta * v[i] + g[i]
        theta_new[i] = theta[i] - lr * v_new[i]
    return theta_new, v_new


def momentum_lr_in_velocity(theta, g, v, lr, beta):
    v = beta * v - lr * g
    return theta + v, v


def momentum_ema(theta, g, v, lr, beta):
    v = beta * v + (1 - beta) * g
    return theta - lr * v, v


def momentum_sign(theta, g, v, lr, beta):
    v = beta * v + g
    return theta + lr * v, v


def momentum_tuple_order(theta, g, v, lr, beta):
    v = beta * v + g
    return v, theta - lr * v


def momentum_returns_old_v(theta, g, v, lr, beta):
    v_new = beta * v + g
    return theta - lr * v_new, v


def momentum_step_with_old_v(theta, g, v, lr, beta):
    theta_new = theta - lr * v
    v = beta * v + g
    return theta_new, v


def momentum_in_place(theta, g, v, lr, beta):
    v *= beta
    v += g
    theta -= lr * v
    return theta, v


def momentum_lr_twice(theta, g, v, lr, beta):
    v = beta * v + lr * g
    return theta - lr * v, v


_MOMENTUM_CACHE: dict = {}


def momentum_cached(theta, g, v, lr, beta):
    key = _shape_key(theta)
    if key not in _MOMENTUM_CACHE:
        _MOMENTUM_CACHE[key] = momentum_ok(theta, g, v, lr, beta)
    return _MOMENTUM_CACHE[key]


_with_reset(momentum_cached, _MOMENTUM_CACHE)


def rmsprop_ok(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g * g
    return theta - lr * g / (np.sqrt(s) + eps), s


def rmsprop_square_reciprocal(theta, g, s, lr, beta, eps):
    s_new = beta * s + (1.0 - beta) * np.square(g)
    return theta - lr * g * (1.0 / (np.sqrt(s_new) + eps)), s_new


def rmsprop_incremental_average(theta, g, s, lr, beta, eps):
    s_new = s + (1 - beta) * (g**2 - s)
    return theta - np.divide(lr * g, s_new**0.5 + eps), s_new


def rmsprop_loop(theta, g, s, lr, beta, eps):
    theta_new = np.empty(np.shape(theta))
    s_new = np.empty(np.shape(s))
    for i in np.ndindex(theta_new.shape):
        s_new[i] = beta * s[i] + (1 - beta) * g[i] ** 2
        theta_new[i] = theta[i] - lr * g[i] / (math.sqrt(s_new[i]) + eps)
    return theta_new, s_new


def rmsprop_eps_inside_sqrt(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g * g
    return theta - lr * g / np.sqrt(s + eps), s


def rmsprop_no_sqrt(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g * g
    return theta - lr * g / (s + eps), s


def rmsprop_no_one_minus_beta(theta, g, s, lr, beta, eps):
    s = beta * s + g * g
    return theta - lr * g / (np.sqrt(s) + eps), s


def rmsprop_betas_swapped(theta, g, s, lr, beta, eps):
    s = (1 - beta) * s + beta * g * g
    return theta - lr * g / (np.sqrt(s) + eps), s


def rmsprop_g_not_squared(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g
    return theta - lr * g / (np.sqrt(np.abs(s)) + eps), s


def rmsprop_step_with_old_s(theta, g, s, lr, beta, eps):
    theta_new = theta - lr * g / (np.sqrt(s) + eps)
    return theta_new, beta * s + (1 - beta) * g * g


def rmsprop_sign(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g * g
    return theta + lr * g / (np.sqrt(s) + eps), s


def rmsprop_tuple_order(theta, g, s, lr, beta, eps):
    theta_new, s_new = rmsprop_ok(theta, g, s, lr, beta, eps)
    return s_new, theta_new


def rmsprop_in_place(theta, g, s, lr, beta, eps):
    s *= beta
    s += (1 - beta) * g * g
    theta -= lr * g / (np.sqrt(s) + eps)
    return theta, s


def rmsprop_no_lr(theta, g, s, lr, beta, eps):
    s = beta * s + (1 - beta) * g * g
    return theta - g / (np.sqrt(s) + eps), s


def adam_ok(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_incremental(theta, g, m, v, t, lr, beta1, beta2, eps):
    m_new = m + (1 - beta1) * (g - m)
    v_new = v + (1 - beta2) * (np.square(g) - v)
    step = lr * (m_new / (1 - beta1**t)) / ((v_new / (1 - beta2**t)) ** 0.5 + eps)
    return theta - step, m_new, v_new


def adam_efficient_form(theta, g, m, v, t, lr, beta1, beta2, eps):
    m_new = beta1 * m + (1 - beta1) * g
    v_new = beta2 * v + (1 - beta2) * g**2
    c2 = math.sqrt(1 - beta2**t)
    lr_t = lr * c2 / (1 - beta1**t)
    return theta - lr_t * m_new / (np.sqrt(v_new) + eps * c2), m_new, v_new


def adam_loop(theta, g, m, v, t, lr, beta1, beta2, eps):
    theta_new, m_new, v_new = (np.empty(np.shape(theta)) for _ in range(3))
    for i in np.ndindex(theta_new.shape):
        m_new[i] = beta1 * m[i] + (1 - beta1) * g[i]
        v_new[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i]
        m_hat = m_new[i] / (1 - beta1**t)
        v_hat = v_new[i] / (1 - beta2**t)
        theta_new[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
    return theta_new, m_new, v_new


def adam_no_correction(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_t_plus_one(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_correction_multiplied(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m * (1 - beta1**t)
    v_hat = v * (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_returns_corrected_state(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m = m / (1 - beta1**t)
    v = v / (1 - beta2**t)
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def adam_eps_inside_sqrt(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / np.sqrt(v_hat + eps), m, v


def adam_g_not_squared(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * np.abs(g)
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_tuple_order(theta, g, m, v, t, lr, beta1, beta2, eps):
    theta_new, m_new, v_new = adam_ok(theta, g, m, v, t, lr, beta1, beta2, eps)
    return theta_new, v_new, m_new


def adam_betas_swapped(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta2 * m + (1 - beta2) * g
    v = beta1 * v + (1 - beta1) * g * g
    m_hat = m / (1 - beta2**t)
    v_hat = v / (1 - beta1**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_in_place(theta, g, m, v, t, lr, beta1, beta2, eps):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta, m, v


def adam_sign(theta, g, m, v, t, lr, beta1, beta2, eps):
    theta_new, m_new, v_new = adam_ok(theta, g, m, v, t, lr, beta1, beta2, eps)
    return 2 * theta - theta_new, m_new, v_new


def adam_power_of_difference(theta, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1) ** t
    v_hat = v / (1 - beta2) ** t
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def bn_forward_ok(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = (Z - mu) * inv_std
    return gamma * Z_hat + beta, (Z_hat, inv_std, gamma)


def bn_forward_sums(Z, gamma, beta, eps):
    m = Z.shape[1]
    mu = np.sum(Z, axis=1, keepdims=True) / m
    var = np.sum((Z - mu) ** 2, axis=1, keepdims=True) / m
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return Z_hat * gamma + beta, {"Z": Z, "mu": mu, "var": var, "gamma": gamma, "eps": eps}


def bn_forward_rows(Z, gamma, beta, eps):
    out = np.empty(Z.shape)
    zhat = np.empty(Z.shape)
    stds = np.empty((Z.shape[0], 1))
    for r in range(Z.shape[0]):
        row = Z[r]
        mu = row.mean()
        std = math.sqrt(float(np.mean((row - mu) ** 2)) + eps)
        zhat[r] = (row - mu) / std
        stds[r, 0] = std
        out[r] = gamma[r, 0] * zhat[r] + beta[r, 0]
    return out, [zhat, stds, gamma]


def bn_forward_centered_first(Z, gamma, beta, eps):
    Zc = Z - np.mean(Z, axis=1, keepdims=True)
    var = np.mean(Zc * Zc, axis=1, keepdims=True)
    return beta + gamma * (Zc / np.sqrt(var + eps)), (Zc, var, gamma, eps)


def bn_forward_wrong_axis(Z, gamma, beta, eps):
    mu = Z.mean(axis=0, keepdims=True)
    var = Z.var(axis=0, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_no_keepdims(Z, gamma, beta, eps):
    mu = Z.mean(axis=1)
    var = Z.var(axis=1)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_eps_outside(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    std = Z.std(axis=1, keepdims=True)
    Z_hat = (Z - mu) / (std + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_no_eps(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / Z.std(axis=1, keepdims=True)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_no_gamma(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return Z_hat + beta, (Z_hat, gamma)


def bn_forward_no_beta(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return gamma * Z_hat, (Z_hat, gamma)


def bn_forward_unbiased_variance(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_divides_by_variance(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / (Z.var(axis=1, keepdims=True) + eps)
    return gamma * Z_hat + beta, (Z_hat, gamma)


def bn_forward_gamma_beta_swapped(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(Z.var(axis=1, keepdims=True) + eps)
    return beta * Z_hat + gamma, (Z_hat, gamma)


def bn_forward_in_place(Z, gamma, beta, eps):
    Z -= Z.mean(axis=1, keepdims=True)
    Z /= np.sqrt(np.mean(Z * Z, axis=1, keepdims=True) + eps)
    return gamma * Z + beta, (Z.copy(), gamma)


def bn_forward_returns_out_only(Z, gamma, beta, eps):
    return bn_forward_ok(Z, gamma, beta, eps)[0]


_BN_FORWARD_CACHE: dict = {}


def bn_forward_cached(Z, gamma, beta, eps):
    if Z.shape not in _BN_FORWARD_CACHE:
        _BN_FORWARD_CACHE[Z.shape] = bn_forward_ok(Z, gamma, beta, eps)
    return _BN_FORWARD_CACHE[Z.shape]


_with_reset(bn_forward_cached, _BN_FORWARD_CACHE)


def bn_backward_ok(dout, cache):
    Z_hat, inv_std, gamma = cache
    m = dout.shape[1]
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = np.sum(dout * Z_hat, axis=1, keepdims=True)
    dZ_hat = gamma * dout
    dZ = (inv_std / m) * (
        m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, dgamma, dbeta


def bn_forward_graph(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    xc = Z - mu
    var = (xc**2).mean(axis=1, keepdims=True)
    std = np.sqrt(var + eps)
    zhat = xc / std
    return gamma * zhat + beta, {"xc": xc, "std": std, "zhat": zhat, "gamma": gamma}


def bn_backward_graph(dout, cache):
    xc, std, zhat, gamma = cache["xc"], cache["std"], cache["zhat"], cache["gamma"]
    m = dout.shape[1]
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = (dout * zhat).sum(axis=1, keepdims=True)
    dzhat = dout * gamma
    dxc = dzhat / std
    dstd = -np.sum(dzhat * xc, axis=1, keepdims=True) / std**2
    dvar = 0.5 * dstd / std
    dxc = dxc + 2.0 * xc * dvar / m
    dmu = -dxc.sum(axis=1, keepdims=True)
    return dxc + dmu / m, dgamma, dbeta


def bn_backward_means(dout, cache):
    Z, mu, var, gamma, eps = (cache[k] for k in ("Z", "mu", "var", "gamma", "eps"))
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    dZ_hat = dout * gamma
    dZ = (dZ_hat - dZ_hat.mean(axis=1, keepdims=True) - Z_hat * (dZ_hat * Z_hat).mean(axis=1, keepdims=True)) / np.sqrt(
        var + eps
    )
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), np.sum(dout, axis=1, keepdims=True)


def bn_backward_rows(dout, cache):
    zhat, stds, gamma = cache
    n, m = dout.shape
    dZ = np.empty((n, m))
    dgamma = np.empty((n, 1))
    dbeta = np.empty((n, 1))
    for r in range(n):
        d = dout[r]
        dbeta[r, 0] = d.sum()
        dgamma[r, 0] = (d * zhat[r]).sum()
        dzh = gamma[r, 0] * d
        dZ[r] = (m * dzh - dzh.sum() - zhat[r] * (dzh * zhat[r]).sum()) / (m * stds[r, 0])
    return dZ, dgamma, dbeta


def bn_backward_no_batch_terms(dout, cache):
    Z_hat, inv_std, gamma = cache
    return gamma * dout * inv_std, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_backward_no_variance_term(dout, cache):
    Z_hat, inv_std, gamma = cache
    m = dout.shape[1]
    dZ_hat = gamma * dout
    dZ = (inv_std / m) * (m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True))
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_backward_no_gamma(dout, cache):
    Z_hat, inv_std, gamma = cache
    m = dout.shape[1]
    dZ_hat = dout
    dZ = (inv_std / m) * (
        m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_backward_dgamma_without_zhat(dout, cache):
    dZ, _dgamma, dbeta = bn_backward_ok(dout, cache)
    return dZ, dout.sum(axis=1, keepdims=True), dbeta


def bn_backward_sums_wrong_axis(dout, cache):
    dZ, _dgamma, _dbeta = bn_backward_ok(dout, cache)
    Z_hat = cache[0]
    return dZ, np.sum(dout * Z_hat, axis=0, keepdims=True), dout.sum(axis=0, keepdims=True)


def bn_backward_no_keepdims(dout, cache):
    dZ, dgamma, dbeta = bn_backward_ok(dout, cache)
    return dZ, dgamma.ravel(), dbeta.ravel()


def bn_backward_tuple_order(dout, cache):
    dZ, dgamma, dbeta = bn_backward_ok(dout, cache)
    return dZ, dbeta, dgamma


def bn_backward_no_one_over_m(dout, cache):
    Z_hat, inv_std, gamma = cache
    m = dout.shape[1]
    dZ_hat = gamma * dout
    dZ = inv_std * (
        m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_forward_caches_var(Z, gamma, beta, eps):
    mu = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    Z_hat = (Z - mu) / np.sqrt(var + eps)
    return gamma * Z_hat + beta, (Z_hat, var, gamma)


def bn_backward_forgets_eps(dout, cache):
    Z_hat, var, gamma = cache
    inv_std = 1.0 / np.sqrt(var)
    m = dout.shape[1]
    dZ_hat = gamma * dout
    dZ = (inv_std / m) * (
        m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_backward_sign(dout, cache):
    Z_hat, inv_std, gamma = cache
    m = dout.shape[1]
    dZ_hat = gamma * dout
    dZ = (inv_std / m) * (
        m * dZ_hat + dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, np.sum(dout * Z_hat, axis=1, keepdims=True), dout.sum(axis=1, keepdims=True)


def bn_backward_in_place(dout, cache):
    Z_hat, inv_std, gamma = cache
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = np.sum(dout * Z_hat, axis=1, keepdims=True)
    dout *= gamma
    dout -= dout.mean(axis=1, keepdims=True) + Z_hat * np.mean(dout * Z_hat, axis=1, keepdims=True)
    dout *= inv_std
    return dout, dgamma, dbeta


# ====================================================================================================
# ex06 capstone


def one_hot_ok(y, n_classes):
    return np.eye(n_classes)[:, y]


def one_hot_loop(y, n_classes):
    Y = np.zeros((n_classes, len(y)))
    for i, label in enumerate(y):
        Y[label, i] = 1.0
    return Y


def one_hot_compare(y, n_classes):
    return (np.arange(n_classes)[:, None] == np.asarray(y)[None, :]).astype(float)


def one_hot_rows_transposed(y, n_classes):
    return np.eye(n_classes)[y].T


def one_hot_transposed(y, n_classes):
    return np.eye(n_classes)[y]


def one_hot_size_from_labels(y, n_classes):
    return np.eye(int(np.max(y)) + 1)[:, y]


def one_hot_bool(y, n_classes):
    return np.arange(n_classes)[:, None] == np.asarray(y)[None, :]


def one_hot_off_by_one(y, n_classes):
    return np.eye(n_classes)[:, np.asarray(y) - 1]


def one_hot_flat(y, n_classes):
    return np.eye(n_classes)[:, y].ravel()


def one_hot_present_classes(y, n_classes):
    classes = np.unique(y)
    return (classes[:, None] == np.asarray(y)[None, :]).astype(float)


_ONE_HOT_CACHE: dict = {}


def one_hot_cached(y, n_classes):
    key = (np.shape(y), n_classes)
    if key not in _ONE_HOT_CACHE:
        _ONE_HOT_CACHE[key] = np.eye(n_classes)[:, y]
    return _ONE_HOT_CACHE[key]


_with_reset(one_hot_cached, _ONE_HOT_CACHE)


def one_hot_nested_lists(y, n_classes):
    return [[1.0 if label == k else 0.0 for label in y] for k in range(n_classes)]


def one_hot_whole_rows(y, n_classes):
    Y = np.zeros((n_classes, len(y)))
    Y[y] = 1.0
    return Y


def predict_ok(A):
    return A.argmax(axis=0)


def predict_loop(A):
    out = np.zeros(A.shape[1], dtype=int)
    for i in range(A.shape[1]):
        col = list(A[:, i])
        out[i] = col.index(max(col))
    return out


def predict_transposed(A):
    return np.argmax(A.T, axis=1)


def predict_stable_sort(A):
    return np.argsort(-A, axis=0, kind="stable")[0]


def predict_argmin(A):
    return A.argmin(axis=0)


def predict_wrong_axis(A):
    return A.argmax(axis=1)


def predict_no_axis(A):
    return A.argmax()


def predict_float(A):
    return A.argmax(axis=0).astype(float)


def predict_max_value(A):
    return A.max(axis=0)


def predict_keepdims(A):
    return A.argmax(axis=0)[None, :]


def predict_one_hot(A):
    return (A == A.max(axis=0, keepdims=True)).astype(int)


def predict_list(A):
    return [int(np.argmax(A[:, i])) for i in range(A.shape[1])]


_PREDICT_CACHE: dict = {}


def predict_cached(A):
    if A.shape not in _PREDICT_CACHE:
        _PREDICT_CACHE[A.shape] = A.argmax(axis=0)
    return _PREDICT_CACHE[A.shape]


_with_reset(predict_cached, _PREDICT_CACHE)


def predict_one_based(A):
    return A.argmax(axis=0) + 1


def accuracy_ok(y_pred, y_true):
    return float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))


def accuracy_loop(y_pred, y_true):
    hits = 0
    for p, t in zip(y_pred, y_true, strict=True):
        if p == t:
            hits += 1
    return hits / len(y_true)


def accuracy_count_nonzero(y_pred, y_true):
    y_true = np.asarray(y_true)
    return np.count_nonzero(np.equal(y_pred, y_true)) / y_true.size


def accuracy_one_minus_error(y_pred, y_true):
    return 1.0 - float(np.mean(np.asarray(y_pred) != np.asarray(y_true)))


def accuracy_numpy_float(y_pred, y_true):
    return np.mean(np.asarray(y_pred) == np.asarray(y_true))


def accuracy_count(y_pred, y_true):
    return int(np.sum(np.asarray(y_pred) == np.asarray(y_true)))


def accuracy_percent(y_pred, y_true):
    return 100.0 * float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))


def accuracy_floor_division(y_pred, y_true):
    return int(np.sum(np.asarray(y_pred) == np.asarray(y_true))) // len(y_true)


def accuracy_elementwise(y_pred, y_true):
    return np.asarray(y_pred) == np.asarray(y_true)


def accuracy_error_rate(y_pred, y_true):
    return float(np.mean(np.asarray(y_pred) != np.asarray(y_true)))


def accuracy_rounded(y_pred, y_true):
    return round(float(np.mean(np.asarray(y_pred) == np.asarray(y_true))), 2)


def accuracy_truncated_to_int(y_pred, y_true):
    return int(np.mean(np.asarray(y_pred) == np.asarray(y_true)))


_ACCURACY_CACHE: dict = {}


def accuracy_cached(y_pred, y_true):
    key = np.shape(y_pred)
    if key not in _ACCURACY_CACHE:
        _ACCURACY_CACHE[key] = float(np.mean(np.asarray(y_pred) == np.asarray(y_true)))
    return _ACCURACY_CACHE[key]


_with_reset(accuracy_cached, _ACCURACY_CACHE)


def accuracy_in_place(y_pred, y_true):
    y_pred -= y_true
    return float(np.mean(y_pred == 0))


def confusion_ok(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        C[t, p] += 1
    return C


def confusion_add_at(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return C


def confusion_bincount(y_true, y_pred, n_classes):
    flat = n_classes * np.asarray(y_true) + np.asarray(y_pred)
    return np.bincount(flat, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def confusion_one_hot_product(y_true, y_pred, n_classes):
    T = np.eye(n_classes, dtype=int)[:, y_true]
    P = np.eye(n_classes, dtype=int)[:, y_pred]
    return T @ P.T


def confusion_transposed(y_true, y_pred, n_classes):
    return confusion_ok(y_true, y_pred, n_classes).T


def confusion_size_from_labels(y_true, y_pred, n_classes):
    n = int(max(np.max(y_true), np.max(y_pred))) + 1
    return confusion_ok(y_true, y_pred, n)


def confusion_float(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes))
    for t, p in zip(y_true, y_pred, strict=True):
        C[t, p] += 1
    return C


def confusion_assigns(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        C[t, p] = 1
    return C


def confusion_fancy_index(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=int)
    C[np.asarray(y_true), np.asarray(y_pred)] += 1
    return C


def confusion_normalized(y_true, y_pred, n_classes):
    C = confusion_ok(y_true, y_pred, n_classes).astype(float)
    return C / np.maximum(C.sum(axis=1, keepdims=True), 1)


_CONFUSION_CACHE: dict = {}


def confusion_cached(y_true, y_pred, n_classes):
    key = (np.shape(y_true), n_classes)
    if key not in _CONFUSION_CACHE:
        _CONFUSION_CACHE[key] = confusion_ok(y_true, y_pred, n_classes)
    return _CONFUSION_CACHE[key]


_with_reset(confusion_cached, _CONFUSION_CACHE)


def confusion_nested_lists(y_true, y_pred, n_classes):
    return confusion_ok(y_true, y_pred, n_classes).tolist()


def confusion_bool(y_true, y_pred, n_classes):
    C = np.zeros((n_classes, n_classes), dtype=bool)
    for t, p in zip(y_true, y_pred, strict=True):
        C[t, p] = True
    return C


def train_digits_short(X_train, Y_train):
    import bpcourse as bp

    net = bp.MLP([64, 64, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    bp.train(net, X_train, Y_train, bp.optim.Adam(lr=3e-3), epochs=8, batch_size=32, seed=0)
    return net


def train_digits_untrained(X_train, Y_train):
    import bpcourse as bp

    return bp.MLP([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)


# ====================================================================================================
# the catalog

_ITEMS = {
    "ex01_sigmoid": "principles.sigmoid",
    "ex01_sigmoid_prime": "principles.sigmoid_prime",
    "ex01_gradient_descent_step": "principles.gradient_descent_step",
    "ex02_forward": "steps.forward",
    "ex02_mse": "steps.mse",
    "ex02_cross_entropy": "steps.cross_entropy",
    "ex02_backward": "steps.backward",
    "ex02_train": "steps.train",
    "ex03_output_delta": "derivation.output_delta",
    "ex03_hidden_delta": "derivation.hidden_delta",
    "ex03_weight_gradients": "derivation.weight_gradients",
    "ex03_numerical_gradient": "derivation.numerical_gradient",
    "ex04_layer_grad_norms": "limitations.layer_grad_norms",
    "ex04_xavier_init": "limitations.xavier_init",
    "ex04_he_init": "limitations.he_init",
    "ex04_clip_by_norm": "limitations.clip_by_norm",
    "ex05_momentum_step": "improvements.momentum_step",
    "ex05_rmsprop_step": "improvements.rmsprop_step",
    "ex05_adam_step": "improvements.adam_step",
    "ex05_batchnorm_forward": "improvements.batchnorm_forward",
    "ex05_batchnorm_backward": "improvements.batchnorm_backward",
    "ex06_one_hot": "capstone.one_hot",
    "ex06_predict_labels": "capstone.predict_labels",
    "ex06_accuracy": "capstone.accuracy",
    "ex06_confusion_matrix": "capstone.confusion_matrix",
    "ex06_train_digits": "capstone.train_digits",
}

# item -> [(impl, keywords or None for a right answer, note)]
_TABLE: dict[str, list[tuple]] = {
    "ex01_sigmoid": [
        (sigmoid_loop, None, "loop over the entries with math.exp, a form per sign"),
        (sigmoid_tanh_form, None, "σ(z) = (1 + tanh(z/2))/2"),
        (sigmoid_logaddexp, None, "σ(z) = exp(−logaddexp(0, −z))"),
        (sigmoid_masked, None, "boolean masks instead of np.where, negative entries first"),
        (sigmoid_sign, SIGN + ["σ(−z)", "σ(-z)", "e^{z}", "1 − σ", "1 - σ"], "sign: returns σ(−z)"),
        (sigmoid_naive, ["overflow", "stable", "stability", "inf"], "naive 1/(1+exp(−z)): overflows for z = −1000"),
        (
            sigmoid_naive_ratio,
            ["overflow", "stable", "stability", "nan", "inf"],
            "naive exp(z)/(1+exp(z)): nan at z = 1000",
        ),
        (
            sigmoid_where_both_forms,
            ["overflow", "both", "np.where", "stable", "inf"],
            "np.where of the two naive forms: both are evaluated, so exp overflows",
        ),
        (sigmoid_is_tanh, ["tanh"], "tanh instead of the sigmoid"),
        (sigmoid_returns_derivative, ["derivative", "σ′", "σ'", "sigmoid_prime"], "returns σ(z)(1 − σ(z))"),
        (sigmoid_in_place, IN_PLACE + ["same object"], "writes the result into Z and returns Z"),
        (sigmoid_cached, CACHE, "caches the result per input shape in a module-level dict"),
        (sigmoid_list, LIST_TYPE, "returns a Python list (.tolist())"),
        (sigmoid_flat, SHAPE + ["ravel", "flatten"], "flattens the result"),
    ],
    "ex01_sigmoid_prime": [
        (sigmoid_prime_ok, None, "S(1 − S) with a stable sigmoid (the solution)"),
        (sigmoid_prime_exp_form, None, "e^{−|z|}/(1 + e^{−|z|})², symmetric closed form"),
        (sigmoid_prime_logaddexp, None, "exp(−logaddexp(0, −z) − logaddexp(0, z)) = σ(z)σ(−z)"),
        (sigmoid_prime_symmetric, None, "σ(z)·σ(−z)"),
        (sigmoid_prime_loop, None, "loop over the entries with math.exp"),
        (sigmoid_prime_sign, SIGN, "sign: σ(σ − 1)"),
        (sigmoid_prime_of_z, ["σ(z)", "sigmoid(z)", "sigmoid of z"], "applies z(1 − z) to Z itself, not to σ(Z)"),
        (
            sigmoid_prime_is_sigmoid,
            ["itself", "not its derivative", "the sigmoid, not", "returned σ", "σ(z)(1"],
            "returns σ(z), not its derivative",
        ),
        (
            sigmoid_prime_sigmoid_twice,
            ["twice", "σ(σ", "sigmoid(sigmoid", "already", "of a", "activation"],
            "σ′ of A = σ(Z) instead of Z (sigmoid applied twice)",
        ),
        (sigmoid_prime_in_place, IN_PLACE + ["same object"], "writes the result into Z and returns Z"),
        (sigmoid_prime_cached, CACHE, "caches the result per input shape in a module-level dict"),
        (sigmoid_prime_tanh_formula, ["tanh", "σ²", "σ^2"], "tanh's derivative formula 1 − σ²"),
        (
            sigmoid_prime_jacobian,
            SHAPE + ["element-wise", "elementwise", "diag"],
            "returns the diagonal Jacobian matrix",
        ),
        (sigmoid_prime_mean, SHAPE + ["element-wise", "elementwise", "scalar", "one number"], "returns the mean"),
    ],
    "ex01_gradient_descent_step": [
        (gd_loop, None, "loop over grads' keys with np.subtract, then reorder"),
        (gd_deepcopy, None, "deepcopy then in-place −= on the copies"),
        (gd_zip_keys, None, "dict(zip(...)) of params[k] + (−lr)·grads[k]"),
        (gd_sign, SIGN + ["against the gradient", "uphill", "minus"], "sign: θ + α g"),
        (gd_in_place, IN_PLACE + ["unchanged"], "params[k] -= …; returns params"),
        (gd_in_place_new_dict, IN_PLACE + ["unchanged"], "in-place −= on the arrays, then a new dict"),
        (gd_same_dict, SAME_OBJECT + ["unchanged", "changed", "modif"], "assigns new arrays into params, returns it"),
        (gd_hard_coded_keys, KEYS, "hard-coded keys W1/b1/W2/b2"),
        (gd_no_lr, ["lr", "learning rate", "α"], "forgets the learning rate"),
        (gd_divides_by_lr, ["lr", "learning rate", "α", "divide"], "divides by the learning rate"),
        (gd_cached, CACHE, "caches the result per shapes of params in a module-level dict"),
        (gd_list, ["dict", "list"], "returns a list of arrays"),
        (
            gd_pairs_by_position,
            ["order", "by key", "by name", "same key", "position"],
            "pairs params and grads by position",
        ),
        (gd_weights_only, ["bias", "b1", "every parameter", "every key", "all keys"], "updates the weights only"),
    ],
    "ex02_forward": [
        (forward_dot, None, "np.dot"),
        (forward_columns, None, "loop over the columns"),
        (forward_rows_then_transpose, None, "rows-as-examples products, transposed back"),
        (forward_einsum, None, "np.einsum"),
        (forward_no_b1, ["bias", "b1", "b¹"], "forgets b1"),
        (forward_no_b2, ["bias", "b2", "b²"], "forgets b2"),
        (forward_examples_as_rows, TRANSPOSE + SHAPE, "examples as rows: every array transposed"),
        (
            forward_no_hidden_activation,
            ["σ(z1)", "sigmoid(z1)", "activation", "linear", "a1 = σ"],
            "A1 = Z1: no sigmoid on the hidden layer",
        ),
        (
            forward_z2_from_z1,
            ["from z1", "z1 instead", "instead of a1", "not z1", "a1 = σ(z1)", "uses z1"],
            "Z2 = W2 Z1 + b2 (Z1 where A1 belongs)",
        ),
        (forward_tuple_order, ORDER + ["(z1, a1, z2, a2)"], "returns (A1, Z1, A2, Z2)"),
        (forward_only_output, ["tuple", "four"], "returns A2 only"),
        (forward_cached, CACHE, "caches the result per input shapes in a module-level dict"),
        (forward_relu_hidden, ["relu", "sigmoid"], "ReLU on the hidden layer"),
        (forward_generator, ["tuple", "generator"], "returns a generator of the four arrays"),
    ],
    "ex02_mse": [
        (mse_column_mean, None, "mean over the columns of the per-example sums"),
        (mse_loop, None, "loop over the examples"),
        (mse_norm, None, "½‖A − Y‖²/m with np.linalg.norm"),
        (mse_einsum, None, "np.einsum and np.divide"),
        (mse_no_half, ["½", "1/2", "0.5", "half", "factor 2", "factor of 2", "twice"], "L without the ½"),
        (mse_no_mean, DIV_M, "sum over the batch, no 1/m in L nor dA"),
        (
            mse_mean_all_entries,
            ["entries", "columns", "number of examples", "n·m", "n*m", "size", "n2"],
            "np.mean over every entry (divides by n·m)",
        ),
        (mse_grad_sign, SIGN, "sign of dA: (Y − A)/m"),
        (mse_grad_no_m, DIV_M, "dA without the 1/m"),
        (mse_m_from_rows, ["shape[1]", "columns", "rows", "axis", "m ="], "m = A.shape[0]"),
        (mse_per_example, FLOAT, "L is an array of per-example losses"),
        (mse_tuple_order, ORDER + ["(l, da)"], "returns (dA, L)"),
        (mse_grad_factor_two, ["½", "1/2", "0.5", "half", "factor 2", "factor of 2", "twice"], "dA = 2(A − Y)/m"),
        (mse_cached, CACHE, "caches the result per input shape in a module-level dict"),
        (mse_floor_division, INTEGER, "dA = D // m"),
    ],
    "ex02_cross_entropy": [
        (ce_clip, None, "np.clip, mean over the columns"),
        (ce_loop, None, "loop over the examples"),
        (ce_einsum, None, "np.einsum"),
        (ce_loss_sign, SIGN + ["minus", "negative"], "L without the minus"),
        (ce_grad_sign, SIGN, "dA without the minus"),
        (ce_no_clip, ["clip", "log(0)", "nan", "1e-12", "np.maximum"], "no clipping: log(0), 0·log 0 = nan"),
        (ce_clip_loss_only, ["clip", "clipped", "both"], "clips in L but divides by the unclipped A in dA"),
        (ce_no_mean, DIV_M, "no 1/m"),
        (ce_binary_formula, ["(1 - y)", "(1 − y)", "binary", "1 - y", "1 − y"], "binary cross-entropy formula"),
        (ce_softmax_gradient, ["softmax", "∂l/∂z", "dz", "a − y", "a - y"], "dA = (A − Y)/m: the gradient wrt Z"),
        (
            ce_mean_all_entries,
            ["entries", "columns", "number of examples", "n·m", "n*m", "size"],
            "np.mean over every entry (divides by n·m)",
        ),
        (ce_log10, ["natural log", "ln", "np.log10", "log10", "base"], "log base 10"),
        (ce_per_example, FLOAT, "L is an array of per-example losses"),
        (ce_tuple_order, ORDER + ["(l, da)"], "returns (dA, L)"),
    ],
    "ex02_backward": [
        (backward_loop, None, "loop over the examples, accumulate, average"),
        (backward_from_activations, None, "σ′ from the activations A(1 − A), keys in another order"),
        (backward_mean_at_end, None, "δ without 1/m, the mean taken in dW and db"),
        (backward_no_m, DIV_M, "no 1/m"),
        (backward_no_keepdims, KEEPDIMS + SHAPE, "db without keepdims: shape (n,)"),
        (backward_db_wrong_axis, AXIS, "db summed over axis 0"),
        (backward_sigma_prime_of_a, SIGMA_PRIME_OF_Z, "σ′ of A instead of Z"),
        (backward_no_hidden_sigma_prime, SIGMA_PRIME, "δ1 without σ′(Z1)"),
        (backward_dw_transposed, TRANSPOSE + SHAPE, "dW = A_prev δᵀ: transposed"),
        (backward_w2_not_transposed, TRANSPOSE, "δ1 = W2 δ2 (no transpose)"),
        (backward_sign, SIGN, "sign: Y − A2"),
        (backward_key_names, ["keys", "key", "dw1"], "keys 'dW1', 'db1', …"),
        (
            backward_layers_swapped,
            ["swapped", "mixed up", "layer 1", "layer 2", "the other layer"],
            "gradients of the two layers under each other's keys",
        ),
        (backward_aliases_a2, IN_PLACE, "dZ2 = A2; dZ2 -= Y: changes A2 in place"),
    ],
    "ex02_train": [
        (train_deepcopy_in_place, None, "deepcopy, then in-place updates of the copies"),
        (train_own_loss, None, "own loss expression, a while loop, four local arrays"),
        (train_grads_first, None, "backward before the loss, update via a helper"),
        (train_no_copy, IN_PLACE + ["copy"], "no copy: updates the caller's params in place"),
        (train_shallow_copy, IN_PLACE + ["copy", "shallow"], "dict(params) then in-place −= on the shared arrays"),
        (train_loss_after_update, ["before", "after", "losses[0]", "initial"], "records the loss after each update"),
        (train_one_epoch_short, ["epochs", "length", "len(", "number of losses"], "range(epochs − 1)"),
        (train_sign, SIGN + ["uphill", "grows", "increases"], "θ + α dθ"),
        (train_appends_tuple, ["tuple", "float", "(l, da)", "da"], "appends the (L, dA) tuple to losses"),
        (train_returns_params_only, ["tuple", "(params, losses)", "two"], "returns params only"),
        (train_weights_only, ["bias", "b1", "b2", "all four"], "updates the weights only"),
        (
            train_rebinds_loop_variable,
            ["never", "updated", "unchanged", "constant", "do not change", "did not change"],
            "rebinds the loop variable: the parameters never change",
        ),
        (train_cached, CACHE, "caches the result per input shapes in a module-level dict"),
    ],
    "ex03_output_delta": [
        (output_delta_from_a, None, "σ′ from A: (A − Y)·A(1 − A)"),
        (output_delta_loop, None, "loop over the entries"),
        (output_delta_multiply, None, "np.multiply with a logaddexp sigmoid"),
        (output_delta_sign, SIGN, "sign: Y − A"),
        (output_delta_sigma_prime_of_a, SIGMA_PRIME_OF_Z, "σ′ of A instead of Z"),
        (output_delta_no_sigma_prime, SIGMA_PRIME, "forgets σ′(Z)"),
        (output_delta_divided_by_m, NO_DIV_M, "divides by m"),
        (
            output_delta_matrix_product,
            ["element-wise", "elementwise", "⊙", "matrix product", "@"],
            "matrix product instead of ⊙",
        ),
        (output_delta_z_as_activation, ["σ(z)", "sigmoid(z)", "z(1"], "Z(1 − Z) for σ′"),
        (output_delta_in_place, IN_PLACE, "A -= Y in place"),
        (output_delta_cached, CACHE, "caches the result per input shape in a module-level dict"),
        (output_delta_summed, SHAPE + ["per example", "one column per example", "sum"], "sums over the batch"),
        (
            output_delta_loss_not_derivative,
            ["derivative", "a − y", "a - y", "loss itself"],
            "½(A − Y)² in place of A − Y",
        ),
    ],
    "ex03_hidden_delta": [
        (hidden_delta_transposed_product, None, "σ′(Z) ⊙ (δᵀW)ᵀ"),
        (hidden_delta_einsum, None, "np.einsum"),
        (hidden_delta_columns, None, "loop over the columns"),
        (hidden_delta_no_transpose, TRANSPOSE, "W_next δ without the transpose"),
        (hidden_delta_no_sigma_prime, SIGMA_PRIME, "forgets σ′(Z)"),
        (
            hidden_delta_hard_coded_sigmoid,
            ["sigma_prime", "argument", "passed", "given", "the function"],
            "the sigmoid's derivative instead of the sigma_prime passed in",
        ),
        (
            hidden_delta_sigma_prime_of_product,
            ["σ′(z", "σ'(z", "sigma_prime(z", "at z", "of z"],
            "σ′ of Wᵀδ instead of σ′(Z)",
        ),
        (hidden_delta_sigma_prime_of_activation, SIGMA_PRIME_OF_Z, "σ′ of A = σ(Z) instead of Z"),
        (hidden_delta_examples_as_rows, TRANSPOSE + SHAPE, "returns δ transposed (m, n_l)"),
        (hidden_delta_divided_by_m, NO_DIV_M, "divides by m"),
        (hidden_delta_in_place, IN_PLACE, "overwrites Z with σ′(Z)"),
        (hidden_delta_cached, CACHE, "caches the result per input shapes in a module-level dict"),
        (
            hidden_delta_sum_not_product,
            ["⊙", "product", "multiply", "element-wise", "elementwise"],
            "adds σ′(Z) instead of multiplying",
        ),
    ],
    "ex03_weight_gradients": [
        (weight_gradients_einsum, None, "np.einsum, db as a mean"),
        (weight_gradients_dot_ones, None, "np.dot, db as δ·1/m"),
        (weight_gradients_transposed_product, None, "(A_prev δᵀ)ᵀ/m, db reshaped from a mean"),
        (weight_gradients_no_m, DIV_M + ["averaged"], "no 1/m"),
        (weight_gradients_db_no_m, DIV_M + ["averaged", "db"], "db without 1/m"),
        (weight_gradients_dw_transposed, TRANSPOSE + SHAPE, "dW = A_prev δᵀ/m: transposed"),
        (weight_gradients_no_keepdims, KEEPDIMS + SHAPE, "db without keepdims"),
        (weight_gradients_db_wrong_axis, AXIS, "db summed over axis 0"),
        (weight_gradients_m_from_rows, ["shape[1]", "columns", "rows", "axis", "m ="], "m = delta.shape[0]"),
        (weight_gradients_tuple_order, ORDER + ["(dw, db)"], "returns (db, dW)"),
        (weight_gradients_floor_division, INTEGER, "// m"),
        (weight_gradients_cached, CACHE, "caches the result per input shapes in a module-level dict"),
        (
            weight_gradients_m_twice,
            ["twice", "m²", "m^2", "m ** 2", "once"],
            "divides by m twice",
        ),
    ],
    "ex03_numerical_gradient": [
        (numgrad_copies, None, "perturbs fresh copies of x"),
        (numgrad_flat_index, None, "flat indices in reverse order, minus side first"),
        (numgrad_nditer, None, "np.nditer with multi_index"),
        (numgrad_forward_difference, ["centered", "central", "f(x − h", "f(x - h", "both sides"], "forward difference"),
        (numgrad_divides_by_h, ["2h", "2 h", "2·h", "2*h"], "divides by h instead of 2h"),
        (
            numgrad_no_restore,
            ["restore", "put back", "as it was", "changed x", "left x", "in place", "modif"],
            "never puts x[i] back",
        ),
        (
            numgrad_restore_by_arithmetic,
            ["exactly", "restore", "put back", "old value", "save", "as it was"],
            "+h, −2h, +h: x not restored exactly",
        ),
        (
            numgrad_rows_only,
            ["every entry", "each entry", "all entries", "ndindex", "one entry", "single entry"],
            "loops over x.shape[0]: perturbs whole rows",
        ),
        (numgrad_sign, SIGN, "(f(x − h) − f(x + h))/2h"),
        (numgrad_flat_list, LIST_TYPE + ["shaped like x"], "returns a flat Python list"),
        (numgrad_flat_array, SHAPE + ["shaped like x", "reshape"], "returns a flat array"),
        (
            numgrad_own_h,
            ["h =", "given h", "argument h", "the h", "step", "hard-code", "ignor"],
            "ignores h, uses h = 0.1",
        ),
        (numgrad_integer_result, ["integer", "dtype", "zeros_like", "float"], "integer result array"),
        (
            numgrad_copy_not_reset,
            ["centered", "central", "f(x − h", "f(x - h", "x − h", "x - h", "2h"],
            "minus side evaluated at x (copy not reset)",
        ),
    ],
    "ex04_layer_grad_norms": [
        (norms_linalg, None, "np.linalg.norm"),
        (norms_fill, None, "fills np.zeros(L) from the top layer down, einsum"),
        (norms_fro, None, "np.fromiter of Frobenius norms"),
        (norms_squared, SQRT + ["squared"], "squared norms"),
        (norms_with_biases, ["bias", "weights only", "b1"], "includes the biases"),
        (norms_reversed, ["order", "reversed", "layer 1", "from layer 1"], "from layer L down"),
        (
            norms_hard_coded_two_layers,
            KEYS + ["every layer", "each layer", "all l", "range(1"],
            "hard-coded W1 and W2",
        ),
        (norms_list, ["list", "ndarray", "np.array", "numpy array"], "returns a list"),
        (norms_generator, ["generator", "ndarray", "np.array", "numpy array"], "returns a generator"),
        (norms_l1, ["frobenius", "squares", "l1", "absolute"], "sum of absolute values (L1)"),
        (norms_one_short, ["length", "shape", "(l,)", "entries"], "range(1, L): one entry short"),
        (norms_spectral, ["frobenius", "spectral", "ord", "2-norm", "largest singular"], "spectral norm"),
        (norms_rms, ["rms", "mean of the squares", "divided by the number", "size", "entries"], "RMS, not the norm"),
        (norms_cached, CACHE, "caches the result per shapes in a module-level dict"),
    ],
    "ex04_xavier_init": [
        (xavier_normal, None, "rng.normal(0, std, size)"),
        (xavier_divide, None, "divides by √((n_in + n_out)/2)"),
        (xavier_transposed_draw, None, "draws (n_in, n_out) and transposes: another valid ordering"),
        (xavier_one_at_a_time, None, "one draw at a time in a double loop"),
        (
            xavier_variance_as_std,
            ["variance", "standard deviation", "square root", "√", "sqrt"],
            "uses the variance as the standard deviation",
        ),
        (xavier_shape_transposed, SHAPE + ["transpose", "(n_out, n_in)"], "shape (n_in, n_out)"),
        (xavier_uniform, ["normal", "gaussian", "uniform"], "uniform draws"),
        (xavier_global_random, ["rng", "np.random", "generator"], "np.random instead of rng"),
        (
            xavier_he_formula,
            ["n_in + n_out", "n_out + n_in", "both", "fan-out", "fan_out", "fan out"],
            "He's 2/n_in",
        ),
        (
            xavier_lecun_formula,
            ["n_in + n_out", "n_out + n_in", "both", "fan-out", "fan_out", "fan out"],
            "LeCun's 1/n_in",
        ),
        (xavier_floor_division, INTEGER + ["zero"], "2 // (n_in + n_out) = 0"),
        (xavier_mean_one, ["mean", "centered", "zero-mean", "centred"], "mean 1"),
        (xavier_own_seed, ["rng", "seed", "generator you are given"], "its own np.random.default_rng(0)"),
        (xavier_cached, CACHE + ["rng"], "caches the matrix per shape in a module-level dict"),
    ],
    "ex04_he_init": [
        (he_normal, None, "rng.normal(loc, scale, size)"),
        (he_transposed_draw, None, "draws (n_in, n_out) and transposes: another valid ordering"),
        (he_one_at_a_time, None, "one draw at a time in nested comprehensions"),
        (
            he_variance_as_std,
            ["variance", "standard deviation", "square root", "√", "sqrt"],
            "uses the variance as the standard deviation",
        ),
        (he_fan_out, ["n_in", "fan-in", "fan_in", "fan in", "n_out"], "2/n_out"),
        (he_xavier_formula, ["n_in", "xavier", "fan-in", "fan in"], "Xavier's 2/(n_in + n_out)"),
        (
            he_no_factor_two,
            ["factor 2", "factor of 2", "twice", "double", "2/n_in", "2 / n_in"],
            "1/n_in (no factor 2)",
        ),
        (he_shape_transposed, SHAPE + ["transpose", "(n_out, n_in)"], "shape (n_in, n_out)"),
        (he_global_random, ["rng", "np.random", "generator"], "np.random instead of rng"),
        (he_uniform, ["normal", "gaussian", "uniform"], "uniform draws"),
        (he_floor_division, INTEGER + ["zero"], "2 // n_in = 0"),
        (he_positive_only, ["negative", "sign", "positive", "symmetric", "mean"], "abs: only positive weights"),
        (he_cached, CACHE + ["rng"], "caches the matrix per shape in a module-level dict"),
    ],
    "ex04_clip_by_norm": [
        (clip_concatenate, None, "norm of the concatenated arrays, copies when small"),
        (clip_min_scale, None, "scale = max_norm / max(‖g‖, max_norm)"),
        (clip_copies_then_scale, None, "copies, then in-place scaling of the copies"),
        (
            clip_per_array,
            ["global", "whole", "every array", "all arrays", "together", "per array", "each array"],
            "clips each array by its own norm",
        ),
        (
            clip_element_wise,
            ["direction", "element-wise", "elementwise", "np.clip", "each entry"],
            "np.clip of the entries",
        ),
        (
            clip_always_rescales,
            ["only when", "only if", "below", "leave", "smaller", "unchanged", "as they are"],
            "rescales even when the norm is below max_norm",
        ),
        (
            clip_inverted_factor,
            [
                "inverted",
                "upside",
                "reciprocal",
                "max_norm / ‖g‖",
                "max_norm/‖g‖",
                "max_norm / norm",
                "norm / max_norm",
            ],
            "multiplies by ‖g‖/max_norm",
        ),
        (clip_no_sqrt, SQRT + ["squared"], "squared norm"),
        (clip_in_place, IN_PLACE + SAME_OBJECT, "scales grads in place and returns it"),
        (clip_returns_input_when_small, SAME_OBJECT, "returns grads itself when not clipping"),
        (clip_returns_list, ["dict", "list"], "returns a list"),
        (clip_l1_norm, ["squares", "l1", "absolute", "euclidean", "l2"], "L1 norm"),
        (clip_hard_coded_keys, KEYS, "hard-coded keys W1/b1/W2/b2"),
        (
            clip_rms_norm,
            ["rms", "mean of the squares", "divided by the number", "size", "entries"],
            "RMS, not the norm",
        ),
        (clip_cached, CACHE, "caches the result per shapes in a module-level dict"),
    ],
    "ex05_momentum_step": [
        (momentum_expanded, None, "θ − αg − αβv expanded"),
        (momentum_ufuncs, None, "np.add/np.multiply, in-place on a copy of θ"),
        (momentum_loop, None, "loop over the entries"),
        (
            momentum_lr_in_velocity,
            ["convention", "βv + g", "β v + g", "β·v + g", "heavy ball", "polyak", "inside"],
            "the v ← βv − αg, θ += v convention",
        ),
        (momentum_ema, ONE_MINUS_BETA + ["convention", "average"], "the v ← βv + (1 − β)g convention"),
        (momentum_sign, SIGN, "θ + αv"),
        (momentum_tuple_order, ORDER + ["(theta, v)"], "returns (v, θ)"),
        (momentum_returns_old_v, ["new v", "updated v", "old v", "the v you were given", "state"], "returns the old v"),
        (
            momentum_step_with_old_v,
            ORDER + ["before", "after", "new v", "updated v", "old v"],
            "steps with the old v, then updates it",
        ),
        (momentum_in_place, IN_PLACE, "v *= β; v += g; θ -= αv in place"),
        (momentum_lr_twice, ["twice", "lr twice", "α twice", "convention"], "α in v and in the step"),
        (momentum_cached, CACHE, "caches the result per shape in a module-level dict"),
    ],
    "ex05_rmsprop_step": [
        (rmsprop_square_reciprocal, None, "np.square, multiply by the reciprocal"),
        (rmsprop_incremental_average, None, "s + (1 − β)(g² − s), s**0.5"),
        (rmsprop_loop, None, "loop over the entries"),
        (rmsprop_eps_inside_sqrt, EPS, "ε inside the square root"),
        (rmsprop_no_sqrt, SQRT, "divides by s + ε, no square root"),
        (rmsprop_no_one_minus_beta, ONE_MINUS_BETA, "s ← βs + g²"),
        (rmsprop_betas_swapped, ["swapped", "the other way round", "β and 1"], "s ← (1 − β)s + βg²"),
        (rmsprop_g_not_squared, ["g²", "g^2", "g * g", "square"], "s accumulates g, not g²"),
        (rmsprop_step_with_old_s, ["new s", "updated s", "old s", "order", "before"], "steps with the old s"),
        (rmsprop_sign, SIGN, "θ + …"),
        (rmsprop_tuple_order, ORDER + ["(theta, s)"], "returns (s, θ)"),
        (rmsprop_in_place, IN_PLACE, "s and θ updated in place"),
        (rmsprop_no_lr, ["lr", "α", "learning rate"], "forgets the learning rate"),
    ],
    "ex05_adam_step": [
        (adam_incremental, None, "m + (1 − β1)(g − m), **0.5"),
        (adam_efficient_form, None, "Kingma–Ba's efficient form with ε̂ = ε√(1 − β2ᵗ)"),
        (adam_loop, None, "loop over the entries"),
        (
            adam_no_correction,
            ["correction", "corrected", "m̂", "v̂", "m_hat", "1 − β₁ᵗ", "1 - beta1**t"],
            "no bias correction",
        ),
        (
            adam_t_plus_one,
            ["off by one", "t = 1", "t=1", "t + 1", "t+1", "t - 1", "t-1", "first step", "exponent"],
            "β^(t+1) in the correction",
        ),
        (adam_correction_multiplied, ["divide", "divided", "multipl"], "multiplies by 1 − βᵗ instead of dividing"),
        (
            adam_returns_corrected_state,
            ["uncorrected", "running average", "corrected copies", "m̂ and v̂", "return m", "state"],
            "returns the corrected m̂, v̂ as the state",
        ),
        (adam_eps_inside_sqrt, EPS, "ε inside the square root"),
        (adam_g_not_squared, ["g²", "g^2", "g * g", "square"], "v accumulates |g|, not g²"),
        (adam_tuple_order, ORDER + ["(theta, m, v)"], "returns (θ, v, m)"),
        (
            adam_betas_swapped,
            ["swapped", "β1 and β2", "beta1 and beta2", "β₁ and β₂", "the other way"],
            "β1 and β2 swapped",
        ),
        (adam_in_place, IN_PLACE, "m, v, θ updated in place"),
        (adam_sign, SIGN, "steps up the gradient"),
        (
            adam_power_of_difference,
            ["1 − β₁ᵗ", "1 - β1^t", "1 − β1^t", "1 - beta1**t", "parenthes", "power", "exponent"],
            "(1 − β)ᵗ instead of 1 − βᵗ",
        ),
    ],
    "ex05_batchnorm_forward": [
        (bn_forward_sums, None, "sums / m, a dict cache"),
        (bn_forward_rows, None, "loop over the rows"),
        (bn_forward_centered_first, None, "centre first, β + γ ẑ"),
        (bn_forward_wrong_axis, ["axis", "rows", "over the batch", "columns", "each unit"], "normalizes over axis 0"),
        (bn_forward_no_keepdims, KEEPDIMS + ["broadcast"], "mean and var without keepdims"),
        (bn_forward_eps_outside, EPS, "ε outside the square root: σ + ε"),
        (bn_forward_no_eps, EPS, "no ε"),
        (bn_forward_no_gamma, ["γ", "gamma"], "forgets γ"),
        (bn_forward_no_beta, ["β", "beta"], "forgets β"),
        (bn_forward_unbiased_variance, ["ddof", "m − 1", "m - 1", "unbiased", "1/m", "biased"], "variance with ddof=1"),
        (
            bn_forward_divides_by_variance,
            ["square root", "√", "sqrt", "standard deviation", "variance"],
            "divides by σ² + ε, not its square root",
        ),
        (bn_forward_gamma_beta_swapped, ["swapped", "γ and β", "gamma and beta", "the other way"], "β ẑ + γ"),
        (bn_forward_in_place, IN_PLACE, "normalizes Z in place"),
        (bn_forward_returns_out_only, ["tuple", "cache", "(out, cache)"], "returns out only"),
        (
            bn_forward_cached,
            ["earlier input", "earlier call", "previous input", "previous call", "hard-code", "memo", "stale"],
            "caches the result per input shape in a module-level dict",
        ),
    ],
    "ex05_batchnorm_backward": [
        ((bn_forward_graph, bn_backward_graph), None, "step-by-step computational-graph backward"),
        ((bn_forward_sums, bn_backward_means), None, "cache of Z, μ, σ²; the formula with means"),
        ((bn_forward_rows, bn_backward_rows), None, "loop over the rows"),
        (
            (bn_forward_ok, bn_backward_no_batch_terms),
            ["μ", "σ²", "every example", "two terms", "last two", "mean and variance"],
            "dZ = γ dout/√(σ² + ε): the batch terms missing",
        ),
        (
            (bn_forward_ok, bn_backward_no_variance_term),
            ["σ²", "variance", "third term", "ẑ ⊙", "last term"],
            "missing the ẑ ⊙ Σ dẑ ⊙ ẑ term",
        ),
        ((bn_forward_ok, bn_backward_no_gamma), ["γ", "gamma"], "dẑ = dout: γ missing"),
        (
            (bn_forward_ok, bn_backward_dgamma_without_zhat),
            ["ẑ", "z_hat", "zhat", "normalized"],
            "dγ = Σ dout, ẑ missing",
        ),
        ((bn_forward_ok, bn_backward_sums_wrong_axis), ["axis", "columns", "rows", "keepdims"], "dγ, dβ over axis 0"),
        ((bn_forward_ok, bn_backward_no_keepdims), KEEPDIMS + SHAPE + ["(n, 1)"], "dγ, dβ without keepdims"),
        ((bn_forward_ok, bn_backward_tuple_order), ORDER + ["(dz, dgamma, dbeta)"], "returns (dZ, dβ, dγ)"),
        ((bn_forward_ok, bn_backward_no_one_over_m), NO_DIV_M + ["factor m"], "dZ without the 1/m"),
        ((bn_forward_caches_var, bn_backward_forgets_eps), EPS, "1/√σ² in the backward pass: ε forgotten"),
        ((bn_forward_ok, bn_backward_sign), SIGN, "+ Σ dẑ instead of −"),
        ((bn_forward_ok, bn_backward_in_place), IN_PLACE, "overwrites dout in place"),
    ],
    "ex06_one_hot": [
        (one_hot_loop, None, "loop filling zeros"),
        (one_hot_compare, None, "arange == y, as floats"),
        (one_hot_rows_transposed, None, "np.eye(n)[y].T"),
        (one_hot_transposed, TRANSPOSE + SHAPE + ["(n_classes, m)"], "shape (m, n_classes)"),
        (one_hot_size_from_labels, N_CLASSES, "size from y.max() + 1"),
        (one_hot_bool, ["bool", "dtype", "float", "true"], "bool array"),
        (
            one_hot_off_by_one,
            ["off by one", "shifted", "y - 1", "y-1", "1-based", "0-based", "starting at 0", "from 0"],
            "labels shifted by one",
        ),
        (one_hot_flat, SHAPE, "flattened"),
        (one_hot_present_classes, N_CLASSES + ["absent", "missing", "every class"], "rows for the labels present only"),
        (one_hot_cached, CACHE, "caches the result per shape in a module-level dict"),
        (one_hot_nested_lists, ["list", "ndarray", "np.array", "numpy array"], "list of lists"),
        (
            one_hot_whole_rows,
            ["each column", "one 1 per column", "per column", "exactly one", "np.arange(m)"],
            "Y[y] = 1 sets whole rows",
        ),
    ],
    "ex06_predict_labels": [
        (predict_loop, None, "loop over columns, list.index(max)"),
        (predict_transposed, None, "argmax of Aᵀ over axis 1"),
        (predict_stable_sort, None, "stable argsort of −A, first row"),
        (predict_argmin, ["argmax", "argmin", "smallest", "largest"], "argmin"),
        (predict_wrong_axis, AXIS + ["column"], "argmax over axis 1"),
        (predict_no_axis, ["axis", "(m,)"] + SHAPE, "argmax without axis"),
        (predict_float, ["integer", "dtype", "int64", "float"], "float labels"),
        (predict_max_value, ["argmax", "index", "probabilit"], "returns the largest probability"),
        (predict_keepdims, SHAPE + ["(m,)", "keepdims"], "shape (1, m)"),
        (predict_one_hot, SHAPE + ["one-hot", "(m,)"], "one-hot of the maxima"),
        (predict_list, ["list", "ndarray", "np.array", "numpy array"], "returns a list"),
        (predict_cached, CACHE, "caches the result per shape in a module-level dict"),
        (
            predict_one_based,
            ["off by one", "+ 1", "+1", "0-based", "from 0", "1-based", "starting at 0"],
            "labels + 1",
        ),
    ],
    "ex06_accuracy": [
        (accuracy_loop, None, "loop counting hits"),
        (accuracy_count_nonzero, None, "np.count_nonzero / size"),
        (accuracy_one_minus_error, None, "1 − error rate"),
        (accuracy_numpy_float, None, "np.mean as np.float64 (a float subclass)"),
        (accuracy_count, ["fraction", "divide", "count", "between 0 and 1"], "the count of hits"),
        (accuracy_percent, ["percent", "100", "between 0 and 1", "fraction"], "a percentage"),
        (accuracy_floor_division, INTEGER, "count // m"),
        (accuracy_elementwise, FLOAT + ["mean"], "the element-wise comparison"),
        (
            accuracy_error_rate,
            ["error rate", "!=", "misclass", "incorrect", "1 − accuracy", "1 - accuracy"],
            "the error rate",
        ),
        (accuracy_rounded, ["round", "exact", "precision"], "rounded to 2 decimals"),
        (accuracy_truncated_to_int, ["integer", "float", "truncat", "0 or 1"], "int(mean)"),
        (accuracy_cached, CACHE, "caches the result per shape in a module-level dict"),
        (accuracy_in_place, IN_PLACE, "y_pred -= y_true in place"),
    ],
    "ex06_confusion_matrix": [
        (confusion_add_at, None, "np.add.at"),
        (confusion_bincount, None, "np.bincount of n·true + pred"),
        (confusion_one_hot_product, None, "one-hot(true) @ one-hot(pred)ᵀ"),
        (confusion_transposed, TRANSPOSE + ["rows", "true class", "swapped"], "transposed (rows = predicted)"),
        (confusion_size_from_labels, N_CLASSES, "size from the labels' max + 1"),
        (confusion_float, ["integer", "dtype", "float"], "float counts"),
        (
            confusion_assigns,
            ["+=", "increment", "more than once", "repeat", "add one", "adds 1"],
            "C[t, p] = 1 instead of += 1",
        ),
        (
            confusion_fancy_index,
            ["np.add.at", "add.at", "duplicate", "repeated", "once", "accumulate"],
            "C[y_true, y_pred] += 1: duplicates counted once",
        ),
        (
            confusion_normalized,
            ["counts", "normalized", "normalised", "fraction", "integer"],
            "row-normalized fractions",
        ),
        (confusion_cached, CACHE, "caches the result per shape in a module-level dict"),
        (confusion_nested_lists, ["list", "ndarray", "np.array", "numpy array"], "list of lists"),
        (confusion_bool, ["bool", "integer", "dtype", "count"], "bool matrix"),
    ],
    "ex06_train_digits": [
        (train_digits_short, None, "64-64-10 ReLU/softmax, Adam, 8 epochs"),
        (train_digits_untrained, ["accuracy", "93", "train"], "returns an untrained network"),
    ],
}

# the solution cells are the first right entry of every item (ex06_train_digits has its own cheap one)
_SOLUTIONS = {
    "ex01_sigmoid": sigmoid_ok,
    "ex01_sigmoid_prime": None,  # sigmoid_prime_ok is listed above
    "ex01_gradient_descent_step": gd_ok,
    "ex02_forward": forward_ok,
    "ex02_mse": mse_ok,
    "ex02_cross_entropy": ce_ok,
    "ex02_backward": backward_ok,
    "ex02_train": train_ok,
    "ex03_output_delta": output_delta_ok,
    "ex03_hidden_delta": hidden_delta_ok,
    "ex03_weight_gradients": weight_gradients_ok,
    "ex03_numerical_gradient": numgrad_ok,
    "ex04_layer_grad_norms": norms_ok,
    "ex04_xavier_init": xavier_ok,
    "ex04_he_init": he_ok,
    "ex04_clip_by_norm": clip_ok,
    "ex05_momentum_step": momentum_ok,
    "ex05_rmsprop_step": rmsprop_ok,
    "ex05_adam_step": adam_ok,
    "ex05_batchnorm_forward": bn_forward_ok,
    "ex05_batchnorm_backward": (bn_forward_ok, bn_backward_ok),
    "ex06_one_hot": one_hot_ok,
    "ex06_predict_labels": predict_ok,
    "ex06_accuracy": accuracy_ok,
    "ex06_confusion_matrix": confusion_ok,
    "ex06_train_digits": None,
}


def _build() -> list[Entry]:
    entries = []
    for item, check in _ITEMS.items():
        solution = _SOLUTIONS[item]
        if solution is not None:
            entries.append(Entry(item, check, solution, True, [], "the solution cell"))
        for impl, keywords, note in _TABLE[item]:
            right = keywords is None
            entries.append(Entry(item, check, impl, right, [] if right else list(keywords), note))
    return entries


CATALOG: list[Entry] = _build()
ITEMS: dict[str, str] = dict(_ITEMS)
