"""Catalog of wrong (and differently right) implementations for exercises 2: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest
from learner import own

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
    (S.forward, own(S.reference_forward), "[PASS]"),
    (S.forward, forward_per_column, "[PASS]"),
    (S.forward, forward_no_b1, "the bias b1 is missing"),
    (S.forward, forward_linear_output, "apply the activation σ to the output layer"),
    (S.forward, forward_z1_into_layer2, "layer 2 takes the activation A1"),
    (S.forward, lambda X, W1, b1, W2, b2: S.reference_forward(X.T, W1, b1, W2, b2), "the shapes do not fit"),
    (S.forward, lambda X, W1, b1, W2, b2: S.reference_forward(X, W1, b1, W2, b2)[3], "tuple of 4 values"),
    (S.mse, own(bp.losses.mse), "[PASS]"),
    (S.mse, mse_loops, "[PASS]"),
    (S.mse, lambda A, Y: (np.sum((A - Y) ** 2) / A.shape[1], (A - Y) / A.shape[1]), "twice the expected"),
    (S.mse, lambda A, Y: (0.5 * np.sum((A - Y) ** 2), A - Y), "m = 6 times too large"),
    (S.mse, lambda A, Y: (bp.losses.mse(A, Y)[0], (Y - A) / A.shape[1]), "wrong sign"),
    (S.mse, lambda A, Y: (np.mean((A - Y) ** 2), (A - Y) / A.shape[1]), "averaged over all n·m entries"),
    (S.mse, lambda A, Y: (bp.losses.mse(A, Y)[0], ((A - Y) / A.shape[1]).T), "did you transpose"),
    (S.cross_entropy, own(bp.losses.cross_entropy), "[PASS]"),
    (S.cross_entropy, ce_pick, "[PASS]"),
    (S.cross_entropy, lambda A, Y: (-bp.losses.cross_entropy(A, Y)[0], bp.losses.cross_entropy(A, Y)[1]), "wrong sign"),
    (S.cross_entropy, lambda A, Y: (bp.losses.cross_entropy(A, Y)[0], -Y / A), "m times too large"),
    (S.cross_entropy, lambda A, Y: (bp.losses.cross_entropy(A, Y)[0], (A - Y) / A.shape[1]), "dZ = ∂L/∂Z"),
    (S.cross_entropy, ce_naive, "0·log 0 gives NaN"),
    (S.backward, own(S.reference_backward), "[PASS]"),
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


# ---- UNSEEN: written before looking at what the checks print; each keyword decided in advance ----------

_CACHE: dict = {}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each case starts with an empty cache, so a caching version computes its first answer."""
    _CACHE.clear()


def cached(fn, key):
    """A version of fn that answers from a global cache per input shape (the issue's 'cached per shape')."""

    def wrapper(*args):
        k = (key, *(np.shape(a) for a in args if isinstance(a, np.ndarray)))
        if k not in _CACHE:
            _CACHE[k] = fn(*args)
        return _CACHE[k]

    return wrapper


def stable_sig(Z):
    return 0.5 * (1 + np.tanh(Z / 2))


def fwd_dot(X, W1, b1, W2, b2):
    Z1 = np.dot(W1, X) + b1.reshape(-1, 1)
    A1 = 1 / (1 + np.exp(-Z1))
    Z2 = np.dot(W2, A1) + b2
    return Z1, A1, Z2, 1 / (1 + np.exp(-Z2))


def fwd_einsum_list(X, W1, b1, W2, b2):
    Z1 = np.einsum("ij,jk->ik", W1, X) + b1
    A1 = stable_sig(Z1)
    Z2 = np.einsum("ij,jk->ik", W2, A1) + b2
    return [Z1, A1, Z2, stable_sig(Z2)]


def fwd_order(X, W1, b1, W2, b2):
    Z1, A1, Z2, A2 = S.reference_forward(X, W1, b1, W2, b2)
    return A1, Z1, A2, Z2


def fwd_w_transposed(X, W1, b1, W2, b2):
    Z1 = W1.T @ X + b1
    A1 = sig(Z1)
    Z2 = W2.T @ A1 + b2
    return Z1, A1, Z2, sig(Z2)


