"""bpcourse.train: history bookkeeping, determinism, divergence handling, and digits to ≥ 97 %."""

import numpy as np
import pytest

import bpcourse as bp


def xor_problem():
    X, y = bp.datasets.xor(64, noise=0.1, seed=0)
    return X, bp.datasets.one_hot(y, 2)


def test_history_lengths_and_shapes():
    X, Y = xor_problem()
    net = bp.MLP([2, 8, 2], hidden="tanh", seed=0)
    hist = bp.train(net, X, Y, bp.optim.Adam(lr=0.01), epochs=3, batch_size=20, seed=0)
    steps = 3 * 4  # ⌈64/20⌉ = 4 mini-batches per epoch
    assert len(hist.loss) == 3 and len(hist.accuracy) == 3
    assert len(hist.step_loss) == steps
    assert hist.grad_norm_array.shape == (steps, 2)
    assert hist.val_loss == [] and hist.diverged_at is None and hist.message == ""
    # the recorded epoch loss is the loss of the network as it is after the epoch
    assert hist.loss[-1] == pytest.approx(net.loss(X, Y), rel=1e-12)
    assert hist.accuracy[-1] == net.accuracy(X, Y)


def test_grad_norms_are_per_layer_frobenius_norms():
    X, Y = xor_problem()
    net = bp.MLP([2, 8, 2], hidden="tanh", seed=0)
    g = net.copy().gradients(X, Y)
    hist = bp.train(net, X, Y, bp.optim.SGD(lr=0.1), epochs=1, batch_size=None)
    np.testing.assert_allclose(hist.grad_norms[0], [np.linalg.norm(g["W1"]), np.linalg.norm(g["W2"])], rtol=1e-12)
    assert hist.step_loss[0] == pytest.approx(bp.MLP([2, 8, 2], hidden="tanh", seed=0).loss(X, Y, training=True))


def test_full_batch_step_equals_one_manual_sgd_step():
    X, Y = xor_problem()
    net, manual = bp.MLP([2, 4, 2], seed=3), bp.MLP([2, 4, 2], seed=3)
    bp.train(net, X, Y, bp.optim.SGD(lr=0.5), epochs=1, batch_size=None)
    g = manual.gradients(X, Y)
    for k in manual.params:
        np.testing.assert_allclose(net.params[k], manual.params[k] - 0.5 * g[k], rtol=1e-12, err_msg=k)


def test_loss_decreases_on_xor():
    X, Y = xor_problem()
    net = bp.MLP([2, 8, 2], hidden="tanh", seed=0)
    hist = bp.train(net, X, Y, bp.optim.Adam(lr=0.05), epochs=60, batch_size=16, seed=0)
    assert hist.loss[-1] < 0.1 * hist.loss[0]
    assert hist.accuracy[-1] == 1.0


def test_same_seed_same_history_different_seed_differs():
    X, Y = xor_problem()

    def run(seed):
        net = bp.MLP([2, 6, 2], seed=0)
        return bp.train(net, X, Y, bp.optim.Adam(lr=0.01), epochs=4, batch_size=16, seed=seed), net

    (h1, n1), (h2, n2), (h3, _) = run(1), run(1), run(2)
    assert h1.step_loss == h2.step_loss
    assert h1.loss == h2.loss
    np.testing.assert_array_equal(h1.grad_norm_array, h2.grad_norm_array)
    for k in n1.params:
        np.testing.assert_array_equal(n1.params[k], n2.params[k])
    assert h1.step_loss != h3.step_loss  # another shuffle, another trajectory


