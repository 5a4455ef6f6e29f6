import numpy as np
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import bpcourse as bp
from bpcourse import i18n
from bpcourse.plots import BAD, GOOD
from bpcourse.widgets import capstone

from .translated import Marked


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    C = capstone.confusion_matrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], n_classes=3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    fig = Figure()
    ax = fig.add_subplot()
    capstone.plot_confusion(ax, C)
    assert ax.get_title() == "confusion matrix: 4 of 6 correct"
    assert sorted(t.get_text() for t in ax.texts) == ["1", "1", "1", "1", "2"]


def test_show_misclassified_titles_each_mistake():
    X = np.linspace(0, 1, 64 * 5).reshape(64, 5)
    fig = Figure()
    n = capstone.show_misclassified(fig, X, np.array([3, 1, 4, 1, 5]), np.array([3, 7, 4, 1, 6]), ncols=4)
    assert n == 2
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["true 1 → 7", "true 5 → 6"]
    np.testing.assert_allclose(fig.axes[0].images[0].get_array(), X[:, 1].reshape(8, 8))


def test_digit_browser_shows_the_chosen_digit_and_its_probabilities():
    X, y = bp.datasets.load_digits()
    X_tr, X_te, y_tr, y_te = bp.datasets.train_test_split(X[:, :600], y[:600], test_size=0.25, seed=0)
    net = bp.MLP([64, 10], seed=0)
    bp.train(net, X_tr, bp.datasets.one_hot(y_tr, 10), bp.optim.Adam(lr=1e-2), epochs=2, seed=0)
    pred = net.predict(X_te)
    wrong = np.flatnonzero(pred != y_te)
    assert wrong.size > 0
    plot = capstone.digit_browser(net, X_te, y_te)
    a = plot.artists
    i = wrong[0]
    np.testing.assert_allclose(a["img"].get_array(), X_te[:, i].reshape(8, 8))
    heights = [bar.get_height() for bar in a["bars"]]
    np.testing.assert_allclose(heights, net.forward(X_te[:, [i]])[:, 0])
    assert a["ax_img"].get_title() == f"test digit {i}: true {y_te[i]}, predicted {pred[i]} (wrong)"
    assert plot.status.value.startswith(f"misclassified digit #1 of {wrong.size} (test digit {i}: ")
    assert plot.status.value.endswith(f"{wrong.size} of {X_te.shape[1]} test digits are misclassified")

    index = plot.controls["index"]
    assert (index.min, index.max, index.value) == (1, wrong.size, 1)  # the range is the mistakes: End is the last
    index.value = index.max
    np.testing.assert_allclose(a["img"].get_array(), X_te[:, wrong[-1]].reshape(8, 8))
    assert plot.status.value.startswith(f"misclassified digit #{wrong.size} of {wrong.size} ")

    plot.controls["only_mistakes"].value = False
    assert (index.min, index.max) == (1, X_te.shape[1])
    index.value = 4  # the fourth test digit, column 3
    np.testing.assert_allclose(a["img"].get_array(), X_te[:, 3].reshape(8, 8))
    assert plot.status.value.startswith(f"test digit #4 of {X_te.shape[1]} (test digit 3: ")
    true_bar, wrong_bar = a["bars"][y_te[3]], a["bars"][pred[3]]
    assert true_bar.get_facecolor()[:3] == to_rgb(GOOD)  # the true digit: blue, no hatch
    if pred[3] != y_te[3]:
        assert wrong_bar.get_facecolor()[:3] == to_rgb(BAD) and wrong_bar.get_hatch() == "///"
    index.value = 300
    plot.controls["only_mistakes"].value = True  # back to the mistakes: the index is kept within their range
    assert index.max == wrong.size and index.value == wrong.size

    plot.reset_button.click()
    assert plot.values() == {"only_mistakes": True, "index": 1} and index.max == wrong.size
    c = plot.controls["only_mistakes"]
    assert c.tooltip and c.layout.width and len(c.description) <= 18


def test_the_wrong_prediction_is_told_apart_without_colour():
    X, y = bp.datasets.load_digits()
    net = bp.MLP([64, 10], seed=0)  # untrained: most digits are wrong
    plot = capstone.digit_browser(net, X[:, :50], y[:50])
    a = plot.artists
    pred = net.predict(X[:, :50])
    i = np.flatnonzero(pred != y[:50])[0]
    assert a["bars"][pred[i]].get_hatch() == "///" and not a["bars"][y[i]].get_hatch()
    assert [t.get_text() for t in a["ax_p"].get_legend().get_texts()] == ["true digit", "wrong prediction"]


