r"""Checks for exercises/ex04_limitations.ipynb (chapter 4: vanishing/exploding gradients and their remedies).

Graded items: per-layer gradient norms ‖∂L/∂W^l‖; Xavier and He initialization (checked by their
statistics, so any correct sampler passes: normal or uniform); gradient clipping by global
norm; two concept questions.

Each item declares its reference in textbook form with switches for the typical mistakes
(``Reference``); the initializations, whose answer is random, are named by the standard
deviation each typical formula gives.
"""

from __future__ import annotations

import re

import numpy as np

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
    expect_keys,
    expect_result,
    given,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .mistakes import define, message

NOTEBOOK = "ex04_limitations"

VANISHING = Section("4", 1, N_("1. Vanishing and exploding gradients"))
PLATEAUS = Section("4", 3, N_("3. Local minima and plateaus"))


NORMS_SQUARED = define("norms_squared", N_("those are squared norms: take the square root, ‖dW‖ = √(Σ dW²)"))
NORMS_REVERSED = define(
    "norms_reversed", N_("the order is reversed: entry l−1 must be layer l, from the input layer up")
)
NORMS_WITH_B = define("norms_with_b", N_("use the weights dWˡ only, not the biases"))
NORMS_MAX = define("norms_max", N_("use the Frobenius norm √(Σ dW²), not max |·|"))
NORMS_SPECTRAL = define(
    "norms_spectral",
    N_(
        "np.linalg.norm(dW, 2) is the spectral norm (the largest singular value): use the Frobenius norm, "
        "np.linalg.norm(dW) or √(Σ dW²)"
    ),
)
NORMS_L1 = define("norms_l1", N_("that is Σ |dW|: the Frobenius norm squares the entries, √(Σ dW²)"))
NORMS_RMS = define(
    "norms_rms",
    N_("that is √(mean dW²), the root mean square: the Frobenius norm sums, √(Σ dW²), without dividing by the size"),
)
NORMS_FIXED_L = define(
    "norms_fixed_l",
    N_(
        "for L = {layers} your function returned {n} norms: use the argument L, for l in range(1, L + 1), "
        "not a fixed number of layers"
    ),
)
NORMS_FIXED_L_KEY = define(
    "norms_fixed_l_key",
    N_(
        "for L = {layers} your function looked for {key}, which is not there: use the argument L, "
        "for l in range(1, L + 1), not a fixed number of layers"
    ),
)
NORMS_SHORT = define("norms_short", N_("range(1, L) stops before layer L: use range(1, L + 1) to get all L norms"))
NORMS_FROM_ZERO = define(
    "norms_from_zero", N_("the layers are numbered from 1 ('W1' … 'WL'): range(1, L + 1), not range(L)")
)
NORMS_PER_ROW = define(
    "norms_per_row",
    N_("each entry must be one number, the norm of the whole matrix dWˡ: no axis argument, np.linalg.norm(dW)"),
)


def _layer_norms(grads, L, squared=False, reverse=False, bias=False, kind="fro"):
    """‖dW^l‖ (Frobenius) for l = 1 … L, with switches for the typical mistakes."""
    out = []
    for l in range(1, L + 1):
        W = np.hstack([grads[f"W{l}"], grads[f"b{l}"]]) if bias else grads[f"W{l}"]
        value = {
            "fro": lambda W=W: np.sqrt(np.sum(W**2)),
            "max": lambda W=W: np.max(np.abs(W)),
            "spectral": lambda W=W: np.linalg.norm(W, 2),
            "l1": lambda W=W: np.sum(np.abs(W)),
            "rms": lambda W=W: np.sqrt(np.mean(W**2)),
        }[kind]()
        out.append(value**2 if squared else value)
    return np.array(out[::-1] if reverse else out)


LAYER_NORMS = Reference(
    _layer_norms,
    {
        NORMS_SQUARED: {"squared": True},
        NORMS_REVERSED: {"reverse": True},
        NORMS_WITH_B: {"bias": True},
        NORMS_MAX: {"kind": "max"},
        NORMS_SPECTRAL: {"kind": "spectral"},
        NORMS_L1: {"kind": "l1"},
        NORMS_RMS: {"kind": "rms"},
    },
)


