"""Exercises 3b (graphs and autodiff): right answers pass, each wrong one gets its mistake id and a specific message,
garbage gets a message (never a crash), and the notebook grades to full marks solved and 0 untouched."""

from __future__ import annotations

import contextlib
import io
import itertools
import shutil
import sys
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import graphs as G

ROOT = Path(__file__).resolve().parents[1]
NAME = "ex03b_graphs.ipynb"
ACT = bp.activations.ACTIVATIONS
sig = bp.activations.sigmoid


# ---- right answers ------------------------------------------------------------------------------------------


def model_backward(dZL, caches):
    grads, dZ = {}, dZL
    for l in range(len(caches), 0, -1):
        linear, norm, _ = caches[l - 1]
        if norm is not None:
            dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = bp.layers.batchnorm_backward(dZ, norm)
        grads[f"W{l}"] = dZ @ linear.A_prev.T
        if norm is None:
            grads[f"b{l}"] = dZ.sum(axis=1, keepdims=True)
        if l > 1:
            below = caches[l - 2].activation
            dZ = (linear.W.T @ dZ) * ACT[below.name][1](below.Z)
    return grads


def model_backward_by_attributes(dZL, caches):
    """Attribute access on the library's named tuples, and a loop over the layers from the top."""
    grads, dZ = {}, dZL
    for l, cache in reversed(list(enumerate(caches, start=1))):
        if cache.batchnorm is not None:
            dZ, dgamma, dbeta = bp.layers.batchnorm_backward(dZ, cache.batchnorm)
            grads.update({f"gamma{l}": dgamma, f"beta{l}": dbeta})
        else:
            grads[f"b{l}"] = np.sum(dZ, axis=1).reshape(-1, 1)
        grads[f"W{l}"] = np.einsum("im,jm->ij", dZ, cache.linear.A_prev)
        if l > 1:
            act = caches[l - 2].activation
            dZ = cache.linear.W.T.dot(dZ) * ACT[act.name][1](act.Z)
    return grads


def mul_backward(g, a, b):
    return g * b, g * a


def tanh_backward(g, out):
    return (g * (1 - out**2),)


def matmul_backward(g, A, B):
    return g @ B.T, A.T @ g


def mul_backward_reduced(g, a, b):
    """Summed to each input's shape already (the engine accepts either)."""
    return G._to_shape(g * b, np.shape(a)), G._to_shape(g * a, np.shape(b))


def backprop(parents, local):
    grad = np.zeros(len(parents))
    grad[-1] = 1.0
    for i in reversed(range(len(parents))):
        for p, d in zip(parents[i], local[i], strict=True):
            grad[p] += grad[i] * d
    return grad


def backprop_lists(parents, local):
    """Plain Python lists, a returned list, and a while loop."""
    grad = [0.0] * len(parents)
    grad[-1] = 1.0
    i = len(parents) - 1
    while i >= 0:
        for k in range(len(parents[i])):
            grad[parents[i][k]] = grad[parents[i][k]] + grad[i] * local[i][k]
        i -= 1
    return grad


def softplus_backward(g, x):
    return g * sig(x)


def softplus_backward_tanh(g, x):
    return g * 0.5 * (1 + np.tanh(x / 2))  # σ(x) = (1 + tanh(x/2))/2


def huber_backward(g, r, delta):
    return g * np.clip(r, -delta, delta)


def huber_backward_loop(g, r, delta):
    out = np.empty_like(r)
    for i in np.ndindex(r.shape):
        out[i] = g[i] * (r[i] if abs(r[i]) <= delta else delta * np.sign(r[i]))
    return out.tolist()


# ---- wrong model_backward: one switch per mistake ----------------------------------------------------------------


