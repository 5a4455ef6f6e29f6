"""The learning-rate explorer of chapter 1 (claim C1)."""

import numpy as np
import pytest

from bpcourse.widgets import lr_explorer as E


def test_verdicts_cover_crawl_converge_oscillate_diverge():
    assert E.run(-3.0).verdict() == "crawls"
    assert E.run(-3.0).final == pytest.approx(0.0850, abs=1e-4)
    assert E.run(-1.0).verdict() == "converges"
    assert E.run(-1.0).final == pytest.approx(0.0165, abs=1e-4)
    assert E.run(-0.5).verdict() == "oscillates"
    assert E.run(-0.5).rises == 19
    slow = E.run(0.0)
    assert slow.verdict() == "diverges"
    # bp.train stops once the loss exceeds 1e6 × max(1, its first value) (train.DIVERGENCE_FACTOR): at step 10
    # with 1.03e6, long before the inf it reached at step 156 when only NaN/inf counted as divergence
    assert slow.diverged_at == 10
    assert slow.final == float("inf")
    assert "learning rate 1 is probably too large" in slow.message


def test_all_runs_start_from_the_same_loss():
    starts = {round(float(r.step_loss[0]), 6) for r in E.sweep()}
    assert starts == {0.09285}


def test_slider_selects_the_run_and_reports_it():
    plot = E.lr_explorer()
    curve, blowup, title, marker = plot.artists
    assert len(curve.get_xdata()) == 200
    assert curve.get_ydata()[-1] == pytest.approx(0.0165, abs=1e-4)
    assert "converges" in plot.status.value
    assert len(blowup.get_xdata()) == 0

    plot.controls["lr"].value = 1.0
    assert len(curve.get_xdata()) == 9
    assert list(blowup.get_xdata()) == [9]
    # full-batch: a step is an epoch, so only the step is named; numbers in number()'s one format
    assert plot.status.value == (
        "α = 1 diverges: every step overshoots the valley by more than the last, and at step 10 the loss passed "
        "1e+06 (a million times max(1, its first value 0.0928)), so bp.train stopped the run. The largest α of "
        "the slider whose loss stays bounded is 0.562."
    )
    assert "epoch" not in plot.status.value
    assert title.get_text() == "α = 1: diverges"
    assert marker.get_xdata()[0] == pytest.approx(1.0)

    plot.controls["lr"].value = 1e-3
    assert "crawls" in plot.status.value
    assert np.max(curve.get_ydata()) == pytest.approx(0.0928, abs=1e-4)


def test_alpha_has_one_format_in_readout_title_and_status():
    plot = E.lr_explorer()
    lr = plot.controls["lr"]
    assert lr.description == "learning rate α" and "log scale" in lr.tooltip
    assert [label for label, _ in lr.options] == [
        "0.001", "0.00178", "0.00316", "0.00562", "0.01", "0.0178", "0.0316", "0.0562",
        "0.1", "0.178", "0.316", "0.562", "1", "1.78", "3.16", "5.62",
    ]  # fmt: skip
    lr.value = lr.options[-1][1]
    assert lr.label == "5.62"
    assert plot.artists[2].get_text() == "α = 5.62: diverges"
    assert plot.status.value.startswith("α = 5.62 diverges")
    assert "5.623" not in plot.status.value and "0.562341" not in plot.status.value


def test_surprising_runs_are_explained():
    plot = E.lr_explorer()
    plot.controls["lr"].value = 10**-0.5
    assert "it ends at 0.147, higher than where it started (0.0928)" in plot.status.value
    plot.controls["lr"].value = 10**-0.25  # the edge of stability: one ulp at the start changes the run
    assert "Near this α training is chaotic" in plot.status.value and "0.01–0.02" in plot.status.value
    plot.reset()
    assert plot.controls["lr"].value == 0.1 and "converges" in plot.status.value


def test_palette_colours():
    from bpcourse import plots

    plot = E.lr_explorer()
    curve, blowup, _, marker = plot.artists
    assert (curve.get_color(), blowup.get_color(), marker.get_color()) == (plots.BLUE, plots.VERMILLION, plots.BLUE)
    assert blowup.get_marker() == "x"  # diverged: a marker shape, not only a colour


def test_nudge_moves_every_weight_by_exactly_one_ulp_both_ways():
    from bpcourse.network import MLP

    net = MLP([1, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    before = {k: v.copy() for k, v in net.params.items()}
    E.nudge_weights(net.params, seed=1)
    for name in ("W1", "W2"):
        up = net.params[name] == np.nextafter(before[name], np.inf)
        down = net.params[name] == np.nextafter(before[name], -np.inf)
        assert np.all(up | down) and up.any() and down.any()
    np.testing.assert_array_equal(net.params["b1"], before["b1"])  # biases stay exactly 0


def test_band_rounds_outward_to_one_digit():
    assert E.band([0.01504, 0.01596]) == "0.01–0.02"
    assert E.band([13, 14]) == "10–20"
    assert E.band([0.14676, 0.14676]) == "0.1–0.2"
    assert E.band([150, 260]) == "100–300"


def test_stable_rows_print_four_digits_and_the_edge_prints_a_band():
    converging = E.spread(-1.0)
    assert not converging.chaotic
    assert converging.cells() == ("0.0165", "0", "converges")
    # one ulp grows ~1e8-fold at α ≈ 0.32 but stays far below the printed digits
    assert not E.spread(-0.5).chaotic
    assert 1e-12 < E.gap(E.spread(-0.5))[-1] < 1e-5
    edge = E.spread(-0.25)
    assert edge.chaotic
    assert E.gap(edge)[-1] > 1e-3
    assert edge.cells() == ("0.01–0.02", "10–20", "oscillates (chaotic)")
    assert len(E.sweep_spread()) == len(E.LOG10_LR)
