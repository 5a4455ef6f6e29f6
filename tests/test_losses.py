"""bpcourse.losses: values by hand, gradients against finite differences, fused forms, stability at ±1000."""

import warnings

import numpy as np
import pytest

from bpcourse import activations as act
from bpcourse import losses
from bpcourse.gradcheck import numerical_gradient, rel_error
from bpcourse.layers import activation_backward, activation_forward


@pytest.fixture
def strict():
    """Warnings become errors; overflow, division by zero and invalid operations raise (underflow to 0 is fine)."""
    with warnings.catch_warnings(), np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
        warnings.simplefilter("error")
        yield


def test_mse_value_and_gradient_by_hand():
    A = np.array([[1.0, 2.0], [3.0, 0.0]])
    Y = np.array([[0.0, 2.0], [1.0, 1.0]])
    # column 1: ½(1² + 2²) = 2.5; column 2: ½(0² + 1²) = 0.5; mean over m = 2 → 1.5
    L, dA = losses.mse(A, Y)
    assert L == pytest.approx(1.5, abs=1e-15)
    np.testing.assert_allclose(dA, [[0.5, 0.0], [1.0, -0.5]])  # (A − Y)/m


def test_cross_entropy_value_by_hand():
    A = np.array([[0.7, 0.2], [0.2, 0.5], [0.1, 0.3]])
    Y = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    L, dA = losses.cross_entropy(A, Y)
    assert L == pytest.approx(-(np.log(0.7) + np.log(0.3)) / 2, abs=1e-15)
    np.testing.assert_allclose(dA, [[-1 / (2 * 0.7), 0.0], [0.0, 0.0], [0.0, -1 / (2 * 0.3)]])


def test_binary_cross_entropy_value_by_hand():
    A = np.array([[0.9, 0.2, 0.6]])
    Y = np.array([[1.0, 0.0, 0.0]])
    L, dA = losses.binary_cross_entropy(A, Y)
    assert L == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.4)) / 3, abs=1e-15)
    np.testing.assert_allclose(dA, [[-1 / (3 * 0.9), 1 / (3 * 0.8), 1 / (3 * 0.4)]])


def rand(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape)


def test_cross_entropy_gradient_matches_finite_differences():
    A = act.softmax(rand((4, 5), 0))
    Y = np.eye(4)[:, [0, 1, 2, 3, 1]]
    analytic = losses.cross_entropy(A, Y)[1]
    numeric = numerical_gradient(lambda a: losses.cross_entropy(a, Y)[0], A.copy())
    assert rel_error(analytic, numeric) < 1e-7


def test_binary_cross_entropy_gradient_matches_finite_differences():
    A = act.sigmoid(rand((1, 6), 1))
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0, 0.0]])
    analytic = losses.binary_cross_entropy(A, Y)[1]
    numeric = numerical_gradient(lambda a: losses.binary_cross_entropy(a, Y)[0], A.copy())
    assert rel_error(analytic, numeric) < 1e-7


def test_mse_gradient_matches_finite_differences():
    A, Y = rand((3, 5), 2), rand((3, 5), 3)
    numeric = numerical_gradient(lambda a: losses.mse(a, Y)[0], A.copy())
    assert rel_error(losses.mse(A, Y)[1], numeric) < 1e-7


def test_fused_softmax_cross_entropy_gradient_and_value():
    Z = rand((4, 5), 4)
    Y = np.eye(4)[:, [3, 1, 0, 2, 2]]
    L, dZ = losses.softmax_cross_entropy(Z, Y)
    assert L == pytest.approx(losses.cross_entropy(act.softmax(Z), Y)[0], rel=1e-13)
    np.testing.assert_allclose(dZ, (act.softmax(Z) - Y) / 5, rtol=1e-13)  # δ^L = (A − Y)/m
    numeric = numerical_gradient(lambda z: losses.softmax_cross_entropy(z, Y)[0], Z.copy())
    assert rel_error(dZ, numeric) < 1e-7


