r"""Checks for exercises/ex02_steps.ipynb (chapter 2: the four steps on a 3-layer network).

The network: input (n_0) → hidden (n_1, sigmoid) → output (n_2, sigmoid), examples in columns.
Graded items: the forward pass; MSE and cross-entropy with their gradients ∂L/∂A; the backward
pass of the network with the MSE loss; a full-batch training loop; two concept questions.

Each item declares its reference in textbook form with switches for the typical mistakes
(``Reference``); the engine tries every switch, every pair, and the generic relations. Probes: a
second draw of the same shapes (a cached or hard-coded answer), another shape (a hard-coded size),
square weight matrices when the task's shapes make the code raise (W.T @ X, W2 not transposed),
and, when ``train`` fails, the learner's own ``forward``, ``mse`` and ``backward`` that it calls.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..i18n import N_, _
from . import mistakes as M
from . import probes
from .compare import as_float_array
from .core import (
    Mistake,
    Reference,
    Section,
    call,
    expect_array,
    expect_gradient,
    expect_keys,
    expect_result,
    expect_tuple,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .diagnose import close, leaf
from .mistakes import define, message

NOTEBOOK = "ex02_steps"
KEYS = ("W1", "b1", "W2", "b2")

NETWORK = Section("2", 1, N_("The network"))
REGRESSION = Section("2", 2, N_("Regression: a noisy sine"))
CLASSIFICATION = Section("2", 3, N_("Classification: cross-entropy"))
WHY_CE = Section("2", 4, N_("Why cross-entropy for classification (claim C2)"))
BP_EQUATIONS = Section("3", 2, N_("2. The four equations for one example"))

# ---- shared by the items of this chapter (candidates for the engine) ---------------------------------
TUPLE_ORDER = define("tuple_order", N_("the values are right but come back in the order {got}: return them as {order}"))
SIZE_HARD_CODED = define(
    "size_hard_coded",
    N_(
        "right when the first input has shape {first} but not when it has shape {second}: is a size hard-coded? "
        "Take every size from the arrays (m = X.shape[1]). With that shape: {detail}"
    ),
)
SQUARE_ONLY = define(
    "square_only",
    N_(
        "{name} raises an error with the task's shapes, which do not fit together in your code; on square weight "
        "matrices, where they happen to fit, it shows the cause: {mistake}"
    ),
)
LOSS_PER_EXAMPLE = define(
    "loss_per_example",
    N_("the loss holds one value per example, shape {shape}: L is one number, the mean over the m examples"),
)
LOSS_PER_UNIT = define(
    "loss_per_unit",
    N_(
        "the loss holds one value per unit (row), shape {shape}: you reduced over the examples only; sum over "
        "the units too, L is one number"
    ),
)
LOSS_ALL_ENTRIES = define(
    "loss_all_entries",
    N_(
        "you averaged over all n·m entries; sum over the units (rows) of each example, then average over the "
        "m examples (columns): divide by m only"
    ),
)
LOSS_OVER_ROWS = define(
    "loss_over_rows",
    N_(
        "you divided by n = {n}, the number of rows (units); the mean is over the m = {m} examples, "
        "the columns: divide by A.shape[1]"
    ),
)
LOSS_NO_MEAN = define(
    "loss_no_mean",
    N_("the loss is m = {m} times too large: it is the mean over the m examples (columns), so divide the sum by m"),
)
GRAD_NO_MEAN = define(
    "grad_no_mean",
    N_("the gradient is m times too large (m = {m}): L is a mean, so dA = ∂L/∂A carries its 1/m"),
)
GRAD_ALL_ENTRIES = define(
    "grad_all_entries",
    N_("the gradient is divided by all n·m entries: divide by m (the examples) only"),
)
GRAD_OVER_ROWS = define(
    "grad_over_rows",
    N_("the gradient is divided by n = {n}, the number of rows (units): divide by m = {m}, the number of examples"),
)


def _sigmoid(Z):
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _sigmoid_prime(Z):
    S = _sigmoid(Z)
    return S * (1.0 - S)


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


def _order(got: tuple, expected: tuple, names: list[str]) -> None:
    """The right values in another order (any permutation, not only one swap)."""
    n = len(expected)
    if close(got, expected):
        return
    for perm in itertools.permutations(range(n)):
        if perm != tuple(range(n)) and all(close(got[i], expected[j]) for i, j in enumerate(perm)):
            shown = "(" + ", ".join(names[j] for j in perm) + ")"
            raise Mistake(message(TUPLE_ORDER, got=shown, order="(" + ", ".join(names) + ")"), TUPLE_ORDER)


def _other_shape(fn, first_args, args, judge, name: str) -> None:
    """Inputs of other sizes: an answer right only for the task's sizes has a size written into it."""
    try:
        judge(call(fn, *args, name=name), args)
    except Mistake as exc:
        text = message(SIZE_HARD_CODED, first=np.shape(first_args[0]), second=np.shape(args[0]), detail=exc)
        raise Mistake(text, SIZE_HARD_CODED) from None