def _grads(r, L, sizes=None):
    """Gradients of an L-layer network (random widths unless given) that shrink toward the input (as they vanish)."""
    sizes = [int(n) for n in r.integers(2, 6, size=L + 1)] if sizes is None else sizes
    grads = {}
    for l in range(1, L + 1):
        grads[f"W{l}"] = r.normal(0, 4.0 ** -(L - l), size=(sizes[l], sizes[l - 1]))
        grads[f"b{l}"] = r.normal(size=(sizes[l], 1))
    return grads


def _call_norms(fn, grads, L):
    """The learner's norms; a KeyError for 'W0' or a layer past L is named."""
    try:
        return call(fn, grads, L, name="layer_grad_norms")
    except Mistake as exc:
        # the KeyError itself (the Mistake's context; under a grader the worker's error, rebuilt), not the
        # message's words, which are translated
        error = exc.__context__ if exc.mistake_id == M.RAISED else None
        missing = str(error.args[0]).strip("'\"") if isinstance(error, KeyError) and error.args else ""
        found = re.fullmatch(r"([Wb])(\d+)", missing)
        if found and int(found.group(2)) == 0:
            raise Mistake(message(NORMS_FROM_ZERO), NORMS_FROM_ZERO) from None
        if found and int(found.group(2)) > L:
            key = repr(found.group(1) + found.group(2))
            raise Mistake(message(NORMS_FIXED_L_KEY, layers=L, key=key), NORMS_FIXED_L_KEY) from None
        raise


def _length(got, L):
    """How many norms came back (None if that is not clear); one array per layer is named."""
    if isinstance(got, (list, tuple)):
        if any(isinstance(g, np.ndarray) and g.size > 1 for g in got):
            raise Mistake(message(NORMS_PER_ROW), NORMS_PER_ROW)
        return len(got)
    if isinstance(got, np.ndarray) and got.ndim >= 1:
        if got.ndim > 1 and got.shape[0] == L and got.size > L:
            raise Mistake(message(NORMS_PER_ROW), NORMS_PER_ROW)
        return got.shape[0]
    return None


def _wrong_length(fn, r, L, n) -> None:
    """n norms for L layers: a fixed number of layers (the same n for L + 2), or range(1, L) (L + 1 for L + 2)."""
    again = _length(_call_norms(fn, _grads(r, L + 2), L + 2), L + 2)
    if again == n:
        raise Mistake(message(NORMS_FIXED_L, layers=L, n=n), NORMS_FIXED_L)
    if n == L - 1 and again == L + 1:
        raise Mistake(message(NORMS_SHORT), NORMS_SHORT)


@item("ex04_layer_grad_norms", 2, "layer_grad_norms", VANISHING)
def layer_grad_norms(fn) -> None:
    """Check ``fn(grads, L)`` = [‖dW^1‖, …, ‖dW^L‖] (Frobenius norms, shape (L,); a list of numbers passes too).

    Three calls: L layers, the same L on new values (a cached answer), another L (a fixed number of layers).
    """
    r = rng()
    L1 = int(r.integers(3, 6))
    sizes = [int(n) for n in r.integers(2, 6, size=L1 + 1)]
    first = None
    for L in (L1, L1, int(r.choice([n for n in range(2, 7) if n != L1]))):
        grads = _grads(r, L, sizes if L == L1 else None)
        got = _call_norms(fn, grads, L)
        n = _length(got, L)
        expected = LAYER_NORMS(grads, L)
        if first is not None and L == L1:
            probes.again(got, first, expected)
        if n is not None and n != L:
            _wrong_length(fn, r, L, n)
        near = [*LAYER_NORMS.near_misses(grads, L), *given([(NORMS_SHORT, expected[:-1])])]
        first = expect_array(_("your norms"), got, expected, near_misses=near)


