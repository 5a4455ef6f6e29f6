r"""Checks for exercises/ex03b_graphs.ipynb (chapter 3b: computational graphs and reverse-mode autodiff).

Graded items:

- ``model_backward(dZL, caches)``: the backward pass of a network of any depth, read from the library's own
  caches (``net.forward_cache(X, training=True)``), with and without batch norm; returns the grads dict
  like ``net.gradients``. Compared with the library's backward and, where no near miss explains a
  difference, gradient-checked with finite differences;
- ``vjp_rules(mul_backward, tanh_backward, matmul_backward)``: three local backward rules of the engine
  ``bpcourse.autodiff``, checked one by one (broadcasting shapes included), then plugged into the engine
  with ``backward(root, rules=...)`` and gradient-checked on graphs where a node is used twice;
- ``backprop(parents, local)``: the sweep itself on a plain-data scalar graph, where a ``=`` in place of
  ``+=`` (gradients add at forks) is what the check can see;
- ``softplus_backward(g, x)`` and ``huber_backward(g, r, delta)``: backward rules the course never shows
  (the prompt gives the forward only); the feedback compares the derivative the learner's answer implies
  (their result divided by g) with the right one, region by region for Huber's two branches;
- two concept questions.

Every reference is written in textbook form with switches for the typical mistakes (``Reference``); the
diagnosis engine adds the relations that hold for any item (a factor, a sign, an offset, a transpose, part of
the entries), so a mistake nobody listed is still described.
"""

from __future__ import annotations

import re

import numpy as np

