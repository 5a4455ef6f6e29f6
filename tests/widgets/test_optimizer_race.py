import numpy as np
import pytest

import bpcourse as bp
from bpcourse.widgets import optimizer_race as race

from .translated import shown_texts, untranslated


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


def test_tuned_momentum_beats_tuned_sgd_and_adagrad_stalls_at_its_best():
    grids = {f: race.tune(f) for f in ("quadratic", "rosenbrock")}
    q, r = grids["quadratic"], grids["rosenbrock"]
    assert q["momentum"].best == (10**-0.5, 0.5) and q["sgd"].best == (10**-0.5, None)
    assert q["momentum"].score.min() == pytest.approx(45.25) and q["sgd"].score.min() == pytest.approx(110.375)
    assert (r["sgd"].steps == -1).all()  # SGD settles at no α within 2000 steps on Rosenbrock
    assert r["momentum"].score.min() < 600
    i = r["adagrad"].lrs.index(r["adagrad"].best[0])
    assert r["adagrad"].best == (1.0, None) and (r["adagrad"].final[i, 0] > 1e-3).all()  # still far at its best
    assert (q["rmsprop"].steps == -1).all()  # a constant α never lets RMSProp settle on the quadratic


def test_the_widget_defaults_are_the_tuning_grids_best():
    for function, fn in race.FUNCTIONS.items():
        for name, grid in race.tune(function).items():
            lr, beta = grid.best
            assert fn.tuned[name][0] == pytest.approx(lr, rel=1e-12), (function, name)
            assert fn.tuned[name][1] == beta, (function, name)


def test_run_batch_is_run_2d_for_every_optimizer():
    x0 = race.starts("rosenbrock", 3)
    runs = [
        (n, lr, b, x)
        for n, lr, b in [
            ("sgd", 1e-3, 0.9),
            ("momentum", 1e-3, 0.5),
            ("adagrad", 0.5, 0.9),
            ("rmsprop", 3e-3, 0.9),
            ("adam", 0.05, 0.8),
            ("sgd", 0.01, 0.9),
        ]
        for x in x0
    ]
    paths, gaps = race.run_batch("rosenbrock", runs, 400)
    for k, (name, lr, beta, x) in enumerate(runs):
        path, gap, escaped = race.run_2d("rosenbrock", race.make_optimizer(name, lr, beta), 400, start=x)
        np.testing.assert_allclose(paths[k], path, rtol=1e-12, atol=1e-14)  # Adam's class folds its correction
        np.testing.assert_array_equal(np.isnan(gaps[k]), np.isnan(gap))
        assert (escaped is None) == bool(np.isfinite(gaps[k]).all())  # SGD at α = 0.01 escapes


def test_settle_steps_and_starts():
    gap = np.array([[1.0, 1e-7, 1.0, 1e-7, 1e-8], [1.0, 1e-7, 1e-8, 1e-9, 1.0], [1e-7] * 5])
    assert race.settle_steps(gap, 1e-6).tolist() == [3, -1, 0]  # a dip that bounces back has not settled
    for function, fn in race.FUNCTIONS.items():
        x0 = race.starts(function)
        assert x0.shape == (race.N_STARTS, 2) and tuple(x0[0]) == fn.start
        np.testing.assert_array_equal(x0, race.starts(function))  # seeded
    assert (np.abs(race.starts("saddle")[:, 1]) <= 1e-2).all()  # still on the ridge
    assert race.cosine(0, 10) == 1.0 and race.cosine(5, 10) == pytest.approx(0.5)


def test_heavy_ball_needs_steps_in_proportion_to_the_root_of_kappa():
    table = race.kappa_table((10, 100, 1000))
    assert table["gd"] == [35, 346, 3454]  # chapter 4's counts at α = 2/(1 + κ)
    assert table["hb"] == [16, 58, 204]  # Polyak's α = 4/(√κ + 1)², β = ((√κ − 1)/(√κ + 1))²
    assert all(g <= b for g, b in zip(table["gd_grid"], table["gd"], strict=True))
    assert all(g <= b for g, b in zip(table["hb_grid"], table["hb"], strict=True))
    lr, beta = race.polyak(100)
    assert lr == pytest.approx(4 / 121) and beta == pytest.approx((9 / 11) ** 2)
    # heavy ball with β = 0 is gradient descent, step for step (chapter 4's steps_to_tolerance)
    from bpcourse.widgets import conditioning

    assert int(race.quadratic_steps(30, 0.05, 0.0, 10_000)[0]) == conditioning.steps_to_tolerance(30, 0.05)


