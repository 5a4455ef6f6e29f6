r"""Checks for exercises/ex06_capstone.ipynb (chapter 6: handwritten digits end to end).

Graded items: one-hot labels Y (n_classes, m); predicted labels from A^L (argmax per column);
accuracy; the confusion matrix; a training function whose network must classify held-out digits
(a random split each run, never seen by the learner's code); two concept questions.

Each item declares its reference in textbook form with switches for the typical mistakes
(``Reference``); the engine tries every switch, every pair, and the generic relations. The probes:
a second draw of the same shape (a cached answer), labels that never reach the top class (a size
taken from y.max() + 1 instead of n_classes), another length (a hard-coded m), and the dtypes the
tasks state (numbers 0/1 in Y, integer labels).
"""

from __future__ import annotations

import numpy as np

from .. import datasets
from ..i18n import N_, _
from . import mistakes as M
from .core import (
    Mistake,
    Reference,
    Section,
    as_float_array,
    as_number,
    call,
    expect_array,
    expect_number,
    given,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)
from .diagnose import close
from .mistakes import define, message

NOTEBOOK = "ex06_capstone"
TARGET = 0.93  # on a random quarter of the digits: the chapter's recipe averages 98 %, its worst of 36 splits 95 %
TRAIN_LIMIT = 90.0  # seconds allowed for the learner's training

DATA = Section("6", 1, N_("1. The data"))
NETWORK = Section("6", 2, N_("2. The network and why it looks like this"))
TRAINING = Section("6", 3, N_("3. Training"))
TEST = Section("6", 4, N_("4. The test"))
WRONG = Section("6", 5, N_("5. Where it goes wrong"))

