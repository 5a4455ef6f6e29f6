r"""Chapter 5: batch normalization in a deep sigmoid network (Ioffe & Szegedy 2015).

Each hidden layer computes Z^l = BN(W^l A^{l-1}) with, over the m columns of the batch,
μ = (1/m) Σ_i z_i,  σ² = (1/m) Σ_i (z_i − μ)²,  ẑ = (z − μ)/√(σ² + ε),  BN(z) = γ ⊙ ẑ + β.

The experiment trains the same deep sigmoid network (Xavier init, plain SGD) on 512
digits twice, with and without ``batchnorm=True``, and records the per-layer gradient
norms ‖∂L/∂W^l‖ at the first step and the mini-batch loss of every step.

``bn_runs`` trains one network per learning rate of the widget's slider at once (a leading axis of
runs on every array, as ``capstone.train_many`` and ``landscape.py`` batch theirs), step for step
as ``bp.train`` would train each alone (the tests check it). The widget's 50 settings are stored, trained
that way, in ``bpcourse/data/batchnorm_runs.npz`` (``table``, ``write_table``): moving a control only redraws.

``layer_stats`` looks inside step 1, layer by layer: σ′ is about 0.23 everywhere, so the sigmoid's
tails are not the problem there. What collapses without batch norm is each unit's spread over the
batch, about 4× per layer, so that deep layers see nearly the same input for every digit; batch norm
divides by that spread σ_B on the way forward and multiplies δ by γ/σ_B on the way back.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import activations, datasets
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..plots import BLUE, VERMILLION
from ..train import DIVERGENCE_FACTOR
from . import base
from ._speed import Backdrop, blas_single_thread
from .base import log_slider

WIDTH = 32
M_TRAIN = 512
EPOCHS = 15
BATCH = 64
DEPTHS = (2, 4, 6, 8, 10)  # the depth slider's stops
MAX_DEPTH = DEPTHS[-1]
LOG10_LRS = (-2.0, -1.5, -1.0, -0.5, 0.0)  # the learning-rate slider's stops, α = 10^e
LRS = tuple(float(round(10.0**e, 6)) for e in LOG10_LRS)  # 0.01, 0.031623, 0.1, 0.316228, 1.0
# Okabe–Ito colours, and a second cue besides the colour: marker and line style
COLORS = {False: VERMILLION, True: BLUE}
MARKERS = {False: "s", True: "o"}
LINESTYLES = {False: "--", True: "-"}
LABELS = {False: N_("without batch norm"), True: N_("with batch norm")}  # translated where shown


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


TABLE = Path(__file__).resolve().parents[1] / "data" / "batchnorm_runs.npz"


@lru_cache(maxsize=256)
def bn_run(depth: int, batchnorm: bool, lr: float, epochs: int = EPOCHS, seed: int = 0) -> BNRun:
    """``deep_sigmoid_net(depth, batchnorm, seed)`` trained as ``bp.train`` trains it with SGD(lr), mini-batches
    of 64, on the digit subset; cached by its settings.

    The widget's settings (``DEPTHS`` × with/without × ``LRS``, 15 epochs, seed 0) come from the stored
    ``table()``: training all 50 takes several seconds, too long to wait for in the chapter or on a slider.
    The tests train every one of them again with ``bn_runs`` and compare. Any other setting is trained here.
    """
    depth, batchnorm, lr = int(depth), bool(batchnorm), float(lr)
    stored = table()
    if (epochs, seed) == (EPOCHS, 0) and depth in DEPTHS and lr in LRS:
        i = LRS.index(lr)
        return BNRun(
            stored[f"grad_norms_{depth}_{int(batchnorm)}"],
            stored[f"step_loss_{depth}_{int(batchnorm)}"][i],
            float(stored[f"accuracy_{depth}_{int(batchnorm)}"][i]),
        )
    return bn_runs(depth, batchnorm, (lr,), epochs, seed)[0]


@lru_cache(maxsize=1)
def table() -> dict[str, np.ndarray]:
    """The widget's 50 runs as stored in ``bpcourse/data/batchnorm_runs.npz`` (written by ``write_table``):
    per depth d and batch norm b ∈ {0, 1}, 'grad_norms_d_b' (d + 1,), 'step_loss_d_b' (5, 120) and
    'accuracy_d_b' (5,), one row per learning rate of ``LRS``."""
    with np.load(TABLE) as f:
        return {k: f[k] for k in f.files}


def compute_table() -> dict[str, np.ndarray]:
    """Train every setting of the widget (``bn_runs``, batched per depth and batch norm): ``table()``'s arrays."""
    out = {}
    for depth in DEPTHS:
        for batchnorm in (False, True):
            runs = bn_runs(depth, batchnorm, LRS)
            key = f"{depth}_{int(batchnorm)}"
            out[f"grad_norms_{key}"] = runs[0].grad_norms  # step 1 comes before any update: the same for every α
            out[f"step_loss_{key}"] = np.array([r.step_loss for r in runs])
            out[f"accuracy_{key}"] = np.array([r.train_accuracy for r in runs])
    return out


