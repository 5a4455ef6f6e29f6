import numpy as np

from bpcourse.widgets import batchnorm_demo as bn


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
