r"""Chapter 5: optimizers racing on 2-D test functions, and on a digits network.

The 2-D runs use the library's own optimizer classes on a parameter dict
``{"theta": array([x1, x2])}``, exactly as they update a network's ``params``:
only the function that supplies the gradient changes.

Test functions (f* is the minimum value; f − f* is what the loss plots show):

- quadratic:  f = 0.1 x₁² + 2 x₂²                 (condition number 20, minimum 0 at (0, 0))
- rosenbrock: f = (1 − x₁)² + 100 (x₂ − x₁²)²      (a curved, flat-bottomed valley, minimum 0 at (1, 1))
- saddle:     f = x₁² − x₂² + x₂⁴/4                (a saddle at (0, 0), minima −1 at (0, ±√2))

Fair comparisons: ``tune`` gives every optimizer its own best α (Momentum also β) on one grid, scored
over several starts on the same budget, with ``run_batch`` running all those runs at once (the textbook
update functions of ``bp.optim`` on arrays with one row per run); the widget starts from those settings.
``kappa_table`` measures heavy ball against gradient descent as the condition number grows (the √κ law).
``digits_runs`` trains many digits networks (settings × seeds) at once, exactly as ``bp.train`` would one
by one; ``DIGITS_GRID`` stores the tuning grids it produced, which the tests recompute.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import optim
from ..i18n import N_, _, figure_text
from ..plots import BLUE, BLUISH_GREEN, ORANGE, REDDISH_PURPLE, VERMILLION
from . import base
from ._speed import Backdrop, blas_single_thread

OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
# shown through _() in controls and status lines, figure_text() in figures
LABELS = {
    "sgd": N_("SGD"),
    "momentum": N_("Momentum"),
    "adagrad": N_("AdaGrad"),
    "rmsprop": N_("RMSProp"),
    "adam": N_("Adam"),
}
COLORS = {"sgd": BLUE, "momentum": VERMILLION, "adagrad": BLUISH_GREEN, "rmsprop": REDDISH_PURPLE, "adam": ORANGE}
# a second cue besides the colour (the legend shows both): the marker on the paths, the line style of the losses
MARKERS = {"sgd": "o", "momentum": "s", "adagrad": "^", "rmsprop": "v", "adam": "D"}
LINESTYLES = {"sgd": "-", "momentum": "--", "adagrad": "-.", "rmsprop": ":", "adam": (0, (5, 1, 1, 1, 1, 1))}
ESCAPE = 1e6  # a run whose |θ| passes this is reported as diverged


class TestFunction(NamedTuple):
    label: str  # the figure title (marked N_, drawn through figure_text)
    f: object  # f(x1, x2) → value; works element-wise on grids
    grad: object  # grad(x1, x2) → (∂f/∂x1, ∂f/∂x2)
    f_star: float
    minima: tuple  # ((x1, x2), ...)
    start: tuple
    xlim: tuple
    ylim: tuple
    tuned: dict  # {optimizer: (α, β)}, each its own best on the grid of ``tune`` (β: Momentum's, else None)
    steps: int  # the widget's number of steps for this function


R, R3, A = 10**-0.5, 10**-2.5, 10**0.5  # 0.32, 0.0032, 3.2: points of the tuning grid TUNE_LRS
FUNCTIONS = {
    "quadratic": TestFunction(
        N_(r"quadratic $0.1x_1^2 + 2x_2^2$"),
        lambda x1, x2: 0.1 * x1**2 + 2.0 * x2**2,
        lambda x1, x2: (0.2 * x1, 4.0 * x2),
        0.0,
        ((0.0, 0.0),),
        (-4.0, 1.0),
        (-5.0, 5.0),
        (-2.0, 2.0),
        dict(sgd=(R, None), momentum=(R, 0.5), adagrad=(A, None), rmsprop=(0.01, None), adam=(R, None)),
        200,
    ),
    "rosenbrock": TestFunction(
        N_(r"Rosenbrock $(1-x_1)^2 + 100(x_2 - x_1^2)^2$"),
        lambda x1, x2: (1.0 - x1) ** 2 + 100.0 * (x2 - x1**2) ** 2,
        lambda x1, x2: (-2.0 * (1.0 - x1) - 400.0 * x1 * (x2 - x1**2), 200.0 * (x2 - x1**2)),
        0.0,
        ((1.0, 1.0),),
        (-1.2, 1.0),
        (-2.0, 2.0),
        (-1.0, 3.0),
        dict(sgd=(1e-3, None), momentum=(1e-3, 0.95), adagrad=(1.0, None), rmsprop=(R3, None), adam=(0.1, None)),
        1000,
    ),
    "saddle": TestFunction(
        N_(r"saddle $x_1^2 - x_2^2 + x_2^4/4$"),
        lambda x1, x2: x1**2 - x2**2 + 0.25 * x2**4,
        lambda x1, x2: (2.0 * x1, -2.0 * x2 + x2**3),
        -1.0,
        ((0.0, np.sqrt(2.0)), (0.0, -np.sqrt(2.0))),
        (-1.5, 1e-3),
        (-2.0, 2.0),
        (-2.0, 2.0),
        dict(sgd=(R, None), momentum=(R, 0.5), adagrad=(1.0, None), rmsprop=(R3, None), adam=(R, None)),
        200,
    ),
}
# the function dropdown's labels (its values are the keys of FUNCTIONS)
FUNCTION_NAMES = {"quadratic": N_("quadratic"), "rosenbrock": N_("rosenbrock"), "saddle": N_("saddle")}


# ---- tuning on the test functions -----------------------------------------------------------------------------
# Each optimizer is compared at its own best setting: α from TUNE_LRS (and Momentum's β from MOMENTUM_BETAS),
# chosen by the mean number of steps until f − f* stays below TOL, over N_STARTS starts, on the same
# budget (TUNE_STEPS) for all.
TUNE_LRS = tuple(float(10.0**e) for e in np.arange(-4.0, 0.51, 0.5))  # 1e-4, 3.2e-4, …, 1, 3.2
MOMENTUM_BETAS = (0.5, 0.8, 0.9, 0.95, 0.99)
TUNE_STEPS = {"quadratic": 1000, "rosenbrock": 2000, "saddle": 1000}  # the same budget for every optimizer
TOL = 1e-6
N_STARTS = 8


def starts(function: str, n: int = N_STARTS, seed: int = 0) -> np.ndarray:
    """``n`` starts (n, 2): the function's own start first, then seeded perturbations of it.

    quadratic: ± N(0, 1) along x₁ and N(0, 0.5²) across; Rosenbrock: N(0, 0.2²) both ways; saddle:
    x₁ ± N(0, 0.2²), and x₂ still on the ridge, 1e-4 … 1e-2 away from it on either side.
    """
    fn = FUNCTIONS[function]
    rng = np.random.default_rng(seed)
    x = np.tile(np.array(fn.start, dtype=float), (n, 1))
    k = n - 1
    if function == "saddle":
        x[1:, 0] += rng.normal(0.0, 0.2, k)
        x[1:, 1] = 1e-3 * 10 ** rng.uniform(-1.0, 1.0, k) * rng.choice([-1.0, 1.0], k)
    elif function == "quadratic":
        x[1:] += rng.normal(0.0, 1.0, (k, 2)) * [1.0, 0.5]
    else:
        x[1:] += rng.normal(0.0, 0.2, (k, 2))
    return x


def _update_rule(name: str):
    """(θ, g, state, t, lr, beta) → (θ, state) for K runs at once, from the textbook forms in ``bp.optim``."""
    if name == "sgd":
        return lambda th, g, st, t, lr, beta: (th - lr * g, st)
    if name == "momentum":
        return lambda th, g, st, t, lr, beta: (lambda r: (r[0], r[1:]))(optim.momentum_update(th, g, *st, lr, beta))
    if name == "adagrad":
        return lambda th, g, st, t, lr, beta: (lambda r: (r[0], r[1:]))(optim.adagrad_update(th, g, *st, lr))
    if name == "rmsprop":
        return lambda th, g, st, t, lr, beta: (lambda r: (r[0], r[1:]))(optim.rmsprop_update(th, g, *st, lr))
    if name == "adam":
        return lambda th, g, st, t, lr, beta: (lambda r: (r[0], r[1:]))(optim.adam_update(th, g, *st, t, lr, beta))
    raise ValueError(f"unknown optimizer {name!r}")


STATE_SLOTS = {"sgd": 0, "momentum": 1, "adagrad": 1, "rmsprop": 1, "adam": 2}


def cosine(k: int, n: int) -> float:
    """Cosine learning-rate decay (Loshchilov & Hutter 2017): the factor ½(1 + cos(πk/n)) on α at step k of n,
    from 1 at the first step down towards 0 at the last. (``math.cos``: the same last bit on every machine.)"""
    return 0.5 * (1.0 + math.cos(math.pi * k / n))


def run_batch(function: str, runs: list, steps: int, schedule=None) -> tuple[np.ndarray, np.ndarray]:
    r"""Many runs on one test function at once: ``runs`` is a list of (name, lr, beta, x0).

    The same updates as ``run_2d`` with ``make_optimizer(name, lr, beta)`` (Momentum's β, Adam's β₁),
    written with the textbook functions of ``bp.optim`` on arrays with one row per run. ``schedule``:
    None (constant α) or f(k, n), the factor on α at step k = 0 … n − 1 (e.g. ``cosine``). Returns
    paths (K, steps + 1, 2) and gaps (K, steps + 1), both NaN from the step at which a run left |θ| < 1e6.
    """
    fn = FUNCTIONS[function]
    theta = np.array([x0 for *_, x0 in runs], dtype=float)
    groups = {}  # optimizer name → the rows of its runs (kept in one block each, so slices are views)
    for i, (name, *_settings) in enumerate(runs):
        groups.setdefault(name, []).append(i)
    order = [i for rows in groups.values() for i in rows]
    theta = theta[order]
    blocks, lo = [], 0
    for name, rows in groups.items():
        sl = slice(lo, lo + len(rows))
        lr = np.array([[runs[i][1]] for i in rows], dtype=float)
        beta = np.array([[runs[i][2]] for i in rows], dtype=float)
        state = tuple(np.zeros((len(rows), 2)) for _ in range(STATE_SLOTS[name]))
        blocks.append([sl, _update_rule(name), state, lr, beta])
        lo += len(rows)
    path = np.empty((steps + 1, len(runs), 2))
    path[0] = theta
    with np.errstate(all="ignore"):  # an escaping run overflows; it is cut at the escape below
        for t in range(1, steps + 1):
            g = np.stack(fn.grad(theta[:, 0], theta[:, 1]), axis=1)
            new = np.empty_like(theta)
            factor = 1.0 if schedule is None else schedule(t - 1, steps)
            for block in blocks:
                sl, rule, state, lr, beta = block
                new[sl], block[2] = rule(theta[sl], g[sl], state, t, lr * factor, beta)
            theta = path[t] = new
        out = ~(np.abs(path) < ESCAPE).all(axis=2)  # (steps + 1, K): outside |θ| < 1e6, or NaN
        gone = np.cumsum(out, axis=0) > 0
        path[gone] = np.nan
        paths = np.empty_like(path)
        paths[:, order] = path  # back to the order of ``runs``
        paths = paths.transpose(1, 0, 2)
        gaps = fn.f(paths[..., 0], paths[..., 1]) - fn.f_star
    return paths, gaps


def settle_steps(gap: np.ndarray, tol: float) -> np.ndarray:
    """Along the last axis: the first step t from which f − f* < tol at every later step of the budget
    (a run that dips below tol and bounces back has not settled), −1 if it is not below tol at the end."""
    ok = gap < tol
    tail = np.cumprod(ok[..., ::-1], axis=-1).sum(axis=-1)  # length of the final stretch below tol
    return np.where(tail > 0, gap.shape[-1] - tail, -1)


class Grid(NamedTuple):
    """One optimizer's runs over a grid on one function: axes (α, β, start)."""

    lrs: tuple
    betas: tuple  # (None,) for the optimizers without a tuned β
    steps: np.ndarray  # (a, b, n) the step from which f − f* < TOL for good (settle_steps), −1 if never
    final: np.ndarray  # (a, b, n) f − f* after the budget, NaN if the run diverged
    score: np.ndarray  # (a, b) mean steps over the starts (a miss counts as the budget), inf if any diverged
    best: tuple  # (α, β) of the lowest score; ties: the lower mean log10 of the final gap


