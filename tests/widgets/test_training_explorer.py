"""The chapter-2 training explorers: cached trainings, epochs snapshots, decision boundary, fit."""

import numpy as np
import pytest

from bpcourse.widgets import training_explorer as T


def test_trained_keeps_a_snapshot_per_epoch():
    run = T.trained("moons", 4, 0.0, "cross_entropy")
    assert len(run.snapshots) == T.MAX_EPOCHS + 1
    assert run.loss.shape == (T.MAX_EPOCHS + 1,)
    X, Y = T.data("moons")
    assert run.net.accuracy(X, Y) == pytest.approx(0.967, abs=1e-3)
    assert run.loss[0] == pytest.approx(0.6931, abs=0.05)  # ŷ ≈ 0.5 at the start: loss ≈ log 2
    assert run.loss[-1] < 0.15
    first = T.predict_with(run, run.snapshots[0], X)
    assert not np.allclose(first, run.net.forward(X))
    np.testing.assert_array_equal(T.predict_with(run, run.snapshots[-1], X), run.net.forward(X))
    assert T.trained("moons", 4, 0.0, "cross_entropy") is run


def test_mse_stalls_where_cross_entropy_learns():
    X, Y = T.data("moons")
    ce = T.trained("moons", 8, 0.0, "cross_entropy").net.accuracy(X, Y)
    mse = T.trained("moons", 8, 0.0, "mse").net.accuracy(X, Y)
    assert (round(mse, 3), round(ce, 3)) == (0.858, 0.967)


def test_epochs_slider_picks_snapshots_without_training():
    plot = T.training_explorer()
    a = plot.artists
    full, chosen, dot = a["curve"]
    assert len(chosen.get_xdata()) == T.MAX_EPOCHS + 1
    late = np.array(a["image"].get_array())
    hits = T.trained.cache_info().hits
    plot.controls["epochs"].value = 0
    assert T.trained.cache_info().hits == hits + 1
    assert len(chosen.get_xdata()) == 1
    assert list(dot.get_xdata()) == [0]
    early = np.array(a["image"].get_array())
    assert np.ptp(early) < np.ptp(late)  # untrained: probabilities near 0.5 everywhere
    assert "after 0 epochs" in plot.status.value


def test_loss_width_and_dataset_controls_retrain():
    plot = T.training_explorer()
    assert "α = 1.78, cross_entropy" in plot.status.value
    assert "100% of the 120 points" in plot.status.value
    plot.controls["loss"].value = "mse"
    assert "86% of the 120 points" in plot.status.value
    plot.controls["width"].value = 4
    assert plot.artists["title"].get_text() == "moons, 2-4-1 net, mse: accuracy 86% after 60 epochs"
    plot.controls["dataset"].value = "xor"
    X, _ = T.data("xor")
    np.testing.assert_allclose(plot.artists["points"].get_offsets(), X.T)
    plot.controls["lr"].value = 10**0.5
    assert "α = 3.16, mse; after 60 epochs (360 SGD steps) the loss is 0.0012 and 100%" in plot.status.value


def test_regression_fit_improves_with_epochs():
    plot = T.regression_explorer()
    fit = plot.artists["fit"]
    xs = fit.get_xdata()
    err_late = np.mean((fit.get_ydata() - np.sin(xs)) ** 2)
    plot.controls["epochs"].value = 0
    err_start = np.mean((fit.get_ydata() - np.sin(xs)) ** 2)
    assert err_late < 0.03 < 0.5 < err_start
    assert plot.status.value.startswith("n₁ = 8, α = 0.1: after 0 epochs")


def test_weight_decay_narrows_the_gap_of_an_overfitting_fit():
    runs = T.weight_decay_runs()
    assert runs.train.shape == runs.test.shape == (len(T.WD_LAMBDAS), len(T.WD_SEEDS))
    none, chosen = 0, int(np.argmin(runs.val.mean(axis=1)))
    assert runs.lambdas[chosen] == 0.01
    gap = runs.test.mean(axis=1) - runs.train.mean(axis=1)
    assert runs.train[none].mean() < 0.01 and gap[none] > 0.1  # fits the 12 points, misses between them
    assert gap[chosen] < 0.03 and runs.test[chosen].mean() < 0.04 < runs.test[none].mean()


def test_weight_decay_runs_train_what_the_library_would():
    """One (λ, seed) of the batched runs against bp.MLP's own gradients + λW and bp.optim.Adam."""
    import bpcourse as bp

    lam, seed, steps = 0.01, 2, 200
    runs = T.weight_decay_runs((lam,), (seed,), steps=steps)
    (X, Y), _, (X_te, Y_te) = T.sine_sets()
    net = bp.MLP([1, 32, 1], hidden="tanh", output="identity", loss="mse", seed=seed)
    opt = bp.optim.Adam(lr=0.02)
    for _ in range(steps):
        grads = net.gradients(X, Y)
        for k in ("W1", "W2"):
            grads[k] = grads[k] + lam * net.params[k]
        opt.step(net.params, grads)
    assert runs.train[0, 0] == pytest.approx(net.loss(X, Y), rel=1e-9)
    assert runs.test[0, 0] == pytest.approx(net.loss(X_te, Y_te), rel=1e-9)