def mb(prime="Z", transpose=True, dw="A_prev", over_m=False, db="sum", bn="chain", first_key=1, stop=0, stale=False,
       layer="below", depth=None, inplace=False):  # fmt: skip
    def model_backward(dZL, caches):
        grads, dZ, m = {}, dZL, dZL.shape[1]
        L = depth or len(caches)
        for l in range(L, stop, -1):
            lin, norm, act = caches[l - 1]
            k = l - 1 + first_key
            if norm is not None and bn != "skip":
                out = bp.layers.batchnorm_backward(dZ, norm)
                grads[f"gamma{k}"], grads[f"beta{k}"] = out[1], out[2]
                dZ = out[0] if bn != "not_chained" else dZ
            A = lin.A_prev if dw == "A_prev" else act.A
            grads[f"W{k}"] = dZ @ A.T / (m if over_m else 1)
            if norm is None or bn in ("skip", "with_b"):
                b = {
                    "sum": lambda dZ=dZ: dZ.sum(axis=1, keepdims=True),
                    "mean": lambda dZ=dZ: dZ.mean(axis=1, keepdims=True),
                    "total": lambda dZ=dZ: dZ.sum(),
                    "none": lambda dZ=dZ: dZ,
                    "rows": lambda dZ=dZ: dZ.sum(axis=0, keepdims=True),
                }[db]()
                grads[f"b{k}"] = b / (m if over_m else 1)
            if l > 1:
                below = caches[l - 2].activation if layer == "below" else act
                sigma, sigma_prime = ACT[below.name]
                if prime == "Z":
                    factor = sigma_prime(below.Z)
                elif prime == "A":
                    factor = sigma_prime(below.A)
                else:
                    factor = sigma(below.Z) if prime == "sigma" else 1.0
                back = (lin.W.T if transpose else lin.W) @ dZ
                if inplace:
                    dZ *= 0.5
                dZ = dZL if stale else back * factor
        return grads

    return model_backward


def mb_scaled(k_W=1.0, k_b=1.0, noise=0.0):
    def model_backward_(dZL, caches):
        g = model_backward(dZL, caches)
        return {
            k: v * (k_W if k.startswith("W") else k_b if k.startswith("b") else 1.0)
            + noise * np.arange(v.size).reshape(v.shape)
            for k, v in g.items()
        }

    return model_backward_


def mb_compounding_m(dZL, caches):
    """Divides by m once per layer: layer l gets 1/m^(L-l+1), an unlisted mistake named by its relation."""
    g = model_backward(dZL, caches)
    m, L = dZL.shape[1], len(caches)
    return {k: v / m ** (L - G._layer(k) + 1) for k, v in g.items()}


# ---- wrong rules, sweeps and derived backwards ---------------------------------------------------------------------


def bp_impl(acc="add", order="reverse", chain=True, local_=True, seed=1.0, unique=False, average=False):
    def backprop(parents, local):
        n = len(parents)
        grad = np.zeros(n)
        grad[-1] = seed
        for i in reversed(range(n)) if order == "reverse" else range(n):
            pairs = (
                dict(zip(parents[i], local[i], strict=True)).items()
                if unique
                else zip(parents[i], local[i], strict=True)
            )
            for p, d in pairs:
                c = (grad[i] if chain else 1.0) * (d if local_ else 1.0)
                if average:
                    grad[p] = (grad[p] + c) / 2
                elif acc == "add":
                    grad[p] += c
                else:
                    grad[p] = c
        return grad

    return backprop


def mutates_parents(parents, local):
    parents.append([])
    return backprop(parents[:-1], local)


_calls = itertools.count()


def mul_right_only_alone(g, a, b):
    """Right in the three unit calls, wrong once the engine runs it: only the engine stage can see it."""
    return (g * b, g * a) if next(_calls) % 1000 < 3 else (g * b, g * b)


mul_right_only_alone.reset = lambda: globals().__setitem__("_calls", itertools.count())


def endless(*args):
    while True:
        pass


OK3 = (mul_backward, tanh_backward, matmul_backward)


def rules(mul=mul_backward, tanh=tanh_backward, matmul=matmul_backward):
    return (mul, tanh, matmul)


