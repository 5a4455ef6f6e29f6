r"""Chapter 5: optimizers racing on 2-D test functions, and on a digits network.

The 2-D runs use the library's own optimizer classes on a parameter dict
``{"theta": array([x1, x2])}``, exactly as they update a network's ``params``:
only the function that supplies the gradient changes.

Test functions (f* is the minimum value; f − f* is what the loss plots show):

- quadratic:  f = 0.1 x₁² + 2 x₂²                 (condition number 20, minimum 0 at (0, 0))
- rosenbrock: f = (1 − x₁)² + 100 (x₂ − x₁²)²      (a curved, flat-bottomed valley, minimum 0 at (1, 1))
- saddle:     f = x₁² − x₂² + x₂⁴/4                (a saddle at (0, 0), minima −1 at (0, ±√2))
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from .. import optim
from . import base
from ._speed import Backdrop

OPTIMIZER_NAMES = ("sgd", "momentum", "adagrad", "rmsprop", "adam")
LABELS = {"sgd": "SGD", "momentum": "Momentum", "adagrad": "AdaGrad", "rmsprop": "RMSProp", "adam": "Adam"}
COLORS = {"sgd": "#1f77b4", "momentum": "#d62728", "adagrad": "#2ca02c", "rmsprop": "#9467bd", "adam": "#ff7f0e"}
PLAIN = ("sgd", "momentum")  # optimizers whose step is α·g; the adaptive ones step about α per coordinate
ESCAPE = 1e6  # a run whose |θ| passes this is reported as diverged


class TestFunction(NamedTuple):
    label: str
    f: object  # f(x1, x2) → value; works element-wise on grids
    grad: object  # grad(x1, x2) → (∂f/∂x1, ∂f/∂x2)
    f_star: float
    minima: tuple  # ((x1, x2), ...)
    start: tuple
    xlim: tuple
    ylim: tuple
    lr_plain: float  # suggested α for SGD and momentum
    lr_adaptive: float  # suggested α for AdaGrad, RMSProp and Adam
    steps: int


FUNCTIONS = {
    "quadratic": TestFunction(
        r"quadratic $0.1x_1^2 + 2x_2^2$",
        lambda x1, x2: 0.1 * x1**2 + 2.0 * x2**2,
        lambda x1, x2: (0.2 * x1, 4.0 * x2),
        0.0,
        ((0.0, 0.0),),
        (-4.0, 1.0),
        (-5.0, 5.0),
        (-2.0, 2.0),
        0.05,
        0.2,
        200,
    ),
    "rosenbrock": TestFunction(
        r"Rosenbrock $(1-x_1)^2 + 100(x_2 - x_1^2)^2$",
        lambda x1, x2: (1.0 - x1) ** 2 + 100.0 * (x2 - x1**2) ** 2,
        lambda x1, x2: (-2.0 * (1.0 - x1) - 400.0 * x1 * (x2 - x1**2), 200.0 * (x2 - x1**2)),
        0.0,
        ((1.0, 1.0),),
        (-1.2, 1.0),
        (-2.0, 2.0),
        (-1.0, 3.0),
        1e-3,
        0.05,
        1000,
    ),
    "saddle": TestFunction(
        r"saddle $x_1^2 - x_2^2 + x_2^4/4$",
        lambda x1, x2: x1**2 - x2**2 + 0.25 * x2**4,
        lambda x1, x2: (2.0 * x1, -2.0 * x2 + x2**3),
        -1.0,
        ((0.0, np.sqrt(2.0)), (0.0, -np.sqrt(2.0))),
        (-1.5, 1e-3),
        (-2.0, 2.0),
        (-2.0, 2.0),
        0.05,
        0.2,
        200,
    ),
}


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


def optimizer_race() -> base.WidgetPlot:
    """Tick optimizers and see their paths over the contours (left) and f − f* against step (right)."""
    function = base.dropdown("function", FUNCTIONS, "quadratic")
    fn0 = FUNCTIONS["quadratic"]
    controls = {"function": function}
    for k in OPTIMIZER_NAMES:
        controls[k] = base.W.Checkbox(value=k in ("sgd", "momentum", "adam"), description=LABELS[k], indent=False)
        controls[k].layout.width = "110px"
    controls["lr_plain"] = base.slider("α SGD/Momentum", fn0.lr_plain, -4, 0, 0.25, fmt=".1e", log=True)
    controls["lr_adaptive"] = base.slider("α AdaGrad/RMSProp/Adam", fn0.lr_adaptive, -3, 0, 0.25, fmt=".1e", log=True)
    controls["beta"] = base.slider("β (Momentum β, Adam β₁)", 0.9, 0.0, 0.99, 0.01)
    controls["steps"] = base.slider("steps", fn0.steps, 50, 2000, 50)

    made = {}

    def suggest(change):
        # A new function resets α and steps to values that suit it (Rosenbrock's gradients are ~100× larger).
        # The sliders change silently; the plot's own observer of ``function``, which runs after this one,
        # then redraws once with all the new values.
        fn = FUNCTIONS[change["new"]]
        with made["plot"].paused():
            for name, value in (("lr_plain", fn.lr_plain), ("lr_adaptive", fn.lr_adaptive), ("steps", fn.steps)):
                controls[name].value = value

    function.observe(suggest, names="value")  # registered before WidgetPlot's observer, so it runs first

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
            (paths[k],) = ax_path.plot([], [], "-", color=COLORS[k], lw=1.6, marker=".", markersize=3, label=LABELS[k])
            (gaps[k],) = ax_loss.semilogy([], [], color=COLORS[k], lw=1.6, label=LABELS[k])
        ax_path.set_xlabel("$x_1$")
        ax_path.set_ylabel("$x_2$")
        ax_loss.set_xlabel("step t")
        ax_loss.set_ylabel(r"$f(\theta_t) - f^*$ (log scale)")
        ax_loss.set_title("loss against step")
        ax_loss.grid(True, which="major", alpha=0.3)
        # Few fixed log ticks: laying out tick labels is most of a redraw's cost.
        ax_loss.yaxis.set_major_locator(LogLocator(base=10, numticks=6))
        ax_loss.yaxis.set_minor_locator(NullLocator())
        ax_loss.set_ylim(1e-12, 1e4)
        ax_path.xaxis.set_major_locator(MaxNLocator(5))
        ax_path.yaxis.set_major_locator(MaxNLocator(5))
        ax_path.legend(handles=list(paths.values()), loc="lower right", fontsize=8, framealpha=0.85)
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

    def draw(a, function, lr_plain, lr_adaptive, beta, steps, **ticked):
        fn = FUNCTIONS[function]
        for name, cs in a["contours"].items():
            cs.set_visible(name == function)
        a["minima"].set_data(*zip(*fn.minima, strict=True))
        a["start"].set_data([fn.start[0]], [fn.start[1]])
        notes = []
        for k in OPTIMIZER_NAMES:
            on = ticked[k]
            a["paths"][k].set_visible(on)
            a["gaps"][k].set_visible(on)
            if not on:
                continue
            lr = lr_plain if k in PLAIN else lr_adaptive
            path, gap, escaped = race_run(function, k, float(lr), float(beta), int(steps))
            a["paths"][k].set_data(path[:, 0], path[:, 1])
            a["gaps"][k].set_data(np.arange(steps + 1), np.clip(gap, 1e-13, 1e5))
            final = gap[~np.isnan(gap)][-1]
            notes.append(f"{LABELS[k]}: " + (f"diverged at step {escaped}" if escaped else f"f − f* = {final:.1e}"))
        ax_path, ax_loss = a["ax_path"], a["ax_loss"]
        ax_path.set_xlim(*fn.xlim)
        ax_path.set_ylim(*fn.ylim)
        ax_path.set_title(fn.label)
        ax_loss.set_xlim(0, steps)
        a["backdrop"].update(key=function)
        return f"after {steps} steps — " + ("; ".join(notes) if notes else "tick at least one optimizer")

    made["plot"] = base.WidgetPlot(controls, draw, "Optimizer race on 2-D test functions", figsize=(10, 4), setup=setup)
    return made["plot"]


# ---- the same optimizers on a network --------------------------------------------------------------------------
DIGITS_SETTINGS = {
    "sgd": dict(lr=0.1),
    "momentum": dict(lr=0.01, beta=0.9),
    "adagrad": dict(lr=0.05),
    "rmsprop": dict(lr=1e-3),
    "adam": dict(lr=1e-3),
}


def digits_race(epochs: int = 10, batch_size: int = 32, hidden: int = 32, seed: int = 0, settings=None):
    """Train one 64-``hidden``-10 ReLU network per optimizer on the digits (80/20 split, same start for all).

    Returns {name: (History, test accuracy)}; ``settings`` maps names to keyword arguments
    of the optimizers (default ``DIGITS_SETTINGS``).
    """
    from .. import datasets
    from ..network import MLP
    from ..train import train

    X, y = datasets.load_digits()
    X_tr, X_te, y_tr, y_te = datasets.train_test_split(X, y, test_size=0.2, seed=seed)
    Y_tr, Y_te = datasets.one_hot(y_tr, 10), datasets.one_hot(y_te, 10)
    results = {}
    for name, hyper in (settings or DIGITS_SETTINGS).items():
        net = MLP([64, hidden, 10], hidden="relu", seed=seed)
        hist = train(
            net,
            X_tr,
            Y_tr,
            optim.make(name, **hyper),
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            X_val=X_te,
            Y_val=Y_te,
        )
        results[name] = (hist, net.accuracy(X_te, Y_te))
    return results


def plot_digits_race(ax_loss, ax_acc, results) -> None:
    """Training loss (log) and test accuracy per epoch for the output of ``digits_race``."""
    for name, (hist, _) in results.items():
        epochs = np.arange(1, len(hist.loss) + 1)
        ax_loss.semilogy(epochs, hist.loss, marker="o", markersize=3, color=COLORS[name], label=LABELS[name])
        ax_acc.plot(
            epochs, 100 * np.array(hist.val_accuracy), marker="o", markersize=3, color=COLORS[name], label=LABELS[name]
        )
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss L (log scale)")
    ax_loss.set_title("digits: training loss")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy (%)")
    ax_acc.set_title("digits: test accuracy")
    for ax in (ax_loss, ax_acc):
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)


def plot_runs(ax, function: str, runs: dict, tol_line: float | None = None) -> None:
    """f − f* against step on a log axis for ``runs`` = {label: (gap array, color)}."""
    for label, (gap, color) in runs.items():
        ax.semilogy(np.arange(len(gap)), np.maximum(gap, 1e-16), color=color, label=label)
    if tol_line is not None:
        ax.axhline(tol_line, color="k", lw=0.8, ls=":")
    ax.set_xlabel("step t")
    ax.set_ylabel(r"$f(\theta_t) - f^*$ (log scale)")
    ax.set_title(FUNCTIONS[function].label)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)


WIDGETS = {"optimizer_race": optimizer_race}
