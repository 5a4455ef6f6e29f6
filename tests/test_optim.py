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
    assert (rms.lr, rms.beta, rms.eps) == (0.001, 0.9, 1e-8)  # β from the lecture, α a library convention
    assert optim.Momentum().beta == 0.9
    assert (optim.AdaGrad().lr, optim.AdaGrad().eps) == (0.01, 1e-8)
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


# ---- the textbook forms against the classes --------------------------------------------------------------------


def random_problem(rng):
    """A random shape (1 to 3 axes), a start θ and per-entry gradient scales from 1e-6 to 1e3."""
    shape = tuple(int(n) for n in rng.integers(1, 6, size=rng.integers(1, 4)))
    theta = rng.standard_normal(shape) * 10 ** rng.uniform(-3, 3)
    return shape, theta, 10 ** rng.uniform(-6, 3, size=shape)


TEXTBOOK = {
    "momentum": (
        lambda: optim.Momentum(lr=0.01, beta=0.8),
        lambda th, g, s, t: optim.momentum_update(th, g, *s, 0.01, 0.8),
        ("v",),
    ),
    "adagrad": (lambda: optim.AdaGrad(lr=0.05), lambda th, g, s, t: optim.adagrad_update(th, g, *s, 0.05), ("G",)),
    "rmsprop": (
        lambda: optim.RMSProp(lr=3e-3, beta=0.95),
        lambda th, g, s, t: optim.rmsprop_update(th, g, *s, 3e-3, 0.95),
        ("s",),
    ),
    "adam": (
        lambda: optim.Adam(lr=2e-3, beta1=0.8),
        lambda th, g, s, t: optim.adam_update(th, g, *s, t, 2e-3, 0.8),
        ("m", "v"),
    ),
}


@pytest.mark.parametrize("name", list(TEXTBOOK))
def test_textbook_form_gives_the_classes_numbers(name):
    """1000 steps on 8 random shapes. The state is bit for bit the same; every step agrees to 1e-15 relative
    (Adam's class folds the bias correction into two scalars, so its last bit may differ; the others do the
    same operations in the same order); after 1000 steps θ agrees to 1e-15 of its largest entry."""
    make, update, keys = TEXTBOOK[name]
    rng = np.random.default_rng(42)
    for _ in range(8):
        shape, theta0, scale = random_problem(rng)
        opt, probe = make(), make()  # probe steps from θ = 0 every time: its step is exact, not rounded into θ
        params, theta, state = {"x": theta0.copy()}, theta0.copy(), tuple(np.zeros(shape) for _ in keys)
        worst_step, same_state = 0.0, True
        for t in range(1, 1001):
            g = rng.standard_normal(shape) * scale
            zero = {"x": np.zeros(shape)}
            probe._step(zero, {"x": g})  # the update does not depend on θ, so probe's state is opt's
            opt._step(params, {"x": g})
            step = update(np.zeros(shape), g, state, t)[0]
            worst_step = max(worst_step, float(np.max(np.abs(zero["x"] - step) / np.abs(step))))
            theta, *rest = update(theta, g, state, t)
            state = tuple(rest)
            same_state &= all(np.array_equal(opt.state["x"][k], s) for k, s in zip(keys, state, strict=True))
        assert same_state
        assert worst_step <= 1e-15
        assert np.max(np.abs(params["x"] - theta)) <= 1e-15 * np.max(np.abs(theta))


def test_textbook_forms_broadcast_one_learning_rate_per_run():
    """lr of shape (R, 1) runs R settings at once; each row is the single run with that lr."""
    lrs = np.array([[1e-3], [1e-2], [1e-1]])
    g = np.array([[0.5, -2.0]] * 3)
    theta, m, v = optim.adam_update(np.zeros((3, 2)), g, np.zeros((3, 2)), np.zeros((3, 2)), 1, lrs)
    for row, lr in enumerate(lrs[:, 0]):
        alone, _, _ = optim.adam_update(np.zeros(2), g[row], np.zeros(2), np.zeros(2), 1, lr)
        np.testing.assert_array_equal(theta[row], alone)


def test_adam_without_bias_correction_steps_too_far_at_first():
    """Constant g: the uncorrected step is α(1 − β₁ᵗ)/√(1 − β₂ᵗ), 3.16α at t = 1 (Kingma & Ba §3)."""
    b1, b2 = 0.9, 0.999
    m = v = 0.0
    ratios = {}
    for t in range(1, 1001):
        _, m, v = optim.adam_update(0.0, 1.0, m, v, t, 1.0)
        ratios[t] = (m / (np.sqrt(v) + 1e-8)) / (1.0 / (1.0 + 1e-8))
    assert ratios[1] == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-6)
    assert ratios[1] > 3 and max(ratios.values()) > 6 and ratios[1000] > 1.2
    for t in (1, 10, 100, 1000):
        assert ratios[t] == pytest.approx((1 - b1**t) / np.sqrt(1 - b2**t), rel=1e-6)