SIZED_FROM_LABELS = define(
    "sized_from_labels",
    N_(
        "the size comes from the labels (y.max() + 1 = {n} classes), but the labels need not include the top "
        "class: size it from n_classes = {k}"
    ),
)
ONE_HOT_ROWS = define(
    "one_hot_rows",
    N_(
        "Y has one row per example: did you transpose? np.eye(n_classes)[y] picks rows; Y needs one column per "
        "example, np.eye(n_classes)[:, y] (or .T)"
    ),
)
ONE_HOT_RESHAPED = define("one_hot_reshaped", N_("reshape does not transpose: use np.eye(n_classes)[y].T"))
ONE_HOT_COMPLEMENT = define("one_hot_complement", N_("the 1 marks the true class; every other entry is 0"))
ONE_HOT_ROWS_FILLED = define(
    "one_hot_rows_filled",
    N_(
        "each column of Y holds exactly one 1, in row y_i: Y[y, :] = 1 fills whole rows; index the columns too, "
        "Y[y, np.arange(m)] = 1"
    ),
)
ONE_HOT_NUMBERS = N_("the numbers 1 and 0 (a float or int array), not True/False: add .astype(float)")
LABELS_ARGMIN = define(
    "labels_argmin",
    N_("that is the class with the smallest probability (argmin): predict the most probable class, argmax"),
)
LABELS_PROBABILITY = define(
    "labels_probability", N_("return the index of the largest probability (argmax), not the probability")
)
LABELS_AXIS = define("labels_axis", N_("you took the argmax over axis 1 (the examples); one label per column: axis=0"))
LABELS_START = define("labels_start", N_("labels start at 0: class k is row k of Aᴸ, so do not add 1"))
LABELS_ONE_HOT = define(
    "labels_one_hot", N_("return the class index of every column, shape (m,), not a one-hot matrix")
)
INTEGER_LABELS = N_("integers (class indices, as argmax gives them); do not convert them to float")
ACC_PERCENT = define("accuracy_percent", N_("return a fraction in [0, 1], not a percentage"))
ACC_ERROR_RATE = define("accuracy_error_rate", N_("that is the error rate, the fraction of wrong labels"))
ACC_INT_DIVISION = define(
    "accuracy_int_division",
    N_("the fraction was rounded down to a whole number: integer division (//) or int(…)? Divide with /"),
)
ACC_COUNT = define(
    "accuracy_count",
    N_("that is the number of right labels, m = {m} times too large: divide by the number of examples"),
)
ACC_M_MINUS_ONE = define(
    "accuracy_m_minus_one",
    N_("you compared only m − 1 examples (range(len(y) − 1)?): compare all m = {m} of them"),
)
ACC_ROUNDED = define(
    "accuracy_rounded", N_("your accuracy is rounded: return the exact fraction (round only when you print it)")
)
ACC_BROADCAST = define(
    "accuracy_broadcast",
    N_(
        "you compared every prediction with every label (an (m, m) broadcast): compare them element by element, "
        "two arrays of shape (m,)"
    ),
)
ACC_RANGE = define(
    "accuracy_range", N_("{label} is {value}, expected {expected}: an accuracy is a fraction between 0 and 1")
)
ACC_HARD_CODED_M = define(
    "accuracy_hard_coded_m", N_("you divide by {m} whatever the length of the labels: divide by len(y_true)")
)
C_TRANSPOSED = define(
    "confusion_transposed", N_("rows are the true classes and columns the predictions: C[true, predicted]")
)
C_ROWS = define("confusion_rows", N_("return counts, not fractions per row"))
C_COLS = define("confusion_cols", N_("return counts, not fractions per column"))
C_ALL = define("confusion_all", N_("return counts, not fractions of all examples"))
C_DIAGONAL = define("confusion_diagonal", N_("count the mistakes too: every (true, predicted) pair adds 1"))
C_FANCY = define(
    "confusion_fancy_indexing",
    N_(
        "each (true, predicted) pair is counted at most once, so repeated pairs are lost: with index arrays, "
        "C[y_true, y_pred] += 1 adds 1 once per distinct pair (and = 1 only sets it); use "
        "np.add.at(C, (y_true, y_pred), 1) or a loop over the pairs with C[t, p] += 1"
    ),
)
C_SHIFTED = define(
    "confusion_shifted",
    N_(
        "every count sits one cell off: labels start at 0, so true class i predicted as j goes to C[i, j], "
        "not C[i − 1, j − 1]"
    ),
)
TRAIN_NONE = define("train_none", N_("train_digits returned None: return the trained network"))
TRAIN_NO_PREDICT = define("train_no_predict", N_("return the trained bp.MLP (something with .predict); got {what}"))
TRAIN_TUPLE = define(
    "train_tuple", N_("train_digits returned a {what} with the network inside: return the network alone")
)
TRAIN_HISTORY = define(
    "train_history",
    N_("that is the history bp.train returns (losses per epoch); return the network you passed to bp.train"),
)
TRAIN_PREDICT_SHAPE = define(
    "train_predict_shape",
    N_("net.predict(X_test) should give one label per column, shape {expected}; got {got}"),
)
TRAIN_TOO_LOW = define(
    "train_too_low",
    N_(
        "your network classifies {acc} of unseen digits correctly; it needs {target}. "
        "Is it trained long enough? Try ReLU with He initialization and Adam, as in the chapter"
    ),
)


def _kind(got) -> str:
    """The dtype kind of an array or list that already passed ``as_float_array`` ('b', 'i', 'f'...)."""
    if isinstance(got, np.ndarray):
        return got.dtype.kind
    try:
        return np.asarray(got).dtype.kind
    except (TypeError, ValueError):
        return "O"


def _again(label, got, expected, first, near_misses=()):
    """A later call's answer: right, a near miss of these inputs, the first call's answer again (cached), or else."""
    arr = as_float_array(label, got)
    if close(arr, np.asarray(expected, dtype=np.float64)):
        return arr
    near = list(near_misses)
    for diagnosis, wrong in near:
        if close(arr, wrong):
            raise Mistake(_("{label}: {mistake}").format(label=label, mistake=diagnosis.text), diagnosis.id)
    if close(arr, first):
        raise Mistake(message(M.CACHED), M.CACHED)
    return expect_array(label, arr, expected, near_misses=near)


# ---- one-hot labels -------------------------------------------------------------------------------------


