r"""Chapter 03: finite differences against backprop, one weight at a time, and what each costs.

For one weight w the centered difference (L(w + ε) − L(w − ε)) / 2ε differs from the exact
∂L/∂w by a truncation error ≈ ε²·L‴/6, which shrinks as ε shrinks, and a round-off error
≈ ε_machine·|L| / ε, which grows: in float64 the error against ε is a V with its bottom
near ε ≈ 1e-5. The one-sided difference (L(w + ε) − L(w)) / ε has truncation ∝ ε, so its V
is shallower and bottoms out near ε ≈ 1e-8.

``fd_epsilon()`` is the widget; ``time_gradients`` and ``plot_cost`` measure and draw the
cost of backprop against finite differences as the number of parameters grows (claim C4);
``count_products`` and ``time_backprop_vs_forward`` count and measure what one gradient costs
in forward passes.
"""

from __future__ import annotations

import time
from functools import lru_cache, partial

import numpy as np

from .. import datasets, gradcheck
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..plots import BLUE, BLUISH_GREEN, GREY, ORANGE, VERMILLION
from ._speed import Backdrop, one_blas_thread
from .base import WidgetPlot, dropdown, log_slider, number

LOG_EPS = np.arange(-14.0, 0.01, 0.25)  # the ε grid of the precomputed curves: 1e-14 … 1
SCHEMES = ("centered", "forward")
SCHEME_LABELS = {"centered": N_("centered"), "forward": N_("forward")}  # the dropdown's labels, translated when shown
_FLOOR = 1e-17  # a relative error of exactly 0 is drawn here, so the log axis can show it