# (check, implementation (a tuple for several functions), mistake id, words the message must hold)
CATALOG = [
    # --- the sweep
    (G.backprop, bp_impl(acc="set"), "backprop_overwrite", "gradients add at forks"),
    (G.backprop, bp_impl(order="forward"), "backprop_forward_order", "must run in reverse"),
    (G.backprop, bp_impl(chain=False), "backprop_no_chain", "grad[i] is missing"),
    (G.backprop, bp_impl(local_=False), "backprop_no_local", "like an add gate"),
    (G.backprop, bp_impl(seed=0.0), "backprop_no_seed", "starts at 1"),
    (G.backprop, bp_impl(unique=True), "backprop_unique", "counts twice"),
    (G.backprop, bp_impl(average=True), "backprop_first_wrong", "the first wrong gradient is node"),
    (G.backprop, bp_impl(seed=2.0), "twice", "twice the expected ones"),
    (G.backprop, mutates_parents, "changed_input", "changed its input 'parents'"),
    # --- the rules
    (G.vjp_rules, rules(mul=lambda g, a, b: (g * a, g * b)), "mul_swapped", "g times the other input"),
    (G.vjp_rules, rules(mul=lambda g, a, b: (b, a)), "mul_no_g", "upstream gradient g is missing"),
    (G.vjp_rules, rules(mul=lambda g, a, b: (g, g)), "mul_router", "rule of the add gate"),
    (G.vjp_rules, rules(mul=lambda g, a, b: ((g * b).sum(), g * a)), "rule_shape", "ga has shape ()"),
    (G.vjp_rules, rules(mul=lambda g, a, b: g * b), "not_tuple", "should be a tuple of 2 values"),
    (G.vjp_rules, rules(mul=lambda g, a, b: (-g * b, -g * a)), "sign", "wrong sign"),
    (G.vjp_rules, rules(mul=mul_right_only_alone), "engine_fails", "fails the gradient check"),
    (G.vjp_rules, rules(tanh=lambda g, out: (g * (1 - out),)), "tanh_one_minus", "squared"),
    (G.vjp_rules, rules(tanh=lambda g, out: g * (1 - out**2)), "one_tuple", "the comma makes the tuple"),
    (G.vjp_rules, rules(tanh=lambda g, out: (g * (1 - np.tanh(out) ** 2),)), "tanh_again", "out is already tanh"),
    (G.vjp_rules, rules(tanh=lambda g, out: (g * out * (1 - out),)), "tanh_sigmoid_form", "sigmoid's derivative"),
    (G.vjp_rules, rules(tanh=lambda g, out: (1 - out**2,)), "tanh_no_g", "g is missing"),
    (G.vjp_rules, rules(tanh=lambda g, out: (0.5 * g * (1 - out**2),)), "half", "half the expected"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (g @ B, A @ g)), "matmul_no_transpose", "where the shapes fit"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (B.T @ g, g @ A.T)), "matmul_order", "wrong order"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (g * B, A * g)), "matmul_elementwise", "not element-wise"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (A.T @ g, g @ B.T)), "rule_shape", "gA has shape (4, 5)"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (-(g @ B.T), A.T @ g)), "sign", "gA: wrong sign"),
    # --- the general backward
    (G.model_backward, mb(prime="none"), "mb_no_prime", "σ′(Zˡ⁻¹) is missing"),
    (G.model_backward, mb(prime="A"), "mb_prime_of_a", "not the activation Aˡ⁻¹"),
    (G.model_backward, mb(prime="sigma"), "mb_sigma", "by its derivative"),
    (G.model_backward, mb(transpose=False), "mb_no_transpose", "W must be transposed"),
    (G.model_backward, mb(dw="A"), "mb_own_a", "not its output Aˡ"),
    (G.model_backward, mb(over_m=True), "mb_over_m", "do not divide dW and db by m again"),
    (G.model_backward, mb(db="mean"), "mb_db_mean", "not the mean"),
    (G.model_backward, mb(db="total"), "mb_db_total", "one value per unit"),
    (G.model_backward, mb(db="none"), "mb_db_unsummed", "summed over the columns"),
    (G.model_backward, mb(db="rows"), "shape", "you summed over the rows"),
    (G.model_backward, mb(bn="skip"), "mb_bn_skipped", "this network has batch norm"),
    (G.model_backward, mb(bn="not_chained"), "mb_bn_not_chained", "γ and β are right"),
    (G.model_backward, mb(bn="with_b"), "mb_bn_has_b", "has no b"),
    (G.model_backward, mb(first_key=0), "mb_keys_from_zero", "numbered from 1"),
    (G.model_backward, mb(stop=1), "mb_stops_early", "layer 1 is missing"),
    (G.model_backward, mb(stale=True), "mb_dz_stale", "every layer uses dZL"),
    (G.model_backward, mb(layer="same"), "mb_prime_layer", "from the wrong layer"),
    (G.model_backward, mb(depth=2), "mb_fixed_depth", "do not write a fixed depth"),
    (G.model_backward, mb(inplace=True), "changed_input", "changed its input 'dZL' in place"),
    (G.model_backward, mb_scaled(k_W=2.0), "twice", "grads['W"),
    (G.model_backward, mb_scaled(k_b=-1.0), "sign", "grads['b"),
    (G.model_backward, mb_scaled(noise=0.01), "fails_gradient_check", "fails the gradient check"),
    (G.model_backward, mb_compounding_m, "mb_over_m", "do not divide dW and db by m again"),  # first key: L
    # --- derive it yourself: softplus
    (G.softplus_backward, lambda g, x: g * sig(x) * (1 - sig(x)), "softplus_sigma_prime", "σ′(x)"),
    (G.softplus_backward, lambda g, x: g / (1 + np.exp(x)), "softplus_inner_missing", "the derivative of the inside"),
    (G.softplus_backward, lambda g, x: g * np.log1p(np.exp(x)), "softplus_forward", "the forward"),
    (G.softplus_backward, lambda g, x: g * np.exp(x), "softplus_exp", "divide by u = 1 + eˣ"),
    (G.softplus_backward, lambda g, x: sig(x), "derived_no_g", "g is missing"),
    (G.softplus_backward, lambda g, x: g * np.exp(x) / (1 + np.exp(x)), "derived_not_finite", "for x = 800"),
    (G.softplus_backward, lambda g, x: -g * sig(x), "sign", "wrong sign"),
    (G.softplus_backward, lambda g, x: g * np.tanh(x), "function_of_input", "exactly tanh(x)"),
    (G.softplus_backward, lambda g, x: g * (sig(x) + 1), "offset", "off by the same amount, 1"),
    (G.softplus_backward, lambda g, x: g * sig(2 * x), "derived_differs", "differentiate the forward again"),
    # --- derive it yourself: Huber
    (G.huber_backward, lambda g, r, d: g * np.where(abs(r) <= d, r, d * r), "huber_delta_r", "not δ·r"),
    (G.huber_backward, lambda g, r, d: g * np.where(abs(r) <= d, r, d), "huber_no_sign", "sign(r), not 1"),
    (G.huber_backward, lambda g, r, d: g * np.where(abs(r) <= d, r, np.sign(r)), "huber_no_delta", "δ is missing"),
    (G.huber_backward, lambda g, r, d: g * np.where(abs(r) <= d, r / 2, d * np.sign(r)), "huber_half", "the ½"),
    (G.huber_backward, lambda g, r, d: g * np.where(r <= d, r, d * np.sign(r)), "huber_signed_test", "on |r|"),
    (G.huber_backward, lambda g, r, d: g * np.where(abs(r) > d, r, d * np.sign(r)), "huber_swapped", "swapped"),
    (G.huber_backward, lambda g, r, d: g * np.clip(r, -1, 1), "huber_fixed_delta", "uses δ = 1"),
    (G.huber_backward, lambda g, r, d: np.clip(r, -d, d), "derived_no_g", "g is missing"),
    (
        G.huber_backward,
        lambda g, r, d: g * np.where(abs(r) < d, r, 0.0),
        "by_region",
        "right where |r| < δ; where r > δ, r < −δ, |r| = δ: your values are all zero",
    ),
    (
        G.huber_backward,
        lambda g, r, d: g * np.where(abs(r) <= d, r, 2 * d * np.sign(r)),
        "by_region",
        "where r > δ, r < −δ: your values are twice",
    ),
    (G.huber_backward, lambda g, r, d: g * (r if abs(r) < d else d), "raised", "np.where(np.abs(r) <= delta"),
    # --- concept questions
    (G.q1, lambda: "b", "wrong_choice", "no local derivative"),
    (G.q1, lambda: "c", "wrong_choice", "the add gate"),
    (G.q2, lambda: 6, "listed_answer", "the + gate passes its gradient to x too"),
    (G.q2, lambda: 4, "listed_answer", "each place passes back the other factor"),
    (G.q2, lambda: -7, "answer_sign", "wrong sign"),
]

