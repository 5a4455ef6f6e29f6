r"""Chapter 5: batch normalization in a deep sigmoid network (Ioffe & Szegedy 2015).

Each hidden layer computes Z^l = BN(W^l A^{l-1}) with, over the m columns of the batch,
μ = (1/m) Σ_i z_i,  σ² = (1/m) Σ_i (z_i − μ)²,  ẑ = (z − μ)/√(σ² + ε),  BN(z) = γ ⊙ ẑ + β.

The experiment trains the same deep sigmoid network (Xavier init, plain SGD) on 512
digits twice, with and without ``batchnorm=True``, and records the per-layer gradient
norms ‖∂L/∂W^l‖ at the first step and the mini-batch loss of every step.

``layer_stats`` looks inside step 1, layer by layer: σ′ is about 0.23 everywhere, so the sigmoid's
tails are not the problem there. What collapses without batch norm is each unit's spread over the
batch, about 4× per layer, so that deep layers see nearly the same input for every digit; batch norm
divides by that spread σ_B on the way forward and multiplies δ by γ/σ_B on the way back.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import activations, datasets, optim
from ..network import MLP
from ..train import train
from . import base
from ._speed import Backdrop, blas_single_thread

WIDTH = 32
M_TRAIN = 512
EPOCHS = 15
BATCH = 64
MAX_DEPTH = 10  # the depth slider's largest value
COLORS = {False: "#d62728", True: "#1f77b4"}
LABELS = {False: "without batch norm", True: "with batch norm"}


class BNRun(NamedTuple):
    grad_norms: np.ndarray  # (L,) ‖∂L/∂W^l‖ at step 1, l = 1 … L
    step_loss: np.ndarray  # (steps,) mini-batch loss of every step
    train_accuracy: float  # on the 512 training digits after training (evaluation mode)


@lru_cache(maxsize=1)
def digits_subset(m: int = M_TRAIN, seed: int = 0):
    """The first ``m`` digits of a seeded 80/20 split: X (64, m), Y one-hot (10, m)."""
    X, y = datasets.load_digits()
    X_tr, _, y_tr, _ = datasets.train_test_split(X, y, test_size=0.2, seed=seed)
    return X_tr[:, :m], datasets.one_hot(y_tr[:m], 10)


def deep_sigmoid_net(depth: int, batchnorm: bool, seed: int = 0) -> MLP:
    """64 → ``depth`` sigmoid layers of width 32 → 10 softmax; Xavier init."""
    return MLP([64] + [WIDTH] * depth + [10], hidden="sigmoid", batchnorm=batchnorm, seed=seed)


@lru_cache(maxsize=256)
@blas_single_thread
def bn_run(depth: int, batchnorm: bool, lr: float, epochs: int = EPOCHS, seed: int = 0) -> BNRun:
    """Train ``deep_sigmoid_net`` with SGD(lr) on the digit subset; cached by its settings."""
    X, Y = digits_subset()
    net = deep_sigmoid_net(depth, batchnorm, seed)
    hist = train(net, X, Y, optim.SGD(lr=lr), epochs=epochs, batch_size=BATCH, seed=seed, on_diverge="stop")
    return BNRun(hist.grad_norm_array[0], np.array(hist.step_loss), net.accuracy(X, Y))


class LayerStats(NamedTuple):
    """Per hidden layer l = 1 … depth, on the first mini-batch of ``bn_run`` (before any update)."""

    sigma_prime: np.ndarray  # mean of σ′(Z^l) over units and examples
    spread_in: np.ndarray  # per-unit std over the batch of W^l A^{l-1} (+ b^l), averaged over units: σ_B
    spread_out: np.ndarray  # the same for Z^l, what the sigmoid receives (≈ 1 with batch norm)
    grad_norms: np.ndarray  # ‖∂L/∂W^l‖ (the first ``depth`` entries of ``BNRun.grad_norms``)


def first_batch(seed: int = 0):
    """The first mini-batch ``train`` draws in ``bn_run``: columns rng(seed).permutation(512)[:64] of the subset."""
    X, Y = digits_subset()
    cols = np.random.default_rng(seed).permutation(X.shape[1])[:BATCH]
    return X[:, cols], Y[:, cols]


@lru_cache(maxsize=32)
def layer_stats(depth: int, batchnorm: bool, seed: int = 0) -> LayerStats:
    """σ′, the spread over the batch before and after batch norm, and ‖∂L/∂W^l‖, per hidden layer, at step 1."""
    X, Y = first_batch(seed)
    net = deep_sigmoid_net(depth, batchnorm, seed)
    _, caches = net.forward_cache(X, training=True)
    grads = net.gradients(X, Y)
    sigma_prime, spread_in, spread_out = [], [], []
    for c in caches[:-1]:
        Z = c.activation.Z
        sigma_prime.append(float(np.mean(activations.sigmoid_prime(Z))))
        spread_in.append(float(np.mean((c.linear.W @ c.linear.A_prev).std(axis=1))))  # the bias adds no spread
        spread_out.append(float(np.mean(Z.std(axis=1))))
    norms = np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, depth + 1)])
    return LayerStats(np.array(sigma_prime), np.array(spread_in), np.array(spread_out), norms)


def batchnorm_demo() -> base.WidgetPlot:
    """Depth, with/without batch norm and learning rate → per-layer gradient norms and loss curves."""
    controls = {
        "depth": base.slider("hidden sigmoid layers", 8, 2, MAX_DEPTH, 2),
        "show": base.dropdown("show", ["both", "without batch norm", "with batch norm"], "both"),
        "lr": base.slider("learning rate α (SGD)", 0.1, -2, 0, 0.5, fmt=".2f", log=True),
    }

    def setup(fig):
        ax_norm, ax_loss = fig.subplots(1, 2)
        norms, losses = {}, {}
        for bn in (False, True):
            (norms[bn],) = ax_norm.semilogy([], [], marker="o", color=COLORS[bn], label=LABELS[bn])
            (losses[bn],) = ax_loss.plot([], [], color=COLORS[bn], lw=1.2, label=LABELS[bn])
        ax_norm.set_xlabel("layer l (1 = next to the input)")
        ax_norm.set_ylabel(r"$\|\partial L / \partial W^l\|$ at step 1 (log)")
        ax_norm.set_title("gradient norm per layer")
        ax_norm.set_ylim(1e-7, 10)
        ax_norm.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_norm.yaxis.set_major_locator(LogLocator(base=10, numticks=5))  # few labels: text layout is costly
        ax_norm.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_xlabel("step (mini-batch of 64)")
        ax_loss.set_ylabel("mini-batch loss L (cross-entropy)")
        ax_loss.set_title(f"training on {M_TRAIN} digits, {EPOCHS} epochs")
        ax_loss.set_xlim(0, EPOCHS * -(-M_TRAIN // BATCH))
        ax_loss.set_ylim(0, 2.6)
        ax_loss.axhline(np.log(10), color="k", lw=0.8, ls=":")
        ax_loss.text(
            60,
            np.log(10) + 0.1,
            "ln 10: the loss of guessing",
            fontsize=8,
            ha="center",
            bbox=dict(facecolor="white", edgecolor="none", alpha=0.8),
        )
        for ax in (ax_norm, ax_loss):
            ax.grid(True, which="major", alpha=0.3)
        ax_norm.set_xlim(0.5, MAX_DEPTH + 1.5)  # the deepest network's layers, at every depth: fixed ticks
        ax_norm.legend(fontsize=8, loc="lower right")
        # the axes and titles never change: they are pasted from a buffer, only the curves are drawn
        live = [*norms.values(), *losses.values()]
        backdrop = Backdrop(fig, live, extra_static=[ax_norm.title, ax_loss.title])
        return dict(ax_norm=ax_norm, norms=norms, losses=losses, backdrop=backdrop)

    def draw(a, depth, show, lr):
        notes = []
        for bn in (False, True):
            on = show == "both" or show == LABELS[bn]
            a["norms"][bn].set_visible(on)
            a["losses"][bn].set_visible(on)
            if not on:
                continue
            run = bn_run(int(depth), bn, float(round(lr, 6)))
            a["norms"][bn].set_data(np.arange(1, depth + 2), run.grad_norms)
            a["losses"][bn].set_data(np.arange(1, run.step_loss.size + 1), run.step_loss)
            ratio = run.grad_norms[0] / run.grad_norms[-1]
            notes.append(
                f"{LABELS[bn]}: ‖∂L/∂W¹‖/‖∂L/∂W^L‖ = {ratio:.1e}, final loss {run.step_loss[-1]:.3f}, "
                f"training accuracy {run.train_accuracy:.1%}"
            )
        a["backdrop"].update()
        return "<br>".join(notes)

    return base.WidgetPlot(
        controls, draw, "Batch normalization in a deep sigmoid network", figsize=(10, 3.8), setup=setup
    )


WIDGETS = {"batchnorm_demo": batchnorm_demo}
