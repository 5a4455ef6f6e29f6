r"""Cross-entropy against MSE when a sigmoid output starts saturated and wrong (claim C2).

One sigmoid unit, ŷ = σ(z) with z = w x + b, one example x = 1 with label y = 1, and a start
w = b = z0/2, so z = z0 is very negative and ŷ ≈ 0: confidently wrong. By BP1,

    MSE:            δ = (ŷ − y) σ′(z) = (ŷ − 1) ŷ (1 − ŷ)   ≈ −e^{z0}: vanishingly small,
    cross-entropy:  δ = ŷ − y                               ≈ −1: as large as the error.

Both runs use the library's ``MLP([1, 1], output='sigmoid')``, ``bp.train`` and SGD.

How long MSE waits. With x = 1, w and b both move by −αδ, so z moves by −2αδ per step. Deep in
saturation MSE's δ ≈ −e^{z}, so z climbs like dz/dt = 2α e^{z}, which takes (e^{−z0} − e^{−z})/(2α)
steps: the wait is about e^{|z0|}/(2α) plus a roughly constant number of steps for the last part
of the climb (ŷ from about 0.1 to 0.9), where σ′ is no longer ≈ e^{z}. So one more unit of
saturation multiplies the wait by a factor that approaches e only as z0 → −∞. Cross-entropy's
δ ≈ −1 moves z by about 2α per step: its wait grows by one step per 2α units of saturation.
``moons_accuracy`` is the contrast: the moons with a 2-n-1 network are *not* saturated at the start
(ŷ ≈ 0.4–0.55, where σ′ ≈ ¼), so there MSE's δ is about ¼ of cross-entropy's, which acts like a
4× smaller α. It trains one network per (α, seed) at once, as ``bp.train`` would train each, so that
each loss can be given its own best α over several seeds.

``steps_to_reach`` counts these waits with the same updates, without ``bp.train``'s bookkeeping and
in plain floats, so that a wait of 10⁴ steps costs milliseconds (the tests check it against ``race``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import activations, datasets, optim
from ..errors import skip_checks
from ..i18n import _, figure_text
from ..network import MLP
from ..plots import BLUE, VERMILLION
from ..train import train
from ._speed import Backdrop
from .base import WidgetPlot, dropdown, number, slider

STEPS = 300
# Okabe–Ito colours, and MSE also dashed: the two losses differ in line style, not only in colour
LOSS_COLORS = {"mse": VERMILLION, "cross_entropy": BLUE}
LOSS_STYLES = {"mse": "--", "cross_entropy": "-"}
LEARNING_RATES = (0.3, 1.0, 3.0)


class Race(NamedTuple):
    loss_name: str
    y_hat: np.ndarray  # (STEPS + 1,) prediction before step 1, after step 1, …
    loss: np.ndarray  # (STEPS + 1,) the loss the unit is trained on
    delta: np.ndarray  # (STEPS,) δ = ∂L/∂z at each step (what the update is proportional to)


@lru_cache(maxsize=64)
def race(loss: str, z0: float = -6.0, lr: float = 1.0, steps: int = STEPS) -> Race:
    """Train the single sigmoid unit from z = z0 toward y = 1 with ``loss`` for ``steps`` SGD steps."""
    X, Y = np.array([[1.0]]), np.array([[1.0]])
    net = MLP([1, 1], output="sigmoid", loss=loss, seed=0)
    net.params["W1"][...] = z0 / 2
    net.params["b1"][...] = z0 / 2
    y_hat = [net.forward(X)[0, 0]]
    losses = [net.loss(X, Y)]

    def record(epoch, history, net):
        y_hat.append(net.forward(X)[0, 0])
        losses.append(history.loss[-1])

    h = train(net, X, Y, optim.SGD(lr=lr), epochs=steps, batch_size=None, callback=record)
    delta = np.array([g[0] for g in h.grad_norms])  # ‖∂L/∂W‖ = |δ x| = |δ| because x = 1
    return Race(loss, np.array(y_hat), np.array(losses), delta)


def steps_to(r: Race, threshold: float = 0.9) -> int | None:
    """The first step after which ŷ ≥ threshold, or None if it never gets there."""
    hit = np.nonzero(r.y_hat >= threshold)[0]
    return int(hit[0]) if hit.size else None


MAX_WAIT = 200_000  # steps_to_reach gives up here (z0 = −10 at α = 0.3 needs about 37,000)


@lru_cache(maxsize=256)
def _wait(loss: str, z0: float, lr: float, threshold: float, max_steps: int) -> int | None:
    # One start, in plain floats (NumPy calls on one number would cost far more): the same updates as race()
    w = b = z0 / 2  # the start of race(): w = b = z0/2, x = 1, y = 1
    for k in range(max_steps + 1):
        z = w + b  # z = w·1 + b
        e = math.exp(-abs(z))
        y_hat = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)  # σ(z), as bp.activations.sigmoid computes it
        if y_hat >= threshold:
            return k
        # BP1 with m = 1: MSE δ = (ŷ − y) σ′(z), cross-entropy δ = ŷ − y; then ∂L/∂w = δ x = δ and ∂L/∂b = δ
        delta = (y_hat - 1.0) * (y_hat * (1.0 - y_hat)) if loss == "mse" else y_hat - 1.0
        w, b = w - lr * delta, b - lr * delta
    return None


def steps_to_reach(loss: str, z0s, lr: float = 1.0, threshold: float = 0.9, max_steps: int = MAX_WAIT) -> list:
    """For each start z0, the number of SGD steps (as in ``race``) until ŷ ≥ threshold; None beyond max_steps."""
    return [_wait(loss, float(z0), float(lr), float(threshold), int(max_steps)) for z0 in z0s]


def race_table(z0s=(-2.0, -4.0, -6.0, -8.0, -10.0), lr: float = 1.0, threshold: float = 0.9) -> list[tuple]:
    """Rows (z0, ŷ at the start, steps with MSE, steps with cross-entropy) to reach ŷ ≥ threshold."""
    mse, ce = steps_to_reach("mse", z0s, lr, threshold), steps_to_reach("cross_entropy", z0s, lr, threshold)
    return [
        (float(z0), float(1.0 / (1.0 + np.exp(-z0))), n_mse, n_ce) for z0, n_mse, n_ce in zip(z0s, mse, ce, strict=True)
    ]


MOONS_M, MOONS_BATCH, MOONS_EPOCHS = 120, 20, 60  # as chapter 2's training explorer


def moons_data() -> tuple[np.ndarray, np.ndarray]:
    """The explorer's moons: X (2, 120), Y (1, 120) with 0/1 labels."""
    X, y = datasets.moons(m=MOONS_M, seed=0)
    return X, y[None, :].astype(float)


