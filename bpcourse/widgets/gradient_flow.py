r"""Chapter 04: vanishing and exploding gradients, measured layer by layer (claim C5).

Backprop multiplies δ by (W^{l+1})ᵀ and by σ′(z^l) once per layer (BP2). If those factors
are below 1 on average the gradient shrinks geometrically toward the input (vanishing: a
sigmoid's σ′ is at most 0.25); if they are above 1 it grows (exploding: large weights).
``layer_stats`` measures ‖∂L/∂W^l‖ for every layer of a freshly initialized network on a batch
of digits; ``gradient_flow()`` is the widget and ``plot_layer_norms`` the static figure.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import activations, datasets, losses
from ..activations import HIDDEN_ACTIVATIONS
from ..network import MLP
from ..train import layer_grad_norms
from ._speed import Backdrop, blas_single_thread
from .base import WidgetPlot, dropdown, slider

WIDTH = 32  # hidden units per layer
M = 256  # digits in the measuring batch
INITS = ("normal", "xavier", "he")


@lru_cache(maxsize=1)
def _batch() -> tuple[np.ndarray, np.ndarray]:
    X, y = datasets.load_digits()
    # a contiguous copy: W @ X[:, :M] on the strided slice itself is ~100× slower in NumPy's matmul
    return np.ascontiguousarray(X[:, :M]), datasets.one_hot(y[:M], 10)


def make_net(depth: int, hidden: str, init: str, scale: float = 1.0, seed: int = 0) -> MLP:
    """[64, 32, …, 32, 10]: ``depth`` weight layers (depth − 1 hidden layers of 32), softmax output."""
    return MLP([64] + [WIDTH] * (depth - 1) + [10], hidden=hidden, output="softmax", init=init, scale=scale, seed=seed)


@lru_cache(maxsize=512)
@blas_single_thread
def layer_stats(depth: int, hidden: str, init: str, scale: float = 1.0, seed: int = 0) -> dict[str, np.ndarray]:
    r"""Measure one network at initialization on 256 digits.

    Returns 'grad_norm' (L,): ‖∂L/∂W^l‖ for l = 1 … L; 'act_std' (L−1,): the standard deviation
    of A^l for each hidden layer (the forward signal); 'mean_sigma_prime' (L−1,): the mean of
    σ′(Z^l), the factor BP2 multiplies δ by at layer l.
    """
    X, Y = _batch()
    net = make_net(depth, hidden, init, scale, seed)
    with np.errstate(over="ignore", invalid="ignore"):
        _, caches = net.forward_cache(X)  # one forward pass serves both the statistics and backprop
        _, dZL = losses.softmax_cross_entropy(caches[-1].activation.Z, Y)  # BP1 for softmax + cross-entropy
        grads = net.backward(dZL, caches)
    _, sigma_prime = activations.ACTIVATIONS[hidden]
    hidden_caches = [c.activation for c in caches[:-1]]
    return {
        "grad_norm": layer_grad_norms(grads, depth),
        "act_std": np.array([c.A.std() for c in hidden_caches]),
        "mean_sigma_prime": np.array([sigma_prime(c.Z).mean() for c in hidden_caches]),
    }


def verdict(norms: np.ndarray) -> str:
    """'vanishing' (ratio ‖∂L/∂W^1‖ / ‖∂L/∂W^L‖ below 0.1), 'exploding' (above 10, or any norm above 1000)
    or 'steady'."""
    ratio = norms[0] / norms[-1]
    if ratio < 1e-1:
        return "vanishing"
    if ratio > 1e1 or norms.max() > 1e3:
        return "exploding"
    return "steady"


def _setting_label(hidden: str, init: str, scale: float) -> str:
    return f"{hidden}, normal(0, {scale:.2g}²)" if init == "normal" else f"{hidden}, {init}"


def plot_layer_norms(ax, settings, depth: int = 10) -> None:
    """One line of ‖∂L/∂W^l‖ against l per (hidden, init, scale) in ``settings``, log scale."""
    for i, (hidden, init, scale) in enumerate(settings):
        norms = layer_stats(depth, hidden, init, scale)["grad_norm"]
        ax.semilogy(
            np.arange(1, depth + 1), norms, marker="o", ms=4, color=f"C{i}", label=_setting_label(hidden, init, scale)
        )
    ax.set_xlabel("layer l (1 = next to the input)")
    ax.set_ylabel(r"$\|\partial L / \partial W^l\|$")
    ax.set_xticks(range(1, depth + 1))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)


def _log_limits(values: np.ndarray) -> tuple[float, float]:
    v = values[np.isfinite(values) & (values > 0)]
    if v.size == 0:
        return 1e-3, 1e3
    lo, hi = np.floor(np.log10(v.min())) - 0.3, np.ceil(np.log10(v.max())) + 0.3
    if hi - lo < 2:
        lo, hi = lo - 1, hi + 1
    return 10.0**lo, 10.0**hi


def _decade_label(value: float, _pos=None) -> str:
    """'1e-05' for 10**-5, '1e+00' for 1: plain-text log tick labels, all about as wide, so the layout
    frozen after the first draw still fits them when the range changes."""
    return f"1e{int(round(np.log10(value))):+03d}"


def gradient_flow(max_depth: int = 20) -> WidgetPlot:
    """Depth, activation, initializer and weight scale → per-layer gradient norms (left) and what
    each hidden layer does to the signal: std of A^l and mean σ′(Z^l) (right)."""
    controls = {
        "depth": slider("depth L", 10, 2, max_depth, 1),
        "hidden": dropdown("activation", HIDDEN_ACTIVATIONS, "sigmoid"),
        "init": dropdown("init", INITS, "normal"),
        "scale": slider("scale (normal)", 0.2, -2, 1, 0.1, fmt=".2f", log=True),
    }
    layers_axis = np.arange(1, max_depth + 1)

    def setup(fig):
        from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

        ax_g, ax_f = fig.subplots(1, 2, width_ratios=[1.3, 1])
        (grad_line,) = ax_g.semilogy(layers_axis, np.ones(max_depth), "o-", ms=4, color="C3")
        ax_g.set_xlabel("layer l (1 = next to the input)")
        ax_g.set_ylabel(r"$\|\partial L / \partial W^l\|$ (log scale)")
        ax_g.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_g.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost redraw time and add little
        ax_g.yaxis.set_major_locator(LogLocator(numticks=7))
        ax_g.yaxis.set_major_formatter(FuncFormatter(_decade_label))  # plain text draws faster than mathtext
        ax_g.grid(True, which="major", alpha=0.3)
        (std_line,) = ax_f.semilogy(layers_axis, np.ones(max_depth), "s-", ms=4, color="C0", label="std of $A^l$")
        (sp_line,) = ax_f.semilogy(
            layers_axis, np.ones(max_depth), "^-", ms=4, color="C1", label=r"mean $\sigma'(Z^l)$"
        )
        ax_f.set_xlabel("hidden layer l")
        ax_f.set_ylabel("value (log scale)")
        ax_f.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_f.yaxis.set_minor_locator(NullLocator())
        ax_f.yaxis.set_major_locator(LogLocator(numticks=7))
        ax_f.yaxis.set_major_formatter(FuncFormatter(_decade_label))
        ax_f.grid(True, which="major", alpha=0.3)
        ax_f.legend(fontsize=8, loc="lower left")
        ax_f.set_title("forward signal and BP2's factor σ′", fontsize=10)
        # the x-axes span the deepest network at every depth: the curves grow to the right with depth
        ax_g.set_xlim(0.5, max_depth + 0.5)
        ax_f.set_xlim(0.5, max_depth - 0.5)
        title = ax_g.set_title("")
        # redraw only the curves, the title and the left y-axis, whose limits follow the data at almost
        # every change; the rest is pasted from a buffer (one per set of right-hand limits)
        live = [ax_g.yaxis, grad_line, std_line, sp_line, title]
        backdrop = Backdrop(fig, live, extra_static=[ax_f.title])
        return dict(ax_g=ax_g, ax_f=ax_f, grad=grad_line, std=std_line, sp=sp_line, title=title, backdrop=backdrop)

    def draw(a, depth, hidden, init, scale):
        s = layer_stats(depth, hidden, init, round(scale, 6))
        norms = s["grad_norm"]
        a["grad"].set_data(layers_axis[:depth], norms)
        a["ax_g"].set_ylim(*_log_limits(norms))
        a["std"].set_data(layers_axis[: depth - 1], s["act_std"])
        a["sp"].set_data(layers_axis[: depth - 1], s["mean_sigma_prime"])
        a["ax_f"].set_ylim(*_log_limits(np.concatenate([s["act_std"], s["mean_sigma_prime"]])))
        ratio = norms[0] / norms[-1]
        a["title"].set_text(
            f"{_setting_label(hidden, init, scale)}: layer 1 / layer {depth} = {ratio:.0e} ({verdict(norms)})"
        )
        a["title"].set_fontsize(10)
        a["backdrop"].update()
        return "the scale slider is used by init = normal only" if init != "normal" else None

    plot = WidgetPlot(
        controls, draw, "Gradient norms per layer: vanishing and exploding", figsize=(10, 3.8), setup=setup
    )

    def _toggle_scale(change):
        controls["scale"].disabled = change["new"] != "normal"

    controls["init"].observe(_toggle_scale, names="value")
    return plot


WIDGETS = {"gradient_flow": gradient_flow}
