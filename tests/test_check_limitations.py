"""Catalog of wrong (and differently right) implementations for exercises 4: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest

from bpcourse.check import limitations as Lm

pytestmark = pytest.mark.usefixtures("check_seed")


def norms_loop(grads, L):
    out = []
    for l in range(1, L + 1):
        total = 0.0
        for value in grads[f"W{l}"].ravel():
            total += value * value
        out.append(total**0.5)
    return out


def global_norm(grads):
    return np.sqrt(sum(np.sum(g * g) for g in grads.values()))


def clip(grads, max_norm):
    n = global_norm(grads)
    return {k: g * max_norm / n if n > max_norm else g.copy() for k, g in grads.items()}


def clip_loop(grads, max_norm):
    flat = np.concatenate([g.ravel() for g in grads.values()])
    n = np.linalg.norm(flat)
    out = {}
    for k, g in grads.items():
        out[k] = g * min(1.0, max_norm / n)
    return out


def clip_in_place(grads, max_norm):
    n = global_norm(grads)
    if n > max_norm:
        for g in grads.values():
            g *= max_norm / n
    return grads


CASES = [
    (Lm.layer_grad_norms, lambda g, L: np.array([np.linalg.norm(g[f"W{l}"]) for l in range(1, L + 1)]), "[PASS]"),
    (Lm.layer_grad_norms, norms_loop, "[PASS]"),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.sum(g[f"W{l}"] ** 2) for l in range(1, L + 1)]), "squared norms"),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.linalg.norm(g[f"W{l}"]) for l in range(L, 0, -1)]), "reversed"),
    (
        Lm.layer_grad_norms,
        lambda g, L: np.array([np.sqrt(np.sum(g[f"W{l}"] ** 2) + np.sum(g[f"b{l}"] ** 2)) for l in range(1, L + 1)]),
        "the weights dWˡ only",
    ),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.abs(g[f"W{l}"]).max() for l in range(1, L + 1)]), "not max"),
    (Lm.xavier_init, lambda o, i, r: np.sqrt(2 / (i + o)) * r.standard_normal((o, i)), "[PASS]"),
    (Lm.xavier_init, lambda o, i, r: r.uniform(-np.sqrt(6 / (i + o)), np.sqrt(6 / (i + o)), (o, i)), "[PASS]"),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, 2 / (i + o), (o, i)), "you used the variance"),
    (Lm.xavier_init, lambda o, i, r: np.random.normal(0, np.sqrt(2 / (i + o)), (o, i)), "rng argument"),  # noqa: NPY002
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(2 / (i + o)), (i, o)), "did you transpose W"),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(1 / i), (o, i)), "LeCun"),
    (Lm.xavier_init, lambda o, i, r: np.full((o, i), 0.05), "different rngs gave the same weights"),
    (Lm.he_init, lambda o, i, r: r.normal(0.0, np.sqrt(2.0 / i), size=(o, i)), "[PASS]"),
    (Lm.he_init, lambda o, i, r: np.sqrt(2 / o) * r.standard_normal((o, i)), "fan-in"),
    (Lm.he_init, lambda o, i, r: np.sqrt(1 / i) * r.standard_normal((o, i)), "the factor 2 is missing"),
    (Lm.he_init, lambda o, i, r: (2 / i) * r.standard_normal((o, i)), "you used the variance"),
    (Lm.he_init, lambda o, i, r: np.sqrt(2 / (i + o)) * r.standard_normal((o, i)), "that is Xavier's"),
    (Lm.clip_by_norm, clip, "[PASS]"),
    (Lm.clip_by_norm, clip_loop, "[PASS]"),
    (Lm.clip_by_norm, lambda g, mx: {k: v * min(1, mx / np.linalg.norm(v)) for k, v in g.items()}, "global norm"),
    (Lm.clip_by_norm, lambda g, mx: {k: np.clip(v, -mx, mx) for k, v in g.items()}, "np.clip caps"),
    (Lm.clip_by_norm, lambda g, mx: {k: v * mx / global_norm(g) for k, v in g.items()}, "must stay as it is"),
    (Lm.clip_by_norm, clip_in_place, "changed its input 'grads' in place"),
    (Lm.clip_by_norm, lambda g, mx: {k: v.copy() for k, v in g.items()}, "was not clipped"),
    (Lm.q1, lambda: 0.25, "[PASS]"),
    (Lm.q1, lambda: 1.0, "is not right"),
    (Lm.q2, lambda: "b", "[PASS]"),
    (Lm.q2, lambda: "a", "is not the right choice"),
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
    """The first answer for each input shape (and int argument), stored in a global and returned ever after."""

    def __init__(self, impl):
        self.impl, self.store = impl, {}

    def __call__(self, *args):
        key = tuple(_key(a) for a in args)
        if key not in self.store:
            self.store[key] = self.impl(*args)
        return self.store[key]


def norms(g, L):
    return np.array([np.linalg.norm(g[f"W{l}"]) for l in range(1, L + 1)])


def norms_sorted_keys(g, L):
    keys = sorted((k for k in g if k.startswith("W")), key=lambda k: int(k[1:]))
    return np.array([np.linalg.norm(g[k].ravel()) for k in keys])


def xavier_seeded_inside(o, i, r):
    np.random.seed(0)  # noqa: NPY002
    return np.random.normal(0, np.sqrt(2 / (i + o)), (o, i))  # noqa: NPY002


def clip_same_dict_below(grads, max_norm):
    n = global_norm(grads)
    if n <= max_norm:
        return grads
    return {k: g * max_norm / n for k, g in grads.items()}


def clip_new_dict_shared_arrays(grads, max_norm):
    n = global_norm(grads)
    return dict(grads) if n <= max_norm else {k: g * (max_norm / n) for k, g in grads.items()}


def clip_hard_coded(grads, max_norm):
    keys = ["W1", "b1", "W2", "b2"]
    n = np.sqrt(sum(np.sum(grads[k] ** 2) for k in keys))
    s = max_norm / n if n > max_norm else 1.0
    return {k: grads[k] * s for k in keys}


def clip_with(norm_of, factor=lambda n, mx: mx / n):
    def clip_by_norm(grads, max_norm):
        n = norm_of(grads)
        return {k: g * factor(n, max_norm) if n > max_norm else g.copy() for k, g in grads.items()}

    return clip_by_norm


UNSEEN = [
    # layer_grad_norms
    (
        Lm.layer_grad_norms,
        lambda g, L: [float(np.sqrt((g["W" + str(l)] ** 2).sum())) for l in range(1, L + 1)],
        "[PASS]",
    ),
    (Lm.layer_grad_norms, norms_sorted_keys, "[PASS]"),
    (Lm.layer_grad_norms, lambda g, L: tuple(norms(g, L)), "[PASS]"),
    (Lm.layer_grad_norms, lambda g, L: norms(g, 4), "not a fixed number of layers"),
    (Lm.layer_grad_norms, lambda g, L: norms(g, L)[:-1], "range(1, L + 1)"),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.linalg.norm(g[f"W{l}"]) for l in range(L)]), "numbered from 1"),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.linalg.norm(g[f"W{l}"], 2) for l in range(1, L + 1)]), "spectral"),
    (
        Lm.layer_grad_norms,
        lambda g, L: np.array([np.sqrt(np.mean(g[f"W{l}"] ** 2)) for l in range(1, L + 1)]),
        "root mean square",
    ),
    (Lm.layer_grad_norms, Cached(norms), "earlier input"),
    (Lm.layer_grad_norms, lambda g, L: [np.linalg.norm(g[f"W{l}"], axis=0) for l in range(1, L + 1)], "one number"),
    (Lm.layer_grad_norms, lambda g, L: np.array([np.abs(g[f"W{l}"]).sum() for l in range(1, L + 1)]), "squares the"),
    (Lm.layer_grad_norms, lambda g, L: (np.linalg.norm(g[f"W{l}"]) for l in range(1, L + 1)), "generator"),
    # xavier_init
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(2 / (i + o)), size=(o, i)), "[PASS]"),
    (Lm.xavier_init, lambda o, i, r: (np.sqrt(2 / (i + o)) * r.standard_normal((o, i))).astype(np.float32), "[PASS]"),
    (Lm.xavier_init, lambda o, i, r: r.choice([-1.0, 1.0], size=(o, i)) * np.sqrt(2 / (i + o)), "[PASS]"),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(2 / i + o), (o, i)), "parentheses"),
    (Lm.xavier_init, lambda o, i, r: r.uniform(-np.sqrt(2 / (i + o)), np.sqrt(2 / (i + o)), (o, i)), "a/√3"),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(6 / (i + o)), (o, i)), "bound a of the uniform"),
    (Lm.xavier_init, xavier_seeded_inside, "different rngs gave the same weights"),
    (
        Lm.xavier_init,
        Cached(lambda o, i, r: r.normal(0, np.sqrt(2 / (i + o)), (o, i))),
        "different rngs gave the same weights",
    ),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(2 / i), (o, i)), "that is He's"),
    (Lm.xavier_init, lambda o, i, r: r.uniform(0, 2 * np.sqrt(6 / (i + o)) / 2, (o, i)), "mean 0"),
    (Lm.xavier_init, lambda o, i, r: r.normal(0, np.sqrt(2 / (i + o)), o * i), "expected W of shape"),
    # he_init
    (Lm.he_init, lambda o, i, r: r.standard_normal((o, i)) / np.sqrt(i / 2), "[PASS]"),
    (Lm.he_init, lambda o, i, r: r.uniform(-np.sqrt(6 / i), np.sqrt(6 / i), size=(o, i)), "[PASS]"),
    (Lm.he_init, lambda o, i, r: r.normal(0, np.sqrt(2 / i), (o, i)).astype(np.float32), "[PASS]"),
    (Lm.he_init, lambda o, i, r: r.normal(0, 2 / np.sqrt(i), (o, i)), "over the whole fraction"),
    (Lm.he_init, lambda o, i, r: r.uniform(-np.sqrt(2 / i), np.sqrt(2 / i), (o, i)), "a/√3"),
    (Lm.he_init, lambda o, i, r: np.random.standard_normal((o, i)) * np.sqrt(2 / i), "rng argument"),  # noqa: NPY002
    (Lm.he_init, lambda o, i, r: r.normal(0, np.sqrt(2 / i), (i, o)), "did you transpose W"),
    (Lm.he_init, lambda o, i, r: r.normal(0, np.sqrt(6 / i), (o, i)), "bound a of the uniform"),
    (
        Lm.he_init,
        lambda o, i, r: np.random.default_rng(0).normal(0, np.sqrt(2 / i), (o, i)),
        "different rngs gave the same weights",
    ),
    (Lm.he_init, lambda o, i, r: None, "forget the `return`"),
    (Lm.he_init, lambda o, i, r: r.normal(0, np.sqrt(2 / i), (o, i)) + 0.01, "mean 0"),
    # clip_by_norm
    (Lm.clip_by_norm, clip_with(global_norm, lambda n, mx: min(1.0, mx / n)), "[PASS]"),
    (Lm.clip_by_norm, clip_new_dict_shared_arrays, "[PASS]"),
    (Lm.clip_by_norm, clip_same_dict_below, "the very object"),
    (Lm.clip_by_norm, clip_with(lambda g: sum(np.linalg.norm(v) for v in g.values())), "not the sum of the arrays"),
    (Lm.clip_by_norm, clip_with(lambda g: sum(np.sum(v * v) for v in g.values())), "without the root"),
    (Lm.clip_by_norm, clip_with(global_norm, lambda n, mx: n / mx), "upside down"),
    (Lm.clip_by_norm, clip_hard_coded, "loop over the dict"),
    (Lm.clip_by_norm, Cached(clip), "earlier input"),
    (Lm.clip_by_norm, clip_with(global_norm, lambda n, mx: 1 / n), "length 1"),
    (Lm.clip_by_norm, lambda g, mx: [v * min(1, mx / global_norm(g)) for v in g.values()], "should be a dict"),
    # questions
    (Lm.q1, lambda: 0.5, "σ(0)"),
    (Lm.q1, lambda: 1, "tanh"),
    (Lm.q1, lambda: 0, "z = 0"),
    (Lm.q1, lambda: 1 / 4, "[PASS]"),
    (Lm.q2, lambda: "a", "global minima"),
    (Lm.q2, lambda: "c", "biases"),
    (Lm.q2, lambda: "d", "gradient small"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), UNSEEN, ids=lambda x: getattr(x, "__name__", None))
def test_unseen(check, impl, expected, expect_feedback):
    if isinstance(impl, Cached):
        impl = Cached(impl.impl)  # a fresh store for every run
    check(impl)
    expect_feedback(expected)
