r"""Chapter 5: activation functions, gradient flow through depth, and dying ReLU.

- ``activation_explorer``: σ(z) and σ′(z) for the activations the learner ticks.
- ``depth_flow``: ‖∂L/∂W^l‖ and the spread of A^l layer by layer in a deep network, for
  every hidden activation at once, under the initialization the learner picks.
- ``dying_relu_experiment``: shift the hidden biases down, count the units that are never
  active on the data, then train with Adam and see which activations recover.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import activations, datasets, losses, optim
from ..i18n import _, figure_text
from ..network import MLP
from ..plots import BLUE, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, VERMILLION
from ..train import layer_grad_norms, train
from . import base
from ._speed import Backdrop, blas_single_thread, prebake

NAMES = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
LABELS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "ReLU", "leaky_relu": "Leaky ReLU", "elu": "ELU"}
COLORS = {"sigmoid": BLUE, "tanh": REDDISH_PURPLE, "relu": VERMILLION, "leaky_relu": ORANGE, "elu": BLUISH_GREEN}
# a second cue besides the colour: the line style (the ReLU family overlaps for z > 0); in depth_flow also the marker
STYLES = {"sigmoid": "-", "tanh": (0, (5, 1, 1, 1)), "relu": "-", "leaky_relu": "--", "elu": "-."}
MARKERS = {"sigmoid": "o", "tanh": "s", "relu": "^", "leaky_relu": "v", "elu": "D"}
Z_GRID = np.linspace(-6.0, 6.0, 601)


def activation_explorer() -> base.WidgetPlot:
    """Tick activations to compare σ(z) (left) and σ′(z) (right) on −range ≤ z ≤ range."""
    controls = {
        k: base.W.Checkbox(
            value=True,
            description=LABELS[k],
            tooltip=_("show {name} and its derivative").format(name=LABELS[k]),
            indent=False,
            layout=base.W.Layout(width="110px"),
        )
        for k in NAMES
    }
    controls["z_range"] = base.slider(
        _("z range ±"), 4.0, 1.0, 6.0, 1.0, fmt=".0f", tooltip=_("the plots show −r ≤ z ≤ r")
    )

    def setup(fig):
        ax_f, ax_d = fig.subplots(1, 2)
        f_lines, d_lines = {}, {}
        for k in NAMES:
            sigma, sigma_prime = activations.ACTIVATIONS[k]
            (f_lines[k],) = ax_f.plot(Z_GRID, sigma(Z_GRID), color=COLORS[k], ls=STYLES[k], lw=1.8, label=LABELS[k])
            (d_lines[k],) = ax_d.plot(
                Z_GRID, sigma_prime(Z_GRID), color=COLORS[k], ls=STYLES[k], lw=1.8, label=LABELS[k]
            )
        ax_f.set_title(figure_text(r"activation $\sigma(z)$"))
        ax_d.set_title(figure_text(r"derivative $\sigma'(z)$: the factor BP2 multiplies by"))
        ax_f.set_ylabel(r"$\sigma(z)$")
        ax_d.set_ylabel(r"$\sigma'(z)$")
        ax_d.set_ylim(-0.05, 1.1)
        for ax in (ax_f, ax_d):
            ax.set_xlabel(figure_text("pre-activation z"))
            ax.axhline(0, color="k", lw=0.6)
            ax.axvline(0, color="k", lw=0.6)
            ax.grid(True, alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(6))  # fewer tick labels: text layout dominates a redraw
            ax.yaxis.set_major_locator(MaxNLocator(6))
        ax_f.legend(fontsize=8, loc="upper left")
        live = [*f_lines.values(), *d_lines.values()]
        backdrop = Backdrop(fig, live, extra_static=[ax_f.title, ax_d.title])  # redraw only the curves
        return dict(ax_f=ax_f, ax_d=ax_d, f=f_lines, d=d_lines, backdrop=backdrop)

    def draw(a, z_range, **ticked):
        for k in NAMES:
            a["f"][k].set_visible(ticked[k])
            a["d"][k].set_visible(ticked[k])
        a["ax_f"].set_xlim(-z_range, z_range)
        a["ax_d"].set_xlim(-z_range, z_range)
        a["ax_f"].set_ylim(-1.2, z_range)
        a["backdrop"].update()
        shown = [k for k in NAMES if ticked[k]]
        z = np.array([-z_range, 0.0, z_range])
        r = base.number(z_range)
        parts = [
            f"{LABELS[k]}: σ′(−{r}) = {base.number(activations.ACTIVATIONS[k][1](z)[0])}, "
            f"σ′(+{r}) = {base.number(activations.ACTIVATIONS[k][1](z)[2])}"
            for k in shown
        ]
        return _(base.LIST_SEPARATOR).join(parts) if parts else _("tick at least one activation to draw it")

    plot = base.WidgetPlot(
        controls, draw, _("Activation functions and their derivatives"), figsize=(10, 3.6), setup=setup
    )
    prebake(plot, "z_range", np.arange(1.0, 7.0))  # each range has its own ticks
    return plot


# ---- gradient flow through depth -------------------------------------------------------------------------------
class Flow(NamedTuple):
    grad_norms: np.ndarray  # (L,) ‖∂L/∂W^l‖, l = 1 … L
    act_std: np.ndarray  # (L−1,) standard deviation of A^l over all entries, hidden layers


@lru_cache(maxsize=1)
def flow_batch(m: int = 256, seed: int = 0):
    """A fixed batch of ``m`` digits: X (64, m), Y one-hot (10, m)."""
    X, y = datasets.load_digits()
    cols = np.random.default_rng(seed).choice(X.shape[1], m, replace=False)
    return X[:, cols], datasets.one_hot(y[cols], 10)


@lru_cache(maxsize=512)
@blas_single_thread
def gradient_flow(hidden: str, depth: int, init: str, width: int = 64, seed: int = 0) -> Flow:
    """One forward and backward pass of a freshly initialized 64 → ``depth``×``width`` → 10 network."""
    X, Y = flow_batch()
    net = MLP([64] + [width] * depth + [10], hidden=hidden, init=init, seed=seed)
    with np.errstate(over="ignore", invalid="ignore"):  # 'normal' init with sigmoid can underflow
        _, caches = net.forward_cache(X, training=True)  # one forward pass for both the spread and backprop
        _, dZL = losses.softmax_cross_entropy(caches[-1].activation.Z, Y)  # BP1 for softmax + cross-entropy
        grads = net.backward(dZL, caches)
    norms = layer_grad_norms(grads, net.L)
    stds = np.array([c.activation.A.std() for c in caches[:-1]])
    return Flow(norms, stds)


DEPTHS = range(2, 21, 2)  # the depth slider's positions


def depth_flow() -> base.WidgetPlot:
    """Per-layer gradient norms and activation spread for all five hidden activations."""
    for depth in DEPTHS:  # every depth under the default init now (~0.3 s), so the slider only redraws
        for k in NAMES:
            gradient_flow(k, depth, "he")
    controls = {
        "depth": base.slider(
            _("hidden layers"), 10, DEPTHS[0], DEPTHS[-1], DEPTHS.step, tooltip=_("hidden layers of 64")
        ),
        "init": base.dropdown(
            _("initialization"), ["he", "xavier", "normal"], "he", tooltip=_("how the initial weights are drawn")
        ),
    }

    def setup(fig):
        ax_g, ax_a = fig.subplots(1, 2)
        g_lines, a_lines = {}, {}
        for k in NAMES:
            style = dict(marker=MARKERS[k], markersize=3, color=COLORS[k], ls=STYLES[k], label=LABELS[k])
            (g_lines[k],) = ax_g.semilogy([], [], **style)
            (a_lines[k],) = ax_a.semilogy([], [], **style)
        ax_g.set_xlabel(figure_text("layer l (1 = next to the input)"))
        ax_g.set_ylabel(figure_text(r"$\|\partial L / \partial W^l\|$ (log scale)"))
        ax_g.set_title(figure_text("backward: gradient norm per layer"))
        ax_g.set_ylim(1e-12, 1e3)
        ax_a.set_xlabel(figure_text("hidden layer l"))
        ax_a.set_ylabel(figure_text(r"std of $A^l$ (log scale)"))
        ax_a.set_title(figure_text("forward: spread of the activations"))
        ax_a.set_ylim(1e-6, 1e2)
        for ax in (ax_g, ax_a):
            ax.grid(True, which="major", alpha=0.3)
            ax.xaxis.set_major_locator(MaxNLocator(8, integer=True))
            ax.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
            ax.yaxis.set_minor_locator(NullLocator())
        # the x-axes span the deepest network at every depth: the curves grow to the right as layers are added
        ax_g.set_xlim(0.5, DEPTHS[-1] + 1.5)
        ax_a.set_xlim(0.5, DEPTHS[-1] + 0.5)
        ax_g.legend(fontsize=8, loc="lower right")
        live = [*g_lines.values(), *a_lines.values()]
        backdrop = Backdrop(fig, live, extra_static=[ax_g.title, ax_a.title])  # redraw only the curves
        return dict(ax_g=ax_g, ax_a=ax_a, g=g_lines, a=a_lines, backdrop=backdrop)

    def draw(a, depth, init):
        parts = []
        for k in NAMES:
            flow = gradient_flow(k, int(depth), init)
            a["g"][k].set_data(np.arange(1, depth + 2), np.maximum(flow.grad_norms, 1e-300))
            a["a"][k].set_data(np.arange(1, depth + 1), np.maximum(flow.act_std, 1e-300))
            parts.append(f"{LABELS[k]}: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = {base.number(flow.grad_norms[0] / flow.grad_norms[-1], 2)}")
        a["backdrop"].update()
        scale = " (σ = 0.01)" if init == "normal" else ""
        return _("init '{init}'{scale}, {depth} hidden layers of 64 — {ratios}").format(
            init=init, scale=scale, depth=depth, ratios=_(base.LIST_SEPARATOR).join(parts)
        )

    return base.WidgetPlot(controls, draw, _("Gradient flow through depth"), figsize=(10, 3.8), setup=setup)


# ---- dying ReLU ---------------------------------------------------------------------------------------------------
class DyingResult(NamedTuple):
    never_active: float  # fraction of hidden units with Z ≤ 0 on every training example, before training
    zero_grad: float  # fraction of hidden units whose ∂L/∂Z is 0 on every example, before training
    never_active_after: float  # the same fraction after training
    step_loss: np.ndarray  # mini-batch losses while training
    test_accuracy: float


def never_active_fraction(net: MLP, X) -> float:
    """Fraction of all hidden units whose pre-activation Z is ≤ 0 on every column of X (n_0, m)."""
    _, caches = net.forward_cache(X)
    return float(np.mean(np.concatenate([np.all(c.activation.Z <= 0, axis=1) for c in caches[:-1]])))


def zero_gradient_fraction(net: MLP, X, Y) -> float:
    """Fraction of hidden units with δ = ∂L/∂Z exactly 0 on every column: they cannot learn."""
    A, caches = net.forward_cache(X, training=True)
    dZ = (A - Y) / A.shape[1]  # BP1 for softmax + cross-entropy, averaged over the batch
    dead = []
    for l in range(net.L, 1, -1):  # walk BP2 down to layer 1, keeping each hidden δ^{l-1}
        dA_prev = net.params[f"W{l}"].T @ dZ
        dZ = dA_prev * activations.ACTIVATIONS[net.hidden][1](caches[l - 2].activation.Z)
        dead.append(np.all(dZ == 0, axis=1))
    return float(np.mean(np.concatenate(dead)))


@lru_cache(maxsize=64)
@blas_single_thread
def dying_relu_run(hidden: str, shift: float, epochs: int = 5, lr: float = 3e-3, seed: int = 0) -> DyingResult:
    """64-64-64-10 with He init; subtract ``shift`` from b¹ and b², then train with Adam on the digits."""
    X, y = datasets.load_digits()
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.2, seed=seed)
    Y_tr = datasets.one_hot(y_tr, 10)
    net = MLP([64, 64, 64, 10], hidden=hidden, seed=seed)
    for l in (1, 2):
        net.params[f"b{l}"] -= shift
    before, zero = never_active_fraction(net, X_tr), zero_gradient_fraction(net, X_tr, Y_tr)
    hist = train(net, X_tr, Y_tr, optim.Adam(lr=lr), epochs=epochs, batch_size=32, seed=seed)
    return DyingResult(
        before, zero, never_active_fraction(net, X_tr), np.array(hist.step_loss), net.accuracy(X_te, y_te)
    )


def plot_dying_relu(ax, results: dict) -> None:
    """Mini-batch loss curves for ``results`` = {(hidden, shift): DyingResult}, smoothed over 20 steps."""
    kernel = np.ones(20) / 20
    for (hidden, shift), r in results.items():
        smooth = np.convolve(r.step_loss, kernel, mode="valid")
        if shift:
            label = figure_text("{name}, biases shifted by −{shift:g}").format(name=LABELS[hidden], shift=shift)
        else:
            label = figure_text("{name}, no shift").format(name=LABELS[hidden])
        ax.plot(
            np.arange(20, r.step_loss.size + 1),
            smooth,
            color=COLORS[hidden],
            ls="-" if shift == 0 else "-.",
            marker=MARKERS[hidden],  # a second cue besides the colour
            markevery=40,
            markersize=4,
            label=label,
        )
    ax.set_xlabel(figure_text("step (mini-batch of 32)"))
    ax.set_ylabel(figure_text("mini-batch loss L (mean of 20 steps)"))
    ax.set_title(figure_text("training with Adam after shifting the hidden biases down"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, ncol=2, loc="center right")


WIDGETS = {"activation_explorer": activation_explorer, "depth_flow": depth_flow}
