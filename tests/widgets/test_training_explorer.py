"""The chapter-2 training explorers: cached trainings, epochs snapshots, decision boundary, fit."""

import numpy as np
import pytest

from bpcourse.widgets import training_explorer as T

from .translated import shown_texts, untranslated


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
    assert plot.status.value == (
        "moons: n₁ = 8 hidden tanh units, α = 1.78, cross-entropy; after 60 epochs (360 SGD steps) the loss is "
        "0.0205 and 100% of the 120 points are classified correctly."
    )
    plot.controls["loss"].value = "mse"
    assert "86% of the 120 points" in plot.status.value
    plot.controls["width"].value = 4
    assert plot.artists["title"].get_text() == "moons, 2-4-1 net, MSE: accuracy 86% after 60 epochs"
    plot.controls["width"].value = 1
    assert "n₁ = 1 hidden tanh unit," in plot.status.value  # singular
    assert "the boundary ŷ = 0.5 is a straight line" in plot.status.value
    plot.controls["dataset"].value = "xor"
    X, _ = T.data("xor")
    np.testing.assert_allclose(plot.artists["points"].get_offsets(), X.T)
    plot.controls["width"].value = 8
    plot.controls["lr"].value = 10**0.5
    assert "XOR: n₁ = 8 hidden tanh units, α = 3.16, MSE; after 60 epochs (360 SGD steps) the loss is 0.00" in (
        plot.status.value
    )
    assert "0.0000" not in plot.status.value
    plot.reset()
    assert plot.values() == {"dataset": "moons", "width": 8, "lr": 10**0.25, "epochs": 60, "loss": "cross_entropy"}


def test_loss_panel_keeps_one_range_across_settings():
    plot = T.training_explorer()
    ax2 = plot.artists["ax2"]
    assert ax2.get_ylim() == pytest.approx(T.LOSS_YLIM["cross_entropy"])
    plot.controls["width"].value = 2
    plot.controls["lr"].value = 0.01
    assert ax2.get_ylim() == pytest.approx(T.LOSS_YLIM["cross_entropy"])
    plot.controls["loss"].value = "mse"
    assert ax2.get_ylim() == pytest.approx(T.LOSS_YLIM["mse"])
    # the corners of the settings stay inside the fixed ranges
    corners = [
        ("moons", 16, 1.0, "cross_entropy"),
        ("xor", 16, 1.0, "cross_entropy"),
        ("moons", 4, 1.0, "mse"),
        ("xor", 1, -2.0, "mse"),
        ("moons", 1, -2.0, "mse"),
    ]
    for name, width, x, loss in corners:
        curve = T.trained(name, width, x, loss).loss
        lo, hi = T.LOSS_YLIM[loss]
        assert lo <= np.nanmin(curve) and np.nanmax(curve) <= hi
    reg = T.regression_explorer()
    assert reg.artists["ax2"].get_ylim() == pytest.approx(T.LOSS_YLIM["sine"])
    reg.controls["width"].value = 2
    assert reg.artists["ax2"].get_ylim() == pytest.approx(T.LOSS_YLIM["sine"])


def test_a_run_that_runs_away_is_explained():
    plot = T.regression_explorer(width=6, log10_lr=0.0)
    assert plot.status.value == (
        "n₁ = 6 hidden tanh units, α = 1. This α is too large: in epoch 3 the loss ran away, so bp.train stopped "
        "the run; the figure shows epoch 2, its last finite state."
    )
    plot = T.training_explorer(dataset="xor", width=16, log10_lr=1.0)
    assert "the loss, 41.9, is above its start, 0.715, and it is still above it" in plot.status.value


def test_new_settings_show_a_busy_state_first():
    assert T.training_message("moons", 3, 10**-1.75, "mse") is not None  # not trained yet
    T.trained("moons", 3, -1.75, "mse")
    assert T.training_message("moons", 3, 10**-1.75, "mse") is None


def test_controls_and_palette():
    from bpcourse import plots

    plot = T.training_explorer()
    labels = [c.description for c in plot.controls.values()]
    assert labels == ["data", "hidden width n₁", "learning rate α", "epochs", "loss"]
    assert all(c.tooltip and c.layout.width == "340px" for c in plot.controls.values())
    assert [label for label, _ in plot.controls["loss"].options] == ["cross-entropy", "MSE"]
    assert plot.controls["lr"].label == "1.78"
    from matplotlib.colors import to_hex

    faces = {to_hex(c) for c in plot.artists["points"].get_facecolor()}
    assert faces == {plots.CLASS_COLORS[0].lower(), plots.CLASS_COLORS[1].lower()}
    cmap = plot.artists["image"].get_cmap()
    assert to_hex(cmap(0.0)) == plots.BLUE.lower() and to_hex(cmap(1.0)) == plots.VERMILLION.lower()


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


# ---- the learner's language: every text a learner reads goes through _() or figure_text -------------


def test_every_text_of_the_explorers_is_translated(marked, monkeypatch):
    plot = T.training_explorer()
    texts = shown_texts(plot)
    assert [label for label, _ in plot.controls["loss"].options] == ["⟦cross-entropy⟧", "⟦MSE⟧"]
    plot.controls["width"].value = 1
    plot.controls["epochs"].value = 0
    texts += shown_texts(plot)
    texts += shown_texts(T.training_explorer(dataset="xor", width=16, log10_lr=1.0))  # overshoots
    texts += shown_texts(T.regression_explorer(width=1))
    texts += shown_texts(T.regression_explorer(width=6, log10_lr=0.0))  # runs away
    monkeypatch.setattr(T, "_TRAINED", set())
    texts.append(T.training_message("moons", 8, 1.0, "mse"))  # the busy message of a first visit
    assert not untranslated(texts, words={"sin"}), untranslated(texts, words={"sin"})