def moons_start(width: int = 4, seed: int = 0) -> np.ndarray:
    """ŷ of the untrained 2-width-1 network on the moons, (120,): how far from saturation the start is."""
    X, _ = moons_data()
    return MLP([2, width, 1], hidden="tanh", output="sigmoid", seed=seed, loss="mse").forward(X)[0]


def moons_accuracy(loss: str, lrs, seeds, width: int = 4, epochs: int = MOONS_EPOCHS) -> np.ndarray:
    """Training accuracy on the moons after ``epochs`` epochs of SGD, shape (len(lrs), len(seeds)).

    Run (α, s) is ``bp.MLP([2, width, 1], hidden='tanh', output='sigmoid', loss=loss, seed=s)`` trained by
    ``bp.train(net, X, Y, bp.optim.SGD(lr=α), epochs, batch_size=20, seed=s)``, all runs at once with a
    leading axis of runs; the tests check that the two agree.
    """
    X, Y = moons_data()
    lrs, seeds = [float(a) for a in lrs], [int(s) for s in seeds]
    n_seed, m = len(seeds), X.shape[1]
    first = [MLP([2, width, 1], hidden="tanh", output="sigmoid", loss=loss, seed=s).params for s in seeds]
    P = {k: np.concatenate([np.array([p[k] for p in first])] * len(lrs)) for k in first[0]}  # (R, …)
    alpha = np.repeat(lrs, n_seed)[:, None, None]  # run r = i·n_seed + j: α = lrs[i], seed seeds[j]
    shufflers = [np.random.default_rng(s) for s in seeds]
    with skip_checks(), np.errstate(all="ignore"):
        for _ in range(epochs):
            perm = np.concatenate([np.array([rng.permutation(m) for rng in shufflers])] * len(lrs))
            for start in range(0, m, MOONS_BATCH):
                idx = perm[:, start : start + MOONS_BATCH]
                Xb, Yb = X.T[idx].transpose(0, 2, 1), Y.T[idx].transpose(0, 2, 1)
                b = Xb.shape[2]
                Z1 = P["W1"] @ Xb + P["b1"]
                A1 = activations.tanh(Z1)
                Z2 = P["W2"] @ A1 + P["b2"]
                if loss == "mse":  # BP1: (ŷ − y)/b ⊙ σ′(z)
                    S = activations.sigmoid(Z2)
                    dZ2 = (S - Yb) / b * activations.sigmoid_prime(Z2)
                else:  # sigmoid + cross-entropy: BP1 simplifies to (ŷ − y)/b
                    dZ2 = (activations.sigmoid(Z2) - Yb) / b
                dZ1 = (P["W2"].transpose(0, 2, 1) @ dZ2) * activations.tanh_prime(Z1)  # BP2
                grads = {
                    "W2": dZ2 @ A1.transpose(0, 2, 1),  # BP4
                    "b2": dZ2.sum(axis=2, keepdims=True),  # BP3
                    "W1": dZ1 @ Xb.transpose(0, 2, 1),
                    "b1": dZ1.sum(axis=2, keepdims=True),
                }
                for k, g in grads.items():
                    P[k] -= alpha * g
        y_hat = activations.sigmoid(P["W2"] @ activations.tanh(P["W1"] @ X + P["b1"]) + P["b2"])[:, 0]
    return ((y_hat > 0.5) == Y[0]).mean(axis=1).reshape(len(lrs), n_seed)