def _square_retry(fn, error: Mistake, args, judge, name: str) -> None:
    """The code raised with the task's shapes: on square matrices it may run and show the mistake."""
    if error.mistake_id != M.RAISED:
        raise error
    try:
        judge(call(fn, *args, name=name), args)
    except Mistake as found:
        if found.mistake_id not in (M.RAISED, M.DIFFERS, M.FAILS_GRADCHECK, M.NOT_FINITE, M.SHAPE):
            text = message(SQUARE_ONLY, name=name, mistake=found)
            raise Mistake(text, found.mistake_id) from None
    raise error


# ---- Task 1: forward ---------------------------------------------------------------------------------

FWD_NO_B1 = define("forward_no_b1", N_("the bias b1 is missing: Z1 = W1 @ X + b1"))
FWD_NO_B2 = define("forward_no_b2", N_("the bias b2 is missing: Z2 = W2 @ A1 + b2"))
FWD_NO_HIDDEN = define("forward_no_hidden_act", N_("A1 equals Z1: apply the activation, A1 = σ(Z1)"))
FWD_TANH = define(
    "forward_hidden_tanh",
    N_("this network uses the sigmoid in the hidden layer, A1 = σ(Z1), not tanh (the chapter's regression used tanh)"),
)
FWD_RELU = define("forward_hidden_relu", N_("this network uses the sigmoid in the hidden layer, A1 = σ(Z1), not ReLU"))
FWD_NO_OUTPUT = define("forward_no_output_act", N_("A2 equals Z2: apply the activation σ to the output layer too"))
FWD_SOFTMAX = define("forward_softmax_output", N_("the output layer here is a sigmoid, A2 = σ(Z2), not a softmax"))
FWD_FROM_Z1 = define("forward_layer2_from_z1", N_("layer 2 takes the activation A1 = σ(Z1) as its input, not Z1"))
FWD_B1_IN_LAYER2 = define("forward_b1_in_layer2", N_("layer 2 adds its own bias: Z2 = W2 @ A1 + b2, not + b1"))
FWD_FROM_X = define("forward_layer2_from_x", N_("layer 2 takes the hidden activation A1 as its input, not X"))
FWD_INPUT_ACT = define(
    "forward_sigmoid_of_input",
    N_("σ is applied to the input X: the input goes into layer 1 as it is, Z1 = W1 @ X + b1"),
)
FWD_W_T = define(
    "forward_w_transposed",
    N_("Wˡ is (nₗ, nₗ₋₁) already, so Zˡ = Wˡ @ Aˡ⁻¹ needs no transpose: W1 @ X, not W1.T @ X"),
)
FWD_NESTED = define("forward_nested", N_("return the four arrays flat, as (Z1, A1, Z2, A2), not grouped per layer"))
FWD_NAMES = ["Z1", "A1", "Z2", "A2"]


def reference_forward(
    X,
    W1,
    b1,
    W2,
    b2,
    *,
    bias1=True,
    bias2=True,
    hidden="sigmoid",
    output="sigmoid",
    layer2_input="A1",
    input_act=False,
    w_transposed=False,
):
    """(Z1, A1, Z2, A2) of the sigmoid–sigmoid network; the switches give its typical near misses."""
    f = {"sigmoid": _sigmoid, "none": lambda Z: Z, "tanh": np.tanh, "relu": lambda Z: np.maximum(Z, 0.0)}
    f["softmax"] = _softmax
    W = (lambda w: w.T) if w_transposed else (lambda w: w)
    Z1 = W(W1) @ (_sigmoid(X) if input_act else X) + (b1 if bias1 else 0.0)
    A1 = f[hidden](Z1)
    Z2 = W(W2) @ {"A1": A1, "Z1": Z1, "X": X}[layer2_input] + {True: b2, False: 0.0, "b1": b1}[bias2]
    return Z1, A1, Z2, f[output](Z2)


FORWARD = Reference(
    reference_forward,
    {
        FWD_NO_B1: {"bias1": False},
        FWD_NO_B2: {"bias2": False},
        FWD_NO_HIDDEN: {"hidden": "none"},
        FWD_TANH: {"hidden": "tanh"},
        FWD_RELU: {"hidden": "relu"},
        FWD_NO_OUTPUT: {"output": "none"},
        FWD_SOFTMAX: {"output": "softmax"},
        FWD_FROM_Z1: {"layer2_input": "Z1"},
        FWD_FROM_X: {"layer2_input": "X"},
        FWD_B1_IN_LAYER2: {"bias2": "b1"},
        FWD_INPUT_ACT: {"input_act": True},
        FWD_W_T: {"w_transposed": True},
    },
)


