"""bpcourse.datasets: shapes, label counts, seeds, the digits file, splitting and one-hot encoding."""

import numpy as np
import pytest

from bpcourse import datasets as ds
from bpcourse.errors import BPCourseError

GENERATORS = {  # name → (default X shape, label counts)
    "xor": ((2, 200), [100, 100]),
    "moons": ((2, 200), [100, 100]),
    "circles": ((2, 200), [100, 100]),
    "spirals": ((2, 300), [100, 100, 100]),
    "blobs": ((2, 300), [100, 100, 100]),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_shapes_and_label_counts(name):
    X, y = getattr(ds, name)()
    shape, counts = GENERATORS[name]
    assert X.shape == shape and X.dtype == np.float64
    assert y.shape == (shape[1],) and np.issubdtype(y.dtype, np.integer)
    assert np.bincount(y).tolist() == counts


@pytest.mark.parametrize("name", [*GENERATORS, "sine"])
def test_same_seed_same_data_other_seed_differs(name):
    f = getattr(ds, name)
    X1, y1 = f(seed=3)
    X2, y2 = f(seed=3)
    X3, _ = f(seed=4)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_xor_without_noise_is_the_truth_table():
    X, y = ds.xor(4, noise=0)
    np.testing.assert_array_equal(X, [[0, 0, 1, 1], [0, 1, 0, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_circles_radii_without_noise():
    X, y = ds.circles(100, noise=0.0, factor=0.3)
    r = np.linalg.norm(X, axis=0)
    np.testing.assert_allclose(r[y == 0], 1.0)
    np.testing.assert_allclose(r[y == 1], 0.3)


def test_blobs_centres():
    X, y = ds.blobs(3000, classes=3, std=0.1, seed=0)
    for k in range(3):
        angle = 2 * np.pi * k / 3
        np.testing.assert_allclose(X[:, y == k].mean(axis=1), [4 * np.cos(angle), 4 * np.sin(angle)], atol=0.02)


def test_sine_regression_data():
    X, Y = ds.sine(100, noise=0.0, seed=0)
    assert X.shape == Y.shape == (1, 100)
    assert np.all(np.diff(X[0]) >= 0)  # sorted, convenient for line plots
    assert -np.pi <= X.min() and X.max() <= np.pi
    np.testing.assert_allclose(Y, np.sin(X))


def test_load_digits():
    X, y = ds.load_digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert y.shape == (1797,)
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    np.testing.assert_array_equal(y[:10], np.arange(10))
    raw, _ = ds.load_digits(scale=False)
    assert raw.max() == 16.0 and raw.sum() == 561718.0  # a fingerprint of the shipped file
    np.testing.assert_array_equal(raw / 16.0, X)


def test_train_test_split_sizes_and_disjointness():
    X = np.arange(30.0).reshape(3, 10)  # column i holds i, 10 + i, 20 + i
    y = np.arange(10)
    Xtr, Xte, ytr, yte = ds.train_test_split(X, y, test_size=0.3, seed=0)
    assert Xtr.shape == (3, 7) and Xte.shape == (3, 3)
    assert set(ytr) | set(yte) == set(range(10)) and not set(ytr) & set(yte)
    np.testing.assert_array_equal(Xtr[0], ytr)  # columns and labels travel together
    np.testing.assert_array_equal(Xte[2], yte + 20)
    again = ds.train_test_split(X, y, test_size=0.3, seed=0)
    np.testing.assert_array_equal(again[3], yte)
    other = ds.train_test_split(X, y, test_size=0.3, seed=1)
    assert not np.array_equal(other[3], yte)


def test_train_test_split_with_one_hot_labels():
    y = np.array([0, 1, 2, 0, 1])
    Y = ds.one_hot(y, 3)
    _, _, Ytr, Yte = ds.train_test_split(np.zeros((2, 5)), Y, test_size=0.4, seed=0)
    assert Ytr.shape == (3, 3) and Yte.shape == (3, 2)
    np.testing.assert_array_equal(Ytr.sum(axis=0), 1.0)


def test_train_test_split_refuses_bad_input():
    with pytest.raises(BPCourseError, match=r"X has 4 examples \(columns\) but y has 5"):
        ds.train_test_split(np.zeros((2, 4)), np.zeros(5))
    with pytest.raises(BPCourseError, match="test_size must be between 0 and 1; got 1.5"):
        ds.train_test_split(np.zeros((2, 4)), np.zeros(4), test_size=1.5)


def test_one_hot():
    Y = ds.one_hot(np.array([2, 0, 1, 2]), 3)
    np.testing.assert_array_equal(Y, [[0, 1, 0, 0], [0, 0, 1, 0], [1, 0, 0, 1]])
    np.testing.assert_array_equal(ds.one_hot([1.0, 0.0], 2), [[0, 1], [1, 0]])  # whole floats accepted
    assert ds.one_hot(np.array([], dtype=int), 4).shape == (4, 0)


def test_one_hot_refuses_bad_labels():
    with pytest.raises(BPCourseError, match=r"one_hot got label 3 but n_classes=3 allows only 0 … 2; pass n_classes=4"):
        ds.one_hot(np.array([0, 3, 1]), 3)
    with pytest.raises(BPCourseError, match="one_hot got label -1"):
        ds.one_hot(np.array([0, -1]), 3)
    with pytest.raises(BPCourseError, match="integer labels; got float64 values such as 0.5"):
        ds.one_hot(np.array([0.0, 0.5]), 3)
    with pytest.raises(BPCourseError, match=r"labels of shape \(m,\); got shape \(1, 3\)"):
        ds.one_hot(np.array([[0, 1, 2]]), 3)
