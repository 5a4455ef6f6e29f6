import numpy as np
import pytest

from bpcourse import i18n
from bpcourse.widgets import conditioning as cd

from .translated import Marked


def test_gradient_descent_contracts_each_coordinate():
    path, values = cd.run_gd(10.0, 0.15, steps=3)
    # x1 ← (1 − α) x1, x2 ← (1 − ακ) x2 = −0.5 x2
    np.testing.assert_allclose(path[1], [-8.0 * 0.85, 3.0 * -0.5])
    assert values[0] == pytest.approx(0.5 * (64 + 10 * 9))


def test_steps_grow_linearly_with_kappa():
    t = cd.steps_table()
    assert t["best"][0] == 1  # κ = 1, α = 1: one step lands on the minimum
    assert t["best"] == sorted(t["best"])
    # each ×10 in κ costs about ×10 in steps
    k = t["kappa"]
    ratio = t["best"][k.index(1000)] / t["best"][k.index(100)]
    assert ratio == pytest.approx(10, rel=0.05)
    assert all(b <= o for b, o in zip(t["best"], t["one_over_kappa"], strict=True))


def test_too_large_step_diverges():
    assert cd.steps_to_tolerance(50.0, 2.1 / 50) is None


def test_widget_contours_and_status():
    plot = cd.conditioning()
    a = plot.artists
    assert "reached" in plot.status.value
    _, y20 = a["contours"][0].get_data()
    plot.controls["kappa"].value = 100.0
    _, y100 = a["contours"][0].get_data()
    f0_20, f0_100 = 0.5 * (64 + 20 * 9), 0.5 * (64 + 100 * 9)
    assert np.max(y20) == pytest.approx(np.sqrt(2 * f0_20 / 20), rel=1e-3)
    assert np.max(y100) == pytest.approx(np.sqrt(2 * f0_100 / 100), rel=1e-3)
    assert "not there after 300 steps" in plot.status.value
    plot.controls["lr_times_kappa"].value = 2.1
    assert plot.status.value.startswith("diverged")
    x, _ = a["curve"].get_data()
    assert len(x) < 301


def test_layout_is_computed_once_then_dropped():
    plot = cd.conditioning()
    box = plot.artists["ax_p"].get_position().bounds
    plot.controls["kappa"].value = 50.0  # after the first draw WidgetPlot drops the layout engine
    assert plot.fig.get_layout_engine() is None
    assert plot.artists["ax_p"].get_position().bounds == box  # the first layout's position is kept


def test_best_rate_equalizes_the_two_factors():
    for kappa in (3.0, 10.0, 1000.0):
        flat, steep = cd.contraction_factors(kappa, cd.best_lr(kappa))
        assert flat == pytest.approx(steep, rel=1e-12)
        assert flat == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-12)
    # below the best rate x1 is the slow coordinate, above it x2 is
    flat, steep = cd.contraction_factors(100.0, 1 / 100)
    assert flat > steep
    flat, steep = cd.contraction_factors(100.0, 1.9 / 100)
    assert flat == pytest.approx(0.981) and steep == pytest.approx(0.9)
    flat, steep = cd.contraction_factors(100.0, 2.1 / 101)
    assert steep > flat


def test_formula_predicts_the_measured_steps():
    t = cd.steps_table()
    assert t["formula"] == t["best"]
    for k, best, approx in zip(t["kappa"], t["best"], t["approx"], strict=True):
        if k >= 3:
            assert abs(best - approx) <= 1  # (κ/4) ln(1/tol) is within one step
    assert t["best"][t["kappa"].index(1000)] == 3454
    assert cd.steps_at_best_rate(1000)[1] == pytest.approx(250 * np.log(1e6))


def test_status_explains_the_zigzag_and_reset_restores_both_sliders():
    plot = cd.conditioning()
    assert plot.status.value == (
        "reached f ≤ 1e-6·f(x0) in 67 steps. Each step multiplies x₁ by 1 − α = 0.91 and x₂ by 1 − ακ = -0.8: "
        "a negative factor flips x₂ across the valley at every step, the zig-zag."
    )
    assert plot.artists["ax_p"].get_title().startswith("κ = 20, α = 0.09:")
    plot.controls["lr_times_kappa"].value = 0.5
    assert "zig-zag" not in plot.status.value
    plot.controls["kappa"].value = 100.0
    plot.reset_button.click()
    assert plot.values() == {"kappa": 20.0, "lr_times_kappa": 1.8}
    for control in plot.controls.values():
        assert control.tooltip and control.layout.width and len(control.description) <= 18


def test_labels_and_status_go_through_the_catalog(monkeypatch):
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = cd.conditioning()
    assert plot.title == "‹Gradient descent on an ill-conditioned quadratic›"
    assert plot.controls["kappa"].description == "‹condition no. κ›"
    assert plot.controls["lr_times_kappa"].description == "α·κ"  # a formula, the same in every language
    assert all(c.tooltip.startswith("‹") for c in plot.controls.values())
    assert plot.status.value.startswith("‹‹reached f ≤ 1e-6·f(x0) in 67 steps›. Each step multiplies x₁ by ")
    assert plot.status.value.endswith("the zig-zag.›")
    plot.controls["lr_times_kappa"].value = 2.1
    assert plot.status.value.startswith("‹‹diverged after ")