def tune(
    function: str,
    names=OPTIMIZER_NAMES,
    steps: int | None = None,
    tol: float = TOL,
    n_starts: int = N_STARTS,
    schedule=None,
) -> dict[str, Grid]:
    """Each optimizer of ``names`` over its grid on ``function``, from ``starts(function, n_starts)``, for
    ``steps`` steps (default ``TUNE_STEPS[function]``), α constant or decayed by ``schedule``: {name: Grid}."""
    steps = TUNE_STEPS[function] if steps is None else steps
    x0 = starts(function, n_starts)
    layout, runs = {}, []
    for name in names:
        betas = MOMENTUM_BETAS if name == "momentum" else (None,)
        layout[name] = (len(runs), betas)
        for lr in TUNE_LRS:
            for beta in betas:
                for x in x0:
                    runs.append((name, lr, 0.9 if beta is None else beta, x))
    _, gaps = run_batch(function, runs, steps, schedule)
    grids = {}
    for name, (lo, betas) in layout.items():
        shape = (len(TUNE_LRS), len(betas), n_starts)
        g = gaps[lo : lo + int(np.prod(shape))].reshape(*shape, steps + 1)
        n = settle_steps(g, tol)
        final = g[..., -1]
        diverged = np.isnan(final).any(axis=-1)
        score = np.where(diverged, np.inf, np.where(n < 0, steps, n).mean(axis=-1))
        with np.errstate(divide="ignore"):
            tie = np.where(diverged, np.inf, np.log10(np.maximum(final, 1e-300)).mean(axis=-1))
        i, j = min(np.ndindex(score.shape), key=lambda ij: (score[ij], tie[ij]))
        grids[name] = Grid(TUNE_LRS, betas, n, final, score, (TUNE_LRS[i], betas[j]))
    return grids