def _one_hot(y, k, size="n_classes", layout="columns", complement=False, fill_rows=False):
    """Y[k, i] = 1 where y_i = k: the columns of the identity matrix picked by the labels."""
    n = k if size == "n_classes" else int(np.max(y)) + 1
    E = np.eye(n)
    if fill_rows:
        Y = np.zeros((n, len(y)))
        Y[y, :] = 1.0
    else:
        Y = {"columns": lambda: E[:, y], "rows": lambda: E[y], "reshape": lambda: E[y].reshape(n, -1)}[layout]()
    return 1.0 - Y if complement else Y


ONE_HOT = Reference(
    _one_hot,
    {
        ONE_HOT_ROWS: {"layout": "rows"},
        ONE_HOT_RESHAPED: {"layout": "reshape"},
        ONE_HOT_COMPLEMENT: {"complement": True},
        ONE_HOT_ROWS_FILLED: {"fill_rows": True},
        SIZED_FROM_LABELS: {"size": "max"},
    },
)


def _labels(r, m=12, k=5, classes=None):
    """m labels in 0 … k − 1 in which each of ``classes`` (default: all k) appears."""
    classes = k if classes is None else classes
    y = r.integers(0, classes, size=m)
    y[:classes] = r.permutation(classes)
    return r.permutation(y)


@item("ex06_one_hot", 1, "one_hot", DATA)
def one_hot(fn) -> None:
    """Check ``fn(y, n_classes)`` = Y (n_classes, m) of numbers 0/1, also on a fresh draw and without the top class."""
    r, k = rng(), 5
    y = _labels(r, k=k)
    got = call(fn, y, k, name="one_hot")
    first = expect_array("Y", got, ONE_HOT(y, k), near_misses=ONE_HOT.near_misses(y, k, n=k, k=k))
    if _kind(got) == "b":
        raise Mistake(message(M.WRONG_DTYPE, label="Y", got="bool", expected=_(ONE_HOT_NUMBERS)), M.WRONG_DTYPE)
    y = _labels(r, k=k)
    _again("Y", call(fn, y, k, name="one_hot"), ONE_HOT(y, k), first, ONE_HOT.near_misses(y, k, n=k, k=k))
    y = _labels(r, k=k, classes=k - 1)  # the top class never occurs
    label = _("Y for labels that never reach class {top}").format(top=k - 1)
    near = ONE_HOT.near_misses(y, k, n=k - 1, k=k)
    _again(label, call(fn, y, k, name="one_hot"), ONE_HOT(y, k), first, near)


# ---- predicted labels -----------------------------------------------------------------------------------


def _predict(A, pick="argmax", axis=0, start=0):
    """The most probable class of every column of A^L."""
    return {"argmax": np.argmax, "argmin": np.argmin, "max": np.max}[pick](A, axis=axis) + start


PREDICT = Reference(
    _predict,
    {
        LABELS_ARGMIN: {"pick": "argmin"},
        LABELS_PROBABILITY: {"pick": "max"},
        LABELS_AXIS: {"axis": 1},
        LABELS_START: {"start": 1},
    },
)


def _probabilities(r, k=4, m=9):
    return r.dirichlet(np.ones(k), size=m).T  # (k classes, m examples), columns sum to 1


@item("ex06_predict_labels", 1, "predict_labels", TEST)
def predict_labels(fn) -> None:
    """Check ``fn(A)`` = the index of the largest probability of each column: integers, shape (m,)."""
    r = rng()
    A = _probabilities(r)
    got, label = call(fn, A, name="predict_labels"), _("your labels")
    near = list(PREDICT.near_misses(A)) + given([(LABELS_ONE_HOT, np.eye(4)[:, A.argmax(axis=0)])])
    first = expect_array(label, got, PREDICT(A), near_misses=near)
    if _kind(got) not in "iu":
        got_dtype = got.dtype if isinstance(got, np.ndarray) else np.asarray(got).dtype
        raise Mistake(message(M.WRONG_DTYPE, label=label, got=got_dtype, expected=_(INTEGER_LABELS)), M.WRONG_DTYPE)
    A = _probabilities(r)
    _again(label, call(fn, A, name="predict_labels"), PREDICT(A), first, PREDICT.near_misses(A))


