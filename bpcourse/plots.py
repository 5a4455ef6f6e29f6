"""Plot helpers shared by the chapters and the widgets; each draws on a given matplotlib Axes.

matplotlib is imported here, not by ``import bpcourse``.
"""

from __future__ import annotations

import numpy as np

CLASS_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
]


def loss_curve(ax, values, label: str | None = None, xlabel: str = "epoch", log: bool = True, **kw):
    """Plot a loss history against 1, 2, …; a log y-axis shows both early and late progress."""
    values = np.asarray(values, dtype=float)
    (line,) = ax.plot(np.arange(1, len(values) + 1), values, label=label, **kw)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss L (log scale)" if log else "loss L")
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
            X[0, sel], X[1, sel], s=s, color=CLASS_COLORS[int(k) % 10], edgecolor="k", linewidth=0.3, label=f"class {k}"
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
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W^l\|$")
    ax.grid(True, which="both", alpha=0.3)
    return line