def make_optimizer(name: str, lr: float, beta: float = 0.9) -> optim.Optimizer:
    """The library optimizer ``name`` with step size ``lr``; ``beta`` is Momentum's β and Adam's β₁."""
    if name == "momentum":
        return optim.Momentum(lr=lr, beta=beta)
    if name == "adam":
        return optim.Adam(lr=lr, beta1=beta)
    return optim.make(name, lr=lr)


class Race:
    """One optimizer running on a test function, extended on demand: the first n steps of a longer
    run are exactly the run of n steps, so a run is never recomputed when the step count grows."""

    def __init__(self, function: str, opt: optim.Optimizer, start=None):
        self.fn = FUNCTIONS[function]
        self.opt = opt
        self.params = {"theta": np.array(self.fn.start if start is None else start, dtype=float)}
        self.path = [self.params["theta"].copy()]  # θ_0, θ_1, …
        self.escaped = None  # the step at which θ left |θ| < 1e6

    def result(self, steps: int) -> tuple[np.ndarray, np.ndarray, int | None]:
        """(path, gap, escaped) of the first ``steps`` steps, as ``run_2d`` returns them."""
        fn, theta = self.fn, self.params["theta"]
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may overflow before it is stopped
            for t in range(len(self.path), steps + 1):
                if self.escaped is not None:
                    break
                self.opt.step(self.params, {"theta": np.array(fn.grad(*theta))})
                theta = self.params["theta"]
                if not (abs(theta[0]) < ESCAPE and abs(theta[1]) < ESCAPE):  # also catches NaN
                    self.escaped = t
                    break
                self.path.append(theta.copy())
        path = np.full((steps + 1, 2), np.nan)
        n = min(len(self.path), steps + 1)
        path[:n] = self.path[:n]
        escaped = self.escaped if self.escaped is not None and self.escaped <= steps else None
        return path, fn.f(path[:, 0], path[:, 1]) - fn.f_star, escaped


def run_2d(function: str, opt: optim.Optimizer, steps: int, start=None) -> tuple[np.ndarray, np.ndarray, int | None]:
    r"""Run ``opt`` for ``steps`` steps on a test function from ``start`` (default: the function's).

    Returns path (steps+1, 2) — θ before each step and after the last —, gap (steps+1,) = f(θ_t) − f*,
    and the step at which θ left |θ| < 1e6 (None if it never did; later entries are NaN).
    """
    return Race(function, opt, start).result(steps)


@lru_cache(maxsize=512)
def _race(function: str, name: str, lr: float, beta: float) -> Race:
    return Race(function, make_optimizer(name, lr, beta))


def race_run(function: str, name: str, lr: float, beta: float, steps: int):
    """``run_2d`` for one optimizer built by ``make_optimizer``; a run is kept per setting and extended
    when ``steps`` grows."""
    return _race(function, name, lr, beta).result(steps)


def steps_to_reach(gap: np.ndarray, tol: float) -> int | None:
    """The first step t with f(θ_t) − f* < tol, or None."""
    hit = np.nonzero(gap < tol)[0]
    return int(hit[0]) if hit.size else None


@lru_cache(maxsize=8)
def contour_grid(function: str, n: int = 150):
    """Grid X1, X2 (n, n) over the function's plotting box and log10(f − f* + 1e-3) on it."""
    fn = FUNCTIONS[function]
    X1, X2 = np.meshgrid(np.linspace(*fn.xlim, n), np.linspace(*fn.ylim, n))
    return X1, X2, np.log10(fn.f(X1, X2) - fn.f_star + 1e-3)


def draw_contours(ax, function: str, **kw):
    """Contour lines of log10(f − f*) for a test function, with its minima starred; returns the ContourSet."""
    X1, X2, logF = contour_grid(function)
    cs = ax.contour(X1, X2, logF, levels=14, cmap="Greys_r", linewidths=0.7, **kw)
    return cs


LR_CONTROLS = {k: f"lr_{k}" for k in OPTIMIZER_NAMES}  # one α slider per optimizer