def write_table(path=TABLE) -> None:
    """Train the widget's settings and store them (``python -c "from bpcourse.widgets import batchnorm_demo as
    bn; bn.write_table()"`` after changing the experiment)."""
    np.savez_compressed(path, **compute_table())
    table.cache_clear()
    bn_run.cache_clear()


@blas_single_thread
def bn_runs(depth: int, batchnorm: bool, lrs, epochs: int = EPOCHS, seed: int = 0) -> list[BNRun]:
    r"""Train one ``deep_sigmoid_net(depth, batchnorm, seed)`` per learning rate in ``lrs``, all at once.

    Each run is what ``bp.train(net, X, Y, bp.optim.SGD(lr), epochs, batch_size=64, seed=seed,
    on_diverge="stop")`` does: the same initial weights, the same shuffled mini-batches (one generator,
    shared by the runs: its draws do not depend on α), the same forward pass (batch norm with the batch's
    μ and σ², running averages updated with momentum 0.9), BP1–BP4, and θ ← θ − α g. Every array has a
    leading axis of runs: W^l is (R, n_l, n_{l-1}), a mini-batch's A^l is (R, n_l, 64). A run whose loss
    becomes NaN or inf or exceeds ``DIVERGENCE_FACTOR`` × max(1, its first loss) stops there, as with
    ``on_diverge="stop"``, and keeps its last parameters.
    """
    X, Y = digits_subset()
    net = deep_sigmoid_net(depth, batchnorm, seed)
    lrs = [float(a) for a in lrs]
    R, L, m = len(lrs), net.L, X.shape[1]
    P = {k: np.repeat(v[None], R, axis=0) for k, v in net.params.items()}
    run_mean = {l: np.repeat(net.bn_state[f"mean{l}"][None], R, axis=0) for l in range(1, L) if batchnorm}
    run_var = {l: np.repeat(net.bn_state[f"var{l}"][None], R, axis=0) for l in range(1, L) if batchnorm}
    mom, eps = net.bn_momentum, net.bn_eps
    alpha = np.array(lrs)[:, None, None]
    rng = np.random.default_rng(seed)  # bp.train's shuffling generator
    losses: list[list[float]] = [[] for _ in range(R)]
    alive = np.ones(R, dtype=bool)
    first_norms, limit = None, None
    with np.errstate(all="ignore"):
        for _ in range(epochs):
            perm = rng.permutation(m) if BATCH < m else np.arange(m)
            for start in range(0, m, BATCH):
                idx = perm[start : start + BATCH]
                A, Yb = X[:, idx], Y[:, idx]
                b = A.shape[1]
                As, norm_cache = [A], {}
                for l in range(1, L + 1):  # forward
                    W = P[f"W{l}"]
                    if batchnorm and l < L:  # Z = BN(W A): the batch's μ and σ², then γ ⊙ ẑ + β
                        Z = W @ A + 0.0
                        mu, var = Z.mean(axis=2, keepdims=True), Z.var(axis=2, keepdims=True)
                        run_mean[l] *= mom
                        run_mean[l] += (1.0 - mom) * mu
                        if b > 1:
                            run_var[l] *= mom
                            run_var[l] += (1.0 - mom) * (b / (b - 1)) * var
                        inv_std = 1.0 / np.sqrt(var + eps)
                        Z_hat = (Z - mu) * inv_std
                        norm_cache[l] = (Z_hat, inv_std)
                        Z = P[f"gamma{l}"] * Z_hat + P[f"beta{l}"]
                    else:
                        Z = W @ A + P[f"b{l}"]
                    if l < L:
                        A = _sigmoid(Z)
                        As.append(A)
                # softmax + cross-entropy, per run (BP1: dZᴸ = (softmax(Zᴸ) − Y)/b)
                Zs = Z - Z.max(axis=1, keepdims=True)
                E = np.exp(Zs)
                S = E.sum(axis=1, keepdims=True)
                loss = -np.sum(Yb * (Zs - np.log(S)), axis=(1, 2)) / b
                dZ = (E / S - Yb) / b
                grads = {}
                for l in range(L, 0, -1):  # backward
                    if l in norm_cache:
                        Z_hat, inv_std = norm_cache[l]
                        grads[f"beta{l}"] = dZ.sum(axis=2, keepdims=True)
                        grads[f"gamma{l}"] = np.sum(dZ * Z_hat, axis=2, keepdims=True)
                        dZ_hat = P[f"gamma{l}"] * dZ
                        dZ = (inv_std / b) * (
                            b * dZ_hat
                            - dZ_hat.sum(axis=2, keepdims=True)
                            - Z_hat * np.sum(dZ_hat * Z_hat, axis=2, keepdims=True)
                        )
                    else:
                        grads[f"b{l}"] = dZ.sum(axis=2, keepdims=True)  # BP3
                    grads[f"W{l}"] = dZ @ np.swapaxes(As[l - 1], -1, -2)  # BP4
                    if l > 1:  # BP2: δˡ⁻¹ = (Wˡ)ᵀ δˡ ⊙ σ′(Zˡ⁻¹), σ′ = σ(1 − σ)
                        A_prev = As[l - 1]
                        dZ = (np.swapaxes(P[f"W{l}"], -1, -2) @ dZ) * (A_prev * (1.0 - A_prev))
                norms = np.sqrt(sum(np.sum(grads[f"W{l}"] ** 2, axis=(1, 2)) for l in range(1, L + 1)))
                if limit is None:
                    limit = DIVERGENCE_FACTOR * np.maximum(1.0, loss)
                    first_norms = np.array([np.linalg.norm(grads[f"W{l}"][0]) for l in range(1, L + 1)])
                alive &= np.isfinite(loss) & np.isfinite(norms) & (loss <= limit)
                for r in np.flatnonzero(alive):
                    losses[r].append(float(loss[r]))
                step = alpha * alive[:, None, None]
                for k, g in grads.items():
                    P[k] -= step * np.where(alive[:, None, None], g, 0.0)
            alive &= np.array([all(np.isfinite(v[r]).all() for v in P.values()) for r in range(R)])
            if not alive.any():
                break
        accuracy = _accuracy(P, run_mean, run_var, eps, L, X, Y)
    return [BNRun(first_norms, np.array(losses[r]), float(accuracy[r])) for r in range(R)]