INIT_SHAPE_HINT = N_(": did you transpose W? Wˡ is (nₗ, nₗ₋₁) = (n_out, n_in)")
INIT_CONSTANT = define(
    "init_constant",
    N_(
        "every weight is {value}, so different rngs gave the same weights: the weights must be random draws "
        "from rng (rng.standard_normal(...) times the std)"
    ),
)
INIT_ZERO = define(
    "init_zero",
    N_(
        "every weight is 0: the standard deviation came out as 0; integer division (2 // n instead of 2 / n) gives that"
    ),
)
INIT_NP_RANDOM = define(
    "init_np_random",
    N_(
        "two equally seeded rngs gave different weights: draw with the rng argument (rng.standard_normal), "
        "not np.random"
    ),
)
INIT_FIXED = define(
    "init_fixed",
    N_(
        "different rngs gave the same weights: draw them from the rng you are given, every time "
        "(no seed fixed inside, no weights stored between calls)"
    ),
)
INIT_MEAN = define("init_mean", N_("the weights should have mean 0; yours have mean {mean}"))
INIT_NOT_FINITE = define("init_not_finite", N_("W holds NaN or inf values"))
INIT_STD = define("init_std", N_("the standard deviation of W is {std}, expected {target}: {why}"))
INIT_STD_OTHER = define(
    "init_std_other",
    N_("the standard deviation of W is {std}, expected {target} = {formula} for n_in = {n_in}, n_out = {n_out}"),
)
INIT_VARIANCE = define(
    "init_variance_as_std", N_("you used the variance as the standard deviation: take its square root, {formula}")
)
INIT_UNIFORM_BOUND = define(
    "init_uniform_bound",
    N_("a uniform U(−a, a) has standard deviation a/√3: with a = {formula} it is too small; use a = √3 · {formula}"),
)
INIT_BOUND_AS_STD = define(
    "init_bound_as_std",
    N_("√(6/…) is the bound a of the uniform version U(−a, a); a normal draw takes the standard deviation {formula}"),
)
INIT_ROOT = define("init_root_misplaced", N_("the square root goes over the whole fraction: {formula}"))
INIT_PRECEDENCE = define(
    "init_precedence", N_("2/n_in + n_out is not 2/(n_in + n_out): the parentheses around n_in + n_out are missing")
)
XAVIER_LECUN = define(
    "xavier_lecun", N_("that is √(1/n_in) (LeCun); Xavier averages fan-in and fan-out: √(2/(n_in + n_out))")
)
XAVIER_HE = define("xavier_he", N_("that is He's √(2/n_in); Xavier uses √(2/(n_in + n_out))"))
XAVIER_NO_2 = define("xavier_no_2", N_("the factor 2 is missing: Var(W) = 2/(n_in + n_out)"))
HE_FAN_OUT = define("he_fan_out", N_("He uses the fan-in n_in = nₗ₋₁ (the number of columns), not n_out"))
HE_NO_2 = define("he_no_2", N_("the factor 2 is missing: it makes up for ReLU zeroing half the units"))
HE_XAVIER = define("he_xavier", N_("that is Xavier's √(2/(n_in + n_out)); He uses √(2/n_in)"))


def _check_init(fn, name: str, formula: str, std_of, candidates) -> None:
    """W of shape (n_out, n_in) drawn from the given rng (same seed, same W; other seed, other W), mean 0, the std.

    ``candidates(n_out, n_in)`` lists (mistake id, the std that mistake gives); the closest within 2 % is named.
    """
    n_out, n_in = 300, 500
    seed = int(rng().integers(0, 2**31))
    W = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed), name=name))
    if W.shape != (n_out, n_in):
        hint = _(INIT_SHAPE_HINT) if W.shape == (n_in, n_out) else ""
        raise Mistake(M.message(M.SHAPE, label="W", expected=(n_out, n_in), got=W.shape, hint=hint), M.SHAPE)
    if not np.isfinite(W).all():
        raise Mistake(message(INIT_NOT_FINITE), INIT_NOT_FINITE)
    if np.ptp(W) == 0:
        if W.flat[0] == 0:
            raise Mistake(message(INIT_ZERO), INIT_ZERO)
        raise Mistake(message(INIT_CONSTANT, value=f"{float(W.flat[0]):.4g}"), INIT_CONSTANT)
    again = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed), name=name))
    if again.shape != W.shape or not np.array_equal(W, again):
        raise Mistake(message(INIT_NP_RANDOM), INIT_NP_RANDOM)
    other = as_float_array("W", call(fn, n_out, n_in, np.random.default_rng(seed + 1), name=name))
    if other.shape == W.shape and np.array_equal(W, other):
        raise Mistake(message(INIT_FIXED), INIT_FIXED)
    target = std_of(n_out, n_in)
    mean, std = float(W.mean()), float(W.std())
    if abs(mean) > 5 * max(std, target) / np.sqrt(W.size):
        raise Mistake(message(INIT_MEAN, mean=f"{mean:.4g}"), INIT_MEAN)
    if abs(std / target - 1) <= 0.02:
        return
    fields = {"std": f"{std:.4g}", "target": f"{target:.4g}"}
    ratio, mistake_id = min((abs(std / value - 1), i) for i, value in candidates(n_out, n_in))
    if ratio < 0.02:
        why = message(mistake_id, formula=formula)
        raise Mistake(message(INIT_STD, why=why, **fields), mistake_id)
    raise Mistake(message(INIT_STD_OTHER, formula=formula, n_in=n_in, n_out=n_out, **fields), INIT_STD_OTHER)