def _forward_problem(r, n0=3, n1=4, n2=2, m=5):
    X = r.normal(size=(n0, m))
    W1, b1 = r.normal(size=(n1, n0)), r.normal(size=(n1, 1))
    W2, b2 = r.normal(size=(n2, n1)), r.normal(size=(n2, 1))
    return X, W1, b1, W2, b2


def _judge_forward(got, args) -> None:
    if isinstance(got, (tuple, list)) and len(got) == 2 and all(isinstance(g, (tuple, list)) for g in got):
        raise Mistake(message(FWD_NESTED), FWD_NESTED)
    got = tuple(as_float_array(n, g) for n, g in zip(FWD_NAMES, expect_tuple("forward(...)", got, 4), strict=True))
    expected = FORWARD(*args)
    _order(got, expected, FWD_NAMES)
    expect_result("forward(...)", got, expected, FWD_NAMES, FORWARD.near_misses(*args))


@item("ex02_forward", 2, "forward", NETWORK)
def forward(fn) -> None:
    """Check ``fn(X, W1, b1, W2, b2)`` returns (Z1, A1, Z2, A2) of the sigmoid network, for any input."""
    r = rng()
    args = _forward_problem(r)
    try:
        got = call(fn, *args, name="forward")
    except Mistake as exc:
        _square_retry(fn, exc, _forward_problem(r, 3, 3, 3, 5), _judge_forward, "forward")
    _judge_forward(got, args)
    again = _forward_problem(r)
    probes.fresh(fn, lambda: again, FORWARD, got, "forward", _judge_forward)
    _other_shape(fn, args, _forward_problem(r, 5, 3, 4, 7), _judge_forward, "forward")


# ---- Task 2: mse -------------------------------------------------------------------------------------

MSE_NO_HALF = define("mse_no_half", N_("the loss is twice the expected value: the ½ is missing, L = (1/m) Σ ½‖a − y‖²"))
MSE_GRAD_SIGN = define("mse_grad_sign", N_("wrong sign: dA = ∂L/∂A = (A − Y)/m, not (Y − A)/m"))
MSE_GRAD_TWO = define(
    "mse_grad_two",
    N_("the gradient is twice too large: with the ½ in L, the 2 of the derivative cancels, dA = (A − Y)/m"),
)
MSE_NOT_SQUARED = define(
    "mse_not_squared", N_("the squares are missing: L = (1/m) Σ ½‖a − y‖², the squared norm (np.linalg.norm(D)**2)")
)
MSE_GRAD_PRECEDENCE = define(
    "mse_grad_precedence", N_("A − Y/m divides only Y by m: put the difference in parentheses, dA = (A − Y)/m")
)
LOSS_PRECEDENCE = define(
    "loss_precedence",
    N_("the loss is m² times too large: x / 2*m divides by 2, then multiplies by m; write x / (2*m)"),
)
DIVISORS = {"m": lambda n, m: m, "nm": lambda n, m: n * m, "n": lambda n, m: n, "1": lambda n, m: 1}
DIVISORS["times_m"] = lambda n, m: 1.0 / m


def reference_mse(A, Y, *, half=True, squared=True, loss_div="m", grad_div="m", grad_sign=1.0, grad_two=False):
    """(L, dA) with L = (1/m) Σ ½‖a − y‖² and dA = (A − Y)/m; the switches give its typical near misses."""
    n, m = A.shape
    D = A - Y
    L = (0.5 if half else 1.0) * (np.sum(D * D) if squared else np.sqrt(np.sum(D * D))) / DIVISORS[loss_div](n, m)
    if grad_div == "precedence":
        return float(L), grad_sign * (2.0 if grad_two else 1.0) * (A - Y / m)
    return float(L), grad_sign * (2.0 if grad_two else 1.0) * D / DIVISORS[grad_div](n, m)


MSE = Reference(
    reference_mse,
    {
        MSE_NO_HALF: {"half": False},
        LOSS_ALL_ENTRIES: {"loss_div": "nm"},
        LOSS_OVER_ROWS: {"loss_div": "n"},
        LOSS_NO_MEAN: {"loss_div": "1"},
        MSE_GRAD_SIGN: {"grad_sign": -1.0},
        MSE_GRAD_TWO: {"grad_two": True},
        MSE_NOT_SQUARED: {"squared": False},
        MSE_GRAD_PRECEDENCE: {"grad_div": "precedence"},
        LOSS_PRECEDENCE: {"loss_div": "times_m"},
        GRAD_ALL_ENTRIES: {"grad_div": "nm"},
        GRAD_OVER_ROWS: {"grad_div": "n"},
        GRAD_NO_MEAN: {"grad_div": "1"},
    },
)


def _loss_shape(L, n: int, m: int) -> None:
    """A loss that is still a vector: per example or per unit."""
    try:
        shape = np.shape(L) if isinstance(L, (np.ndarray, list, tuple)) else ()
    except ValueError:  # a ragged list: as_number names it
        return
    size = int(np.prod(shape)) if shape else 1
    if size > 1 and size == m and n != m:
        raise Mistake(message(LOSS_PER_EXAMPLE, shape=shape), LOSS_PER_EXAMPLE)
    if size > 1 and size == n and n != m:
        raise Mistake(message(LOSS_PER_UNIT, shape=shape), LOSS_PER_UNIT)


