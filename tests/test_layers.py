"""bpcourse.layers: linear, activation and batch-norm forward/backward pairs."""

import numpy as np
import pytest

from bpcourse import layers
from bpcourse.errors import BPCourseError
from bpcourse.gradcheck import numerical_gradient, rel_error


def rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def test_linear_forward_by_hand():
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0]])
    b = np.array([[0.5]])
    Z, cache = layers.linear_forward(A_prev, W, b)
    np.testing.assert_array_equal(Z, [[1 - 3 + 0.5, 2 - 4 + 0.5]])
    assert cache.A_prev is A_prev and cache.W is W


def test_linear_backward_by_hand():
    A_prev = np.array([[1.0, 2.0], [3.0, 4.0]])
    W = np.array([[1.0, -1.0]])
    _, cache = layers.linear_forward(A_prev, W, np.zeros((1, 1)))
    dZ = np.array([[0.5, -1.0]])
    dA_prev, dW, db = layers.linear_backward(dZ, cache)
    np.testing.assert_array_equal(dW, [[0.5 * 1 - 1.0 * 2, 0.5 * 3 - 1.0 * 4]])  # δ Aᵀ
    np.testing.assert_array_equal(db, [[-0.5]])  # Σ columns
    np.testing.assert_array_equal(dA_prev, [[0.5, -1.0], [-0.5, 1.0]])  # Wᵀ δ


def test_linear_backward_matches_finite_differences():
    A_prev, W, b, dZ = rand((4, 6), 0), rand((3, 4), 1), rand((3, 1), 2), rand((3, 6), 3)
    dA_prev, dW, db = layers.linear_backward(dZ, layers.linear_forward(A_prev, W, b)[1])

    def f(_):
        return float(np.sum(dZ * layers.linear_forward(A_prev, W, b)[0]))

    assert rel_error(dW, numerical_gradient(f, W)) < 1e-7
    assert rel_error(db, numerical_gradient(f, b)) < 1e-7
    assert rel_error(dA_prev, numerical_gradient(f, A_prev)) < 1e-7


def test_activation_forward_unknown_name_lists_valid():
    with pytest.raises(BPCourseError, match=r"unknown activation 'rleu'; choose one of 'sigmoid', 'tanh', 'relu'"):
        layers.activation_forward(np.zeros((2, 2)), "rleu")


def test_activation_cache_keeps_z_and_a():
    Z = np.array([[-1.0, 2.0]])
    A, cache = layers.activation_forward(Z, "relu")
    np.testing.assert_array_equal(A, [[0.0, 2.0]])
    assert cache.name == "relu" and cache.Z is Z and cache.A is A


# ---- batch normalization -----------------------------------------------------------------


def test_batchnorm_training_forward_normalizes_rows():
    Z = np.array([[1.0, 2.0, 3.0, 6.0], [10.0, 10.0, 10.0, 10.0]])
    gamma, beta = np.array([[2.0], [1.0]]), np.array([[0.5], [-1.0]])
    out, cache = layers.batchnorm_forward(Z, gamma, beta, eps=1e-5)
    # row 1: μ = 3, σ² = (4 + 1 + 0 + 9)/4 = 3.5 (the 1/m variance)
    np.testing.assert_allclose(out[0], 2.0 * (Z[0] - 3.0) / np.sqrt(3.5 + 1e-5) + 0.5)
    # row 2 is constant: ẑ = 0, so the output is β
    np.testing.assert_allclose(out[1], [-1.0] * 4)
    np.testing.assert_allclose(cache.inv_std, [[1 / np.sqrt(3.5 + 1e-5)], [1 / np.sqrt(1e-5)]])
    assert cache.training is True
    np.testing.assert_allclose(cache.Z_hat.mean(axis=1), [0.0, 0.0], atol=1e-15)


def test_batchnorm_running_averages_update_as_documented():
    Z = np.array([[1.0, 2.0, 3.0, 6.0]])
    rm, rv = np.array([[1.0]]), np.array([[2.0]])
    layers.batchnorm_forward(Z, np.ones((1, 1)), np.zeros((1, 1)), running_mean=rm, running_var=rv, momentum=0.9)
    # r ← 0.9·r + 0.1·batch statistic, in place: μ = 3; the running variance takes the unbiased
    # m/(m − 1)·σ² = (4/3)·3.5 = 14/3 (Ioffe & Szegedy, Algorithm 2; PyTorch), not the 1/m σ² = 3.5
    np.testing.assert_allclose(rm, [[0.9 * 1.0 + 0.1 * 3.0]])
    np.testing.assert_allclose(rv, [[0.9 * 2.0 + 0.1 * 14 / 3]])
    layers.batchnorm_forward(Z, np.ones((1, 1)), np.zeros((1, 1)), running_mean=rm, running_var=rv, momentum=0.5)
    np.testing.assert_allclose(rm, [[0.5 * 1.2 + 0.5 * 3.0]])
    np.testing.assert_allclose(rv, [[0.5 * (1.8 + 1.4 / 3) + 0.5 * 14 / 3]])