def fwd_no_b2(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = sig(Z1)
    Z2 = W2 @ A1
    return Z1, A1, Z2, sig(Z2)


def fwd_sigmoid_on_input(X, W1, b1, W2, b2):
    Z1 = W1 @ sig(X) + b1
    A1 = sig(Z1)
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, sig(Z2)


def fwd_tanh_hidden(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    return Z1, A1, Z2, sig(Z2)


def fwd_nested(X, W1, b1, W2, b2):
    Z1, A1, Z2, A2 = S.reference_forward(X, W1, b1, W2, b2)
    return (Z1, A1), (Z2, A2)


def fwd_generator(X, W1, b1, W2, b2):
    return (v for v in S.reference_forward(X, W1, b1, W2, b2))


def fwd_tiled_bias(X, W1, b1, W2, b2):
    Z1 = W1 @ X + np.tile(b1, (1, 5))
    A1 = sig(Z1)
    Z2 = W2 @ A1 + np.tile(b2, (1, 5))
    return Z1, A1, Z2, sig(Z2)


def fwd_no_biases(X, W1, b1, W2, b2):
    Z1 = W1 @ X
    A1 = sig(Z1)
    Z2 = W2 @ A1
    return Z1, A1, Z2, sig(Z2)


def fwd_softmax_out(X, W1, b1, W2, b2):
    Z1, A1, Z2, _ = S.reference_forward(X, W1, b1, W2, b2)
    return Z1, A1, Z2, bp.activations.softmax(Z2)


def mse_axis0(A, Y):
    D = A - Y
    return float(np.mean(np.sum(D**2, axis=0)) / 2), D / Y.shape[1]


def mse_list(A, Y):
    D = A - Y
    return [np.float64(np.einsum("ij,ij->", D, D) / (2 * A.shape[1])), D / A.shape[1]]


def mse_rows_mean(A, Y):
    D = A - Y
    return 0.5 * np.mean(np.sum(D**2, axis=1)), D / A.shape[1]


def mse_per_unit(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2, axis=1) / A.shape[1], D / A.shape[1]


def mse_per_example(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2, axis=0), D / A.shape[1]


def mse_grad_two(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2) / A.shape[1], 2 * D / A.shape[1]


def mse_grad_no_m(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2) / A.shape[1], D


def mse_swapped(A, Y):
    L, dA = bp.losses.mse(A, Y)
    return dA, L


def mse_grad_over_n(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2) / A.shape[1], D / A.shape[0]


def mse_hard_coded_m(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2) / 6, D / 6


def mse_floor_division(A, Y):
    D = A - Y
    return 0.5 * np.sum(D**2) / A.shape[1], D // A.shape[1]


def ce_clip_15(A, Y):
    m = A.shape[1]
    Ac = np.clip(A, 1e-15, 1.0)
    return -np.sum(Y * np.log(Ac)) / m, -Y / Ac / m


def ce_masked(A, Y):
    m = A.shape[1]
    safe = np.where(Y > 0, A, 1.0)
    return float(-np.sum(np.where(Y > 0, Y * np.log(safe), 0.0)) / m), np.where(Y > 0, -Y / safe, 0.0) / m


def ce_pick_argmax(A, Y):
    m = A.shape[1]
    return float(-np.log(A[Y.argmax(axis=0), np.arange(m)]).mean()), -Y / np.maximum(A, 1e-12) / m


def ce_binary(A, Y):
    m = A.shape[1]
    Ac = np.clip(A, 1e-12, 1 - 1e-12)
    L = -np.sum(Y * np.log(Ac) + (1 - Y) * np.log(1 - Ac)) / m
    return float(L), (Ac - Y) / (m * Ac * (1 - Ac))


def ce_no_clip(A, Y):
    m = A.shape[1]
    return float(-np.sum(Y * np.log(A)) / m), -Y / (m * np.maximum(A, 1e-12))


def ce_grad_unclipped(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), -Y / (m * A)


def ce_mean_all(A, Y):
    Ac = np.maximum(A, 1e-12)
    return float(-np.mean(Y * np.log(Ac))), -Y / (A.shape[1] * Ac)


def ce_sum(A, Y):
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac))), -Y / (A.shape[1] * Ac)


def ce_delta_no_m(A, Y):
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / A.shape[1]), A - Y


def ce_log10(A, Y):
    Ac = np.maximum(A, 1e-12)
    m = A.shape[1]
    return float(-np.sum(Y * np.log10(Ac)) / m), -Y / (m * Ac * np.log(10))


def ce_no_labels(A, Y):
    Ac = np.maximum(A, 1e-12)
    m = A.shape[1]
    return float(-np.sum(np.log(Ac)) / m), -1 / (m * Ac)