from .. import activations as act
from .. import layers
from ..autodiff import unbroadcast
from ..errors import skip_checks
from ..i18n import N_, _
from . import mistakes as M
from . import probes
from .core import (
    Mistake,
    Reference,
    Section,
    as_float_array,
    call,
    expect_array,
    expect_result,
    expect_tuple,
    given,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .diagnose import close, diagnose, relations
from .mistakes import define, message

NOTEBOOK = "ex03b_graphs"
CHAPTER = "03b_graphs_autodiff"


CHAIN_RULE = Section("3b", 1, N_("1. The chain rule on a graph"))
ENGINE = Section("3b", 2, N_("2. A tiny reverse-mode engine"))
LAYERS_ARE_VJPS = Section("3b", 4, N_("4. Layers are vector-Jacobian products"))

ON_SQUARE = define(
    "graphs_on_square", N_("{crash}\nwhere the shapes fit (all widths equal), your function computes this: {mistake}")
)


def _explain_crash(exc: Mistake, fn, name: str, square_args: tuple, near, right) -> Mistake:
    """A function that raised on the usual shapes, run again on square ones: the near miss it computes there."""
    if exc.mistake_id != M.RAISED:
        return exc
    try:
        got = call(fn, *square_args, name=name)
    except Exception:  # whatever else happens there, the first message stands
        return exc
    for diagnosis, value in near:
        if close(got, value) and not close(value, right):
            return Mistake(message(ON_SQUARE, crash=str(exc), mistake=diagnosis.text), diagnosis.id)
    return exc


def _call(fn, args: tuple, name: str, square_args: tuple, reference: Reference):
    """``call``, and for a crash, the near miss the function computes on square inputs."""
    try:
        return call(fn, *args, name=name)
    except Mistake as exc:
        near = list(reference.near_misses(*square_args, pairs=False))
        raise _explain_crash(exc, fn, name, square_args, near, reference(*square_args)) from None


# ==== 1. the general backward pass ==========================================================================

MB_NO_PRIME = define(
    "mb_no_prime",
    N_("the factor σ′(Zˡ⁻¹) is missing: after dA = (Wˡ)ᵀ dZˡ, the next dZ is dA ⊙ σ′(Zˡ⁻¹) (BP2)"),
)
MB_PRIME_OF_A = define(
    "mb_prime_of_a",
    N_("σ′ takes the pre-activation Zˡ⁻¹ (cache.activation.Z), not the activation Aˡ⁻¹ (cache.activation.A)"),
)
MB_SIGMA = define("mb_sigma", N_("you multiplied by σ(Zˡ⁻¹) itself; BP2 multiplies by its derivative σ′(Zˡ⁻¹)"))
MB_PRIME_LAYER = define(
    "mb_prime_layer",
    N_(
        "σ′ comes from the wrong layer: dZˡ⁻¹ = dAˡ⁻¹ ⊙ σ′(Zˡ⁻¹) uses the activation cache of layer "
        "l − 1 (caches[l − 2]), the layer below the one whose W you just used"
    ),
)
MB_NO_TRANSPOSE = define(
    "mb_no_transpose", N_("dAˡ⁻¹ = (Wˡ)ᵀ dZˡ: W must be transposed, W.T @ dZ (BP2 goes backwards through W)")
)
MB_OWN_A = define(
    "mb_own_a",
    N_("dWˡ = dZˡ (Aˡ⁻¹)ᵀ uses the layer's input Aˡ⁻¹ (cache.linear.A_prev), not its output Aˡ"),
)
MB_OVER_M = define(
    "mb_over_m",
    N_(
        "dZL already carries the 1/m of the batch mean (it is ∂L/∂Zᴸ with L = the mean loss): do not divide "
        "dW and db by m again"
    ),
)
MB_DELTA_OVER_M = define(
    "mb_delta_over_m",
    N_(
        "you divide by m at every layer of the recursion, so the layers further down get 1/m², 1/m³, …: the 1/m "
        "is in dZL once and the chain rule only multiplies by Wᵀ and σ′"
    ),
)
MB_DB_MEAN = define("mb_db_mean", N_("dbˡ is the sum of dZˡ over the columns, not the mean: dZL already holds the 1/m"))
MB_DB_TOTAL = define(
    "mb_db_total", N_("dbˡ keeps one value per unit: sum over the columns only, dZ.sum(axis=1, keepdims=True)")
)
MB_DB_UNSUMMED = define(
    "mb_db_unsummed",
    N_("dbˡ must be summed over the columns (the examples): bˡ is added to every column of Zˡ"),
)
MB_DZ_STALE = define(
    "mb_dz_stale",
    N_("every layer uses dZL: update dZ as you go down, dZ = (Wᵀ dZ) ⊙ σ′(Z) (or the batch-norm backward)"),
)
MB_BN_NOT_CHAINED = define(
    "mb_bn_not_chained",
    N_(
        "γ and β are right, but Wˡ must get the gradient that comes out of the batch-norm backward "
        "(its first result, dZ before normalization), not the one that went in"
    ),
)
MB_BN_SKIPPED = define(
    "mb_bn_skipped",
    N_(
        "this network has batch norm (cache.batchnorm is not None in layer(s) {layers}): those layers have no b; "
        "return 'gamma{first}' and 'beta{first}' from the batch-norm backward instead, and pass its dZ on to W"
    ),
)
MB_BN_HAS_B = define(
    "mb_bn_has_b",
    N_("a layer with batch norm has no b (β takes its place): leave out {keys}, as net.params does"),
)
MB_KEYS_FROM_ZERO = define(
    "mb_keys_from_zero",
    N_("the keys are numbered from 1, like the layers: caches[0] is layer 1, so its gradients are 'W1' and 'b1'"),
)
MB_STOPS_EARLY = define(
    "mb_stops_early",
    N_("layer 1 is missing ({keys}): the loop must run down to l = 1, e.g. for l in range(L, 0, -1)"),
)
MB_FIXED_DEPTH = define(
    "mb_fixed_depth",
    N_(
        "your grads have the keys {got} for a network of {L} layer(s): loop over the layers (L = len(caches)), "
        "do not write a fixed depth"
    ),
)

MB_SPECIAL = N_("a layer with batch norm, or a ReLU-family unit at 0?")


def _sigma_prime(name: str):
    return act.ACTIVATIONS[name][1]


def _model_backward(
    dZL,
    caches,
    prime="prime",
    prime_layer="below",
    transpose=True,
    dw_input="A_prev",
    over_m="",
    db="columns",
    bn="chained",
    update=True,
    first=1,
    offset=0,
):
    """The backward pass through cached layers L … 1 (BP2–BP4 and batch norm), with switches for its mistakes.

    dZL = ∂L/∂Zᴸ (n_L, m), the 1/m of the batch mean included; returns {'W1', 'b1' (or 'gamma1', 'beta1'), …}.
    """
    m, L = dZL.shape[1], len(caches)
    grads = {}
    dZ = dZL
    with skip_checks():
        for l in range(L, first - 1, -1):
            lin, norm, _activation = caches[l - 1]
            key = l + offset
            if norm is not None and bn != "skipped":
                dZ_lin, grads[f"gamma{key}"], grads[f"beta{key}"] = layers.batchnorm_backward(dZ, norm)
                if bn == "chained":
                    dZ = dZ_lin
            A = lin.A_prev if dw_input == "A_prev" else caches[l - 1].activation.A
            dW = dZ @ A.T
            if db == "columns":
                db_l = dZ.sum(axis=1, keepdims=True)
            elif db == "mean":
                db_l = dZ.mean(axis=1, keepdims=True)
            else:
                db_l = np.sum(dZ) if db == "total" else dZ
            if over_m == "grads":
                dW, db_l = dW / m, db_l / m
            grads[f"W{key}"] = dW
            if norm is None or bn == "skipped":
                grads[f"b{key}"] = db_l
            if l == 1:
                break
            dA = (lin.W.T if transpose else lin.W) @ dZ
            cache = caches[l - 2 if prime_layer == "below" else l - 1].activation
            factor = {
                "prime": lambda c: _sigma_prime(c.name)(c.Z),
                "none": lambda c: 1.0,
                "of_A": lambda c: _sigma_prime(c.name)(c.A),
                "sigma": lambda c: act.ACTIVATIONS[c.name][0](c.Z),
            }[prime](cache)
            new = dA * factor
            dZ = (new / m if over_m == "delta" else new) if update else dZL
    return grads


MODEL_BACKWARD = Reference(
    _model_backward,
    {
        MB_NO_PRIME: {"prime": "none"},
        MB_PRIME_OF_A: {"prime": "of_A"},
        MB_SIGMA: {"prime": "sigma"},
        MB_PRIME_LAYER: {"prime_layer": "same"},
        MB_NO_TRANSPOSE: {"transpose": False},
        MB_OWN_A: {"dw_input": "A"},
        MB_OVER_M: {"over_m": "grads"},
        MB_DELTA_OVER_M: {"over_m": "delta"},
        MB_DB_MEAN: {"db": "mean"},
        MB_DB_TOTAL: {"db": "total"},
        MB_DB_UNSUMMED: {"db": "none"},
        MB_DZ_STALE: {"update": False},
        MB_BN_NOT_CHAINED: {"bn": "not_chained"},
    },
)

_HIDDEN = ("tanh", "sigmoid", "elu", "leaky_relu")
_HEADS = (("softmax", "cross_entropy"), ("sigmoid", "cross_entropy"), ("identity", "mse"), ("sigmoid", "mse"))


def _network(r: np.random.Generator, L: int, batchnorm: bool, width: int | None = None, m: int = 6):
    """A random MLP of L layers, a batch and its caches: (net, X, Y, dZL, caches). ``width`` makes it square."""
    from ..network import MLP

    output, loss = _HEADS[int(r.integers(len(_HEADS)))]
    sizes = [width] * (L + 1) if width else [int(n) for n in r.integers(2, 6, size=L + 1)]
    if not width:  # neighbours of different widths: a missing transpose or a wrong A cannot compute
        for i in range(1, L + 1):
            if sizes[i] == sizes[i - 1]:
                sizes[i] += 1
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    net = MLP(sizes, hidden=_HIDDEN[int(r.integers(len(_HIDDEN)))], output=output, loss=loss, init="normal",
              scale=0.8, batchnorm=batchnorm, seed=int(r.integers(2**31)))  # fmt: skip
    for l in range(1, L):
        if batchnorm:  # γ and β away from 1 and 0, so that a skipped γ shows
            net.params[f"gamma{l}"] = r.uniform(0.5, 1.5, size=(sizes[l], 1))
            net.params[f"beta{l}"] = r.normal(scale=0.3, size=(sizes[l], 1))
    for l in range(1, L + 1):
        if f"b{l}" in net.params:
            net.params[f"b{l}"] = r.normal(scale=0.3, size=(sizes[l], 1))
    X = r.normal(size=(sizes[0], m))
    if output == "softmax":
        Y = np.eye(sizes[-1])[:, r.integers(sizes[-1], size=m)]
    elif loss == "cross_entropy":
        Y = (r.random(size=(sizes[-1], m)) < 0.5).astype(float)
    else:
        Y = r.normal(size=(sizes[-1], m))
    _, caches = net.forward_cache(X, training=True)
    _, dZL = net._loss_and_dZL(caches, Y)
    return net, X, Y, dZL, caches


def _layer(key) -> int | None:
    """The layer number at the end of a key ('gamma12' → 12), or None."""
    match = re.fullmatch(r"[A-Za-z_]+?(\d+)", key) if isinstance(key, str) else None
    return int(match.group(1)) if match else None


def _keys_mistake(got: dict, expected: dict, caches: list) -> None:
    """Name a key set that is not the expected one: numbered from 0, layer 1 missing, batch norm skipped..."""
    keys, want = set(got), set(expected)
    if keys == want:
        return
    L = len(caches)
    bn_layers = [l for l in range(1, L + 1) if caches[l - 1].batchnorm is not None]

    def renumbered(k: str, by: int) -> str:
        name = k.rstrip("0123456789")
        return f"{name}{int(k[len(name) :]) + by}"

    if all(isinstance(k, str) and k.rstrip("0123456789") != k for k in keys):
        if {renumbered(k, 1) for k in keys} == want:
            raise Mistake(message(MB_KEYS_FROM_ZERO), MB_KEYS_FROM_ZERO)
    layer1 = {k for k in want if _layer(k) == 1}
    if L > 1 and keys == want - layer1:
        raise Mistake(message(MB_STOPS_EARLY, keys=", ".join(sorted(layer1))), MB_STOPS_EARLY)
    if bn_layers:
        plain = {f"{p}{l}" for l in range(1, L + 1) for p in ("W", "b")}
        if keys == plain or keys == plain - {f"b{l}" for l in range(1, L + 1)}:
            first = bn_layers[0]
            text = message(MB_BN_SKIPPED, layers=", ".join(map(str, bn_layers)), first=first)
            raise Mistake(text, MB_BN_SKIPPED)
        extra_b = {f"b{l}" for l in bn_layers}
        if keys >= want and keys - want <= extra_b:
            raise Mistake(message(MB_BN_HAS_B, keys=", ".join(sorted(keys - want))), MB_BN_HAS_B)
    numbers = [_layer(k) for k in keys]
    if keys and None not in numbers and max(numbers) == 2 and L != 2:
        raise Mistake(message(MB_FIXED_DEPTH, got=sorted(keys), L=L), MB_FIXED_DEPTH)


def _order(expected: dict) -> list[str]:
    """The keys in the order backward computes them: layer L first."""
    return sorted(expected, key=lambda k: (-(_layer(k) or 0), k))


def _grad_check(net, X, Y, key: str, grad) -> None:
    """The finite-difference verdict on one of the learner's gradients (training mode, a copy of the network)."""
    from .compare import gradient_consistent

    net = net.copy()

    def loss(p):
        net.params[key] = p
        return net._loss(X, Y, training=True)

    gradient_consistent(f"grads[{key!r}]", loss, net.params[key], np.asarray(grad, dtype=np.float64))


def _judge_grads(got, net, X, Y, dZL, caches) -> dict:
    """Compare the learner's grads dict with the library's; name the mistake or report the gradient check."""
    from .compare import expect_keys

    expected = net.backward(dZL, caches)
    if isinstance(got, dict):
        _keys_mistake(got, expected, caches)
    expect_keys(_("your grads"), got, expected.keys())
    if close(got, expected):
        return got
    near = list(MODEL_BACKWARD.near_misses(dZL, caches))
    for diagnosis, value in near:
        if isinstance(value, dict) and close(got, value):
            raise Mistake(_("your grads: {mistake}").format(mistake=diagnosis.text), diagnosis.id)
    m = dZL.shape[1]
    for key in _order(expected):
        parts = [(d, v[key]) for d, v in near if isinstance(v, dict) and key in v]
        try:
            expect_array(f"grads[{key!r}]", got[key], expected[key], near_misses=parts, m=m, special=_(MB_SPECIAL))
        except Mistake as exc:
            if exc.mistake_id == M.DIFFERS:
                _grad_check(net, X, Y, key, got[key])
            raise
    return got


def _keys_on_square(exc: Mistake, fn, square: tuple) -> None:
    """A crash on the usual shapes whose square run returns the wrong keys (a fixed depth...): say so."""
    if exc.mistake_id != M.RAISED:
        return
    try:
        got = call(fn, *square, name="model_backward")
    except Exception:  # the crash stands
        return
    dZL, caches = square
    if isinstance(got, dict):
        try:
            with skip_checks():
                _keys_mistake(got, _model_backward(dZL, caches), caches)
        except Mistake as keys:
            raise Mistake(message(ON_SQUARE, crash=str(exc), mistake=str(keys)), keys.mistake_id) from None


@item("ex03b_model_backward", 4, "model_backward", LAYERS_ARE_VJPS)
def model_backward(fn) -> None:
    """Check ``fn(dZL, caches)`` = the library's backward on random networks of depth 1 … 5, with and without
    batch norm; a crash is run again on a square network (all widths equal), where it can be named."""
    r = rng()
    L_deep = int(r.integers(3, 6))
    draws = [(L_deep, False), (int(r.integers(2, 6)), True), (1, False), (int(r.integers(2, 5)), False)]
    for L, bn in draws:
        net, X, Y, dZL, caches = _network(r, L, bn)
        square = _network(r, L, bn, width=4)[3:]
        try:
            got = _call(fn, (dZL, caches), "model_backward", square, MODEL_BACKWARD)
        except Mistake as exc:
            _keys_on_square(exc, fn, square)
            raise
        _judge_grads(got, net, X, Y, dZL, caches)


# ==== 2. the engine's rules ==================================================================================

ONE_TUPLE = define(
    "one_tuple",
    N_(
        "{name} should return a tuple of one array, (gx,), as every rule returns one gradient per input; "
        "you returned the array itself: write return (gx,) (the comma makes the tuple)"
    ),
)
RULE_SHAPE = define(
    "rule_shape",
    N_(
        "{label} has shape {got}; the gradient of an input of shape {shape} must have that shape, or the "
        "shape of g {g_shape} (the engine sums it back to {shape})"
    ),
)
MUL_SWAP = define(
    "mul_swapped",
    N_(
        "out = a·b: ∂out/∂a = b, so ga = g * b and gb = g * a; each input gets g times the other input, "
        "not its own value"
    ),
)
MUL_NO_G = define(
    "mul_no_g",
    N_("the upstream gradient g is missing: the chain rule multiplies the local derivative by g, ga = g * b"),
)
MUL_ROUTER = define(
    "mul_router",
    N_(
        "that is the rule of the add gate (it passes g on unchanged); the multiply gate scales g: "
        "ga = g * b, gb = g * a"
    ),
)
TANH_ONE_MINUS = define("tanh_one_minus", N_("tanh′ = 1 − tanh², squared: g * (1 - out**2), not g * (1 - out)"))
TANH_AGAIN = define(
    "tanh_again", N_("out is already tanh(x): use it as it is, g * (1 - out**2); do not apply tanh to it again")
)
TANH_SIGMOID = define(
    "tanh_sigmoid_form", N_("out * (1 - out) is the sigmoid's derivative; tanh′ = 1 − tanh², g * (1 - out**2)")
)
TANH_SQUARED = define("tanh_squared", N_("tanh′ = 1 − tanh², not tanh²: g * (1 - out**2)"))
TANH_PLUS = define("tanh_plus", N_("tanh′ = 1 − tanh² (a minus): g * (1 - out**2)"))
TANH_NO_G = define("tanh_no_g", N_("the upstream gradient g is missing: gx = g * (1 - out**2)"))
MATMUL_NO_T = define(
    "matmul_no_transpose",
    N_("out = A B: gA = g Bᵀ and gB = Aᵀ g; each needs a transpose to bring the shapes back (g @ B.T, A.T @ g)"),
)
MATMUL_ORDER = define(
    "matmul_order",
    N_("the factors are in the wrong order: gA = g Bᵀ (g first) and gB = Aᵀ g (g last), so gA has A's shape"),
)
MATMUL_SWAP = define(
    "matmul_swapped",
    N_("gA and gB are mixed up: gA = g Bᵀ has A's shape, gB = Aᵀ g has B's shape; return (gA, gB)"),
)
MATMUL_ELEMENTWISE = define(
    "matmul_elementwise",
    N_("@ is a matrix product, so its backward is too: gA = g @ B.T, gB = A.T @ g (not element-wise *)"),
)
ENGINE_FAILS = define(
    "engine_fails",
    N_(
        "run by the engine on {expression}, with your rules, the gradient of {leaf} fails the gradient check "
        "(relative error {err}): {hint}"
    ),
)
FORK_HINT = N_(
    "{leaf} is used twice there, and the engine adds the two contributions: does your rule change g or its inputs?"
)


def _to_shape(x: np.ndarray, shape: tuple) -> np.ndarray | None:
    """x summed back to ``shape`` as broadcasting would have spread it, or None (the engine's own rule)."""
    return unbroadcast(np.asarray(x, dtype=np.float64), shape)


def _mul(g, a, b, swap=False, use_g=True, router=False):
    if router:
        return g * np.ones_like(a), g * np.ones_like(b)
    ga, gb = (a, b) if swap else (b, a)
    return (g * ga, g * gb) if use_g else (ga + 0.0 * g, gb + 0.0 * g)


MUL = Reference(_mul, {MUL_SWAP: {"swap": True}, MUL_NO_G: {"use_g": False}, MUL_ROUTER: {"router": True}})


def _tanh(g, out, form="right", use_g=True):
    d = {
        "right": lambda: 1.0 - out**2,
        "one_minus": lambda: 1.0 - out,
        "again": lambda: 1.0 - np.tanh(out) ** 2,
        "sigmoid": lambda: out * (1.0 - out),
        "squared": lambda: out**2,
        "plus": lambda: 1.0 + out**2,
    }[form]()
    return ((g * d) if use_g else d,)


TANH = Reference(
    _tanh,
    {
        TANH_ONE_MINUS: {"form": "one_minus"},
        TANH_AGAIN: {"form": "again"},
        TANH_SIGMOID: {"form": "sigmoid"},
        TANH_SQUARED: {"form": "squared"},
        TANH_PLUS: {"form": "plus"},
        TANH_NO_G: {"use_g": False},
    },
)


def _matmul(g, A, B, form="right"):
    return {
        "right": lambda: (g @ B.T, A.T @ g),
        "no_transpose": lambda: (g @ B, A @ g),
        "order": lambda: (B.T @ g, g @ A.T),
        "swapped": lambda: (A.T @ g, g @ B.T),
        "elementwise": lambda: (g * B, A * g),
    }[form]()


MATMUL = Reference(
    _matmul,
    {
        MATMUL_NO_T: {"form": "no_transpose"},
        MATMUL_ORDER: {"form": "order"},
        MATMUL_SWAP: {"form": "swapped"},
        MATMUL_ELEMENTWISE: {"form": "elementwise"},
    },
)


def _rule_result(name: str, got, shapes: list[tuple], g_shape: tuple, names: list[str]) -> tuple:
    """The learner's rule result as a tuple of float arrays summed to the inputs' shapes, or a Mistake."""
    if len(shapes) == 1 and isinstance(got, np.ndarray):
        raise Mistake(message(ONE_TUPLE, name=name), ONE_TUPLE)
    got = expect_tuple(f"{name}(...)", got, len(shapes))
    out = []
    for label, value, shape in zip(names, got, shapes, strict=True):
        arr = as_float_array(label, value)
        summed = _to_shape(arr, shape)
        if summed is None:
            text = message(RULE_SHAPE, label=label, got=arr.shape, shape=shape, g_shape=g_shape)
            raise Mistake(text, RULE_SHAPE)
        out.append(summed)
    return tuple(out)


def _reduced(near, shapes):
    """Near misses summed to the inputs' shapes (those that cannot be are left out)."""
    out = []
    for diagnosis, value in near:
        parts = [_to_shape(v, s) for v, s in zip(value, shapes, strict=True)] if value is not None else [None]
        if all(p is not None for p in parts):
            out.append((diagnosis, tuple(parts)))
    return out


def _unit(fn, name, reference, args, shapes, names, square=None, inputs=None):
    """One call of a rule on arrays: its result judged against the reference (summed to the inputs' shapes)."""
    try:
        got = call(fn, *args, name=name)
    except Mistake as exc:
        if square is None:
            raise
        near = list(reference.near_misses(*square, pairs=False))
        raise _explain_crash(exc, fn, name, square, near, reference(*square)) from None
    g_shape = np.shape(args[0])
    got = _rule_result(name, got, shapes, g_shape, names)
    expected = tuple(_to_shape(v, s) for v, s in zip(reference(*args), shapes, strict=True))
    near = _reduced(reference.near_misses(*args), shapes)
    if len(shapes) == 1:
        expect_array(names[0], got[0], expected[0], near_misses=[(d, v[0]) for d, v in near], inputs=inputs)
    else:
        expect_result(f"{name}(...)", got, expected, names, near)
    return got


def _rules(mul_fn, tanh_fn, matmul_fn) -> dict:
    """The learner's three rules as the engine calls them, each through ``call`` and judged for its form."""

    def wrap(fn, name, names):
        def rule(g, *inputs):
            got = call(fn, g, *inputs, name=name)
            shapes = [np.shape(v) for v in inputs]
            return _rule_result(name, got, shapes, np.shape(g), names)

        return rule

    return {
        "mul": wrap(mul_fn, "mul_backward", ["ga", "gb"]),
        "tanh": wrap(tanh_fn, "tanh_backward", ["gx"]),
        "matmul": wrap(matmul_fn, "matmul_backward", ["gA", "gB"]),
    }


def _graphs(r: np.random.Generator) -> list:
    """(expression, {leaf: array}, build(nodes) -> root, the leaf used twice or None): graphs made of add, mul,
    tanh, matmul and sum, with forks and broadcasting."""
    n, k, m = (int(v) for v in r.integers(2, 5, size=3))

    def N(*shape):
        return r.normal(size=shape)

    return [
        ("(x * x).sum()", {"x": N(n, m)}, lambda v: (v["x"] * v["x"]).sum(), "x"),
        ("(tanh(x) + x).sum()", {"x": N(n, m)}, lambda v: (v["x"].tanh() + v["x"]).sum(), "x"),
        ("(A @ A * C).sum()", {"A": N(n, n), "C": N(n, n)}, lambda v: (v["A"] @ v["A"] * v["C"]).sum(), "A"),
        (_("(a * B).sum(), a of shape (n, 1)"), {"a": N(n, 1), "B": N(n, m)}, lambda v: (v["a"] * v["B"]).sum(), None),
        (
            "(tanh(W @ X + b) * V).sum()",
            {"W": N(k, n), "X": N(n, m), "b": N(k, 1), "V": N(k, m)},
            lambda v: ((v["W"] @ v["X"] + v["b"]).tanh() * v["V"]).sum(),
            None,
        ),
        (
            _("(s * tanh(W2 @ tanh(W1 @ X))).sum(), s a scalar"),
            {"s": np.asarray(r.normal()), "W1": N(k, n), "W2": N(n, k), "X": N(n, m)},
            lambda v: (v["s"] * (v["W2"] @ (v["W1"] @ v["X"]).tanh()).tanh()).sum(),
            None,
        ),
    ]


def _engine_grads(build, leaves: dict, rules=None) -> dict:
    from .. import autodiff as ad

    nodes = {k: ad.Node(v.copy(), name=k) for k, v in leaves.items()}
    root = build(nodes)
    ad.backward(root, rules=rules)
    return {k: node.grad for k, node in nodes.items()}


def _numerical(build, leaves: dict) -> dict:
    from .. import autodiff as ad
    from ..gradcheck import numerical_gradient

    out = {}
    for name in leaves:
        x = leaves[name].astype(np.float64, copy=True)
        if x.ndim == 0:
            x = x.reshape(1)

        def f(v, name=name):
            values = {k: (v.reshape(leaves[k].shape) if k == name else leaves[k]) for k in leaves}
            return float(build({k: ad.Node(val) for k, val in values.items()}).value)

        out[name] = numerical_gradient(f, x).reshape(leaves[name].shape)
    return out


@item("ex03b_vjp_rules", 3, "mul_backward, tanh_backward, matmul_backward", ENGINE)
def vjp_rules(mul_fn, tanh_fn, matmul_fn) -> None:
    """Check the three rules on arrays (broadcasting shapes for mul), then inside the engine on six graphs,
    three of them with a node used twice, against finite differences."""
    from ..gradcheck import rel_error

    r = rng()
    n, k, m = 3, 4, 5
    for a_shape, b_shape in (((n, m), (n, m)), ((n, 1), (n, m)), ((), (n, m))):
        a, b = r.normal(size=a_shape), r.normal(size=b_shape)
        g = r.normal(size=np.broadcast_shapes(a_shape, b_shape))
        _unit(mul_fn, "mul_backward", MUL, (g, a, b), [a_shape, b_shape], ["ga", "gb"])
    for _draw in range(2):
        out = np.tanh(r.normal(scale=1.2, size=(n, m)))
        _unit(tanh_fn, "tanh_backward", TANH, (r.normal(size=(n, m)), out), [(n, m)], ["gx"], inputs={"out": out})
    for _draw in range(2):
        A, B, g = r.normal(size=(n, k)), r.normal(size=(k, m)), r.normal(size=(n, m))
        square = (r.normal(size=(4, 4)), r.normal(size=(4, 4)), r.normal(size=(4, 4)))
        _unit(matmul_fn, "matmul_backward", MATMUL, (g, A, B), [(n, k), (k, m)], ["gA", "gB"], square=square)
    rules = _rules(mul_fn, tanh_fn, matmul_fn)
    for expression, leaves, build, twice in _graphs(r):
        got = _engine_grads(build, leaves, rules)
        numerical = _numerical(build, leaves)
        for leaf in leaves:
            err = rel_error(got[leaf], numerical[leaf])
            if not err < 1e-6:
                hint = _(FORK_HINT).format(leaf=leaf) if twice == leaf else _("compare your rules with the chapter's")
                text = message(ENGINE_FAILS, expression=expression, leaf=leaf, err=f"{err:.1e}", hint=hint)
                raise Mistake(text, ENGINE_FAILS)


# ==== 3. the sweep on a plain-data graph =====================================================================

BP_OVERWRITE = define(
    "backprop_overwrite",
    N_(
        "a node used by several children gets only one of their contributions: gradients add at forks, so "
        "grad[p] += grad[i] * d, not grad[p] = grad[i] * d"
    ),
)
BP_FORWARD_ORDER = define(
    "backprop_forward_order",
    N_(
        "the sweep runs in topological order; it must run in reverse (for i in reversed(range(n))), so that a "
        "node's gradient is complete before it is passed on to its parents"
    ),
)
BP_NO_CHAIN = define(
    "backprop_no_chain",
    N_("each contribution is the node's own gradient times the local derivative, grad[i] * d: grad[i] is missing"),
)
BP_NO_LOCAL = define(
    "backprop_no_local",
    N_("each contribution is grad[i] times the local derivative d: you passed grad[i] on unchanged, like an add gate"),
)
BP_NO_SEED = define("backprop_no_seed", N_("everything is 0: the root's gradient starts at 1 (∂root/∂root = 1)"))
BP_UNIQUE = define(
    "backprop_unique",
    N_(
        "a parent listed twice (as x in x·x) counts twice: handle every (parent, derivative) pair, do not "
        "merge repeated parents (a dict or a set keeps only one)"
    ),
)
BP_SPECIAL = N_("a node with several children, a fork?")


def _backprop(parents, local, accumulate="add", order="reverse", chain=True, use_local=True, seed=1.0, unique=False):
    """∂root/∂node for every node of a scalar graph in topological order (the root last), with switches."""
    n = len(parents)
    grad = np.zeros(n)
    grad[n - 1] = seed
    written = np.zeros(n, dtype=bool)
    steps = reversed(range(n)) if order == "reverse" else range(n)
    for i in steps:
        pairs = list(zip(parents[i], local[i], strict=True))
        if unique:
            pairs = list(dict(pairs).items())
        for p, d in pairs:
            c = (grad[i] if chain else 1.0) * (d if use_local else 1.0)
            if accumulate == "add":
                grad[p] += c
            elif accumulate == "last" or not written[p]:
                grad[p] = c
            written[p] = True
    return grad


BACKPROP = Reference(
    _backprop,
    {
        BP_OVERWRITE: {"accumulate": "last"},
        "backprop_overwrite_first": {"accumulate": "first"},
        BP_FORWARD_ORDER: {"order": "forward"},
        BP_NO_CHAIN: {"chain": False},
        BP_NO_LOCAL: {"use_local": False},
        BP_NO_SEED: {"seed": 0.0},
        BP_UNIQUE: {"unique": True},
    },
)
define(
    "backprop_overwrite_first",
    N_(
        "a node used by several children keeps only the first contribution it receives: gradients add at forks, "
        "so add every contribution, grad[p] += grad[i] * d"
    ),
)


def _scalar_graph(r: np.random.Generator, n: int) -> tuple[list, list]:
    """A random scalar graph in topological order, the root last: every node reaches the root, some are used by
    several children (forks), some twice by one child (x·x)."""
    leaves = int(r.integers(2, 4))
    parents: list[list[int]] = [[] for _ in range(leaves)]
    childless = list(range(leaves))
    for i in range(leaves, n):
        k = 1 if r.random() < 0.25 else 2
        ps = [childless.pop(int(r.integers(len(childless))))]
        while len(ps) < k:
            ps.append(ps[0] if r.random() < 0.3 else int(r.integers(0, i)))
        parents.append(ps)
        childless = [c for c in childless if c not in ps] + [i]
    parents[-1] += [c for c in childless if c != n - 1]  # the root collects whatever has no child yet
    local = [[float(np.round(r.choice([-1, 1]) * r.uniform(0.5, 2.0), 3)) for _p in ps] for ps in parents]
    return parents, local


def _telling_graph(r: np.random.Generator, n: int):
    """A graph on which the right answer and each single mistake all differ from one another."""
    for _attempt in range(200):
        parents, local = _scalar_graph(r, n)
        values = [BACKPROP(parents, local)] + [v for d, v in BACKPROP.near_misses(parents, local, pairs=False)]
        if all(not close(a, b, rtol=1e-3) for i, a in enumerate(values) for b in values[i + 1 :]):
            break
    return parents, local


BP_FIRST_WRONG = define(
    "backprop_first_wrong",
    N_(
        "going back from the root, the first wrong gradient is node {node}'s: {got} instead of {expected}, although "
        "the gradients of its children {children} are right. Node {node} is used {uses} time(s) (parents lists it "
        "{uses} time(s)); its gradient is the sum over those uses of grad[child] * d: {terms} = {expected}"
    ),
)


def _first_wrong_node(got: np.ndarray, expected: np.ndarray, parents: list, local: list) -> None:
    """Name the node where the error starts: wrong itself, every child right (the sum over its uses is wrong)."""
    n = len(parents)
    uses = {j: [(i, k) for i in range(n) for k, p in enumerate(parents[i]) if p == j] for j in range(n)}
    right = np.isclose(got, expected, rtol=1e-6, atol=1e-9)
    if got.shape != expected.shape:
        return
    for j in reversed(range(n - 1)):
        if right[j] or not all(right[i] for i, _k in uses[j]):
            continue
        children = sorted({i for i, _k in uses[j]})
        terms = " + ".join(f"grad[{i}] * {local[i][k]:g}" for i, k in uses[j]) or "0"
        text = message(
            BP_FIRST_WRONG,
            node=j,
            got=f"{got[j]:.4g}",
            expected=f"{expected[j]:.4g}",
            children=children,
            uses=len(uses[j]),
            terms=terms,
        )
        raise Mistake(text, BP_FIRST_WRONG)


@item("ex03b_backprop", 2, "backprop", CHAIN_RULE)
def backprop(fn) -> None:
    """Check ``fn(parents, local)`` = ∂root/∂node on random scalar graphs with forks and repeated parents."""
    r = rng()
    first = None
    for n in (8, 10, 12):
        parents, local = _telling_graph(r, n)
        expected = BACKPROP(parents, local)
        near = list(BACKPROP.near_misses(parents, local))
        got = call(fn, parents, local, name="backprop")
        if first is not None:
            probes.again(got, first, expected)
        try:
            first = expect_array(_("your gradients"), got, expected, near_misses=near, special=_(BP_SPECIAL))
        except Mistake as exc:
            if exc.mistake_id in (M.DIFFERS, M.PARTLY, M.FACTOR, M.OFFSET):
                _first_wrong_node(np.asarray(got, dtype=np.float64), expected, parents, local)
            raise


# ==== 4. backward rules the course never shows ===============================================================

DERIVED_FAILS = define(
    "derived_differs",
    N_(
        "your derivative (what you return divided by g) differs from the right one: at {where} it is {got}, "
        "expected {expected}; differentiate the forward again, term by term (chain rule)"
    ),
)
DERIVED_NOT_FINITE = define(
    "derived_not_finite",
    N_(
        "for x = {x:g} your result is {value}: an exp overflowed (eˣ for large x is inf, and inf/inf is NaN). "
        "Rewrite it so that exp only sees non-positive numbers"
    ),
)
SP_SIGMA_PRIME = define(
    "softplus_sigma_prime",
    N_(
        "that is g times σ′(x) = σ(x)(1 − σ(x)); differentiate log(1 + eˣ) once: the chain rule gives "
        "eˣ/(1 + eˣ), which is no second derivative"
    ),
)
SP_INNER = define(
    "softplus_inner_missing",
    N_("d/dx log(u) = u′/u: you have 1/u = 1/(1 + eˣ) but not u′ = eˣ, the derivative of the inside"),
)
SP_FORWARD = define(
    "softplus_forward", N_("that is g times softplus(x) itself, the forward; the backward needs its derivative")
)
SP_EXP = define(
    "softplus_exp",
    N_("that is g times eˣ, the derivative of the inside alone: d/dx log(u) = u′/u, divide by u = 1 + eˣ"),
)
NO_G = define(
    "derived_no_g",
    N_("the upstream gradient g is missing: a backward rule returns g times the local derivative, g * f′(x)"),
)
DERIVED_PREFIX = N_("your derivative (what you return divided by g): {mistake}")


def _sigmoid(x):
    E = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _softplus(x):
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def _softplus_backward(g, x, form="sigma", use_g=True):
    """g ⊙ softplus′(x), softplus(x) = log(1 + eˣ), softplus′ = σ(x); switches for its mistakes."""
    d = {
        "sigma": lambda: _sigmoid(x),
        "sigma_prime": lambda: _sigmoid(x) * (1.0 - _sigmoid(x)),
        "inner": lambda: _sigmoid(-x),
        "forward": lambda: _softplus(x),
        "exp": lambda: np.exp(x),
    }[form]()
    return g * d if use_g else d


SOFTPLUS = Reference(
    _softplus_backward,
    {
        SP_SIGMA_PRIME: {"form": "sigma_prime"},
        SP_INNER: {"form": "inner"},
        SP_FORWARD: {"form": "forward"},
        SP_EXP: {"form": "exp"},
        NO_G: {"use_g": False},
    },
)


def _derivative_near(reference: Reference, g, *rest):
    """The reference's g-free near misses as derivatives (the learner's answer divided by g is compared to them)."""
    ones = np.ones_like(g)
    return [(d, v) for d, v in reference.near_misses(ones, *rest, pairs=False) if d.id != NO_G]


def _judge_derived(label, got, g, args, reference: Reference, inputs: dict, regions=None):
    """Judge a backward rule g ⊙ f′, in this order: a named near miss (alone or two at once); a relation of the whole
    answer (sign, factor 2, ...); region by region (a branch right, another wrong); then the derivative it implies,
    got/g, against f′ (relations, a plain function of the input, a near miss with a relation)."""
    arr = as_float_array(label, got)
    expected = reference(g, *args)
    if arr.shape == expected.shape and np.allclose(arr, expected, rtol=1e-6, atol=1e-9):
        return arr
    if arr.shape != expected.shape or not np.isfinite(arr).all():
        expect_array(label, arr, expected)
    for diagnosis, value in reference.near_misses(g, *args):
        if close(arr, value):
            raise Mistake(_("{label}: {mistake}").format(label=label, mistake=diagnosis.text), diagnosis.id)
    whole = relations(arr, expected)
    if whole is not None and whole.id not in (M.PARTLY, M.FACTOR, M.OFFSET):
        raise Mistake(_("{label}: {mistake}").format(label=label, mistake=whole.text), whole.id)
    implied, right = arr / g, reference(np.ones_like(g), *args)
    if regions:
        _by_region(implied, right, regions)
    found = diagnose(implied, right, _derivative_near(reference, g, *args), inputs=inputs)
    if found is not None and found.id != M.PARTLY:
        raise Mistake(_(DERIVED_PREFIX).format(mistake=found.text), found.id)
    bad = np.flatnonzero(~np.isclose(implied, right, rtol=1e-6, atol=1e-9))
    i = int(bad[0]) if bad.size else 0
    where = ", ".join(f"{k} = {np.ravel(v)[i]:.4g}" for k, v in inputs.items())
    text = message(DERIVED_FAILS, where=where, got=f"{np.ravel(implied)[i]:.4g}", expected=f"{np.ravel(right)[i]:.4g}")
    raise Mistake(text, DERIVED_FAILS)


REGION = define(
    "by_region", N_("your derivative (what you return divided by g) is right where {right}; where {wrong}: {what}")
)
REGION_ALL_WRONG = define(
    "by_region_all",
    N_("your derivative (what you return divided by g) is wrong in every region; where {wrong}: {what}"),
)


def _by_region(implied: np.ndarray, right: np.ndarray, regions: dict) -> None:
    """Name the regions (branches) where the implied derivative is right, and a relation where it is wrong."""
    ok, wrong = [], []
    for name, mask in regions.items():
        if not mask.any():
            continue
        (ok if np.allclose(implied[mask], right[mask], rtol=1e-6, atol=1e-9) else wrong).append(name)
    if not wrong:
        return
    name = wrong[0]
    mask = regions[name]
    rel = relations(implied[mask], right[mask])
    if rel is None:
        i = int(np.flatnonzero(mask & ~np.isclose(implied, right, rtol=1e-6, atol=1e-9))[0])
        what = _("there it is {got}, expected {expected}").format(
            got=f"{implied.ravel()[i]:.4g}", expected=f"{right.ravel()[i]:.4g}"
        )
    else:
        what = rel.text
    where = ", ".join(_(w) for w in wrong)
    if ok:
        raise Mistake(message(REGION, right=", ".join(_(o) for o in ok), wrong=where, what=what), REGION)
    raise Mistake(message(REGION_ALL_WRONG, wrong=where, what=what), REGION_ALL_WRONG)


@item("ex03b_softplus", 2, "softplus_backward", ENGINE)
def softplus_backward(fn) -> None:
    """Check ``fn(g, x)`` = g ⊙ softplus′(x) (σ(x), never given); then finite values for x up to ±800."""
    r = rng()
    for _draw in range(2):
        x = r.normal(scale=2.0, size=(3, 5))
        g = r.choice([-1.0, 1.0], size=x.shape) * r.uniform(0.5, 2.0, size=x.shape)
        got = call(fn, g, x, name="softplus_backward")
        _judge_derived("softplus_backward(g, x)", got, g, (x,), SOFTPLUS, {"x": x})
    x = np.array([[-800.0, -40.0, 0.0, 40.0, 800.0]])
    got = as_float_array("softplus_backward(g, x)", call(fn, np.ones_like(x), x, name="softplus_backward"))
    if got.shape == x.shape and not np.isfinite(got).all():
        i = int(np.flatnonzero(~np.isfinite(got.ravel()))[0])
        raise Mistake(message(DERIVED_NOT_FINITE, x=x.ravel()[i], value=got.ravel()[i]), DERIVED_NOT_FINITE)
    expect_array(_("softplus_backward(g, x) for x = −800 … 800"), got, _sigmoid(x))


HB_DELTA_R = define(
    "huber_delta_r",
    N_("for |r| > δ the loss is δ(|r| − δ/2), whose slope is δ·sign(r), a constant: not δ·r"),
)
HB_NO_SIGN = define(
    "huber_no_sign", N_("for r < −δ the slope of δ(|r| − δ/2) is −δ: the derivative of |r| is sign(r), not 1")
)
HB_NO_DELTA = define("huber_no_delta", N_("for |r| > δ the slope is δ·sign(r): the factor δ is missing"))
HB_FORWARD = define("huber_forward", N_("that is g times the loss itself, the forward; the backward needs its slope"))
HB_HALF = define("huber_half", N_("the slope of ½r² is r: the ½ goes away when you differentiate (2 · ½ = 1)"))
HB_SIGNED = define(
    "huber_signed_test",
    N_("the test must be on |r|: r < −δ is outside the quadratic part too (use np.abs(r) <= delta)"),
)
HB_SWAPPED = define(
    "huber_swapped",
    N_("the branches are swapped: the quadratic part ½r² (slope r) holds for |r| ≤ δ, the linear part outside"),
)
HB_ARRAY_IF = N_(
    "hint: `if abs(r) <= delta` asks one question of a whole array; pick per entry with "
    "np.where(np.abs(r) <= delta, …, …)"
)
HB_FIXED_DELTA = define(
    "huber_fixed_delta", N_("your function uses δ = 1, not the delta it is given (here δ = {delta}): use the argument")
)


def _huber(r, delta):
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r**2, delta * (a - 0.5 * delta))


