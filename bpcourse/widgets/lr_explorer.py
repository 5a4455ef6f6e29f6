r"""The learning rate decides whether gradient descent crawls, converges or diverges (claim C1).

The problem: a 1-16-1 tanh network fitting the noisy sine of ``bp.datasets.sine`` with MSE,
trained by full-batch gradient descent, W ← W − α ∂L/∂W, for ``STEPS`` steps. Every
learning rate of the slider's grid is trained once, when the widget is built, so moving the
slider only redraws.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import FormatStrFormatter, NullLocator

from .. import datasets, optim
from ..network import MLP
from ..train import train
from ._speed import Backdrop, blas_single_thread
from .base import WidgetPlot, slider

STEPS = 200
LOG10_LR = np.round(np.arange(-3.0, 0.76, 0.25), 2)  # the slider's grid: α = 10^-3 … 10^0.75
YMAX = 1e3  # losses above this are off the chart (diverged runs reach ~1e305 before they overflow)


class Run(NamedTuple):
    lr: float
    step_loss: np.ndarray  # the loss before each step, shape (steps,) (shorter if it diverged)
    diverged_at: int | None
    message: str

    @property
    def final(self) -> float:
        return float(self.step_loss[-1]) if self.diverged_at is None else float("inf")

    @property
    def rises(self) -> int:
        """How many steps increased the loss: oscillation shows up here."""
        return int(np.sum(np.diff(self.step_loss) > 0))

    def verdict(self) -> str:
        """'diverges', 'crawls', 'oscillates' or 'converges'."""
        if self.diverged_at is not None:
            return "diverges"
        if self.rises > 5:
            return "oscillates"
        if self.final > 0.5 * self.step_loss[0]:
            return "crawls"
        return "converges"


@lru_cache(maxsize=32)
@blas_single_thread
def run(log10_lr: float, steps: int = STEPS) -> Run:
    """Train the sine network with α = 10^log10_lr for ``steps`` full-batch steps (cached)."""
    lr = float(10.0**log10_lr)
    X, Y = datasets.sine(m=100, noise=0.1, seed=0)
    net = MLP([1, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    h = train(net, X, Y, optim.SGD(lr=lr), epochs=steps, batch_size=None, on_diverge="stop")
    return Run(lr, np.array(h.step_loss), h.diverged_at, h.message)


def sweep(log10_lrs=LOG10_LR) -> list[Run]:
    """One run per learning rate 10^x for x in ``log10_lrs``."""
    return [run(round(float(x), 2)) for x in log10_lrs]


def describe(r: Run) -> str:
    """A one-line verdict with its evidence."""
    v = r.verdict()
    if v == "diverges":
        return f"α = {r.lr:.3g} diverges. {r.message}"
    start, end = r.step_loss[0], r.step_loss[-1]
    if v == "crawls":
        return (
            f"α = {r.lr:.3g} crawls: after {len(r.step_loss)} steps the loss has only gone from "
            f"{start:.4f} to {end:.4f} ({100 * (1 - end / start):.0f}% lower)."
        )
    if v == "oscillates":
        return (
            f"α = {r.lr:.3g} oscillates: the loss rose on {r.rises} of {len(r.step_loss)} steps; it ends at {end:.4f}."
        )
    return f"α = {r.lr:.3g} converges: the loss went from {start:.4f} to {end:.4f} in {len(r.step_loss)} steps."


def light_log_axis(axis) -> None:
    """Log-scale ticks without minor ticks and with plain labels: drawing them stays cheap (~1 ms per label)."""
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FormatStrFormatter("%g"))


def final_loss_plot(ax, runs: list[Run], ymax: float = 1.0):
    """Final loss against α (log-log); diverged runs drawn as red × at the top. Returns (line, crosses)."""
    lrs = np.array([r.lr for r in runs])
    finals = np.array([r.final for r in runs])
    ok = np.isfinite(finals)
    (line,) = ax.loglog(lrs[ok], finals[ok], "o-", color="0.3", label="final loss")
    (crosses,) = ax.plot(
        lrs[~ok], np.full((~ok).sum(), ymax / 1.5), "x", color="#d62728", ms=9, mew=2, label="diverged"
    )
    ax.set_xlabel("learning rate α (log scale)")
    ax.set_ylabel(f"loss after {STEPS} steps (log scale)")
    ax.set_ylim(5e-3, ymax)
    light_log_axis(ax.xaxis)
    light_log_axis(ax.yaxis)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return line, crosses


def lr_explorer(log10_lr: float = -1.0) -> WidgetPlot:
    """A log-scale α slider over the loss curves of the sine network: crawl, converge, oscillate, diverge."""
    runs = sweep()
    controls = {"lr": slider("learning rate α", 10.0**log10_lr, LOG10_LR[0], LOG10_LR[-1], 0.25, fmt=".3g", log=True)}
    made = {}

    def setup(fig):
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        for r in runs:
            ax.plot(np.arange(len(r.step_loss)), np.minimum(r.step_loss, 10 * YMAX), color="0.85", lw=1)
        (curve,) = ax.plot([], [], lw=2.5, color="#1f77b4", label="chosen α")
        (blowup,) = ax.plot([], [], "x", color="#d62728", ms=10, mew=2.5, label="loss became inf")
        ax.set_yscale("log")
        ax.set_ylim(5e-3, YMAX)
        ax.set_xlim(0, STEPS)
        ax.set_xlabel("gradient-descent step")
        ax.set_ylabel("training loss L (MSE, log scale)")
        light_log_axis(ax.yaxis)
        ax.grid(True, alpha=0.3)
        ax.plot([], [], color="0.85", label="the other α of the slider")
        ax.legend(fontsize=8, loc="center right")
        title = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=11)
        final_loss_plot(ax2, runs)
        marker = ax2.axvline(10.0**log10_lr, color="#1f77b4", lw=2)
        ax2.text(0.98, 0.98, "α of the slider: blue line", transform=ax2.transAxes, ha="right", va="top", fontsize=8)
        # the axes, the grey curves and the final-loss plot never change: paste them from a buffer
        made["backdrop"] = Backdrop(fig, live=[curve, blowup, title, marker])
        return curve, blowup, title, marker

    def draw(artists, lr):
        curve, blowup, title, marker = artists
        r = run(round(float(np.log10(lr)), 2))
        curve.set_data(np.arange(len(r.step_loss)), np.minimum(r.step_loss, 10 * YMAX))
        if r.diverged_at is not None:
            blowup.set_data([r.diverged_at - 1], [YMAX / 1.5])
        else:
            blowup.set_data([], [])
        title.set_text(f"α = {r.lr:.3g}: {r.verdict()}")
        marker.set_xdata([r.lr, r.lr])
        made["backdrop"].update()
        return describe(r)

    return WidgetPlot(
        controls, draw, title="Learning rate: crawling, converging, diverging", figsize=(10, 3.8), setup=setup
    )


WIDGETS = {"lr_explorer": lr_explorer}
