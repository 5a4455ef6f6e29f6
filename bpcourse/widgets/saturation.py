r"""Cross-entropy against MSE when a sigmoid output starts saturated and wrong (claim C2).

One sigmoid unit, ŷ = σ(z) with z = w x + b, one example x = 1 with label y = 1, and a start
w = b = z0/2, so z = z0 is very negative and ŷ ≈ 0: confidently wrong. By BP1,

    MSE:            δ = (ŷ − y) σ′(z) = (ŷ − 1) ŷ (1 − ŷ)   ≈ −e^{z0}: vanishingly small,
    cross-entropy:  δ = ŷ − y                               ≈ −1: as large as the error.

Both runs use the library's ``MLP([1, 1], output='sigmoid')``, ``bp.train`` and SGD.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np

from .. import optim
from ..network import MLP
from ..train import train
from ._speed import Backdrop
from .base import WidgetPlot, dropdown, slider

STEPS = 300
LOSS_COLORS = {"mse": "#ff7f0e", "cross_entropy": "#1f77b4"}


class Race(NamedTuple):
    loss_name: str
    y_hat: np.ndarray  # (STEPS + 1,) prediction before step 1, after step 1, …
    loss: np.ndarray  # (STEPS + 1,) the loss the unit is trained on
    delta: np.ndarray  # (STEPS,) δ = ∂L/∂z at each step (what the update is proportional to)


@lru_cache(maxsize=64)
def race(loss: str, z0: float = -6.0, lr: float = 1.0, steps: int = STEPS) -> Race:
    """Train the single sigmoid unit from z = z0 towards y = 1 with ``loss`` for ``steps`` SGD steps."""
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


def race_table(z0s=(-2.0, -4.0, -6.0, -8.0), lr: float = 1.0, threshold: float = 0.9) -> list[tuple]:
    """Rows (z0, ŷ at the start, steps with MSE, steps with cross-entropy) to reach ŷ ≥ threshold."""
    rows = []
    for z0 in z0s:
        mse, ce = race("mse", z0, lr), race("cross_entropy", z0, lr)
        rows.append((z0, float(mse.y_hat[0]), steps_to(mse, threshold), steps_to(ce, threshold)))
    return rows


def setup_axes(fig):
    """Two panels: ŷ against step, and |δ| against step; returns the axes and one line per loss and panel."""
    ax, ax2 = fig.subplots(1, 2)
    lines = {}
    for name, label in (("cross_entropy", "cross-entropy"), ("mse", "MSE")):
        (a,) = ax.plot([], [], lw=2.5, color=LOSS_COLORS[name], label=label)
        (b,) = ax2.semilogy([], [], lw=2.5, color=LOSS_COLORS[name], label=label)
        lines[name] = (a, b)
    ax.axhline(0.9, color="0.5", ls=":", lw=1)
    ax.text(STEPS, 0.88, "ŷ = 0.9", ha="right", va="top", fontsize=8, color="0.4")
    ax.set_xlim(0, STEPS)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("SGD step")
    ax.set_ylabel(r"prediction $\hat y = \sigma(z)$ (label y = 1)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=9, loc="center right")
    ax2.set_xlim(0, STEPS)
    ax2.set_xlabel("SGD step")
    ax2.set_ylabel(r"$|\delta| = |\partial L/\partial z|$ (log scale)")
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
    n_mse, n_ce = steps_to(runs["mse"], 0.9), steps_to(runs["cross_entropy"], 0.9)
    title.set_text(f"start z = {z0:g} (ŷ = {runs['mse'].y_hat[0]:.2g}), α = {lr:g}")

    def said(n):
        return f"{n} steps" if n is not None else f"more than {STEPS} steps"

    return f"To reach ŷ ≥ 0.9: cross-entropy needs {said(n_ce)}, MSE {said(n_mse)}."


def saturation_race(z0: float = -6.0, lr: float = 1.0) -> WidgetPlot:
    """Slide how saturated the start is (z0) and pick α; watch ŷ and |δ| for MSE and cross-entropy."""
    controls = {
        "z0": slider("start z₀ (more negative = more saturated)", z0, -10.0, -1.0, 1.0, fmt=".0f"),
        "lr": dropdown("learning rate α", [0.3, 1.0, 3.0], lr),
    }
    for v in np.arange(-10.0, -0.5, 1.0):  # train the default α's runs now (~0.5 s), so the slider only redraws
        for name in LOSS_COLORS:
            race(name, float(v), float(lr))
    made = {}

    def setup(fig):
        artists = setup_axes(fig)
        ax, ax2, lines, title = artists
        # Blitting: the left axes and the step axis on the right are pasted from a buffer; the |δ| axis
        # follows the run and is drawn each time, with the curves and the title
        made["backdrop"] = Backdrop(fig, [*(line for pair in lines.values() for line in pair), ax2.yaxis, title])
        return artists

    def draw(artists, z0, lr):
        status = show(artists, float(z0), float(lr))
        made["backdrop"].update()
        return status

    return WidgetPlot(
        controls, draw, title="Saturated sigmoid output: MSE against cross-entropy", figsize=(10, 3.6), setup=setup
    )


WIDGETS = {"saturation_race": saturation_race}
