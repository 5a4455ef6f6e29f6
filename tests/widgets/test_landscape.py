import numpy as np
import pytest

import bpcourse as bp
from bpcourse.widgets import landscape as ls


def test_batched_training_matches_the_library_mlp():
    res = ls.train_restarts(2, 1.0, restarts=8, steps=300)
    X, Y = ls.xor_data()
    for seed in (0, 5):
        net = bp.MLP(
            [2, 2, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", init="normal", scale=1.0, seed=seed
        )
        assert res["history"][seed, 0] == pytest.approx(net.loss(X, Y), abs=1e-12)
        opt = bp.optim.SGD(lr=ls.LR)
        for _ in range(300):
            opt.step(net.params, net.gradients(X, Y))
        assert res["final"][seed] == pytest.approx(net.loss(X, Y), abs=1e-10)


def test_restarts_spread_between_solved_and_stuck():
    o = ls.outcome(ls.cached_restarts(2, 1.0)["final"])
    assert o["solved"] == pytest.approx(0.52, abs=0.05)
    assert o["stuck"] == pytest.approx(0.47, abs=0.05)
    assert ls.outcome(ls.cached_restarts(1, 1.0)["final"])["solved"] == 0.0  # one hidden unit cannot do XOR


def test_widget_histogram_counts_the_restarts():
    plot = ls.restarts()
    bars = plot.artists["bars"]
    assert sum(r.get_height() for r in bars) == 100
    plot.controls["n_restarts"].value = 30
    assert sum(r.get_height() for r in bars) == 30
    assert len(plot.artists["lines"].get_segments()) == 30
    plot.controls["n_restarts"].value = 100
    plot.controls["hidden"].value = 8
    assert "100% solved" in plot.artists["title"].get_text()


def test_one_dimensional_descent_stops_in_different_valleys():
    ends = ls.descend_1d([-5.5, -3.6, -1.2, 0.4, 2.3, 4.6])
    assert np.all(np.abs(ls.bumpy_prime(ends)) < 1e-4)
    assert len(np.unique(np.round(ends, 2))) == 6
    assert np.argmin(ls.bumpy(ends)) == 2  # only the start at −1.2 finds the deepest valley


def _net_theta(net):
    return ls.pack({k: v[None] for k, v in net.params.items()})


def test_train_from_returns_the_trained_parameters_and_keeps_its_inputs():
    W1, W2 = ls.initial_weights(2, 1.0, range(4))
    before = W1.copy(), W2.copy()
    res = ls.train_from(W1, W2, 200)
    np.testing.assert_array_equal(W1, before[0])
    np.testing.assert_array_equal(W2, before[1])
    np.testing.assert_allclose(ls.train_restarts(2, 1.0, restarts=4, steps=200)["final"], res["final"], rtol=1e-12)
    loss, _ = ls.flat_gradient(ls.pack(res["params"]))
    np.testing.assert_allclose(loss, res["final"], rtol=1e-12)


def test_flat_gradient_is_the_library_gradient():
    X, Y = ls.xor_data()
    net = bp.MLP([2, 3, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", init="normal", scale=1.0, seed=3)
    net.params["b1"] += 0.1
    loss, grad = ls.flat_gradient(_net_theta(net))
    assert loss[0] == pytest.approx(net.loss(X, Y), rel=1e-12)
    np.testing.assert_allclose(grad[0], _net_theta_of(net.gradients(X, Y)), rtol=1e-10, atol=1e-15)
    W1, b1, W2, b2 = ls.unpack(_net_theta(net))
    np.testing.assert_array_equal(W1[0], net.params["W1"])
    np.testing.assert_array_equal(b2[0], net.params["b2"])


def _net_theta_of(grads):
    return ls.pack({k: v[None] for k, v in grads.items()})[0]


def test_hessian_at_the_origin_is_flat_but_for_the_output_bias():
    H = ls.hessian(np.zeros((1, 9)))[0]
    np.testing.assert_allclose(H, H.T)
    eig = np.linalg.eigvalsh(H)
    assert np.sum(np.abs(eig) < 1e-6) == 8
    assert eig[-1] == pytest.approx(0.25, abs=1e-8)  # ∂²L/∂(b²)² = mean σ′(0) = 1/4
    assert np.linalg.norm(ls.flat_gradient(np.zeros((1, 9)))[1]) == 0.0


def test_hessian_agrees_with_second_differences_of_the_loss():
    rng = np.random.default_rng(1)
    theta = rng.standard_normal((1, 9))
    H = ls.hessian(theta)[0]
    h, i, j = 1e-4, 2, 6
    E = np.eye(9) * h

    def f(t):
        return ls.flat_gradient(t[None])[0][0]

    t = theta[0]
    fd = (f(t + E[i] + E[j]) - f(t + E[i] - E[j]) - f(t - E[i] + E[j]) + f(t - E[i] - E[j])) / (4 * h * h)
    assert H[i, j] == pytest.approx(fd, rel=1e-4, abs=1e-6)


def test_descend_far_continues_exactly_like_the_batched_training():
    res = ls.cached_restarts(2, 1.0)
    theta = ls.pack(res["params"])[:3]
    W1, b1, W2, b2 = ls.unpack(theta)
    later = ls.pack(ls.train_from(W1, W2, 300, b1=b1, b2=b2)["params"])
    for r in range(3):
        far = ls.descend_far(theta[r], 300, record=(0, 300))
        np.testing.assert_allclose(far["theta"], later[r], rtol=1e-9, atol=1e-12)
        loss, grad = ls.flat_gradient(theta[r : r + 1])
        assert far["loss"][0] == pytest.approx(loss[0], rel=1e-12)
        assert far["grad_norm"][0] == pytest.approx(np.linalg.norm(grad[0]), rel=1e-9)
        assert far["norm"][0] == pytest.approx(np.linalg.norm(theta[r]), rel=1e-12)
        assert list(far["step"]) == [0, 300]


def test_stuck_runs_slide_down_a_valley_without_a_floor():
    res = ls.cached_restarts(2, 1.0)
    stuck = ls.outcome_masks(res["final"])["stuck"]
    theta = ls.pack(res["params"])[np.flatnonzero(stuck)[0]]
    far = ls.descend_far(theta, 20_000, record=(0, 2_000, 20_000))
    assert np.all(np.diff(far["grad_norm"]) < 0)  # the gradient keeps falling ...
    assert np.all(np.diff(far["norm"]) > 0)  # ... while the weights keep growing
    assert np.all(np.diff(far["loss"]) < 0) and np.all(far["loss"] > ls.STUCK)
    assert far["grad_norm"][-1] < far["grad_norm"][0] / 5
    _, y_hat = ls.forward(far["theta"][None])
    assert np.sum(np.abs(y_hat[0] - 0.5) < 0.01) == 2  # two points answered with ½


def test_plateau_runs_sit_near_a_saddle():
    res = ls.cached_restarts(2, 0.1)
    theta = ls.pack(res["params"])
    loss, _ = ls.flat_gradient(theta)
    plateau = np.abs(loss - np.log(2)) < 0.01
    assert plateau.sum() >= 20
    eig = np.linalg.eigvalsh(ls.hessian(theta[plateau]))
    assert np.all(eig[:, 0] < -1e-4)  # every one has a direction of negative curvature


def test_equal_starting_weights_stay_equal():
    W1 = np.full((2, 4, 2), 0.5)
    W2 = np.full((2, 1, 4), 0.5)
    W1[1], W2[1] = 0.0, 0.0
    p = ls.train_from(W1, W2, 500)["params"]
    assert np.ptp(p["W1"][0], axis=0).max() < 1e-12 and np.ptp(p["W2"][0], axis=1).max() < 1e-12
    assert np.abs(p["W1"][0]).max() > 0.6  # they moved, all alike
    assert np.all(p["W1"][1] == 0) and np.all(p["W2"][1] == 0)  # from zeros nothing moves


def test_widget_outcomes_have_a_second_cue_and_the_status_explains_the_stuck_runs():
    from bpcourse import plots

    plot = ls.restarts()
    a = plot.artists
    assert (
        ls.CATEGORY_STYLE["solved"]["color"] == plots.BLUE and ls.CATEGORY_STYLE["stuck"]["color"] == plots.VERMILLION
    )
    styles = {k: (st["hatch"], st["ls"]) for k, st in ls.CATEGORY_STYLE.items()}
    assert len(set(styles.values())) == 3  # told apart without colour too
    final = ls.cached_restarts(2, 1.0)["final"]
    kinds = [ls._category(f) for f in final]
    assert list(a["lines"].get_linestyles()) == [a["lines"].get_linestyles()[kinds.index(k)] for k in kinds]
    texts = [t.get_text() for t in a["ax_c"].get_legend().get_texts()]
    assert texts == ["solved (loss < 0.05)", "stuck near ln(2)/2", "neither yet"]
    assert "green" not in a["ax_c"].get_title() and "red" not in a["ax_c"].get_title()
    assert plot.status.value.startswith("best of 100: loss 0.00432; worst: 0.48. 47% of the runs stop near ln(2)/2")
    scale = plot.controls["scale"]
    assert [label for label, _ in scale.options] == ["0.1", "0.5", "1", "2", "4"] and scale.label == "1"
    assert "scale 1," in a["title"].get_text()
    scale.value = 0.5
    plot.controls["n_restarts"].value = 20
    plot.reset_button.click()
    assert plot.values() == {"hidden": 2, "scale": 1.0, "n_restarts": 100}
    for control in plot.controls.values():
        assert control.tooltip and control.layout.width and len(control.description) <= 18