RIGHT = [
    (G.backprop, backprop),
    (G.backprop, backprop_lists),
    (G.vjp_rules, OK3),
    (G.vjp_rules, rules(mul=mul_backward_reduced)),
    (G.model_backward, model_backward),
    (G.model_backward, model_backward_by_attributes),
    (G.softplus_backward, softplus_backward),
    (G.softplus_backward, softplus_backward_tanh),
    (G.softplus_backward, lambda g, x: g / (1 + np.exp(-x))),  # overflows for x = −800 but stays finite: fine
    (G.huber_backward, huber_backward),
    (G.huber_backward, huber_backward_loop),
    (G.q1, lambda: "a"),
    (G.q2, lambda: 7),
]

# whatever comes back, or happens, the check prints a message: never a crash
GARBAGE = [
    (G.backprop, lambda p, l: None, "is None"),
    (G.backprop, lambda p, l: "grads", "should be a NumPy array"),
    (G.backprop, lambda p, l: [0.0] * (len(p) - 1), "expected your gradients of shape"),
    (G.backprop, lambda p, l: {i: 0.0 for i in range(len(p))}, "got dict"),
    (G.backprop, lambda p, l: 1 / 0, "raised ZeroDivisionError"),
    (G.backprop, endless, "did not finish within"),
    (G.backprop, lambda p, l: (x for x in p), "is a generator"),
    (G.backprop, lambda p, l: [float("nan")] * len(p), "NaN or inf"),
    (G.vjp_rules, rules(mul=lambda g, a, b: None), "is None"),
    (G.vjp_rules, rules(mul=lambda g, a, b: ("x", "y")), "should be a NumPy array"),
    (G.vjp_rules, rules(tanh=lambda g, out: ()), "should be a tuple of 1 values"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: (g, g, g)), "should be a tuple of 2 values"),
    (G.vjp_rules, rules(matmul=lambda g, A, B: A.nothing), "raised AttributeError"),
    (G.vjp_rules, (mul_backward, tanh_backward, 42), "should be a function"),
    (G.model_backward, lambda dZL, caches: None, "is None"),
    (G.model_backward, lambda dZL, caches: [c.linear.W for c in caches], "should be a dict"),
    (G.model_backward, lambda dZL, caches: caches.nothing, "raised AttributeError"),
    (G.model_backward, lambda dZL, caches: {"W1": "x"}, "lacks the key(s)"),
    (G.model_backward, lambda dZL, caches: {**model_backward(dZL, caches), "extra": 1}, "unexpected key(s)"),
    (G.model_backward, lambda dZL, caches: {k: None for k in model_backward(dZL, caches)}, "is None"),
    (G.softplus_backward, lambda g, x: None, "is None"),
    (G.softplus_backward, lambda g, x: x[0], "expected softplus_backward(g, x) of shape"),
    (G.softplus_backward, lambda g, x: np.full_like(x, np.inf), "NaN or inf"),
    (G.softplus_backward, endless, "did not finish within"),
    (G.huber_backward, lambda g, r, d: object(), "should be a NumPy array"),
    (G.huber_backward, lambda g, r, d: np.zeros(3), "of shape"),
    (G.q1, lambda: None, "return one letter"),
    (G.q2, lambda: "seven", "should be one number"),
]