def _sigmoid(Z: np.ndarray) -> np.ndarray:
    # bp.activations.sigmoid: e^{−|z|} never overflows; the algebraically equal form per sign
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


def _accuracy(P, run_mean, run_var, eps, L, X, Y) -> np.ndarray:
    """Per run, the fraction of the columns of X classified as Y says, in evaluation mode (running averages)."""
    A = X
    for l in range(1, L + 1):
        Z = P[f"W{l}"] @ A
        if l in run_mean:
            Z = P[f"gamma{l}"] * ((Z - run_mean[l]) / np.sqrt(run_var[l] + eps)) + P[f"beta{l}"]
        else:
            Z = Z + P[f"b{l}"]
        A = _sigmoid(Z) if l < L else Z
    return np.mean(A.argmax(axis=1) == Y.argmax(axis=0), axis=1)


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


def _status(run: BNRun, bn: bool, depth: int) -> str:
    ratio = run.grad_norms[0] / run.grad_norms[-1]
    loss = run.step_loss[-1]
    if loss > 2.2:
        template = _(
            "{name}: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = {ratio} (layer 1 against layer {last}), final loss {loss} "
            "(still guessing: ln 10 ≈ 2.3 is the loss of a uniform guess), training accuracy {accuracy:.1%}"
        )
    else:
        template = _(
            "{name}: ‖∂L/∂W¹‖/‖∂L/∂Wᴸ‖ = {ratio} (layer 1 against layer {last}), final loss {loss}, "
            "training accuracy {accuracy:.1%}"
        )
    return template.format(
        name=_(LABELS[bn]),
        ratio=base.number(ratio),
        last=depth + 1,
        loss=base.number(loss),
        accuracy=run.train_accuracy,
    )


