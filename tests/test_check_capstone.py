"""Catalog of wrong (and differently right) implementations for exercises 6: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import capstone as C


@pytest.fixture(autouse=True)
def fixed_inputs(monkeypatch):
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", "1")
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def one_hot_loop(y, k):
    Y = np.zeros((k, len(y)))
    for i, label in enumerate(y):
        Y[label, i] = 1
    return Y


def confusion_loops(y_true, y_pred, k):
    C = np.zeros((k, k), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        C[t, p] += 1
    return C


def confusion_add_at(y_true, y_pred, k):
    C = np.zeros((k, k))
    np.add.at(C, (y_true, y_pred), 1)
    return C


def confusion_transposed(y_true, y_pred, k):
    return confusion_loops(y_pred, y_true, k)


def train_recipe(X, Y):
    net = bp.MLP([64, 128, 64, 10], hidden="relu", seed=0)
    bp.train(net, X, Y, bp.optim.Adam(lr=3e-3), epochs=20, batch_size=32, seed=0)
    return net


def train_other_recipe(X, Y):
    net = bp.MLP([64, 64, 10], hidden="leaky_relu", seed=1)
    bp.train(net, X, Y, bp.optim.make("rmsprop", lr=2e-3), epochs=20, batch_size=64, seed=1)
    return net


def train_untrained(X, Y):
    return bp.MLP([64, 32, 10], seed=0)


def train_transposed(X, Y):
    net = bp.MLP([64, 32, 10], seed=0)
    bp.train(net, X.T, Y.T, epochs=1)
    return net


CASES = [
    (C.one_hot, bp.datasets.one_hot, "[PASS]"),
    (C.one_hot, one_hot_loop, "[PASS]"),
    (C.one_hot, lambda y, k: np.eye(k)[y], "did you transpose"),
    (C.one_hot, lambda y, k: np.eye(k)[y].reshape(k, -1), "reshape does not transpose"),
    (C.one_hot, lambda y, k: 1 - np.eye(k)[:, y], "every other entry is 0"),
    (C.one_hot, lambda y, k: np.eye(k + 1)[:, y], "expected Y of shape (5, 12), got (6, 12)"),
    (C.predict_labels, lambda A: A.argmax(axis=0), "[PASS]"),
    (C.predict_labels, lambda A: np.array([list(col).index(max(col)) for col in A.T]), "[PASS]"),
    (C.predict_labels, lambda A: A.argmax(axis=1), "axis=0"),
    (C.predict_labels, lambda A: A.max(axis=0), "not the probability"),
    (C.predict_labels, lambda A: A.argmax(), "expected your labels of shape (9,), got ()"),
    (C.accuracy, lambda p, t: np.mean(p == t), "[PASS]"),
    (C.accuracy, lambda p, t: sum(int(a == b) for a, b in zip(p, t, strict=True)) / len(t), "[PASS]"),
    (C.accuracy, lambda p, t: 100 * np.mean(p == t), "not a percentage"),
    (C.accuracy, lambda p, t: np.mean(p != t), "the error rate"),
    (C.accuracy, lambda p, t: np.sum(p == t), "m = 40 times too large"),
    (C.confusion_matrix, confusion_loops, "[PASS]"),
    (C.confusion_matrix, confusion_add_at, "[PASS]"),
    (C.confusion_matrix, confusion_transposed, "rows are the true classes"),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(t, p, k) / np.bincount(t, minlength=k)[:, None], "counts"),
    (C.confusion_matrix, lambda t, p, k: np.diag(np.bincount(t[t == p], minlength=k)), "count the mistakes too"),
    (C.q1, lambda: "b", "[PASS]"),
    (C.q1, lambda: "c", "is not the right choice"),
    (C.q2, lambda: 17226, "[PASS]"),
    (C.q2, lambda: 17098, "is not right"),
]


TRAIN_CASES = [
    (train_recipe, "[PASS]"),
    (train_other_recipe, "[PASS]"),
    (train_untrained, "of unseen digits correctly; it needs 93%"),
    (lambda X, Y: None, "returned None"),
    (lambda X, Y: bp.MLP([64, 10]).params, "something with .predict"),
    (train_transposed, "train_digits raised BPCourseError"),
]


@pytest.mark.parametrize(("check", "impl", "expected"), CASES, ids=lambda x: getattr(x, "__name__", None))
def test_catalog(check, impl, expected, check_seed, expect_feedback):
    check(impl)
    expect_feedback(expected)


# Training takes seconds, so these run on one random split only.
@pytest.mark.parametrize(("impl", "expected"), TRAIN_CASES, ids=lambda x: getattr(x, "__name__", None))
def test_train_digits_catalog(impl, expected, expect_feedback):
    C.train_digits(impl)
    expect_feedback(expected)
