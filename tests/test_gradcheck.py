"""bpcourse.gradcheck: centred differences, relative error, and the whole-network report."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.gradcheck import check_network, numerical_gradient, rel_error


def test_numerical_gradient_of_known_functions():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    g = numerical_gradient(lambda v: float(np.sum(v**2)), x)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-9)
    # a cubic: the centred difference has error h²·f‴/6 = 1e-10 exactly
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(g, 3 * x**2 + 1e-10, rtol=1e-8)
    assert g.shape == x.shape


def test_numerical_gradient_restores_x_exactly():
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    numerical_gradient(lambda v: float(np.prod(v)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_sees_closed_over_array():
    """f may ignore its argument and read the same array: it is perturbed in place."""
    w = np.array([2.0, -1.0])
    g = numerical_gradient(lambda _: float(w[0] * w[1]), w)
    np.testing.assert_allclose(g, [-1.0, 2.0], rtol=1e-9)


def test_numerical_gradient_refuses_non_float_or_non_contiguous():
    with pytest.raises(TypeError, match="float ndarray"):
        numerical_gradient(lambda v: 0.0, np.array([1, 2]))
    with pytest.raises(TypeError, match="float ndarray"):
        numerical_gradient(lambda v: 0.0, [1.0, 2.0])
    with pytest.raises(ValueError, match="contiguous"):
        numerical_gradient(lambda v: 0.0, np.ones((3, 4)).T)  # reshape(-1) would copy: no in-place perturbation


def test_rel_error_values():
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([0.0], [0.0]) == 0.0
    # ‖a − b‖ / (‖a‖ + ‖b‖) = 1 / (1 + 2)
    assert rel_error([1.0, 0.0], [2.0, 0.0]) == pytest.approx(1 / 3)
    assert rel_error([3.0, 4.0], [0.0, 0.0]) == 1.0
    with pytest.raises(ValueError, match=r"equal shapes; got \(2,\) and \(3,\)"):
        rel_error([1.0, 2.0], [1.0, 2.0, 3.0])


def small_net(seed=0, **kw):
    net = bp.MLP([3, 4, 2], hidden="tanh", seed=seed, **kw)
    rng = np.random.default_rng(seed)
    for k, p in net.params.items():
        if k.startswith("b"):
            p[...] = 0.1 * rng.standard_normal(p.shape)
    X = rng.standard_normal((3, 5))
    Y = bp.datasets.one_hot(np.array([0, 1, 1, 0, 1]), 2)
    return net, X, Y


def test_check_network_passes_on_correct_backprop():
    net, X, Y = small_net()
    report = check_network(net, X, Y)
    assert list(report.errors) == ["W1", "b1", "W2", "b2"]
    assert report.max_error < 1e-7
    assert report.max_error == max(report.errors.values())
    assert report.errors[report.worst] == report.max_error
    text = str(report)
    assert "worst:" in text and "relative error" in text


def test_check_network_pinpoints_a_planted_bug(monkeypatch):
    """Double one entry of ∂L/∂W2: the report must name W2, that index and both values."""
    net, X, Y = small_net()
    true_grads = net.gradients(X, Y)
    original = type(net).gradients

    def buggy(self, X, Y):
        g = original(self, X, Y)
        g["W2"][1, 2] *= 2.0
        return g

    monkeypatch.setattr(type(net), "gradients", buggy)
    report = check_network(net, X, Y)
    assert report.worst == "W2"
    assert report.index == (1, 2)
    assert report.backprop == pytest.approx(2 * true_grads["W2"][1, 2], rel=1e-12)
    assert report.numerical == pytest.approx(true_grads["W2"][1, 2], rel=1e-6)
    assert report.max_error > 1e-3
    assert report.errors["W1"] < 1e-7


def test_check_network_leaves_batchnorm_state_unchanged():
    net, X, Y = small_net(batchnorm=True)
    before = {k: v.copy() for k, v in net.bn_state.items()}
    report = check_network(net, X, Y)
    assert report.max_error < 1e-7
    # gradients() ran one training-mode forward pass before the check saved the state: one update only
    net2, _, _ = small_net(batchnorm=True)
    net2.forward(X, training=True)
    for k in before:
        np.testing.assert_allclose(net.bn_state[k], net2.bn_state[k], rtol=1e-15, err_msg=k)