@pytest.fixture
def graded_run(capsys, monkeypatch):
    """Run a check as a grader would (its block names the mistake id); return the block."""

    def run(check, impl) -> str:
        monkeypatch.setenv("BPCOURSE_GRADING", "1")
        for f in impl if isinstance(impl, tuple) else (impl,):
            getattr(f, "reset", lambda: None)()
        with contextlib.suppress(AssertionError):
            check(*(impl if isinstance(impl, tuple) else (impl,)))
        return capsys.readouterr().out

    return run


pytestmark = pytest.mark.usefixtures("check_seed")


@pytest.mark.parametrize(("check", "impl"), RIGHT, ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(RIGHT)])
def test_right_answers_pass(check, impl, expect_feedback):
    check(*(impl if isinstance(impl, tuple) else (impl,)))
    expect_feedback("[PASS]")


@pytest.mark.parametrize(
    ("check", "impl", "mistake", "words"),
    CATALOG,
    ids=[f"{c.__name__}-{m}-{i}" for i, (c, _, m, _) in enumerate(CATALOG)],
)
def test_wrong_answers_are_named(check, impl, mistake, words, graded_run):
    out = graded_run(check, impl)
    assert out.startswith("[FAIL]"), out
    assert f"(mistake: {mistake};" in out, out
    assert words in out, out