# ---- accuracy -------------------------------------------------------------------------------------------


def _accuracy(y_pred, y_true, scale=1.0, complement=False, rounding=None, divide=True, over="m", broadcast=False):
    """The fraction of equal labels: (number of i with y_pred_i = y_true_i) / m."""
    m = len(y_true)
    right = y_pred[:, None] == y_true[None, :] if broadcast else y_pred == y_true
    right = ~right if complement else right
    value = float(np.sum(right if over == "m" else right[: m - 1]))
    if divide:
        value /= {"m": right.size, "m-1": m, "mean m-1": m - 1}[over]
    value *= scale
    return {None: value, "floor": np.floor(value), "1": round(value, 1), "2": round(value, 2)}[rounding]


ACCURACY = Reference(
    _accuracy,
    {
        ACC_PERCENT: {"scale": 100.0},
        ACC_ERROR_RATE: {"complement": True},
        ACC_INT_DIVISION: {"rounding": "floor"},
        ACC_ROUNDED: {"rounding": "1"},
        ACC_COUNT: {"divide": False},
        ACC_M_MINUS_ONE: {"over": "m-1"},
        ACC_BROADCAST: {"broadcast": True},
    },
)


def _accuracy_near(y_pred, y_true, pairs=True):
    """The family of near misses, and the two that share a message with a switch above."""
    m = len(y_true)
    extra = [
        (ACC_ROUNDED, _accuracy(y_pred, y_true, rounding="2")),
        (ACC_M_MINUS_ONE, _accuracy(y_pred, y_true, over="mean m-1")),
    ]
    return list(ACCURACY.near_misses(y_pred, y_true, m=m, pairs=pairs)) + given(extra, m=m)