def _huber_backward(g, r, delta, outer="right", inner="right", test="abs", use_g=True, fixed=False):
    """g ⊙ h′(r), the Huber loss h = ½r² for |r| ≤ δ, δ(|r| − δ/2) outside, h′ = clip(r, −δ, δ); switches."""
    d = 1.0 if fixed else delta
    inside = {"abs": np.abs(r) <= d, "signed": r <= d, "swapped": np.abs(r) > d}[test]
    inner_v = {"right": r, "half": 0.5 * r, "forward": 0.5 * r**2}[inner]
    outer_v = {
        "right": d * np.sign(r),
        "delta_r": d * r,
        "no_sign": d * np.ones_like(r),
        "no_delta": np.sign(r),
        "forward": d * (np.abs(r) - 0.5 * d),
    }[outer]
    out = np.where(inside, inner_v, outer_v)
    return g * out if use_g else out


HUBER = Reference(
    _huber_backward,
    {
        HB_DELTA_R: {"outer": "delta_r"},
        HB_NO_SIGN: {"outer": "no_sign"},
        HB_NO_DELTA: {"outer": "no_delta"},
        HB_FORWARD: {"outer": "forward", "inner": "forward"},
        HB_HALF: {"inner": "half"},
        HB_SIGNED: {"test": "signed"},
        HB_SWAPPED: {"test": "swapped"},
        NO_G: {"use_g": False},
    },
)


