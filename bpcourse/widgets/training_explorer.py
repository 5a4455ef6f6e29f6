r"""Train the 3-layer network of chapter 2 and watch what hidden width, α, epochs and the loss do.

``training_explorer()``: classification (moons or XOR) with a 2-n_1-1 network, tanh hidden
layer and a sigmoid output, trained by mini-batch SGD with MSE or cross-entropy. The left
panel shades the predicted probability ŷ over the plane with the boundary ŷ = 0.5; the right
panel is the loss per epoch.

``regression_explorer()``: the same for regression, a 1-n_1-1 network (identity output, MSE)
fitting the noisy sine.

``weight_decay_runs`` (chapter 5): the same 1-n_1-1 regression on a dozen noisy points, trained long
enough to overfit, with and without L2 weight decay, many seeds and strengths at once.

Each setting of (data, width, α, loss) is trained once, up to ``MAX_EPOCHS``, with a
snapshot of the parameters after every epoch (``lru_cache``). Moving the epochs slider then
only picks a snapshot; a new setting trains once (~0.05 s), and the sliders update on release.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.ticker import FormatStrFormatter, NullLocator

from .. import datasets, optim
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..plots import BLUE, CLASS_COLORS, VERMILLION
from ..train import train
from ._speed import Backdrop, blas_single_thread
from .base import WidgetPlot, dropdown, log_slider, number, slider

MAX_EPOCHS = 60
BATCH_SIZE = 20
M = 120  # examples per data set: small, so one training takes ~0.1 s
GRID = 70  # the probability image is GRID × GRID pixels
CLASSIFICATION = ("moons", "xor")
# shown through _() in controls and status lines, figure_text() in figures
DATA_NAMES = {"moons": N_("moons"), "xor": N_("XOR"), "sine": N_("sine")}
LOSS_NAMES = {"cross_entropy": N_("cross-entropy"), "mse": N_("MSE")}
# The loss panel's y-range, the same for every width, α and number of epochs, so that settings compare.
# Measured over every data set, width 1–16 and α of the sliders: cross-entropy 1.3e-05 … 42 on the two data
# sets, MSE 1.5e-04 … 0.18 on them (½(ŷ − y)² ≤ ½), the sine's MSE from 0.011 up (a run that runs away is drawn
# at the top, and its status says so). Tests check the corners.
LOSS_YLIM = {"cross_entropy": (1e-5, 50.0), "mse": (1e-4, 0.5), "sine": (5e-3, 10.0)}
# the epochs slider's tooltip, shown as _(EPOCHS_TIP).format(m=M, steps=M // BATCH_SIZE)
EPOCHS_TIP = N_("epochs trained so far: passes over the {m} points, {steps} SGD steps each")
# the probability shading: class 0's colour at ŷ = 0 through white to class 1's at ŷ = 1
PROBABILITY_CMAP = LinearSegmentedColormap.from_list("class0_class1", [CLASS_COLORS[0], "white", CLASS_COLORS[1]])


class Trained(NamedTuple):
    """One training run: parameters and loss after every epoch (index 0 = before training)."""

    snapshots: list  # [params dict] × (MAX_EPOCHS + 1)
    loss: np.ndarray  # (MAX_EPOCHS + 1,) training loss on all M examples (NaN after a divergence)
    net: MLP  # the network (its params are the last snapshot); reused to evaluate snapshots
    diverged_in: int | None = None  # the epoch in which bp.train stopped a run whose loss ran away


@lru_cache(maxsize=8)
def data(name: str) -> tuple[np.ndarray, np.ndarray]:
    """X (n_0, M) and Y (1, M): moons or XOR with 0/1 labels, or the noisy sine."""
    if name == "sine":
        return datasets.sine(m=M, noise=0.1, seed=0)
    X, y = getattr(datasets, name)(m=M, seed=0)
    return X, y[None, :].astype(float)


_TRAINED: set = set()  # the settings trained so far: a new one shows a busy state while it trains


@lru_cache(maxsize=1024)
@blas_single_thread
def trained(name: str, width: int, log10_lr: float, loss: str, epochs: int = MAX_EPOCHS) -> Trained:
    """Train a fresh network (seed 0) on data set ``name`` with SGD(α = 10^log10_lr), snapshotting every epoch."""
    _TRAINED.add((name, width, log10_lr, loss, epochs))
    X, Y = data(name)
    if name == "sine":
        net = MLP([1, width, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    else:
        net = MLP([2, width, 1], hidden="tanh", output="sigmoid", loss=loss, seed=0)
    snapshots = [{k: v.copy() for k, v in net.params.items()}]

    def keep(epoch, history, net):
        snapshots.append({k: v.copy() for k, v in net.params.items()})

    start = net.loss(X, Y)
    h = train(
        net,
        X,
        Y,
        optim.SGD(lr=10.0**log10_lr),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=0,
        callback=keep,
        on_diverge="stop",
    )
    while len(snapshots) < epochs + 1:  # a diverged run: repeat its last finite state
        snapshots.append(snapshots[-1])
    loss_curve = np.array([start, *h.loss] + [np.nan] * (epochs - len(h.loss)))
    return Trained(snapshots, loss_curve, net, None if h.diverged_at is None else len(h.loss) + 1)


def training_message(name: str, width: int, lr: float, loss: str) -> str | None:
    """The busy message for a setting not trained yet (a first visit trains 60 epochs: ~0.1 s or more)."""
    if (name, int(width), round(float(np.log10(lr)), 2), loss, MAX_EPOCHS) in _TRAINED:
        return None
    return _("training this setting once ({epochs} epochs); it is remembered after that…").format(epochs=MAX_EPOCHS)


def units(n: int) -> str:
    """'1 hidden tanh unit', '8 hidden tanh units'."""
    return (_("{n} hidden tanh unit") if n == 1 else _("{n} hidden tanh units")).format(n=n)


def diverged_note(run: Trained, epochs: int) -> str:
    """What the status says about a run that ran away, or ''."""
    if run.diverged_in is None:
        return ""
    # each note is whole sentences with their leading space: a Chinese translation leaves the space out
    if epochs < run.diverged_in:
        return _(" This α is too large: in epoch {epoch} the loss ran away, so bp.train stopped the run.").format(
            epoch=run.diverged_in
        )
    return _(
        " This α is too large: in epoch {epoch} the loss ran away, so bp.train stopped the run; "
        "the figure shows epoch {last}, its last finite state."
    ).format(epoch=run.diverged_in, last=run.diverged_in - 1)


def jumps_note(run: Trained, epochs: int) -> str:
    """What the status says when the loss rose above its start within the first ``epochs`` epochs, or ''."""
    start, seen = run.loss[0], run.loss[1 : epochs + 1]
    if run.diverged_in is not None or not seen.size or np.nanmax(seen) <= start:
        return ""
    k = int(np.nanargmax(seen)) + 1
    named = dict(epoch=k, loss=number(run.loss[k]), start=number(start))
    if seen[-1] > start:
        return _(
            " The steps overshoot: at epoch {epoch} the loss, {loss}, is above its start, {start}, "
            "and it is still above it: at this α training has not settled."
        ).format(**named)
    return _(
        " The steps overshoot: at epoch {epoch} the loss, {loss}, is above its start, {start}, then it falls again."
    ).format(**named)


def predict_with(run: Trained, params: dict, X: np.ndarray) -> np.ndarray:
    """A^L for X with the given snapshot of parameters."""
    net = run.net
    saved = net.params
    net.params = params
    try:
        return net.forward(X)
    finally:
        net.params = saved


def grid_for(X: np.ndarray, pad: float = 0.5) -> tuple[np.ndarray, tuple]:
    """Grid points (2, GRID²) over X's bounding box and the image extent (x0, x1, y0, y1)."""
    x0, x1 = X[0].min() - pad, X[0].max() + pad
    y0, y1 = X[1].min() - pad, X[1].max() + pad
    G0, G1 = np.meshgrid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
    return np.vstack([G0.ravel(), G1.ravel()]), (x0, x1, y0, y1)