def optimizer_race() -> base.WidgetPlot:
    """Tick optimizers and see their paths over the contours (left) and f − f* against step (right).

    Every optimizer has its own α (and Momentum its β), set to its best on the tuning grid for the
    chosen function (``TestFunction.tuned``); choosing another function resets them to that function's.
    """
    function = base.dropdown(
        _("function"),
        [(_(FUNCTION_NAMES[k]), k) for k in FUNCTIONS],
        "quadratic",
        tooltip=_("the test function f(x₁, x₂)"),
    )
    fn0 = FUNCTIONS["quadratic"]
    controls = {"function": function}
    for k in OPTIMIZER_NAMES:
        controls[k] = base.W.Checkbox(
            value=k in ("sgd", "momentum", "adam"),
            description=_(LABELS[k]),
            tooltip=_("race {name}").format(name=_(LABELS[k])),
            indent=False,
            layout=base.W.Layout(width="110px"),
        )
    for k in OPTIMIZER_NAMES:
        controls[LR_CONTROLS[k]] = lr_slider(
            f"α {_(LABELS[k])}", fn0.tuned[k][0], tooltip=_("learning rate α of {name}").format(name=_(LABELS[k]))
        )
        if k == "momentum":
            controls["beta"] = base.slider(
                _("β Momentum"), fn0.tuned[k][1], 0.0, 0.99, 0.01, tooltip=_("Momentum's β: v ← βv + g")
            )
    controls["steps"] = base.slider(
        _("steps"), fn0.steps, 50, 2000, 50, tooltip=_("how many steps each optimizer takes")
    )
    ticked_by_default = {k: controls[k].value for k in OPTIMIZER_NAMES}

    made = {}

    @contextmanager
    def quietly():
        # No redraw per change: the plot's own observer redraws once. Inside ``reset``, which pauses the
        # plot itself, the pause must outlast this block.
        plot = made["plot"]
        was, plot._paused = plot._paused, True
        try:
            yield
        finally:
            plot._paused = was

    def suggest(change):
        # A new function resets every α, β and the steps to that function's tuned values. The sliders
        # change silently; the plot's own observer of ``function``, which runs after this one, then
        # redraws once with all the new values.
        fn = FUNCTIONS[change["new"]]
        made["suggesting"] = True
        try:
            with quietly():
                for k in OPTIMIZER_NAMES:
                    controls[LR_CONTROLS[k]].value = nearest_stop(controls[LR_CONTROLS[k]], fn.tuned[k][0])
                controls["beta"].value = fn.tuned["momentum"][1]
                controls["steps"].value = fn.steps
        finally:
            made["suggesting"] = False

    function.observe(suggest, names="value")  # registered before WidgetPlot's observer, so it runs first

    def show_when_tuned(k):
        # Moving an optimizer's α (or β) ticks that optimizer, so the change is seen; silently, so that the
        # plot's own observer of the slider, which runs after this one, redraws once.
        def tick(change):
            if not controls[k].value and not made.get("suggesting"):
                with quietly():
                    controls[k].value = True

        return tick

    for k in OPTIMIZER_NAMES:
        controls[LR_CONTROLS[k]].observe(show_when_tuned(k), names="value")
    controls["beta"].observe(show_when_tuned("momentum"), names="value")

    def restore_ticks():
        # ``reset`` puts the α sliders back after the ticks, and moving an α ticks its optimizer: untick again
        for k, on in ticked_by_default.items():
            controls[k].value = on

    def setup(fig):
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=[1.15, 1])
        contours = {}
        for name in FUNCTIONS:
            contours[name] = draw_contours(ax_path, name)
            contours[name].set_visible(False)
        (minima,) = ax_path.plot([], [], "*", color="gold", markeredgecolor="k", markersize=14, zorder=5)
        (start,) = ax_path.plot([], [], "o", color="k", markersize=6, zorder=5)
        paths, gaps = {}, {}
        for k in OPTIMIZER_NAMES:
            (paths[k],) = ax_path.plot(
                [],
                [],
                "-",
                color=COLORS[k],
                lw=1.4,
                marker=MARKERS[k],
                markersize=3.5,
                markevery=5,
                label=figure_text(LABELS[k]),
            )
            (gaps[k],) = ax_loss.semilogy(
                [], [], color=COLORS[k], ls=LINESTYLES[k], lw=1.6, marker=MARKERS[k], markersize=3.5, markevery=0.1
            )  # the markers tie each loss curve to its path and the legend
        ax_path.set_xlabel("$x_1$")
        ax_path.set_ylabel("$x_2$")
        ax_loss.set_xlabel(figure_text("step t"))
        ax_loss.set_ylabel(figure_text(r"$f(\theta_t) - f^*$ (log scale)"))
        ax_loss.set_title(figure_text("loss against step"))
        ax_loss.grid(True, which="major", alpha=0.3)
        # Few fixed log ticks: laying out tick labels is most of a redraw's cost.
        ax_loss.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax_loss.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_ylim(1e-12, 1e4)
        ax_path.xaxis.set_major_locator(MaxNLocator(5))
        ax_path.yaxis.set_major_locator(MaxNLocator(5))
        # Blitting: the contours, the titles and every axis except the loss panel's step axis (its
        # limit is the steps slider) are pasted from a buffer, one per function. That y-axis is
        # drawn before the x-axis so that it can stay in the buffer.
        ax_loss.yaxis.set_zorder(ax_loss.xaxis.get_zorder() - 0.1)
        live = [ax_loss.xaxis, minima, start, *paths.values(), *gaps.values()]
        backdrop = Backdrop(fig, live, extra_static=[ax_path.title, ax_loss.title])
        return dict(
            ax_path=ax_path,
            ax_loss=ax_loss,
            contours=contours,
            minima=minima,
            start=start,
            paths=paths,
            gaps=gaps,
            backdrop=backdrop,
        )

    def draw(a, function, beta, steps, **values):
        fn = FUNCTIONS[function]
        for name, cs in a["contours"].items():
            cs.set_visible(name == function)
        a["minima"].set_data(*zip(*fn.minima, strict=True))
        a["start"].set_data([fn.start[0]], [fn.start[1]])
        notes = []
        for k in OPTIMIZER_NAMES:
            on = values[k]
            a["paths"][k].set_visible(on)
            a["gaps"][k].set_visible(on)
            if not on:
                continue
            lr = values[LR_CONTROLS[k]]
            b = float(beta) if k == "momentum" else 0.9  # Adam keeps its default β₁
            path, gap, escaped = race_run(function, k, float(lr), b, int(steps))
            a["paths"][k].set_data(path[:, 0], path[:, 1])
            a["gaps"][k].set_data(np.arange(steps + 1), np.clip(gap, 1e-13, 1e5))
            final = gap[~np.isnan(gap)][-1]
            named = dict(name=_(LABELS[k]), lr=base.number(lr))
            if escaped:
                note = _("{name} (α = {lr}): diverged at step {step}").format(step=escaped, **named)
            elif final < 1e-12:
                note = _("{name} (α = {lr}): f − f* < 1e-12 (round-off level)").format(**named)
            else:
                note = _("{name} (α = {lr}): f − f* = {gap}").format(gap=base.number(final, 2), **named)
            notes.append(note)
        ax_path, ax_loss = a["ax_path"], a["ax_loss"]
        # the legend lists the ticked optimizers only (it is drawn at every redraw anyway: it lies above the paths)
        shown = [a["paths"][k] for k in OPTIMIZER_NAMES if values[k]]
        if ax_path.get_legend() is not None:
            ax_path.get_legend().remove()
        if shown:
            ax_path.legend(handles=shown, loc="lower right", fontsize=8, framealpha=0.85)
        ax_path.set_xlim(*fn.xlim)
        ax_path.set_ylim(*fn.ylim)
        ax_path.set_title(figure_text(fn.label))
        ax_loss.set_xlim(0, steps)
        a["backdrop"].update(key=function)
        if not notes:
            return _("after {steps} steps — tick at least one optimizer").format(steps=steps)
        return _("after {steps} steps — {notes}").format(steps=steps, notes=_(base.LIST_SEPARATOR).join(notes))

    made["plot"] = base.WidgetPlot(
        controls, draw, _("Optimizer race on 2-D test functions"), figsize=(10, 4), setup=setup
    )
    made["plot"].on_reset.append(restore_ticks)
    return made["plot"]