def _judge_loss(name: str, reference: Reference, rtol: float = 1e-6):
    def judge(got, args) -> None:
        A = args[0]
        n, m = A.shape
        got = expect_tuple(f"{name}(A, Y)", got, 2)
        _loss_shape(got[0], n, m)
        expected = reference(*args)
        near = reference.near_misses(*args, n=n, m=m)
        expect_result(f"{name}(A, Y)", got, expected, [_("the loss L"), "dA"], near, m=m, rtol=rtol)

    return judge


_judge_mse = _judge_loss("mse", MSE)


def _mse_problem(r, n=5, m=6):
    return r.uniform(size=(n, m)), r.uniform(size=(n, m))


@item("ex02_mse", 2, "mse", REGRESSION)
def mse(fn) -> None:
    """Check ``fn(A, Y)`` returns (L, dA) with L = (1/m) Σ ½‖a − y‖² and dA = (A − Y)/m."""
    r = rng()
    args = _mse_problem(r)
    got = call(fn, *args, name="mse")
    _judge_mse(got, args)
    again = _mse_problem(r)
    probes.fresh(fn, lambda: again, MSE, got, "mse", _judge_mse)
    _other_shape(fn, args, _mse_problem(r, 2, 9), _judge_mse, "mse")


# ---- Task 3: cross-entropy -----------------------------------------------------------------------------

CE_BINARY = define(
    "ce_binary",
    N_(
        "that is the binary cross-entropy, with the (1 − y) log(1 − a) terms; for one-hot columns (the categorical "
        "case) L = −(1/m) Σ y log a and dA = −Y/(m A)"
    ),
)
CE_BINARY_LOSS = define(
    "ce_binary_loss",
    N_("the loss has the binary cross-entropy's (1 − y) log(1 − a) terms; the categorical one is −(1/m) Σ y log a"),
)
CE_BINARY_GRAD = define(
    "ce_binary_grad",
    N_("dA is the binary cross-entropy's (A − Y)/(m A(1 − A)); for the categorical loss dA = −Y/(m A)"),
)
CE_GRAD_PRECEDENCE = define(
    "ce_grad_precedence", N_("−Y/m*A multiplies by A: the denominator needs parentheses, dA = −Y/(m*A)")
)
CE_DELTA = define(
    "ce_delta",
    N_("(A − Y)/m is dZ = ∂L/∂Z for softmax with cross-entropy; here we want ∂L/∂A = −Y/(m A)"),
)
CE_NO_LABELS = define(
    "ce_no_labels",
    N_("the labels Y are missing: only the true class counts, L = −(1/m) Σ y log a, dA = −Y/(m A)"),
)
CE_LOG10 = define("ce_log10", N_("the loss uses log base 10: cross-entropy takes the natural log, np.log"))
CE_LOG2 = define("ce_log2", N_("the loss uses log base 2: cross-entropy takes the natural log, np.log"))
CE_LOG0 = define(
    "ce_log0",
    N_(
        "the loss is {value} when a wrong class has probability 0: 0·log 0 gives NaN in NumPy; clip first, "
        "e.g. np.log(np.maximum(A, 1e-12)), and use the clipped A in dA too"
    ),
)
CE_GRAD_UNCLIPPED = define(
    "ce_grad_unclipped",
    N_(
        "dA holds NaN or inf where a wrong class has probability 0 (−0/0): use the clipped A in dA too, "
        "−Y/(m·np.maximum(A, 1e-12))"
    ),
)


def reference_cross_entropy(
    A, Y, *, loss="categorical", grad="categorical", loss_div="m", grad_div="m", clip=True, log=np.log
):
    """(L, dA) with L = −(1/m) Σ y log a and dA = −Y/(m A), A clipped at 1e-12; switches give the near misses."""
    n, m = A.shape
    Ac = np.maximum(A, 1e-12) if clip else A
    Ab = np.clip(A, 1e-12, 1.0 - 1e-12)
    terms = {
        "categorical": lambda: Y * log(Ac),
        "binary": lambda: Y * np.log(Ab) + (1.0 - Y) * np.log(1.0 - Ab),
        "no_labels": lambda: np.log(Ac),
    }[loss]()
    grads = {
        "categorical": lambda: -Y / Ac,
        "binary": lambda: (Ab - Y) / (Ab * (1.0 - Ab)),
        "delta": lambda: A - Y,
        "precedence": lambda: -Y * Ac,  # −Y/m*A; the /m is applied below
        "no_labels": lambda: -1.0 / Ac,
    }[grad]()
    return float(-np.sum(terms) / DIVISORS[loss_div](n, m)), grads / DIVISORS[grad_div](n, m)