def example_problem():
    """The small network of the widget: a 2-3-1 tanh/sigmoid net on 8 noisy XOR points (13 parameters)."""
    net = MLP([2, 3, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", init="normal", scale=1.0, seed=3)
    X, y = datasets.xor(8, noise=0.2, seed=0)
    return net, X, y.reshape(1, -1).astype(float)


def weight_labels(net) -> list[str]:
    """'W1[0,0]', 'W1[0,1]', … 'b2[0,0]': one label per trainable number of ``net``."""
    return [f"{name}[{i},{j}]" for name, p in net.params.items() for i, j in np.ndindex(p.shape)]


def parse_label(label: str) -> tuple[str, tuple[int, int]]:
    """'W1[2,0]' → ('W1', (2, 0))."""
    name, rest = label.split("[")
    i, j = rest.rstrip("]").split(",")
    return name, (int(i), int(j))


def fd_estimate(net, X, Y, label: str, eps: float, scheme: str = "centered") -> float:
    r"""The finite-difference estimate of ∂L/∂w for the weight ``label`` with step ε.

    centered: (L(w + ε) − L(w − ε)) / 2ε;  forward: (L(w + ε) − L(w)) / ε. The weight is restored.
    """
    name, idx = parse_label(label)
    p = net.params[name]
    old = p[idx]
    try:
        p[idx] = old + eps
        up = net.loss(X, Y)
        p[idx] = old - eps if scheme == "centered" else old
        down = net.loss(X, Y)
    finally:
        p[idx] = old
    # divide by the step actually taken: w + ε is rounded, which is part of the round-off story
    return (up - down) / (2 * eps if scheme == "centered" else eps)


def scalar_rel_error(a: float, b: float) -> float:
    """|a − b| / (|a| + |b|), the relative error of two numbers (0 when both are 0)."""
    return gradcheck.rel_error(np.array([a]), np.array([b]))


class FDExplorer:
    """Backprop's gradient and cached error-vs-ε curves for every weight of one network."""

    def __init__(self, net=None, X=None, Y=None, precompute: bool = False):
        if net is None:
            net, X, Y = example_problem()
        self.net, self.X, self.Y = net, X, Y
        self.labels = weight_labels(net)
        self.grads = net.gradients(X, Y)
        self.L0 = net.loss(X, Y)
        self._curve = lru_cache(maxsize=None)(self._compute_curve)
        self._slice = lru_cache(maxsize=None)(self._compute_slice)
        if precompute:  # every weight and scheme now, so switching weights in the widget only redraws
            for label in self.labels:
                self.loss_slice(label)
                for scheme in SCHEMES:
                    self.curve(label, scheme)

    def backprop(self, label: str) -> float:
        """∂L/∂w from backprop for the weight ``label``."""
        name, idx = parse_label(label)
        return float(self.grads[name][idx])

    def _compute_curve(self, label: str, scheme: str) -> np.ndarray:
        g = self.backprop(label)
        errs = [scalar_rel_error(fd_estimate(self.net, self.X, self.Y, label, 10.0**k, scheme), g) for k in LOG_EPS]
        return np.maximum(np.array(errs), _FLOOR)

    def curve(self, label: str, scheme: str = "centered") -> np.ndarray:
        """Relative error |FD − backprop| / (|FD| + |backprop|) at every ε = 10**LOG_EPS (cached)."""
        return self._curve(label, scheme)

    def _compute_slice(self, label: str, half_width: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        name, idx = parse_label(label)
        p = self.net.params[name]
        old = p[idx]
        ws = old + np.linspace(-half_width, half_width, 121)
        Ls = []
        try:
            for w in ws:
                p[idx] = w
                Ls.append(self.net.loss(self.X, self.Y))
        finally:
            p[idx] = old
        return ws, np.array(Ls)

    def loss_slice(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """(w values, L values): the loss along one weight, the others fixed, over w ± 1 (cached)."""
        return self._slice(label)


def _sparse_log_ticks(axis, exponents) -> None:
    """Fixed decade ticks labelled '1e-8' in plain text: a log axis spanning 15 decades otherwise
    draws dozens of mathtext labels, which is most of a redraw's time."""
    from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

    axis.set_major_locator(FixedLocator([10.0**k for k in exponents]))
    axis.set_major_formatter(FixedFormatter([f"1e{k}" if k else "1" for k in exponents]))
    axis.set_minor_locator(NullLocator())


def explain(eps: float, err: float, errs: np.ndarray, scheme: str) -> str:
    """The status line: the error at ε and which of the two errors makes it.

    The two are estimated from the weight's measured curve as its guide lines are: truncation from the
    error at ε = 0.1, scaled by ε² (centered) or ε (forward); round-off from the error at ε = 1e-12, scaled by 1/ε.
    """
    p = 2 if scheme == "centered" else 1
    trunc = errs[np.searchsorted(LOG_EPS, -1.0)] * (eps / 1e-1) ** p
    round_off = errs[np.searchsorted(LOG_EPS, -12.0)] * (1e-12 / eps)
    k = int(np.argmin(errs))
    fields = dict(
        eps=number(eps),
        err=number(err, 2),
        bottom=number(errs[k], 2),
        bottom_eps=number(10.0 ** LOG_EPS[k]),
        order="ε²" if p == 2 else "ε",
    )
    if err <= _FLOOR:
        template = _(
            "ε = {eps}: relative error {err}. The estimate equals backprop's value to the last bit: round-off "
            "happened to cancel; the bottom of this weight's V is {bottom}, at ε = {bottom_eps}."
        )
    elif trunc > 10 * round_off:
        template = _(
            "ε = {eps}: relative error {err}. Truncation dominates: the secant through the two points is not the "
            "tangent, and its error shrinks like {order} as ε shrinks; the bottom of this weight's V is {bottom}, "
            "at ε = {bottom_eps}."
        )
    elif round_off > 10 * trunc:
        template = _(
            "ε = {eps}: relative error {err}. Round-off dominates: the two losses agree in almost all their digits, "
            "so their rounding (about 1e-16·|L|), divided by the step, swamps their difference and grows like 1/ε; "
            "the bottom of this weight's V is {bottom}, at ε = {bottom_eps}."
        )
    else:
        template = _(
            "ε = {eps}: relative error {err}. Near the bottom of the V, where truncation and round-off are about "
            "equal: the bottom of this weight's V is {bottom}, at ε = {bottom_eps}."
        )
    return template.format(**fields)


def fd_epsilon(explorer: FDExplorer | None = None) -> WidgetPlot:
    """Pick a weight and a step ε: the error of the finite difference against ε (log-log), and the
    secant the difference draws on the loss curve next to backprop's tangent."""
    ex = explorer or FDExplorer(precompute=True)
    controls = {
        "weight": dropdown(
            _("weight w"), ex.labels, ex.labels[0], tooltip=_("the weight or bias w whose ∂L/∂w is estimated")
        ),
        "eps": log_slider(
            _("step ε"), 1e-5, LOG_EPS, tooltip=_("step ε of the finite difference (log scale, 1e-14 … 1)")
        ),
        "scheme": dropdown(
            _("difference"),
            [(_(SCHEME_LABELS[s]), s) for s in SCHEMES],  # the values stay the English names draw reads
            SCHEMES[0],
            tooltip=_("centered: (L(w + ε) − L(w − ε)) / 2ε;  forward: (L(w + ε) − L(w)) / ε"),
        ),
    }
    eps_grid = 10.0**LOG_EPS

    def setup(fig):
        from matplotlib.ticker import MaxNLocator

        ax_err, ax_w = fig.subplots(1, 2, width_ratios=[1.25, 1])
        (curve,) = ax_err.loglog(eps_grid, np.ones_like(eps_grid), color=BLUE, label=figure_text("measured"))
        # the two guides differ in colour and side (truncation on the right, round-off on the left)
        (trunc,) = ax_err.loglog([], [], "--", color=BLUISH_GREEN, lw=1, label=figure_text("truncation ∝ ε²"))
        (round_,) = ax_err.loglog([], [], ":", color=ORANGE, lw=1.3, label=figure_text("round-off ∝ 1/ε"))
        vline = ax_err.axvline(1e-5, color="k", lw=0.8, alpha=0.6)
        (dot,) = ax_err.loglog([1e-5], [1.0], "o", color="k", ms=6)
        readout = ax_err.text(0.02, 0.03, "", transform=ax_err.transAxes, fontsize=8, va="bottom")
        ax_err.set_xlim(eps_grid[0], eps_grid[-1])
        ax_err.set_ylim(1e-17, 10)
        _sparse_log_ticks(ax_err.xaxis, [-14, -12, -10, -8, -6, -4, -2, 0])
        _sparse_log_ticks(ax_err.yaxis, [-16, -12, -8, -4, 0])
        ax_err.set_xlabel(figure_text("step ε"))
        ax_err.set_ylabel(figure_text("relative error of the estimate"))
        ax_err.grid(True, which="major", alpha=0.3)
        legend = ax_err.legend(loc="upper center", fontsize=8)
        (loss_line,) = ax_w.plot([], [], color=BLUE, label="L(w)")
        (tangent,) = ax_w.plot([], [], color=VERMILLION, lw=1.2, label=figure_text("tangent: slope = backprop ∂L/∂w"))
        (secant,) = ax_w.plot([], [], "--", color="k", lw=1, label=figure_text("secant of the finite difference"))
        (ends,) = ax_w.plot([], [], "o", color="k", ms=4)
        ax_w.xaxis.set_major_locator(MaxNLocator(5))  # few tick labels: text is most of a redraw's cost
        ax_w.yaxis.set_major_locator(MaxNLocator(5))
        ax_w.set_xlim(-1, 1)
        ax_w.set_xlabel(figure_text("change of w from its value $w_0$ (others fixed)"))
        ax_w.set_ylabel(figure_text("loss L"))
        ax_w.legend(loc="upper center", fontsize=8)
        ax_w.grid(True, alpha=0.3)
        # Blitting: the error panel's axes (fixed limits) and the loss panel's x-axis are pasted from a
        # buffer; the loss panel's y-axis follows the weight and is drawn each time
        live = [curve, trunc, round_, vline, dot, readout, ax_w.yaxis, loss_line, tangent, secant, ends]
        backdrop = Backdrop(fig, live)
        return dict(fig=fig,
            ax_err=ax_err, ax_w=ax_w, curve=curve, trunc=trunc, round_=round_, vline=vline, dot=dot,
            readout=readout, legend=legend, loss_line=loss_line, tangent=tangent, secant=secant, ends=ends,
            backdrop=backdrop,
        )  # fmt: skip

    def draw(a, weight, eps, scheme):
        errs = ex.curve(weight, scheme)
        a["curve"].set_ydata(errs)
        # guide lines parallel to the measured curve (30× above it, so both stay visible):
        # slope 2 (or 1) on the right, slope −1 on the left
        p = 2 if scheme == "centered" else 1
        right = LOG_EPS >= -3.0
        left = LOG_EPS <= -9.0
        anchor_r = 30 * errs[np.searchsorted(LOG_EPS, -1.0)]
        anchor_l = 30 * errs[np.searchsorted(LOG_EPS, -12.0)]
        a["trunc"].set_data(eps_grid[right], anchor_r * (eps_grid[right] / 1e-1) ** p)
        a["round_"].set_data(eps_grid[left], anchor_l * (1e-12 / eps_grid[left]))
        a["legend"].get_texts()[1].set_text(figure_text("truncation ∝ ε²") if p == 2 else figure_text("truncation ∝ ε"))
        g = ex.backprop(weight)
        fd = fd_estimate(ex.net, ex.X, ex.Y, weight, eps, scheme)
        err = max(scalar_rel_error(fd, g), _FLOOR)
        a["vline"].set_xdata([eps, eps])
        a["dot"].set_data([eps], [err])
        # 12 decimals on purpose: they show how many digits the two agree in
        numbers = figure_text("backprop: {g:+.12f}\nfinite difference: {fd:+.12f}\nrelative error: {err}")
        a["readout"].set_text(numbers.format(g=g, fd=fd, err=number(err, 2)))
        if scheme == "centered":
            heading = figure_text("centered difference for {weight}")
        else:
            heading = figure_text("forward difference for {weight}")
        a["ax_err"].set_title(heading.format(weight=weight), fontsize=10)
        ws, Ls = ex.loss_slice(weight)
        w0 = ws[len(ws) // 2]
        dw = ws - w0  # plotted against the offset, so the x-axis (and its ticks) never change
        a["loss_line"].set_data(dw, Ls)
        a["tangent"].set_data(dw, ex.L0 + g * dw)
        lo = w0 - eps if scheme == "centered" else w0
        a["secant"].set_data(dw, ex.L0 + fd * dw)
        name, idx = parse_label(weight)
        p_arr = ex.net.params[name]
        old = p_arr[idx]
        try:
            p_arr[idx] = lo
            L_lo = ex.net.loss(ex.X, ex.Y)
            p_arr[idx] = w0 + eps
            L_hi = ex.net.loss(ex.X, ex.Y)
        finally:
            p_arr[idx] = old
        a["ends"].set_data([lo - w0, eps], [L_lo, L_hi])
        span = Ls.max() - Ls.min()
        a["ax_w"].set_ylim(Ls.min() - 0.15 * span, Ls.max() + 0.35 * span)
        a["ax_w"].set_title(
            figure_text("L along {weight} around $w_0$ = {w0:+.3f}").format(weight=weight, w0=w0), fontsize=10
        )
        a["backdrop"].update()
        return explain(eps, err, errs, scheme)

    return WidgetPlot(controls, draw, _("Finite differences vs backprop as ε shrinks"), figsize=(9.5, 3.8), setup=setup)


# ---- the cost of a gradient: backprop against finite differences (claim C4) ------------------


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _repeat in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _warm_median_seconds(fn, repeats: int) -> float:
    """Median seconds of ``fn()`` after one untimed warm-up call.

    Each function is timed in its own block of calls: timing two functions alternately made the
    cheaper one look slower (measured: a forward pass right after a gradient took up to 1.5× as
    long, as it finds the memory the gradient freed given back to the system and the caches cold).
    """
    fn()
    return _median_seconds(fn, repeats)


def _problem(sizes, m: int, seed: int = 0):
    """A tanh/softmax MLP with these widths and m random examples with random one-hot labels."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((sizes[0], m))
    Y = datasets.one_hot(rng.integers(0, sizes[-1], m), sizes[-1])
    return MLP(list(sizes), hidden="tanh", output="softmax", seed=seed), X, Y


def time_gradients(widths=(4, 8, 16, 32, 64), n_in: int = 16, n_out: int = 10, m: int = 32, repeats: int = 3):
    """Median seconds for one full gradient by backprop and by centered differences, per network size.

    Networks are [n_in, h, h, n_out] (tanh, softmax) for h in ``widths`` on m random examples,
    timed with one BLAS thread: backprop and the forward pass 25 times each, finite differences
    ``repeats`` times. Returns a dict of arrays: 'n_params', 'backprop', 'finite_diff',
    'forward' (one loss evaluation).
    """
    out = {"n_params": [], "backprop": [], "finite_diff": [], "forward": []}
    with one_blas_thread():
        for h in widths:
            net, X, Y = _problem([n_in, h, h, n_out], m)

            def fd_all(net=net, X=X, Y=Y):
                for p in net.params.values():
                    gradcheck.numerical_gradient(lambda _, net=net: net.loss(X, Y), p)

            # backprop and one forward pass take well under a millisecond here: many cheap repeats
            t_fw = _warm_median_seconds(partial(net.loss, X, Y), 25)
            t_bp = _warm_median_seconds(partial(net.gradients, X, Y), 25)
            out["n_params"].append(net.n_params)
            out["backprop"].append(t_bp)
            out["forward"].append(t_fw)
            out["finite_diff"].append(_median_seconds(fd_all, repeats))
    return {k: np.array(v) for k, v in out.items()}


def count_products(sizes, m: int) -> tuple[int, int]:
    r"""Multiply-adds in the matrix products of one forward and one backward pass of an MLP.

    Layer l's product W^l A^{l-1} is n_l × n_{l-1} × m multiply-adds. The forward pass does it
    once per layer. The backward pass does two products of that size per layer: dW^l = dZ^l (A^{l-1})ᵀ
    (BP4) and (W^l)ᵀ dZ^l (BP2, handed down to layer l − 1), except that layer 1 skips the second
    (no parameter needs ∂L/∂X). Element-wise work (activations, σ′, the loss) is not counted.
    Returns (forward, backward).
    """
    per_layer = [int(n_out) * int(n_in) * int(m) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    return sum(per_layer), sum(per_layer) + sum(per_layer[1:])


def time_backprop_vs_forward(widths=(256, 512, 1024), n_in: int = 16, n_out: int = 10, m: int = 256, repeats: int = 5):
    """Median seconds of one forward pass (the loss) and of one gradient (forward + backward), per width.

    Networks are [n_in, h, h, n_out] (tanh, softmax) on m random examples, timed with one BLAS
    thread, ``repeats`` times each after a warm-up call (``_warm_median_seconds``). Returns a dict of arrays: 'width',
    'forward', 'backprop' (seconds), 'measured' (backprop / forward) and 'counted' (the same
    ratio in multiply-adds, ``count_products``).
    """
    out = {"width": [], "forward": [], "backprop": [], "measured": [], "counted": []}
    with one_blas_thread():
        for h in widths:
            sizes = [n_in, h, h, n_out]
            net, X, Y = _problem(sizes, m)
            t_fw = _warm_median_seconds(partial(net.loss, X, Y), repeats)
            t_bp = _warm_median_seconds(partial(net.loss_and_gradients, X, Y), repeats)
            forward, backward = count_products(sizes, m)
            out["width"].append(h)
            out["forward"].append(t_fw)
            out["backprop"].append(t_bp)
            out["measured"].append(t_bp / t_fw)
            out["counted"].append((forward + backward) / forward)
    return {k: np.array(v) for k, v in out.items()}


def plot_cost(ax, timings: dict) -> None:
    """Seconds per gradient against the number of parameters, log-log, for both methods."""
    n = timings["n_params"]
    ax.loglog(
        n,
        timings["finite_diff"],
        "o-",
        color=VERMILLION,
        label=figure_text("finite differences (2 losses per parameter)"),
    )
    ax.loglog(n, timings["backprop"], "s-", color=BLUE, label=figure_text("backprop (1 forward + 1 backward)"))
    ax.loglog(n, timings["forward"], ":", color=GREY, label=figure_text("one forward pass + loss"))
    ax.set_xlabel(figure_text("number of parameters"))
    ax.set_ylabel(figure_text("seconds per full gradient (median)"))
    ax.set_title(figure_text("The cost of one gradient"))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


WIDGETS = {"fd_epsilon": fd_epsilon}