def setup_axes(fig):
    """Two panels: ŷ against step, and |δ| against step; returns the axes and one line per loss and panel."""
    ax, ax2 = fig.subplots(1, 2)
    lines = {}
    for name, label in (("cross_entropy", figure_text("cross-entropy")), ("mse", figure_text("MSE"))):
        style = dict(lw=2.5, color=LOSS_COLORS[name], ls=LOSS_STYLES[name], label=label)
        (a,) = ax.plot([], [], **style)
        (b,) = ax2.semilogy([], [], **style)
        lines[name] = (a, b)
    ax.axhline(0.9, color="0.5", ls=":", lw=1)
    ax.text(STEPS, 0.88, "ŷ = 0.9", ha="right", va="top", fontsize=8, color="0.4")
    ax.set_xlim(0, STEPS)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(figure_text("SGD step"))
    ax.set_ylabel(figure_text(r"prediction $\hat y = \sigma(z)$ (label y = 1)"))
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="center right")
    ax2.set_xlim(0, STEPS)
    ax2.set_xlabel(figure_text("SGD step"))
    ax2.set_ylabel(figure_text(r"$|\delta| = |\partial L/\partial z|$ (log scale)"))
    ax2.grid(True, alpha=0.3)
    ax2.legend(fontsize=9, loc="lower right")
    title = ax.text(0.0, 1.02, "", transform=ax.transAxes, fontsize=10, va="bottom")
    return ax, ax2, lines, title


