import numpy as np
import pytest

from bpcourse.widgets import gradient_flow as gf


def test_deep_sigmoid_vanishes_toward_the_input():
    s = gf.layer_stats(10, "sigmoid", "normal", 0.2)
    norms = s["grad_norm"]
    assert norms.shape == (10,)
    assert np.all(np.diff(norms) > 0)  # every layer closer to the input gets a smaller gradient
    assert norms[0] / norms[-1] < 1e-4
    assert gf.verdict(norms) == "vanishing"
    assert np.all(s["mean_sigma_prime"] <= 0.25)  # σ′ never exceeds 1/4


def test_large_weights_explode_and_he_relu_stays_steady():
    assert gf.verdict(gf.layer_stats(10, "tanh", "normal", 3.0)["grad_norm"]) == "exploding"
    assert gf.verdict(gf.layer_stats(10, "sigmoid", "normal", 10.0)["grad_norm"]) == "exploding"
    steady = gf.layer_stats(10, "relu", "he")["grad_norm"]
    assert gf.verdict(steady) == "steady"
    assert 0.1 < steady[0] / steady[-1] < 10


def test_widget_follows_depth_activation_and_init():
    plot = gf.gradient_flow()
    line = plot.artists["grad"]
    assert len(line.get_xdata()) == 10
    first10 = np.asarray(line.get_ydata())[0]
    plot.controls["depth"].value = 15
    assert len(line.get_xdata()) == 15
    assert np.asarray(line.get_ydata())[0] < first10 / 100  # five more sigmoid layers: much smaller
    assert "vanishing" in plot.artists["title"].get_text()
    plot.controls["hidden"].value = "relu"
    plot.controls["init"].value = "he"
    assert plot.controls["scale"].disabled
    ys = np.asarray(line.get_ydata())
    assert ys[0] / ys[-1] == pytest.approx(gf.layer_stats(15, "relu", "he")["grad_norm"][0] / ys[-1])
    assert "steady" in plot.artists["title"].get_text()


def test_layer_stats_agree_with_the_networks_own_gradients():
    net = gf.make_net(6, "tanh", "xavier")
    X, Y = gf._batch()
    grads = net.gradients(X, Y)
    expected = [np.linalg.norm(grads[f"W{l}"]) for l in range(1, 7)]
    np.testing.assert_allclose(gf.layer_stats(6, "tanh", "xavier")["grad_norm"], expected, rtol=1e-12)


def test_the_spread_across_the_batch_collapses_in_a_deep_sigmoid_network():
    s = gf.layer_stats(10, "sigmoid", "xavier")
    spread = s["unit_spread"]
    assert spread.shape == (9,)
    ratios = spread[1:] / spread[:-1]
    assert np.all((ratios > 0.15) & (ratios < 0.35))  # about σ′ ≈ 0.23 per layer
    assert np.all(s["mean_sigma_prime"] > 0.2)  # while σ′ itself is not saturated
    relu = gf.layer_stats(10, "relu", "he")["unit_spread"]
    assert np.all((relu > 0.1) & (relu < 1))


def test_clipping_runs_match_bp_train():
    import bpcourse as bp

    X, Y = bp.datasets.sine(seed=gf.CLIP_DATA_SEED)
    for clip in (None, 1.0):
        runs = gf.clipping_runs((1.0, 0.2), (0, 3), clip, steps=30)
        for i, (lr, seed) in enumerate(zip(runs["lr"], runs["seed"], strict=True)):
            net = bp.MLP(gf.CLIP_SIZES, hidden="tanh", output="identity", loss="mse", init="xavier", seed=int(seed))
            hist = bp.train(net, X, Y, bp.optim.SGD(lr=lr), epochs=30, batch_size=None, clip=clip, on_diverge="stop")
            assert runs["diverged_at"][i] == (hist.diverged_at or 0)
            n = len(hist.step_loss)
            np.testing.assert_allclose(runs["loss"][i, :n], hist.step_loss, rtol=1e-8)
            if not hist.diverged_at:
                assert runs["loss"][i, -1] == pytest.approx(hist.loss[-1], rel=1e-8)


def test_clipping_rescues_the_runs_that_explode():
    bare = gf.clipping_runs((1.0,), range(5), None)
    clipped = gf.clipping_runs((1.0,), range(5), 1.0)
    assert np.all(bare["diverged_at"] > 0)
    assert np.all(clipped["diverged_at"] == 0)
    assert np.all(clipped["loss"][:, -1] < 0.05)
    assert np.all(np.sum(clipped["grad_norm"] > 1.0, axis=1) >= 1)  # clipping did act


def test_status_explains_the_figure_and_the_scale_reads_as_the_title_writes_it():
    plot = gf.gradient_flow()
    status = plot.status.value
    assert status.startswith("vanishing: ‖∂L/∂W¹‖ is 1.2e-05 times ‖∂L/∂Wᴸ‖, about ×0.28 per layer going back.")
    assert "BP2 multiplies δ by (Wˡ⁺¹)ᵀ and by σ′(Zˡ)" in status and "mean σ′ is 0.22 to 0.24" in status
    scale = plot.controls["scale"]
    assert scale.label == "0.2" and scale.value == 0.2
    assert [label for label, _ in scale.options][::10] == ["0.01", "0.1", "1", "10"]
    assert "normal(0, 0.2²)" in plot.artists["title"].get_text()
    scale.value = 0.398
    assert "normal(0, 0.398²)" in plot.artists["title"].get_text()
    plot.controls["init"].value = "xavier"
    assert plot.status.value.endswith("(The scale slider is used by init = normal only.)")
    assert scale.disabled
    plot.controls["depth"].value = 4
    plot.reset_button.click()
    assert plot.values() == {"depth": 10, "hidden": "sigmoid", "init": "normal", "scale": 0.2}
    assert not scale.disabled
    for control in plot.controls.values():
        assert control.tooltip and control.layout.width and len(control.description) <= 18
