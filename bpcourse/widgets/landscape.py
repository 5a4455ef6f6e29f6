r"""Chapter 04: non-convex losses, local minima and plateaus (claim C7).

``plot_nonconvex_1d`` draws gradient descent from several starts on a bumpy 1-D function.
``train_restarts`` trains many small 2-H-1 networks on the four XOR points, one per random seed,
with full-batch gradient descent; ``restarts()`` is the widget over the number of hidden units,
the initial weight scale and the number of restarts.

``train_restarts`` runs all restarts at once: the same BP1–BP4 as ``bp.MLP`` (tanh hidden
layer, sigmoid output, binary cross-entropy), with a leading axis of restarts on every array.
It starts from exactly the weights ``bp.MLP(..., init="normal", scale=scale, seed=s)`` draws and
matches its training step for step (the tests check this); the batched form is what makes a
hundred trainings take a fraction of a second.

What the runs that do not solve XOR are stuck in (chapter 04, "valleys and saddles"):
``flat_gradient`` and ``hessian`` give the exact gradient and the (finite-difference) Hessian of the
loss at many parameter vectors θ at once, packed by ``pack`` as [W¹ row by row, b¹, W², b²];
``descend_far`` continues gradient descent for one 2-2-1 network for hundreds of thousands of steps
(plain Python floats: for nine numbers that is several times faster than NumPy's per-call overhead).
"""

from __future__ import annotations

import math
from functools import cache

import ipywidgets as W
import numpy as np

from .. import activations, datasets, initializers
from ..i18n import _, figure_text
from ..plots import BAD, GOOD, NEUTRAL
from ._speed import Backdrop
from .base import CONTROL_WIDTH, LABEL_WIDTH, WidgetPlot, dropdown, number, slider

HIDDEN_UNITS = (1, 2, 3, 4, 8)
SCALES = (0.1, 0.5, 1.0, 2.0, 4.0)
MAX_RESTARTS = 100
STEPS = 1500
LR = 0.5
EVERY = 10  # record the loss every EVERY steps
STUCK = float(np.log(2) / 2)  # the loss when two of the four points sit at ŷ = 0.5 and two are fitted
SOLVED = 0.05  # final loss below this: XOR learned
BINS = np.logspace(-3, 0, 31)