def test_validation_history():
    X, y = bp.datasets.moons(200, seed=0)
    Xtr, Xva, ytr, yva = bp.datasets.train_test_split(X, y, 0.25, seed=0)
    net = bp.MLP([2, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    hist = bp.train(
        net, Xtr, ytr[None, :], bp.optim.Adam(lr=0.02), epochs=5, X_val=Xva, Y_val=yva[None, :], batch_size=32
    )
    assert len(hist.val_loss) == len(hist.val_accuracy) == 5
    assert hist.val_accuracy[-1] == net.accuracy(Xva, yva)


def test_regression_history_has_no_accuracy():
    X, Y = bp.datasets.sine(50, seed=0)
    net = bp.MLP([1, 8, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    hist = bp.train(net, X, Y, bp.optim.Adam(lr=0.01), epochs=3, batch_size=10)
    assert len(hist.loss) == 3 and hist.accuracy == []


def test_callback_called_each_epoch_and_can_stop():
    X, Y = xor_problem()
    seen = []

    def cb(epoch, history, net):
        seen.append((epoch, len(history.loss)))
        return epoch < 2  # stop after the second epoch

    hist = bp.train(bp.MLP([2, 4, 2], seed=0), X, Y, epochs=10, batch_size=32, callback=cb)
    assert seen == [(1, 1), (2, 2)]
    assert hist.message == "stopped by the callback after epoch 2"


def test_clip_caps_the_update():
    X, Y = xor_problem()
    net, ref = bp.MLP([2, 4, 2], seed=0), bp.MLP([2, 4, 2], seed=0)
    bp.train(net, X, Y, bp.optim.SGD(lr=1.0), epochs=1, batch_size=None, clip=1e-3)
    step = np.sqrt(sum(np.sum((net.params[k] - ref.params[k]) ** 2) for k in net.params))
    assert step == pytest.approx(1e-3, rel=1e-9)  # lr · max_norm


def test_a_full_batch_run_names_the_step_only():
    X, Y = bp.datasets.sine(40, seed=0)
    net = bp.MLP([1, 16, 1], hidden="relu", output="identity", loss="mse", seed=0)
    history = bp.train(net, X, Y, bp.optim.SGD(lr=0.562341), epochs=50, batch_size=None, on_diverge="stop")
    assert history.diverged_at == 3
    assert history.message.startswith("training stopped at step 3: the loss 8.75e+06 exceeded")
    assert history.message.endswith("The learning rate 0.562 is probably too large; try 0.0562.")


def test_divergence_raises_naming_step_and_smaller_lr():
    """The loss 2.21 → 4.8e26 → 4.8e104 → inf: the runaway criterion stops it at step 2, before the inf of step 4."""
    X, Y = bp.datasets.sine(40, seed=0)
    net = bp.MLP([1, 16, 1], hidden="relu", output="identity", loss="mse", seed=0)
    with pytest.raises(bp.TrainingDiverged) as err:
        bp.train(net, X, Y, bp.optim.SGD(lr=1e6), epochs=50, batch_size=10)
    assert str(err.value) == (
        "training stopped at step 2 (epoch 1): the loss 4.81e+26 exceeded 2.21e+06 = 1e+06 × max(1, its first "
        "value 2.21). The learning rate 1e+06 is probably too large; try 1e+05."
    )


def test_divergence_on_nan_or_inf_names_it():
    """A loss that jumps to inf in one step is named as such (the criterion compares finite losses)."""
    X, Y = bp.datasets.sine(40, seed=0)
    net = bp.MLP([1, 16, 1], hidden="relu", output="identity", loss="mse", seed=0)
    net.params["W1"][...] = 1e200  # finite, but the forward pass overflows: Z² of the loss is inf
    with pytest.raises(bp.TrainingDiverged, match=r"^training stopped at step 1 \(epoch 1\): the loss became inf\. "):
        bp.train(net, X, Y, bp.optim.SGD(lr=0.1), epochs=2, batch_size=10)


def test_divergence_stop_returns_history():
    X, Y = bp.datasets.sine(40, seed=0)
    net = bp.MLP([1, 16, 1], hidden="relu", output="identity", loss="mse", seed=0)
    hist = bp.train(net, X, Y, bp.optim.SGD(lr=1e6), epochs=50, batch_size=10, on_diverge="stop")
    assert hist.diverged_at == 2
    assert len(hist.step_loss) == hist.diverged_at - 1  # every finite step recorded, not the bad one
    assert f"training stopped at step {hist.diverged_at}" in hist.message
    assert "probably too large" in hist.message


def test_progress_bar_runs(capsys):
    X, Y = xor_problem()
    hist = bp.train(bp.MLP([2, 4, 2], seed=0), X, Y, epochs=2, batch_size=32, progress=True)
    assert len(hist.loss) == 2
    assert "training" in capsys.readouterr().err


def test_digits_reaches_97_percent():
    """64-128-64-10 ReLU MLP with Adam on the seeded 80/20 split of the UCI digits."""
    X, y = bp.datasets.load_digits()
    Xtr, Xte, ytr, yte = bp.datasets.train_test_split(X, y, test_size=0.2, seed=0)
    net = bp.MLP([64, 128, 64, 10], hidden="relu", output="softmax", seed=0)
    hist = bp.train(net, Xtr, bp.datasets.one_hot(ytr, 10), bp.optim.Adam(lr=3e-3), epochs=10, batch_size=64, seed=0)
    acc = net.accuracy(Xte, yte)
    assert acc >= 0.97
    assert acc == pytest.approx(0.9833, abs=5e-4)  # 353 of 359 test digits with these seeds
    assert hist.accuracy[-1] > 0.99