@pytest.mark.parametrize(
    ("check", "impl", "words"), GARBAGE, ids=[f"{c.__name__}-{i}" for i, (c, _, _) in enumerate(GARBAGE)]
)
def test_garbage_gets_a_message_not_a_crash(check, impl, words, graded_run, monkeypatch):
    monkeypatch.setattr(bp.check.core, "TIME_LIMIT", 1.0)
    out = graded_run(check, impl)
    assert out.startswith("[FAIL]") and "the check could not run your code" not in out, out
    assert words in out, out


def test_the_catalog_is_large_and_covers_every_item():
    assert len(CATALOG) >= 15
    assert {c.grade_id for c, *_ in CATALOG} == set(G.ITEMS)
    assert len({m for _, _, m, _ in CATALOG}) >= 40


def test_untouched_stubs_are_todo(capsys):
    def stub(*args):
        raise NotImplementedError()

    for check in G.ITEMS.values():
        n = {"ex03b_vjp_rules": 3}.get(check.grade_id, 1)
        check(*([stub] * n))
        assert capsys.readouterr().out.startswith("[TODO]"), check.grade_id


# ---- the references -----------------------------------------------------------------------------------------


def test_the_textbook_reference_is_the_librarys_backward_and_passes_the_gradient_check():
    r = np.random.default_rng(0)
    for L, bn in ((1, False), (2, True), (3, False), (5, True), (4, False)):
        net, X, Y, dZL, caches = G._network(r, L, bn)
        ours, library = G._model_backward(dZL, caches), net.backward(dZL, caches)
        assert ours.keys() == library.keys()
        assert all(np.allclose(ours[k], library[k], rtol=1e-12, atol=1e-14) for k in ours)
        assert bp.gradcheck.check_network(net, X, Y).max_error < 1e-6


def test_the_engine_with_the_reference_rules_passes_every_graph_the_check_builds():
    r = np.random.default_rng(3)
    for _draw in range(3):
        for expression, leaves, build, _twice in G._graphs(r):
            got = G._engine_grads(build, leaves, {"mul": G._mul, "tanh": G._tanh, "matmul": G._matmul})
            numerical = G._numerical(build, leaves)
            for leaf in leaves:
                assert bp.gradcheck.rel_error(got[leaf], numerical[leaf]) < 1e-7, (expression, leaf)


def test_every_single_mistake_shows_on_the_graphs_of_the_sweep():
    r = np.random.default_rng(4)
    for n in (8, 10, 12):
        parents, local = G._telling_graph(r, n)
        right = G.BACKPROP(parents, local)
        assert np.allclose(right, backprop(parents, local))
        assert any(len(set(p)) < len(p) for p in parents), "a node read twice by one child (x·x)"
        for diagnosis, value in G.BACKPROP.near_misses(parents, local, pairs=False):
            assert not np.allclose(value, right, rtol=1e-3), diagnosis.id


def test_huber_reference_is_the_clip_and_continuous_at_delta():
    r = np.linspace(-3, 3, 61)
    for delta in (0.4, 1.0, 2.0):
        assert np.allclose(G._huber_backward(np.ones_like(r), r, delta), np.clip(r, -delta, delta))
        x = np.array([delta, -delta])
        num = (G._huber(x + 1e-6, delta) - G._huber(x - 1e-6, delta)) / 2e-6
        assert np.allclose(G._huber_backward(np.ones(2), x, delta), num, atol=1e-6)


