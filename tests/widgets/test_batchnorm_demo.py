import numpy as np
import pytest

import bpcourse as bp
from bpcourse import i18n
from bpcourse.widgets import batchnorm_demo as bn

from .translated import Marked


def test_batch_norm_keeps_gradients_alive_and_the_loss_falling():
    plain, normed = bn.bn_run(8, False, 0.1), bn.bn_run(8, True, 0.1)
    assert plain.grad_norms.shape == normed.grad_norms.shape == (9,)
    # Without BN each layer closer to the input gets a smaller gradient, 1e-5 of the last at the first layer.
    assert np.all(np.diff(plain.grad_norms) > 0)
    assert plain.grad_norms[0] / plain.grad_norms[-1] < 1e-4
    assert 0.1 < normed.grad_norms[0] / normed.grad_norms[-1] < 10
    assert plain.step_loss.size == normed.step_loss.size == 15 * 8  # 15 epochs of 512/64 steps
    assert plain.step_loss[-1] > 2.2  # still guessing (ln 10 ≈ 2.30)
    assert normed.step_loss[-1] < 1.2
    assert normed.train_accuracy > 0.85 > 0.2 > plain.train_accuracy


def test_widget_follows_depth_show_and_lr():
    plot = bn.batchnorm_demo()
    a = plot.artists
    assert a["norms"][False].get_visible() and a["norms"][True].get_visible()
    np.testing.assert_allclose(a["norms"][True].get_ydata(), bn.bn_run(8, True, 0.1).grad_norms)

    plot.controls["depth"].value = 4
    assert list(a["norms"][False].get_xdata()) == [1, 2, 3, 4, 5]
    np.testing.assert_allclose(a["norms"][False].get_ydata(), bn.bn_run(4, False, 0.1).grad_norms)

    plot.controls["show"].value = "with batch norm"
    assert not a["norms"][False].get_visible() and not a["losses"][False].get_visible()
    assert "without" not in plot.status.value

    plot.controls["lr"].value = 10**-0.5
    np.testing.assert_allclose(a["losses"][True].get_ydata(), bn.bn_run(4, True, 0.316228).step_loss)
    assert a["losses"][True].get_ydata()[-1] < bn.bn_run(4, True, 0.1).step_loss[-1]  # larger α, faster here


def test_step_one_is_not_saturation_but_a_collapse_of_the_spread_over_the_batch():
    plain, normed = bn.layer_stats(8, False), bn.layer_stats(8, True)
    assert ((plain.sigma_prime > 0.22) & (plain.sigma_prime < 0.25)).all()  # σ′ near its maximum ¼ everywhere
    shrink = plain.spread_out[:-1] / plain.spread_out[1:]
    assert ((shrink > 3.5) & (shrink < 5)).all()  # about 4× less spread per layer
    assert plain.spread_out[-1] < 1e-4
    np.testing.assert_allclose(normed.spread_out, 1.0, atol=1e-3)  # BN gives every unit spread 1
    assert ((normed.spread_in > 0.15) & (normed.spread_in < 0.35)).all()  # σ_B ≈ 0.2: it multiplies δ by ≈ 5
    np.testing.assert_array_equal(plain.spread_in, plain.spread_out)  # no BN: what the sigmoid receives is W A + b
    for stats, with_bn in ((plain, False), (normed, True)):  # the same step 1 as bn_run's
        np.testing.assert_allclose(stats.grad_norms, bn.bn_run(8, with_bn, 0.1).grad_norms[:8], rtol=1e-12)


@pytest.mark.parametrize("depth, with_bn", [(2, True), (4, False)])
def test_the_batched_runs_are_bp_train_step_for_step(depth, with_bn):
    lrs = (0.1, 1.0)
    runs = bn.bn_runs(depth, with_bn, lrs, epochs=3)
    X, Y = bn.digits_subset()
    for lr, run in zip(lrs, runs, strict=True):
        net = bn.deep_sigmoid_net(depth, with_bn)
        h = bp.train(net, X, Y, bp.optim.SGD(lr=lr), epochs=3, batch_size=64, seed=0, on_diverge="stop")
        np.testing.assert_allclose(run.step_loss, h.step_loss, rtol=1e-12)
        np.testing.assert_allclose(run.grad_norms, h.grad_norm_array[0], rtol=1e-12)
        assert run.train_accuracy == net.accuracy(X, Y)  # evaluation mode: the running averages


