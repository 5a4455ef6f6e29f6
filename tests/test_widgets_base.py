"""bpcourse.widgets.base (WidgetPlot, nudge, slider, dropdown) and bpcourse.plots, headless."""

import base64

import ipywidgets as W
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from widgets.translated import Marked  # tests/widgets/translated.py

import bpcourse as bp
from bpcourse import plots
from bpcourse.widgets import base

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_line_plot():
    """y = a·x^p on x = 0, 1, 2, 3, optionally negated; a slider, a dropdown and a checkbox."""
    x = np.arange(4.0)

    def setup(fig):
        ax = fig.add_subplot()
        (line,) = ax.plot(x, x)
        ax.set_xlabel("x")
        return {"ax": ax, "line": line}

    def draw(artists, a, p, flip):
        y = a * x**p * (-1 if flip else 1)
        artists["line"].set_ydata(y)
        return f"max {y.max():.1f}"

    controls = {
        "a": base.slider("a", 1.0, 0.0, 2.0, 0.5),
        "p": base.dropdown("power", [1, 2, 3]),
        "flip": W.Checkbox(value=False, description="flip"),
    }
    return base.WidgetPlot(controls, draw, "a·x^p", figsize=(4, 3), setup=setup)


def ydata(plot):
    return np.asarray(plot.fig.axes[0].lines[0].get_ydata(), dtype=float)


def test_initial_draw():
    plot = make_line_plot()
    np.testing.assert_array_equal(ydata(plot), [0, 1, 2, 3])
    assert plot.status.value == "max 3.0"
    assert plot.png.startswith(PNG_MAGIC) and plot.image.value == plot.png
    assert len(plot.redraw_seconds) == 1 and plot.redraw_seconds[0] > 0
    assert plot.values() == {"a": 1.0, "p": 1, "flip": False}


def test_setting_a_control_redraws():
    plot = make_line_plot()
    first_png = plot.png
    plot.controls["a"].value = 2.0
    np.testing.assert_array_equal(ydata(plot), [0, 2, 4, 6])
    assert plot.status.value == "max 6.0"
    assert len(plot.redraw_seconds) == 2
    assert plot.png != first_png


def test_nudge_slider_dropdown_checkbox():
    plot = make_line_plot()
    base.nudge(plot.controls["a"])  # 1.0 → 1.5
    np.testing.assert_array_equal(ydata(plot), [0, 1.5, 3, 4.5])
    base.nudge(plot.controls["p"])  # power 1 → 2
    np.testing.assert_array_equal(ydata(plot), [0, 1.5, 6, 13.5])
    base.nudge(plot.controls["flip"])  # False → True
    np.testing.assert_array_equal(ydata(plot), [0, -1.5, -6, -13.5])
    assert plot.values() == {"a": 1.5, "p": 2, "flip": True}
    assert len(plot.redraw_seconds) == 4


def test_nudge_wraps_around():
    s = base.slider("s", 1.5, 0.0, 2.0, 0.5)
    base.nudge(s)
    assert s.value == 2.0
    base.nudge(s)
    assert s.value == 0.0  # past the end: back to min
    d = base.dropdown("d", {"x": 1, "y": 2})  # a registry dict: its keys
    assert d.options == ("x", "y") and d.value == "x"
    base.nudge(d)
    base.nudge(d)
    assert d.value == "x"
    labelled = W.Dropdown(options=[("one", 1), ("two", 2)], value=1)
    base.nudge(labelled)
    assert labelled.value == 2
    lg = base.slider("lr", 1e-2, -3, -1, 1, log=True)  # steps by its exponent: 1e-2 → 1e-1 → wraps to 1e-3
    base.nudge(lg)
    assert lg.value == pytest.approx(1e-1)
    base.nudge(lg)
    assert lg.value == pytest.approx(1e-3)
    t = W.ToggleButton(value=True)
    base.nudge(t)
    assert t.value is False
    with pytest.raises(TypeError, match="don't know how to nudge Text"):
        base.nudge(W.Text())


def test_slider_helper_types():
    assert isinstance(base.slider("n", 3, 1, 10, 1), W.IntSlider)
    f = base.slider("x", 0.5, 0.0, 1.0, 0.1)
    assert isinstance(f, W.FloatSlider) and f.readout_format == ".2f" and f.continuous_update is False
    lg = base.slider("lr", 1e-2, -4, 0, 0.5, log=True)  # log: the value itself, lo and hi as exponents of 10
    assert isinstance(lg, W.FloatLogSlider) and lg.value == pytest.approx(1e-2) and lg.readout_format == ".0e"
    assert (lg.min, lg.max) == (-4, 0)
    assert base.dropdown("d", ["a", "b"], value="b").value == "b"


