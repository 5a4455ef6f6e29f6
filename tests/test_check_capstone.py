"""Catalog of wrong (and differently right) implementations for exercises 6: each must get the right diagnostic."""

from __future__ import annotations

import numpy as np
import pytest
from learner import own

import bpcourse as bp
from bpcourse.check import capstone as C


@pytest.fixture(autouse=True)
def fixed_inputs(monkeypatch):
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", "1")
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    _CACHE.clear()  # the caching versions below start empty in every test


_CACHE: dict = {}


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
    (C.one_hot, own(bp.datasets.one_hot), "[PASS]"),
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


# ---- UNSEEN: written before looking at what the checks print; each keyword decided in advance ----------


def one_hot_cached(y, k):
    key = ("one_hot", np.shape(y), k)
    if key not in _CACHE:
        _CACHE[key] = np.eye(k)[:, y]
    return _CACHE[key]


def one_hot_from_max(y, k):
    return np.eye(int(np.max(y)) + 1)[:, y]


def one_hot_rows_filled(y, k):
    Y = np.zeros((k, len(y)))
    Y[y, :] = 1
    return Y


def one_hot_loop_int(y, k):
    Y = np.zeros((k, len(y)), dtype=int)
    for i in range(len(y)):
        Y[y[i]][i] = 1
    return Y


def predict_cached(A):
    key = ("predict", A.shape)
    if key not in _CACHE:
        _CACHE[key] = A.argmax(axis=0)
    return _CACHE[key]


def predict_loop(A):
    labels = []
    for i in range(A.shape[1]):
        best = 0
        for k in range(A.shape[0]):
            if A[k, i] > A[best, i]:
                best = k
        labels.append(best)
    return np.array(labels)


def accuracy_cached(p, t):
    key = ("accuracy", np.shape(p))
    if key not in _CACHE:
        _CACHE[key] = float(np.mean(p == t))
    return _CACHE[key]


def accuracy_hard_coded_m(p, t):
    return np.sum(p == t) / 40


def accuracy_off_by_one(p, t):
    right = 0
    for i in range(len(t) - 1):
        right += p[i] == t[i]
    return right / len(t)


def accuracy_loop(p, t):
    right = 0
    for a, b in zip(p, t, strict=True):
        if a == b:
            right += 1
    return right / len(t)


def confusion_fancy(t, p, k):
    C = np.zeros((k, k), dtype=int)
    C[t, p] += 1
    return C


def confusion_from_max(t, p, k):
    n = max(int(np.max(t)), int(np.max(p))) + 1
    return confusion_loops(t, p, n)


def confusion_cached(t, p, k):
    key = ("confusion", np.shape(t), k)
    if key not in _CACHE:
        _CACHE[key] = confusion_loops(t, p, k)
    return _CACHE[key]


def confusion_shifted(t, p, k):
    C = np.zeros((k, k), dtype=int)
    for a, b in zip(t, p, strict=True):
        C[a - 1, b - 1] += 1
    return C


def train_small(X, Y):
    net = bp.MLP([64, 32, 10], hidden="relu", seed=0)
    bp.train(net, X, Y, bp.optim.Adam(lr=1e-2), epochs=10, batch_size=64, seed=0)
    return net


