import numpy as np
import pytest

import bpcourse as bp
from bpcourse.widgets import landscape as ls


def test_batched_training_matches_the_library_mlp():
    res = ls.train_restarts(2, 1.0, restarts=8, steps=300)
    X, Y = ls.xor_data()
    for seed in (0, 5):
        net = bp.MLP(
            [2, 2, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", init="normal", scale=1.0, seed=seed
        )
        assert res["history"][seed, 0] == pytest.approx(net.loss(X, Y), abs=1e-12)
        opt = bp.optim.SGD(lr=ls.LR)
        for _ in range(300):
            opt.step(net.params, net.gradients(X, Y))
        assert res["final"][seed] == pytest.approx(net.loss(X, Y), abs=1e-10)


def test_restarts_spread_between_solved_and_stuck():
    o = ls.outcome(ls.cached_restarts(2, 1.0)["final"])
    assert o["solved"] == pytest.approx(0.52, abs=0.05)
    assert o["stuck"] == pytest.approx(0.47, abs=0.05)
    assert ls.outcome(ls.cached_restarts(1, 1.0)["final"])["solved"] == 0.0  # one hidden unit cannot do XOR


def test_widget_histogram_counts_the_restarts():
    plot = ls.restarts()
    bars = plot.artists["bars"]
    assert sum(r.get_height() for r in bars) == 100
    plot.controls["n_restarts"].value = 30
    assert sum(r.get_height() for r in bars) == 30
    assert len(plot.artists["lines"].get_segments()) == 30
    plot.controls["n_restarts"].value = 100
    plot.controls["hidden"].value = 8
    assert "100% solved" in plot.artists["title"].get_text()


def test_one_dimensional_descent_stops_in_different_valleys():
    ends = ls.descend_1d([-5.5, -3.6, -1.2, 0.4, 2.3, 4.6])
    assert np.all(np.abs(ls.bumpy_prime(ends)) < 1e-4)
    assert len(np.unique(np.round(ends, 2))) == 6
    assert np.argmin(ls.bumpy(ends)) == 2  # only the start at −1.2 finds the deepest valley
