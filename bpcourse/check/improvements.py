r"""Checks for exercises/ex05_improvements.ipynb (chapter 5: better optimizers and batch normalization).

Graded items: three optimizer steps written as pure functions of (θ, g, state) that return the new θ
and state, momentum (v ← βv + g, θ ← θ − αv), RMSProp and Adam (bias correction, t = 1 on the first
step); batch-norm forward and backward (the backward one is given the learner's own forward cache,
and dZ is gradient-checked); two concept questions.

Each optimizer's reference is one pure step with switches for its typical mistakes, run over
several consecutive steps: from a non-zero state (conventions that agree from 0 part there), with
tiny gradients g ≈ 1e-7 (where ε placement matters) and from a zero state, as in the notebook.
"""

from __future__ import annotations

import numpy as np

from .. import layers
from ..i18n import N_, _
from . import mistakes as M
from .core import (
    Mistake,
    Reference,
    Section,
    as_float_array,
    call,
    expect_array,
    expect_gradient,
    expect_tuple,
    given,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .diagnose import close, swapped
from .mistakes import define, message

NOTEBOOK = "ex05_improvements"
STEPS = 3  # consecutive steps from a non-zero state; 2 more with tiny gradients, 2 from zero

OPTIMIZERS = Section("5", 1, N_("1. Four optimizers, one interface"))
RACE = Section("5", 2, N_("2. The optimizer race"))
BATCHNORM = Section("5", 3, N_("3. Batch normalization (C10)"))

# ---- mistakes shared by the three optimizers (fields: name, state, update, avg, sq, rule, fixed, args, eps) ---
RETURNED_INPUTS = define(
    "opt_returned_inputs", N_("nothing was updated: you returned {state} and θ as you were given them")
)
STATE_NOT_UPDATED = define(
    "opt_state_not_updated", N_("you returned the {state} you were given: return the updated state, {update}")
)
STATE_IGNORED = define(
    "opt_state_ignored",
    N_("the {state} you were given is not used (as if it were 0): the update starts from it, {update}"),
)
STALE_STATE = define(
    "opt_stale_state", N_("the step uses the old {state}: update {state} first ({update}), then step with the new one")
)
STEP_SIGN = define("opt_step_sign", N_("wrong sign: the step goes against the gradient, {rule}"))
FIXED_HYPER = define(
    "opt_fixed_hyperparameters",
    N_("{name} uses fixed hyperparameters ({fixed}) instead of the arguments it is given: use {args}"),
)
FIXED_EPS = define("fixed_eps", N_("{name} uses ε = {fixed_eps} instead of the eps it is given ({eps})"))
NOT_SQUARED = define(
    "opt_not_squared", N_("{sq} is an average of squared gradients, {update}: you used g instead of g²")
)
ABS_NOT_SQUARED = define(
    "opt_abs_not_squared", N_("{sq} is an average of squared gradients, {update}: you used |g| instead of g²")
)
NO_LR = define("opt_no_lr", N_("the learning rate α is missing from the step: {rule}"))
WEIGHTS_SWAPPED = define("beta_weights_swapped", N_("β and 1 − β are swapped: {update}"))
EPS_INSIDE_SQRT = define(
    "eps_inside_sqrt",
    N_(
        "ε is inside the square root: divide by √{avg} + ε, not by √({avg} + ε). The two agree for ordinary "
        "gradients but not for tiny ones (g ≈ 1e-7 here), where √{avg} is as small as ε"
    ),
)
EPS_MISSING = define(
    "eps_missing",
    N_(
        "ε is missing: divide by √{avg} + ε. It keeps the division finite where {avg} is 0 and bounds the step "
        "where the gradients are tiny (g ≈ 1e-7 here)"
    ),
)
NO_SQRT = define("opt_no_sqrt", N_("the square root is missing: divide by √{avg} + ε, not by {avg} + ε"))
CACHED_STEP = define(
    "cached_step",
    N_(
        "{name} returned the same answer as on the previous call although θ, g and the state were new: compute "
        "the step from the arguments every time, do not store it between calls"
    ),
)

# ---- momentum ----------------------------------------------------------------------------------------------
MOMENTUM_EMA = define(
    "momentum_ema",
    N_(
        "that is the convention v ← βv + (1 − β)g, an average; this course uses v ← βv + g, the sum of past "
        "gradients, so that β = 0 is plain gradient descent"
    ),
)
MOMENTUM_NO_V = define("momentum_no_v", N_("the velocity is not used: the step is θ − αv, not θ − αg"))
MOMENTUM_STEP_IN_V = define(
    "momentum_step_in_v",
    N_(
        "that is the convention in which v holds the step ({convention}); this course's v is the sum of past "
        "gradients, v ← βv + g, θ ← θ − αv. The two agree only while v starts at 0"
    ),
)
MOMENTUM_STEP_IN_V_NEG = define(
    "momentum_step_in_v_negative",
    N_(
        "that is the convention v ← βv − αg, θ ← θ + v, in which v holds the step; this course's v is the sum of "
        "past gradients, v ← βv + g, θ ← θ − αv. The two agree only while v starts at 0"
    ),
)
MOMENTUM_NO_BETA = define(
    "momentum_no_beta", N_("β is missing: v ← βv + g, not v + g (with β = 1 no gradient is ever forgotten)")
)
MOMENTUM_BETA_ON_G = define(
    "momentum_beta_on_g", N_("β multiplies the old velocity, not the gradient: v ← βv + g, not v + βg")
)


def _momentum(theta, g, v, lr, beta, *, ema=False, beta_on_g=False, sign=-1.0, step_with="new", convention="",
              keep_state=False, ignore_state=False, fixed_beta=None, no_lr=False):  # fmt: skip
    """One momentum step (θ, v) → (θ − α(βv + g), βv + g), or one of its near misses."""
    b, lr = (beta if fixed_beta is None else fixed_beta), (1.0 if no_lr else lr)
    v_in = np.zeros_like(v) if ignore_state else v
    if convention == "step_in_v":  # v ← βv + αg, θ ← θ − v
        v_new = b * v_in + lr * g
        return theta - v_new, v if keep_state else v_new
    if convention == "step_in_v_negative":  # v ← βv − αg, θ ← θ + v
        v_new = b * v_in - lr * g
        return theta + v_new, v if keep_state else v_new
    v_new = v_in + b * g if beta_on_g else b * v_in + ((1 - b) * g if ema else g)
    step = {"new": v_new, "old": v, "g": g}[step_with]
    return theta + sign * lr * step, v if keep_state else v_new


MOMENTUM = Reference(
    _momentum,
    {
        MOMENTUM_EMA: {"ema": True},
        STALE_STATE: {"step_with": "old"},
        MOMENTUM_NO_V: {"step_with": "g"},
        STEP_SIGN: {"sign": 1.0},
        MOMENTUM_STEP_IN_V: {"convention": "step_in_v"},
        MOMENTUM_STEP_IN_V_NEG: {"convention": "step_in_v_negative"},
        MOMENTUM_BETA_ON_G: {"beta_on_g": True},
        MOMENTUM_NO_BETA: {"fixed_beta": 1.0},
        STATE_NOT_UPDATED: {"keep_state": True},
        STATE_IGNORED: {"ignore_state": True},
        FIXED_HYPER: {"fixed_beta": 0.9},
        NO_LR: {"no_lr": True},
    },
    {
        "name": "momentum_step",
        "state": "v",
        "update": "v ← βv + g",
        "rule": "θ ← θ − αv",
        "fixed": "β = 0.9",
        "args": "beta",
        "convention": "v ← βv + αg, θ ← θ − v",
    },
)


@item("ex05_momentum", 2, "momentum_step", OPTIMIZERS)
def momentum_step(fn) -> None:
    """Check ``fn(theta, g, v, lr, beta)`` = (θ − α(βv + g), βv + g) over consecutive steps, v ≠ 0 at first."""
    r = rng()
    lr, beta = float(r.uniform(0.05, 0.3)), float(r.uniform(0.5, 0.85))
    runs = [
        (
            _("{name} at step {t} from a non-zero v"),
            r.normal(size=(3, 2)),
            (r.normal(size=(3, 2)),),
            r.normal(size=(STEPS, 3, 2)),
        ),
        (_("{name} at step {t} from v = 0"), r.normal(size=(4, 1)), (np.zeros((4, 1)),), r.normal(size=(2, 4, 1))),
    ]
    _run_steps(fn, "momentum_step", MOMENTUM, ("theta", "v"), runs, lambda t: (lr, beta))


# ---- RMSProp -----------------------------------------------------------------------------------------------
ADAGRAD = define(
    "adagrad_sum",
    N_("that is AdaGrad's growing sum s + g²; RMSProp keeps a decaying average, s ← βs + (1 − β)g²"),
)


def _rmsprop(theta, g, s, lr, beta, eps, *, square=True, weights_swapped=False, accumulate=False, eps_at="outside",
             sqrt=True, sign=-1.0, step_with="new", keep_state=False, ignore_state=False, fixed_beta=None,
             fixed_eps=None, no_lr=False):  # fmt: skip
    """One RMSProp step (θ, s) → (θ − αg/(√s′ + ε), s′) with s′ = βs + (1 − β)g², or a near miss."""
    b = beta if fixed_beta is None else fixed_beta
    e = eps if fixed_eps is None else fixed_eps
    s_in = np.zeros_like(s) if ignore_state else s
    g2 = {True: g * g, False: g, "abs": np.abs(g)}[square]
    if accumulate:
        s_new = s_in + g2
    else:
        s_new = (1 - b) * s_in + b * g2 if weights_swapped else b * s_in + (1 - b) * g2
    used = s_new if step_with == "new" else s
    root = np.sqrt(used) if sqrt else used
    denom = {"outside": root + e, "inside": np.sqrt(used + e), "none": root}[eps_at]
    return theta + sign * (1.0 if no_lr else lr) * g / denom, s if keep_state else s_new


RMSPROP = Reference(
    _rmsprop,
    {
        NOT_SQUARED: {"square": False},
        ABS_NOT_SQUARED: {"square": "abs"},
        WEIGHTS_SWAPPED: {"weights_swapped": True},
        ADAGRAD: {"accumulate": True},
        EPS_INSIDE_SQRT: {"eps_at": "inside"},
        EPS_MISSING: {"eps_at": "none"},
        NO_SQRT: {"sqrt": False},
        STEP_SIGN: {"sign": 1.0},
        STALE_STATE: {"step_with": "old"},
        STATE_NOT_UPDATED: {"keep_state": True},
        STATE_IGNORED: {"ignore_state": True},
        FIXED_HYPER: {"fixed_beta": 0.9},
        FIXED_EPS: {"fixed_eps": 1e-8},
        NO_LR: {"no_lr": True},
    },
    {
        "name": "rmsprop_step",
        "state": "s",
        "update": "s ← βs + (1 − β)g²",
        "avg": "s",
        "sq": "s",
        "rule": "θ ← θ − αg/(√s + ε)",
        "fixed": "β = 0.9",
        "args": "beta",
        "fixed_eps": "1e-8",
    },
)


def _tiny(r, shape, n_steps, n_states):
    """Gradients and states of the size 1e-7 (squares 1e-14), entry [0, 0] exactly 0: ε decides there."""
    gs = 1e-7 * r.normal(size=(n_steps, *shape))
    gs[:, 0, 0] = 0.0
    states = [1e-14 * r.uniform(0.2, 2.0, size=shape) for _ in range(n_states)]
    for s in states:
        s[0, 0] = 0.0
    return gs, states


@item("ex05_rmsprop", 2, "rmsprop_step", OPTIMIZERS)
def rmsprop_step(fn) -> None:
    """Check ``fn(theta, g, s, lr, beta, eps)`` = (θ − αg/(√s′ + ε), s′), s′ = βs + (1 − β)g², also for tiny g."""
    r = rng()
    lr, beta, eps = float(r.uniform(0.005, 0.05)), float(r.uniform(0.6, 0.85)), float(10 ** r.uniform(-7.6, -7.2))
    tiny_gs, (tiny_s,) = _tiny(r, (3, 2), 2, 1)
    runs = [
        (_("{name} at step {t} from a non-zero s"), r.normal(size=(3, 2)), (r.uniform(0.2, 2.0, size=(3, 2)),),
         r.normal(size=(STEPS, 3, 2))),
        (_("{name} at step {t} with tiny gradients (g ≈ 1e-7)"), r.normal(size=(3, 2)), (tiny_s,), tiny_gs),
        (_("{name} at step {t} from s = 0"), r.normal(size=(4, 1)), (np.zeros((4, 1)),), r.normal(size=(2, 4, 1))),
    ]  # fmt: skip
    _run_steps(fn, "rmsprop_step", RMSPROP, ("theta", "s"), runs, lambda t: (lr, beta, eps), eps=f"{eps:.3g}")


# ---- Adam --------------------------------------------------------------------------------------------------
NO_CORRECTION = define(
    "no_bias_correction",
    N_(
        "the bias correction is missing: m̂ = m/(1 − β1^t) and v̂ = v/(1 − β2^t) make up for m and v starting at 0; "
        "step with m̂ and v̂"
    ),
)
CORRECTION_MULTIPLIED = define(
    "bias_correction_multiplied",
    N_("the bias correction divides: m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t); you multiplied by (1 − β^t)"),
)
CORRECTION_M_ONLY = define("bias_correction_m_only", N_("only m is bias-corrected: v̂ = v/(1 − β2^t) too"))
CORRECTION_V_ONLY = define("bias_correction_v_only", N_("only v is bias-corrected: m̂ = m/(1 − β1^t) too"))
HAT_STATE = define(
    "hat_state",
    N_(
        "you returned m̂ and v̂ as the state: return the running averages m and v uncorrected; only the copies "
        "used in the step are divided by (1 − β^t)"
    ),
)
T_PLUS_ONE = define(
    "t_plus_one",
    N_("is t off by one? you used t + 1; the t you are given is already 1 on the first step: use β1^t and β2^t"),
)
T_MINUS_ONE = define(
    "t_minus_one",
    N_(
        "is t off by one? you used t − 1; the t you are given is already 1 on the first step "
        "(where 1 − β^(t − 1) would be 0): use β1^t and β2^t"
    ),
)
T_FIXED = define(
    "t_fixed",
    N_("the step counter t you are given is not used (your steps match t = 1 every time): use β1^t and β2^t"),
)
BETAS_SWAPPED = define(
    "betas_swapped", N_("β1 and β2 are swapped: m averages the gradients with β1, v the squared gradients with β2")
)
M_SUM = define(
    "m_sum", N_("m lacks the factor (1 − β1): m ← β1 m + (1 − β1)g is an average, not momentum's sum βv + g")
)
EPS_HAT = define(
    "eps_hat",
    N_(
        "that is the efficient form α_t·m/(√v + ε) with α_t = α√(1 − β2^t)/(1 − β1^t); it equals the task's "
        "α m̂/(√v̂ + ε) only with ε√(1 − β2^t) in place of ε (the two differ for tiny gradients)"
    ),
)


def _adam(theta, g, m, v, t, lr, beta1, beta2, eps, *, eps_at="outside", sqrt=True, t_offset=0, t_fixed=None,
          correction="divide", return_hat_state=False, square=True, betas="", m_sum=False, eps_hat=False,
          sign=-1.0, step_with="new", keep_state=False, ignore_state=False, fixed_betas=False,
          fixed_eps=None, no_lr=False):  # fmt: skip
    """One Adam step (Kingma & Ba 2015, Algorithm 1) (θ, m, v) → (θ′, m′, v′), or a near miss."""
    b1, b2 = (0.9, 0.999) if fixed_betas else (beta1, beta2)
    if betas == "swapped":
        b1, b2 = b2, b1
    e, lr = (eps if fixed_eps is None else fixed_eps), (1.0 if no_lr else lr)
    m_in, v_in = (np.zeros_like(m), np.zeros_like(v)) if ignore_state else (m, v)
    g2 = {True: g * g, False: g, "abs": np.abs(g)}[square]
    if betas == "complement":
        m_new, v_new = (1 - b1) * m_in + b1 * g, (1 - b2) * v_in + b2 * g2
    else:
        m_new, v_new = b1 * m_in + (g if m_sum else (1 - b1) * g), b2 * v_in + (1 - b2) * g2
    tc = t + t_offset if t_fixed is None else t_fixed
    c1, c2 = 1 - b1**tc, 1 - b2**tc
    mu, vu = (m_new, v_new) if step_with == "new" else (m, v)
    m_hat, v_hat = {
        "divide": (mu / c1, vu / c2),
        "multiply": (mu * c1, vu * c2),
        "none": (mu, vu),
        "m_only": (mu / c1, vu),
        "v_only": (mu, vu / c2),
    }[correction]
    root = np.sqrt(v_hat) if sqrt else v_hat
    if eps_hat:
        step = lr * np.sqrt(c2) / c1 * mu / (np.sqrt(vu) + e)
    else:
        step = lr * m_hat / {"outside": root + e, "inside": np.sqrt(v_hat + e), "none": root}[eps_at]
    state = (m, v) if keep_state else (m_hat, v_hat) if return_hat_state else (m_new, v_new)
    return (theta + sign * step, *state)


ADAM = Reference(
    _adam,
    {
        EPS_INSIDE_SQRT: {"eps_at": "inside"},
        EPS_MISSING: {"eps_at": "none"},
        NO_SQRT: {"sqrt": False},
        T_PLUS_ONE: {"t_offset": 1},
        T_MINUS_ONE: {"t_offset": -1},
        T_FIXED: {"t_fixed": 1},
        NO_CORRECTION: {"correction": "none"},
        CORRECTION_MULTIPLIED: {"correction": "multiply"},
        CORRECTION_M_ONLY: {"correction": "m_only"},
        CORRECTION_V_ONLY: {"correction": "v_only"},
        HAT_STATE: {"return_hat_state": True},
        NOT_SQUARED: {"square": False},
        ABS_NOT_SQUARED: {"square": "abs"},
        BETAS_SWAPPED: {"betas": "swapped"},
        WEIGHTS_SWAPPED: {"betas": "complement"},
        M_SUM: {"m_sum": True},
        EPS_HAT: {"eps_hat": True},
        STEP_SIGN: {"sign": 1.0},
        STALE_STATE: {"step_with": "old"},
        STATE_NOT_UPDATED: {"keep_state": True},
        STATE_IGNORED: {"ignore_state": True},
        FIXED_HYPER: {"fixed_betas": True},
        FIXED_EPS: {"fixed_eps": 1e-8},
        NO_LR: {"no_lr": True},
    },
    {
        "name": "adam_step",
        "state": N_("m and v"),
        "update": "m ← β1 m + (1 − β1)g, v ← β2 v + (1 − β2)g²",
        "avg": "v̂",
        "sq": "v",
        "rule": "θ ← θ − α m̂/(√v̂ + ε)",
        "fixed": "β1 = 0.9, β2 = 0.999",
        "args": N_("beta1 and beta2"),
        "fixed_eps": "1e-8",
    },
)


@item("ex05_adam", 3, "adam_step", OPTIMIZERS)
def adam_step(fn) -> None:
    """Check ``fn(theta, g, m, v, t, lr, beta1, beta2, eps)`` = Adam's step with bias correction, t = 1 first."""
    r = rng()
    lr, b1, b2 = float(r.uniform(0.005, 0.05)), float(r.uniform(0.6, 0.85)), float(r.uniform(0.9, 0.98))
    eps, t0 = float(10 ** r.uniform(-7.6, -7.2)), int(r.integers(3, 8))  # t − 1 ≠ 1
    tiny_gs, (tiny_m, tiny_v) = _tiny(r, (3, 2), 2, 2)
    tiny_m = np.sqrt(tiny_m) * r.choice([-1.0, 1.0], size=(3, 2))  # m is the size of g, v of g²
    runs = [
        (_("{name} at step {t} from non-zero m and v"), r.normal(size=(3, 2)),
         (0.5 * r.normal(size=(3, 2)), r.uniform(0.2, 2.0, size=(3, 2))), r.normal(size=(STEPS, 3, 2)), t0),
        (_("{name} at step {t} with tiny gradients (g ≈ 1e-7)"), r.normal(size=(3, 2)), (tiny_m, tiny_v), tiny_gs, t0),
        (_("{name} at step {t} from m = v = 0, t = 1"), r.normal(size=(4, 1)), (np.zeros((4, 1)), np.zeros((4, 1))),
         r.normal(size=(2, 4, 1)), 1),
    ]  # fmt: skip
    _run_steps(fn, "adam_step", ADAM, ("theta", "m", "v"), runs, lambda t: (*t, lr, b1, b2, eps), eps=f"{eps:.3g}")


# ---- running an optimizer over consecutive steps -----------------------------------------------------------


_WORDS = ("state", "args")  # the message fields that hold words (N_), not only symbols and formulas


def _run_steps(fn, name, reference, names, runs, args_after, **fields) -> None:
    """Call ``fn`` over each run of consecutive steps, feeding it the (checked) state of the step before.

    A run is (label with {t}, θ, state tuple, gradients) and, for Adam, the t of its first step;
    ``args_after((t,) or ())`` gives the arguments after the state. Each step is compared as a whole with
    the reference step from the same inputs, so every near miss is computed from what the learner was given.
    """
    shown = {k: _(v) if k in _WORDS else v for k, v in reference.fields.items()}  # words are translated when shown
    previous = None
    for label, theta, state, gs, *t0 in runs:
        for i, g in enumerate(gs):
            args = (theta, g, *state, *args_after(tuple(t + i for t in t0)))
            expected = reference(*args)
            got = call(fn, *args, name=name)
            if not close(got, expected):
                if previous is not None and close(got, previous):
                    raise Mistake(message(CACHED_STEP, name=name), CACHED_STEP)
                near = given([(RETURNED_INPUTS, (theta, *state))], **shown)
                near += reference.near_misses(*args, **shown, **fields)
                _expect_step(label.format(name=name, t=i + 1), got, expected, near, names, theta)
            previous = got
            theta, *state = expected


def _labelled(label: str, text: str) -> str:
    return _("{label}: {mistake}").format(label=label, mistake=text)


def _expect_step(label, got, expected, near, names, theta_before) -> None:
    """One step's (θ, state...) against the reference: whole near misses, swapped entries, θ's step, the state."""
    got = expect_tuple(label, got, len(names))
    if close(got, expected):
        return
    for diagnosis, value in near:
        if close(got, value):
            raise Mistake(_labelled(label, diagnosis.text), diagnosis.id)
    found = swapped(got, expected, list(names))
    if found is not None:
        raise Mistake(_labelled(label, found.text), found.id)
    labels = [_("{label}, the returned {entry}").format(label=label, entry=entry) for entry in names]
    theta = as_float_array(labels[0], got[0])
    if theta.shape == theta_before.shape and not close(theta, expected[0]):  # θ's step shows factors and signs
        step = [(d, v[0] - theta_before) for d, v in near if np.shape(v[0]) == theta_before.shape]
        step_label = _("{label}, the step theta_new − theta").format(label=label)
        expect_array(step_label, theta - theta_before, expected[0] - theta_before, near_misses=step)
    for i, entry_label in enumerate(labels):  # near misses that agree with the entries already found right
        parts = [(d, v[i]) for d, v in near if all(close(got[j], v[j]) for j in range(i))]
        expect_array(entry_label, theta if i == 0 else got[i], expected[i], near_misses=parts)


# ---- batch normalization, forward --------------------------------------------------------------------------
BN_AXIS0 = define(
    "bn_axis0",
    N_("normalize each unit (row) over the batch: its mean and variance over axis=1 (the examples), not over axis 0"),
)
BN_DDOF1 = define("bn_ddof1", N_("use the batch variance (1/m)Σ(z − μ)², np.var's default, not ddof=1"))
BN_EPS_MISSING = define(
    "bn_eps_missing",
    N_(
        "ε forgotten: ẑ = (z − μ)/√(σ² + ε). A unit whose values are all equal (row {row} here) has σ² = 0, so "
        "without ε its ẑ is 0/0"
    ),
)
BN_EPS_OUTSIDE = define(
    "bn_eps_outside",
    N_(
        "ε belongs inside the square root: ẑ = (z − μ)/√(σ² + ε), not (z − μ)/(√σ² + ε); the two differ for a "
        "unit with a small variance (row {small} here)"
    ),
)
BN_NO_SQRT = define("bn_no_sqrt", N_("divide by the standard deviation √(σ² + ε), not by the variance σ² + ε"))
BN_NO_AFFINE = define("bn_no_affine", N_("scale by γ and shift by β: out = γ ⊙ ẑ + β"))
BN_NO_GAMMA = define("bn_no_gamma", N_("γ is missing: out = γ ⊙ ẑ + β (you returned ẑ + β)"))
BN_NO_BETA = define("bn_no_beta", N_("β is missing: out = γ ⊙ ẑ + β (you returned γ ⊙ ẑ)"))
BN_SWAP = define("bn_gamma_beta_swapped", N_("γ and β are swapped: out = γ ⊙ ẑ + β, γ scales and β shifts"))
BN_KEEPDIMS = define(
    "bn_keepdims",
    N_(
        "the mean and the variance lost their column shape: Z.mean(axis=1) has shape (n,), which NumPy lines up "
        "with the columns of Z, not its rows; keep (n, 1) with keepdims=True"
    ),
)
BN_KEEPDIMS_MEAN = define(
    "bn_keepdims_mean",
    N_(
        "the mean lost its column shape: Z.mean(axis=1) has shape (n,), which NumPy lines up with the columns of Z, "
        "not its rows; keep (n, 1) with keepdims=True"
    ),
)
BN_KEEPDIMS_VAR = define(
    "bn_keepdims_var",
    N_(
        "the variance lost its column shape: Z.var(axis=1) has shape (n,), which NumPy lines up with the columns "
        "of Z, not its rows; keep (n, 1) with keepdims=True"
    ),
)
BN_BROADCAST = define(
    "bn_broadcast",
    N_(
        "batchnorm_forward raised a broadcasting error for Z of shape {shape}: a mean or variance over axis=1 has "
        "shape (n,) unless you keep the column with keepdims=True (shape (n, 1)); γ and β are (n, 1) too"
    ),
)
BN_FLOOR_MEAN = define(
    "bn_floor_mean", N_("the mean is rounded down: // is integer division; use / or Z.mean(axis=1, keepdims=True)")
)
BN_ORDER = define("bn_out_cache_order", N_("out and cache are swapped: return (out, cache)"))


def _bn_forward(Z, gamma, beta, eps, *, axis=1, ddof=0, eps_at="inside", scale=True, shift=True, swap=False,
                keepdims="", fixed_eps=None, floor_mean=False):  # fmt: skip
    """out = γ ⊙ (z − μ)/√(σ² + ε) + β per row over the columns, or a near miss (None where it cannot run)."""
    e = eps if fixed_eps is None else fixed_eps
    mu = Z.mean(axis=axis, keepdims=keepdims not in ("both", "mean"))
    mu = np.floor(mu) if floor_mean else mu
    var = Z.var(axis=axis, ddof=ddof, keepdims=keepdims not in ("both", "var"))
    if keepdims and Z.shape[0] != Z.shape[1]:
        return None  # (n,) against (n, m) does not broadcast
    root = np.sqrt(var) if eps_at in ("outside", "none") else var + e if eps_at == "no_sqrt" else np.sqrt(var + e)
    Z_hat = (Z - mu) / (root + e if eps_at == "outside" else root)
    g, b = (beta, gamma) if swap else (gamma, beta)
    return (g * Z_hat if scale else Z_hat) + (b if shift else 0.0)


BN_FORWARD = Reference(
    _bn_forward,
    {
        BN_AXIS0: {"axis": 0},
        BN_DDOF1: {"ddof": 1},
        BN_EPS_MISSING: {"eps_at": "none"},
        BN_EPS_OUTSIDE: {"eps_at": "outside"},
        BN_NO_SQRT: {"eps_at": "no_sqrt"},
        BN_NO_AFFINE: {"scale": False, "shift": False},
        BN_NO_GAMMA: {"scale": False},
        BN_NO_BETA: {"shift": False},
        BN_SWAP: {"swap": True},
        BN_KEEPDIMS: {"keepdims": "both"},
        BN_KEEPDIMS_MEAN: {"keepdims": "mean"},
        BN_KEEPDIMS_VAR: {"keepdims": "var"},
        FIXED_EPS: {"fixed_eps": 1e-5},
        BN_FLOOR_MEAN: {"floor_mean": True},
    },
    {"name": "batchnorm_forward", "fixed_eps": "1e-5"},
)


def _bn_input(r, n, m):
    """(Z, γ, β, ε, const, small): Z (n, m) with a constant unit (σ² = 0: only ε keeps ẑ finite) and one of σ² ≈ ε."""
    eps = float(10 ** r.uniform(-4.5, -3.5))
    Z = r.normal(2.0, 3.0, size=(n, m))
    const, small = r.choice(n, size=2, replace=False)
    Z[const] = 1.5
    Z[small] = 1.0 + np.sqrt(eps) * r.normal(size=m)
    return Z, r.uniform(0.5, 2.0, size=(n, 1)), r.normal(size=(n, 1)), eps, int(const), int(small)


def _bn_forward_once(fn, Z, gamma, beta, eps, const, small, previous=None):
    """Run the learner's forward once and judge its out (the cache is the learner's); return what came back."""
    try:
        got = call(fn, Z, gamma, beta, eps, name="batchnorm_forward")
    except Mistake as exc:
        if exc.mistake_id == M.RAISED and "broadcast" in str(exc):
            raise Mistake(message(BN_BROADCAST, shape=Z.shape), BN_BROADCAST) from None
        raise
    got = expect_tuple("batchnorm_forward(...)", got, 2)
    expected = BN_FORWARD(Z, gamma, beta, eps)
    if close(got[0], expected):
        return got
    if close(got[1], expected):
        raise Mistake(message(BN_ORDER), BN_ORDER)
    if previous is not None and close(got[0], previous[0]):
        raise Mistake(M.message(M.CACHED), M.CACHED)
    out = as_float_array("out", got[0])
    bad = ~np.isfinite(out)
    if out.shape == Z.shape and bad.any() and not np.delete(bad, const, axis=0).any():
        raise Mistake(_labelled("out", message(BN_EPS_MISSING, row=const)), BN_EPS_MISSING)
    near = BN_FORWARD.near_misses(Z, gamma, beta, eps, row=const, small=small, eps=f"{eps:.3g}")
    expect_array("out", out, expected, near_misses=near, special=_("a unit whose values are all equal?"))
    return got


@item("ex05_batchnorm_forward", 2, "batchnorm_forward", BATCHNORM)
def batchnorm_forward(fn) -> None:
    """Check ``fn(Z, gamma, beta, eps)`` returns (out, cache), out = γ ẑ + β with ẑ normalized over the batch.

    Three draws: Z (n, m) with n ≠ m, a square Z (a lost keepdims broadcasts there), a fresh (n, m) (caching).
    """
    r = rng()
    n, m, k = int(r.integers(4, 6)), int(r.integers(7, 10)), int(r.integers(5, 7))
    first = _bn_forward_once(fn, *_bn_input(r, n, m))
    _bn_forward_once(fn, *_bn_input(r, k, k))
    _bn_forward_once(fn, *_bn_input(r, n, m), previous=first)


# ---- batch normalization, backward -------------------------------------------------------------------------
BN_FIX_FORWARD = define("bn_fix_forward_first", N_("fix batchnorm_forward first ({mistake})"))
BN_DGAMMA_NO_ZHAT = define(
    "bn_dgamma_no_zhat", N_("dγ = Σ dout ⊙ ẑ over the columns: the factor ẑ is missing (that is dβ)")
)
BN_NO_STATS = define(
    "bn_no_stat_terms",
    N_(
        "μ and σ² depend on every column of the batch: include their gradients, the terms − Σ dẑ and "
        "− ẑ ⊙ Σ dẑ ⊙ ẑ in dZ"
    ),
)
BN_NO_MEAN_TERM = define(
    "bn_no_mean_term",
    N_("the term − Σ_i dẑ_i is missing from dZ: it is the gradient through μ, which depends on every column"),
)
BN_NO_VAR_TERM = define(
    "bn_no_var_term",
    N_(
        "the term − ẑ ⊙ Σ_i dẑ_i ⊙ ẑ_i is missing from dZ: it is the gradient through σ², which depends on every column"
    ),
)
BN_NO_GAMMA_DZ = define("bn_no_gamma_in_dz", N_("dẑ = γ ⊙ dout: the factor γ is missing from dZ"))
BN_NO_OVER_M = define(
    "bn_no_over_m",
    N_("the factor 1/m in front of dZ is missing (m = {m}): dZ = (1/(m√(σ² + ε)))(m·dẑ − Σ dẑ − ẑ ⊙ Σ dẑ ⊙ ẑ)"),
)
BN_NO_INV_STD = define("bn_no_inv_std", N_("the factor 1/√(σ² + ε) is missing from dZ"))
BN_STD_NOT_INV = define("bn_std_not_inverted", N_("dZ is multiplied by √(σ² + ε); the factor is 1/√(σ² + ε)"))
BN_INT_OVER_M = define("bn_integer_over_m", N_("dZ is all zero: 1 // m is integer division, 0 for m > 1; use 1 / m"))
BN_DZ_AXIS = define(
    "bn_dz_axis", N_("the sums in dZ run over the columns (the examples): axis=1, keepdims=True, not axis=0")
)
BN_STAT_SIGN = define("bn_stat_sign", N_("the two terms through μ and σ² are subtracted: m·dẑ − Σ dẑ − ẑ ⊙ Σ dẑ ⊙ ẑ"))
BN_RETURN_ORDER = define(
    "bn_return_order", N_("the three gradients come back in the wrong order: return (dZ, dgamma, dbeta)")
)


def _bn_backward(dout, Z_hat, inv_std, gamma, *, dgamma_zhat=True, stats=True, mean_term=True, var_term=True,
                 gamma_in=True, over_m=True, inv_std_on=True, sum_axis=1, stat_sign=-1.0):  # fmt: skip
    """(dZ, dγ, dβ) of batch normalization (training mode), or a near miss."""
    m = dout.shape[1]
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = np.sum(dout * Z_hat, axis=1, keepdims=True) if dgamma_zhat else dbeta.copy()
    dZ_hat = gamma * dout if gamma_in else dout
    inner = m * dZ_hat
    if stats and mean_term:
        inner = inner + stat_sign * dZ_hat.sum(axis=sum_axis, keepdims=True)
    if stats and var_term:
        inner = inner + stat_sign * Z_hat * np.sum(dZ_hat * Z_hat, axis=sum_axis, keepdims=True)
    scale = {True: inv_std, False: 1.0, "inverted": 1.0 / inv_std}[inv_std_on]
    dZ = scale * {True: inner / m, False: inner, "floor": inner * (1 // m)}[over_m]
    return dZ, dgamma, dbeta


BN_BACKWARD = Reference(
    _bn_backward,
    {
        BN_DGAMMA_NO_ZHAT: {"dgamma_zhat": False},
        BN_NO_STATS: {"stats": False},
        BN_NO_MEAN_TERM: {"mean_term": False},
        BN_NO_VAR_TERM: {"var_term": False},
        BN_NO_GAMMA_DZ: {"gamma_in": False},
        BN_NO_OVER_M: {"over_m": False},
        BN_NO_INV_STD: {"inv_std_on": False},
        BN_STD_NOT_INV: {"inv_std_on": "inverted"},
        BN_INT_OVER_M: {"over_m": "floor"},
        BN_DZ_AXIS: {"sum_axis": 0},
        BN_STAT_SIGN: {"stat_sign": 1.0},
    },
)
BN_GRADIENTS = ["dZ", "dgamma", "dbeta"]
BN_ORDERS = [(1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]  # (dZ, dbeta, dgamma) is left to the generic "swapped"


def _bn_backward_once(forward_fn, backward_fn, r, n, m, previous=None):
    """Run the learner's forward, then its backward on that cache, and judge (dZ, dγ, dβ); return them."""
    Z, gamma, beta, eps = r.normal(1.0, 2.0, size=(n, m)), r.uniform(0.5, 2.0, size=(n, 1)), r.normal(size=(n, 1)), 1e-5
    dout = r.normal(size=(n, m))
    try:  # the learner's forward must be right, on the forward check's inputs and on these
        _bn_forward_once(forward_fn, *_bn_input(r, n, m))
        fwd = expect_tuple("batchnorm_forward(...)", call(forward_fn, Z, gamma, beta, eps, name="batchnorm_forward"), 2)
        out, cache = layers.batchnorm_forward(Z, gamma, beta, eps)
        expect_array(
            "out", fwd[0], out, near_misses=BN_FORWARD.near_misses(Z, gamma, beta, eps, row="–", small="–", eps=eps)
        )
    except Mistake as exc:
        raise Mistake(message(BN_FIX_FORWARD, mistake=exc), BN_FIX_FORWARD) from None
    got = call(backward_fn, dout, fwd[1], name="batchnorm_backward")
    got = expect_tuple("batchnorm_backward(...)", got, 3)
    expected = layers.batchnorm_backward(dout, cache)
    if close(got, expected):
        return got
    if previous is not None and close(got, previous):
        raise Mistake(M.message(M.CACHED), M.CACHED)
    inputs = (dout, cache.Z_hat, cache.inv_std, gamma)
    near = list(BN_BACKWARD.near_misses(*inputs, m=m))
    near += given([(BN_RETURN_ORDER, tuple(expected[i] for i in order)) for order in BN_ORDERS])
    label = "batchnorm_backward(...)"
    for diagnosis, value in near:
        if close(got, value):
            raise Mistake(_labelled(label, diagnosis.text), diagnosis.id)
    found = swapped(got, expected, BN_GRADIENTS)
    if found is not None:
        raise Mistake(_labelled(label, found.text), found.id)

    def parts(i, right=()):  # the near misses of entry i that agree with the entries already found right
        return [(d, v[i]) for d, v in near if all(close(got[j], v[j]) for j in right)]

    expect_array("dbeta", got[2], expected[2], m=m, near_misses=parts(2))
    expect_array("dgamma", got[1], expected[1], m=m, near_misses=parts(1, (2,)))

    def loss(Z_):  # Σ out ⊙ dout: its gradient with respect to Z is dZ
        return float(np.sum(layers.batchnorm_forward(Z_, gamma, beta, eps)[0] * dout))

    expect_gradient("dZ", got[0], expected[0], loss, Z, m=m, near_misses=parts(0, (2, 1)))
    return got


@item("ex05_batchnorm_backward", 3, "batchnorm_backward", BATCHNORM)
def batchnorm_backward(forward_fn, backward_fn) -> None:
    """Check ``backward_fn(dout, cache)`` = (dZ, dgamma, dbeta), the cache coming from ``forward_fn``."""
    r = rng()
    n, m = int(r.integers(3, 6)), int(r.integers(6, 10))
    first = _bn_backward_once(forward_fn, backward_fn, r, n, m)
    _bn_backward_once(forward_fn, backward_fn, r, n, m, previous=first)  # a fresh draw of the same shape


# ---- concept questions -------------------------------------------------------------------------------------
q1 = multiple_choice(
    "ex05_q1",
    1,
    N_("question 1 (whose step keeps shrinking)"),
    "fa7f8e63915ccfa7",
    "abcd",
    RACE,
    hints={
        "a": N_("momentum divides by nothing: its velocity v ← βv + g sums gradients, and its step does not shrink"),
        "b": N_(
            "RMSProp divides by a decaying average of g², which forgets old gradients: its step does not keep shrinking"
        ),
        "d": N_("Adam divides by a decaying average of g² too; only a sum that never forgets keeps growing"),
    },
)
FIRST_STEP = [  # Adam's first step with α = 0.01, β1 = 0.9, β2 = 0.999, g = 5: m = 0.5, v = 0.025, m̂ = 5, v̂ = 25
    (0.05, N_("that is α·g, the step of plain gradient descent; Adam divides m̂ by √v̂, which is |g| on step 1")),
    (0.001, N_("that is α·m/√v̂ with m = (1 − β1)g left uncorrected: on the first step m̂ = m/(1 − β1) = g")),
    (
        0.1,
        N_(
            "that is what a bias correction that multiplies by (1 − β^t) gives (or α/(1 − β1)); it divides, "
            "so that m̂ = g and v̂ = g² on the first step"
        ),
    ),
    (
        0.0316227766,
        N_(
            "that is the step without the bias correction, from m = 0.5 and v = 0.025; with m̂ = m/(1 − β1) and "
            "v̂ = v/(1 − β2) the step is α·g/|g|"
        ),
    ),
    (0.316227766, N_("that corrects m but not v: v̂ = v/(1 − β2) = g² on the first step")),
    (0.002, N_("that divides by v̂ itself: the step is α·m̂/(√v̂ + ε), with a square root")),
    (0.00744136824, N_("that is t = 2: the first step has t = 1, so the corrections divide by 1 − β1 and 1 − β2")),
    (5.0, N_("that is m̂ = g; the change of the parameter is α·m̂/(√v̂ + ε)")),
    (0.5, N_("that is m = (1 − β1)g after one step, not the change of the parameter α·m̂/(√v̂ + ε)")),
]
q2 = numeric_answer("ex05_q2", 1, N_("question 2 (Adam's first step)"), 0.01, section=OPTIMIZERS, wrong=FIRST_STEP)

ITEMS = {f.grade_id: f for f in (momentum_step, rmsprop_step, adam_step, batchnorm_forward, batchnorm_backward, q1, q2)}