def train_epoch_loop(X, Y):
    net = bp.MLP([64, 48, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=3)
    opt = bp.optim.Adam(lr=5e-3)
    for epoch in range(8):
        bp.train(net, X, Y, opt, epochs=1, batch_size=32, seed=epoch)
    return net


def train_returns_history(X, Y):
    net = bp.MLP([64, 16, 10], seed=0)
    return bp.train(net, X[:, :64], Y[:, :64], epochs=1)


def train_returns_tuple(X, Y):
    net = bp.MLP([64, 16, 10], seed=0)
    return net, None


class ProbabilityNet:
    def __init__(self):
        self.net = bp.MLP([64, 16, 10], seed=0)

    def predict(self, X):
        return self.net.forward(X)


class BrokenNet:
    def predict(self, X):
        raise ValueError("no weights")


UNSEEN = [
    # one_hot
    (C.one_hot, lambda y, k: (np.arange(k)[:, None] == y).astype(float), "[PASS]"),
    (C.one_hot, one_hot_loop_int, "[PASS]"),
    (C.one_hot, lambda y, k: np.eye(k, dtype=np.float32)[:, y], "[PASS]"),
    (C.one_hot, one_hot_from_max, "n_classes"),
    (C.one_hot, lambda y, k: np.arange(k)[:, None] == y, "bool"),
    (C.one_hot, lambda y, k: (np.eye(k)[:, y] == 1).tolist(), "bool"),
    (C.one_hot, one_hot_cached, "earlier input"),
    (C.one_hot, lambda y, k: (y[:, None] == np.arange(k)).astype(float), "transpose"),
    (C.one_hot, one_hot_rows_filled, "exactly one 1"),
    (C.one_hot, lambda y, k: (np.eye(k)[:, i] for i in y), "generator"),
    (C.one_hot, lambda y, k: np.eye(k)[:, (y + 1) % k], "row"),
    # predict_labels
    (C.predict_labels, predict_loop, "[PASS]"),
    (C.predict_labels, lambda A: [int(np.argmax(A[:, i])) for i in range(A.shape[1])], "[PASS]"),
    (C.predict_labels, lambda A: np.argmax(A.T, axis=1).astype(np.int32), "[PASS]"),
    (C.predict_labels, lambda A: A.argmin(axis=0), "argmin"),
    (C.predict_labels, lambda A: A.argmax(axis=0).astype(float), "integer"),
    (C.predict_labels, lambda A: [float(np.argmax(c)) for c in A.T], "integer"),
    (C.predict_labels, predict_cached, "earlier input"),
    (C.predict_labels, lambda A: np.argmax(A, axis=0, keepdims=True), "(9,)"),
    (C.predict_labels, lambda A: A.argmax(axis=0) + 1, "start at 0"),
    (C.predict_labels, lambda A: (np.argmax(c) for c in A.T), "generator"),
    (C.predict_labels, lambda A: np.eye(A.shape[0])[:, A.argmax(axis=0)], "one-hot"),
    (C.predict_labels, lambda A: A.argmin(axis=1), "argmin"),
    # accuracy
    (C.accuracy, accuracy_loop, "[PASS]"),
    (C.accuracy, lambda p, t: np.count_nonzero(p == t) / p.size, "[PASS]"),
    (C.accuracy, lambda p, t: np.float32(np.mean(p == t)), "[PASS]"),
    (C.accuracy, lambda p, t: sum(int(a == b) for a, b in zip(p, t, strict=True)) // len(t), "integer division"),
    (C.accuracy, lambda p, t: np.sum(p == t) // len(t), "integer division"),
    (C.accuracy, lambda p, t: 100 * np.sum(p != t) / len(t), "error rate"),
    (C.accuracy, accuracy_cached, "earlier input"),
    (C.accuracy, accuracy_hard_coded_m, "len(y_true)"),
    (C.accuracy, accuracy_off_by_one, "m − 1"),
    (C.accuracy, lambda p, t: p == t, "one number"),
    (C.accuracy, lambda p, t: (np.sum(p == t), len(t)), "one number"),
    (C.accuracy, lambda p, t: round(float(np.mean(p == t)), 1), "round"),
    (C.accuracy, lambda p, t: np.mean(p[:, None] == t), "element by element"),
    # confusion_matrix
    (C.confusion_matrix, lambda t, p, k: np.bincount(t * k + p, minlength=k * k).reshape(k, k), "[PASS]"),
    (
        C.confusion_matrix,
        lambda t, p, k: np.histogram2d(t, p, bins=k, range=[[0, k], [0, k]])[0],
        "[PASS]",
    ),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(t, p, k).tolist(), "[PASS]"),
    (C.confusion_matrix, confusion_fancy, "np.add.at"),
    (C.confusion_matrix, lambda t, p, k: confusion_fancy(p, t, k), "np.add.at"),
    (C.confusion_matrix, confusion_from_max, "n_classes"),
    (C.confusion_matrix, confusion_cached, "earlier input"),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(t, p, k) / len(t), "counts"),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(t, p, k) / confusion_loops(t, p, k).sum(axis=0), "counts"),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(p, t, k), "C[true, predicted]"),
    (C.confusion_matrix, confusion_shifted, "labels start at 0"),
    (C.confusion_matrix, lambda t, p, k: np.diag(np.bincount(t[t == p], minlength=k)), "count the mistakes"),
    (C.confusion_matrix, lambda t, p, k: confusion_loops(t, p, k) > 0, "np.add.at"),
    # train_digits (the ones that do not train long)
    (C.train_digits, train_returns_history, "history"),
    (C.train_digits, train_returns_tuple, "tuple"),
    (C.train_digits, lambda X, Y: ProbabilityNet(), "one label per column"),
    (C.train_digits, lambda X, Y: BrokenNet(), "raised ValueError"),
    (C.train_digits, lambda X, Y: "net", "something with .predict"),
    (C.train_digits, lambda X, Y: bp.MLP([64, 10], seed=0), "it needs 93%"),
    # questions
    (C.q1, lambda: "a", "speed"),
    (C.q1, lambda: "c", "random"),
    (C.q1, lambda: "d", "training data"),
    (C.q2, lambda: 17024, "biases"),
    (C.q2, lambda: 202, "weights"),
    (C.q2, lambda: 266, "units"),
    (C.q2, lambda: 17290, "input layer has no biases"),
    (C.q2, lambda: 16576, "output layer"),
    (C.q2, lambda: 17098, "one layer"),
    (C.q2, lambda: 64 * 128 * 64 * 10, "add"),
    (C.q2, lambda: 17226.0, "[PASS]"),
]

# Right versions that train: run on one split only, like TRAIN_CASES.
UNSEEN_TRAIN = [
    (train_small, "[PASS]"),
    (train_epoch_loop, "[PASS]"),
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


@pytest.mark.parametrize(("check", "impl", "expected"), UNSEEN, ids=lambda x: getattr(x, "__name__", None))
def test_unseen(check, impl, expected, check_seed, expect_feedback):
    check(impl)
    expect_feedback(expected)


@pytest.mark.parametrize(("impl", "expected"), UNSEEN_TRAIN, ids=lambda x: getattr(x, "__name__", None))
def test_unseen_train(impl, expected, expect_feedback):
    C.train_digits(impl)
    expect_feedback(expected)
