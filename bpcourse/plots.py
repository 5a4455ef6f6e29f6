"""Plot helpers shared by the chapters and the widgets; each draws on a given matplotlib Axes.

matplotlib is imported here, not by ``import bpcourse``.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .i18n import N_, figure_text

# The Okabe–Ito palette ("Color Universal Design", Okabe & Ito 2008): its colours stay apart for the
# common forms of colour blindness, so no figure tells two things apart by red against green alone.
BLUE, VERMILLION, BLUISH_GREEN, ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
REDDISH_PURPLE, SKY_BLUE, YELLOW, BLACK, GREY = "#CC79A7", "#56B4E9", "#F0E442", "#000000", "#999999"
PALETTE = [BLUE, VERMILLION, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, SKY_BLUE, YELLOW, BLACK]
GOOD, BAD, NEUTRAL = BLUE, VERMILLION, GREY  # e.g. solved / stuck, correct / wrong, other
CLASS_COLORS = [*PALETTE, GREY, "#8C564B"]  # ten classes (the digits)

# What every course figure is drawn with (``_style`` adds the palette as colour cycle: "C0", "C1", … pick from it)
# and an opaque white background, so figures read the same in JupyterLab's light and dark themes.
STYLE = {
    "figure.facecolor": "white",
    "axes.facecolor": "white",
    "savefig.facecolor": "white",
    "savefig.transparent": False,
}


@contextmanager
def course_style():
    """``with course_style():`` draws with the course's palette and an opaque white background, and in
    Chinese with the CJK font first in the font list.

    Importing this module also makes the palette and background matplotlib's default for the session
    (``use_course_style``), so a chapter's own ``plt`` figures match the widgets'. The fonts are set up
    inside the context, before anything is drawn: settings made inside an ``rc_context`` are undone when it
    ends, so a widget whose first text artist (an empty label filled in later) came before its first
    ``figure_text`` would otherwise draw it without the CJK font, and ŷ, which that font lacks, as a box.
    With [CJK font, DejaVu Sans] matplotlib falls back glyph by glyph. English: only the style."""
    import matplotlib as mpl

    from . import fonts
    from .i18n import language

    with mpl.rc_context(_style()):
        fonts.cjk_active(language())
        yield


def use_course_style() -> None:
    """Make the course's palette and white background the session's matplotlib defaults."""
    import matplotlib as mpl

    mpl.rcParams.update(_style())


def _style() -> dict:
    from cycler import cycler

    return {**STYLE, "axes.prop_cycle": cycler(color=PALETTE)}


use_course_style()


def loss_curve(ax, values, label: str | None = None, xlabel: str = N_("epoch"), log: bool = True, **kw):
    """Plot a loss history against 1, 2, …; a log y-axis shows both early and late progress.

    ``xlabel`` goes through ``figure_text``: the default "epoch" is drawn in the learner's language."""
    values = np.asarray(values, dtype=float)
    (line,) = ax.plot(np.arange(1, len(values) + 1), values, label=label, **kw)
    ax.set_xlabel(figure_text(xlabel))
    ax.set_ylabel(figure_text("loss L (log scale)") if log else figure_text("loss L"))
    if log and np.all(values[np.isfinite(values)] > 0) and len(values):
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if label:
        ax.legend()
    return line


def scatter_classes(ax, X, y, s: float = 12):
    """Scatter 2-D points X (2, m) coloured by integer label y (m,)."""
    for k in np.unique(y):
        sel = y == k
        ax.scatter(
            X[0, sel],
            X[1, sel],
            s=s,
            color=CLASS_COLORS[int(k) % 10],
            edgecolor="k",
            linewidth=0.3,
            label=figure_text("class {k}").format(k=k),
        )
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def decision_boundary(ax, net, X, y, resolution: int = 100, pad: float = 0.5):
    """Shade the class ``net`` predicts over the bounding box of X (2, m) and overlay the points."""
    from matplotlib.colors import ListedColormap

    x0 = np.linspace(X[0].min() - pad, X[0].max() + pad, resolution)
    x1 = np.linspace(X[1].min() - pad, X[1].max() + pad, resolution)
    G0, G1 = np.meshgrid(x0, x1)
    pred = net.predict(np.vstack([G0.ravel(), G1.ravel()])).reshape(G0.shape)
    k = max(int(y.max()) + 1, 2)
    ax.contourf(G0, G1, pred, levels=np.arange(k + 1) - 0.5, cmap=ListedColormap(CLASS_COLORS[:k]), alpha=0.25)
    scatter_classes(ax, X, y)
    return pred


def layer_norms(ax, norms, label: str | None = None, **kw):
    """Bar-free line plot of per-layer gradient norms (L,) against layer index 1 … L, log scale."""
    norms = np.asarray(norms, dtype=float)
    (line,) = ax.semilogy(np.arange(1, len(norms) + 1), norms, marker="o", label=label, **kw)
    ax.set_xlabel(figure_text("layer l (1 = next to the input)"))
    ax.set_ylabel(r"$\|\partial L / \partial W^l\|$")
    ax.grid(True, which="both", alpha=0.3)
    return line