def _predictions(r, m, also=lambda y_pred, y_true: ()):
    """Labels (y_pred, y_true) of m examples whose accuracy, near misses and ``also`` values all differ.

    One number cannot tell two mistakes apart when they give the same value (a count over m − 1 when the
    last example is wrong, a rounding that happens to be exact), so the draw is repeated until they differ.
    """
    for _attempt in range(200):
        y_true = r.integers(0, 10, size=m)
        wrong = r.permutation(m)[: int(r.integers(3, 3 * m // 4))]
        y_pred = y_true.copy()
        y_pred[wrong] = (y_true[wrong] + r.integers(1, 10, size=len(wrong))) % 10
        values = np.sort([_accuracy(y_pred, y_true), *(v for _d, v in _accuracy_near(y_pred, y_true, False))])
        values = np.sort(np.r_[values, list(also(y_pred, y_true))])
        if np.all(np.diff(values) > 1e-3 * np.maximum(1.0, np.abs(values[1:]))):
            break
    return y_pred, y_true


def _expect_accuracy(label, got, expected, near, m, first=None) -> float:
    """The learner's accuracy against the reference: a listed near miss, a cached answer, out of [0, 1], or else.

    (Unlike ``expect_number``, a near miss is not combined with element-wise relations: for one number,
    a square root or a square of some near miss is a coincidence, not a diagnosis.)
    """
    value = as_number(label, got)
    if np.isclose(value, expected, rtol=1e-6, atol=1e-9):
        return value
    for diagnosis, wrong in near:
        if close(value, wrong):
            raise Mistake(_("{label}: {mistake}").format(label=label, mistake=diagnosis.text), diagnosis.id)
    if first is not None and np.isclose(value, first, rtol=1e-9, atol=1e-12):
        raise Mistake(message(M.CACHED), M.CACHED)
    if not 0.0 <= value <= 1.0:
        raise Mistake(message(ACC_RANGE, label=label, value=f"{value:.6g}", expected=f"{expected:.6g}"), ACC_RANGE)
    return expect_number(label, value, expected, m=m)


@item("ex06_accuracy", 1, "accuracy", TEST)
def accuracy(fn) -> None:
    """Check ``fn(y_pred, y_true)`` = the fraction of equal labels in [0, 1], on a fresh draw and on another length."""
    r, m, label = rng(), 40, _("your accuracy")
    y_pred, y_true = _predictions(r, m)
    got = call(fn, y_pred, y_true, name="accuracy")
    first = _expect_accuracy(label, got, ACCURACY(y_pred, y_true), _accuracy_near(y_pred, y_true), m)
    y_pred, y_true = _predictions(r, m, also=lambda p, t: [first])  # same length, another accuracy
    got = call(fn, y_pred, y_true, name="accuracy")
    _expect_accuracy(label, got, ACCURACY(y_pred, y_true), _accuracy_near(y_pred, y_true), m, first)
    m2 = int(r.integers(15, 30))  # another length: a hard-coded m shows

    def hard_coded(p, t):
        return [np.sum(p == t) / m]

    y_pred, y_true = _predictions(r, m2, also=hard_coded)
    near = given([(ACC_HARD_CODED_M, hard_coded(y_pred, y_true)[0])], m=m) + _accuracy_near(y_pred, y_true)
    label = _("your accuracy on {m} other examples").format(m=m2)
    _expect_accuracy(label, call(fn, y_pred, y_true, name="accuracy"), ACCURACY(y_pred, y_true), near, m2)


# ---- confusion matrix -----------------------------------------------------------------------------------


def _confusion(
    y_true, y_pred, k, size="n_classes", transposed=False, normalize=None, fancy=False, diagonal=False, shift=0
):
    """C[i, j] = the number of examples of true class i predicted as j."""
    n = k if size == "n_classes" else max(int(np.max(y_true)), int(np.max(y_pred))) + 1
    rows, cols = (y_pred, y_true) if transposed else (y_true, y_pred)
    rows, cols = (rows - shift) % n, (cols - shift) % n
    C = np.zeros((n, n))
    if fancy:
        C[rows, cols] += 1
    else:
        np.add.at(C, (rows, cols), 1)
    if diagonal:
        C = np.diag(np.diag(C))
    totals = {None: 1.0, "rows": C.sum(axis=1, keepdims=True), "cols": C.sum(axis=0, keepdims=True), "all": C.sum()}
    return C / totals[normalize]


CONFUSION = Reference(
    _confusion,
    {
        C_TRANSPOSED: {"transposed": True},
        C_ROWS: {"normalize": "rows"},
        C_COLS: {"normalize": "cols"},
        C_ALL: {"normalize": "all"},
        C_DIAGONAL: {"diagonal": True},
        C_FANCY: {"fancy": True},
        C_SHIFTED: {"shift": 1},
        SIZED_FROM_LABELS: {"size": "max"},
    },
)


def _pairs(r, k=4, m=30, classes=None):
    """(y_true, y_pred): every class of ``classes`` (default k) occurs as a true label; pairs repeat."""
    classes = k if classes is None else classes
    y_true = _labels(r, m, k, classes)
    y_pred = np.where(r.random(m) < 0.6, y_true, r.integers(0, classes, size=m))
    return y_true, y_pred


@item("ex06_confusion", 2, "confusion_matrix", WRONG)
def confusion_matrix(fn) -> None:
    """Check ``fn(y_true, y_pred, n_classes)`` = C with C[i, j] = #(true i, predicted j), also without the top class."""
    r, k = rng(), 4
    y_true, y_pred = _pairs(r, k)
    got = call(fn, y_true, y_pred, k, name="confusion_matrix")
    near = CONFUSION.near_misses(y_true, y_pred, k, n=k, k=k)
    first = expect_array("C", got, CONFUSION(y_true, y_pred, k), near_misses=near)
    y_true, y_pred = _pairs(r, k)
    got = call(fn, y_true, y_pred, k, name="confusion_matrix")
    _again("C", got, CONFUSION(y_true, y_pred, k), first, CONFUSION.near_misses(y_true, y_pred, k, n=k, k=k))
    y_true, y_pred = _pairs(r, k, classes=k - 1)  # neither the labels nor the predictions reach the top class
    label = _("C for labels that never reach class {top}").format(top=k - 1)
    near = CONFUSION.near_misses(y_true, y_pred, k, n=k - 1, k=k)
    got = call(fn, y_true, y_pred, k, name="confusion_matrix")
    _again(label, got, CONFUSION(y_true, y_pred, k), first, near)


# ---- training -------------------------------------------------------------------------------------------


@item("ex06_train_digits", 3, "train_digits", NETWORK)
def train_digits(fn) -> None:
    """Check ``fn(X_train, Y_train)`` returns a trained network that classifies held-out digits.

    The digits are split at random each run; the network must reach TARGET accuracy on the
    quarter it never saw.
    """
    from ..train import History

    X, y = datasets.load_digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=int(rng().integers(1000)))
    net = call(fn, X_train, datasets.one_hot(y_train, 10), name="train_digits", limit=TRAIN_LIMIT)
    if net is None:
        raise Mistake(message(TRAIN_NONE), TRAIN_NONE)
    if isinstance(net, History):
        raise Mistake(message(TRAIN_HISTORY), TRAIN_HISTORY)
    if isinstance(net, (tuple, list)) and any(hasattr(x, "predict") for x in net):
        raise Mistake(message(TRAIN_TUPLE, what=type(net).__name__), TRAIN_TUPLE)
    if not hasattr(net, "predict"):
        raise Mistake(message(TRAIN_NO_PREDICT, what=type(net).__name__), TRAIN_NO_PREDICT)
    pred = as_float_array("net.predict(X_test)", call(net.predict, X_test, name="net.predict"))
    if pred.shape != y_test.shape:
        raise Mistake(message(TRAIN_PREDICT_SHAPE, expected=y_test.shape, got=pred.shape), TRAIN_PREDICT_SHAPE)
    acc = float(np.mean(pred == y_test))
    if acc < TARGET:
        raise Mistake(message(TRAIN_TOO_LOW, acc=f"{acc:.1%}", target=f"{TARGET:.0%}"), TRAIN_TOO_LOW)


# ---- concept questions ----------------------------------------------------------------------------------

q1 = multiple_choice(
    "ex06_q1",
    1,
    N_("question 1 (why a test set)"),
    "e1c94c3423c4f133",
    "abcd",
    DATA,
    hints={
        "a": N_(
            "it is not about speed: the test digits are kept out of training so that their accuracy estimates how "
            "the network does on digits it has never seen"
        ),
        "c": N_(
            "the split is random, so the test digits are no harder than the others; what sets them apart is that the "
            "network never trained on them"
        ),
        "d": N_(
            "backpropagation needs only the training data; the test set is kept apart to measure the accuracy on "
            "digits the network has never seen"
        ),
    },
)
ONE_LAYER_BIASES = N_("the biases of one layer are missing: each layer after the input has nₗ of them")
q2 = numeric_answer(
    "ex06_q2",
    1,
    N_("question 2 (parameters of the capstone network)"),
    17226,
    rtol=1e-6,
    section=NETWORK,
    wrong=[
        (17024, N_("that counts the weights only: add the biases, one per unit of each layer, 128 + 64 + 10 of them")),
        (202, N_("that counts the biases only: add the weights, nₗ × nₗ₋₁ per layer")),
        (266, N_("that is the number of units; count the parameters: nₗ × nₗ₋₁ weights and nₗ biases per layer")),
        (17290, N_("the input layer has no biases: only the 128 + 64 + 10 units after it have one")),
        (16576, N_("the output layer 64 → 10 has parameters too: 64 × 10 weights and 10 biases")),
        (17098, ONE_LAYER_BIASES),
        (17162, ONE_LAYER_BIASES),
        (17216, ONE_LAYER_BIASES),
        (
            64 * 128 * 64 * 10,
            N_(
                "multiplying all the layer sizes does not count parameters: add each layer's nₗ × nₗ₋₁ weights "
                "and nₗ biases"
            ),
        ),
    ],
)

ITEMS = {f.grade_id: f for f in (one_hot, predict_labels, accuracy, confusion_matrix, train_digits, q1, q2)}
