r"""What backward must keep: the bytes of the forward caches against the bytes of the parameters (chapter 3b).

Backpropagation needs, for every layer l, the input A^{l-1} (for BP4: dW = δ (A^{l-1})ᵀ), the
pre-activation Z^l (for σ′(Z^l) in BP1/BP2) and A^l (softmax's backward; the next layer's input),
plus ẑ and 1/√(σ² + ε) under batch norm. ``net.forward_cache`` keeps exactly these, so their
memory is measured here by summing ``.nbytes`` over the arrays it returns: an array held by two
caches (A^l is also layer l + 1's A_prev) is counted once, and the weights it refers to (W^l, γ^l) are
counted with the parameters, not the caches. Every figure is a count of float64 entries times 8,
the same on every machine.

The caches hold (n_0 + 2 Σ_l n_l)·m numbers: they grow with depth *and* with the batch size m, while
the parameters, Σ_l n_l (n_{l-1} + 1), grow with depth and width but not with m.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import NullLocator

from ..i18n import _, figure_text
from ..network import MLP
from ..plots import BLUE, VERMILLION
from ._speed import blas_single_thread
from .base import WidgetPlot, dropdown, slider

WIDTHS = (16, 64, 128)
BATCHES = (1, 16, 64, 256, 1024)
MAX_DEPTH = 8
N_OUT = 10


class Memory(NamedTuple):
    """Bytes kept for backward by one forward pass, per layer and in total."""

    cache_per_layer: tuple  # bytes of the arrays first held by layer l's cache (layer 1: X too)
    param_per_layer: tuple  # bytes of W^l, b^l (or γ^l, β^l)
    cache: int
    params: int


def cache_nbytes(caches, params: dict) -> list[int]:
    """Bytes of the arrays in ``caches`` (``net.forward_cache``'s list), per layer: each array once, parameters not."""
    param_ids = {id(p) for p in params.values()}
    seen: set[int] = set()
    per_layer = []
    for c in caches:
        parts = [c.linear.A_prev, c.activation.Z, c.activation.A]
        if c.batchnorm is not None:
            parts += [c.batchnorm.Z_hat, c.batchnorm.inv_std]
        total = 0
        for a in parts:
            if isinstance(a, np.ndarray) and id(a) not in seen and id(a) not in param_ids:
                seen.add(id(a))
                total += a.nbytes
        per_layer.append(total)
    return per_layer


def network(depth: int, width: int, batchnorm: bool = False) -> MLP:
    """L = ``depth`` layers: inputs and hidden layers of ``width`` units, a softmax output of 10."""
    return MLP([width] * depth + [N_OUT], hidden="relu", batchnorm=batchnorm, seed=0)


@lru_cache(maxsize=512)
@blas_single_thread
def measure(depth: int, width: int, m: int, batchnorm: bool = False) -> Memory:
    """Run one training-mode forward pass of ``network(depth, width, batchnorm)`` on m columns and count bytes."""
    net = network(depth, width, batchnorm)
    X = np.random.default_rng(0).standard_normal((width, m))
    _, caches = net.forward_cache(X, training=True)  # what a training step keeps
    cache = cache_nbytes(caches, net.params)
    param = []
    for l in range(1, depth + 1):
        keys = [f"W{l}", f"gamma{l}", f"beta{l}"] if net._has_bn(l) else [f"W{l}", f"b{l}"]
        param.append(sum(net.params[k].nbytes for k in keys))
    return Memory(tuple(cache), tuple(param), sum(cache), sum(param))


def memory_table(depths=(2, 4, 8), batches=(1, 64, 1024), width: int = 64) -> list[tuple]:
    """Rows (L, m, cache kB, parameter kB, cache/parameters) for networks of ``width``-unit layers."""
    rows = []
    for depth in depths:
        for m in batches:
            mem = measure(depth, width, m)
            rows.append((depth, m, mem.cache / 1000, mem.params / 1000, mem.cache / mem.params))
    return rows


def kb(n_bytes: float) -> str:
    return f"{n_bytes / 1000:.4g} kB" if n_bytes < 1e6 else f"{n_bytes / 1e6:.4g} MB"


def cache_memory(depth: int = 4, m: int = 64, width: int = 64, batchnorm: str = "off") -> WidgetPlot:
    """Bars: per layer, cache bytes next to parameter bytes; right: both totals against the batch size m."""
    controls = {
        "depth": slider(_("depth L"), depth, 1, MAX_DEPTH, 1, tooltip=_("number of layers with weights")),
        "m": dropdown(_("batch size m"), BATCHES, m, tooltip=_("number of examples (columns) in one forward pass")),
        "width": dropdown(_("width n"), WIDTHS, width, tooltip=_("units of the input and of every hidden layer")),
        "batchnorm": dropdown(
            _("batch norm"),
            [(_("off"), "off"), (_("on"), "on")],  # the values stay English, the labels are translated
            batchnorm,
            tooltip=_("batch norm in the hidden layers: it caches ẑ and 1/√(σ² + ε)"),
        ),
    }

    def setup(fig):
        ax, ax2 = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        layers = np.arange(1, MAX_DEPTH + 1)
        bars_c = ax.bar(
            layers - 0.2,
            np.zeros(MAX_DEPTH),
            0.4,
            color=VERMILLION,
            hatch="//",
            label=figure_text("caches (kept for backward)"),
        )
        bars_p = ax.bar(layers + 0.2, np.zeros(MAX_DEPTH), 0.4, color=BLUE, label=figure_text("parameters W, b"))
        ax.set_xlabel(figure_text("layer l"))
        ax.set_ylabel("kB")
        ax.set_ylim(0.1, 10.0)  # positive limits before the log scale (the bars start at height 0)
        ax.set_yscale("log")
        ax.set_xticks(layers)
        ax.legend(fontsize=8, loc="upper right")
        ax.grid(True, axis="y", alpha=0.3)
        (line_c,) = ax2.plot(BATCHES, np.ones(len(BATCHES)), "o-", color=VERMILLION, label=figure_text("caches"))
        (line_p,) = ax2.plot(BATCHES, np.ones(len(BATCHES)), "s--", color=BLUE, label=figure_text("parameters"))
        (dot,) = ax2.plot([1], [1], "o", ms=12, mfc="none", mec="k", label=figure_text("this setting"))
        ax2.set_xscale("log")
        ax2.set_yscale("log")
        ax2.set_xlabel(figure_text("batch size m"))
        ax2.set_ylabel(figure_text("total kB"))
        ax2.legend(fontsize=8, loc="upper left")
        ax2.grid(True, alpha=0.3)
        for a in (ax, ax2):  # no minor ticks: on log axes they are most of the drawing time
            a.xaxis.set_minor_locator(NullLocator())
            a.yaxis.set_minor_locator(NullLocator())
        title = ax.text(0.0, 1.02, "", transform=ax.transAxes, fontsize=9)
        title2 = ax2.text(0.0, 1.02, "", transform=ax2.transAxes, fontsize=9)
        return ax, ax2, bars_c, bars_p, line_c, line_p, dot, title, title2

    def draw(artists, depth, m, width, batchnorm):
        ax, ax2, bars_c, bars_p, line_c, line_p, dot, title, title2 = artists
        bn = batchnorm == "on"
        mem = measure(depth, width, m, bn)
        for l in range(MAX_DEPTH):
            bars_c[l].set_height(mem.cache_per_layer[l] / 1000 if l < depth else 0.0)
            bars_p[l].set_height(mem.param_per_layer[l] / 1000 if l < depth else 0.0)
        highs = [b.get_height() for b in (*bars_c, *bars_p) if b.get_height() > 0]
        ax.set_ylim(min(highs) / 2, max(highs) * 4)
        ax.set_xlim(0.4, depth + 0.6)
        totals = [measure(depth, width, b, bn) for b in BATCHES]
        line_c.set_ydata([t.cache / 1000 for t in totals])
        line_p.set_ydata([t.params / 1000 for t in totals])
        dot.set_data([m], [mem.cache / 1000])
        values = [t.cache / 1000 for t in totals] + [mem.params / 1000]
        ax2.set_ylim(min(values) / 2, max(values) * 4)
        if bn:
            heading = figure_text("per layer: L = {depth}, n = {width}, m = {m}, batch norm")
        else:
            heading = figure_text("per layer: L = {depth}, n = {width}, m = {m}")
        title.set_text(heading.format(depth=depth, width=width, m=m))
        title2.set_text(figure_text("totals against m (L = {depth}, n = {width})").format(depth=depth, width=width))
        ratio = mem.cache / mem.params
        even = next((b for b, t in zip(BATCHES, totals, strict=True) if t.cache >= t.params), None)
        if even:
            template = _(
                "<b>{cache} of caches, {params} of parameters ({ratio:.3g}×).</b> The caches grow with m, the "
                "parameters do not: of the batch sizes shown, the caches are the larger from m = {even} on. "
                "Counted with .nbytes."
            )
        else:
            template = _(
                "<b>{cache} of caches, {params} of parameters ({ratio:.3g}×).</b> The caches grow with m, the "
                "parameters do not: the parameters stay the larger up to m = 1024. Counted with .nbytes."
            )
        return template.format(cache=kb(mem.cache), params=kb(mem.params), ratio=ratio, even=even)

    return WidgetPlot(
        controls, draw, title=_("Memory of the caches versus the parameters"), figsize=(11, 3.8), setup=setup
    )


WIDGETS = {"cache_memory": cache_memory}