def light_log_axis(axis) -> None:
    """Plain tick labels and no minor ticks on a log axis: cheaper to draw, easier to read."""
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FormatStrFormatter("%g"))


def loss_panel(ax, ylabel: str):
    """The right panel: the whole run faint, the chosen epochs bold, a dot at the chosen epoch."""
    (full,) = ax.plot(
        [], [], color="0.75", lw=1.5, label=figure_text("continued to {epochs} epochs").format(epochs=MAX_EPOCHS)
    )
    (chosen,) = ax.plot([], [], color=BLUE, lw=2.5, label=figure_text("trained so far"))
    (dot,) = ax.plot([], [], "o", color=BLUE, ms=7)
    ax.set_yscale("log")
    light_log_axis(ax.yaxis)
    ax.set_xlim(0, MAX_EPOCHS)
    ax.set_xlabel(figure_text("epoch (one pass over the data)"))
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return full, chosen, dot


def update_loss_panel(ax, artists, curve: np.ndarray, epochs: int, ylim: tuple) -> None:
    """Draw the loss curve on the fixed range ``ylim`` (``LOSS_YLIM``): values beyond it sit on its edge."""
    full, chosen, dot = artists
    e = np.arange(len(curve))
    curve = np.clip(curve, *ylim)  # NaN (after a divergence) stays NaN: the curve ends there
    full.set_data(e, curve)
    chosen.set_data(e[: epochs + 1], curve[: epochs + 1])
    dot.set_data([epochs], [curve[epochs]])
    ax.set_ylim(*ylim)


