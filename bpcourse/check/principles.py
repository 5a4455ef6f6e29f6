r"""Checks for exercises/ex01_principles.ipynb (chapter 1: the four stages of training).

Graded items: sigmoid σ(z) = 1/(1 + e^(−z)), stable at ±1000; its derivative σ′(z) = σ(z)(1 − σ(z));
one gradient-descent update θ ← θ − α ∂L/∂θ for every parameter; three concept questions.

Each item declares its reference in textbook form with switches for the typical mistakes
(``Reference``); the engine tries every switch, every pair, and the generic relations.
"""

from __future__ import annotations

import numpy as np

from .. import activations as act
from ..i18n import N_, _
from . import probes
from .core import (
    Mistake,
    Reference,
    Section,
    call,
    expect_array,
    expect_keys,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .diagnose import close
from .mistakes import define, message

NOTEBOOK = "ex01_principles"

STAGES = Section("1", 1, N_("The four stages"))
STEP_THROUGH = Section("1", 3, N_("Step through it: one iteration, stage by stage"))
WHY_DOWN = Section("1", 4, N_("Why the loss goes down"))
LEARNING_RATE = Section("1", 5, N_("The learning rate: crawl, converge, diverge"))

SIGMA_OF_MINUS_Z = define("sigma_of_minus_z", N_("wrong sign: you computed σ(−z) = 1/(1 + eᶻ); σ(z) = 1/(1 + e⁻ᶻ)"))
DENOMINATOR_MINUS = define("denominator_minus", N_("the denominator is 1 + e⁻ᶻ, not 1 − e⁻ᶻ"))
NO_RECIPROCAL = define("no_reciprocal", N_("σ(z) = 1/(1 + e⁻ᶻ): you returned e⁻ᶻ (or 1 + e⁻ᶻ) without the 1/(…)"))
PRIME_OF_Z = define("prime_of_z", N_("σ′(z) = σ(z)(1 − σ(z)) uses σ(z), not z: apply sigmoid first"))
PRIME_IS_SIGMA = define("prime_is_sigma", N_("that is σ(z) itself: multiply it by (1 − σ(z))"))
PRIME_MISSING_SIGMA = define("prime_missing_sigma", N_("the factor σ(z) is missing: σ′(z) = σ(z)(1 − σ(z))"))
PRIME_PLUS = define("prime_plus", N_("σ′(z) = σ(z)(1 − σ(z)): a minus, not a plus"))
PRIME_TANH_FORM = define(
    "prime_tanh_form", N_("1 − σ² is tanh's derivative (1 − tanh²); the sigmoid's is σ(z)(1 − σ(z))")
)
PRIME_TWICE = define("prime_of_sigma", N_("you applied sigmoid twice: σ′ takes z, not σ(z)"))
GD_PLUS = define("gd_plus", N_("wrong sign: step against the gradient, θ − α·g, to lower the loss"))
GD_NO_LR = define("gd_no_lr", N_("the learning rate α is missing: θ − α·g"))
GD_DIVIDE = define("gd_divide", N_("multiply the gradient by α, do not divide by it"))
GD_STEP_ONLY = define("gd_step_only", N_("return the new parameter θ − α·g, not only the step −α·g"))
GD_NOT_UPDATED = define("gd_not_updated", N_("params[{key!r}] was not updated: {why}"))
STABLE_SIGMOID = N_("for z < 0 use eᶻ/(1 + eᶻ), which only exponentiates negative numbers (np.where picks per entry)")


SIGMOID_IS_TANH = define("sigmoid_is_tanh", N_("that is tanh(z), another activation: σ(z) = 1/(1 + e⁻ᶻ)"))
SIGMOID_IS_PRIME = define(
    "sigmoid_is_derivative", N_("that is the derivative σ(z)(1 − σ(z)) (task 2); task 1 asks for σ(z) itself")
)


def _sigmoid(Z, form="right"):
    """σ(z) = 1/(1 + e^(−z)), or a typical wrong form."""
    E = np.exp(-Z)
    return {
        "right": lambda: act.sigmoid(Z),
        "minus_z": lambda: act.sigmoid(-Z),
        "denominator_minus": lambda: 1.0 / (1.0 - E),
        "no_reciprocal": lambda: E,
        "no_reciprocal_sum": lambda: 1.0 + E,
        "tanh": lambda: np.tanh(Z),
        "derivative": lambda: act.sigmoid(Z) * (1.0 - act.sigmoid(Z)),
    }[form]()


SIGMOID = Reference(
    _sigmoid,
    {
        SIGMA_OF_MINUS_Z: {"form": "minus_z"},
        DENOMINATOR_MINUS: {"form": "denominator_minus"},
        NO_RECIPROCAL: {"form": "no_reciprocal"},
        "no_reciprocal_sum": {"form": "no_reciprocal_sum"},
        SIGMOID_IS_TANH: {"form": "tanh"},
        SIGMOID_IS_PRIME: {"form": "derivative"},
    },
)
define("no_reciprocal_sum", N_("σ(z) = 1/(1 + e⁻ᶻ): you returned 1 + e⁻ᶻ without the 1/(…)"))


@item("ex01_sigmoid", 2, "sigmoid", STAGES)
def sigmoid(fn) -> None:
    """Check ``fn(Z)`` = σ(Z) element-wise on random Z (3, 5), on a fresh draw, and stably at |z| up to 1000."""
    r = rng()

    def draw():
        return (r.normal(0.0, 3.0, size=(3, 5)),)

    (Z,) = draw()
    got = call(fn, Z, name="sigmoid")
    expect_array("sigmoid(Z)", got, SIGMOID(Z), near_misses=SIGMOID.near_misses(Z, pairs=False), inputs={"Z": Z})
    probes.fresh(fn, draw, act.sigmoid, got, "sigmoid")
    edge = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    got = probes.stable(fn, (edge,), "sigmoid", _(STABLE_SIGMOID))
    expect_array(_("sigmoid at z = −1000, −40, 0, 40, 1000"), got, act.sigmoid(edge))


def _sigmoid_prime(Z, of="sigma", negate=False, plus=False, drop=None, tanh_form=False):
    """σ′(z) = σ(z)(1 − σ(z)) with switches: ``of`` what the factors are made of ('sigma', 'z', 'sigma_twice'),
    ``negate`` σ(−z), ``plus`` (1 + σ) for (1 − σ), ``drop`` one factor ('first' or 'second'), ``tanh_form``
    tanh's derivative 1 − σ² applied to σ."""
    Zs = -Z if negate else Z
    S = {"sigma": lambda: act.sigmoid(Zs), "z": lambda: Zs, "sigma_twice": lambda: act.sigmoid(act.sigmoid(Zs))}[of]()
    if tanh_form:
        return 1.0 - S * S
    first, second = S, (1.0 + S if plus else 1.0 - S)
    return {None: first * second, "first": second, "second": first}[drop]


SIGMOID_PRIME = Reference(
    _sigmoid_prime,
    {
        PRIME_OF_Z: {"of": "z"},
        PRIME_TWICE: {"of": "sigma_twice"},
        SIGMA_OF_MINUS_Z: {"negate": True},
        PRIME_PLUS: {"plus": True},
        PRIME_MISSING_SIGMA: {"drop": "first"},
        PRIME_IS_SIGMA: {"drop": "second"},
        PRIME_TANH_FORM: {"tanh_form": True},
    },
)


@item("ex01_sigmoid_prime", 2, "sigmoid_prime", STEP_THROUGH)
def sigmoid_prime(fn) -> None:
    """Check ``fn(Z)`` = σ(Z)(1 − σ(Z)) on random Z (4, 3), on a fresh draw, and at large |z|."""
    r = rng()

    def draw():
        return (r.normal(0.0, 2.0, size=(4, 3)),)

    (Z,) = draw()
    got = call(fn, Z, name="sigmoid_prime")
    expected = SIGMOID_PRIME(Z)
    if not close(got, expected):
        probes.blame_earlier(fn, "sigmoid", lambda s: s(Z) * (1.0 - s(Z)), got, "sigmoid_prime(Z)")
    expect_array("sigmoid_prime(Z)", got, expected, near_misses=SIGMOID_PRIME.near_misses(Z), inputs={"Z": Z})
    probes.fresh(fn, draw, SIGMOID_PRIME, got, "sigmoid_prime")
    edge = np.array([[-1000.0, 0.0, 1000.0]])
    got = call(fn, edge, name="sigmoid_prime")
    expect_array(_("sigmoid_prime at z = −1000, 0, 1000"), got, np.array([[0, 0.25, 0]]))


def _gd_step(params, grads, lr, form="right"):
    return {
        k: {
            "right": lambda p, g: p - lr * g,
            "plus": lambda p, g: p + lr * g,
            "no_lr": lambda p, g: p - g,
            "divide": lambda p, g: p - g / lr,
            "step_only": lambda p, g: -lr * g,
        }[form](params[k], grads[k])
        for k in params
    }


GD_STEP = Reference(
    _gd_step,
    {
        GD_PLUS: {"form": "plus"},
        GD_NO_LR: {"form": "no_lr"},
        GD_DIVIDE: {"form": "divide"},
        GD_STEP_ONLY: {"form": "step_only"},
    },
)


GD_BY_POSITION = define(
    "gd_by_position",
    N_(
        "it fails when grads lists its keys in another order than params: pair each parameter with its "
        "gradient by name, grads[name], not by position (zip of the two dicts' values)"
    ),
)


def _by_position(args, got) -> bool:
    """True when ``got`` is the update with params and grads paired by position."""
    params, grads, lr = args
    if not isinstance(got, dict):
        return False
    try:
        paired = {k: p - lr * g for (k, p), g in zip(params.items(), grads.values(), strict=True)}
    except ValueError:
        return False
    return close(got, paired)


def _gd_problem(r, keys):
    params = {k: r.normal(size=(int(r.integers(1, 4)), int(r.integers(1, 4)))) for k in keys}
    grads = {k: r.normal(size=v.shape) for k, v in params.items()}
    return params, grads, float(r.uniform(0.05, 0.5))


def _expect_step(new, params, grads, lr) -> None:
    new = expect_keys(_("the returned dict"), new, params)
    expected = GD_STEP(params, grads, lr)
    for k in params:
        if isinstance(new[k], np.ndarray) and new[k].shape == params[k].shape and np.allclose(new[k], params[k]):
            why = _("biases are parameters too") if k.startswith("b") else _("every parameter takes a step")
            raise Mistake(message(GD_NOT_UPDATED, key=k, why=why), GD_NOT_UPDATED)
        near = [(d, v[k]) for d, v in GD_STEP.near_misses(params, grads, lr, pairs=False)]
        expect_array(_("the new {name}").format(name=k), new[k], expected[k], near_misses=near)


@item("ex01_gd_step", 2, "gradient_descent_step", WHY_DOWN)
def gradient_descent_step(fn) -> None:
    """Check ``fn(params, grads, lr)`` returns a new {name: θ − lr·g}, inputs untouched, for any keys."""
    r = rng()
    params, grads, lr = _gd_problem(r, ["W1", "b1", "W2", "b2"])
    new = call(fn, params, grads, lr, name="gradient_descent_step")
    _expect_step(new, params, grads, lr)
    probes.new_object(_("the returned dict"), new, params)
    same_shapes = {k: r.normal(size=v.shape) for k, v in params.items()}
    again = (same_shapes, probes.reordered({k: r.normal(size=v.shape) for k, v in params.items()}, r), lr)
    try:
        probes.fresh(
            fn, lambda: again, GD_STEP, new, "gradient_descent_step", lambda got, args: _expect_step(got, *args)
        )
    except Mistake as exc:
        if exc.mistake_id == "raised" or _by_position(again, call(fn, *again, name="gradient_descent_step")):
            raise Mistake(message(GD_BY_POSITION), GD_BY_POSITION) from None
        raise
    keys, _L = probes.layer_keys(r)
    other = _gd_problem(r, keys)
    probes.random_keys(fn, other, keys, list(params), "gradient_descent_step", lambda got: _expect_step(got, *other))


q1 = multiple_choice(
    "ex01_q1",
    1,
    N_("question 1 (order of the stages)"),
    "8c4e4c10182d01b1",
    "abcd",
    STAGES,
    hints={"d": N_("the update needs the gradients, so backpropagation comes before it, and the loss before both")},
)
q2 = numeric_answer(
    "ex01_q2",
    1,
    N_("question 2 (one step on w²)"),
    2.4,
    section=WHY_DOWN,
    wrong=[
        (3.6, N_("that is a step up the slope: w − α·f′(w) subtracts the gradient")),
        (2.7, N_("the derivative of w² is 2w: the factor 2 is missing")),
        (0.6, N_("that is the size of the step α·f′(w); the question asks for the new w")),
    ],
)
q3 = multiple_choice(
    "ex01_q3", 1, N_("question 3 (a too large learning rate)"), "74f832dfbd5bccf0", "abcd", LEARNING_RATE
)

ITEMS = {f.grade_id: f for f in (sigmoid, sigmoid_prime, gradient_descent_step, q1, q2, q3)}
