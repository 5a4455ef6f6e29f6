r"""Checks for exercises/ex03_derivation.ipynb (chapter 3: the four equations BP1–BP4).

Here δ^l is the error term of each example (one column per example, no 1/m); the batch mean
enters in the weight gradients: dW^l = (1/m) Δ^l (A^{l-1})ᵀ, db^l = (1/m) Σ_columns Δ^l.
Graded items: δ^L for a sigmoid output with the ½-MSE loss (BP1); the δ recursion (BP2); dW and db
over a batch (BP3, BP4); a centered-difference gradient checker; two concept questions.

Each item declares its reference in textbook form with switches for the typical mistakes
(``Reference``). A function that raises on the usual (non-square) shapes is run once more on
square ones, where a missing transpose or a misplaced product computes, so that the crash can
be named (``_explain_crash``).
"""

from __future__ import annotations

import numpy as np

from .. import activations as act
from ..i18n import N_, _
from . import mistakes as M
from . import probes
from .core import (
    Mistake,
    Reference,
    Section,
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
from .diagnose import close
from .mistakes import define, message

NOTEBOOK = "ex03_derivation"

FOUR_EQUATIONS = Section("3", 2, N_("2. The four equations for one example"))
MINI_BATCH = Section("3", 3, N_("3. A mini-batch: matrices instead of outer products, and the $1/m$"))
GRADIENT_CHECKING = Section("3", 4, N_("4. Gradient checking: is my backward pass right?"))
COST = Section("3", 6, N_("6. What a gradient costs"))

ON_SQUARE = define(
    "on_square_shapes", N_("{crash}\non square matrices, where the shapes fit, your function computes this: {mistake}")
)
ONE_ARRAY = define(
    "one_array", N_("{label} should be one array; your function returned a tuple of {n} arrays: return only that array")
)
HADAMARD = define("delta_matmul", N_("⊙ is the element-wise product (*), not a matrix product (@)"))
DELTA_OVER_M = define("delta_over_m", N_("δ here is per example: the 1/m comes later, in dW and db"))
DELTA_SUMMED = define(
    "delta_summed",
    N_("δ keeps one column per example: do not sum or average over the examples here (that happens in dW and db)"),
)
DELTA_T = define(
    "delta_transposed", N_("δ came out transposed, (m, nₗ): one example per column, so δ is (nₗ, m) like Z")
)
BP1_PRIME_OF_A = define(
    "bp1_prime_of_a", N_("σ′ takes zᴸ, not aᴸ: use sigmoid_prime(Z) (or A(1 − A), since aᴸ = σ(zᴸ))")
)
BP1_NO_PRIME = define("bp1_no_prime", N_("missing the factor σ′(zᴸ): BP1 is δᴸ = (aᴸ − y) ⊙ σ′(zᴸ)"))
BP1_SIGMA = define("bp1_sigma", N_("σ′(z) = σ(z)(1 − σ(z)), not σ(z): multiply (aᴸ − y) by the derivative"))
BP1_Z_FORM = define("bp1_z_form", N_("σ′(z) = σ(z)(1 − σ(z)) uses σ(z) = aᴸ, not z: A(1 − A), not Z(1 − Z)"))
BP1_ONE_MINUS = define("bp1_one_minus", N_("σ′(zᴸ) = aᴸ(1 − aᴸ): the factor aᴸ is missing, A * (1 − A)"))
BP1_TWO = define("bp1_two", N_("the loss is ½‖a − y‖², so its derivative is a − y: no factor 2"))
BP1_SIGN = define("bp1_sign", N_("wrong sign: BP1 starts from aᴸ − y (the derivative of ½‖a − y‖²), not y − aᴸ"))


def _output_delta(A, Y, Z, prime_of="Z", factor="prime", matmul="", over_m=False, two=False, sign=1.0):
    """BP1, δ^L = (a^L − y) ⊙ σ′(z^L), with switches for its typical mistakes."""
    arg = {"Z": Z, "A": A}[prime_of]
    d = {"prime": act.sigmoid_prime(arg), "none": np.ones_like(Z), "sigma": act.sigmoid(arg), "z_form": arg * (1 - arg)}
    d["one_minus"] = 1 - A
    e = sign * (2.0 if two else 1.0) * (A - Y)
    if matmul == "plain" and e.shape[1] != e.shape[0]:
        return None  # shapes that clash: only a square probe computes it
    product = {"": lambda a, b: a * b, "plain": lambda a, b: a @ b, "right": lambda a, b: a @ b.T}
    out = {**product, "left": lambda a, b: a.T @ b}[matmul](e, d[factor])
    return out / Z.shape[1] if over_m else out


OUTPUT_DELTA = Reference(
    _output_delta,
    {
        BP1_PRIME_OF_A: {"prime_of": "A"},
        BP1_NO_PRIME: {"factor": "none"},
        BP1_SIGMA: {"factor": "sigma"},
        BP1_Z_FORM: {"factor": "z_form"},
        BP1_ONE_MINUS: {"factor": "one_minus"},
        HADAMARD: {"matmul": "right"},
        "delta_matmul_left": {"matmul": "left"},
        "delta_matmul_plain": {"matmul": "plain"},
        DELTA_OVER_M: {"over_m": True},
        BP1_TWO: {"two": True},
        BP1_SIGN: {"sign": -1.0},
    },
)
define("delta_matmul_left", N_("⊙ is the element-wise product (*), not a matrix product (@ of a transpose)"))
define("delta_matmul_plain", N_("⊙ is the element-wise product (*), not a matrix product (@ or np.dot)"))


def _summed(delta):
    """δ summed or averaged over the examples (with or without keepdims), or transposed: one near miss for each."""
    m = delta.shape[1]
    sums = (delta.sum(axis=1, keepdims=True), delta.sum(axis=1))
    return given([(DELTA_SUMMED, v) for v in sums] + [(DELTA_SUMMED, v / m) for v in sums] + [(DELTA_T, delta.T)])


def _one_array(label: str, got) -> None:
    """A tuple of arrays where one array is asked for (``return delta, A``)."""
    if isinstance(got, tuple) and len(got) > 1 and all(isinstance(g, np.ndarray) for g in got):
        raise Mistake(message(ONE_ARRAY, label=label, n=len(got)), ONE_ARRAY)


def _explain_crash(exc: Mistake, fn, name: str, square_args: tuple, near, right, pick=lambda got: got) -> Mistake:
    """A function that raised on the usual shapes, run on square ones: name the near miss it computes there.

    ``near`` are the near misses and ``right`` the right answer on the square inputs; a near miss
    that square shapes make equal to the right answer names nothing.
    """
    if exc.mistake_id != M.RAISED:
        return exc
    try:
        got = pick(call(fn, *square_args, name=name))
    except Exception:  # whatever else happens there, the first message stands
        return exc
    for diagnosis, value in near:
        if close(got, value) and not close(value, right):
            return Mistake(message(ON_SQUARE, crash=str(exc), mistake=diagnosis.text), diagnosis.id)
    return exc


def _call(fn, args, name, square_args, near_of, reference, pick=lambda got: got, **options):
    """``call``, and for a crash, the near miss the function computes on square inputs (``_explain_crash``)."""
    try:
        return call(fn, *args, name=name, **options)
    except Mistake as exc:
        near, right = near_of(*square_args), pick(reference(*square_args))
        raise _explain_crash(exc, fn, name, square_args, near, right, pick) from None


@item("ex03_output_delta", 2, "output_delta", FOUR_EQUATIONS)
def output_delta(fn) -> None:
    """Check ``fn(A, Y, Z)`` = (A − Y) ⊙ σ′(Z) (BP1), A = σ(Z), on two draws; a crash is explained on square shapes."""
    r = rng()

    def draw(n=3, m=5):
        Z = r.normal(size=(n, m))
        return act.sigmoid(Z), r.uniform(size=(n, m)), Z

    first = None
    for args in (draw(), draw()):
        got = _call(fn, args, "output_delta", draw(4, 4), OUTPUT_DELTA.near_misses, OUTPUT_DELTA)
        _one_array("δᴸ", got)
        expected = OUTPUT_DELTA(*args)
        if first is not None:
            probes.again(got, first, expected)
        near = [*OUTPUT_DELTA.near_misses(*args), *_summed(expected)]
        first = expect_array(
            "δᴸ", got, expected, near_misses=near, m=args[2].shape[1], inputs={"A": args[0], "Z": args[2]}
        )


BP2_NO_PRIME = define("bp2_no_prime", N_("missing ⊙ σ′(zˡ): BP2 is δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ σ′(zˡ)"))
BP2_NO_TRANSPOSE = define(
    "bp2_no_transpose", N_("the transpose of Wˡ⁺¹ is missing: BP2 multiplies by (Wˡ⁺¹)ᵀ, W_next.T @ delta_next")
)
BP2_PRIME_INSIDE = define(
    "bp2_prime_inside",
    N_(
        "σ′(zˡ) belongs to layer l: multiply the product (Wˡ⁺¹)ᵀ δˡ⁺¹ by it, not δˡ⁺¹ before the product "
        "(σ′(zˡ⁺¹) is already inside δˡ⁺¹)"
    ),
)
BP2_FIXED_PRIME = define(
    "bp2_fixed_prime",
    N_(
        "you used a fixed {fixed}′ instead of the sigma_prime you were given: call sigma_prime(Z), the derivative "
        "of whatever activation layer l has"
    ),
)
BP2_PRIME_OF_A = define(
    "bp2_prime_of_a", N_("sigma_prime takes zˡ itself: sigma_prime(Z), not sigma_prime of the activation {fixed}(Z)")
)
BP2_PRIME_TWICE = define(
    "bp2_prime_twice",
    N_("sigma_prime(Z) already is the derivative σ′(zˡ): multiply by it, do not apply s(1 − s) to it once more"),
)
BP2_PRIME_OF_BACK = define(
    "bp2_prime_of_back",
    N_("sigma_prime takes Z, the zˡ of this layer, not the product (Wˡ⁺¹)ᵀ δˡ⁺¹"),
)
FIXED = {"sigmoid": act.sigmoid_prime, "tanh": act.tanh_prime, "relu": act.relu_prime}


def _hidden_delta(W, d, Z, sp, transpose=True, prime="given", matmul=False, over_m=False):
    """BP2, δ^l = ((W^(l+1))ᵀ δ^(l+1)) ⊙ σ′(z^l), with switches for its typical mistakes (None where shapes clash)."""
    try:
        return _bp2(W, d, Z, sp, transpose, prime, matmul, over_m)
    except ValueError:
        return None


def _bp2(W, d, Z, sp, transpose, prime, matmul, over_m):
    Wt = W.T if transpose else W
    back = Wt @ d
    if prime == "inside":
        out = Wt @ (d * sp(Z))
    else:
        s = {"given": lambda: sp(Z), "none": lambda: np.ones_like(Z), "twice": lambda: sp(Z) * (1 - sp(Z))}
        s["of_back"] = lambda: sp(back)
        out = back @ s[prime]().T if matmul else back * s[prime]()
    return out / Z.shape[1] if over_m else out


HIDDEN_DELTA = Reference(
    _hidden_delta,
    {
        BP2_NO_TRANSPOSE: {"transpose": False},
        BP2_NO_PRIME: {"prime": "none"},
        BP2_PRIME_INSIDE: {"prime": "inside"},
        BP2_PRIME_TWICE: {"prime": "twice"},
        BP2_PRIME_OF_BACK: {"prime": "of_back"},
        HADAMARD: {"matmul": True},
        DELTA_OVER_M: {"over_m": True},
    },
)


def _hidden_near(W, d, Z, sp):
    """The reference's near misses, and a fixed activation's σ′ (or σ′ of an activation) in place of the given one."""
    near = list(HIDDEN_DELTA.near_misses(W, d, Z, sp))
    back = W.T @ d
    for name, prime in FIXED.items():
        near += given([(BP2_FIXED_PRIME, back * prime(Z))], fixed=name)
        sigma = act.ACTIVATIONS[name][0]
        near += given([(BP2_PRIME_OF_A, back * sp(sigma(Z)))], fixed=name)
    return near


def _bumpy_prime(Z):
    """A positive function that is the derivative of no usual activation: only a given sigma_prime matches it."""
    return 0.6 + 0.3 * np.cos(1.7 * Z + 0.4)


@item("ex03_hidden_delta", 2, "hidden_delta", FOUR_EQUATIONS)
def hidden_delta(fn) -> None:
    """Check ``fn(W_next, delta_next, Z, sigma_prime)`` = ((W^{l+1})ᵀ δ^{l+1}) ⊙ σ′(Z^l) (BP2).

    Three calls, each with another sigma_prime (tanh′, sigmoid′, a function of no activation), so
    a fixed σ′ or a cached answer fails; a crash is run again on square matrices to be named.
    """
    r = rng()

    def draw(sp, n_l=4, n_next=3, m=5):
        return r.normal(size=(n_next, n_l)), r.normal(size=(n_next, m)), r.normal(size=(n_l, m)), sp

    first = None
    for sp in (act.tanh_prime, act.sigmoid_prime, _bumpy_prime):
        args = draw(sp)
        got = _call(fn, args, "hidden_delta", draw(sp, 4, 4, 5), _hidden_near, HIDDEN_DELTA)
        _one_array("δˡ", got)
        expected = HIDDEN_DELTA(*args)
        if first is not None:
            probes.again(got, first, expected)
        first = expect_array(
            "δˡ",
            got,
            expected,
            near_misses=[*_hidden_near(*args), *_summed(expected)],
            m=5,
            inputs={"Z": args[2], "(Wˡ⁺¹)ᵀ δˡ⁺¹": args[0].T @ args[1]},
        )


DW_NO_MEAN = define(
    "dw_no_mean", N_("your dW is m = {m} times too large: BP4 averages over the batch, dW = (1/m) Δ (Aˡ⁻¹)ᵀ")
)
DB_NO_MEAN = define(
    "db_no_mean",
    N_("your db is m = {m} times too large: BP3 averages over the batch, db = (1/m) Σ over the columns of Δ"),
)
M_FROM_ROWS = define("m_from_rows", N_("m is the number of examples, the columns: delta.shape[1], not delta.shape[0]"))
DW_NOT_TRANSPOSED = define("dw_not_transposed", N_("dW = Δ (Aˡ⁻¹)ᵀ: A_prev must be transposed, delta @ A_prev.T / m"))
DW_ORDER = define(
    "dw_order", N_("dW = Δ (Aˡ⁻¹)ᵀ has shape (nₗ, nₗ₋₁): delta first, then A_prev.T, delta @ A_prev.T / m")
)
DW_TRANSPOSED = define(
    "dw_transposed",
    N_(
        "you computed the transpose of dW, A_prev @ delta.T (did you transpose the product?): dW = delta @ A_prev.T / m"
    ),
)
DB_TOTAL = define(
    "db_total",
    N_("db keeps one value per unit: sum over the columns only, axis=1, keepdims=True (you summed every entry)"),
)


def _weight_gradients(delta, A_prev, dw_mean=True, db_mean=True, m_from=None, dw_form="right", db_form="columns"):
    """BP4 and BP3 averaged over the batch, (dW, db), with switches for their typical mistakes."""
    m = delta.shape[1] if m_from is None else {"delta": delta.shape[0], "A_prev": A_prev.shape[0]}[m_from]
    dW = {
        "right": lambda: delta @ A_prev.T,
        "transposed": lambda: A_prev @ delta.T,
        "not_transposed": lambda: delta @ A_prev if delta.shape[1] == A_prev.shape[0] else None,
        "order": lambda: delta.T @ A_prev if delta.shape[0] == A_prev.shape[0] else None,
    }[dw_form]()
    db = delta.sum(axis=1, keepdims=True) if db_form == "columns" else np.sum(delta)
    if dW is None:
        return None
    return (dW / m if dw_mean else dW), (db / m if db_mean else db)


WEIGHT_GRADIENTS = Reference(
    _weight_gradients,
    {
        DW_NO_MEAN: {"dw_mean": False},
        DB_NO_MEAN: {"db_mean": False},
        M_FROM_ROWS: {"m_from": "delta"},
        "m_from_rows_a": {"m_from": "A_prev"},
        DW_TRANSPOSED: {"dw_form": "transposed"},
        DW_NOT_TRANSPOSED: {"dw_form": "not_transposed"},
        DW_ORDER: {"dw_form": "order"},
        DB_TOTAL: {"db_form": "total"},
    },
)
define("m_from_rows_a", N_("m is the number of examples, the columns: delta.shape[1], not A_prev.shape[0]"))


def _dw_near(delta, A_prev):
    """Near misses of dW alone (for a crash run again on square shapes)."""
    near = WEIGHT_GRADIENTS.near_misses(delta, A_prev, pairs=False, m=delta.shape[1])
    return [(d, v[0]) for d, v in near if v is not None]


@item("ex03_weight_gradients", 2, "weight_gradients", MINI_BATCH)
def weight_gradients(fn) -> None:
    """Check ``fn(delta, A_prev)`` = (dW, db) with dW = (1/m) δ A_prevᵀ (BP4), db = (1/m) Σ_columns δ (BP3)."""
    r = rng()

    def draw(n_l=3, n_prev=4, m=6):
        return r.normal(size=(n_l, m)), r.normal(size=(n_prev, m))

    first = None
    for args in (draw(), draw()):
        square = draw(4, 4, 4)
        got = _call(fn, args, "weight_gradients", square, _dw_near, WEIGHT_GRADIENTS, pick=lambda got: got[0])
        got = expect_tuple("weight_gradients(...)", got, 2)
        expected = WEIGHT_GRADIENTS(*args)
        if first is not None:
            probes.again(got, first, expected)
        m = args[0].shape[1]
        near = WEIGHT_GRADIENTS.near_misses(*args, m=m)
        first = expect_result("weight_gradients(...)", got, expected, ["dW", "db"], near, m=m)


NG_FORWARD = define(
    "numgrad_forward",
    N_("that is the forward difference (f(x+h) − f(x))/h; use the centered one, (f(x + h eᵢ) − f(x − h eᵢ))/2h"),
)
NG_BACKWARD = define(
    "numgrad_backward",
    N_("that is the backward difference (f(x) − f(x−h))/h; use the centered one, (f(x + h eᵢ) − f(x − h eᵢ))/2h"),
)
NG_OVER_H = define("numgrad_over_h", N_("twice the expected values: divide by 2h, not h"))
NG_SIGN = define("numgrad_sign", N_("wrong sign: (f(x + h eᵢ) − f(x − h eᵢ)) / 2h, the plus side first"))
NG_PRECEDENCE = define("numgrad_precedence", N_("… / 2 * h divides by 2 and then multiplies by h: write … / (2 * h)"))
NG_HALF_STEP = define("numgrad_half_step", N_("you moved x[i] by ± h/2: the formula moves it by ± h and divides by 2h"))
NG_ALL_AT_ONCE = define(
    "numgrad_all_at_once",
    N_("you moved every entry of x at once: perturb one entry x[i] at a time (eᵢ is 0 except at i)"),
)
NG_MINUS_FROM_PLUS = define(
    "numgrad_minus_side",
    N_("the minus side is f(x) instead of f(x − h eᵢ): after x[i] = old + h, set x[i] = old − h (subtract 2h, not h)"),
)
NG_H_UNUSED = define(
    "numgrad_h_unused",
    N_(
        "your gradient does not use the given h = {h}: it matches the exact derivative, not the centered "
        "difference with that h. Use the argument h, not a step of your own"
    ),
)
RESTORE = N_("after evaluating f(x + h eᵢ) and f(x − h eᵢ), put the old value of x[i] back")


def _differences(f, x, h, kind="centered", step=1.0):
    """Finite differences of f at x, one entry at a time (or all at once), with switches for the typical mistakes."""
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.full_like(x, h) if kind == "all" else np.zeros_like(x)
        e[i] = h if kind == "all" else h * step
        plus, minus, here = f(x + e), f(x - e), f(x)
        g[i] = {
            "centered": (plus - minus) / (2 * h * step),
            "all": (plus - minus) / (2 * h),
            "forward": (plus - here) / h,
            "backward": (here - minus) / h,
            "over_h": (plus - minus) / h,
            "sign": (minus - plus) / (2 * h),
            "minus_side": (plus - here) / (2 * h),
            "precedence": (plus - minus) / 2 * h,
        }[kind]
    return g


NUMERICAL_GRADIENT = Reference(
    _differences,
    {
        NG_FORWARD: {"kind": "forward"},
        NG_BACKWARD: {"kind": "backward"},
        NG_OVER_H: {"kind": "over_h"},
        NG_SIGN: {"kind": "sign"},
        NG_ALL_AT_ONCE: {"kind": "all"},
        NG_MINUS_FROM_PLUS: {"kind": "minus_side"},
        NG_PRECEDENCE: {"kind": "precedence"},
        NG_HALF_STEP: {"step": 0.5},
    },
)


def _f1(v):
    return float(np.sum(np.sin(v) * v**2) + np.sum(v) ** 2)


def _f2(v):
    return float(np.sum(np.exp(0.5 * v) + v**3 * np.cos(v)))


def _g1(v):
    return np.cos(v) * v**2 + 2 * v * np.sin(v) + 2 * np.sum(v)


def _g2(v):
    return 0.5 * np.exp(0.5 * v) + 3 * v**2 * np.cos(v) - v**3 * np.sin(v)


def _problems(r):
    """Two (f, exact gradient, x, h): smooth functions with a large third derivative, so the step h shows.

    The functions are module-level, so that ``bpcourse grade`` can name them to the worker.
    """
    return [(f, g, r.normal(size=(3, 2)), float(r.uniform(0.15, 0.3))) for f, g in ((_f1, _g1), (_f2, _g2))]


@item("ex03_numerical_gradient", 2, "numerical_gradient", GRADIENT_CHECKING)
def numerical_gradient(fn) -> None:
    """Check ``fn(f, x, h)`` = centered differences (f(x + h e_i) − f(x − h e_i)) / 2h for every entry of x.

    Two calls with other f, x and h; h is large enough (0.15 … 0.3) that a step of the learner's own
    (h not used) differs from the centered difference with the given h.
    """
    first = None
    for f, exact, x, h in _problems(rng()):
        got = call(fn, f, x, h, name="numerical_gradient", mutation_hint=_(RESTORE))
        label = _("your gradient")
        _one_array(label, got)
        expected = NUMERICAL_GRADIENT(f, x, h)
        if first is not None:
            probes.again(got, first, expected)
        if not close(got, expected) and close(got, exact(x), rtol=1e-4, atol=1e-6):
            raise Mistake(message(NG_H_UNUSED, h=f"{h:.3g}"), NG_H_UNUSED)
        near = NUMERICAL_GRADIENT.near_misses(f, x, h, pairs=False)
        first = expect_array(label, got, expected, near_misses=near)


q1 = multiple_choice(
    "ex03_q1",
    1,
    N_("question 1 (the shape of δˡ)"),
    "efe9ddff745e90d9",
    "abcd",
    MINI_BATCH,
    hints={
        "b": N_("(m, nₗ) is the transpose: one example per column, so Δˡ has nₗ rows (units) and m columns (examples)"),
        "c": N_("(nₗ, nₗ₋₁) is the shape of Wˡ and dWˡ; Δˡ holds one error per unit and per example"),
        "d": N_("(nₗ, 1) is the shape of bˡ and dbˡ, after the sum over the examples; Δˡ keeps one column per example"),
    },
)
q2 = numeric_answer(
    "ex03_q2",
    1,
    N_("question 2 (cost of finite differences)"),
    2000,
    rtol=1e-4,  # 1001 (forward differences) is within 1e-3 of 1000
    section=COST,
    wrong=[
        (
            1000,
            N_(
                "that is half the right value: a forgotten factor 2? The centered difference needs two evaluations "
                "per parameter, f(x + h) and f(x − h)"
            ),
        ),
        (1001, N_("that counts a forward difference, f(x) once and f(x + h) per parameter; the check is centered")),
        (2001, N_("the centered difference does not need f(x) itself: only f(x + h) and f(x − h) per parameter")),
        (2, N_("that is the count for one parameter; all 1000 partial derivatives need it each")),
    ],
)

ITEMS = {f.grade_id: f for f in (output_delta, hidden_delta, weight_gradients, numerical_gradient, q1, q2)}