def _common(std):
    """The std that the mistakes any initialization can make give, from the right std."""
    return [
        (INIT_VARIANCE, std**2),
        (INIT_UNIFORM_BOUND, std / np.sqrt(3.0)),
        (INIT_BOUND_AS_STD, std * np.sqrt(3.0)),
    ]


@item("ex04_xavier", 2, "xavier_init", VANISHING)
def xavier_init(fn) -> None:
    """Check ``fn(n_out, n_in, rng)`` draws W (n_out, n_in) with mean 0 and variance 2/(n_in + n_out)."""
    _check_init(
        fn,
        "xavier_init",
        "√(2/(n_in + n_out))",
        lambda o, i: np.sqrt(2.0 / (i + o)),
        lambda o, i: [
            *_common(np.sqrt(2.0 / (i + o))),
            (XAVIER_LECUN, np.sqrt(1.0 / i)),
            (XAVIER_HE, np.sqrt(2.0 / i)),
            (XAVIER_NO_2, np.sqrt(1.0 / (i + o))),
            (INIT_ROOT, 2.0 / np.sqrt(i + o)),
            (INIT_PRECEDENCE, np.sqrt(2.0 / i + o)),
        ],
    )


@item("ex04_he", 2, "he_init", VANISHING)
def he_init(fn) -> None:
    """Check ``fn(n_out, n_in, rng)`` draws W (n_out, n_in) with mean 0 and variance 2/n_in."""
    _check_init(
        fn,
        "he_init",
        "√(2/n_in)",
        lambda o, i: np.sqrt(2.0 / i),
        lambda o, i: [
            *_common(np.sqrt(2.0 / i)),
            (HE_FAN_OUT, np.sqrt(2.0 / o)),
            (HE_NO_2, np.sqrt(1.0 / i)),
            (HE_XAVIER, np.sqrt(2.0 / (i + o))),
            (INIT_ROOT, 2.0 / np.sqrt(i)),
        ],
    )


CLIP_PER_ARRAY = define(
    "clip_per_array", N_("clip by the global norm of all arrays together, not each array by its own")
)
CLIP_NP_CLIP = define(
    "clip_np_clip", N_("np.clip caps each value; rescale the whole gradient instead (every array times max_norm/‖g‖)")
)
CLIP_NOT_CLIPPED = define(
    "clip_not_clipped",
    N_(
        "the gradient was not clipped although its global norm exceeds max_norm: rescale every array by "
        "max_norm/‖g‖ (np.clip caps single values only)"
    ),
)
CLIP_ALWAYS = define(
    "clip_always", N_("a gradient shorter than max_norm must stay as it is: rescale only when ‖g‖ > max_norm")
)
CLIP_INVERSE = define("clip_inverse", N_("the factor is upside down: multiply by max_norm/‖g‖, not ‖g‖/max_norm"))
CLIP_SQUARED = define(
    "clip_squared_norm", N_("‖g‖ is the square root of the sum of squares: you used Σ g² without the root")
)
CLIP_SUM_OF_NORMS = define(
    "clip_sum_of_norms", N_("the global norm is √(Σ over the arrays of Σ g²), not the sum of the arrays' norms")
)
CLIP_UNIT = define("clip_unit", N_("the clipped gradient has length 1 instead of max_norm: multiply g/‖g‖ by max_norm"))


def _clip(grads, max_norm, norm="global", rule="scale", always=False, inverse=False):
    """g · max_norm/‖g‖ for every array when the global norm ‖g‖ > max_norm, with switches for the typical mistakes."""
    sq = [float(np.sum(g * g)) for g in grads.values()]
    total = {"global": np.sqrt(sum(sq)), "squared": sum(sq), "sum_of_norms": sum(np.sqrt(sq))}[norm]
    if rule == "per_array":
        return {k: g * min(1.0, max_norm / np.linalg.norm(g)) for k, g in grads.items()}
    if rule == "np_clip":
        return {k: np.clip(g, -max_norm, max_norm) for k, g in grads.items()}
    factor = 1.0 / total if rule == "unit" else total / max_norm if inverse else max_norm / total
    scale = factor if (total > max_norm or always) and rule != "none" else 1.0
    return {k: g * scale for k, g in grads.items()}