CROSS_ENTROPY = Reference(
    reference_cross_entropy,
    {
        CE_BINARY: {"loss": "binary", "grad": "binary"},
        CE_BINARY_LOSS: {"loss": "binary"},
        CE_BINARY_GRAD: {"grad": "binary"},
        CE_DELTA: {"grad": "delta"},
        CE_GRAD_PRECEDENCE: {"grad": "precedence"},
        CE_NO_LABELS: {"loss": "no_labels", "grad": "no_labels"},
        CE_LOG10: {"log": np.log10},
        CE_LOG2: {"log": np.log2},
        LOSS_ALL_ENTRIES: {"loss_div": "nm"},
        LOSS_OVER_ROWS: {"loss_div": "n"},
        LOSS_NO_MEAN: {"loss_div": "1"},
        GRAD_ALL_ENTRIES: {"grad_div": "nm"},
        GRAD_OVER_ROWS: {"grad_div": "n"},
        GRAD_NO_MEAN: {"grad_div": "1"},
    },
)
_judge_ce = _judge_loss("cross_entropy", CROSS_ENTROPY, rtol=1e-5)  # np.log(A + 1e-8) is a right clip too


def _ce_problem(r, n=4, m=6, zero=False):
    Z = r.normal(size=(n, m))
    A = np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)
    Y = np.zeros((n, m))
    labels = r.integers(0, n, size=m)
    Y[labels, np.arange(m)] = 1.0
    if zero:  # a wrong class gets probability exactly 0: 0 · log 0 must count as 0, not NaN
        A[(labels + 1) % n, np.arange(m)] = 0.0
        A /= A.sum(axis=0, keepdims=True)
    return A, Y


def _judge_ce_zero(got, args) -> None:
    got = expect_tuple("cross_entropy(A, Y)", got, 2)
    value = leaf(got[0])
    if value is not None and value.size == 1 and not np.isfinite(value).all():
        raise Mistake(message(CE_LOG0, value=float(value.reshape(-1)[0])), CE_LOG0)
    dA = as_float_array("dA", got[1])
    if dA.shape == args[0].shape and not np.isfinite(dA).all():
        raise Mistake(message(CE_GRAD_UNCLIPPED), CE_GRAD_UNCLIPPED)
    _judge_ce(got, args)


@item("ex02_cross_entropy", 2, "cross_entropy", CLASSIFICATION)
def cross_entropy(fn) -> None:
    """Check ``fn(A, Y)`` returns (L, dA) with L = −(1/m) Σ y log a and dA = −Y/(m A), also where a = 0."""
    r = rng()
    args = _ce_problem(r)
    got = call(fn, *args, name="cross_entropy")
    _judge_ce(got, args)
    again = _ce_problem(r)
    probes.fresh(fn, lambda: again, CROSS_ENTROPY, got, "cross_entropy", _judge_ce)
    zero = _ce_problem(r, zero=True)
    _judge_ce_zero(call(fn, *zero, name="cross_entropy"), zero)
    _other_shape(fn, args, _ce_problem(r, 3, 8), _judge_ce, "cross_entropy")


# ---- Task 4: backward ----------------------------------------------------------------------------------

BW_OUT_PRIME_OF_A = define(
    "backward_prime_of_a2",
    N_("σ′ takes Z, not A: you computed σ′(A2) = sigmoid_prime(A2); BP1 needs σ′(Z2) = A2(1 − A2) ({see})"),
)
BW_HID_PRIME_OF_A = define(
    "backward_prime_of_a1",
    N_("σ′ takes Z, not A: you computed σ′(A1) = sigmoid_prime(A1); BP2 needs σ′(Z1) = A1(1 − A1) ({see})"),
)
BW_NO_OUT_PRIME = define(
    "backward_no_prime2", N_("missing σ′(Z2) in the output layer's dZ2 (BP1: dZ2 = (A2 − Y)/m ⊙ σ′(Z2))")
)
BW_NO_HID_PRIME = define(
    "backward_no_prime1", N_("missing σ′(Z1) in the hidden layer's dZ1 (BP2: dZ1 = W2ᵀ dZ2 ⊙ σ′(Z1))")
)
BW_OUT_PRIME_ZZ = define(
    "backward_prime2_zz",
    N_("σ′(z) = σ(z)(1 − σ(z)) = a(1 − a): you computed z(1 − z) with Z2; use A2(1 − A2) or sigmoid_prime(Z2)"),
)
BW_HID_PRIME_ZZ = define(
    "backward_prime1_zz",
    N_("σ′(z) = σ(z)(1 − σ(z)) = a(1 − a): you computed z(1 − z) with Z1; use A1(1 − A1) or sigmoid_prime(Z1)"),
)
BW_W2_NOT_T = define(
    "backward_w2_not_transposed",
    N_("W2 is not transposed: the error goes back through (W2)ᵀ, dZ1 = (W2)ᵀ dZ2 ⊙ σ′(Z1), W2.T @ dZ2"),
)
BW_D1_FROM_ERROR = define(
    "backward_delta1_from_error",
    N_(
        "dZ1 must be computed from dZ2, which already holds σ′(Z2): dZ1 = (W2)ᵀ dZ2 ⊙ σ′(Z1), "
        "not (W2)ᵀ (A2 − Y)/m ⊙ σ′(Z1) ({see})"
    ),
)
BW_DW2_FROM_Z1 = define("backward_dw2_from_z1", N_("dW2 = dZ2 (A1)ᵀ: the input of layer 2 is A1, not Z1"))
BW_KEYS_PREFIXED = define(
    "backward_keys_prefixed",
    N_("name the gradients like the parameters they belong to, 'W1', 'b1', 'W2', 'b2' (not {keys})"),
)
BW_RETURNED = define("backward_returned", N_("the returned grads: {mistake}"))
BW_ORDER = ["W2", "b2", "W1", "b1"]  # output layer first: its mistakes explain the others