def test_batchnorm_running_variance_is_pytorchs():
    """PyTorch's BatchNorm1d(momentum=0.1) is momentum=0.9 here: r ← 0.9 r + 0.1 · (unbiased batch variance)."""
    rng = np.random.default_rng(5)
    rm, rv = np.zeros((3, 1)), np.ones((3, 1))
    want_m, want_v = rm.copy(), rv.copy()
    for _ in range(4):
        Z = rng.normal(2.0, 3.0, size=(3, 8))
        layers.batchnorm_forward(Z, np.ones((3, 1)), np.zeros((3, 1)), running_mean=rm, running_var=rv, momentum=0.9)
        want_m = 0.9 * want_m + 0.1 * Z.mean(axis=1, keepdims=True)
        want_v = 0.9 * want_v + 0.1 * Z.var(axis=1, ddof=1, keepdims=True)
    np.testing.assert_allclose(rm, want_m, rtol=1e-13)
    np.testing.assert_allclose(rv, want_v, rtol=1e-13)


def test_batchnorm_one_column_leaves_the_running_variance():
    """m = 1 has no unbiased variance estimate: the running variance is kept, the mean still moves."""
    rm, rv = np.array([[1.0]]), np.array([[2.0]])
    out, _ = layers.batchnorm_forward(
        np.array([[5.0]]), np.ones((1, 1)), np.zeros((1, 1)), running_mean=rm, running_var=rv
    )
    np.testing.assert_array_equal(out, [[0.0]])
    np.testing.assert_allclose(rm, [[0.9 * 1.0 + 0.1 * 5.0]])
    np.testing.assert_array_equal(rv, [[2.0]])


def test_batchnorm_eval_uses_running_averages_and_leaves_them():
    Z = np.array([[1.0, 2.0, 3.0]])
    rm, rv = np.array([[0.5]]), np.array([[4.0]])
    out, cache = layers.batchnorm_forward(
        Z, np.array([[3.0]]), np.array([[1.0]]), eps=0.0, running_mean=rm, running_var=rv, training=False
    )
    np.testing.assert_allclose(out, 3.0 * (Z - 0.5) / 2.0 + 1.0)
    np.testing.assert_array_equal(rm, [[0.5]])
    np.testing.assert_array_equal(rv, [[4.0]])
    assert cache.training is False


def test_batchnorm_eval_without_running_stats_refused():
    with pytest.raises(ValueError, match="needs running_mean and running_var"):
        layers.batchnorm_forward(np.zeros((1, 3)), np.ones((1, 1)), np.zeros((1, 1)), training=False)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_matches_finite_differences(training):
    Z, dout = rand((3, 5), 10), rand((3, 5), 11)
    gamma, beta = 1 + 0.3 * rand((3, 1), 12), 0.2 * rand((3, 1), 13)
    rm, rv = 0.1 * rand((3, 1), 14), 1 + np.abs(rand((3, 1), 15))

    def f(_):
        # copies of the running averages so evaluating f never changes them
        out, _ = layers.batchnorm_forward(Z, gamma, beta, 1e-5, rm.copy(), rv.copy(), 0.9, training)
        return float(np.sum(dout * out))

    _, cache = layers.batchnorm_forward(Z, gamma, beta, 1e-5, rm.copy(), rv.copy(), 0.9, training)
    dZ, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    assert rel_error(dZ, numerical_gradient(f, Z)) < 1e-7
    assert rel_error(dgamma, numerical_gradient(f, gamma)) < 1e-7
    assert rel_error(dbeta, numerical_gradient(f, beta)) < 1e-7
    np.testing.assert_allclose(dbeta, dout.sum(axis=1, keepdims=True))


def test_batchnorm_training_gradient_sums_to_zero_per_row():
    """Shifting a row of Z by a constant changes nothing after normalization, so Σ_i dZ_i = 0."""
    Z, dout = rand((2, 7), 20), rand((2, 7), 21)
    _, cache = layers.batchnorm_forward(Z, np.ones((2, 1)), np.zeros((2, 1)))
    dZ, _, _ = layers.batchnorm_backward(dout, cache)
    np.testing.assert_allclose(dZ.sum(axis=1), [0.0, 0.0], atol=1e-14)