def show(artists, z0: float, lr: float) -> str:
    """Draw both races for (z0, lr) into ``setup_axes``'s artists; returns a one-line summary."""
    ax, ax2, lines, title = artists
    runs = {name: race(name, z0, lr) for name in lines}
    for name, r in runs.items():
        a, b = lines[name]
        a.set_data(np.arange(len(r.y_hat)), r.y_hat)
        b.set_data(np.arange(1, len(r.delta) + 1), np.maximum(r.delta, 1e-12))
    every = np.concatenate([np.maximum(r.delta, 1e-12) for r in runs.values()])
    ax2.set_ylim(every.min() / 3, every.max() * 3)
    title.set_text(
        figure_text("start z₀ = {z0} (ŷ = {y_hat}), α = {lr}").format(
            z0=minus(z0), y_hat=number(runs["mse"].y_hat[0], 2), lr=number(lr)
        )
    )

    def said(name):
        n = steps_to(runs[name], 0.9)
        if n is not None:
            return (_("{n} step") if n == 1 else _("{n} steps")).format(n=n)
        n = steps_to_reach(name, [z0], lr)[0]  # beyond the drawn steps: counted without drawing
        if n is not None:
            return _("{n:,} steps (beyond the {drawn} drawn)").format(n=n, drawn=STEPS)
        return _("more than {n:,} steps").format(n=MAX_WAIT)

    # why, in the first step's error terms: MSE's δ carries the factor σ′(z₀) = ŷ(1 − ŷ)
    y0 = float(runs["mse"].y_hat[0])
    return _(
        "To reach ŷ ≥ 0.9: cross-entropy needs {ce_steps}, MSE {mse_steps}. Why: at the start cross-entropy's "
        "|δ| = |ŷ − y| is {ce_delta}, MSE's |δ| = |ŷ − y|·σ′(z₀) only {mse_delta}, since σ′(z₀) = ŷ(1 − ŷ) = {slope}."
    ).format(
        ce_steps=said("cross_entropy"),
        mse_steps=said("mse"),
        ce_delta=number(runs["cross_entropy"].delta[0], 2),
        mse_delta=number(runs["mse"].delta[0], 2),
        slope=number(y0 * (1 - y0), 2),
    )


def minus(x: float) -> str:
    """``number(x)`` with a typographic minus, as the slider's readout writes it."""
    return number(x).replace("-", "−")


def saturation_race(z0: float = -6.0, lr: float = 1.0) -> WidgetPlot:
    """Slide how saturated the start is (z0) and pick α; watch ŷ and |δ| for MSE and cross-entropy."""
    controls = {
        "z0": slider(
            _("start z₀"),
            z0,
            -10.0,
            -1.0,
            1.0,
            fmt=".0f",
            tooltip=_("the starting pre-activation z₀ = w + b of the sigmoid unit: more negative = more saturated"),
        ),
        "lr": dropdown(
            _("learning rate α"),
            [(number(a), a) for a in LEARNING_RATES],
            lr,
            tooltip=_("learning rate α of gradient descent, the same for both losses"),
        ),
    }
    done = set()  # (z0, α) already trained: another one shows a busy state while it trains
    for v in np.arange(-10.0, -0.5, 1.0):  # train the default α's runs now (~0.5 s), so the slider only redraws
        for name in LOSS_COLORS:
            race(name, float(v), float(lr))
            steps_to_reach(name, [float(v)], float(lr))
        done.add((float(v), float(lr)))
    made = {}

    def busy(z0, lr):
        if (float(z0), float(lr)) in done:
            return None
        return _("training both losses from z₀ = {z0}…").format(z0=minus(z0))

    def setup(fig):
        artists = setup_axes(fig)
        ax, ax2, lines, title = artists
        # Blitting: the left axes and the step axis on the right are pasted from a buffer; the |δ| axis
        # follows the run and is drawn each time, with the curves and the title
        made["backdrop"] = Backdrop(fig, [*(line for pair in lines.values() for line in pair), ax2.yaxis, title])
        return artists

    def draw(artists, z0, lr):
        status = show(artists, float(z0), float(lr))
        done.add((float(z0), float(lr)))
        made["backdrop"].update()
        return status

    return WidgetPlot(
        controls,
        draw,
        title=_("Saturated sigmoid output: MSE against cross-entropy"),
        figsize=(10, 3.6),
        setup=setup,
        busy=busy,
    )


WIDGETS = {"saturation_race": saturation_race}