def test_mimebundle_has_png_widget_and_text():
    plot = make_line_plot()
    bundle = plot._repr_mimebundle_()
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(PNG_MAGIC) and png == plot.png
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (4 * base.DPI, 3 * base.DPI)  # figsize (4, 3) at 80 dpi
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == plot.widget.model_id
    assert bundle["text/plain"] == "a·x^p (interactive: run the cell in JupyterLab to use the controls)"
    assert make_line_plot()._repr_mimebundle_()["text/plain"] == bundle["text/plain"]  # deterministic


def test_without_setup_draw_gets_a_cleared_figure():
    calls = []

    def draw(fig, n):
        calls.append(len(fig.axes))  # 0 every time: the figure was cleared
        ax = fig.add_subplot()
        ax.bar(range(n), np.ones(n))

    plot = base.WidgetPlot({"n": base.slider("n", 2, 1, 5, 1)}, draw, "bars", figsize=(3, 2))
    base.nudge(plot.controls["n"])
    assert calls == [0, 0]
    assert len(plot.fig.axes) == 1 and len(plot.fig.axes[0].patches) == 3
    assert plot.status.value == ""


def test_layout_frozen_after_first_setup_draw():
    plot = make_line_plot()
    assert plot.fig.get_layout_engine() is None  # no engine, not even a placeholder: savefig draws once
    before = [tuple(ax.get_position().bounds) for ax in plot.fig.axes]
    plot.redraw()
    assert [tuple(ax.get_position().bounds) for ax in plot.fig.axes] == before


def test_widgets_package_lazy_attributes():
    assert bp.widgets.WidgetPlot is base.WidgetPlot
    with pytest.raises(AttributeError, match="bpcourse.widgets has no attribute 'nope'"):
        bp.widgets.nope  # noqa: B018


# ---- bpcourse.plots ----------------------------------------------------------------------


def axes():
    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    return fig.add_subplot()


def test_loss_curve_log_scale_and_data():
    ax = axes()
    line = plots.loss_curve(ax, [1.0, 0.5, 0.25], label="train")
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(line.get_ydata(), [1.0, 0.5, 0.25])
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "loss L (log scale)" and ax.get_xlabel() == "epoch"
    assert ax.get_legend() is not None
    ax2 = axes()
    plots.loss_curve(ax2, [1.0, -0.5], log=True)  # not all positive: stays linear
    assert ax2.get_yscale() == "linear"
    ax3 = axes()
    plots.loss_curve(ax3, [2.0, 1.0], log=False, xlabel="step")
    assert ax3.get_yscale() == "linear" and ax3.get_ylabel() == "loss L" and ax3.get_xlabel() == "step"


def test_scatter_classes_one_collection_per_class():
    ax = axes()
    X = np.array([[0.0, 1.0, 2.0, 3.0], [0.0, 1.0, 0.0, 1.0]])
    plots.scatter_classes(ax, X, np.array([0, 1, 0, 2]))
    assert len(ax.collections) == 3
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), [[0, 0], [2, 0]])
    np.testing.assert_allclose(
        ax.collections[1].get_facecolor()[0][:3], [0xD5 / 255, 0x5E / 255, 0x00 / 255]
    )  # vermillion
    assert [t.get_text() for t in ax.legend().get_texts()] == ["class 0", "class 1", "class 2"]


def test_decision_boundary_predictions():
    net = bp.MLP([2, 2], output="softmax", seed=0)
    net.params["W1"][...] = [[1.0, 0.0], [-1.0, 0.0]]  # class 0 where x1 > 0
    X = np.array([[-1.0, 1.0], [-1.0, 1.0]])
    ax = axes()
    pred = plots.decision_boundary(ax, net, X, np.array([1, 0]), resolution=10, pad=0.5)
    assert pred.shape == (10, 10)
    np.testing.assert_array_equal(pred[:, :5], 1)  # x1 < 0
    np.testing.assert_array_equal(pred[:, 5:], 0)


def test_layer_norms():
    ax = axes()
    line = plots.layer_norms(ax, [1e-3, 1e-1, 1.0])
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
    assert ax.get_yscale() == "log"


def test_nudge_log_slider_steps_its_exponent_and_wraps():
    s = base.slider("lr", 0.01, -3, 0, 0.5, log=True)
    base.nudge(s)
    assert s.value == pytest.approx(10**-1.5)
    s.value = 1.0
    base.nudge(s)  # past the top exponent 0: back to 10^-3
    assert s.value == pytest.approx(1e-3)


