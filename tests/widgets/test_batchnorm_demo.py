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