LR_EXPONENTS = np.arange(-4.0, 0.51, 0.25)  # the α sliders' stops: 10^-4 … 10^0.5


def lr_slider(description: str, value: float, tooltip: str) -> base.W.SelectionSlider:
    """A slider over α = 10^e for e in ``LR_EXPONENTS``, whose readout is ``base.number(α)`` (the status
    line's format); ``value`` is moved to the nearest stop. Arrow keys step through the stops."""
    values = [float(10.0**e) for e in LR_EXPONENTS]
    slider = base.W.SelectionSlider(
        options=[(base.number(v), v) for v in values],
        value=values[0],
        continuous_update=False,
        description=description,
        description_allow_html=False,
        tooltip=tooltip,
        style={"description_width": base.LABEL_WIDTH},
        layout=base.W.Layout(width=base.CONTROL_WIDTH),
    )
    slider.value = nearest_stop(slider, value)
    return slider


def nearest_stop(slider, value: float) -> float:
    """The option of a log-spaced ``SelectionSlider`` closest to ``value``."""
    values = [v for _, v in slider.options]
    return values[int(np.argmin(np.abs(np.log10(values) - math.log10(value))))]


# ---- heavy ball against the condition number -------------------------------------------------------------------
# Chapter 4's quadratic f = ½(x₁² + κ x₂²) from x₀ = (−8, 3), "converged" once f ≤ 10⁻⁶ f(x₀)
# (``conditioning.X0``, ``conditioning.TOL``). Plain gradient descent at its best fixed α = 2/(1 + κ) needs
# steps ∝ κ; heavy ball at Polyak's α = 4/(√κ + 1)², β = ((√κ − 1)/(√κ + 1))² needs steps ∝ √κ.
KAPPAS = (1, 3, 10, 30, 100, 300, 1000)
GD_GRID = tuple(round(0.05 * k, 2) for k in range(1, 40)) + (1.97, 1.99)  # α·κ; stable below 2
HB_GRID = tuple(round(0.1 * k, 1) for k in range(1, 40))  # α·κ; heavy ball is stable below 2(1 + β)
HB_BETAS = tuple(round(0.05 * k, 2) for k in range(20)) + (0.97, 0.98, 0.99)


def polyak(kappa: float) -> tuple[float, float]:
    """Polyak's heavy-ball setting for eigenvalues 1 … κ: α = 4/(√κ + 1)², β = ((√κ − 1)/(√κ + 1))²."""
    r = np.sqrt(kappa)
    return 4.0 / (r + 1.0) ** 2, ((r - 1.0) / (r + 1.0)) ** 2


def quadratic_steps(kappa: float, lr, beta, max_steps: int, x0=None, tol=None) -> np.ndarray:
    """Steps until f ≤ tol·f(x₀) on ½(x₁² + κx₂²) for each (lr, beta) pair, heavy ball (β = 0: plain gradient
    descent), all at once with ``bp.optim.momentum_update``; −1 where not within ``max_steps`` (or diverging)."""
    from . import conditioning

    x0 = np.array(conditioning.X0 if x0 is None else x0, dtype=float)
    tol = conditioning.TOL if tol is None else tol
    lr, beta = np.broadcast_arrays(np.asarray(lr, dtype=float).ravel(), np.asarray(beta, dtype=float).ravel())
    x, v = np.tile(x0, (lr.size, 1)), np.zeros((lr.size, 2))
    scale = np.array([1.0, kappa])  # ∇f = (x₁, κ x₂)
    f0 = conditioning.quadratic(x0, kappa)
    n = np.full(lr.size, -1)
    open_ = np.ones(lr.size, dtype=bool)  # neither converged nor diverged yet
    with np.errstate(all="ignore"):
        for t in range(1, max_steps + 1):
            x, v = optim.momentum_update(x, x * scale, v, lr[:, None], beta[:, None])
            f = 0.5 * (x * x * scale).sum(axis=1)
            done = open_ & (f <= tol * f0)
            n[done] = t
            open_ &= ~done & (f < 1e12 * f0)  # NaN compares False: a diverged run closes too
            if not open_.any():
                break
    return n


