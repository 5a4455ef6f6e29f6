"""bpcourse.initializers: shapes, spreads from the formulas, seeds, and the defaults per activation."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse import initializers as init
from bpcourse.errors import BPCourseError


@pytest.mark.parametrize(
    "name,std",
    [
        ("normal", 0.05),  # the given scale
        ("xavier", np.sqrt(2.0 / (400 + 600))),  # √(2/(n_in + n_out))
        ("he", np.sqrt(2.0 / 400)),  # √(2/n_in)
    ],
)
def test_spread_matches_formula(name, std):
    W = init.init_weights(name, 600, 400, np.random.default_rng(0), scale=0.05)
    assert W.shape == (600, 400)
    assert abs(W.mean()) < 3 * std / np.sqrt(W.size)  # mean within 3 standard errors of 0
    assert W.std() == pytest.approx(std, rel=0.01)  # 240,000 samples: relative spread ≈ 0.15 %


def test_zeros():
    W = init.init_weights("zeros", 3, 2, np.random.default_rng(0))
    np.testing.assert_array_equal(W, np.zeros((3, 2)))


def test_same_rng_state_same_weights():
    a = init.he(4, 5, np.random.default_rng(1))
    b = init.he(4, 5, np.random.default_rng(1))
    c = init.he(4, 5, np.random.default_rng(2))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_default_for_activation():
    assert [init.default_for(h) for h in ("relu", "leaky_relu", "elu", "sigmoid", "tanh")] == [
        "he",
        "he",
        "he",
        "xavier",
        "xavier",
    ]


def test_network_uses_named_initializer_and_zero_biases():
    net = bp.MLP([100, 200, 3], hidden="tanh", init="normal", scale=0.2, seed=0)
    assert net.init == "normal"
    assert net.params["W1"].std() == pytest.approx(0.2, rel=0.02)
    np.testing.assert_array_equal(net.params["b1"], 0.0)
    assert bp.MLP([100, 200, 3], hidden="tanh", seed=0).init == "xavier"
    zero = bp.MLP([4, 3, 2], init="zeros")
    # the symmetry problem: every hidden unit gets the same gradient (here exactly zero)
    X = np.random.default_rng(0).standard_normal((4, 6))
    g = zero.gradients(X, bp.datasets.one_hot(np.arange(6) % 2, 2))
    np.testing.assert_array_equal(g["W1"], 0.0)


def test_unknown_initializer_lists_valid():
    msg = r"unknown initializer 'glorot'; choose one of 'zeros', 'normal', 'xavier', 'he'"
    with pytest.raises(BPCourseError, match=msg):
        init.init_weights("glorot", 2, 2, np.random.default_rng(0))
    with pytest.raises(BPCourseError, match=msg):
        bp.MLP([2, 2], init="glorot")
