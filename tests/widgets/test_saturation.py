"""Cross-entropy against MSE from a saturated sigmoid (claim C2)."""

import numpy as np
import pytest

from bpcourse.widgets import saturation as S


def test_first_error_terms_follow_bp1():
    y0 = 1.0 / (1.0 + np.exp(6.0))  # σ(−6)
    ce, mse = S.race("cross_entropy", -6.0, 1.0), S.race("mse", -6.0, 1.0)
    assert ce.y_hat[0] == pytest.approx(y0, rel=1e-12)
    assert ce.delta[0] == pytest.approx(1.0 - y0, rel=1e-9)  # |ŷ − y|
    assert mse.delta[0] == pytest.approx((1.0 - y0) * y0 * (1.0 - y0), rel=1e-9)  # |ŷ − y| σ′(z)


def test_race_table_counts_steps_to_threshold():
    rows = S.race_table(z0s=(-2.0, -6.0, -8.0, -10.0), lr=1.0)
    assert [(z0, n_mse, n_ce) for z0, _, n_mse, n_ce in rows] == [
        (-2.0, 43, 6),
        (-6.0, 249, 8),
        (-8.0, 1542, 9),
        (-10.0, 11068, 10),
    ]
    assert rows[1][1] == pytest.approx(1.0 / (1.0 + np.exp(6.0)))


@pytest.mark.parametrize("lr", [0.3, 1.0, 3.0])
def test_steps_to_reach_counts_what_bp_train_does(lr):
    z0s = (-1.0, -3.0, -5.0)  # at α = 0.3, MSE from −5 needs 396 steps
    for loss in ("mse", "cross_entropy"):
        assert S.steps_to_reach(loss, z0s, lr) == [S.steps_to(S.race(loss, z0, lr, steps=450)) for z0 in z0s]
    long = S.race("mse", -8.0, 1.0, steps=1600)  # beyond the widget's 300 steps, through bp.train
    assert S.steps_to(long) == S.steps_to_reach("mse", [-8.0])[0] == 1542
    assert S.steps_to_reach("mse", [-3.0], 1.0, max_steps=10) == [None]


def test_the_wait_approaches_its_asymptote():
    # wait ≈ e^{|z0|}/(2α) + a roughly constant number of steps: the ratio per unit of z0 tends to e only slowly
    z0s = np.arange(-4.0, -10.5, -1.0)
    waits = np.array(S.steps_to_reach("mse", z0s))
    rest = waits - np.exp(-z0s) / 2
    assert np.all((rest > 30) & (rest < 60))
    ratios = waits[1:] / waits[:-1]
    assert np.all(np.diff(ratios) > 0) and ratios[0] < 2 and 2.6 < ratios[-1] < np.e


def test_widget_redraws_for_a_new_start():
    plot = S.saturation_race()
    assert plot.status.value == (
        "To reach ŷ ≥ 0.9: cross-entropy needs 8 steps, MSE 249 steps. Why: at the start cross-entropy's "
        "|δ| = |ŷ − y| is 1, MSE's |δ| = |ŷ − y|·σ′(z₀) only 0.0025, since σ′(z₀) = ŷ(1 − ŷ) = 0.0025."
    )
    ax, ax2, lines, title = plot.artists
    assert title.get_text() == "start z₀ = −6 (ŷ = 0.0025), α = 1"
    plot.controls["z0"].value = -2.0
    assert plot.status.value.startswith("To reach ŷ ≥ 0.9: cross-entropy needs 6 steps, MSE 43 steps.")
    assert lines["mse"][0].get_ydata()[0] == pytest.approx(1.0 / (1.0 + np.exp(2.0)))
    assert title.get_text().startswith("start z₀ = −2")
    plot.controls["lr"].value = 3.0
    assert plot.status.value.startswith("To reach ŷ ≥ 0.9: cross-entropy needs 1 step, MSE 14 steps.")  # "1 step"
    assert title.get_text().endswith("α = 3")
    assert lines["cross_entropy"][0].get_ydata()[1] > 0.9
    plot.controls["lr"].value = 1.0
    plot.controls["z0"].value = -9.0
    assert plot.status.value.startswith(
        "To reach ŷ ≥ 0.9: cross-entropy needs 9 steps, MSE 4,105 steps (beyond the 300 drawn)."
    )


def test_controls_short_labels_tooltips_reset_and_palette():
    from bpcourse import plots

    plot = S.saturation_race()
    z0, lr = plot.controls["z0"], plot.controls["lr"]
    assert (z0.description, lr.description) == ("start z₀", "learning rate α")
    assert "more saturated" in z0.tooltip and z0.layout.width == "340px"
    assert [label for label, _ in lr.options] == ["0.3", "1", "3"]  # as the title writes α
    z0.value, lr.value = -3.0, 0.3
    plot.reset_button.click()
    assert (z0.value, lr.value) == (-6.0, 1.0)
    lines = plot.artists[2]
    assert lines["mse"][0].get_color() == plots.VERMILLION and lines["mse"][0].get_linestyle() == "--"
    assert lines["cross_entropy"][0].get_color() == plots.BLUE and lines["cross_entropy"][0].get_linestyle() == "-"


@pytest.mark.parametrize("loss, lrs", [("mse", (1.0, 30.0)), ("cross_entropy", (0.3, 3.0))])
def test_moons_accuracy_is_what_bp_train_gives(loss, lrs):
    import bpcourse as bp

    X, Y = S.moons_data()
    assert X.shape == (2, 120) and set(np.unique(Y)) == {0.0, 1.0}
    acc = S.moons_accuracy(loss, lrs, seeds=(0, 2), epochs=8)
    assert acc.shape == (2, 2)
    for i, lr in enumerate(lrs):
        for j, seed in enumerate((0, 2)):
            net = bp.MLP([2, 4, 1], hidden="tanh", output="sigmoid", loss=loss, seed=seed)
            bp.train(net, X, Y, bp.optim.SGD(lr=lr), epochs=8, batch_size=20, seed=seed)
            assert acc[i, j] == net.accuracy(X, Y)


def test_the_moons_start_far_from_saturation():
    y0 = S.moons_start(width=4, seed=0)
    assert y0.shape == (120,) and 0.35 < y0.min() and y0.max() < 0.6  # σ′ ≈ ¼ there, not e^{−|z|}


def test_a_new_learning_rate_shows_a_busy_state_first():
    plot = S.saturation_race()
    assert plot.busy(z0=-6.0, lr=1.0) is None  # the default α is trained when the widget is built
    assert plot.busy(z0=-6.0, lr=0.3) == "training both losses from z₀ = −6…"
    plot.controls["lr"].value = 0.3
    assert plot.busy(z0=-6.0, lr=0.3) is None