def kappa_table(kappas=KAPPAS) -> dict[str, list]:
    """Steps to 10⁻⁶ against κ: gradient descent at α = 2/(1 + κ) and on the α grid ``GD_GRID`` (as α·κ);
    heavy ball at Polyak's setting and on the grid ``HB_GRID`` × ``HB_BETAS``; with the grid's best settings."""
    table = {k: [] for k in ("kappa", "gd", "gd_grid", "gd_grid_lr", "hb", "hb_grid", "hb_grid_setting")}
    for kappa in kappas:
        gd = int(quadratic_steps(kappa, 2.0 / (1.0 + kappa), 0.0, 100_000)[0])
        hb = int(quadratic_steps(kappa, *polyak(kappa), 100_000)[0])
        c = np.array(GD_GRID)
        n = quadratic_steps(kappa, c / kappa, 0.0, gd)  # the grid's best can only be faster than gd
        n = np.where(n < 0, gd + 1, n)
        i = int(np.argmin(n))
        C, B = np.meshgrid(HB_GRID, HB_BETAS, indexing="ij")
        m = quadratic_steps(kappa, C.ravel() / kappa, B.ravel(), hb)
        m = np.where(m < 0, hb + 1, m)
        j = int(np.argmin(m))
        table["kappa"].append(kappa)
        table["gd"].append(gd)
        table["gd_grid"].append(min(int(n[i]), gd))
        table["gd_grid_lr"].append(float(c[i] / kappa))
        table["hb"].append(hb)
        table["hb_grid"].append(min(int(m[j]), hb))
        table["hb_grid_setting"].append((float(C.ravel()[j] / kappa), float(B.ravel()[j])))
    return table


def plot_heavy_ball_vs_kappa(ax, table: dict) -> None:
    """Chapter 4's steps-against-κ plot (``conditioning.plot_steps_vs_kappa``) with heavy ball added beside it."""
    from . import conditioning

    k = np.array(table["kappa"], dtype=float)
    gd_table = {"kappa": table["kappa"], "best": table["gd"], "one_over_kappa": table["one_over_kappa"]}
    conditioning.plot_steps_vs_kappa(ax, gd_table)
    ax.loglog(k, table["hb"], "D-", color="C3", label=figure_text(r"heavy ball, Polyak's $\alpha, \beta$"))
    best_hb = figure_text("heavy ball, best on the grid")
    ax.loglog(k, table["hb_grid"], "D--", color="C3", alpha=0.5, mfc="none", label=best_hb)
    best_gd = figure_text("gradient descent, best on the grid")
    ax.loglog(k, table["gd_grid"], "o--", color="C0", alpha=0.5, mfc="none", label=best_gd)
    ref = table["hb"][-1] * np.sqrt(k / k[-1])
    ax.loglog(k, ref, "-.", color="gray", label=r"$\propto \sqrt{\kappa}$")
    ax.set_title(figure_text("Steps against the condition number: κ for GD, √κ for heavy ball"))
    ax.legend(fontsize=7)


# ---- the same optimizers on a network --------------------------------------------------------------------------
# One optimizer, several settings × several seeds, trained at once: every array gets two leading axes
# (setting, seed). A seed fixes the initial weights and the order of the mini-batches, exactly as
# ``bp.train(bp.MLP([64, hidden, 10], seed=s), …, seed=s)`` does; the tests check one run against it.
DIGITS_LRS = {
    "sgd": (0.03, 0.1, 0.3, 1.0, 3.0),
    "momentum": (0.003, 0.01, 0.03, 0.1, 0.3),
    "adagrad": (0.01, 0.03, 0.1, 0.3, 1.0),
    "rmsprop": (3e-4, 1e-3, 3e-3, 1e-2, 3e-2),
    "adam": (1e-3, 3e-3, 1e-2, 3e-2, 0.1),
}
DIGITS_BETAS = {"momentum": (0.5, 0.9)}  # Momentum's β is tuned too; the others keep their defaults
DIGITS_SEEDS = (0, 1, 2, 3, 4)


class DigitsRuns(NamedTuple):
    """Axes (setting, seed); a setting is one (lr, β) pair of ``settings``."""

    settings: list  # [(lr, beta), ...]; beta None for the optimizers without one
    loss: np.ndarray  # (s, n, epochs) training loss (whole training set) after each epoch
    train_accuracy: np.ndarray  # (s, n) after the last epoch
    test_accuracy: np.ndarray  # (s, n, epochs) after each epoch
    val_accuracy: np.ndarray | None  # (s, n) on the validation digits, if any were asked for


@lru_cache(maxsize=4)
def digits_split(seed: int = 0):
    """The chapter's 80/20 split of the 1,797 digits: X_tr (64, 1437), y_tr, X_te (64, 360), y_te."""
    from .. import datasets

    X, y = datasets.load_digits()
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.2, seed=seed)
    return X_tr, y_tr, X_te, y_te


def _forward(W1, b1, W2, b2, X):
    # X (…, 64, m) → Z1, A1 (…, h, m) and Z2 (…, 10, m); ReLU hidden layer. An X shared by all runs
    # (2-D) is multiplied as one matrix product: a broadcast stack of products is far slower.
    if X.ndim == 2:
        Z1 = (W1.reshape(-1, W1.shape[-1]) @ X).reshape(*W1.shape[:-1], X.shape[1]) + b1
    else:
        Z1 = W1 @ X + b1
    A1 = np.maximum(Z1, 0.0)
    return Z1, A1, W2 @ A1 + b2


def _log_softmax(Z):
    Zs = Z - Z.max(axis=-2, keepdims=True)
    return Zs - np.log(np.exp(Zs).sum(axis=-2, keepdims=True))