def test_a_diverging_run_stops_as_bp_train_stops_it():
    (run, calm) = bn.bn_runs(2, False, (1e7, 0.1), epochs=2)
    X, Y = bn.digits_subset()
    net = bn.deep_sigmoid_net(2, False)
    h = bp.train(net, X, Y, bp.optim.SGD(lr=1e7), epochs=2, batch_size=64, seed=0, on_diverge="stop")
    assert h.diverged_at is not None and run.step_loss.size == len(h.step_loss) == h.diverged_at - 1
    np.testing.assert_allclose(run.step_loss, h.step_loss, rtol=1e-12)
    assert calm.step_loss.size == 16  # the other run of the batch goes on
    assert run.train_accuracy == net.accuracy(X, Y)  # with the parameters before the step that ran away


def test_the_stored_table_is_what_training_gives():
    """Every setting of the widget, trained again (~10 s): the stored runs are these runs."""
    fresh = bn.compute_table()
    stored = bn.table()
    assert sorted(fresh) == sorted(stored)
    for key, values in fresh.items():
        np.testing.assert_allclose(stored[key], values, rtol=1e-9, err_msg=key)


def test_every_setting_of_the_widget_redraws_without_training(monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("a slider setting trained a network: it should come from the stored table")

    plot = bn.batchnorm_demo()
    monkeypatch.setattr(bn, "bn_runs", no_training)
    bn.bn_run.cache_clear()
    for depth in bn.DEPTHS:
        for _, lr in plot.controls["lr"].options:
            with plot.paused():
                plot.controls["depth"].value = depth
            plot.controls["lr"].value = lr
            assert plot.busy(**plot.values()) is None
    assert max(plot.redraw_seconds[1:]) < 1.0  # drawing only (typically well under 0.1 s)


def test_status_readouts_reset_and_palette():
    from bpcourse import plots

    plot = bn.batchnorm_demo()
    lr = plot.controls["lr"]
    assert [label for label, _ in lr.options] == ["0.01", "0.0316", "0.1", "0.316", "1"]
    status = plot.status.value
    assert status.startswith("α = 0.1, 8 hidden sigmoid layers:")
    assert "without batch norm: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = 1.2e-05 (layer 1 against layer 9)" in status
    assert "still guessing" in status and "with batch norm: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = 0.632" in status
    assert "^" not in status
    a = plot.artists
    assert a["norms"][False].get_color() == plots.VERMILLION and a["norms"][True].get_color() == plots.BLUE
    assert a["norms"][False].get_marker() != a["norms"][True].get_marker()  # a second cue besides the colour
    assert a["losses"][False].get_linestyle() != a["losses"][True].get_linestyle()
    plot.controls["depth"].value = 2
    lr.value = lr.options[-1][1]
    plot.controls["show"].value = "with batch norm"
    assert plot.status.value.startswith("α = 1, 2 hidden sigmoid layers:")
    plot.reset_button.click()
    assert plot.values() == {"depth": 8, "show": "both", "lr": 0.1}
    for control in plot.controls.values():
        assert control.tooltip and control.layout.width and len(control.description) <= 18


def test_labels_and_status_go_through_the_catalog_while_the_values_stay_english(monkeypatch):
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = bn.batchnorm_demo()
    assert plot.title == "‹Batch normalization in a deep sigmoid network›"
    assert all(c.description.startswith("‹") and c.tooltip.startswith("‹") for c in plot.controls.values())
    show = plot.controls["show"]
    assert show.options == (
        ("‹both›", "both"),
        ("‹without batch norm›", "without batch norm"),
        ("‹with batch norm›", "with batch norm"),
    )
    status = plot.status.value
    assert status.startswith("‹α = 0.1, 8 hidden sigmoid layers:›<br>‹‹without batch norm›: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = ")
    assert "(still guessing" in status and "<br>‹‹with batch norm›: " in status
    show.value = "with batch norm"
    assert "without" not in plot.status.value
    assert plot.busy(3, "both", 0.1) == "‹training the two networks (a few seconds)…›"