def _digits(m_train=300, m_eval=120):
    X, y = bp.datasets.load_digits()
    return X[:, :m_train], bp.datasets.one_hot(y[:m_train], 10), X[:, -m_eval:], y[-m_eval:]


@pytest.mark.parametrize("hidden, optimizer, lrs", [("relu", "sgd", (0.03, 0.3)), ("sigmoid", "adam", (0.003, 0.03))])
def test_train_many_ends_where_bp_train_ends(hidden, optimizer, lrs):
    X, Y, X_ev, y_ev = _digits()
    sizes, seeds, epochs = (64, 16, 10), (0, 3), 3
    acc = capstone.train_many(hidden, optimizer, lrs, seeds, X, Y, X_ev, y_ev, epochs=epochs, sizes=sizes)
    assert acc.shape == (len(lrs), len(seeds), epochs)
    for i, lr in enumerate(lrs):
        for j, seed in enumerate(seeds):
            net = bp.MLP(list(sizes), hidden=hidden, seed=seed)
            opt = bp.optim.SGD(lr=lr) if optimizer == "sgd" else bp.optim.Adam(lr=lr)
            h = bp.train(
                net, X, Y, opt, epochs=epochs, batch_size=32, seed=seed, X_val=X_ev, Y_val=bp.datasets.one_hot(y_ev, 10)
            )
            np.testing.assert_array_equal(acc[i, j], h.val_accuracy)


def test_ablation_picks_the_best_mean_and_prints_mean_and_sd():
    acc = np.array(
        [[[0.5, 0.6], [0.7, 0.8]], [[0.6, 0.8], [0.8, 0.9]], [[0.1, 0.12], [0.1, 0.14]]]
    )  # (3 α, 2 seeds, 2 epochs)
    ab = capstone.Ablation((("r", "relu", "sgd", (0.1, 0.3, 1.0)),), (0, 1), [acc])
    assert ab.best(0) == 1  # mean 0.85 after the last epoch, against 0.7 and 0.13
    assert ab.cell(0, 1, 2) == "85.0 ± 7.1"
    assert ab.cell(0, 0, 1) == "60.0 ± 14.1"
    assert ab.cell(0, 2, 2) == "below 25"  # chance level: its digits are not reproducible
    nan = acc.copy()
    nan[0, 0, 1] = np.nan
    assert capstone.Ablation(ab.recipes, ab.seeds, [nan]).cell(0, 0, 2) == "diverged"


def test_train_many_with_its_own_progress_bar_gives_the_same_numbers():
    X, Y, X_ev, y_ev = _digits(200, 60)
    kw = dict(epochs=2, sizes=(64, 8, 10))
    quiet = capstone.train_many("relu", "adam", [3e-3], [0], X, Y, X_ev, y_ev, **kw)
    shown = capstone.train_many("relu", "adam", [3e-3], [0], X, Y, X_ev, y_ev, progress=True, **kw)
    np.testing.assert_array_equal(quiet, shown)


def test_labels_status_and_table_cells_go_through_the_catalog(monkeypatch):
    X, y = bp.datasets.load_digits()
    net = bp.MLP([64, 10], seed=0)  # untrained: it gets many digits wrong
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = capstone.digit_browser(net, X[:, :50], y[:50])
    assert plot.title == "‹Test digits and the network's probabilities›"
    assert all(c.description.startswith("‹") and c.tooltip.startswith("‹") for c in plot.controls.values())
    assert plot.status.value.startswith("‹misclassified digit #1 of ")
    plot.controls["only_mistakes"].value = False
    assert plot.status.value.startswith("‹test digit #1 of 50 (test digit 0: ")
    acc = np.array([[[0.9, 0.92], [0.9, 0.94]], [[0.1, 0.1], [0.1, 0.12]], [[0.5, np.nan], [0.5, 0.5]]])
    ablation = capstone.Ablation(capstone.ABLATION[:1], (0, 1), [acc])  # one recipe, 3 rates × 2 seeds × 2 epochs
    assert [ablation.cell(0, j, 2) for j in range(3)] == ["93.0 ± 1.4", "‹below 25›", "‹diverged›"]