def _network_controls(width: int, log10_lr: float, log10_lrs: np.ndarray, epochs: int) -> dict:
    """The hidden width, learning rate and epochs sliders both explorers share."""
    return {
        "width": slider(_("hidden width n₁"), width, 1, 16, 1,
                        tooltip=_("n₁, the number of tanh units in the hidden layer")),
        "lr": log_slider(_("learning rate α"), 10.0**log10_lr, log10_lrs,
                         tooltip=_("learning rate α of mini-batch SGD (log scale)")),
        "epochs": slider(_("epochs"), epochs, 0, MAX_EPOCHS, 5,
                         tooltip=_(EPOCHS_TIP).format(m=M, steps=M // BATCH_SIZE)),
    }  # fmt: skip


def training_explorer(
    dataset: str = "moons", width: int = 8, log10_lr: float = 0.25, epochs: int = MAX_EPOCHS, loss="cross_entropy"
) -> WidgetPlot:
    """Hidden width, α, epochs and loss → the decision boundary and the loss curve of a 2-n_1-1 network."""
    controls = {
        "dataset": dropdown(_("data"), [(_(DATA_NAMES[d]), d) for d in CLASSIFICATION], dataset,
                            tooltip=_("the two-class data set: two moons or XOR, 120 points")),
        **_network_controls(width, log10_lr, np.arange(-2.0, 1.01, 0.25), epochs),
        "loss": dropdown(_("loss"), [(_(LOSS_NAMES[k]), k) for k in ("cross_entropy", "mse")], loss,
                         tooltip=_("the loss trained on: binary cross-entropy or MSE, both on a sigmoid output")),
    }  # fmt: skip

    def setup(fig):
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
        image = ax.imshow(
            np.zeros((GRID, GRID)), origin="lower", cmap=PROBABILITY_CMAP, vmin=0, vmax=1, alpha=0.45, aspect="auto"
        )
        points = ax.scatter(np.zeros(M), np.zeros(M), s=14, edgecolor="k", linewidth=0.3)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
        for k in (0, 1):
            ax.plot([], [], "s", color=CLASS_COLORS[k], label=figure_text("class {k}").format(k=k))
        ax.plot([], [], "k-", lw=1.5, label=figure_text(r"boundary $\hat y = 0.5$"))
        ax.legend(fontsize=8, loc="lower left", framealpha=0.8)
        title = ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center", va="bottom", fontsize=10)
        curve = loss_panel(ax2, figure_text("training loss L (log scale)"))
        # Blitting: the x-axes and the left y-axis are pasted from a buffer (one per data set). The left
        # axes are drawn below the image, which they do not overlap (ticks point outwards), so they can
        # come first; the loss axis (its label names the loss) is drawn each time.
        ax.xaxis.set_zorder(image.get_zorder() - 0.5)
        ax.yaxis.set_zorder(image.get_zorder() - 0.5)
        live = [image, points, title, ax2.yaxis, *curve]
        backdrop = Backdrop(fig, live)
        return {
            "ax": ax,
            "ax2": ax2,
            "image": image,
            "points": points,
            "title": title,
            "curve": curve,
            "contour": [],
            "backdrop": backdrop,
        }

    def draw(a, dataset, width, lr, epochs, loss):
        X, Y = data(dataset)
        run = trained(dataset, int(width), round(float(np.log10(lr)), 2), loss)
        G, extent = grid_for(X)
        P = predict_with(run, run.snapshots[epochs], G).reshape(GRID, GRID)
        a["image"].set_data(P)
        a["image"].set_extent(extent)
        a["points"].set_offsets(X.T)
        a["points"].set_facecolor([CLASS_COLORS[int(v)] for v in Y[0]])
        for c in a["contour"]:
            c.remove()
        G0, G1 = G[0].reshape(GRID, GRID), G[1].reshape(GRID, GRID)
        a["contour"] = (
            [a["ax"].contour(G0, G1, P, levels=[0.5], colors="k", linewidths=1.5)] if P.min() < 0.5 < P.max() else []
        )
        a["ax"].set_xlim(extent[:2])
        a["ax"].set_ylim(extent[2:])
        acc = float(np.mean((predict_with(run, run.snapshots[epochs], X)[0] > 0.5) == (Y[0] > 0.5)))
        a["title"].set_text(
            figure_text("{data}, 2-{width}-1 net, {loss}: accuracy {acc:.0%} after {epochs} epochs").format(
                data=figure_text(DATA_NAMES[dataset]),
                width=width,
                loss=figure_text(LOSS_NAMES[loss]),
                acc=acc,
                epochs=epochs,
            )
        )
        update_loss_panel(a["ax2"], a["curve"], run.loss, epochs, LOSS_YLIM[loss])
        a["ax2"].set_ylabel(
            figure_text("training loss L ({loss}, log scale)").format(loss=figure_text(LOSS_NAMES[loss]))
        )
        a["backdrop"].update()
        named = dict(
            data=_(DATA_NAMES[dataset]),
            units=units(width),
            lr=number(lr),
            loss=_(LOSS_NAMES[loss]),
            epochs=epochs,
            steps=epochs * (M // BATCH_SIZE),
            acc=acc,
            m=M,
        )
        L = run.loss[epochs]
        if np.isfinite(L):
            text = _(
                "{data}: n₁ = {units}, α = {lr}, {loss}; after {epochs} epochs ({steps} SGD steps) the loss is "
                "{value} and {acc:.0%} of the {m} points are classified correctly."
            ).format(value=number(L), **named)
        else:
            text = _(
                "{data}: n₁ = {units}, α = {lr}, {loss}; after {epochs} epochs ({steps} SGD steps) "
                "{acc:.0%} of the {m} points are classified correctly."
            ).format(**named)
        text += diverged_note(run, epochs) + jumps_note(run, epochs)
        if width == 1:
            text += _(
                " With one hidden unit, ŷ = σ(w² tanh(w¹·x + b¹) + b²) depends on x only through w¹·x: the boundary "
                "ŷ = 0.5 is a straight line."
            )
        if epochs == 0:
            text += _(" Untrained: the boundary is where the random start puts it.")
        return text

    return WidgetPlot(
        controls,
        draw,
        title=_("Training a 2-n-1 network: decision boundary and loss"),
        figsize=(10, 4),
        setup=setup,
        busy=lambda dataset, width, lr, epochs, loss: training_message(dataset, width, lr, loss),
    )


def regression_explorer(width: int = 8, log10_lr: float = -1.0, epochs: int = MAX_EPOCHS) -> WidgetPlot:
    """Hidden width, α and epochs → the fit of a 1-n_1-1 tanh network to the noisy sine, and its MSE curve."""
    controls = _network_controls(width, log10_lr, np.arange(-2.0, 0.01, 0.25), epochs)
    xs = np.linspace(-np.pi, np.pi, 200)[None, :]

    def setup(fig):
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.15]})
        X, Y = data("sine")
        ax.plot(X[0], Y[0], ".", color="0.45", ms=5, label=figure_text("data: sin x + noise"))
        ax.plot(xs[0], np.sin(xs[0]), "--", color="0.6", lw=1, label="sin x")
        (fit,) = ax.plot([], [], color=VERMILLION, lw=2.5, label=figure_text(r"network $\hat y(x)$"))
        ax.set_xlim(-np.pi, np.pi)
        ax.set_ylim(-1.6, 1.6)
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        title = ax.text(0.5, 1.02, "", transform=ax.transAxes, ha="center", va="bottom", fontsize=10)
        curve = loss_panel(ax2, figure_text("training loss L (MSE, log scale)"))
        ax2.set_ylim(*LOSS_YLIM["sine"])
        # Blitting: the data, sin x and the axes (the loss axis has one fixed range) are pasted from a
        # buffer; the fit, the title and the loss curves are drawn each time
        backdrop = Backdrop(fig, [fit, title, *curve])
        return {"ax2": ax2, "fit": fit, "title": title, "curve": curve, "backdrop": backdrop}

    def draw(a, width, lr, epochs):
        run = trained("sine", int(width), round(float(np.log10(lr)), 2), "mse")
        a["fit"].set_data(xs[0], predict_with(run, run.snapshots[epochs], xs)[0])
        a["title"].set_text(
            figure_text("1-{width}-1 tanh net, α = {lr}, after {epochs} epochs").format(
                width=width, lr=number(lr), epochs=epochs
            )
        )
        update_loss_panel(a["ax2"], a["curve"], run.loss, epochs, LOSS_YLIM["sine"])
        a["backdrop"].update()
        L = run.loss[epochs]
        if np.isfinite(L):
            text = _("n₁ = {units}, α = {lr}: after {epochs} epochs the training MSE is {loss}.").format(
                units=units(width), lr=number(lr), epochs=epochs, loss=number(L)
            )
        else:
            text = _("n₁ = {units}, α = {lr}.").format(units=units(width), lr=number(lr))
        text += diverged_note(run, epochs) + jumps_note(run, epochs)
        if width == 1 and run.diverged_in is None:
            text += _(" One tanh unit can make only one S-shaped bend, and a sine needs two.")
        return text

    return WidgetPlot(
        controls,
        draw,
        title=_("Fitting a noisy sine with a 1-n-1 network"),
        figsize=(10, 3.8),
        setup=setup,
        busy=lambda width, lr, epochs: training_message("sine", width, lr, "mse"),
    )