def test_paused_changes_do_not_redraw():
    plot = make_line_plot()
    n = len(plot.redraw_seconds)
    with plot.paused():
        for c in plot.controls.values():
            base.nudge(c)
    assert len(plot.redraw_seconds) == n
    base.nudge(next(iter(plot.controls.values())))
    assert len(plot.redraw_seconds) == n + 1


def test_number_uses_one_format_per_quantity():
    from bpcourse.widgets.base import number

    got = [number(x) for x in (5.623, 0.562341, 1.0, 1e-5, 3e-4, 12345, 0.001, 100, -0.25, 0.0)]
    assert got == ["5.62", "0.562", "1", "1e-05", "3e-04", "1.23e+04", "0.001", "100", "-0.25", "0"]


def test_reset_restores_every_control_and_runs_hooks():
    from bpcourse.widgets import base

    a = base.slider("a", 1.0, 0.0, 2.0, 0.5)
    b = base.dropdown("b", ["x", "y"])
    drawn, hooked = [], []
    plot = base.WidgetPlot({"a": a, "b": b}, lambda fig, a, b: drawn.append((a, b)) or f"{a} {b}", "t")
    plot.on_reset.append(lambda: hooked.append(True))
    a.value, b.value = 2.0, "y"
    n = len(drawn)
    plot.reset_button.click()
    assert (a.value, b.value) == (1.0, "x") and hooked == [True]
    assert drawn[n:] == [(1.0, "x")]  # one redraw, not one per control
    assert plot.status.value == "1.0 x"


def test_controls_have_a_width_a_short_label_and_a_tooltip():
    from bpcourse.widgets import base

    s = base.slider("start z₀", -4.0, -10.0, 0.0, 1.0, tooltip="more negative = more saturated")
    assert s.layout.width == base.CONTROL_WIDTH and s.style.description_width == base.LABEL_WIDTH
    assert s.tooltip == "more negative = more saturated"
    assert base.dropdown("loss", ["mse"]).tooltip == "loss"
    with pytest.raises(ValueError, match="short label .* got 41: 'start z₀ .more negative = more saturated.'"):
        base.slider("start z₀ (more negative = more saturated)", -4.0, -10.0, 0.0, 1.0)


def test_busy_message_is_shown_while_a_slow_redraw_works():
    from bpcourse.widgets import base

    seen, holder = [], {}

    def draw(fig, a):
        if "plot" in holder:
            seen.append((holder["plot"].status.value, holder["plot"].image.layout.opacity))
        return "done"

    holder["plot"] = plot = base.WidgetPlot(
        {"a": base.slider("a", 1, 0, 3, 1)}, draw, "t", busy=lambda a: "training…" if a == 2 else None
    )
    plot.controls["a"].value = 2
    assert seen[-1] == ("⏳ training…", "0.45")
    assert (plot.status.value, plot.image.layout.opacity) == ("done", "1")


# ---- the learner's language ----------------------------------------------------------------


def test_reset_button_and_text_fallback_are_translated(monkeypatch):
    from bpcourse import i18n

    monkeypatch.setitem(i18n._state, "language", "zh")
    monkeypatch.setitem(i18n._state, "translation", Marked())
    from bpcourse import fonts

    monkeypatch.setattr(fonts, "cjk_active", lambda language: False)  # no font change for this test
    plot = make_line_plot()
    assert (plot.reset_button.description, plot.reset_button.tooltip) == (
        "⟦reset⟧",
        "⟦restore every control to its default⟧",
    )
    # the title is the caller's, already translated; the template around it is base's
    assert plot._repr_mimebundle_()["text/plain"] == (
        "⟦a·x^p (interactive: run the cell in JupyterLab to use the controls)⟧"
    )


def test_chinese_text_set_after_setup_falls_back_to_dejavu_for_letters_the_cjk_font_lacks():
    """A text made empty in ``setup`` and filled with Chinese in ``draw`` draws ŷ from DejaVu Sans, not as a box."""
    import warnings

    from bpcourse import fonts

    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed")

    def setup(fig):
        ax = fig.add_subplot()
        return {"text": ax.text(0.1, 0.5, "")}  # made before any figure_text call

    def draw(a, k):
        a["text"].set_text(f"标签 y = 1，ŷ = {k}")

    bp.set_language("zh")
    fonts.configure("en")  # as after set_language("zh") before matplotlib was imported: no font set up yet
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("error", message=r"Glyph .* missing")
            plot = base.WidgetPlot({"k": base.slider("k", 1, 0, 2, 1)}, draw, "t", figsize=(3, 2), setup=setup)
            plot.controls["k"].value = 2
        assert plot.png.startswith(PNG_MAGIC)
    finally:
        bp.set_language("en")