# ---- grading: the same words both ways, full marks solved, 0 untouched ---------------------------------------------

SAME_WORDS = [
    ("model_backward", "mb(bn='not_chained')"),
    ("model_backward", "mb(prime='none')"),
    ("model_backward", "model_backward"),
    ("model_backward", "model_backward_by_attributes"),  # cache.linear.W in the worker: the named tuples travel
    ("model_backward", "mb(transpose=False)"),
    ("vjp_rules", "(mul_backward, lambda g, out: g * (1 - out**2), matmul_backward)"),
    ("vjp_rules", "(mul_right_only_alone, tanh_backward, matmul_backward)"),
    ("backprop", "bp_impl(acc='set')"),
    ("huber_backward", "huber_backward_loop"),
    ("softplus_backward", "lambda g, x: g * np.exp(x) / (1 + np.exp(x))"),
]


@pytest.fixture(scope="module")
def session():
    from bpcourse.grade import run

    settings = run.Settings(timeout=600, sandboxed=False, why_not="test")
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="bpcourse-graphs-"))
    s = run.start_session(settings, scratch, time.monotonic() + 600)
    reply = s.run(
        f"import sys\nsys.path.insert(0, {str(ROOT / 'tests')!r})\nfrom test_check_graphs import *\nimport numpy as np"
    )
    assert reply["error"] is None, reply
    yield s
    s.close()
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.parametrize(("check", "source"), SAME_WORDS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(SAME_WORDS)])
def test_the_grader_and_the_kernel_say_the_same_words(check, source, session, monkeypatch):
    from bpcourse.grade import score

    fn = getattr(G, check)
    impl = eval(source)  # noqa: S307 - the catalog's own expressions
    monkeypatch.delenv("BPCOURSE_CHECK_SEED", raising=False)
    monkeypatch.setenv("BPCOURSE_GRADING", "1")
    monkeypatch.setenv("BPCOURSE_GRADE_SEED", "same-words")
    for f in impl if isinstance(impl, tuple) else (impl,):
        getattr(f, "reset", lambda: None)()
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(AssertionError):
        fn(*(impl if isinstance(impl, tuple) else (impl,)))
    here = out.getvalue().rstrip("\n")
    monkeypatch.delenv("BPCOURSE_GRADING")
    monkeypatch.delenv("BPCOURSE_GRADE_SEED")
    n = len(impl) if isinstance(impl, tuple) else 1
    names = ", ".join(f"f{k}" for k in range(n))
    reply = session.run(
        f"impl = {source}\nfor f in (impl if isinstance(impl, tuple) else (impl,)):\n"
        f"    getattr(f, 'reset', lambda: None)()\n{names}{',' if n == 1 else ''} = " + ("impl" if n > 1 else "(impl,)")
    )
    assert reply["error"] is None, reply
    there = score.judge(fn, session.resolve([f"f{k}" for k in range(n)]), "same-words", []).text
    assert here == there


def test_solved_notebook_gets_full_marks_and_untouched_gets_zero(tmp_path):
    from bpcourse import grade as grade_mod

    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copy(ROOT / "solutions" / NAME, solutions / NAME)
    subs = tmp_path / "submitted"
    for student, source in (("ada", ROOT / "solutions" / NAME), ("bob", ROOT / "exercises" / NAME)):
        (subs / student).mkdir(parents=True)
        shutil.copy(source, subs / student / NAME)
    rows = {
        row["student"]: row for row in grade_mod.grade(subs, tmp_path / "g.csv", solutions, timeout=300, progress=False)
    }
    possible = sum(f.points for f in G.ITEMS.values())
    assert possible == 15
    assert rows["ada"]["total"] == rows["ada"]["possible"] == "15", rows["ada"]
    assert rows["bob"]["total"] == "0" and rows["bob"]["possible"] == "15", rows["bob"]
    feedback = nbformat.read(ROOT / "exercises" / NAME, as_version=4)
    assert sum(1 for c in feedback.cells if c.metadata["nbgrader"].get("grade")) == len(G.ITEMS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
