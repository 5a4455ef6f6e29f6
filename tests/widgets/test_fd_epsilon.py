import numpy as np
import pytest

from bpcourse import i18n
from bpcourse.widgets import fd_epsilon as fe

from .translated import Marked


@pytest.fixture(scope="module")
def explorer():
    return fe.FDExplorer()


def err_at(curve, log_eps):
    return curve[np.argmin(np.abs(fe.LOG_EPS - log_eps))]


def test_labels_cover_every_parameter(explorer):
    # 2-3-1: W1 (3, 2), b1 (3, 1), W2 (1, 3), b2 (1, 1) → 6 + 3 + 3 + 1 = 13 numbers
    assert len(explorer.labels) == 13 == explorer.net.n_params
    assert explorer.labels[0] == "W1[0,0]" and explorer.labels[-1] == "b2[0,0]"
    assert fe.parse_label("W1[2,1]") == ("W1", (2, 1))


def test_fd_estimate_restores_the_weight_and_matches_backprop(explorer):
    before = {k: v.copy() for k, v in explorer.net.params.items()}
    fd = fe.fd_estimate(explorer.net, explorer.X, explorer.Y, "W2[0,1]", 1e-5)
    for k, v in explorer.net.params.items():
        np.testing.assert_array_equal(v, before[k])
    assert fe.scalar_rel_error(fd, explorer.backprop("W2[0,1]")) < 1e-9


def test_centered_error_is_a_v(explorer):
    curve = explorer.curve("W1[0,0]", "centered")
    best = fe.LOG_EPS[np.argmin(curve)]
    assert -7.5 <= best <= -3.5  # the bottom of the V near ε ≈ 1e-5
    assert curve.min() < 1e-9
    assert err_at(curve, -1) > 1e-4  # truncation at large ε
    assert err_at(curve, -13) > 1e-6  # round-off at tiny ε
    # truncation ∝ ε²: one decade of ε is two decades of error
    slope = np.log10(err_at(curve, -1) / err_at(curve, -2))
    assert slope == pytest.approx(2.0, abs=0.2)


def test_forward_difference_has_slope_one_and_is_worse(explorer):
    fwd = explorer.curve("W1[0,0]", "forward")
    cen = explorer.curve("W1[0,0]", "centered")
    slope = np.log10(err_at(fwd, -2) / err_at(fwd, -3))
    assert slope == pytest.approx(1.0, abs=0.2)
    assert fwd.min() > cen.min()
    assert err_at(fwd, -3) > 100 * err_at(cen, -3)


def test_widget_marks_the_chosen_eps_and_follows_the_weight():
    plot = fe.fd_epsilon()
    a = plot.artists
    assert a["vline"].get_xdata()[0] == pytest.approx(1e-5)
    small_err = a["dot"].get_ydata()[0]
    assert small_err < 1e-8
    plot.controls["eps"].value = 1e-1
    assert a["vline"].get_xdata()[0] == pytest.approx(1e-1)
    assert a["dot"].get_ydata()[0] > 1e3 * small_err
    curve_w1 = np.array(a["curve"].get_ydata())
    plot.controls["weight"].value = "b2[0,0]"
    assert not np.allclose(np.array(a["curve"].get_ydata()), curve_w1)
    # the right panel's tangent has backprop's slope
    xs, ys = (np.asarray(v) for v in a["tangent"].get_data())
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    assert slope == pytest.approx(fe.FDExplorer().backprop("b2[0,0]"), rel=1e-9)
    plot.controls["scheme"].value = "forward"
    assert "forward" in a["ax_err"].get_title()


def test_status_says_which_error_dominates_and_reset():
    plot = fe.fd_epsilon()
    eps = plot.controls["eps"]
    assert eps.description == "step ε" and eps.label == "1e-05"
    assert "Near the bottom of the V" in plot.status.value
    eps.value = 1e-1
    assert plot.status.value.startswith("ε = 0.1: relative error ")
    assert "Truncation dominates" in plot.status.value and "ε²" in plot.status.value
    eps.value = 1e-12
    assert "Round-off dominates" in plot.status.value
    assert "e+0" not in plot.artists["readout"].get_text()  # relative error in number()'s format
    plot.controls["scheme"].value = "forward"
    plot.controls["weight"].value = "b2[0,0]"
    plot.reset()
    assert plot.values() == {"weight": "W1[0,0]", "eps": 1e-5, "scheme": "centered"}


def test_time_gradients_backprop_beats_finite_differences():
    t = fe.time_gradients(widths=(4, 16), repeats=1)
    assert list(t["n_params"]) == [4 * 16 + 4 + 4 * 4 + 4 + 10 * 4 + 10, 16 * 16 + 16 + 16 * 16 + 16 + 10 * 16 + 10]
    # 714 parameters: 1428 loss evaluations against one forward and one backward pass
    assert t["finite_diff"][1] > 20 * t["backprop"][1]


def test_count_products_two_backward_products_per_layer_but_the_first():
    # [16, 256, 256, 10] on m = 256: forward W A per layer; backward dW per layer and Wᵀ dZ for layers 2 and 3
    layers = [256 * 16 * 256, 256 * 256 * 256, 10 * 256 * 256]
    forward, backward = fe.count_products([16, 256, 256, 10], 256)
    assert forward == sum(layers)
    assert backward == sum(layers) + layers[1] + layers[2]
    # square layers throughout: the ratio (forward + backward) / forward tends to 3 as the first layer's share shrinks
    f, b = fe.count_products([4, 1000, 1000, 1000, 4], 1)
    assert 2.99 < (f + b) / f < 3.0


def test_time_backprop_vs_forward_reports_both_ratios():
    t = fe.time_backprop_vs_forward(widths=(8, 16), m=16, repeats=1)
    assert list(t["width"]) == [8, 16]
    assert (t["forward"] > 0).all() and (t["backprop"] > 0).all()
    np.testing.assert_allclose(t["measured"], t["backprop"] / t["forward"])
    for h, counted in zip(t["width"], t["counted"], strict=True):
        f, b = fe.count_products([16, h, h, 10], 16)
        assert counted == pytest.approx((f + b) / f)


def test_labels_and_status_go_through_the_catalog_while_the_values_stay_english(explorer, monkeypatch):
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = fe.fd_epsilon(explorer)
    assert plot.title == "‹Finite differences vs backprop as ε shrinks›"
    assert all(c.description.startswith("‹") and c.tooltip.startswith("‹") for c in plot.controls.values())
    scheme = plot.controls["scheme"]
    assert scheme.options == (("‹centered›", "centered"), ("‹forward›", "forward")) and scheme.value == "centered"
    assert plot.controls["weight"].options[0] == "W1[0,0]"  # the parameter's name
    assert plot.status.value.startswith("‹ε = 1e-05: relative error ")
    scheme.value = "forward"
    assert plot.values()["scheme"] == "forward" and "forward" in plot.artists["ax_err"].get_title()
