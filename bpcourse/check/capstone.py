r"""Checks for exercises/ex06_capstone.ipynb (chapter 6: handwritten digits end to end).

Graded items: one-hot labels Y (n_classes, m); predicted labels from A^L (argmax per column);
accuracy; the confusion matrix; a training function whose network must classify held-out digits
(a random split each run, never seen by the learner's code); two concept questions.
"""

from __future__ import annotations

import numpy as np

from .. import datasets
from .core import (
    Mistake,
    as_float_array,
    as_number,
    call,
    expect_array,
    expect_number,
    item,
    multiple_choice,
    numeric_answer,
    rng,
)

NOTEBOOK = "ex06_capstone"
TARGET = 0.93  # on a random quarter of the digits: the chapter's recipe averages 98 %, its worst of 36 splits 95 %
TRAIN_LIMIT = 90.0  # seconds allowed for the learner's training


def _labels(r, m=12, k=5):
    y = r.integers(0, k, size=m)
    y[:k] = r.permutation(k)  # every class appears
    return y, k


@item("ex06_one_hot", 1, "one_hot")
def one_hot(fn) -> None:
    """Check ``fn(y, n_classes)`` = Y (n_classes, m) with Y[k, i] = 1 where y_i = k."""
    y, k = _labels(rng())
    expected = datasets.one_hot(y, k)
    expect_array(
        "Y",
        call(fn, y, k, name="one_hot"),
        expected,
        mistakes=[
            (np.eye(k)[y].reshape(k, -1), "reshape does not transpose: use np.eye(n_classes)[y].T"),
            (1.0 - expected, "the 1 marks the true class; every other entry is 0"),
        ],
    )


@item("ex06_predict_labels", 1, "predict_labels")
def predict_labels(fn) -> None:
    """Check ``fn(A)`` = the index of the largest probability of each column, shape (m,)."""
    r = rng()
    A = r.dirichlet(np.ones(4), size=9).T  # (4 classes, 9 examples), columns sum to 1
    got = call(fn, A, name="predict_labels")
    arr = as_float_array("your labels", got)
    if arr.shape == (4,):
        raise Mistake("you took the argmax over axis 1 (the examples); one label per column: axis=0")
    expect_array(
        "your labels",
        arr,
        A.argmax(axis=0).astype(float),
        mistakes=[(A.max(axis=0), "return the index of the largest probability (argmax), not the probability")],
    )


@item("ex06_accuracy", 1, "accuracy")
def accuracy(fn) -> None:
    """Check ``fn(y_pred, y_true)`` = the fraction of equal labels, a float in [0, 1]."""
    r = rng()
    y_true = r.integers(0, 10, size=40)
    y_pred = np.where(r.random(40) < 0.7, y_true, (y_true + 1) % 10)
    acc = float(np.mean(y_pred == y_true))
    value = as_number("your accuracy", call(fn, y_pred, y_true, name="accuracy"))
    if not np.isclose(value, acc):
        if np.isclose(value, 100 * acc):
            raise Mistake("your accuracy: return a fraction in [0, 1], not a percentage")
        if np.isclose(value, 1 - acc):
            raise Mistake("your accuracy: that is the error rate, the fraction of wrong labels")
    expect_number("your accuracy", value, acc, m=40)


@item("ex06_confusion", 2, "confusion_matrix")
def confusion_matrix(fn) -> None:
    """Check ``fn(y_true, y_pred, n_classes)`` = C with C[i, j] = #(true i, predicted j)."""
    r = rng()
    k = 4
    y_true = r.integers(0, k, size=30)
    y_true[:k] = np.arange(k)  # every class appears, so rows can be normalized
    y_pred = np.where(r.random(30) < 0.6, y_true, r.integers(0, k, size=30))
    C = np.zeros((k, k))
    np.add.at(C, (y_true, y_pred), 1)
    expect_array(
        "C",
        call(fn, y_true, y_pred, k, name="confusion_matrix"),
        C,
        mistakes=[
            (C.T, "rows are the true classes and columns the predictions: C[true, predicted]"),
            (C / C.sum(axis=1, keepdims=True), "return counts, not fractions per row"),
            (np.diag(np.diag(C)), "count the mistakes too: every (true, predicted) pair adds 1"),
        ],
    )


@item("ex06_train_digits", 3, "train_digits")
def train_digits(fn) -> None:
    """Check ``fn(X_train, Y_train)`` returns a trained network that classifies held-out digits.

    The digits are split at random each run; the network must reach TARGET accuracy on the
    quarter it never saw.
    """
    X, y = datasets.load_digits()
    X_train, X_test, y_train, y_test = datasets.train_test_split(X, y, test_size=0.25, seed=int(rng().integers(1000)))
    net = call(fn, X_train, datasets.one_hot(y_train, 10), name="train_digits", limit=TRAIN_LIMIT)
    if net is None:
        raise Mistake("train_digits returned None: return the trained network")
    if not hasattr(net, "predict"):
        raise Mistake(f"return the trained bp.MLP (something with .predict); got {type(net).__name__}")
    pred = as_float_array("net.predict(X_test)", call(net.predict, X_test, name="net.predict"))
    if pred.shape != y_test.shape:
        raise Mistake(f"net.predict(X_test) should give one label per column, shape {y_test.shape}; got {pred.shape}")
    acc = float(np.mean(pred == y_test))
    if acc < TARGET:
        raise Mistake(
            f"your network classifies {acc:.1%} of unseen digits correctly; it needs {TARGET:.0%}. "
            "Is it trained long enough? Try ReLU with He initialization and Adam, as in the chapter"
        )


q1 = multiple_choice("ex06_q1", 1, "question 1 (why a test set)", "e1c94c3423c4f133", "abcd")
q2 = numeric_answer("ex06_q2", 1, "question 2 (parameters of the capstone network)", 17226)

ITEMS = {f.grade_id: f for f in (one_hot, predict_labels, accuracy, confusion_matrix, train_digits, q1, q2)}