CLIP = Reference(
    _clip,
    {
        CLIP_NOT_CLIPPED: {"rule": "none"},
        CLIP_PER_ARRAY: {"rule": "per_array"},
        CLIP_NP_CLIP: {"rule": "np_clip"},
        CLIP_UNIT: {"rule": "unit"},
        CLIP_ALWAYS: {"always": True},
        CLIP_INVERSE: {"inverse": True},
        CLIP_SQUARED: {"norm": "squared"},
        CLIP_SUM_OF_NORMS: {"norm": "sum_of_norms"},
    },
)


def _norm(grads) -> float:
    return float(np.sqrt(sum(np.sum(g * g) for g in grads.values())))


def _clip_problem(r):
    """Gradients of a 2-layer network with one entry larger than any max_norm tried (so np.clip shows)."""
    grads = {k: 10 * v for k, v in _grads(r, 2, [3, 4, 2]).items()}
    grads["W2"][0, 0] = 2.0 * _norm(grads)
    return grads


def _expect_clip(got, grads, max_norm):
    got = expect_keys(_("the returned dict"), got, grads)
    names = sorted(grads, key=lambda k: -np.linalg.norm(grads[k]))  # the largest array tells mistakes apart
    label = "clip_by_norm(grads, max_norm)"
    return expect_result(label, got, CLIP(grads, max_norm), names, CLIP.near_misses(grads, max_norm))


@item("ex04_clip", 2, "clip_by_norm", VANISHING)
def clip_by_norm(fn) -> None:
    """Check ``fn(grads, max_norm)`` rescales all arrays by max_norm/‖g‖ when the global norm ‖g‖ > max_norm.

    Calls: above the threshold; below it (unchanged, in a new dict, not a cached answer); other keys.
    """
    r = rng()
    grads = _clip_problem(r)
    max_norm = float(_norm(grads) * r.uniform(0.2, 0.6))
    first = _expect_clip(call(fn, grads, max_norm, name="clip_by_norm"), grads, max_norm)
    small = _clip_problem(r)
    shrink = r.uniform(0.3, 0.9) * max_norm / _norm(small)  # below max_norm: left as it is
    small = {k: v * shrink for k, v in small.items()}
    got = call(fn, small, max_norm, name="clip_by_norm")
    if got is small:
        raise Mistake(M.message(M.SAME_OBJECT, label=_("the returned dict")), M.SAME_OBJECT)
    probes.again(got, first, small)
    _expect_clip(got, small, max_norm)
    keys, _L = probes.layer_keys(r)
    while set(keys) == set(grads):
        keys, _L = probes.layer_keys(r)
    other = {k: r.normal(0, 10, size=(int(r.integers(1, 4)), int(r.integers(1, 4)))) for k in keys}
    args = (other, float(_norm(other) * r.uniform(0.2, 0.6)))
    probes.random_keys(fn, args, keys, list(grads), "clip_by_norm", lambda got: _expect_clip(got, *args))


q1 = numeric_answer(
    "ex04_q1",
    1,
    N_("question 1 (the largest value of σ′)"),
    0.25,
    section=VANISHING,
    wrong=[
        (0.5, N_("that is twice the right value: 0.5 is σ(0) itself; σ′(0) = σ(0)(1 − σ(0)) = 0.5 · 0.5")),
        (1.0, N_("1 is the largest slope of tanh (or ReLU's slope); the sigmoid's σ′ = σ(1 − σ) is smaller")),
        (0.0, N_("σ′ tends to 0 for large |z|; its largest value is at z = 0, where σ = 0.5")),
    ],
)
q2 = multiple_choice(
    "ex04_q2",
    1,
    N_("question 2 (high-dimensional landscapes)"),
    "42c18fa94f2403fa",
    "abcd",
    PLATEAUS,
    hints={
        "a": N_("global minima are all equally good: having many does not slow the descent down"),
        "c": N_(
            "the biases are few parameters and do not make the landscape flat; think of where the gradient is small"
        ),
        "d": N_(
            "the chapter's point is the shape of the loss surface: where is the gradient small in most directions?"
        ),
    },
)

ITEMS = {f.grade_id: f for f in (layer_grad_norms, xavier_init, he_init, clip_by_norm, q1, q2)}
