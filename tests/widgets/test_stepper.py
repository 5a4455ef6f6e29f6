"""The step-through widget of chapter 1: its numbers, recomputed by hand, and its buttons."""

import numpy as np
import pytest

from bpcourse.widgets import stepper as S

from .translated import shown_texts, untranslated


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_example_0_is_rounded_and_labelled():
    net, x, y = S.make_example(0)
    assert x.ravel().tolist() == [0.04, 0.21]
    assert y.tolist() == [[1.0]]
    assert net.params["W1"].tolist() == [[0.09, -0.09], [0.45, 0.07]]
    assert net.params["W2"].tolist() == [[-0.44, 0.3]]
    assert S.make_example(1)[2].tolist() == [[0.0]]  # odd examples have label 0


def test_train_step_matches_the_formulas_written_out():
    net, x, y = S.make_example(0)
    W1, W2 = net.params["W1"].copy(), net.params["W2"].copy()
    it = S.train_step(net, x, y, lr=0.5)
    # forward: biases start at 0
    a1 = sigmoid(W1 @ x)
    y_hat = sigmoid(W2 @ a1)
    assert it.A[1][0, 0] == pytest.approx(y_hat[0, 0], abs=1e-12)
    assert it.loss == pytest.approx(0.5 * (y_hat[0, 0] - 1.0) ** 2, abs=1e-12)
    assert it.loss == pytest.approx(0.1334, abs=1e-4)
    # backward: BP1, BP4, BP2
    d2 = (y_hat - 1.0) * y_hat * (1 - y_hat)
    d1 = (W2.T @ d2) * a1 * (1 - a1)
    assert it.delta[1][0, 0] == pytest.approx(d2[0, 0], abs=1e-12)
    assert it.delta[1][0, 0] == pytest.approx(-0.12898, abs=1e-5)
    np.testing.assert_allclose(it.grads["W2"], d2 @ a1.T, atol=1e-12)
    np.testing.assert_allclose(it.grads["W1"], d1 @ x.T, atol=1e-12)
    np.testing.assert_allclose(it.delta[0], d1, atol=1e-12)
    # update with α = 0.5
    np.testing.assert_allclose(it.new_params["W1"], W1 - 0.5 * d1 @ x.T, atol=1e-12)
    np.testing.assert_allclose(net.params["W2"], W2 - 0.5 * d2 @ a1.T, atol=1e-12)


def test_run_lowers_the_loss_and_is_cached():
    iterations, _, _ = S.run(0, 1.0)
    losses = [it.loss for it in iterations]
    assert len(losses) == S.MAX_ITERATIONS
    assert losses[1] == pytest.approx(0.1092, abs=1e-4)
    assert np.all(np.diff(losses) < 0)
    assert S.run(0, 1.0) is S.run(0, 1.0)


def test_fmt_gives_three_significant_digits():
    assert S.fmt(0.123456) == "0.123"
    assert S.fmt(-0.000567123) == "-5.67e-04"
    assert S.fmt(0) == "0"
    assert S.signed(0.0655) == "+0.0655"


def edge_text(plot, k):
    return plot.artists[0].edge_text[k].get_text()


def test_next_stage_reveals_forward_loss_backward_update():
    plot = S.stepper()
    diagram = plot.artists[0]
    nxt = plot.buttons["next"]
    assert plot.controls["stage"].value == 0
    assert edge_text(plot, 0) == "w = 0.09"
    assert diagram.node_text["h1"].get_text() == "b = 0"
    nxt.click()  # forward, layer 1
    assert diagram.node_text["h1"].get_text() == "b = 0\nz = -0.0153,  a = 0.496"
    assert diagram.node_text["y"].get_text() == "b = 0"
    nxt.click()  # forward, layer 2
    assert "a = 0.484" in diagram.node_text["y"].get_text()
    nxt.click()  # loss
    assert "L = ½(ŷ − y)² = 0.133" in diagram.loss_text.get_text()
    nxt.click()  # backward, layer 2: W2's gradients, W1's not yet
    assert edge_text(plot, 4) == "w = -0.44\n∂L/∂w = -0.064"
    assert edge_text(plot, 0) == "w = 0.09"
    assert "δ = ∂L/∂b = -0.129" in diagram.node_text["y"].get_text()
    nxt.click()  # backward, layer 1
    assert edge_text(plot, 0) == "w = 0.09\n∂L/∂w = 5.67e-04"
    assert "δ = ∂L/∂b = 0.0142" in diagram.node_text["h1"].get_text()
    nxt.click()  # update, α = 1
    assert edge_text(plot, 4) == "-0.44 → -0.376\n(Δ +0.064)"
    assert "stage 6" in plot.status.value
    nxt.click()  # the next iteration starts from the new weights
    assert (plot.controls["iteration"].value, plot.controls["stage"].value) == (1, 1)
    assert edge_text(plot, 4) == "w = -0.376"
    plot.buttons["back"].click()
    plot.buttons["back"].click()
    assert (plot.controls["iteration"].value, plot.controls["stage"].value) == (0, 6)


