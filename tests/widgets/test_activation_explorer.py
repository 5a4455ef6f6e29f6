import numpy as np
import pytest

import bpcourse as bp
from bpcourse import i18n
from bpcourse.widgets import activation_explorer as ae

from .translated import Marked


def test_explorer_plots_functions_and_derivatives_and_follows_ticks():
    plot = ae.activation_explorer()
    a = plot.artists
    z = np.asarray(a["d"]["sigmoid"].get_xdata())
    assert np.max(a["d"]["sigmoid"].get_ydata()) == pytest.approx(0.25)
    np.testing.assert_allclose(a["d"]["leaky_relu"].get_ydata(), np.where(z > 0, 1.0, 0.01))
    np.testing.assert_allclose(a["f"]["elu"].get_ydata()[0], np.expm1(-6.0))
    plot.controls["relu"].value = False
    assert not a["f"]["relu"].get_visible() and not a["d"]["relu"].get_visible()
    assert [part.split(":")[0] for part in plot.status.value.split("; ")] == ["sigmoid", "tanh", "Leaky ReLU", "ELU"]
    plot.controls["z_range"].value = 2.0
    assert a["ax_d"].get_xlim() == (-2.0, 2.0)
    assert "sigmoid: σ′(−2) = 0.105" in plot.status.value  # σ(2)(1 − σ(2)) = 0.10499


def test_gradient_flow_vanishes_for_sigmoid_and_holds_for_relu_family_with_he():
    sig = ae.gradient_flow("sigmoid", 10, "he")
    assert sig.grad_norms.shape == (11,) and sig.act_std.shape == (10,)
    assert sig.grad_norms[0] / sig.grad_norms[-1] < 1e-4
    for name in ("relu", "leaky_relu", "elu"):
        g = ae.gradient_flow(name, 10, "he").grad_norms
        assert 0.3 < g[0] / g[-1] < 3, name
    tiny = ae.gradient_flow("relu", 10, "normal").act_std  # N(0, 0.01²) weights shrink the signal every layer
    assert tiny[-1] < 1e-10


def test_relu_with_xavier_vanishes_in_every_layer_at_once():
    """The first/last ratio looks healthy (every layer alike), the absolute norms do not."""
    he, xavier = ae.gradient_flow("relu", 20, "he"), ae.gradient_flow("relu", 20, "xavier")
    assert 0.3 < xavier.grad_norms[0] / xavier.grad_norms[-1] < 3
    assert (xavier.grad_norms < 1e-3).all() and (he.grad_norms > 0.5).all()
    assert xavier.act_std[-1] < 1e-3 < 0.3 < he.act_std.min()


def test_depth_flow_widget_follows_depth_and_init():
    plot = ae.depth_flow()
    a = plot.artists
    assert len(a["g"]["relu"].get_xdata()) == 11
    plot.controls["depth"].value = 4
    assert list(a["g"]["elu"].get_xdata()) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(a["a"]["tanh"].get_ydata(), ae.gradient_flow("tanh", 4, "he").act_std)
    plot.controls["init"].value = "xavier"
    np.testing.assert_allclose(a["g"]["sigmoid"].get_ydata(), ae.gradient_flow("sigmoid", 4, "xavier").grad_norms)
    assert "init 'xavier', 4 hidden layers" in plot.status.value


def test_dead_units_get_no_gradient_but_leaky_and_elu_units_do():
    X, y = bp.datasets.blobs(60, classes=3, seed=1)
    Y = bp.datasets.one_hot(y, 3)
    for name, zero in (("relu", 1.0), ("leaky_relu", 0.0), ("elu", 0.0)):
        net = bp.MLP([2, 8, 8, 3], hidden=name, seed=0)
        assert ae.never_active_fraction(net, X) < 0.5
        net.params["b1"] -= 100.0  # every unit of layer 1 is pushed far below zero …
        net.params["b2"] -= 100.0  # … and so is layer 2
        assert ae.never_active_fraction(net, X) == 1.0
        assert ae.zero_gradient_fraction(net, X, Y) == zero, name


def test_dying_relu_run_relu_stays_dead_and_leaky_recovers():
    relu, leaky = ae.dying_relu_run("relu", 2.0), ae.dying_relu_run("leaky_relu", 2.0)  # 5 epochs of Adam
    assert relu.zero_grad == 1.0 and leaky.zero_grad == 0.0
    assert relu.step_loss[-1] == pytest.approx(np.log(10), abs=0.05)
    assert leaky.step_loss[-20:].mean() < 0.5
    assert leaky.never_active_after < 0.5 < 0.9 < relu.never_active_after
    assert relu.test_accuracy < 0.2 < 0.8 < leaky.test_accuracy


def test_status_lines_are_unicode_the_palette_colour_blind_safe_and_reset_complete():
    from bpcourse import plots

    plot = ae.activation_explorer()
    assert plot.status.value.startswith("sigmoid: σ′(−4) = 0.0177, σ′(+4) = 0.0177; tanh: σ′(−4) = 0.00134")
    for k in ae.NAMES:
        plot.controls[k].value = False
    assert plot.status.value == "tick at least one activation to draw it"
    plot.controls["z_range"].value = 2.0
    plot.reset_button.click()
    assert all(plot.controls[k].value for k in ae.NAMES) and plot.controls["z_range"].value == 4.0
    assert set(ae.COLORS.values()) <= set(plots.PALETTE)
    assert len({str(s) for s in ae.STYLES.values()}) >= 4 and len(set(ae.MARKERS.values())) == 5
    for control in plot.controls.values():
        assert control.tooltip and control.layout.width and len(control.description) <= 18

    flow = ae.depth_flow()
    assert "sigmoid: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = 9.7e-06" in flow.status.value and "^" not in flow.status.value
    flow.controls["init"].value = "xavier"
    flow.reset_button.click()
    assert flow.values() == {"depth": 10, "init": "he"}


def test_labels_tooltips_and_status_lines_go_through_the_catalog(monkeypatch):
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = ae.activation_explorer()
    assert plot.title == "‹Activation functions and their derivatives›"
    assert plot.controls["z_range"].description == "‹z range ±›"
    assert plot.controls["relu"].description == "ReLU"  # a name, the same in every language
    assert all(c.tooltip.startswith("‹") for c in plot.controls.values())
    for k in ae.NAMES:
        plot.controls[k].value = False
    assert plot.status.value == "‹tick at least one activation to draw it›"
    flow = ae.depth_flow()
    assert flow.controls["init"].options == ("he", "xavier", "normal")  # the code's names
    assert all(c.description.startswith("‹") and c.tooltip.startswith("‹") for c in flow.controls.values())
    assert flow.status.value.startswith("‹init 'he', 10 hidden layers of 64 — sigmoid: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = ")