def batchnorm_demo() -> base.WidgetPlot:
    """Depth, with/without batch norm and learning rate → per-layer gradient norms and loss curves.

    Every setting of the sliders is in the stored ``table()``, so a change only redraws (well under 0.2 s)."""
    controls = {
        "depth": base.slider(
            _("sigmoid layers"),
            8,
            DEPTHS[0],
            DEPTHS[-1],
            DEPTHS[1] - DEPTHS[0],
            tooltip=_("hidden sigmoid layers of width 32"),
        ),
        # the values stay English (draw compares them with LABELS); the shown labels are translated
        "show": base.dropdown(
            _("show"),
            [(_("both"), "both"), *((_(LABELS[bn]), LABELS[bn]) for bn in (False, True))],
            "both",
            tooltip=_("which of the two networks to draw"),
        ),
        # one stop per rate of LRS; the readout is base.number(α), as in the status line
        "lr": log_slider(
            _("SGD rate α"), 0.1, LOG10_LRS, tooltip=_("learning rate α of plain SGD, the same for both networks")
        ),
    }

    def setup(fig):
        ax_norm, ax_loss = fig.subplots(1, 2)
        norms, losses = {}, {}
        for bn in (False, True):
            (norms[bn],) = ax_norm.semilogy(
                [], [], marker=MARKERS[bn], ls=LINESTYLES[bn], color=COLORS[bn], label=figure_text(LABELS[bn])
            )
            (losses[bn],) = ax_loss.plot(
                [], [], ls=LINESTYLES[bn], color=COLORS[bn], lw=1.2, label=figure_text(LABELS[bn])
            )
        ax_norm.set_xlabel(figure_text("layer l (1 = next to the input)"))
        ax_norm.set_ylabel(figure_text(r"$\|\partial L / \partial W^l\|$ at step 1 (log)"))
        ax_norm.set_title(figure_text("gradient norm per layer"))
        ax_norm.set_ylim(1e-7, 10)
        ax_norm.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_norm.yaxis.set_major_locator(LogLocator(base=10, numticks=5))  # few labels: text layout is costly
        ax_norm.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_xlabel(figure_text("step (mini-batch of 64)"))
        ax_loss.set_ylabel(figure_text("mini-batch loss L (cross-entropy)"))
        ax_loss.set_title(figure_text("training on {m} digits, {epochs} epochs").format(m=M_TRAIN, epochs=EPOCHS))
        ax_loss.set_xlim(0, EPOCHS * -(-M_TRAIN // BATCH))
        ax_loss.set_ylim(0, 2.6)
        ax_loss.axhline(np.log(10), color="k", lw=0.8, ls=":")
        ax_loss.text(
            60,
            np.log(10) + 0.1,
            figure_text("ln 10: the loss of guessing"),
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
            notes.append(_status(run, bn, int(depth)))
        a["backdrop"].update()
        head = _("α = {lr}, {depth} hidden sigmoid layers:").format(lr=base.number(lr), depth=int(depth))
        return head + "<br>" + "<br>".join(notes)

    def busy(depth, show, lr):
        # the sliders' settings are all stored; anything else (a changed slider range) trains first
        if (int(depth), float(round(lr, 6))) not in {(d, r) for d in DEPTHS for r in LRS}:
            return _("training the two networks (a few seconds)…")
        return None

    return base.WidgetPlot(
        controls,
        draw,
        _("Batch normalization in a deep sigmoid network"),
        figsize=(10, 3.8),
        setup=setup,
        busy=busy,
    )


WIDGETS = {"batchnorm_demo": batchnorm_demo}