@pytest.mark.parametrize(
    "name, lr, beta",
    [
        ("sgd", 0.1, None),
        ("momentum", 0.01, 0.5),
        ("adagrad", 0.05, None),
        ("rmsprop", 3e-3, None),
        ("adam", 3e-3, 0.8),
    ],
)
def test_digits_runs_train_exactly_what_bp_train_trains(name, lr, beta):
    X_tr, y_tr, X_te, y_te = race.digits_split()
    runs = race.digits_runs(name, [(lr, beta)], seeds=(3,), epochs=2)
    net = bp.MLP([64, 32, 10], hidden="relu", seed=3)
    kw = {} if beta is None else {"beta1" if name == "adam" else "beta": beta}
    hist = bp.train(
        net,
        X_tr,
        bp.datasets.one_hot(y_tr, 10),
        bp.optim.make(name, lr=lr, **kw),
        epochs=2,
        batch_size=32,
        seed=3,
        X_val=X_te,
        Y_val=bp.datasets.one_hot(y_te, 10),
    )
    np.testing.assert_allclose(runs.loss[0, 0], hist.loss, rtol=1e-9)
    np.testing.assert_allclose(runs.test_accuracy[0, 0], hist.val_accuracy)
    assert runs.train_accuracy[0, 0] == pytest.approx(net.accuracy(X_tr, y_tr))


def test_the_stored_digits_grids_are_what_training_gives():
    for name in race.OPTIMIZER_NAMES:
        assert race.grid_summary(race.digits_grid(name)) == race.DIGITS_GRID[name], name
    cosine = race.digits_runs("sgd", race.digits_settings("sgd"), schedule=race.cosine)
    assert race.grid_summary(cosine) == race.DIGITS_COSINE_GRID
    assert race.best_row(race.DIGITS_GRID["sgd"])[:2] == (1.0, None)


def test_digits_runs_weight_decay_and_validation():
    plain = race.digits_runs("sgd", [(0.1, None)], seeds=(0,), epochs=1, n_train=200, n_val=100)
    decayed = race.digits_runs("sgd", [(0.1, None)], seeds=(0,), epochs=1, n_train=200, n_val=100, weight_decay=0.5)
    assert plain.val_accuracy.shape == (1, 1) and plain.train_accuracy.shape == (1, 1)
    assert decayed.loss[0, 0, -1] != plain.loss[0, 0, -1]


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
    tuned = race.FUNCTIONS["quadratic"].tuned
    assert plot.controls["lr_sgd"].value == pytest.approx(tuned["sgd"][0])
    assert plot.controls["beta"].value == pytest.approx(0.5)
    x, y = a["paths"]["sgd"].get_data()
    expected, _, _ = race.run_2d("quadratic", race.make_optimizer("sgd", tuned["sgd"][0]), 200)
    np.testing.assert_allclose(x, expected[:, 0])
    assert len(x) == 201
    x, _ = a["paths"]["momentum"].get_data()
    expected, _, _ = race.run_2d("quadratic", race.make_optimizer("momentum", tuned["momentum"][0], 0.5), 200)
    np.testing.assert_allclose(x, expected[:, 0])
    assert a["contours"]["quadratic"].get_visible() and not a["contours"]["rosenbrock"].get_visible()

    assert [t.get_text() for t in a["ax_path"].get_legend().get_texts()] == ["SGD", "Momentum", "Adam"]
    plot.controls["adagrad"].value = True
    assert a["paths"]["adagrad"].get_visible()
    assert "AdaGrad (α = 3.16): f − f* < 1e-12 (round-off level)" in plot.status.value
    assert "SGD (α = 0.316): f − f* = 7.2e-12" in plot.status.value  # α as its slider's readout shows it
    assert plot.controls["lr_sgd"].label == "0.316"
    assert [t.get_text() for t in a["ax_path"].get_legend().get_texts()] == ["SGD", "Momentum", "AdaGrad", "Adam"]

    plot.controls["lr_sgd"].value = stop(plot, "lr_sgd", 10**-0.25)  # SGD: x2 factor 1 − 4·0.562 = −1.25 per step
    expected_step = int(np.ceil(np.log(1e6) / np.log(4 * 10**-0.25 - 1)))
    assert f"SGD (α = 0.562): diverged at step {expected_step}" in plot.status.value

    n = len(plot.redraw_seconds)
    plot.controls["function"].value = "rosenbrock"
    assert len(plot.redraw_seconds) == n + 1  # one redraw, although seven sliders were reset too
    tuned = race.FUNCTIONS["rosenbrock"].tuned
    for name in race.OPTIMIZER_NAMES:  # reset to the function's tuned values
        assert plot.controls[f"lr_{name}"].value == pytest.approx(tuned[name][0])
    assert plot.controls["beta"].value == pytest.approx(0.95)
    assert plot.controls["steps"].value == 1000
    assert a["contours"]["rosenbrock"].get_visible() and not a["contours"]["quadratic"].get_visible()
    assert a["ax_path"].get_xlim() == (-2.0, 2.0)
    x, _ = a["paths"]["momentum"].get_data()
    assert len(x) == 1001 and x[0] == -1.2

    plot.controls["lr_sgd"].value = stop(plot, "lr_sgd", 10**-2.5)  # the sliders still redraw after the reset
    assert len(plot.redraw_seconds) == n + 2
    assert a["paths"]["sgd"].get_data()[0][1] == pytest.approx(-1.2 + 10**-2.5 * 215.6)  # ∂f/∂x1(−1.2, 1) = −215.6
    plot.controls["beta"].value = 0.0  # momentum becomes SGD
    plot.controls["lr_momentum"].value = stop(plot, "lr_momentum", 10**-2.5)
    np.testing.assert_allclose(a["paths"]["momentum"].get_data()[0], a["paths"]["sgd"].get_data()[0])
    plot.controls["sgd"].value = False
    assert not a["paths"]["sgd"].get_visible() and not a["gaps"]["sgd"].get_visible()
    assert "SGD" not in [t.get_text() for t in a["ax_path"].get_legend().get_texts()]  # unticked: not in the legend