def reference_backward(X, Y, W2, Z1, A1, Z2, A2, *, prime2="Z", prime1="Z", w2_t=True, delta1="delta2", input2="A1"):
    """Gradients of the mean MSE loss (with the ½) of the sigmoid–sigmoid network; switches give near misses."""
    m = X.shape[1]
    prime = {
        "Z": lambda Z, A: _sigmoid_prime(Z),
        "A": lambda Z, A: _sigmoid_prime(A),
        "none": lambda Z, A: 1.0,
        "zz": lambda Z, A: Z * (1.0 - Z),
    }
    error = (A2 - Y) / m
    dZ2 = error * prime[prime2](Z2, A2)  # BP1
    dZ1 = ((W2.T if w2_t else W2) @ (dZ2 if delta1 == "delta2" else error)) * prime[prime1](Z1, A1)  # BP2
    db1, db2 = dZ1.sum(axis=1, keepdims=True), dZ2.sum(axis=1, keepdims=True)  # BP3
    return {"W1": dZ1 @ X.T, "b1": db1, "W2": dZ2 @ {"A1": A1, "Z1": Z1}[input2].T, "b2": db2}  # BP4


BACKWARD = Reference(
    reference_backward,
    {
        BW_OUT_PRIME_OF_A: {"prime2": "A"},
        BW_NO_OUT_PRIME: {"prime2": "none"},
        BW_OUT_PRIME_ZZ: {"prime2": "zz"},
        BW_HID_PRIME_OF_A: {"prime1": "A"},
        BW_NO_HID_PRIME: {"prime1": "none"},
        BW_HID_PRIME_ZZ: {"prime1": "zz"},
        BW_W2_NOT_T: {"w2_t": False},
        BW_D1_FROM_ERROR: {"delta1": "error"},
        BW_DW2_FROM_Z1: {"input2": "Z1"},
    },
    {"see": ""},
)


class _Problem(tuple):
    """The arguments of one call, with the network's parameters beside them (for the gradient check)."""

    params: dict


def _backward_problem(r, n0=3, n1=4, n2=2, m=5):
    X, W1, b1, W2, b2 = _forward_problem(r, n0, n1, n2, m)
    Y = r.uniform(size=(n2, m))
    problem = _Problem((X, Y, W2, *reference_forward(X, W1, b1, W2, b2)))
    problem.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    return problem


def _judge_backward(got, args) -> None:
    X, Y = args[0], args[1]
    if isinstance(got, dict) and {str(k) for k in got} == {"d" + k for k in KEYS}:
        raise Mistake(message(BW_KEYS_PREFIXED, keys=", ".join(repr(k) for k in got)), BW_KEYS_PREFIXED)
    got = expect_keys(_("the returned grads"), got, KEYS)
    expected = BACKWARD(*args)
    see = _("ch. {chapter} §{number} derives it").format(chapter=BP_EQUATIONS.chapter, number=BP_EQUATIONS.number)
    near = [(d, v) for d, v in BACKWARD.near_misses(*args, see=see) if v is not None]
    for diagnosis, value in near:
        if close(got, value):
            raise Mistake(message(BW_RETURNED, mistake=diagnosis.text), diagnosis.id)

    def loss(name):
        def f(theta):
            return reference_mse(reference_forward(X, **dict(args.params, **{name: theta}))[3], Y)[0]

        return f

    for k in BW_ORDER:
        parts = [(d, v[k]) for d, v in near]
        expect_gradient(f"d{k}", got[k], expected[k], loss(k), args.params[k], m=X.shape[1], near_misses=parts)