def test_reset_restores_every_control_and_new_example():
    plot = S.stepper()
    assert plot.reset_button is plot.buttons["reset"]  # one reset, beside the stage buttons
    controls_row = plot.widget.children[0].children
    assert not any(getattr(w, "description", None) == "reset" for w in controls_row)  # not a second one there
    plot.controls["lr"].value = 10.0
    plot.controls["example"].value = 7
    for _ in range(9):
        plot.buttons["next"].click()
    assert (plot.controls["iteration"].value, plot.controls["stage"].value) == (1, 3)
    plot.buttons["reset"].click()
    assert plot.values() == {"stage": 0, "iteration": 0, "lr": 1.0, "example": 0}
    assert plot.status.value == "<b>Iteration 0, stage 0/6.</b> Press <b>next stage</b> to run the forward pass."
    plot.buttons["new"].click()
    assert plot.controls["example"].value == 1
    assert plot.artists[0].loss_text.get_text() == "label y = 0"
    assert plot.artists[0].node_text["x1"].get_text() == f"$x_1$ = {S.fmt(S.make_example(1)[1][0, 0])}"


def test_controls_have_short_labels_tooltips_and_one_format_for_alpha():
    plot = S.stepper()
    labels = {k: c.description for k, c in plot.controls.items()}
    assert labels == {"stage": "stage", "iteration": "iteration", "lr": "learning rate α", "example": "example"}
    assert all(len(c.description) <= 18 and c.tooltip and c.layout.width for c in plot.controls.values())
    assert all(b.tooltip for b in plot.buttons.values())
    lr = plot.controls["lr"]
    # the readout is the label of the stop, written by number(): the same text as in the title
    assert [label for label, _ in lr.options][:6] == ["0.01", "0.0178", "0.0316", "0.0562", "0.1", "0.178"]
    lr.value = lr.options[9][1]
    assert lr.label == "1.78"
    assert plot.artists[0].title.get_text().endswith("(α = 1.78)")


def test_last_iteration_says_there_is_no_next_one():
    plot = S.stepper(stage=6, iteration=S.MAX_ITERATIONS - 1)
    assert plot.status.value.endswith(f"This is the last of the {S.MAX_ITERATIONS} iterations shown.")
    plot.buttons["next"].click()
    assert (plot.controls["iteration"].value, plot.controls["stage"].value) == (S.MAX_ITERATIONS - 1, 6)


def test_stage_colours_are_okabe_ito():
    from bpcourse import plots

    assert (S.FORWARD_COLOR, S.BACKWARD_COLOR, S.UPDATE_COLOR) == (plots.BLUE, plots.VERMILLION, plots.BLUISH_GREEN)
    plot = S.stepper(stage=4)
    assert plot.artists[0].edge_text[4].get_color() == plots.VERMILLION


def test_learning_rate_slider_changes_updates_and_loss_curve():
    plot = S.stepper(stage=6)
    curve = plot.artists[2]
    assert curve.get_ydata()[1] == pytest.approx(0.1092, abs=1e-4)
    assert edge_text(plot, 4) == "-0.44 → -0.376\n(Δ +0.064)"
    plot.controls["lr"].value = 10.0  # ten times the step
    assert edge_text(plot, 4) == "-0.44 → 0.2\n(Δ +0.64)"
    assert curve.get_ydata()[1] < 0.1092 - 0.05
    assert len(plot.redraw_seconds) == 2


# ---- the learner's language: every text a learner reads goes through _() or figure_text -------------


def test_every_text_of_the_stepper_is_translated(marked):
    plot = S.stepper()
    texts = []
    for stage in range(7):
        plot.controls["stage"].value = stage
        texts += shown_texts(plot)
    assert plot.artists[0].title.get_text() == "⟦stage 6/6: ⟦update⟧   (α = 1)⟧"
    last = S.stepper(stage=6, iteration=S.MAX_ITERATIONS - 1)
    assert "This is the last of the 30 iterations shown." in last.status.value  # the marked template, filled in
    texts += shown_texts(last)
    assert not untranslated(texts), untranslated(texts)
