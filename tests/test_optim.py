"""bpcourse.optim: every update rule recomputed independently in plain NumPy over several steps."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse import optim
from bpcourse.errors import BPCourseError

STEPS = 6


def gradient_sequence(seed=0):
    """Changing gradients for two parameters of different shapes, one dict per step."""
    rng = np.random.default_rng(seed)
    return [{"W": rng.standard_normal((2, 3)), "b": rng.standard_normal((2, 1))} for _ in range(STEPS)]


def start_params():
    return {"W": np.arange(6.0).reshape(2, 3) / 10, "b": np.array([[1.0], [-1.0]])}


def run(opt):
    params = start_params()
    history = []
    for g in gradient_sequence():
        opt.step(params, {k: v.copy() for k, v in g.items()})
        history.append({k: v.copy() for k, v in params.items()})
    return history


def compare(history, reference):
    for step, (got, want) in enumerate(zip(history, reference, strict=True)):
        for k in want:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-13, atol=1e-15, err_msg=f"step {step + 1}, {k}")


def test_sgd():
    lr = 0.1
    theta = start_params()
    ref = []
    for g in gradient_sequence():
        theta = {k: theta[k] - lr * g[k] for k in theta}  # θ ← θ − α g
        ref.append(theta)
    compare(run(optim.SGD(lr=lr)), ref)


def test_momentum():
    lr, beta = 0.05, 0.9
    theta = start_params()
    v = {k: np.zeros_like(p) for k, p in theta.items()}
    ref = []
    for g in gradient_sequence():
        v = {k: beta * v[k] + g[k] for k in v}  # v ← βv + g
        theta = {k: theta[k] - lr * v[k] for k in theta}  # θ ← θ − α v
        ref.append(theta)
    compare(run(optim.Momentum(lr=lr, beta=beta)), ref)


def test_momentum_constant_gradient_builds_to_ten_times():
    opt, theta = optim.Momentum(lr=1.0, beta=0.9), {"x": np.zeros(1)}
    for _ in range(200):
        before = theta["x"].copy()
        opt.step(theta, {"x": np.ones(1)})
    # step length → α g / (1 − β) = 10
    assert (before - theta["x"])[0] == pytest.approx(10.0, rel=1e-8)


def test_adagrad():
    lr, eps = 0.1, 1e-8
    theta = start_params()
    G = {k: np.zeros_like(p) for k, p in theta.items()}
    ref = []
    for g in gradient_sequence():
        G = {k: G[k] + g[k] ** 2 for k in G}  # G ← G + g²
        theta = {k: theta[k] - lr * g[k] / (np.sqrt(G[k]) + eps) for k in theta}
        ref.append(theta)
    compare(run(optim.AdaGrad(lr=lr, eps=eps)), ref)


def test_rmsprop():
    lr, beta, eps = 0.01, 0.9, 1e-8
    theta = start_params()
    s = {k: np.zeros_like(p) for k, p in theta.items()}
    ref = []
    for g in gradient_sequence():
        s = {k: beta * s[k] + (1 - beta) * g[k] ** 2 for k in s}  # s ← βs + (1 − β)g²
        theta = {k: theta[k] - lr * g[k] / (np.sqrt(s[k]) + eps) for k in theta}
        ref.append(theta)
    compare(run(optim.RMSProp(lr=lr, beta=beta, eps=eps)), ref)


def test_adam():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    theta = start_params()
    m = {k: np.zeros_like(p) for k, p in theta.items()}
    v = {k: np.zeros_like(p) for k, p in theta.items()}
    ref = []
    for t, g in enumerate(gradient_sequence(), start=1):  # t = 1 on the first step
        m = {k: b1 * m[k] + (1 - b1) * g[k] for k in m}
        v = {k: b2 * v[k] + (1 - b2) * g[k] ** 2 for k in v}
        m_hat = {k: m[k] / (1 - b1**t) for k in m}
        v_hat = {k: v[k] / (1 - b2**t) for k in v}
        theta = {k: theta[k] - lr * m_hat[k] / (np.sqrt(v_hat[k]) + eps) for k in theta}
        ref.append(theta)
    compare(run(optim.Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)), ref)


def test_adam_first_step_moves_each_coordinate_by_lr():
    """With bias correction, m̂ = g and v̂ = g² at t = 1, so the first step is α·g/(|g| + ε) ≈ ±α."""
    opt = optim.Adam(lr=1e-3)
    theta = {"W": np.zeros((3, 4))}
    g = np.random.default_rng(3).standard_normal((3, 4)) * np.array([1e-3, 1.0, 10.0, 1e3])
    opt.step(theta, {"W": g})
    assert opt.t == 1
    np.testing.assert_allclose(np.abs(theta["W"]), 1e-3, rtol=1e-4)
    np.testing.assert_array_equal(np.sign(theta["W"]), -np.sign(g))


def test_defaults_from_the_papers():
    adam = optim.Adam()
    assert (adam.lr, adam.beta1, adam.beta2, adam.eps) == (0.001, 0.9, 0.999, 1e-8)
    rms = optim.RMSProp()
    assert (rms.lr, rms.beta, rms.eps) == (0.001, 0.9, 1e-8)
    assert optim.Momentum().beta == 0.9
    assert optim.AdaGrad().eps == 1e-8
    assert repr(optim.SGD(lr=0.5)) == "SGD(lr=0.5)"


def test_step_counter_and_reset():
    opt = optim.Adam(lr=0.1)
    p = {"x": np.zeros(2)}
    opt.step(p, {"x": np.ones(2)})
    opt.step(p, {"x": np.ones(2)})
    assert opt.t == 2 and set(opt.state["x"]) == {"m", "v"}
    opt.reset()
    assert opt.t == 0 and opt.state == {}
    q = {"x": np.zeros(2)}
    opt.step(q, {"x": np.ones(2)})
    np.testing.assert_allclose(q["x"], [-0.1, -0.1], rtol=1e-6)  # a fresh first step again


def test_make_by_name():
    opt = optim.make("rmsprop", lr=0.02, beta=0.5)
    assert isinstance(opt, optim.RMSProp) and opt.lr == 0.02 and opt.beta == 0.5
    assert set(optim.OPTIMIZERS) == {"sgd", "momentum", "adagrad", "rmsprop", "adam"}


def test_step_updates_network_params_in_place():
    net = bp.MLP([2, 3, 2], seed=0)
    W1 = net.params["W1"]
    before = W1.copy()
    X = np.array([[1.0, -1.0], [0.5, 2.0]])
    grads = net.gradients(X, np.eye(2))
    optim.SGD(lr=0.1).step(net.params, grads)
    assert net.params["W1"] is W1
    np.testing.assert_allclose(W1, before - 0.1 * grads["W1"])


def test_clip_grad_norm_scales_when_too_large():
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}  # ‖g‖ = 5
    norm = optim.clip_grad_norm(grads, max_norm=1.0)
    assert norm == 5.0
    np.testing.assert_allclose(grads["a"], [0.6, 0.0])
    np.testing.assert_allclose(grads["b"], [[0.8]])
    assert optim.global_norm(grads) == pytest.approx(1.0)


def test_clip_grad_norm_leaves_small_gradients():
    grads = {"a": np.array([0.3, 0.4])}
    assert optim.clip_grad_norm(grads, max_norm=1.0) == pytest.approx(0.5)
    np.testing.assert_array_equal(grads["a"], [0.3, 0.4])


def test_step_refuses_mismatched_grads():
    opt = optim.SGD(lr=0.1)
    with pytest.raises(BPCourseError, match=r"grads lacks \['b'\]"):
        opt.step({"W": np.zeros(2), "b": np.zeros(1)}, {"W": np.zeros(2)})
    with pytest.raises(BPCourseError, match=r"grads\['W'\] has shape \(3,\) but params\['W'\] has \(2,\)"):
        opt.step({"W": np.zeros(2)}, {"W": np.zeros(3)})