class _HuberReference(Reference):
    """HUBER's near misses, and a δ of 1 in place of the given one (its message names the δ of the call)."""

    def near_misses(self, *inputs, pairs=True, **fields):
        g, r, delta = inputs
        yield from given([(HB_FIXED_DELTA, _huber_backward(g, r, delta, fixed=True))], delta=f"{delta:g}")
        yield from HUBER.near_misses(g, r, delta, pairs=pairs)


HUBER_CHECKED = _HuberReference(_huber_backward, HUBER.variants)


def _residuals(r: np.random.Generator, delta: float) -> np.ndarray:
    """Residuals on both sides of ±δ, exactly ±δ included, none within 0.05 δ of ±δ otherwise."""
    inner = r.uniform(-0.9, 0.9, size=4) * delta
    outer = r.uniform(1.2, 3.0, size=4) * delta * np.array([1, -1, 1, -1])
    edges = np.array([delta, -delta])
    return np.concatenate([inner, outer, edges]).reshape(2, 5)


@item("ex03b_huber", 2, "huber_backward", ENGINE)
def huber_backward(fn) -> None:
    """Check ``fn(g, r, delta)`` = g ⊙ h′(r) for two δ ≠ 1, with residuals inside, outside and at ±δ."""
    r = rng()
    for delta in (float(np.round(r.uniform(0.3, 0.42), 2)), float(np.round(r.uniform(1.6, 2.5), 2))):  # 2δ ≠ 1
        res = _residuals(r, delta)
        g = r.choice([-1.0, 1.0], size=res.shape) * r.uniform(0.5, 2.0, size=res.shape)
        try:
            got = call(fn, g, res, delta, name="huber_backward")
        except Mistake as exc:
            if exc.mistake_id == M.RAISED and "truth value" in str(exc):
                raise Mistake(f"{exc}\n" + _(HB_ARRAY_IF), M.RAISED) from None
            raise
        a = np.abs(res)
        regions = {
            N_("|r| < δ"): a < delta * (1 - 1e-12),
            N_("r > δ"): res > delta * (1 + 1e-12),
            N_("r < −δ"): res < -delta * (1 + 1e-12),
            N_("|r| = δ"): np.isclose(a, delta, rtol=1e-12, atol=0),
        }
        _judge_derived("huber_backward(g, r, delta)", got, g, (res, delta), HUBER_CHECKED, {"r": res}, regions)