@item("ex02_backward", 3, "backward", REGRESSION)
def backward(fn) -> None:
    """Check ``fn(X, Y, W2, Z1, A1, Z2, A2)`` returns the gradients of the mean MSE loss (with ½)."""
    r = rng()
    args = _backward_problem(r)
    try:
        got = call(fn, *args, name="backward")
    except Mistake as exc:
        _square_retry(fn, exc, _backward_problem(r, 3, 3, 3, 5), _judge_backward, "backward")
    _judge_backward(got, args)
    again = _backward_problem(r)
    probes.fresh(fn, lambda: again, BACKWARD, got, "backward", _judge_backward)
    _other_shape(fn, args, _backward_problem(r, 5, 3, 2, 7), _judge_backward, "backward")


# ---- Task 5: train -------------------------------------------------------------------------------------

LOOP_PLUS = define("loop_plus", N_("the loss goes up: step against the gradient, θ − α·g"))
LOOP_NO_LR = define("loop_no_lr", N_("the learning rate is ignored: θ − α·g"))
LOOP_NO_B = define("loop_no_bias_update", N_("the biases are never updated: update b1 and b2 too"))
LOOP_AFTER = define(
    "loop_loss_after_update",
    N_("losses[0] must be the loss before the first update: record each loss before its update, not after"),
)
LOOP_STALE_W2 = define(
    "loop_stale_w2",
    N_("backward gets the initial W2 in every epoch: pass the current, updated W2 (the one forward used)"),
)
LOOP_INITIAL = define(
    "loop_initial_params",
    N_("the returned params are the initial ones: return the updated parameters, not the dict you were given"),
)
LOOP_CONSTANT = define("loop_constant", N_("your losses never change: does the loop update the parameters it uses?"))
LOOP_LENGTH = define("loop_length", N_("losses should hold one loss per epoch, {epochs} values; got {got}"))
LOOP_HELPER = define(
    "loop_helper",
    N_("train calls your {helper}, which fails its own check: {detail}. Fix {helper} first; train gave: {mistake}"),
)
LOOP_COPY = N_("start from copies of the arrays (p.copy() for each one) and update those, or build new arrays")


def reference_train(
    X,
    Y,
    params,
    lr,
    epochs,
    *,
    sign=-1.0,
    use_lr=True,
    update_b=True,
    record="before",
    stale_w2=False,
    initial=False,
    forward=reference_forward,
    mse=reference_mse,
    backward=reference_backward,
):
    """(params, losses) of full-batch gradient descent on the MSE; losses[i] is the loss before update i.

    ``forward``, ``mse`` and ``backward`` may be the learner's own (``probes.blame_earlier``).
    """
    p = {k: v.copy() for k, v in params.items()}
    trace = []
    for _epoch in range(epochs):
        cache = tuple(forward(X, p["W1"], p["b1"], p["W2"], p["b2"]))
        if record == "before":
            trace.append(float(mse(cache[3], Y)[0]))
        g = backward(X, Y, params["W2"] if stale_w2 else p["W2"], *cache)
        step = lr if use_lr else 1.0
        p = {k: p[k] + sign * step * g[k] if (update_b or k[0] == "W") else p[k] for k in p}
        if record == "after":
            trace.append(float(mse(tuple(forward(X, p["W1"], p["b1"], p["W2"], p["b2"]))[3], Y)[0]))
    return (params if initial else p), np.array(trace)


TRAIN = Reference(
    reference_train,
    {
        LOOP_PLUS: {"sign": 1.0},
        LOOP_NO_LR: {"use_lr": False},
        LOOP_NO_B: {"update_b": False},
        LOOP_AFTER: {"record": "after"},
        LOOP_STALE_W2: {"stale_w2": True},
        LOOP_INITIAL: {"initial": True},
    },
)


def _train_problem(r, lr, epochs):
    X, W1, b1, W2, b2 = _forward_problem(r, 2, 3, 1, 8)
    return X, r.uniform(size=(1, 8)), {"W1": W1, "b1": b1, "W2": W2, "b2": b2}, lr, epochs


def _losses(got, epochs: int) -> np.ndarray:
    trace = as_float_array("losses", got)
    if trace.size == epochs and trace.ndim >= 1 and max(trace.shape) == epochs:
        return trace.reshape(-1)  # (epochs,), or (epochs, 1) from losses kept as 1×1 arrays
    shown = _("{n} values").format(n=trace.size) if trace.ndim == 1 else _("shape {shape}").format(shape=trace.shape)
    raise Mistake(message(LOOP_LENGTH, epochs=epochs, got=shown), LOOP_LENGTH)


