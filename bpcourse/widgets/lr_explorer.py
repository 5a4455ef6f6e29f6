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
from ..i18n import _, figure_text
from ..network import MLP
from ..plots import BLUE, VERMILLION
from ..train import DIVERGENCE_FACTOR, train
from ._speed import Backdrop, blas_single_thread
from .base import WidgetPlot, log_slider, number

STEPS = 200
LOG10_LR = np.round(np.arange(-3.0, 0.76, 0.25), 2)  # the slider's grid: α = 10^-3 … 10^0.75
YMAX = 1e3  # losses above this are off the chart (bp.train stops a run once its loss passes 1e6 × max(1, first))


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


def nudge_weights(params: dict, seed: int) -> None:
    """Move every entry of every W^l by one unit in the last place, up or down at random (in place).

    That is the size of the difference between two BLAS kernels' rounding of one product.
    """
    rng = np.random.default_rng(seed)
    for name, p in params.items():
        if name.startswith("W"):
            p[...] = np.nextafter(p, rng.choice(np.array([-np.inf, np.inf]), size=p.shape))


@lru_cache(maxsize=128)
@blas_single_thread
def run(log10_lr: float, steps: int = STEPS, nudge: int = 0) -> Run:
    """Train the sine network with α = 10^log10_lr for ``steps`` full-batch steps (cached).

    ``nudge`` > 0 starts from the same weights moved by one ulp (``nudge_weights`` with that seed).
    """
    lr = float(10.0**log10_lr)
    X, Y = datasets.sine(m=100, noise=0.1, seed=0)
    net = MLP([1, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
    if nudge:
        nudge_weights(net.params, nudge)
    h = train(net, X, Y, optim.SGD(lr=lr), epochs=steps, batch_size=None, on_diverge="stop")
    return Run(lr, np.array(h.step_loss), h.diverged_at, h.message)


def sweep(log10_lrs=LOG10_LR) -> list[Run]:
    """One run per learning rate 10^x for x in ``log10_lrs``."""
    return [run(round(float(x), 2)) for x in log10_lrs]


NUDGES = 4  # extra runs per α, each from the starting weights moved by one ulp
CHAOS_RTOL = 1e-5  # nudged runs whose final losses differ relatively by more: one ulp (1e-16) grew 1e11-fold


def band(values) -> str:
    """The range of ``values`` rounded outward to one significant digit: [0.01504, 0.01596] → '0.01–0.02'.

    A figure that depends on the last bits of the arithmetic is printed only this coarsely, so that
    no machine's rounding moves it across a printed digit.
    """
    lo, hi = float(np.min(values)), float(np.max(values))
    unit = 10.0 ** np.floor(np.log10(abs(hi))) if hi else 1.0
    lo_r, hi_r = np.floor(lo / unit) * unit, np.ceil(hi / unit) * unit
    digits = max(0, -int(np.floor(np.log10(unit))))
    return f"{lo_r:.{digits}f}–{hi_r:.{digits}f}"


class Spread(NamedTuple):
    """One α trained from its starting weights and from ``NUDGES`` one-ulp nudges of them."""

    lr: float
    runs: list  # runs[0] from the unchanged weights

    @property
    def chaotic(self) -> bool:
        """True when one ulp at the start changes the verdict, the divergence step or the final loss."""
        first = self.runs[0]
        return any(
            r.verdict() != first.verdict()
            or r.diverged_at != first.diverged_at
            or (first.diverged_at is None and abs(r.final - first.final) > CHAOS_RTOL * abs(first.final))
            for r in self.runs[1:]
        )

    def cells(self) -> tuple[str, str, str]:
        """(loss at the last step, steps up, verdict) as the sweep table prints them.

        Chaotic rows print the range over the nudged runs, rounded outward (``band``): their exact
        values belong to the machine's rounding, not to α. The verdicts stay the code words in every language
        (the Chinese chapter glosses each one).
        """
        first = self.runs[0]
        if not self.chaotic:
            final = f"{first.final:.4f}" if first.diverged_at is None else f"diverged at {first.diverged_at}"
            return final, f"{first.rises:d}", first.verdict()
        verdicts = sorted({r.verdict() for r in self.runs})
        if all(r.diverged_at is None for r in self.runs):
            final = band([r.final for r in self.runs])
        else:
            final = "chaotic"
        return final, band([r.rises for r in self.runs]), " or ".join(verdicts) + " (chaotic)"


def spread(log10_lr: float, nudges: int = NUDGES) -> Spread:
    """The run at α = 10^log10_lr and ``nudges`` runs from one-ulp nudges of its starting weights."""
    x = round(float(log10_lr), 2)
    return Spread(10.0**x, [run(x)] + [run(x, nudge=k) for k in range(1, nudges + 1)])


def sweep_spread(log10_lrs=LOG10_LR) -> list[Spread]:
    """``spread`` for every learning rate of the slider's grid: the rows of chapter 1's table."""
    return [spread(x) for x in log10_lrs]


def gap(s: Spread) -> np.ndarray:
    """|L_nudged(t) − L(t)| / L(t), the largest over the nudged runs, per step (as long as all ran)."""
    steps = min(len(r.step_loss) for r in s.runs)
    base = s.runs[0].step_loss[:steps]
    return np.max([np.abs(r.step_loss[:steps] - base) for r in s.runs[1:]], axis=0) / base


def gap_plot(ax, log10_lrs) -> None:
    """How far one ulp at the start moves the loss, step by step, for each α (log scale)."""
    for x in log10_lrs:
        s = spread(x)
        ax.semilogy(np.maximum(gap(s), 1e-17), lw=1.5, label=f"α = {number(s.lr)}")
    ax.axhline(2.0**-52, color="0.5", ls=":", lw=1, label=figure_text("one ulp, 2⁻⁵²"))
    ax.set_xlabel(figure_text("gradient-descent step"))
    ax.set_ylabel(figure_text("relative change of the loss"))
    ax.set_xlim(0, STEPS)
    ax.set_ylim(1e-17, 1.0)
    light_log_axis(ax.yaxis)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def describe(r: Run, spread_of: Spread | None = None, stable: float | None = None) -> str:
    """A one-line verdict with its evidence, in the numbers' one format (``number``).

    ``spread_of``: the same α from one-ulp nudges of the start; if they disagree, the line says so.
    ``stable``: the largest α of the slider that does not diverge, named when ``r`` diverges.
    """
    v, a = r.verdict(), number(r.lr)
    if v == "diverges":
        start = float(r.step_loss[0])
        limit = DIVERGENCE_FACTOR * max(1.0, start)
        # full-batch: one step is one epoch, so the step alone is named
        text = _(
            "α = {lr} diverges: every step overshoots the valley by more than the last, and at step {step} the "
            "loss passed {limit} (a million times max(1, its first value {start})), so bp.train stopped the run."
        ).format(lr=a, step=r.diverged_at, limit=number(limit), start=number(start))
        if stable:
            text = _("{text} The largest α of the slider whose loss stays bounded is {stable}.").format(
                text=text, stable=number(stable)
            )
        return text
    start, end, n = float(r.step_loss[0]), float(r.step_loss[-1]), len(r.step_loss)
    values = dict(lr=a, start=number(start), end=number(end), steps=n)
    if v == "crawls":
        text = _(
            "α = {lr} crawls: after {steps} steps the loss has only gone from {start} to {end} "
            "({lower} lower). Each step is safe but tiny."
        ).format(**values, lower=f"{100 * (1 - end / start):.0f}%")  # "%" outside the template: not a %-format
    elif v == "oscillates" and end > start:
        text = _(
            "α = {lr} oscillates: the steps overshoot the bottom of the valley, and the loss rose on {rises} "
            "of {steps} steps; it ends at {end}, higher than where it started ({start}): at this α the overshoots "
            "keep the run bouncing between the valley's walls, though not so hard that it runs away."
        ).format(**values, rises=r.rises)
    elif v == "oscillates":
        text = _(
            "α = {lr} oscillates: the steps overshoot the bottom of the valley, and the loss rose on {rises} "
            "of {steps} steps; it ends at {end}."
        ).format(**values, rises=r.rises)
    else:
        text = _("α = {lr} converges: the loss went from {start} to {end} in {steps} steps.").format(**values)
    if spread_of is not None and spread_of.chaotic:
        finals = [x.final for x in spread_of.runs if x.diverged_at is None]
        text = _(
            "{text} Near this α training is chaotic: starting weights moved by one unit in the last place end at "
            "losses {band}, so its last digits belong to the machine, not to α."
        ).format(text=text, band=band(finals))
    return text


def light_log_axis(axis) -> None:
    """Log-scale ticks without minor ticks and with plain labels: drawing them stays cheap (~1 ms per label)."""
    axis.set_minor_locator(NullLocator())
    axis.set_major_formatter(FormatStrFormatter("%g"))


def final_loss_plot(ax, runs: list[Run], ymax: float = 1.0):
    """Final loss against α (log-log); diverged runs drawn as vermilion × at the top. Returns (line, crosses)."""
    lrs = np.array([r.lr for r in runs])
    finals = np.array([r.final for r in runs])
    ok = np.isfinite(finals)
    (line,) = ax.loglog(lrs[ok], finals[ok], "o-", color="0.3", label=figure_text("final loss"))
    (crosses,) = ax.plot(
        lrs[~ok], np.full((~ok).sum(), ymax / 1.5), "x", color=VERMILLION, ms=9, mew=2, label=figure_text("diverged")
    )
    ax.set_xlabel(figure_text("learning rate α (log scale)"))
    ax.set_ylabel(figure_text("loss after {steps} steps (log scale)").format(steps=STEPS))
    ax.set_ylim(5e-3, ymax)
    light_log_axis(ax.xaxis)
    light_log_axis(ax.yaxis)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    return line, crosses


def lr_explorer(log10_lr: float = -1.0) -> WidgetPlot:
    """A log-scale α slider over the loss curves of the sine network: crawl, converge, oscillate, diverge."""
    runs = sweep()
    # the α that oscillate sit at the edge of stability, where one ulp at the start can change the run:
    # train their nudged copies now (the chapter's table needs them anyway), so the status can say so
    spreads = {round(float(np.log10(r.lr)), 2): spread(np.log10(r.lr)) for r in runs if r.verdict() == "oscillates"}
    stable = max(r.lr for r in runs if r.diverged_at is None)
    controls = {
        "lr": log_slider(
            _("learning rate α"),
            10.0**log10_lr,
            LOG10_LR,
            tooltip=_("learning rate α of gradient descent, W ← W − α ∂L/∂W (log scale)"),
        )
    }
    made = {}
    titles = {  # the figure's title per verdict, in the language of the figure
        "diverges": figure_text("α = {lr}: diverges"),
        "oscillates": figure_text("α = {lr}: oscillates"),
        "crawls": figure_text("α = {lr}: crawls"),
        "converges": figure_text("α = {lr}: converges"),
    }

    def setup(fig):
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
        for r in runs:
            ax.plot(np.arange(len(r.step_loss)), np.minimum(r.step_loss, 10 * YMAX), color="0.85", lw=1)
        (curve,) = ax.plot([], [], lw=2.5, color=BLUE, label=figure_text("chosen α"))
        stopped = figure_text("training stopped: the loss ran away")
        (blowup,) = ax.plot([], [], "x", color=VERMILLION, ms=10, mew=2.5, label=stopped)
        ax.set_yscale("log")
        ax.set_ylim(5e-3, YMAX)
        ax.set_xlim(0, STEPS)
        ax.set_xlabel(figure_text("gradient-descent step"))
        ax.set_ylabel(figure_text("training loss L (MSE, log scale)"))
        light_log_axis(ax.yaxis)
        ax.grid(True, alpha=0.3)
        ax.plot([], [], color="0.85", label=figure_text("the other α of the slider"))
        ax.legend(fontsize=8, loc="center right")
        title = ax.text(0.02, 0.98, "", transform=ax.transAxes, va="top", fontsize=11)
        final_loss_plot(ax2, runs)
        marker = ax2.axvline(10.0**log10_lr, color=BLUE, lw=2)
        blue = figure_text("α of the slider: blue line")
        ax2.text(0.98, 0.98, blue, transform=ax2.transAxes, ha="right", va="top", fontsize=8)
        # the axes, the gray curves and the final-loss plot never change: paste them from a buffer
        made["backdrop"] = Backdrop(fig, live=[curve, blowup, title, marker])
        return curve, blowup, title, marker

    def draw(artists, lr):
        curve, blowup, title, marker = artists
        x = round(float(np.log10(lr)), 2)
        r = run(x)
        curve.set_data(np.arange(len(r.step_loss)), np.minimum(r.step_loss, 10 * YMAX))
        if r.diverged_at is not None:
            blowup.set_data([r.diverged_at - 1], [YMAX / 1.5])
        else:
            blowup.set_data([], [])
        title.set_text(titles[r.verdict()].format(lr=number(r.lr)))
        marker.set_xdata([r.lr, r.lr])
        made["backdrop"].update()
        return describe(r, spreads.get(x), stable)

    return WidgetPlot(
        controls, draw, title=_("Learning rate: crawling, converging, diverging"), figsize=(10, 3.8), setup=setup
    )


WIDGETS = {"lr_explorer": lr_explorer}