def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: X (2, 4), Y (1, 4)."""
    X, y = datasets.xor(4, noise=0.0)
    return X, y.reshape(1, -1).astype(float)


def initial_weights(hidden: int, scale: float, seeds) -> tuple[np.ndarray, np.ndarray]:
    """W1 (R, hidden, 2) and W2 (R, 1, hidden) exactly as ``bp.MLP([2, hidden, 1], init="normal",
    scale=scale, seed=s)`` draws them, for each s in ``seeds`` (biases start at 0)."""
    W1, W2 = [], []
    for s in seeds:
        rng = np.random.default_rng(s)
        W1.append(initializers.normal(hidden, 2, rng, scale))
        W2.append(initializers.normal(1, hidden, rng, scale))
    return np.array(W1), np.array(W2)


def _loss(Z2: np.ndarray, Y: np.ndarray) -> np.ndarray:
    # binary cross-entropy from logits, per restart: (1/m) Σ log(1 + e^z) − y z
    return np.sum(np.logaddexp(0.0, Z2) - Y * Z2, axis=(1, 2)) / Y.shape[1]


def train_restarts(
    hidden: int, scale: float, restarts: int = MAX_RESTARTS, steps: int = STEPS, lr: float = LR, every: int = EVERY
) -> dict[str, np.ndarray]:
    r"""Train ``restarts`` networks 2-hidden-1 (seeds 0 … restarts−1) on XOR by full-batch gradient descent.

    Returns 'final' (R,): the loss after ``steps`` steps; 'history' (R, steps//every + 1): the loss
    at steps 0, every, 2·every, …; 'steps' (steps//every + 1,): those step numbers.
    """
    W1, W2 = initial_weights(hidden, scale, range(restarts))
    return _train_from(W1, W2, steps, lr, every)


def train_from(
    W1: np.ndarray, W2: np.ndarray, steps: int = STEPS, lr: float = LR, every: int = EVERY, b1=None, b2=None
) -> dict[str, np.ndarray]:
    """``train_restarts`` from given initial weights W1 (R, hidden, 2), W2 (R, 1, hidden) and biases
    b1 (R, hidden, 1), b2 (R, 1, 1) (zeros if None). Besides 'final', 'history' and 'steps' it returns
    'params': the trained W1, b1, W2, b2 (the inputs are not changed)."""
    return _train_from(np.array(W1, dtype=float), np.array(W2, dtype=float), steps, lr, every, b1, b2)


def _train_from(
    W1: np.ndarray, W2: np.ndarray, steps: int, lr: float, every: int, b1=None, b2=None
) -> dict[str, np.ndarray]:
    """``train_restarts``' loop from given initial weights W1 (R, hidden, 2), W2 (R, 1, hidden), updated in place."""
    X, Y = xor_data()
    m = X.shape[1]
    restarts, hidden = W1.shape[0], W1.shape[1]
    b1 = np.zeros((restarts, hidden, 1)) if b1 is None else np.array(b1, dtype=float)
    b2 = np.zeros((restarts, 1, 1)) if b2 is None else np.array(b2, dtype=float)
    tanh_prime = activations.tanh_prime
    history = []
    for k in range(steps + 1):
        Z1 = W1 @ X + b1  # (R, hidden, m)
        A1 = np.tanh(Z1)
        Z2 = W2 @ A1 + b2  # (R, 1, m)
        if k % every == 0:
            history.append(_loss(Z2, Y))
        if k == steps:
            break
        dZ2 = (activations.sigmoid(Z2) - Y) / m  # BP1 (sigmoid + binary cross-entropy)
        dW2 = dZ2 @ A1.transpose(0, 2, 1)  # BP4
        db2 = dZ2.sum(axis=2, keepdims=True)  # BP3
        dZ1 = (W2.transpose(0, 2, 1) @ dZ2) * tanh_prime(Z1)  # BP2
        dW1 = dZ1 @ X.T  # BP4
        db1 = dZ1.sum(axis=2, keepdims=True)  # BP3
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    final = _loss(W2 @ np.tanh(W1 @ X + b1) + b2, Y)
    return {
        "final": final,
        "history": np.array(history).T,
        "steps": np.arange(0, steps + 1, every),
        "params": {"W1": W1, "b1": b1, "W2": W2, "b2": b2},
    }


_ALL_SCALES: dict[int, dict[float, dict[str, np.ndarray]]] = {}


def precompute_scales(hidden: int) -> None:
    """Train every scale of the widget's slider for this width in one batched run (~0.4 s): 5 × 100
    networks take about three times as long as 100, and each restart is trained exactly as alone
    (the leading axis is independent)."""
    if hidden in _ALL_SCALES:
        return
    weights = [initial_weights(hidden, s, range(MAX_RESTARTS)) for s in SCALES]
    res = _train_from(
        np.concatenate([w[0] for w in weights]), np.concatenate([w[1] for w in weights]), STEPS, LR, EVERY
    )
    _ALL_SCALES[hidden] = {}
    for i, s in enumerate(SCALES):
        part = slice(i * MAX_RESTARTS, (i + 1) * MAX_RESTARTS)
        _ALL_SCALES[hidden][s] = {
            "final": res["final"][part],
            "history": res["history"][part],
            "steps": res["steps"],
            "params": {k: v[part] for k, v in res["params"].items()},
        }


@cache
def cached_restarts(hidden: int, scale: float) -> dict[str, np.ndarray]:
    """``train_restarts(hidden, scale)`` with the default restarts and steps, computed once per setting."""
    done = _ALL_SCALES.get(hidden, {})
    return done[scale] if scale in done else train_restarts(hidden, scale)


def outcome_masks(final: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks (R,) of the runs that solved XOR, got stuck near ln(2)/2, or neither (``outcome``'s groups)."""
    solved = final < SOLVED
    stuck = np.abs(final - STUCK) < 0.02
    return {"solved": solved, "stuck": stuck, "other": ~solved & ~stuck}


def outcome(final: np.ndarray) -> dict[str, float]:
    """Fractions of runs that solved XOR (loss < 0.05), got stuck near ln(2)/2 ≈ 0.347, or neither yet."""
    solved = final < SOLVED
    stuck = np.abs(final - STUCK) < 0.02
    return {"solved": float(solved.mean()), "stuck": float(stuck.mean()), "other": float((~solved & ~stuck).mean())}


# Each outcome has a colour of the Okabe–Ito palette and a second cue that needs no colour vision:
# a hatch in the histogram, a line style in the curves; the legend names both.
CATEGORY_STYLE = {
    "solved": dict(color=GOOD, hatch="", ls="-"),
    "stuck": dict(color=BAD, hatch="///", ls="--"),
    "other": dict(color=NEUTRAL, hatch="..", ls=":"),
}


def _category(loss: float) -> str:
    if loss < SOLVED:
        return "solved"
    if abs(loss - STUCK) < 0.05:
        return "stuck"
    return "other"


def _category_color(loss: float) -> str:
    return CATEGORY_STYLE[_category(loss)]["color"]


def restarts() -> WidgetPlot:
    """Hidden units, initial weight scale and number of restarts → a histogram of the final losses on
    XOR (left) and every run's loss curve (right)."""
    from matplotlib.collections import LineCollection
    from matplotlib.legend_handler import HandlerTuple
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator, NullLocator

    controls = {
        "hidden": dropdown(_("hidden units"), HIDDEN_UNITS, 2, tooltip=_("hidden tanh units H of the 2-H-1 network")),
        "scale": W.SelectionSlider(
            description=_("init scale"),
            options=[(number(s), s) for s in SCALES],  # the readout is written as the title writes it
            value=1.0,
            continuous_update=False,
            description_allow_html=False,
            tooltip=_("initial weights drawn from N(0, s²): the scale s"),
            style={"description_width": LABEL_WIDTH},
            layout=W.Layout(width=CONTROL_WIDTH),
        ),
        "n_restarts": slider(_("restarts"), MAX_RESTARTS, 10, MAX_RESTARTS, 10, tooltip=_("how many random seeds")),
    }
    precompute_scales(2)  # every scale of the default width, so the scale slider only redraws

    def setup(fig):
        ax_h, ax_c = fig.subplots(1, 2)
        centers = np.sqrt(BINS[:-1] * BINS[1:])
        bars = ax_h.bar(BINS[:-1], np.zeros(len(centers)), width=np.diff(BINS), align="edge", edgecolor="white")
        for rect, c in zip(bars, centers, strict=True):
            style = CATEGORY_STYLE[_category(c)]
            rect.set_facecolor(style["color"])
            rect.set_hatch(style["hatch"])
        ax_h.axvline(STUCK, color="k", ls=":", lw=1)
        ax_h.text(STUCK, 0.97, " ln(2)/2", color="k", transform=ax_h.get_xaxis_transform(), va="top", fontsize=8)
        ax_h.set_xscale("log")
        ax_h.xaxis.set_minor_locator(NullLocator())
        ax_h.set_xlim(BINS[0], BINS[-1])
        ax_h.set_xlabel(figure_text("final training loss (log scale)"))
        ax_h.set_ylabel(figure_text("number of restarts"))
        ax_h.yaxis.set_major_locator(MaxNLocator(integer=True))
        lines = LineCollection([], linewidths=0.7, alpha=0.5)
        ax_c.add_collection(lines)
        ax_c.set_yscale("log")
        ax_c.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost redraw time and add little
        ax_c.set_xlim(0, STEPS)
        ax_c.set_ylim(1e-3, 2)
        ax_c.set_xlabel(figure_text("gradient-descent step"))
        ax_c.set_ylabel(figure_text("training loss (log scale)"))
        ax_c.grid(True, which="major", alpha=0.3)
        ax_c.set_title(figure_text("one curve per restart"), fontsize=9)
        names = {
            "solved": figure_text("solved (loss < {solved:g})").format(solved=SOLVED),
            "stuck": figure_text("stuck near ln(2)/2"),
            "other": figure_text("neither yet"),
        }
        # one legend for both panels: each entry shows the bar (colour and hatch) and the curve (colour and style)
        ax_c.legend(
            handles=[
                (
                    Patch(facecolor=st["color"], hatch=st["hatch"], edgecolor="white"),
                    Line2D([], [], color=st["color"], ls=st["ls"]),
                )
                for st in CATEGORY_STYLE.values()
            ],
            labels=list(names.values()),
            handler_map={tuple: HandlerTuple(ndivide=None, pad=0.6)},
            handlelength=4,
            fontsize=8,
            loc="upper right",
        )
        title = ax_h.set_title("")
        # the histogram's bars come first in its axes, so that axes is drawn in full; the curves'
        # axes (fixed limits) and their title are pasted from a buffer
        backdrop = Backdrop(fig, [*bars, lines, title], extra_static=[ax_c.title])
        return dict(ax_h=ax_h, ax_c=ax_c, bars=bars, lines=lines, title=title, backdrop=backdrop)

    def draw(a, hidden, scale, n_restarts):
        res = cached_restarts(hidden, scale)
        final = res["final"][:n_restarts]
        counts, _edges = np.histogram(np.clip(final, BINS[0], BINS[-1] * 0.999), BINS)
        for rect, c in zip(a["bars"], counts, strict=True):
            rect.set_height(c)
        a["ax_h"].set_ylim(0, max(counts.max(), 1) * 1.15)
        steps = res["steps"]
        a["lines"].set_segments([np.column_stack([steps, h]) for h in res["history"][:n_restarts]])
        kinds = [_category(f) for f in final]
        a["lines"].set_color([CATEGORY_STYLE[k]["color"] for k in kinds])
        a["lines"].set_linestyles([CATEGORY_STYLE[k]["ls"] for k in kinds])
        o = outcome(final)
        a["title"].set_text(
            figure_text(
                "2-{hidden}-1, scale {scale}, {restarts} restarts: {solved:.0%} solved, {stuck:.0%} stuck"
            ).format(hidden=hidden, scale=number(scale), restarts=n_restarts, solved=o["solved"], stuck=o["stuck"])
        )
        a["title"].set_fontsize(9)
        a["backdrop"].update()
        status = _("best of {restarts}: loss {best}; worst: {worst}.").format(
            restarts=n_restarts, best=number(final.min()), worst=number(final.max())
        )
        if o["stuck"]:
            status = _(
                "{text} {stuck:.0%} of the runs stop near ln(2)/2 ≈ {value}: two of the four XOR points are fitted "
                "and the other two sit at ŷ = 0.5, where the gradient is almost zero."
            ).format(text=status, stuck=o["stuck"], value=number(STUCK))
        if o["solved"] == 0:
            status = _("{text} No run solves XOR here: try more hidden units or another scale.").format(text=status)
        return status

    return WidgetPlot(
        controls, draw, _("Many random starts on XOR: the spread of final losses"), figsize=(10, 3.8), setup=setup
    )


# ---- valleys and saddles: gradient, Hessian, long runs ------------------------------------------


def pack(params: dict) -> np.ndarray:
    """θ (R, 4H + 1) = [W¹ row by row, b¹, W², b²] from W1 (R, H, 2), b1 (R, H, 1), W2 (R, 1, H), b2 (R, 1, 1)."""
    R = params["W1"].shape[0]
    return np.concatenate([params[k].reshape(R, -1) for k in ("W1", "b1", "W2", "b2")], axis=1)


def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W1 (R, H, 2), b1 (R, H, 1), W2 (R, 1, H), b2 (R, 1, 1) from θ (R, 4H + 1) (views where possible)."""
    theta = np.asarray(theta, dtype=float)
    R, H = theta.shape[0], (theta.shape[1] - 1) // 4
    return (
        theta[:, : 2 * H].reshape(R, H, 2),
        theta[:, 2 * H : 3 * H].reshape(R, H, 1),
        theta[:, 3 * H : 4 * H].reshape(R, 1, H),
        theta[:, 4 * H :].reshape(R, 1, 1),
    )


def forward(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hidden outputs A¹ (R, H, 4) and the predictions ŷ (R, 4) on the four XOR points, for each row of θ."""
    X, _ = xor_data()
    W1, b1, W2, b2 = unpack(theta)
    A1 = np.tanh(W1 @ X + b1)
    return A1, activations.sigmoid(W2 @ A1 + b2)[:, 0, :]


def flat_gradient(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The loss (R,) on XOR and its exact gradient (R, 4H + 1) at each row of θ (R, 4H + 1): BP1–BP4, batched."""
    X, Y = xor_data()
    m = X.shape[1]
    W1, b1, W2, b2 = unpack(theta)
    Z1 = W1 @ X + b1
    A1 = np.tanh(Z1)
    Z2 = W2 @ A1 + b2
    dZ2 = (activations.sigmoid(Z2) - Y) / m  # BP1
    dZ1 = (W2.transpose(0, 2, 1) @ dZ2) * activations.tanh_prime(Z1)  # BP2
    grads = {"W1": dZ1 @ X.T, "b1": dZ1.sum(axis=2, keepdims=True)}  # BP4, BP3
    grads.update(W2=dZ2 @ A1.transpose(0, 2, 1), b2=dZ2.sum(axis=2, keepdims=True))
    return _loss(Z2, Y), pack(grads)


def hessian(theta: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """The Hessian (R, P, P) of the XOR loss at each row of θ (R, P): central differences of the exact
    gradient, (∇L(θ + h eⱼ) − ∇L(θ − h eⱼ)) / 2h for column j, symmetrized. Its error is of order h² (~1e-8)."""
    theta = np.asarray(theta, dtype=float)
    R, P = theta.shape
    E = h * np.eye(P)
    shifted = np.concatenate([theta[:, None, :] + E, theta[:, None, :] - E], axis=1).reshape(R * 2 * P, P)
    g = flat_gradient(shifted)[1].reshape(R, 2, P, P)
    H = (g[:, 0] - g[:, 1]) / (2 * h)
    return (H + H.transpose(0, 2, 1)) / 2


def descend_far(theta, steps: int, record, lr: float = LR) -> dict[str, np.ndarray]:
    """Continue full-batch gradient descent on XOR for one 2-2-1 network from θ (9,) = [W¹ row by row, b¹, W², b²].

    The same step as ``train_restarts`` (BP1–BP4 written out for the four points, σ(z) = (1 + tanh(z/2))/2),
    in plain Python floats. Returns, at the step numbers in ``record`` (counted from θ, ≤ steps):
    'step', 'loss', 'grad_norm' ‖∇L‖ and 'norm' ‖θ‖, each an array; and 'theta' (9,) at the end.
    """
    a, b, c, d, p, q, e, f, g = (float(v) for v in np.asarray(theta, dtype=float).ravel())
    # W¹ = [[a, b], [c, d]], b¹ = (p, q), W² = (e, f), b² = g
    points = [(float(x0), float(x1), float(y)) for x0, x1, y in zip(*xor_data()[0], xor_data()[1][0], strict=True)]
    marks = sorted(set(int(k) for k in record))
    rows = []
    tanh, log1p, exp = math.tanh, math.log1p, math.exp
    for k in range(steps + 1):
        mark = bool(marks) and k == marks[0]
        ga = gb = gc = gd = gp = gq = ge = gf = gg = loss = 0.0
        for x0, x1, y in points:
            h1, h2 = tanh(a * x0 + b * x1 + p), tanh(c * x0 + d * x1 + q)
            z = e * h1 + f * h2 + g
            r = (0.5 + 0.5 * tanh(0.5 * z) - y) / 4  # BP1: (σ(z) − y)/m
            ge, gf, gg = ge + r * h1, gf + r * h2, gg + r  # BP4, BP3 of layer 2
            u, v = r * e * (1.0 - h1 * h1), r * f * (1.0 - h2 * h2)  # BP2
            ga, gb, gp = ga + u * x0, gb + u * x1, gp + u  # BP4, BP3 of layer 1
            gc, gd, gq = gc + v * x0, gd + v * x1, gq + v
            if mark:
                loss += (max(z, 0.0) + log1p(exp(-abs(z))) - y * z) / 4  # log(1 + e^z) − y z, stably
        if mark:
            marks.pop(0)
            grad = math.sqrt(sum(x * x for x in (ga, gb, gc, gd, gp, gq, ge, gf, gg)))
            rows.append((k, loss, grad, math.sqrt(sum(x * x for x in (a, b, c, d, p, q, e, f, g)))))
        if k == steps:
            break
        a, b, c, d = a - lr * ga, b - lr * gb, c - lr * gc, d - lr * gd
        p, q, e, f, g = p - lr * gp, q - lr * gq, e - lr * ge, f - lr * gf, g - lr * gg
    columns = np.array(rows, dtype=float).reshape(-1, 4).T
    out = dict(zip(("step", "loss", "grad_norm", "norm"), columns, strict=True))
    out["step"] = out["step"].astype(int)
    out["theta"] = np.array([a, b, c, d, p, q, e, f, g])
    return out


# ---- a 1-D illustration ------------------------------------------------------------------------


def bumpy(w: np.ndarray) -> np.ndarray:
    """A non-convex 1-D 'loss': a wide bowl with ripples, so several valleys of different depths."""
    return 0.05 * w**2 + 0.4 * np.sin(2.2 * w) + 0.15 * np.sin(5.3 * w + 1.0)


def bumpy_prime(w: np.ndarray) -> np.ndarray:
    """The derivative of ``bumpy``."""
    return 0.1 * w + 0.88 * np.cos(2.2 * w) + 0.795 * np.cos(5.3 * w + 1.0)


def descend_1d(starts, lr: float = 0.05, steps: int = 300) -> np.ndarray:
    """Gradient descent on ``bumpy`` from each start; returns the end points (len(starts),)."""
    w = np.array(starts, dtype=float)
    for _step in range(steps):
        w = w - lr * bumpy_prime(w)
    return w


def plot_nonconvex_1d(ax, starts=(-5.5, -3.6, -1.2, 0.4, 2.3, 4.6)) -> np.ndarray:
    """Draw ``bumpy`` and where gradient descent from each start ends; returns the end points."""
    grid = np.linspace(-7, 7, 600)
    ax.plot(grid, bumpy(grid), color="gray", lw=1.5, label=figure_text("loss L(w)"))
    ends = descend_1d(starts)
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        color = f"C{i}"
        ax.plot([s], [bumpy(np.array(s))], "o", mfc="white", mec=color, ms=7)
        ax.plot([e], [bumpy(np.array(e))], "o", color=color, ms=7)
        ax.annotate("", xy=(e, bumpy(np.array(e))), xytext=(s, bumpy(np.array(s))),
                    arrowprops=dict(arrowstyle="->", color=color, lw=1))  # fmt: skip
    best = grid[np.argmin(bumpy(grid))]
    ax.plot([best], [bumpy(np.array(best))], "*", color="k", ms=12, label=figure_text("global minimum"))
    ax.plot([], [], "o", mfc="white", mec="k", label=figure_text("start"))
    ax.plot([], [], "o", color="k", label=figure_text("where gradient descent stops"))
    ax.set_xlabel(figure_text("weight w"))
    ax.set_ylabel(figure_text("loss L(w)"))
    ax.set_title(figure_text("Gradient descent ends in the valley it starts in"))
    ax.legend(fontsize=8, loc="upper center")
    ax.grid(True, alpha=0.3)
    return ends


WIDGETS = {"restarts": restarts}