# ==== concept questions ======================================================================================

q1 = multiple_choice(
    "ex03b_q1",
    1,
    N_("question 1 (the max gate)"),
    "857fbe8af3212fa9",
    "abcd",
    CHAIN_RULE,
    hints={
        "b": N_("splitting g in halves is no local derivative: ∂max(x, y)/∂x is 1 where x wins and 0 where it loses"),
        "c": N_("that is the add gate, a router that copies g to both inputs; max is a switch"),
        "d": N_("those are the inputs' values: the multiply gate scales by values, the max gate does not"),
    },
)
q2 = numeric_answer(
    "ex03b_q2",
    1,
    N_("question 2 (a value used three times)"),
    7,
    section=CHAIN_RULE,
    wrong=[
        (6, N_("that is the path through x·x alone: the + gate passes its gradient to x too (it adds 1)")),
        (4, N_("x appears twice in x·x, and each place passes back the other factor: 3 + 3, plus 1 from the +")),
        (1, N_("that is the + gate's path only: the two paths through x·x add 3 each")),
        (
            3,
            N_("that is one of the three paths: x·x uses x twice, and + uses it once; gradients add where paths fork"),
        ),
    ],
)

ITEMS = {f.grade_id: f for f in (backprop, vjp_rules, model_backward, softplus_backward, huber_backward, q1, q2)}
