r"""Chapter 6: the digits classifier's report — digit images, confusion matrix, misclassified digits —
and a browser over the test digits with the network's predicted probabilities.

Digits are columns of X (64, m) with pixel values in [0, 1]; ``.reshape(8, 8)`` gives the image.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import datasets, optim
from ..network import MLP
from ..train import train
from . import base


def confusion_matrix(y_true, y_pred, n_classes: int = 10) -> np.ndarray:
    """C (n_classes, n_classes) with C[i, j] = number of examples of true class i predicted as j."""
    C = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(C, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return C


def plot_confusion(ax, C: np.ndarray) -> None:
    """Draw a confusion matrix with its counts; the diagonal holds the correct predictions."""
    k = C.shape[0]
    ax.imshow(np.log1p(C), cmap="Blues")
    for i in range(k):
        for j in range(k):
            if C[i, j]:
                ax.text(
                    j,
                    i,
                    str(C[i, j]),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if C[i, j] > C.max() / 2 else "black",
                )
    ax.set_xticks(range(k))
    ax.set_yticks(range(k))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(f"confusion matrix: {int(np.trace(C))} of {int(C.sum())} correct")


def show_digits(fig, X, titles, ncols: int = 10) -> None:
    """Show the columns of X (64, n) as 8×8 grey images in a grid, each with its title."""
    n = X.shape[1]
    nrows = max(1, -(-n // ncols))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        ax.set_axis_off()
        if i < n:
            ax.imshow(X[:, i].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            ax.set_title(titles[i], fontsize=9)


def show_misclassified(fig, X, y_true, y_pred, ncols: int = 8) -> int:
    """Show every misclassified column of X (64, m) titled 'true t → pred p'; returns how many there are."""
    wrong = np.flatnonzero(np.asarray(y_true) != np.asarray(y_pred))
    show_digits(fig, X[:, wrong], [f"true {y_true[i]} → {y_pred[i]}" for i in wrong], ncols)
    fig.suptitle(f"the {wrong.size} misclassified test digits (true label → predicted)")
    return int(wrong.size)


@lru_cache(maxsize=1)
def default_model(seed: int = 0):
    """The chapter's classifier trained as in the notebook: (net, X_test, y_test)."""
    X, y = datasets.load_digits()
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.2, seed=seed)
    net = MLP([64, 128, 64, 10], hidden="relu", seed=seed)
    train(net, X_tr, datasets.one_hot(y_tr, 10), optim.Adam(lr=3e-3), epochs=20, batch_size=32, seed=seed)
    return net, X_te, y_te


def digit_browser(net=None, X=None, y=None) -> base.WidgetPlot:
    """Step through test digits (or only the mistakes): the image and the network's 10 probabilities.

    net, X (64, m), y (m,): a trained classifier and labelled digits; by default ``default_model()``.
    """
    if net is None:
        net, X, y = default_model()
    P = net.forward(X)  # (10, m) softmax probabilities, computed once
    pred = P.argmax(axis=0)
    mistakes = np.flatnonzero(pred != y)
    controls = {
        "only_mistakes": base.W.Checkbox(value=True, description="only misclassified", indent=False),
        "index": base.slider("digit #", 0, 0, X.shape[1] - 1, 1),
    }

    def setup(fig):
        ax_img, ax_p = fig.subplots(1, 2, width_ratios=[1, 1.6])
        img = ax_img.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        bars = ax_p.bar(range(10), np.zeros(10), color="#9e9e9e")
        ax_p.set_xticks(range(10))
        ax_p.set_ylim(0, 1.05)
        ax_p.set_xlabel("digit k")
        ax_p.set_ylabel(r"predicted probability $\hat y_k$")
        ax_p.grid(True, axis="y", alpha=0.3)
        return dict(ax_img=ax_img, ax_p=ax_p, img=img, bars=bars)

    def draw(a, only_mistakes, index):
        pool = mistakes if only_mistakes and mistakes.size else np.arange(X.shape[1])
        i = int(pool[index % pool.size])
        a["img"].set_data(X[:, i].reshape(8, 8))
        for k, bar in enumerate(a["bars"]):
            bar.set_height(P[k, i])
            bar.set_color("#2ca02c" if k == y[i] else "#d62728" if k == pred[i] else "#9e9e9e")
        verdict = "correct" if pred[i] == y[i] else "wrong"
        a["ax_img"].set_title(f"#{i}: true {y[i]}, predicted {pred[i]} ({verdict})")
        a["ax_p"].set_title("softmax output (green: true digit, red: wrong prediction)")
        shown = f"showing #{index % pool.size} of {pool.size}"
        return f"{mistakes.size} of {X.shape[1]} test digits are misclassified; {shown}"

    return base.WidgetPlot(controls, draw, "Test digits and the network's probabilities", figsize=(9, 3.4), setup=setup)


WIDGETS = {"digit_browser": digit_browser}