# ---- L2 weight decay (chapter 5) ----------------------------------------------------------------------------
WD_LAMBDAS = (0.0, 1e-4, 1e-3, 1e-2, 1e-1)
WD_SEEDS = (0, 1, 2, 3, 4)


class WeightDecayRuns(NamedTuple):
    """Axes (λ, seed): half mean squared errors ½·mean((ŷ − y)²) on each set, and the fitted curves."""

    lambdas: tuple
    train: np.ndarray  # (λ, seed) on the n_train training points
    val: np.ndarray  # on 100 validation points (to choose λ)
    test: np.ndarray  # on 400 test points (to report)
    x: np.ndarray  # (G,) a grid over [−π, π]
    curves: np.ndarray  # (λ, seed, G) the trained networks' ŷ on the grid


def sine_sets(n_train: int = 12, noise: float = 0.2):
    """The weight-decay demo's data: y = sin x + N(0, noise²), independent draws for training (n_train
    points), validation (100) and test (400): each (X (1, m), Y (1, m))."""
    return tuple(datasets.sine(m, noise, seed=s) for m, s in ((n_train, 100), (100, 101), (400, 102)))


@blas_single_thread
def weight_decay_runs(
    lambdas=WD_LAMBDAS, seeds=WD_SEEDS, n_train: int = 12, hidden: int = 32, steps: int = 1000, lr: float = 0.02
) -> WeightDecayRuns:
    r"""Full-batch Adam(α = ``lr``) on L = ½·mean((ŷ − y)²) + (λ/2)(‖W¹‖² + ‖W²‖²) for a 1-``hidden``-1 tanh
    network (identity output), for every λ × seed at once (the seed draws the initial weights as
    ``bp.MLP([1, hidden, 1], hidden="tanh", output="identity", loss="mse", seed=s)`` does).

    L2 adds λW^l to each weight gradient (not to the biases). With plain SGD that is exactly "weight decay",
    W ← (1 − αλ)W − α ∂L_data/∂W; with Adam the two differ slightly (AdamW decays W outside the adaptive step).
    """
    (X, Y), (X_val, Y_val), (X_te, Y_te) = sine_sets(n_train)
    nets = [MLP([1, hidden, 1], hidden="tanh", output="identity", loss="mse", seed=s).params for s in seeds]
    shape = (len(lambdas), len(seeds), hidden, 1)
    # one column per hidden unit: W1 (h, 1) as drawn, W2 (1, h) stored transposed; every product is element-wise
    params = [
        np.broadcast_to(np.stack([p["W1"] for p in nets]), shape).copy(),
        np.zeros(shape),
        np.broadcast_to(np.stack([p["W2"].T for p in nets]), shape).copy(),
        np.zeros((*shape[:2], 1, 1)),
    ]
    lam = np.array(lambdas, dtype=float).reshape(-1, 1, 1, 1)
    state = [(np.zeros_like(p), np.zeros_like(p)) for p in params]

    def forward(W1, b1, W2, b2, X):
        A1 = np.tanh(W1 * X + b1)  # (λ, seed, h, m)
        return A1, (W2 * A1).sum(axis=-2, keepdims=True) + b2  # ŷ (λ, seed, 1, m)

    m = X.shape[1]
    for t in range(1, steps + 1):
        W1, b1, W2, b2 = params
        A1, Yhat = forward(W1, b1, W2, b2, X)
        dZ2 = (Yhat - Y) / m  # BP1 for an identity output and ½ mean squared error
        dZ1 = W2 * dZ2 * (1.0 - A1**2)  # BP2 with tanh′ = 1 − tanh²
        grads = [
            (dZ1 * X).sum(axis=-1, keepdims=True) + lam * W1,  # BP4 + the L2 term
            dZ1.sum(axis=-1, keepdims=True),  # BP3
            (A1 * dZ2).sum(axis=-1, keepdims=True) + lam * W2,
            dZ2.sum(axis=-1, keepdims=True),
        ]
        for i, g in enumerate(grads):
            params[i], *rest = optim.adam_update(params[i], g, *state[i], t, lr)
            state[i] = tuple(rest)

    def mse(X_, Y_):
        return 0.5 * np.mean((forward(*params, X_)[1] - Y_) ** 2, axis=(-2, -1))

    x = np.linspace(-np.pi, np.pi, 200)
    curves = forward(*params, x[None, :])[1][:, :, 0, :]
    return WeightDecayRuns(tuple(lambdas), mse(X, Y), mse(X_val, Y_val), mse(X_te, Y_te), x, curves)


WIDGETS = {"training_explorer": training_explorer, "regression_explorer": regression_explorer}
