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
        "the weights dW^l only",
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