def test_fused_sigmoid_binary_cross_entropy_gradient_and_value():
    Z = rand((1, 6), 5)
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0, 0.0]])
    L, dZ = losses.sigmoid_binary_cross_entropy(Z, Y)
    assert L == pytest.approx(losses.binary_cross_entropy(act.sigmoid(Z), Y)[0], rel=1e-13)
    np.testing.assert_allclose(dZ, (act.sigmoid(Z) - Y) / 6, rtol=1e-13)
    numeric = numerical_gradient(lambda z: losses.sigmoid_binary_cross_entropy(z, Y)[0], Z.copy())
    assert rel_error(dZ, numeric) < 1e-7


@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_output_with_mse_chain_rule_matches_finite_differences(output):
    """BP1 unfused: δ^L = ∇_a ℓ ⊙ σ′(Z^L), the way the network computes identity/sigmoid/softmax + MSE."""
    Z, Y = rand((3, 4), 6), np.abs(rand((3, 4), 7)) / 3

    def loss_of_z(z):
        return losses.mse(activation_forward(z, output)[0], Y)[0]

    A, cache = activation_forward(Z, output)
    analytic = activation_backward(losses.mse(A, Y)[1], cache)
    numeric = numerical_gradient(loss_of_z, Z.copy())
    assert rel_error(analytic, numeric) < 1e-7


def test_unfused_chain_equals_fused_shortcut():
    """softmax′ applied to −Y/(mA) gives exactly (A − Y)/m: the simplification of BP1."""
    Z = rand((3, 4), 8)
    Y = np.eye(3)[:, [0, 2, 1, 1]]
    A, cache = activation_forward(Z, "softmax")
    chained = activation_backward(losses.cross_entropy(A, Y)[1], cache)
    np.testing.assert_allclose(chained, losses.softmax_cross_entropy(Z, Y)[1], atol=1e-15)
    A, cache = activation_forward(Z[:1], "sigmoid")
    Yb = np.array([[1.0, 0.0, 0.0, 1.0]])
    chained = activation_backward(losses.binary_cross_entropy(A, Yb)[1], cache)
    np.testing.assert_allclose(chained, losses.sigmoid_binary_cross_entropy(Z[:1], Yb)[1], atol=1e-15)


def test_fused_losses_stable_at_plus_minus_1000(strict):
    Z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    Y = np.array([[0.0, 0.0], [1.0, 1.0]])  # column 1 wrong by 2000 logits, column 2 right
    L, dZ = losses.softmax_cross_entropy(Z, Y)
    assert L == pytest.approx(2000.0 / 2)  # −log a = 2000 for the wrong column, 0 for the right one
    np.testing.assert_allclose(dZ, [[0.5, 0.0], [-0.5, 0.0]])
    Zb = np.array([[1000.0, -1000.0, 1000.0]])
    Yb = np.array([[0.0, 0.0, 1.0]])
    L, dZ = losses.sigmoid_binary_cross_entropy(Zb, Yb)
    assert L == pytest.approx(1000.0 / 3)  # log(1 + e^{1000}) − 0 = 1000; the others ≈ 0
    np.testing.assert_allclose(dZ, [[1 / 3, 0.0, 0.0]])


def test_unfused_losses_finite_on_saturated_probabilities(strict):
    L, dA = losses.cross_entropy(np.array([[0.0], [1.0]]), np.array([[1.0], [0.0]]))
    assert L == pytest.approx(-np.log(1e-12))  # clipped at 1e-12, finite
    assert np.isfinite(dA).all()
    L, dA = losses.binary_cross_entropy(np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]]))
    assert np.isfinite(L) and np.isfinite(dA).all()


def test_registries():
    assert set(losses.LOSSES) == {"mse", "cross_entropy"}
    assert losses.loss_on_output("sigmoid", "cross_entropy") is losses.binary_cross_entropy
    assert losses.loss_on_output("softmax", "cross_entropy") is losses.cross_entropy
    assert losses.loss_on_output("identity", "mse") is losses.mse
    assert losses.FUSED[("softmax", "cross_entropy")] is losses.softmax_cross_entropy
    assert losses.FUSED[("sigmoid", "cross_entropy")] is losses.sigmoid_binary_cross_entropy
