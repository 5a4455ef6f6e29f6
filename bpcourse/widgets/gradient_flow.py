r"""Chapter 04: vanishing and exploding gradients, measured layer by layer (claim C5).

Backprop multiplies δ by (W^{l+1})ᵀ and by σ′(z^l) once per layer (BP2). If those factors
are below 1 on average the gradient shrinks geometrically toward the input (vanishing: a
sigmoid's σ′ is at most 0.25); if they are above 1 it grows (exploding: large weights).
``layer_stats`` measures ‖∂L/∂W^l‖ for every layer of a freshly initialized network on a batch
of digits; ``gradient_flow()`` is the widget and ``plot_layer_norms`` the static figure.

The forward pass has its own version of the same product: how much a unit's pre-activation differs
from one example to the next (its spread across the batch, ``unit_spread``) is multiplied by about
the same factors, s√n·σ′, per layer. In a deep sigmoid network it collapses, so that the last layers
see almost the same input for every example; that spread is what batch normalization divides by
(chapter 05).

``clipping_runs`` is the gradient-clipping experiment: many small regression networks trained at
once, with and without rescaling the gradient to a maximum global norm.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import activations, datasets, initializers, losses
from ..activations import HIDDEN_ACTIVATIONS
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..train import layer_grad_norms
from ._speed import Backdrop, blas_single_thread
from .base import CONTROL_WIDTH, LABEL_WIDTH, W, WidgetPlot, dropdown, number, slider

WIDTH = 32  # hidden units per layer
M = 256  # digits in the measuring batch
INITS = ("normal", "xavier", "he")
SCALE_EXPONENTS = np.round(np.arange(-2.0, 1.01, 0.1), 2)  # the scale slider: s = 10^-2 … 10


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
    of all entries of A^l for each hidden layer; 'unit_spread' (L−1,): each unit's standard deviation
    of Z^l across the 256 examples, averaged over the units (how differently a layer responds to
    different inputs); 'mean_sigma_prime' (L−1,): the mean of σ′(Z^l), the factor BP2 multiplies δ
    by at layer l.
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
        "unit_spread": np.array([c.Z.std(axis=1).mean() for c in hidden_caches]),
        "mean_sigma_prime": np.array([sigma_prime(c.Z).mean() for c in hidden_caches]),
    }


def verdict(norms: np.ndarray) -> str:
    """'vanishing' (ratio ‖∂L/∂W^1‖ / ‖∂L/∂W^L‖ below 0.1), 'exploding' (above 10, or any norm above 1000)
    or 'steady' (English code words in every language; shown translated)."""
    ratio = norms[0] / norms[-1]
    if ratio < 1e-1:
        return N_("vanishing")
    if ratio > 1e1 or norms.max() > 1e3:
        return N_("exploding")
    return N_("steady")


def _setting_label(hidden: str, init: str, scale: float) -> str:
    return f"{hidden}, normal(0, {number(scale)}²)" if init == "normal" else f"{hidden}, {init}"


def plot_layer_norms(ax, settings, depth: int = 10) -> None:
    """One line of ‖∂L/∂W^l‖ against l per (hidden, init, scale) in ``settings``, log scale."""
    for i, (hidden, init, scale) in enumerate(settings):
        norms = layer_stats(depth, hidden, init, scale)["grad_norm"]
        ax.semilogy(
            np.arange(1, depth + 1),
            norms,
            marker="osD^v"[i % 5],  # a second cue besides the colour
            ms=4,
            color=f"C{i}",
            label=_setting_label(hidden, init, scale),
        )
    ax.set_xlabel(figure_text("layer l (1 = next to the input)"))
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


def _scale_slider(value: float) -> W.SelectionSlider:
    """The weight scale s at 10^e for e in ``SCALE_EXPONENTS``, each rounded to what ``number`` writes
    (0.2, not 0.1995): the readout, the title and the value are the same number."""
    values = [float(number(10.0**e)) for e in SCALE_EXPONENTS]
    return W.SelectionSlider(
        options=[(number(v), v) for v in values],
        value=min(values, key=lambda v: abs(np.log10(v / value))),
        continuous_update=False,
        description=_("scale s"),
        description_allow_html=False,
        tooltip=_("init = normal: initial weights drawn from N(0, s²)"),
        style={"description_width": LABEL_WIDTH},
        layout=W.Layout(width=CONTROL_WIDTH),
    )


def _explain(depth: int, init: str, norms: np.ndarray, s: dict) -> str:
    """The status line: what the left panel shows, per layer, and why (BP2's factors)."""
    ratio = norms[0] / norms[-1]
    per_layer = ratio ** (1 / (depth - 1)) if np.isfinite(ratio) and ratio > 0 else float("nan")
    sp = s["mean_sigma_prime"]
    values = dict(verdict=_(verdict(norms)), ratio=number(ratio, 2), per_layer=number(per_layer, 2))
    if sp.size:
        text = _(
            "{verdict}: ‖∂L/∂W¹‖ is {ratio} times ‖∂L/∂Wᴸ‖, about ×{per_layer} per layer going back. BP2 "
            "multiplies δ by (Wˡ⁺¹)ᵀ and by σ′(Zˡ) at every layer; here the mean σ′ is {low} to {high}."
        ).format(**values, low=number(sp.min(), 2), high=number(sp.max(), 2))
    else:
        text = _(
            "{verdict}: ‖∂L/∂W¹‖ is {ratio} times ‖∂L/∂Wᴸ‖, about ×{per_layer} per layer going back. BP2 "
            "multiplies δ by (Wˡ⁺¹)ᵀ and by σ′(Zˡ) at every layer."
        ).format(**values)
    if init != "normal":
        text = _("{text} (The scale slider is used by init = normal only.)").format(text=text)
    return text


def gradient_flow(max_depth: int = 20) -> WidgetPlot:
    """Depth, activation, initializer and weight scale → per-layer gradient norms (left) and what
    each hidden layer does to the signal: the per-unit spread of Z^l across the batch and mean σ′(Z^l) (right)."""
    controls = {
        "depth": slider(_("depth L"), 10, 2, max_depth, 1, tooltip=_("number of weight layers L")),
        "hidden": dropdown(_("activation"), HIDDEN_ACTIVATIONS, "sigmoid", tooltip=_("hidden activation σ")),
        "init": dropdown(_("init"), INITS, "normal", tooltip=_("how the initial weights are drawn")),
        "scale": _scale_slider(0.2),
    }
    layers_axis = np.arange(1, max_depth + 1)

    def setup(fig):
        from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

        ax_g, ax_f = fig.subplots(1, 2, width_ratios=[1.3, 1])
        (grad_line,) = ax_g.semilogy(layers_axis, np.ones(max_depth), "o-", ms=4, color="C3")
        ax_g.set_xlabel(figure_text("layer l (1 = next to the input)"))
        ax_g.set_ylabel(figure_text(r"$\|\partial L / \partial W^l\|$ (log scale)"))
        ax_g.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_g.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost redraw time and add little
        ax_g.yaxis.set_major_locator(LogLocator(numticks=7))
        ax_g.yaxis.set_major_formatter(FuncFormatter(_decade_label))  # plain text draws faster than mathtext
        ax_g.grid(True, which="major", alpha=0.3)
        spread_label = figure_text("per-unit spread of $Z^l$ over the batch")
        (std_line,) = ax_f.semilogy(layers_axis, np.ones(max_depth), "s-", ms=4, color="C0", label=spread_label)
        sp_label = figure_text(r"mean $\sigma'(Z^l)$")
        (sp_line,) = ax_f.semilogy(layers_axis, np.ones(max_depth), "^-", ms=4, color="C1", label=sp_label)
        ax_f.set_xlabel(figure_text("hidden layer l"))
        ax_f.set_ylabel(figure_text("value (log scale)"))
        ax_f.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_f.yaxis.set_minor_locator(NullLocator())
        ax_f.yaxis.set_major_locator(LogLocator(numticks=7))
        ax_f.yaxis.set_major_formatter(FuncFormatter(_decade_label))
        ax_f.grid(True, which="major", alpha=0.3)
        ax_f.legend(fontsize=8, loc="lower left")
        ax_f.set_title(figure_text("per-unit spread and BP2's factor σ′"), fontsize=10)
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
        a["std"].set_data(layers_axis[: depth - 1], s["unit_spread"])
        a["sp"].set_data(layers_axis[: depth - 1], s["mean_sigma_prime"])
        a["ax_f"].set_ylim(*_log_limits(np.concatenate([s["unit_spread"], s["mean_sigma_prime"]])))
        ratio = norms[0] / norms[-1]
        a["title"].set_text(
            figure_text("{setting}: layer 1 / layer {depth} = {ratio} ({verdict})").format(
                setting=_setting_label(hidden, init, scale),
                depth=depth,
                ratio=number(ratio, 2),
                verdict=figure_text(verdict(norms)),
            )
        )
        a["title"].set_fontsize(10)
        a["backdrop"].update()
        return _explain(depth, init, norms, s)

    plot = WidgetPlot(
        controls, draw, _("Gradient norms per layer: vanishing and exploding"), figsize=(10, 3.8), setup=setup
    )

    def _toggle_scale(change):
        controls["scale"].disabled = change["new"] != "normal"

    controls["init"].observe(_toggle_scale, names="value")
    return plot


# ---- gradient clipping ---------------------------------------------------------------------------

CLIP_SIZES = (1, 16, 16, 16, 1)  # tanh hidden layers, identity output, MSE: a small regression network
CLIP_DATA_SEED = 0  # bp.datasets.sine(seed=0): 100 points of sin(x) + noise on [−π, π]


@blas_single_thread
def clipping_runs(lrs, seeds, clip: float | None, steps: int = 100, sizes=CLIP_SIZES) -> dict[str, np.ndarray]:
    r"""Full-batch gradient descent on the sine data for every (α, seed) pair at once, optionally clipped.

    The network is ``bp.MLP(CLIP_SIZES, hidden="tanh", output="identity", loss="mse", init="xavier",
    seed=seed)``, with exactly the weights that call draws; each step is the one ``bp.train(net, X, Y,
    bp.optim.SGD(lr), epochs=steps, batch_size=None, clip=clip)`` takes (BP1–BP4, then, when ``clip``
    is set and ‖g‖ > clip, every gradient multiplied by clip/‖g‖ as ``bp.optim.clip_grad_norm`` does),
    with a leading axis of runs (the tests check it against ``bp.train``).

    A run *diverges*, as in ``bp.train``, when its loss is NaN or inf or exceeds 10⁶ × max(1, its
    first loss); it is then frozen. Returns, for the runs in the order (lr, seed) of ``lrs`` × ``seeds``:
    'loss' (R, steps + 1): the loss before each step and after the last (NaN from the divergence on);
    'grad_norm' (R, steps): the global norm ‖g‖ before clipping (NaN once diverged); 'diverged_at' (R,):
    the 1-based step whose loss ran away, or 0; 'lr', 'seed' (R,).
    """
    from ..train import DIVERGENCE_FACTOR

    X, Y = datasets.sine(seed=CLIP_DATA_SEED)
    m, XT = X.shape[1], np.ascontiguousarray(X.T)
    pairs = [(float(lr), int(seed)) for lr in lrs for seed in seeds]
    R, L = len(pairs), len(sizes) - 1
    Ws, bs = [], []
    for l in range(1, L + 1):
        Ws.append(np.empty((R, sizes[l], sizes[l - 1])))
        bs.append(np.zeros((R, sizes[l], 1)))
    for r, (_lr, seed) in enumerate(pairs):
        rng = np.random.default_rng(seed)  # bp.MLP draws W¹, …, Wᴸ in turn from one generator
        for l in range(1, L + 1):
            Ws[l - 1][r] = initializers.xavier(sizes[l], sizes[l - 1], rng)
    lr = np.array([p[0] for p in pairs])[:, None, None]
    loss = np.full((R, steps + 1), np.nan)
    gnorm = np.full((R, steps), np.nan)
    diverged_at = np.zeros(R, dtype=int)
    alive = np.ones(R, dtype=bool)
    limit = None
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            A, As = X, [X]
            for l in range(L):  # forward
                Z = Ws[l] @ A + bs[l]
                A = np.tanh(Z) if l < L - 1 else Z
                As.append(A)
            D = As[-1] - Y
            Lk = 0.5 * np.sum(D * D, axis=(1, 2)) / m  # MSE with the ½
            if limit is None:
                limit = DIVERGENCE_FACTOR * np.maximum(1.0, Lk)
            bad = alive & (~np.isfinite(Lk) | (Lk > limit))
            diverged_at[bad] = k + 1
            alive &= ~bad
            loss[alive, k] = Lk[alive]
            if k == steps or not alive.any():
                break
            dZ = D / m  # BP1 for identity + MSE
            grads = []
            # (contiguous copies of the transposes: NumPy's batched matmul is many times slower on strided views)
            for l in range(L - 1, -1, -1):
                A_prevT = np.ascontiguousarray(As[l].transpose(0, 2, 1)) if l else XT
                grads.append((dZ @ A_prevT, dZ.sum(axis=2, keepdims=True)))  # BP4, BP3
                if l:
                    WT = np.ascontiguousarray(Ws[l].transpose(0, 2, 1))
                    dZ = (WT @ dZ) * (1.0 - As[l] ** 2)  # BP2 with tanh′ = 1 − tanh²
            grads.reverse()
            norm = np.sqrt(sum(np.sum(g * g, axis=(1, 2)) for pair in grads for g in pair))
            gnorm[alive, k] = norm[alive]
            factor = np.ones(R) if clip is None else np.where(norm > clip, clip / norm, 1.0)
            step = (lr * factor[:, None, None])[alive]
            for l, (dW, db) in enumerate(grads):  # a diverged run keeps its parameters
                Ws[l][alive] -= step * dW[alive]
                bs[l][alive] -= step * db[alive]
    return {
        "loss": loss,
        "grad_norm": gnorm,
        "diverged_at": diverged_at,
        "lr": np.array([p[0] for p in pairs]),
        "seed": np.array([p[1] for p in pairs]),
    }


WIDGETS = {"gradient_flow": gradient_flow}
