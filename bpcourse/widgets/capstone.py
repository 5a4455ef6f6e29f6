r"""Chapter 6: the digits classifier's report — digit images, confusion matrix, misclassified digits —
a browser over the test digits with the network's predicted probabilities, and the fair ablation
of the recipe's ingredients.

Digits are columns of X (64, m) with pixel values in [0, 1]; ``.reshape(8, 8)`` gives the image.

``train_many`` trains many copies of the chapter's 64-128-64-10 network at once, one per
(learning rate, seed) pair, with a leading axis of runs on every array (as ``landscape.py``
batches its restarts). Each run starts from exactly the weights ``bp.MLP(sizes, hidden=…,
seed=s)`` draws, sees its mini-batches in the order ``bp.train(…, seed=s)`` shuffles them, and
takes the same BP1–BP4 and SGD or Adam steps, so it ends where that ``bp.train`` call ends (the
tests check it). ``ablation`` uses it to give every recipe its own best learning rate from a
small grid, over several seeds, on the same budget of epochs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .. import datasets, optim
from ..errors import skip_checks
from ..i18n import _, figure_text
from ..network import MLP
from ..plots import BAD, GOOD, NEUTRAL
from ..train import train
from . import base
from ._speed import blas_single_thread

SIZES = (64, 128, 64, 10)
ABLATION = (  # (recipe, hidden activation (with its default initialization), optimizer, learning-rate grid)
    ("sigmoid, Xavier, SGD", "sigmoid", "sgd", (1.0, 3.0, 10.0)),
    ("ReLU, He, SGD", "relu", "sgd", (0.01, 0.03, 0.1)),
    ("sigmoid, Xavier, Adam", "sigmoid", "adam", (0.01, 0.03, 0.1)),
    ("ReLU, He, Adam", "relu", "adam", (0.001, 0.003, 0.01)),
)
B1, B2, EPS = 0.9, 0.999, 1e-8  # Adam's defaults (Kingma & Ba 2015), as bp.optim.Adam
NEAR_CHANCE = 25.0  # % validation accuracy: a mean below it is printed as "below 25" (chance is 10 %)


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
    ax.set_xlabel(figure_text("predicted digit"))
    ax.set_ylabel(figure_text("true digit"))
    ax.set_title(
        figure_text("confusion matrix: {correct} of {total} correct").format(
            correct=int(np.trace(C)), total=int(C.sum())
        )
    )


def show_digits(fig, X, titles, ncols: int = 10) -> None:
    """Show the columns of X (64, n) as 8×8 gray images in a grid, each with its title."""
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
    label = figure_text("true {true} → {predicted}")
    show_digits(fig, X[:, wrong], [label.format(true=y_true[i], predicted=y_pred[i]) for i in wrong], ncols)
    fig.suptitle(figure_text("the {n} misclassified test digits (true label → predicted)").format(n=wrong.size))
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

    net, X (64, m), y (m,): a trained classifier and labeled digits; by default ``default_model()``.
    The slider counts from 1 to the number of digits shown: ticking "only mistakes" makes it run over
    the mistakes only, so End goes to the last one.
    """
    if net is None:
        net, X, y = default_model()
    P = net.forward(X)  # (10, m) softmax probabilities, computed once
    pred = P.argmax(axis=0)
    mistakes = np.flatnonzero(pred != y)
    everything = np.arange(X.shape[1])

    def pool(only_mistakes: bool) -> np.ndarray:
        return mistakes if only_mistakes and mistakes.size else everything

    start = pool(True)
    controls = {
        "only_mistakes": base.W.Checkbox(
            value=True,
            description=_("only mistakes"),
            tooltip=_("step through the misclassified test digits only"),
            indent=False,
            layout=base.W.Layout(width="150px"),
        ),
        "index": base.slider(_("digit"), 1, 1, max(start.size, 1), 1, tooltip=_("which digit of those shown, from 1")),
    }
    made = {}

    def follow_filter(change):
        # The slider's range is the digits shown, 1 … n; silently, so the plot's own observer of the
        # checkbox (registered after this one) redraws once.
        index, plot = controls["index"], made["plot"]
        was, plot._paused = plot._paused, True  # also inside reset's own pause, which must stay on
        try:
            index.max = max(pool(change["new"]).size, 1)
            index.value = min(index.value, index.max)
        finally:
            plot._paused = was

    controls["only_mistakes"].observe(follow_filter, names="value")

    def setup(fig):
        ax_img, ax_p = fig.subplots(1, 2, width_ratios=[1, 1.6])
        img = ax_img.imshow(np.zeros((8, 8)), cmap="gray_r", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        bars = ax_p.bar(range(10), np.zeros(10), color=NEUTRAL, edgecolor="black", linewidth=0.6)
        ax_p.set_xticks(range(10))
        ax_p.set_ylim(0, 1.05)
        ax_p.set_xlabel(figure_text("digit k"))
        ax_p.set_ylabel(figure_text(r"predicted probability $\hat y_k$"))
        ax_p.grid(True, axis="y", alpha=0.3)
        from matplotlib.patches import Patch

        ax_p.legend(
            handles=[
                Patch(facecolor=GOOD, edgecolor="black", label=figure_text("true digit")),
                Patch(facecolor=BAD, edgecolor="black", hatch="///", label=figure_text("wrong prediction")),
            ],
            fontsize=8,
            loc="upper right",
        )
        ax_p.set_title(figure_text("softmax output of the network"))
        return dict(ax_img=ax_img, ax_p=ax_p, img=img, bars=bars)

    def draw(a, only_mistakes, index):
        shown = pool(only_mistakes)
        k_shown = min(max(int(index), 1), shown.size)
        i = int(shown[k_shown - 1])
        a["img"].set_data(X[:, i].reshape(8, 8))
        for k, bar in enumerate(a["bars"]):
            bar.set_height(P[k, i])
            true, wrong = k == y[i], k == pred[i] != y[i]
            bar.set_facecolor(GOOD if true else BAD if wrong else NEUTRAL)
            bar.set_hatch("///" if wrong else None)
        if pred[i] == y[i]:
            heading = figure_text("test digit {i}: true {true}, predicted {predicted} (correct)")
        else:
            heading = figure_text("test digit {i}: true {true}, predicted {predicted} (wrong)")
        a["ax_img"].set_title(heading.format(i=i, true=y[i], predicted=pred[i]))
        if shown is mistakes:
            template = _(
                "misclassified digit #{k} of {n} (test digit {i}: probability {p:.2f} for {predicted}); "
                "{wrong} of {total} test digits are misclassified"
            )
        else:
            template = _(
                "test digit #{k} of {n} (test digit {i}: probability {p:.2f} for {predicted}); "
                "{wrong} of {total} test digits are misclassified"
            )
        return template.format(
            k=k_shown, n=shown.size, i=i, p=P[pred[i], i], predicted=pred[i], wrong=mistakes.size, total=X.shape[1]
        )

    made["plot"] = base.WidgetPlot(
        controls, draw, _("Test digits and the network's probabilities"), figsize=(9, 3.4), setup=setup
    )
    return made["plot"]


# ---- many trainings at once: seeds and learning rates (the fair ablation) -----------------------


@blas_single_thread
def train_many(
    hidden: str,
    optimizer: str,
    lrs,
    seeds,
    X: np.ndarray,
    Y: np.ndarray,
    X_eval: np.ndarray,
    y_eval: np.ndarray,
    epochs: int = 10,
    batch_size: int = 32,
    sizes=SIZES,
    bar=None,
    progress: bool = False,
) -> np.ndarray:
    r"""Train one ``bp.MLP(sizes, hidden=hidden, seed=s)`` per pair (α in ``lrs``, s in ``seeds``), all at once.

    Softmax output with cross-entropy; ``optimizer`` is 'sgd' (θ ← θ − α g) or 'adam' (Kingma & Ba,
    β₁ = 0.9, β₂ = 0.999, ε = 1e-8); mini-batches of ``batch_size`` drawn as ``bp.train(…, seed=s)``
    draws them. X (n_0, m), Y one-hot (n_L, m); X_eval (n_0, k), y_eval (k,) labels. Returns the
    accuracy on (X_eval, y_eval) after every epoch, shape (len(lrs), len(seeds), epochs); NaN for a run
    whose numbers overflowed. ``bar``: a tqdm bar, advanced once per epoch; ``progress=True`` shows one
    of its own (a widget in JupyterLab, as ``bp.train(…, progress=True)`` does).

    Every array has a leading axis of runs: W^l is (R, n_l, n_{l-1}), a mini-batch's A^l is (R, n_l, b).
    The element-wise work writes into reused arrays (``out=``): with arrays this size, allocating new ones
    at every step would cost more than the arithmetic. Each line computes what the library computes, in
    the same order, so the numbers are those of ``bp.train``.
    """
    if progress and bar is None:
        from tqdm.auto import tqdm

        with tqdm(total=epochs, desc=_("training"), unit=_("epoch")) as own:
            return train_many(hidden, optimizer, lrs, seeds, X, Y, X_eval, y_eval, epochs, batch_size, sizes, own)
    lrs, seeds = [float(a) for a in lrs], [int(s) for s in seeds]
    n_lr, n_seed, L, m = len(lrs), len(seeds), len(sizes) - 1, X.shape[1]
    R = n_lr * n_seed  # run r = i·n_seed + j has α = lrs[i] and seed seeds[j]
    first = [MLP(list(sizes), hidden=hidden, seed=s).params for s in seeds]
    P = {k: np.concatenate([np.array([p[k] for p in first])] * n_lr) for k in first[0]}  # (R, …)
    alpha = np.repeat(lrs, n_seed)[:, None, None]
    grads = {k: np.empty_like(v) for k, v in P.items()}
    moments = {k: (np.zeros_like(v), np.zeros_like(v)) for k, v in P.items()}  # Adam's m and v
    work = {k: np.empty_like(v) for k, v in P.items()}  # Adam's scratch
    scratch: dict = {}

    def buf(name: str, shape: tuple) -> np.ndarray:  # a reused array per name and shape
        b = scratch.get((name, shape))
        if b is None:
            b = scratch[name, shape] = np.empty(shape)
        return b

    def forward(A: np.ndarray) -> tuple[list, list]:
        """Z^l = W^l A^{l-1} + b^l and A^l = σ(Z^l) for l < L; returns [A^0 … A^{L-1}], [Z^1 … Z^L]."""
        As, Zs = [A], []
        for l in range(1, L + 1):
            Z = buf(f"Z{l}", (R, sizes[l], A.shape[2]))
            np.matmul(P[f"W{l}"], As[-1], out=Z)
            Z += P[f"b{l}"]
            Zs.append(Z)
            if l == L:
                break
            A = buf(f"A{l}", Z.shape)
            if hidden == "relu":
                np.maximum(Z, 0.0, out=A)
            else:  # σ(z) as bp.activations.sigmoid: 1/(1 + e^{−|z|}) for z ≥ 0, e^{−|z|}/(1 + e^{−|z|}) below
                E, D = buf(f"E{l}", Z.shape), buf(f"D{l}", Z.shape)
                np.abs(Z, out=E)
                np.negative(E, out=E)
                np.exp(E, out=E)
                np.add(1.0, E, out=D)
                np.divide(1.0, D, out=A)
                np.divide(E, D, out=E)
                np.copyto(A, E, where=Z < 0)
            As.append(A)
        return As, Zs

    shufflers = [np.random.default_rng(s) for s in seeds]
    XT, YT = X.T, Y.T
    acc = np.full((R, epochs), np.nan)
    t = 0
    with np.errstate(all="ignore"), skip_checks():
        for epoch in range(epochs):
            perm = np.array([rng.permutation(m) if batch_size < m else np.arange(m) for rng in shufflers])
            perm = np.concatenate([perm] * n_lr)  # every learning rate sees its seed's order
            for start in range(0, m, batch_size):
                idx = perm[:, start : start + batch_size]
                A0, Yb = XT[idx].transpose(0, 2, 1), YT[idx].transpose(0, 2, 1)  # (R, n_0, b), (R, n_L, b)
                As, Zs = forward(A0)
                E = np.exp(Zs[-1] - Zs[-1].max(axis=1, keepdims=True))
                dZ = (E / E.sum(axis=1, keepdims=True) - Yb) / A0.shape[2]  # BP1, softmax + CE: Δ^L/b
                t += 1
                for l in range(L, 0, -1):
                    np.matmul(dZ, As[l - 1].transpose(0, 2, 1), out=grads[f"W{l}"])  # BP4
                    np.sum(dZ, axis=2, keepdims=True, out=grads[f"b{l}"])  # BP3
                    if l > 1:  # BP2, with W^l before its update
                        dA = buf(f"dA{l - 1}", As[l - 1].shape)
                        np.matmul(P[f"W{l}"].transpose(0, 2, 1), dZ, out=dA)
                        if hidden == "relu":
                            np.multiply(dA, Zs[l - 2] > 0, out=dA)  # ⊙ ReLU′(Z^{l-1})
                        else:
                            S = buf(f"S{l - 1}", dA.shape)
                            np.subtract(1.0, As[l - 1], out=S)
                            np.multiply(As[l - 1], S, out=S)  # σ′(Z^{l-1}) = σ(1 − σ)
                            np.multiply(dA, S, out=dA)
                        dZ = dA
                for k, g in grads.items():  # update
                    if optimizer == "sgd":
                        np.multiply(g, alpha, out=g)
                        P[k] -= g  # θ ← θ − α g
                    else:
                        mk, vk, tmp = *moments[k], work[k]
                        np.multiply(g, 1 - B1, out=tmp)
                        mk *= B1
                        mk += tmp  # m ← β₁ m + (1 − β₁) g
                        np.multiply(g, g, out=tmp)
                        tmp *= 1 - B2
                        vk *= B2
                        vk += tmp  # v ← β₂ v + (1 − β₂) g²
                        np.divide(vk, 1 - B2**t, out=tmp)  # v̂
                        np.sqrt(tmp, out=tmp)
                        tmp += EPS
                        np.divide(mk, tmp, out=tmp)
                        tmp /= 1 - B1**t  # m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ)
                        tmp *= alpha
                        P[k] -= tmp  # θ ← θ − α m̂/(√v̂ + ε)
            Zs = forward(np.broadcast_to(X_eval, (R, *X_eval.shape)))[1]
            Z = Zs[-1]
            ok = np.isfinite(Z).all(axis=(1, 2))
            acc[:, epoch] = np.where(ok, (Z.argmax(axis=1) == y_eval).mean(axis=1), np.nan)  # argmax of softmax = of Z
            if bar is not None:
                bar.update(1)
    return acc.reshape(n_lr, n_seed, epochs)


@dataclass
class Ablation:
    """Accuracy (after every epoch) of each recipe of ``ABLATION`` at each of its learning rates and seeds."""

    recipes: tuple  # ABLATION's rows
    seeds: tuple
    acc: list  # per recipe, (len(grid), len(seeds), epochs)

    def best(self, i: int) -> int:
        """Index of recipe i's learning rate with the highest mean accuracy at the last epoch."""
        return int(np.nanargmax(np.nan_to_num(self.acc[i][:, :, -1].mean(axis=1), nan=-1.0)))

    def cell(self, i: int, j: int, epoch: int) -> str:
        """'mean ± sd' in percent over the seeds for recipe i at its j-th learning rate after ``epoch`` epochs.

        A run that never leaves chance level wanders chaotically: its last digits differ between
        machines (BLAS kernels round differently), so a mean below ``NEAR_CHANCE`` is printed as that bound.
        """
        a = 100 * self.acc[i][j, :, epoch - 1]
        if not np.isfinite(a).all():
            return _("diverged")
        if a.mean() < NEAR_CHANCE:
            return _("below {bound:.0f}").format(bound=NEAR_CHANCE)
        return f"{a.mean():.1f} ± {a.std(ddof=1):.1f}"


def ablation(X, Y, X_eval, y_eval, seeds=range(5), epochs: int = 10, recipes=ABLATION, progress: bool = False):
    """Train every recipe at every learning rate of its grid, once per seed; returns an ``Ablation``."""
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * len(recipes), desc=_("ablation"), unit=_("epoch"))
    acc = [train_many(h, o, lrs, seeds, X, Y, X_eval, y_eval, epochs, bar=bar) for _, h, o, lrs in recipes]
    if bar is not None:
        bar.close()
    return Ablation(tuple(recipes), tuple(seeds), acc)


WIDGETS = {"digit_browser": digit_browser}
