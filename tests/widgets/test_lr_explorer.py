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
    assert plot.status.value.startswith("α = 1 diverges. training stopped at step 10")
    assert title.get_text() == "α = 1: diverges"
    assert marker.get_xdata()[0] == pytest.approx(1.0)

    plot.controls["lr"].value = 1e-3
    assert "crawls" in plot.status.value
    assert np.max(curve.get_ydata()) == pytest.approx(0.0928, abs=1e-4)


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
