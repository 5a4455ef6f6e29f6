"""bpcourse.network.MLP: the public contract, a worked example by hand, and gradient checks over depths,
hidden activations, output/loss pairs and batch norm."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.gradcheck import check_network

# ---- the public contract ------------------------------------------------------------------


def test_params_keys_and_shapes():
    net = bp.MLP([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (32, 64),
        "b1": (32, 1),
        "W2": (10, 32),
        "b2": (10, 1),
    }
    assert net.n_params == 32 * 64 + 32 + 10 * 32 + 10
    assert all(v.dtype == np.float64 for v in net.params.values())
    np.testing.assert_array_equal(net.params["b1"], 0.0)
    assert net.init == "he"  # 'auto' picks He for ReLU
    assert repr(net) == "MLP([64, 32, 10], hidden='relu', output='softmax', loss='cross_entropy', init='he')"


def test_forward_loss_gradients_shapes():
    net = bp.MLP([64, 32, 10], seed=0)
    X = np.random.default_rng(0).random((64, 7))
    Y = bp.datasets.one_hot(np.arange(7), 10)
    A = net.forward(X)
    assert A.shape == (10, 7)
    np.testing.assert_allclose(A.sum(axis=0), np.ones(7))
    L = net.loss(X, Y)
    assert isinstance(L, float)
    assert L == pytest.approx(-np.mean(np.log(A[np.arange(7), np.arange(7)])), rel=1e-12)
    grads = net.gradients(X, Y)
    assert {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net.params.items()}
    L2, grads2 = net.loss_and_gradients(X, Y)
    assert L2 == L
    for k in grads:
        np.testing.assert_array_equal(grads[k], grads2[k])


def test_forward_cache_holds_z_and_a_per_layer():
    net = bp.MLP([3, 4, 2], hidden="tanh", output="softmax", seed=1)
    X = np.random.default_rng(1).standard_normal((3, 5))
    A, caches = net.forward_cache(X)
    assert len(caches) == 2
    Z1 = net.params["W1"] @ X + net.params["b1"]
    np.testing.assert_allclose(caches[0].activation.Z, Z1)
    np.testing.assert_allclose(caches[0].activation.A, np.tanh(Z1))
    np.testing.assert_allclose(caches[1].linear.A_prev, np.tanh(Z1))
    assert caches[1].activation.A is A
    assert caches[0].batchnorm is None


def test_predict_and_accuracy():
    net = bp.MLP([2, 2], hidden="relu", output="softmax", seed=0)
    net.params["W1"][...] = np.eye(2)
    X = np.array([[1.0, 0.0, 3.0, -1.0], [0.0, 1.0, 2.0, 0.0]])
    np.testing.assert_array_equal(net.predict(X), [0, 1, 0, 1])
    y = np.array([0, 1, 1, 1])
    assert net.accuracy(X, y) == 0.75
    assert net.accuracy(X, bp.datasets.one_hot(y, 2)) == 0.75
    binary = bp.MLP([1, 1], output="sigmoid", seed=0)
    binary.params["W1"][...] = 1.0
    Xb = np.array([[-2.0, 0.5, 3.0]])
    np.testing.assert_array_equal(binary.predict(Xb), [0, 1, 1])
    assert binary.accuracy(Xb, np.array([[0.0, 0.0, 1.0]])) == pytest.approx(2 / 3)


def test_copy_is_independent():
    net = bp.MLP([2, 3, 2], batchnorm=True, seed=0)
    twin = net.copy()
    twin.params["W1"] += 1.0
    twin.bn_state["mean1"] += 1.0
    assert not np.allclose(twin.params["W1"], net.params["W1"])
    np.testing.assert_array_equal(net.bn_state["mean1"], 0.0)


def test_batchnorm_params_replace_hidden_biases():
    net = bp.MLP([3, 4, 5, 2], batchnorm=True, seed=0)
    assert list(net.params) == ["W1", "gamma1", "beta1", "W2", "gamma2", "beta2", "W3", "b3"]
    assert set(net.bn_state) == {"mean1", "var1", "mean2", "var2"}


def test_batchnorm_training_forward_updates_running_stats_eval_does_not():
    net = bp.MLP([2, 3, 2], batchnorm=True, seed=0, bn_momentum=0.9)
    X = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, -1.0, 1.0, 2.0]])
    net.forward(X)  # evaluation mode by default: running averages untouched
    np.testing.assert_array_equal(net.bn_state["mean1"], 0.0)
    net.forward(X, training=True)
    Z1 = net.params["W1"] @ X
    np.testing.assert_allclose(net.bn_state["mean1"], 0.1 * Z1.mean(axis=1, keepdims=True))
    np.testing.assert_allclose(net.bn_state["var1"], 0.9 + 0.1 * Z1.var(axis=1, ddof=1, keepdims=True))


def test_seed_determinism():
    a, b, c = (bp.MLP([5, 8, 3], seed=s) for s in (7, 7, 8))
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["W1"], c.params["W1"])


# ---- a worked example, by hand ---------------------------------------------------------------


def test_worked_example_2_2_1_sigmoid_mse():
    r"""One forward/backward/SGD step of a 2-2-1 sigmoid network with L = ½(a − y)², one example.

    Numbers below were computed with plain Python floats from the formulas, independently of bpcourse.
    """
    net = bp.MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse", seed=0)
    net.params["W1"][...] = [[0.1, 0.2], [0.3, 0.4]]
    net.params["b1"][...] = [[0.1], [-0.1]]
    net.params["W2"][...] = [[0.5, -0.6]]
    net.params["b2"][...] = [[0.2]]
    X, Y = np.array([[1.0], [0.5]]), np.array([[1.0]])

    # Forward.
    # z¹ = W¹x + b¹ = [0.1·1 + 0.2·0.5 + 0.1, 0.3·1 + 0.4·0.5 − 0.1] = [0.3, 0.4]
    # a¹ = σ(z¹) = [0.574442516811659, 0.598687660112452]
    # z² = 0.5·0.574442516811659 − 0.6·0.598687660112452 + 0.2 = 0.12800866233835834
    # a² = σ(z²) = 0.5319585375355644
    # L = ½(0.5319585375355644 − 1)² = 0.10953140529292382
    A, caches = net.forward_cache(X)
    np.testing.assert_allclose(caches[0].activation.Z, [[0.3], [0.4]], rtol=0, atol=1e-12)
    np.testing.assert_allclose(caches[0].activation.A, [[0.574442516811659], [0.598687660112452]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(caches[1].activation.Z, [[0.12800866233835834]], rtol=0, atol=1e-8)
    np.testing.assert_allclose(A, [[0.5319585375355644]], rtol=0, atol=1e-8)
    assert net.loss(X, Y) == pytest.approx(0.10953140529292382, abs=1e-8)

    # Backward.
    # BP1: δ² = (a² − y)·σ′(z²) = (0.53196 − 1)·0.53196·(1 − 0.53196) = −0.11653233234767787
    # BP2: δ¹ = (W²)ᵀδ² ⊙ σ′(z¹):
    #      δ¹₁ = 0.5·(−0.116532)·0.574443·0.425557 = −0.014243648611549113
    #      δ¹₂ = −0.6·(−0.116532)·0.598688·0.401312 = 0.016798887043711682
    # BP3: ∂L/∂b = δ;  BP4: ∂L/∂W² = δ²(a¹)ᵀ = [−0.06694112628373279, −0.06976646938067786]
    #      ∂L/∂W¹ = δ¹xᵀ = [[−0.014243648611549113, −0.007121824305774556],
    #                       [0.016798887043711682, 0.008399443521855841]]
    g = net.gradients(X, Y)
    expected = {
        "W1": [[-0.014243648611549113, -0.007121824305774556], [0.016798887043711682, 0.008399443521855841]],
        "b1": [[-0.014243648611549113], [0.016798887043711682]],
        "W2": [[-0.06694112628373279, -0.06976646938067786]],
        "b2": [[-0.11653233234767787]],
    }
    for k, v in expected.items():
        np.testing.assert_allclose(g[k], v, rtol=0, atol=1e-8, err_msg=k)

    # Update with SGD, α = 0.5: θ ← θ − 0.5·g
    # W² = [0.5 + 0.5·0.066941, −0.6 + 0.5·0.069766] = [0.5334705631418664, −0.565116765309661]
    # b² = 0.2 + 0.5·0.116532 = 0.25826616617383896
    # W¹ = [[0.10712182430577456, 0.2035609121528873], [0.29160055647814415, 0.3958002782390721]]
    # b¹ = [[0.10712182430577456], [−0.10839944352185585]]
    bp.optim.SGD(lr=0.5).step(net.params, g)
    updated = {
        "W1": [[0.10712182430577456, 0.2035609121528873], [0.29160055647814415, 0.3958002782390721]],
        "b1": [[0.10712182430577456], [-0.10839944352185585]],
        "W2": [[0.5334705631418664, -0.565116765309661]],
        "b2": [[0.25826616617383896]],
    }
    for k, v in updated.items():
        np.testing.assert_allclose(net.params[k], v, rtol=0, atol=1e-8, err_msg=k)
    # and the step lowered the loss
    assert net.loss(X, Y) < 0.10953140529292382


# ---- gradient checks over the whole grid ---------------------------------------------------

PAIRS = {  # output/loss pair → number of output units
    ("softmax", "cross_entropy"): 3,  # fused: δ^L = (A − Y)/m
    ("sigmoid", "cross_entropy"): 1,  # fused binary cross-entropy
    ("identity", "mse"): 2,
    ("sigmoid", "mse"): 2,
    ("softmax", "mse"): 3,  # softmax's Jacobian-vector product in BP1
}
HIDDEN = ["sigmoid", "tanh", "relu", "leaky_relu", "elu"]


def targets(output, loss, n_out, m, rng):
    if loss == "cross_entropy" and output == "softmax":
        return bp.datasets.one_hot(np.arange(m) % n_out, n_out)
    if loss == "cross_entropy":
        return (np.arange(m) % 2).reshape(1, m).astype(float)
    return rng.uniform(0.1, 0.9, (n_out, m))


def randomized_net(depth, hidden, output, loss, n_out, batchnorm, seed):
    """A small network whose biases (and γ, β) are small random numbers rather than 0.

    With zero biases a ReLU-family pre-activation can sit exactly at z = 0 (e.g. a zero input column),
    where the centred difference averages the two one-sided slopes and disagrees with σ′(0) = 0:
    the check would fail for a reason that is not a bug. Random biases move every z off the kink.
    """
    sizes = [3] + [4] * (depth - 1) + [n_out]
    net = bp.MLP(sizes, hidden=hidden, output=output, loss=loss, batchnorm=batchnorm, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for k, p in net.params.items():
        if k.startswith("b") and not k.startswith("beta"):
            p[...] = 0.1 * rng.standard_normal(p.shape)
        elif k.startswith("gamma"):
            p[...] = 1.0 + 0.2 * rng.standard_normal(p.shape)
        elif k.startswith("beta"):
            p[...] = 0.1 * rng.standard_normal(p.shape)
    return net


GRID = [
    (depth, hidden, output, loss, bn)
    for depth in (1, 2, 3, 4)
    for hidden in (HIDDEN if depth > 1 else ["relu"])  # depth 1 has no hidden layer
    for (output, loss) in PAIRS
    for bn in ((False, True) if depth > 1 else (False,))  # batch norm applies to hidden layers only
]


def grid_case(depth, hidden, output, loss, bn):
    """The network and batch (net, X, Y) of one GRID entry: what every test over the grid checks."""
    n_out = PAIRS[(output, loss)]
    net = randomized_net(depth, hidden, output, loss, n_out, bn, seed=depth)
    rng = np.random.default_rng(depth + 10)
    X = rng.standard_normal((3, 6))
    return net, X, targets(output, loss, n_out, 6, rng)


@pytest.mark.parametrize("depth,hidden,output,loss,bn", GRID)
def test_network_gradients_match_finite_differences(depth, hidden, output, loss, bn):
    net, X, Y = grid_case(depth, hidden, output, loss, bn)
    report = check_network(net, X, Y)
    assert report.max_error < 1e-7, str(report)
    assert set(report.errors) == set(net.params)


def test_grid_covers_every_combination():
    assert len(GRID) == 5 + 3 * 5 * 5 * 2  # depth 1: 5 pairs; depths 2–4: 5 hidden × 5 pairs × bn on/off