def ce_per_example(A, Y):
    Ac = np.maximum(A, 1e-12)
    m = A.shape[1]
    return -np.sum(Y * np.log(Ac), axis=0) / m, -Y / (m * Ac)


def bw_a_form(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    dZ2 = (A2 - Y) / m * A2 * (1 - A2)
    dZ1 = W2.T @ dZ2 * A1 * (1 - A1)
    return {
        "W2": dZ2 @ A1.T,
        "b2": dZ2.sum(axis=1, keepdims=True),
        "W1": dZ1 @ X.T,
        "b1": dZ1.sum(axis=1, keepdims=True),
    }


def bw_einsum(X, Y, W2, Z1, A1, Z2, A2):
    m = Y.shape[1]
    dZ2 = (A2 - Y) * sig_prime(Z2) / m
    dZ1 = np.einsum("ji,jk->ik", W2, dZ2) * sig_prime(Z1)
    return {
        "b1": np.sum(dZ1, axis=1)[:, None],
        "W1": np.einsum("ik,jk->ij", dZ1, X),
        "b2": np.sum(dZ2, axis=1)[:, None],
        "W2": np.einsum("ik,jk->ij", dZ2, A1),
    }


def bw_mean_form(X, Y, W2, Z1, A1, Z2, A2):
    m = X.shape[1]
    d2 = (A2 - Y) * sig_prime(Z2)
    d1 = (W2.T @ d2) * sig_prime(Z1)
    return {
        "W1": d1 @ X.T / m,
        "b1": d1.mean(axis=1, keepdims=True),
        "W2": d2 @ A1.T / m,
        "b2": d2.mean(axis=1, keepdims=True),
    }


def make_bw(
    out="Z", hid="Z", extra_m=False, w2_t=True, keepdims=True, axis=1, keys="W", m_fixed=None, d1_raw=False, prev2="A1"
):
    def backward(X, Y, W2, Z1, A1, Z2, A2):
        m = m_fixed or X.shape[1]
        prime = {"Z": lambda Z, A: sig_prime(Z), "A": lambda Z, A: sig_prime(A), "none": lambda Z, A: 1.0}
        prime["zz"] = lambda Z, A: Z * (1 - Z)
        err = (A2 - Y) / m
        dZ2 = err * prime[out](Z2, A2)
        dZ1 = ((W2.T if w2_t else W2) @ (err if d1_raw else dZ2)) * prime[hid](Z1, A1)
        k = m if extra_m else 1
        A_in = {"A1": A1, "Z1": Z1}[prev2]
        g = {
            "W1": dZ1 @ X.T / k,
            "b1": dZ1.sum(axis=axis, keepdims=keepdims) / k,
            "W2": dZ2 @ A_in.T / k,
            "b2": dZ2.sum(axis=axis, keepdims=keepdims) / k,
        }
        return {("d" + name if keys == "dW" else name): v for name, v in g.items()}

    return backward


NAMESPACE_TRAIN = """
def train(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = forward(X, params["W1"], params["b1"], params["W2"], params["b2"])
        L, _ = mse(A2, Y)
        losses.append(L)
        grads = backward(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = {name: params[name] - lr * grads[name] for name in params}
    return params, losses
"""

NAMESPACE_TRAIN_TUPLE = """
def train(X, Y, params, lr, epochs):
    params = {name: p.copy() for name, p in params.items()}
    losses = []
    for _ in range(epochs):
        Z1, A1, Z2, A2 = forward(X, params["W1"], params["b1"], params["W2"], params["b2"])
        losses.append(mse(A2, Y))
        grads = backward(X, Y, params["W2"], Z1, A1, Z2, A2)
        params = {name: params[name] - lr * grads[name] for name in params}
    return params, losses
"""


def notebook_train(source=NAMESPACE_TRAIN, backward=None, forward=None, mse=None):
    """A train defined in a notebook-like namespace, next to the learner's forward, mse and backward."""
    namespace = {
        "np": np,
        "forward": forward or S.reference_forward,
        "mse": mse or bp.losses.mse,
        "backward": backward or S.reference_backward,
    }
    exec(source, namespace)
    return namespace["train"]


def train_variant(
    sign=-1.0, use_lr=True, update_b=True, after=False, extra=0, stale_w2=False, initial=False, as_gen=False
):
    def train(X, Y, params, lr, epochs):
        p = {k: v.copy() for k, v in params.items()}
        losses = []
        for _ in range(epochs + extra):
            cache = S.reference_forward(X, p["W1"], p["b1"], p["W2"], p["b2"])
            if not after:
                losses.append(bp.losses.mse(cache[3], Y)[0])
            g = S.reference_backward(X, Y, params["W2"] if stale_w2 else p["W2"], *cache)
            p = {k: p[k] + sign * (lr if use_lr else 1.0) * g[k] if (update_b or k[0] == "W") else p[k] for k in p}
            if after:
                losses.append(bp.losses.mse(S.reference_forward(X, **p)[3], Y)[0])
        if as_gen:
            return p, (L for L in losses)
        return (params if initial else p), losses

    return train


def train_while_array(X, Y, params, lr, epochs):
    import copy

    p = copy.deepcopy(params)
    out = np.zeros(epochs)
    i = 0
    while i < epochs:
        Z1, A1, Z2, A2 = S.reference_forward(X, p["W1"], p["b1"], p["W2"], p["b2"])
        out[i] = np.sum((A2 - Y) ** 2) / (2 * X.shape[1])
        g = S.reference_backward(X, Y, p["W2"], Z1, A1, Z2, A2)
        for k in p:
            p[k] = p[k] - lr * g[k]
        i += 1
    return p, out


def fwd_b1_twice(X, W1, b1, W2, b2):
    Z1 = W1 @ X + b1
    A1 = sig(Z1)
    Z2 = W2 @ A1 + b1
    return Z1, A1, Z2, sig(Z2)


def mse_norm(A, Y):
    return float(np.linalg.norm(A - Y) / (2 * A.shape[1])), (A - Y) / A.shape[1]


def mse_precedence(A, Y):
    m = A.shape[1]
    return float(np.sum((A - Y) ** 2) / 2 * m), (A - Y) / m


def mse_grad_precedence(A, Y):
    m = A.shape[1]
    return bp.losses.mse(A, Y)[0], A - Y / m


def ce_grad_precedence(A, Y):
    m = A.shape[1]
    Ac = np.maximum(A, 1e-12)
    return float(-np.sum(Y * np.log(Ac)) / m), -Y / m * Ac


def train_swapped(X, Y, params, lr, epochs):
    p, losses = make_train()(X, Y, params, lr, epochs)
    return losses, p


class Box:
    pass


UNSEEN_2 = [
    (S.forward, fwd_b1_twice, "not + b1"),
    (
        S.forward,
        lambda X, W1, b1, W2, b2: dict(zip("Z1 A1 Z2 A2".split(), S.reference_forward(X, W1, b1, W2, b2), strict=True)),
        "tuple of 4",
    ),
    (S.forward, lambda X, W1, b1, W2, b2: Box(), "tuple of 4"),
    (S.mse, mse_norm, "squares are missing"),
    (S.mse, mse_precedence, "m²"),
    (S.mse, mse_grad_precedence, "parentheses"),
    (S.mse, lambda A, Y: None, "return"),
    (S.mse, lambda A, Y: (bp.losses.mse(A, Y)[0], [tuple(r) for r in bp.losses.mse(A, Y)[1]] + [(1.0,)]), "dA"),
    (S.cross_entropy, ce_grad_precedence, "parentheses"),
    (S.cross_entropy, lambda A, Y: (bp.losses.cross_entropy(A, Y)[0], np.zeros((4000, 4000))), "dA"),
    (S.backward, lambda *a: tuple(S.reference_backward(*a).values()), "dict"),
    (S.train, train_swapped, "swapped"),
    (S.train, notebook_train(mse=lambda A, Y: (np.sum((A - Y) ** 2) / A.shape[1], (A - Y) / A.shape[1])), "your mse"),
    (S.train, notebook_train(forward=forward_no_b1), "your forward"),
    (S.train, lambda X, Y, params, lr, epochs: (make_train()(X, Y, params, lr, epochs)[0], "losses"), "losses"),
]


UNSEEN = [
    # forward
    (S.forward, fwd_dot, "[PASS]"),
    (S.forward, fwd_einsum_list, "[PASS]"),
    (S.forward, fwd_order, "order"),
    (S.forward, fwd_w_transposed, "needs no transpose"),
    (S.forward, fwd_no_b2, "b2 is missing"),
    (S.forward, fwd_sigmoid_on_input, "the input"),
    (S.forward, fwd_tanh_hidden, "not tanh"),
    (S.forward, cached(S.reference_forward, "forward"), "earlier input"),
    (S.forward, fwd_nested, "flat"),
    (S.forward, fwd_generator, "generator"),
    (S.forward, fwd_tiled_bias, "hard-coded"),
    (S.forward, fwd_no_biases, "b1 is missing"),
    (S.forward, fwd_softmax_out, "softmax"),
    # mse
    (S.mse, mse_axis0, "[PASS]"),
    (S.mse, mse_list, "[PASS]"),
    (S.mse, mse_rows_mean, "number of rows"),
    (S.mse, mse_per_unit, "per unit"),
    (S.mse, mse_per_example, "per example"),
    (S.mse, mse_grad_two, "cancels"),
    (S.mse, mse_grad_no_m, "m times too large"),
    (S.mse, mse_swapped, "swapped"),
    (S.mse, mse_grad_over_n, "n = 5"),
    (S.mse, cached(bp.losses.mse, "mse"), "earlier input"),
    (S.mse, mse_hard_coded_m, "hard-coded"),
    (S.mse, mse_floor_division, "integer division"),
    # cross_entropy
    (S.cross_entropy, ce_clip_15, "[PASS]"),
    (S.cross_entropy, ce_masked, "[PASS]"),
    (S.cross_entropy, ce_pick_argmax, "[PASS]"),
    (S.cross_entropy, ce_binary, "binary"),
    (S.cross_entropy, ce_no_clip, "log 0"),
    (S.cross_entropy, ce_grad_unclipped, "clipped A in dA"),
    (S.cross_entropy, ce_mean_all, "n·m entries"),
    (S.cross_entropy, ce_sum, "m = 6 times too large"),
    (S.cross_entropy, ce_delta_no_m, "dZ"),
    (S.cross_entropy, ce_log10, "log base"),
    (S.cross_entropy, ce_no_labels, "labels Y"),
    (S.cross_entropy, ce_per_example, "per example"),
    (S.cross_entropy, cached(bp.losses.cross_entropy, "ce"), "earlier input"),
    # backward
    (S.backward, bw_a_form, "[PASS]"),
    (S.backward, bw_einsum, "[PASS]"),
    (S.backward, bw_mean_form, "[PASS]"),
    (S.backward, make_bw(out="A"), "σ′(A2)"),
    (S.backward, make_bw(out="A", hid="A"), "σ′(A1)"),
    (S.backward, make_bw(hid="none"), "σ′(Z1)"),
    (S.backward, make_bw(extra_m=True), "once too often"),
    (S.backward, make_bw(w2_t=False), "not transposed"),
    (S.backward, make_bw(keepdims=False), "keepdims"),
    (S.backward, make_bw(axis=0), "summed over the rows"),
    (S.backward, make_bw(keys="dW"), "like the parameters"),
    (S.backward, make_bw(m_fixed=5), "hard-coded"),
    (S.backward, cached(S.reference_backward, "backward"), "earlier input"),
    (S.backward, make_bw(d1_raw=True), "from dZ2"),
    (S.backward, make_bw(prev2="Z1"), "A1, not Z1"),
    (S.backward, make_bw(out="zz"), "z(1 − z)"),
    # train
    (S.train, notebook_train(), "[PASS]"),
    (S.train, train_while_array, "[PASS]"),
    (S.train, notebook_train(NAMESPACE_TRAIN_TUPLE), "append a tuple"),
    (S.train, train_variant(after=True), "before the first update"),
    (S.train, train_variant(use_lr=False), "learning rate"),
    (S.train, train_variant(update_b=False), "biases"),
    (S.train, train_variant(sign=+1.0), "goes up"),
    (S.train, make_train(copy=False), "in place"),
    (S.train, train_variant(initial=True), "initial"),
    (S.train, cached(train_variant(), "train"), "earlier input"),
    (S.train, train_variant(stale_w2=True), "updated W2"),
    (S.train, train_variant(extra=1), "one loss per epoch"),
    (S.train, notebook_train(backward=make_bw(hid="none")), "your backward"),
    (S.train, train_variant(as_gen=True), "generator"),
    # questions
    (S.q1, lambda: "C", "[PASS]"),
    (S.q1, lambda: "a", "saturat"),
    (S.q1, lambda: "d", "gradient"),
    (S.q2, lambda: 43.0, "[PASS]"),
    (S.q2, lambda: 35, "bias"),
    (S.q2, lambda: 47, "input layer"),
    (S.q2, lambda: 60, "product"),
    (S.q2, lambda: 12, "units"),
    (S.q2, lambda: "43", "one number"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), UNSEEN + UNSEEN_2, ids=lambda x: getattr(x, "__name__", None))
def test_unseen(check, impl, expected, expect_feedback):
    check(impl)
    expect_feedback(expected)
