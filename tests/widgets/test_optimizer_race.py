import numpy as np
import pytest

import bpcourse as bp
from bpcourse.widgets import optimizer_race as race


def test_sgd_on_the_quadratic_follows_the_closed_form():
    # f = 0.1 x1² + 2 x2², so SGD multiplies x1 by (1 − 0.2α) and x2 by (1 − 4α) every step.
    path, gap, escaped = race.run_2d("quadratic", bp.optim.SGD(lr=0.05), 30)
    t = np.arange(31)
    assert escaped is None
    np.testing.assert_allclose(path[:, 0], -4.0 * 0.99**t)
    np.testing.assert_allclose(path[:, 1], 1.0 * 0.8**t, atol=1e-15)
    np.testing.assert_allclose(gap, 0.1 * path[:, 0] ** 2 + 2 * path[:, 1] ** 2)


def test_momentum_with_beta_zero_is_sgd_and_adam_first_step_is_alpha():
    sgd, _, _ = race.run_2d("rosenbrock", race.make_optimizer("sgd", 1e-3), 50)
    heavy, _, _ = race.run_2d("rosenbrock", race.make_optimizer("momentum", 1e-3, beta=0.0), 50)
    np.testing.assert_allclose(heavy, sgd)
    path, _, _ = race.run_2d("rosenbrock", race.make_optimizer("adam", 0.05), 1)
    # ∇f(−1.2, 1) = (−215.6, −88): both coordinates move by +α on Adam's first step.
    np.testing.assert_allclose(path[1] - path[0], [0.05, 0.05], rtol=1e-6)
    assert race.make_optimizer("adam", 0.1, beta=0.8).beta1 == 0.8


def test_momentum_beats_sgd_in_the_valley_and_adagrad_stalls():
    runs = {n: race.run_2d("quadratic", race.make_optimizer(n, 0.05), 1000)[1] for n in ("sgd", "momentum")}
    assert race.steps_to_reach(runs["sgd"], 1e-6) == 711
    assert race.steps_to_reach(runs["momentum"], 1e-6) == 126
    gaps = {n: race.run_2d("rosenbrock", race.make_optimizer(n, 0.05), 2000)[1] for n in ("adagrad", "adam")}
    assert gaps["adagrad"][-1] > 1.0  # still far from the minimum
    assert gaps["adam"][-1] < 1e-6
    assert race.steps_to_reach(gaps["adagrad"], 1e-3) is None


def test_divergence_is_reported_at_the_right_step():
    # α = 0.6: x2 is multiplied by 1 − 2.4 = −1.4 per step and passes 1e6 after ⌈ln 1e6 / ln 1.4⌉ steps.
    path, gap, escaped = race.run_2d("quadratic", bp.optim.SGD(lr=0.6), 100)
    assert escaped == int(np.ceil(np.log(1e6) / np.log(1.4)))
    assert np.isnan(path[escaped:]).all() and np.isfinite(path[:escaped]).all()
    assert np.isnan(gap[escaped:]).all()


def test_widget_draws_the_ticked_optimizers_and_follows_the_controls():
    plot = race.optimizer_race()
    a = plot.artists
    assert [k for k in race.OPTIMIZER_NAMES if a["paths"][k].get_visible()] == ["sgd", "momentum", "adam"]
    x, y = a["paths"]["sgd"].get_data()
    expected, _, _ = race.run_2d("quadratic", race.make_optimizer("sgd", 0.05), 200)
    np.testing.assert_allclose(x, expected[:, 0])
    assert len(x) == 201
    assert a["contours"]["quadratic"].get_visible() and not a["contours"]["rosenbrock"].get_visible()

    plot.controls["adagrad"].value = True
    assert a["paths"]["adagrad"].get_visible()
    assert "AdaGrad: f − f* =" in plot.status.value

    plot.controls["lr_plain"].value = 10**-0.25  # SGD: x2 factor 1 − 4·0.562 = −1.25 per step
    expected_step = int(np.ceil(np.log(1e6) / np.log(4 * 10**-0.25 - 1)))
    assert f"SGD: diverged at step {expected_step}" in plot.status.value

    n = len(plot.redraw_seconds)
    plot.controls["function"].value = "rosenbrock"
    assert len(plot.redraw_seconds) == n + 1  # one redraw, although three sliders were reset too
    assert plot.controls["lr_plain"].value == pytest.approx(1e-3)  # reset to the function's suggestion
    assert plot.controls["steps"].value == 1000
    assert a["contours"]["rosenbrock"].get_visible() and not a["contours"]["quadratic"].get_visible()
    assert a["ax_path"].get_xlim() == (-2.0, 2.0)
    x, _ = a["paths"]["momentum"].get_data()
    assert len(x) == 1001 and x[0] == -1.2

    plot.controls["lr_plain"].value = 10**-2.5  # the sliders still redraw after the reset
    assert len(plot.redraw_seconds) == n + 2
    assert a["paths"]["sgd"].get_data()[0][1] == pytest.approx(-1.2 + 10**-2.5 * 215.6)  # ∂f/∂x1(−1.2, 1) = −215.6
    plot.controls["beta"].value = 0.0  # momentum becomes SGD
    np.testing.assert_allclose(a["paths"]["momentum"].get_data()[0], a["paths"]["sgd"].get_data()[0])
    plot.controls["sgd"].value = False
    assert not a["paths"]["sgd"].get_visible() and not a["gaps"]["sgd"].get_visible()