@blas_single_thread
def digits_runs(
    name: str,
    settings,
    seeds=DIGITS_SEEDS,
    epochs: int = 10,
    batch_size: int = 32,
    hidden: int = 32,
    weight_decay: float = 0.0,
    schedule=None,
    n_train: int | None = None,
    n_val: int = 0,
) -> DigitsRuns:
    r"""Train 64-``hidden``-10 ReLU networks (softmax, cross-entropy) on the digits for every setting × seed.

    settings : [(lr, beta), ...] (β: Momentum's β, RMSProp's β, Adam's β₁; None keeps the default).
    weight_decay : λ of L2 weight decay, L + (λ/2) Σ_l ‖W^l‖² (weights only, not biases): every
        weight gradient gets + λ W^l.
    schedule : None (a constant rate) or f(k, n) → the factor on α at step k = 0 … n − 1 of n steps.
    n_train, n_val : train on the first ``n_train`` training digits only; the next ``n_val`` are a
        validation set (for choosing a hyperparameter without looking at the test set).
    The updates are the textbook functions of ``bp.optim`` with one α (and β) per setting.
    """
    from ..network import MLP

    X_tr, y_tr, X_te, y_te = digits_split()
    n_train = X_tr.shape[1] - n_val if n_train is None else n_train
    X_val, y_val = X_tr[:, n_train : n_train + n_val], y_tr[n_train : n_train + n_val]
    X, y = X_tr[:, :n_train], y_tr[:n_train]
    m = X.shape[1]
    Y = np.eye(10)[y].T  # one-hot (10, m)
    S, N = len(settings), len(seeds)
    nets = [MLP([64, hidden, 10], hidden="relu", seed=s).params for s in seeds]
    params = {k: np.broadcast_to(np.stack([p[k] for p in nets]), (S, N, *nets[0][k].shape)).copy() for k in nets[0]}
    lr = np.array([st[0] for st in settings], dtype=float).reshape(S, 1, 1, 1)
    default_beta = {"momentum": 0.9, "rmsprop": 0.9, "adam": 0.9}.get(name)
    beta = np.array([default_beta if st[1] is None else st[1] for st in settings] if default_beta else [0.0] * S)
    beta = beta.reshape(S, 1, 1, 1)
    state = {k: tuple(np.zeros_like(v) for _ in range(STATE_SLOTS[name])) for k, v in params.items()}
    rngs = [np.random.default_rng(s) for s in seeds]
    steps_per_epoch = -(-m // batch_size)
    n_steps = epochs * steps_per_epoch
    loss = np.empty((S, N, epochs))
    test_acc = np.empty((S, N, epochs))
    t = 0
    with np.errstate(all="ignore"):  # a learning rate too large for a setting overflows; its loss shows it
        for epoch in range(epochs):
            perms = np.stack([r.permutation(m) if batch_size < m else np.arange(m) for r in rngs])
            for start in range(0, m, batch_size):
                idx = perms[:, start : start + batch_size]  # (N, b)
                Xb, Yb = X.T[idx].transpose(0, 2, 1), Y.T[idx].transpose(0, 2, 1)  # (N, 64, b), (N, 10, b)
                W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
                Z1, A1, Z2 = _forward(W1, b1, W2, b2, Xb)
                P = np.exp(_log_softmax(Z2))
                dZ2 = (P - Yb) / idx.shape[1]  # BP1, softmax + cross-entropy
                dZ1 = (W2.transpose(0, 1, 3, 2) @ dZ2) * (Z1 > 0)  # BP2 with ReLU′
                grads = {
                    "W1": dZ1 @ Xb.transpose(0, 2, 1)[None],  # BP4
                    "b1": dZ1.sum(axis=-1, keepdims=True),  # BP3
                    "W2": dZ2 @ A1.transpose(0, 1, 3, 2),
                    "b2": dZ2.sum(axis=-1, keepdims=True),
                }
                if weight_decay:
                    grads["W1"] = grads["W1"] + weight_decay * W1
                    grads["W2"] = grads["W2"] + weight_decay * W2
                t += 1
                rate = lr if schedule is None else lr * schedule(t - 1, n_steps)
                rule = _update_rule(name)
                for k in params:
                    params[k], state[k] = rule(params[k], grads[k], state[k], t, rate, beta)
            p = params
            _, _, Z2 = _forward(p["W1"], p["b1"], p["W2"], p["b2"], X)
            loss[:, :, epoch] = -np.sum(Y * _log_softmax(Z2), axis=(-2, -1)) / m
            _, _, Z2te = _forward(p["W1"], p["b1"], p["W2"], p["b2"], X_te)
            test_acc[:, :, epoch] = np.mean(Z2te.argmax(axis=-2) == y_te, axis=-1)
    train_acc = np.mean(Z2.argmax(axis=-2) == y, axis=-1)
    val_acc = None
    if n_val:
        _, _, Z2v = _forward(p["W1"], p["b1"], p["W2"], p["b2"], X_val)
        val_acc = np.mean(Z2v.argmax(axis=-2) == y_val, axis=-1)
    loss[~np.isfinite(loss)] = np.inf
    return DigitsRuns(list(settings), loss, train_acc, test_acc, val_acc)


def digits_settings(name: str) -> list:
    """The optimizer's grid for the digits: every α of ``DIGITS_LRS[name]`` × β of ``DIGITS_BETAS``."""
    return [(lr, b) for lr in DIGITS_LRS[name] for b in DIGITS_BETAS.get(name, (None,))]


def digits_grid(name: str, epochs: int = 10, seeds=DIGITS_SEEDS, **kw) -> DigitsRuns:
    """``digits_runs`` over ``digits_settings(name)``."""
    return digits_runs(name, digits_settings(name), seeds, epochs, **kw)


def grid_summary(runs: DigitsRuns) -> list:
    """One row per setting: (lr, beta, mean and sd of the final training loss, mean and sd of the final test
    accuracy in %), over the seeds; rounded to 3 significant digits (accuracies to 0.1 %)."""

    def r3(x):
        return float(f"{x:.3g}")

    rows = []
    for k, (lr, beta) in enumerate(runs.settings):
        loss, acc = runs.loss[k, :, -1], 100 * runs.test_accuracy[k, :, -1]
        rows.append(
            (lr, beta, r3(loss.mean()), r3(loss.std()), round(float(acc.mean()), 1), round(float(acc.std()), 1))
        )
    return rows


# The grids above, trained once (5 seeds each, 10 epochs) with ``grid_summary(digits_grid(name))`` and
# ``grid_summary(digits_runs("sgd", digits_settings("sgd"), schedule=cosine))``: the chapter prints them and
# trains only each optimizer's best setting again (about 7 s of training saved per run of the chapter).
# tests/widgets/test_optimizer_race.py trains them all again and checks every number.
DIGITS_GRID = {
    "adagrad": [
        (0.01, None, 0.398, 0.051, 94.0, 0.7),
        (0.03, None, 0.139, 0.0126, 97.0, 0.6),
        (0.1, None, 0.0659, 0.0105, 97.3, 0.7),
        (0.3, None, 0.0929, 0.0397, 95.7, 1.5),
        (1.0, None, 0.335, 0.13, 85.8, 6.6),
    ],
    "adam": [
        (0.001, None, 0.347, 0.0373, 94.7, 0.6),
        (0.003, None, 0.128, 0.0129, 96.6, 0.3),
        (0.01, None, 0.0463, 0.00818, 97.7, 0.5),
        (0.03, None, 0.0213, 0.00659, 96.9, 0.7),
        (0.1, None, 0.163, 0.0789, 94.3, 1.6),
    ],
    "momentum": [
        (0.003, 0.5, 1.77, 0.141, 55.4, 7.5),
        (0.003, 0.9, 0.549, 0.0734, 90.6, 2.1),
        (0.01, 0.5, 0.819, 0.117, 87.6, 3.0),
        (0.01, 0.9, 0.182, 0.0112, 96.0, 0.6),
        (0.03, 0.5, 0.271, 0.0215, 94.8, 0.9),
        (0.03, 0.9, 0.0845, 0.00706, 96.8, 0.4),
        (0.1, 0.5, 0.11, 0.00524, 96.5, 0.5),
        (0.1, 0.9, 0.0295, 0.00661, 97.4, 0.4),
        (0.3, 0.5, 0.0566, 0.00911, 96.7, 0.8),
        (0.3, 0.9, 0.113, 0.0248, 95.9, 0.9),
    ],
    "rmsprop": [
        (0.0003, None, 1.29, 0.121, 77.4, 3.5),
        (0.001, None, 0.33, 0.04, 95.0, 0.7),
        (0.003, None, 0.105, 0.0112, 97.2, 0.6),
        (0.01, None, 0.0475, 0.0151, 96.3, 1.1),
        (0.03, None, 0.0693, 0.0338, 95.5, 2.5),
    ],
    "sgd": [
        (0.03, None, 0.533, 0.0671, 91.3, 1.8),
        (0.1, None, 0.177, 0.0101, 96.2, 0.4),
        (0.3, None, 0.0854, 0.00739, 96.4, 0.5),
        (1.0, None, 0.0612, 0.0255, 96.2, 1.0),
        (3.0, None, 2.32, 0.00771, 9.6, 1.3),
    ],
}
DIGITS_COSINE_GRID = [
    (0.03, None, 1.07, 0.144, 82.9, 5.2),
    (0.1, None, 0.317, 0.0288, 93.5, 0.7),
    (0.3, None, 0.126, 0.00623, 96.4, 0.5),
    (1.0, None, 0.0561, 0.0121, 97.3, 0.5),
    (3.0, None, 2.3, 2.61e-05, 8.2, 0.5),
]


def best_row(rows: list) -> tuple:
    """The row of a grid table with the lowest mean final training loss (no test data used to choose)."""
    return min(rows, key=lambda row: row[2])


def best_setting(runs: DigitsRuns) -> int:
    """The index of the setting with the lowest mean final training loss over the seeds (no test data used)."""
    return int(np.argmin(runs.loss[:, :, -1].mean(axis=1)))


def plot_digits_race(ax_loss, ax_acc, results: dict) -> None:
    """Mean ± sd over the seeds of the training loss (log) and test accuracy per epoch, for
    ``results`` = {name: (DigitsRuns, index of the setting to show)}."""
    for name, (runs, i) in results.items():
        epochs = np.arange(1, runs.loss.shape[-1] + 1)
        for ax, values in ((ax_loss, runs.loss[i]), (ax_acc, 100 * runs.test_accuracy[i])):
            mean, sd = values.mean(axis=0), values.std(axis=0)
            label = figure_text(LABELS[name])
            ax.plot(epochs, mean, marker=MARKERS[name], markersize=3, color=COLORS[name], label=label)
            ax.fill_between(epochs, mean - sd, mean + sd, color=COLORS[name], alpha=0.15, lw=0)
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel(figure_text("epoch"))
    ax_loss.set_ylabel(figure_text("training loss L (log scale)"))
    ax_loss.set_title(figure_text("digits: training loss (mean ± sd over seeds)"))
    ax_acc.set_xlabel(figure_text("epoch"))
    ax_acc.set_ylabel(figure_text("test accuracy (%)"))
    ax_acc.set_title(figure_text("digits: test accuracy (mean ± sd over seeds)"))
    for ax in (ax_loss, ax_acc):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)


def plot_runs(ax, function: str, runs: dict, tol_line: float | None = None) -> None:
    """f − f* against step on a log axis for ``runs`` = {label: (gap array, color)}; each run also gets its
    own line style, so that the lines differ by more than their colour."""
    styles = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)))
    for i, (label, (gap, color)) in enumerate(runs.items()):
        ax.semilogy(np.arange(len(gap)), np.maximum(gap, 1e-16), color=color, ls=styles[i % len(styles)], label=label)
    if tol_line is not None:
        ax.axhline(tol_line, color="k", lw=0.8, ls=":")
    ax.set_xlabel(figure_text("step t"))
    ax.set_ylabel(figure_text(r"$f(\theta_t) - f^*$ (log scale)"))
    ax.set_title(figure_text(FUNCTIONS[function].label))
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


WIDGETS = {"optimizer_race": optimizer_race}
