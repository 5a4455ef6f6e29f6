"""bpcourse.activations: values, derivatives (checked through layers.activation_backward), stability at ±1000."""

import warnings

import numpy as np
import pytest

import bpcourse as bp
from bpcourse import activations as act
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.layers import activation_backward, activation_forward

ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "identity"]
ALL = [*ELEMENTWISE, "softmax"]


def away_from_kink(shape, seed):
    """Random Z with every |z| ≥ 0.1: ReLU, leaky ReLU and ELU have a kink at 0 where the centred
    difference (f(z+h) − f(z−h))/2h averages the two one-sided slopes and disagrees with σ′(0)."""
    rng = np.random.default_rng(seed)
    Z = rng.uniform(0.1, 3.0, shape)
    return Z * rng.choice([-1.0, 1.0], shape)


def test_values_at_known_points():
    z = np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])
    e2, eh = np.exp(-2.0), np.exp(-0.5)
    np.testing.assert_allclose(act.sigmoid(z), [[e2 / (1 + e2), eh / (1 + eh), 0.5, 1 / (1 + eh), 1 / (1 + e2)]])
    np.testing.assert_allclose(act.relu(z), [[0, 0, 0, 0.5, 2]])
    np.testing.assert_allclose(act.leaky_relu(z), [[-0.02, -0.005, 0, 0.5, 2]])
    np.testing.assert_allclose(act.elu(z), [[e2 - 1, eh - 1, 0, 0.5, 2]])
    np.testing.assert_allclose(act.tanh(z), [[np.tanh(-2), np.tanh(-0.5), 0, np.tanh(0.5), np.tanh(2)]])
    np.testing.assert_array_equal(act.identity(z), z)


def test_derivatives_at_known_points():
    z = np.array([[-2.0, 0.0, 2.0]])
    s2 = 1 / (1 + np.exp(-2.0))
    np.testing.assert_allclose(act.sigmoid_prime(z), [[s2 * (1 - s2), 0.25, s2 * (1 - s2)]])
    np.testing.assert_allclose(act.tanh_prime(z), [[1 - np.tanh(2) ** 2, 1.0, 1 - np.tanh(2) ** 2]])
    np.testing.assert_array_equal(act.relu_prime(z), [[0.0, 0.0, 1.0]])  # 0 at the kink, by convention
    np.testing.assert_array_equal(act.leaky_relu_prime(z), [[0.01, 0.01, 1.0]])
    np.testing.assert_allclose(act.elu_prime(z), [[np.exp(-2.0), 1.0, 1.0]])
    np.testing.assert_array_equal(act.identity_prime(z), [[1.0, 1.0, 1.0]])


def test_softmax_columns_are_distributions():
    Z = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    A = act.softmax(Z)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(A[:, 0], e / e.sum())
    np.testing.assert_allclose(A[:, 1], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0])
    # shifting a column by a constant changes nothing
    np.testing.assert_allclose(act.softmax(Z + np.array([[100.0, -7.0]])), A)


@pytest.mark.parametrize("name", ALL)
def test_activation_backward_matches_finite_differences(name):
    Z = away_from_kink((4, 6), seed=1)
    dA = np.random.default_rng(2).standard_normal((4, 6))
    _, cache = activation_forward(Z, name)
    analytic = activation_backward(dA, cache)
    # f(Z) = Σ dA ⊙ σ(Z) has gradient dA ⊙ σ′(Z) (softmax: its Jacobian-vector product)
    numeric = numerical_gradient(lambda z: float(np.sum(dA * activation_forward(z, name)[0])), Z.copy())
    assert analytic.shape == Z.shape
    assert rel_error(analytic, numeric) < 1e-7


def test_registry_lists_every_activation():
    assert set(act.ACTIVATIONS) == set(ALL)
    assert act.HIDDEN_ACTIVATIONS == ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
    assert act.OUTPUT_ACTIVATIONS == ("sigmoid", "softmax", "identity")


@pytest.fixture
def strict():
    """Every warning becomes an error, and overflow, division by zero and invalid operations raise.

    Underflow stays at NumPy's default ('ignore'): e^{-1000} rounding to exactly 0 is the right answer,
    and NumPy does not warn about it.
    """
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


BIG = np.array([[-1000.0, -50.0, 0.0, 50.0, 1000.0]])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_stable_at_plus_minus_1000(strict, name):
    sigma, sigma_prime = act.ACTIVATIONS[name]
    A, D = sigma(BIG), sigma_prime(BIG)
    assert np.isfinite(A).all() and np.isfinite(D).all()


def test_saturated_values_are_exact(strict):
    np.testing.assert_array_equal(act.sigmoid(BIG)[0, [0, 4]], [0.0, 1.0])
    np.testing.assert_array_equal(act.sigmoid_prime(BIG)[0, [0, 4]], [0.0, 0.0])
    np.testing.assert_array_equal(act.tanh(BIG)[0, [0, 4]], [-1.0, 1.0])
    np.testing.assert_array_equal(act.elu(BIG)[0, [0, 4]], [-1.0, 1000.0])
    np.testing.assert_array_equal(act.elu_prime(BIG)[0, [0, 4]], [0.0, 1.0])
    np.testing.assert_array_equal(act.leaky_relu(BIG)[0, [0, 4]], [-10.0, 1000.0])


def test_softmax_stable_at_plus_minus_1000(strict):
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0], [999.0, 0.0, 1000.0]])
    A = act.softmax(Z)
    assert np.isfinite(A).all()
    e1 = np.exp(-1.0)
    np.testing.assert_allclose(A[:, 0], [1 / (1 + e1), 0.0, e1 / (1 + e1)])
    np.testing.assert_allclose(A[:, 1], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(A[:, 2], [0.0, 0.0, 1.0])
    dZ = act.softmax_backward(np.ones_like(A), A)  # Σ_k a_k = 1, so a constant dA has zero gradient
    np.testing.assert_allclose(dZ, 0.0, atol=1e-15)


def test_net_forward_stable_with_huge_inputs(strict):
    net = bp.MLP([2, 3, 2], hidden="sigmoid", output="softmax", seed=0)
    A = net.forward(np.array([[1000.0, -1000.0], [-1000.0, 1000.0]]))
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A.sum(axis=0), [1.0, 1.0])