def _judge_train(got, args, fn=None) -> None:
    X, Y, p, lr, epochs = args
    got = expect_tuple("train(...)", got, 2)
    if isinstance(got[1], dict) and not isinstance(got[0], dict):
        text = M.message(M.SWAPPED, a="params", b="losses", order="(params, losses)")
        raise Mistake(text, M.SWAPPED)
    new = expect_keys(_("the returned params"), got[0], KEYS)
    trace = _losses(got[1], epochs)
    ref_params, ref_losses = TRAIN(*args)
    near = list(TRAIN.near_misses(*args))
    for diagnosis, value in near:
        if close((new, trace), value):
            raise Mistake(diagnosis.text, diagnosis.id)
    if fn is not None and not close((new, trace), (ref_params, ref_losses)):
        for helper in ("forward", "mse", "backward"):  # right on top of the learner's own wrong helper?
            redo = lambda f, helper=helper: TRAIN(*args, **{helper: f})  # noqa: E731
            probes.blame_earlier(fn, helper, redo, (new, trace), "train(...)")
    if np.allclose(trace, trace[0]):
        raise Mistake(message(LOOP_CONSTANT), LOOP_CONSTANT)
    expect_array("losses", trace, ref_losses, near_misses=[(d, v[1]) for d, v in near])
    for k in KEYS:
        expect_array(
            _("the final {name}").format(name=k), new[k], ref_params[k], near_misses=[(d, v[0][k]) for d, v in near]
        )
    probes.new_object(_("the returned params"), got[0], p)


def _helper_failure(fn) -> tuple[str, Mistake] | None:
    """The first of the learner's forward, mse and backward (next to ``fn``) that fails its own check."""
    space, code = getattr(fn, "__globals__", None), getattr(fn, "__code__", None)
    if not isinstance(space, dict) or code is None:
        return None
    ours = {reference_forward, reference_backward, reference_mse}
    r = rng()
    for name, problem, judge in (
        ("forward", lambda: _forward_problem(r), _judge_forward),
        ("mse", lambda: _mse_problem(r), _judge_mse),
        ("backward", lambda: _backward_problem(r), _judge_backward),
    ):
        helper = space.get(name)
        if (
            name not in code.co_names
            or not callable(helper)
            or helper in ours
            or str(getattr(helper, "__module__", "") or "").startswith("bpcourse")
        ):
            continue
        args = problem()
        try:
            judge(call(helper, *args, name=name), args)
        except Mistake as exc:
            return name, exc
        except Exception:  # a stub (NotImplementedYet), or a helper our judge cannot run: not this note's business
            continue
    return None


@item("ex02_train", 3, "train", REGRESSION)
def train(fn) -> None:
    """Check ``fn(X, Y, params, lr, epochs)`` returns (params, losses) of full-batch gradient descent.

    losses[i] is the loss before update i, so losses[0] is the loss of the initial parameters.
    """
    r = rng()
    lr, epochs = float(r.uniform(1.2, 2.5)), int(r.integers(8, 15))
    args = _train_problem(r, lr, epochs)
    try:
        got = call(fn, *args, name="train", mutation_hint=_(LOOP_COPY))
        _judge_train(got, args, fn)
        again = _train_problem(r, lr, epochs)
        probes.fresh(fn, lambda: again, TRAIN, got, "train", _judge_train)
    except Mistake as exc:
        broken = None if exc.mistake_id == M.EARLIER else _helper_failure(fn)
        if broken is None:
            raise
        text = message(LOOP_HELPER, mistake=exc, helper=broken[0], detail=broken[1])
        raise Mistake(text, f"{exc.mistake_id}+{LOOP_HELPER}") from None


# ---- concept questions ---------------------------------------------------------------------------------

q1 = multiple_choice(
    "ex02_q1",
    1,
    N_("question 1 (which loss for classification)"),
    "9b2b75add8cf0fba",
    "abcd",
    WHY_CE,
    hints={
        "a": N_(
            "with a sigmoid or softmax output, MSE's δ carries the factor ŷ(1 − ŷ), which vanishes when the output "
            "saturates: a confidently wrong network barely learns"
        ),
        "b": N_(
            "the absolute error has MSE's problem at a saturated output, and its gradient is ±1 whatever the size "
            "of the miss"
        ),
        "d": N_(
            "the accuracy is a step function of the weights: its gradient is zero almost everywhere, so gradient "
            "descent gets no signal from it"
        ),
    },
)
q2 = numeric_answer(
    "ex02_q2",
    1,
    N_("question 2 (number of parameters)"),
    43,
    section=NETWORK,
    wrong=[
        (35, N_("you counted only the weights (4·5 + 5·3): every unit after the input has a bias too")),
        (47, N_("the input layer has no biases: only the 5 hidden and the 3 output units have one")),
        (60, N_("the product of the widths is not a count: add each layer's weights nₗ·nₗ₋₁ and biases nₗ")),
        (12, N_("that is the number of units; count each layer's weights (nₗ·nₗ₋₁) and biases (nₗ)")),
        (38, N_("one layer's biases are missing: the 5 hidden and the 3 output units each have one")),
        (40, N_("one layer's biases are missing: the 5 hidden and the 3 output units each have one")),
        (44, N_("a bias vector has one entry per unit of its own layer (nₗ), not of the layer below")),
        (8, N_("that counts only the biases; add the weights nₗ·nₗ₋₁ of each layer")),
    ],
)

ITEMS = {f.grade_id: f for f in (forward, mse, cross_entropy, backward, train, q1, q2)}