def stop(plot, name, value):
    """The stop of an α slider nearest to ``value`` (the sliders hold only their stops)."""
    return race.nearest_stop(plot.controls[name], value)


def test_reset_restores_every_control_and_the_ticks():
    plot = race.optimizer_race()
    c = plot.controls
    c["function"].value = "saddle"
    c["rmsprop"].value = True
    c["sgd"].value = False
    c["lr_adagrad"].value = stop(plot, "lr_adagrad", 0.01)  # ticks AdaGrad
    c["beta"].value = 0.9
    c["steps"].value = 700
    assert c["adagrad"].value
    n = len(plot.redraw_seconds)
    plot.reset_button.click()
    assert plot.values() == plot.defaults  # every tick, α, β, the steps and the function
    assert [k for k in race.OPTIMIZER_NAMES if c[k].value] == ["sgd", "momentum", "adam"]
    assert len(plot.redraw_seconds) == n + 1  # one redraw
    assert [t.get_text() for t in plot.artists["ax_path"].get_legend().get_texts()] == ["SGD", "Momentum", "Adam"]


def test_widget_controls_are_labelled_and_the_palette_is_colour_blind_safe():
    from bpcourse import plots

    plot = race.optimizer_race()
    for name, control in plot.controls.items():
        assert control.tooltip and control.layout.width, name
        assert len(control.description) <= 18, control.description
    assert set(race.COLORS.values()) <= set(plots.PALETTE)
    assert len(set(race.MARKERS.values())) == len(set(map(str, race.LINESTYLES.values()))) == 5  # a second cue
    a = plot.artists
    assert a["paths"]["momentum"].get_color() == plots.VERMILLION and a["paths"]["momentum"].get_marker() == "s"
    assert a["gaps"]["adagrad"].get_color() == plots.BLUISH_GREEN and a["gaps"]["adagrad"].get_linestyle() == "-."


def test_moving_an_unticked_optimizers_alpha_ticks_it_with_one_redraw():
    plot = race.optimizer_race()
    a = plot.artists
    assert not plot.controls["rmsprop"].value and not a["paths"]["rmsprop"].get_visible()
    n = len(plot.redraw_seconds)
    plot.controls["lr_rmsprop"].value = stop(plot, "lr_rmsprop", 10**-2.5)
    assert plot.controls["rmsprop"].value and a["paths"]["rmsprop"].get_visible()
    assert len(plot.redraw_seconds) == n + 1
    plot.controls["function"].value = "rosenbrock"  # resetting every α does not tick the others
    assert not plot.controls["adagrad"].value


# ---- the learner's language: every text a learner reads goes through _() or figure_text -------------


def test_every_text_of_the_race_is_translated(marked):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    plot = race.optimizer_race()
    for k in race.OPTIMIZER_NAMES:
        plot.controls[k].value = True
    texts = shown_texts(plot)
    plot.controls["lr_sgd"].value = stop(plot, "lr_sgd", 10**-0.25)  # SGD diverges
    texts += shown_texts(plot)
    assert "⟦{name} (α = {lr}): diverged at step {step}⟧".format(name="⟦SGD⟧", lr="0.562", step=63) in plot.status.value
    for k in race.OPTIMIZER_NAMES:
        plot.controls[k].value = False
    texts.append(plot.status.value)
    assert "⟦quadratic⟧" in texts and plot.controls["function"].value == "quadratic"  # a label; the value is the key
    fig = Figure(figsize=(8, 3))
    FigureCanvasAgg(fig)
    ax_runs, ax_loss, ax_acc = fig.subplots(1, 3)
    race.plot_runs(ax_runs, "saddle", {"run": (race.run_2d("saddle", race.make_optimizer("sgd", 0.1), 20)[1], "C0")})
    runs = race.digits_runs("adam", [(0.01, None)], seeds=(0,), epochs=1)
    race.plot_digits_race(ax_loss, ax_acc, {"adam": (runs, 0), "momentum": (runs, 0)})
    texts += [t for t in shown_texts(fig=fig) if t != "run"]  # "run": the caller's own label
    assert not untranslated(texts), untranslated(texts)
