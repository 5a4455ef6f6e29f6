r"""Step through one training iteration of a 2-2-1 sigmoid network, one stage per button press.

The network is drawn as a graph: three input-side nodes feed two hidden units, which feed
one output unit. The stages of one iteration are

    0 start            the weights W^1, W^2 (biases start at 0)
    1 forward, layer 1 z^1 = W^1 x + b^1, a^1 = σ(z^1) on the hidden nodes
    2 forward, layer 2 z^2 = W^2 a^1 + b^2, ŷ = a^2 = σ(z^2) on the output node
    3 loss             L = ½(ŷ − y)²
    4 backward, layer 2  δ^2 = (ŷ − y) σ′(z^2) (BP1), ∂L/∂W^2 = δ^2 (a^1)ᵀ (BP4)
    5 backward, layer 1  δ^1 = (W^2)ᵀ δ^2 ⊙ σ′(z^1) (BP2), ∂L/∂W^1 = δ^1 xᵀ
    6 update           W ← W − α ∂L/∂W, b ← b − α ∂L/∂b

Every number comes from the library: ``net.forward_cache``, ``bp.losses.mse``,
``bp.layers.activation_backward`` (BP1), ``net.backward`` and ``bp.optim.SGD``. With one
example (m = 1), δ^l equals ∂L/∂b^l (BP3), which is how the hidden δ is read off.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import ipywidgets as W
import numpy as np
from matplotlib.ticker import MaxNLocator

from .. import layers, losses, optim
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..plots import BLUE, BLUISH_GREEN, REDDISH_PURPLE, VERMILLION
from ._speed import Backdrop
from .base import WidgetPlot, log_slider, number, slider

STAGES = (  # drawn in the diagram's title through figure_text
    N_("start: the weights"),
    N_("forward, layer 1 (hidden)"),
    N_("forward, layer 2 (output)"),
    N_("loss"),
    N_("backward, layer 2 (output)"),
    N_("backward, layer 1 (hidden)"),
    N_("update"),
)
MAX_ITERATIONS = 30
NODE_XY = {"x1": (0.0, 0.78), "x2": (0.0, 0.22), "h1": (1.8, 0.78), "h2": (1.8, 0.22), "y": (3.4, 0.5)}
EDGES = [("W1", 0, 0, "x1", "h1"), ("W1", 0, 1, "x2", "h1"), ("W1", 1, 0, "x1", "h2"), ("W1", 1, 1, "x2", "h2")]
EDGES += [("W2", 0, 0, "h1", "y"), ("W2", 0, 1, "h2", "y")]
# Okabe–Ito colours, each stage also told apart by its text (values, ∂L/∂w, old → new) and the stage title
FORWARD_COLOR, BACKWARD_COLOR, UPDATE_COLOR, LOSS_COLOR = BLUE, VERMILLION, BLUISH_GREEN, REDDISH_PURPLE


class Iteration(NamedTuple):
    """Everything one training iteration computes, for one example x (2, 1) with label y (1, 1)."""

    params: dict  # W1 (2, 2), b1 (2, 1), W2 (1, 2), b2 (1, 1) before the update
    Z: list  # [z^1 (2, 1), z^2 (1, 1)]
    A: list  # [a^1 (2, 1), a^2 = ŷ (1, 1)]
    loss: float
    delta: list  # [δ^1 (2, 1), δ^2 (1, 1)]
    grads: dict  # ∂L/∂W1, ∂L/∂b1, ∂L/∂W2, ∂L/∂b2
    new_params: dict  # after W ← W − α ∂L/∂W


def make_example(example: int) -> tuple[MLP, np.ndarray, np.ndarray]:
    """A 2-2-1 sigmoid network with MSE loss and one training example, all drawn from seed ``example``.

    Inputs and starting weights are rounded to 2 decimals so a learner can redo the
    arithmetic by hand; the label alternates: y = 1 for even ``example``, 0 for odd.
    """
    net = MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse", init="xavier", seed=example)
    for l in (1, 2):
        net.params[f"W{l}"][...] = np.round(net.params[f"W{l}"], 2)
    rng = np.random.default_rng(1000 + example)
    x = np.round(rng.uniform(-1.0, 1.0, size=(2, 1)), 2)
    y = np.array([[1.0 if example % 2 == 0 else 0.0]])
    return net, x, y


def train_step(net: MLP, x: np.ndarray, y: np.ndarray, lr: float) -> Iteration:
    """Run forward, loss, backward and update once on (x, y), updating ``net`` in place."""
    before = {k: v.copy() for k, v in net.params.items()}
    y_hat, caches = net.forward_cache(x)  # forward
    L, dA = losses.mse(y_hat, y)  # loss, and ∂L/∂ŷ = ŷ − y
    dZ2 = layers.activation_backward(dA, caches[-1].activation)  # BP1: δ^2 = (ŷ − y) σ′(z^2)
    grads = net.backward(dZ2, caches)  # BP2–BP4, layer by layer from the output
    optim.SGD(lr=lr).step(net.params, grads)  # update
    return Iteration(
        params=before,
        Z=[c.activation.Z for c in caches],
        A=[c.activation.A for c in caches],
        loss=L,
        delta=[grads["b1"], dZ2],  # m = 1, so δ^l = ∂L/∂b^l (BP3)
        grads=grads,
        new_params={k: v.copy() for k, v in net.params.items()},
    )


@lru_cache(maxsize=64)
def run(
    example: int, lr: float, iterations: int = MAX_ITERATIONS
) -> tuple[tuple[Iteration, ...], np.ndarray, np.ndarray]:
    """``iterations`` training iterations on example ``example``: (the iterations, x (2, 1), y (1, 1))."""
    net, x, y = make_example(example)
    return tuple(train_step(net, x, y, lr) for _ in range(iterations)), x, y


def fmt(v: float) -> str:
    """A number with 3 significant digits, in plain notation from 1e-3 to 1e4 (``base.number``)."""
    return number(v)


def signed(v: float) -> str:
    return ("+" if v >= 0 else "") + fmt(v)


class NetworkDiagram:
    """The 2-2-1 network on one Axes; ``show(it, x, y, stage)`` writes the numbers of a stage."""

    def __init__(self, ax):
        self.ax = ax
        ax.set_xlim(-0.45, 5.0)
        ax.set_ylim(-0.2, 1.3)
        ax.axis("off")
        self.edge_lines, self.edge_text = [], []
        for *_weight, a, b in EDGES:
            (xa, ya), (xb, yb) = NODE_XY[a], NODE_XY[b]
            (line,) = ax.plot([xa, xb], [ya, yb], color="0.6", lw=1.5, zorder=1)
            # where along the edge its label sits: apart from the crossing, the nodes and each other
            t = 0.45 if a.startswith("h") else 0.4 if ya == yb else 0.33
            label = ax.text(
                xa + t * (xb - xa),
                ya + t * (yb - ya),
                "",
                fontsize=9,
                ha="center",
                va="center",
                zorder=3,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="0.8", alpha=0.92),
            )
            self.edge_lines.append(line)
            self.edge_text.append(label)
        self.node_text = {}
        for name, (nx, ny) in NODE_XY.items():
            ax.scatter([nx], [ny], s=1100, color="white", edgecolor="0.2", linewidth=1.5, zorder=2)
            sym = {"x1": "$x_1$", "x2": "$x_2$", "h1": "$h_1$", "h2": "$h_2$", "y": r"$\hat y$"}[name]
            ax.text(nx, ny, sym, ha="center", va="center", fontsize=12, zorder=4)
            below = ny < 0.5
            right = name == "y"  # the output's numbers go to its right, clear of the edge labels
            self.node_text[name] = ax.text(
                nx + (0.22 if right else 0.0),
                ny + (0.0 if right else -0.11 if below else 0.11),
                "",
                ha="left" if right else "center",
                va="center" if right else "top" if below else "bottom",
                fontsize=9,
                zorder=4,
                linespacing=1.15,
            )
        self.loss_text = ax.text(3.62, 0.97, "", ha="left", va="top", fontsize=10, zorder=4)
        for lx, name in ((0.0, N_("input")), (1.8, N_("hidden, σ = sigmoid")), (3.4, N_("output, σ = sigmoid"))):
            ax.text(lx, 1.2, figure_text(name), ha="center", va="top", fontsize=9, color="0.35")
        # a plain text, not ax.set_title: placing a title costs ~20 ms per redraw
        self.title = ax.text(-0.45, 1.3, "", fontsize=11, ha="left", va="top")

    def show(self, it: Iteration, x: np.ndarray, y: np.ndarray, stage: int, lr: float) -> None:
        P, G, N = it.params, it.grads, it.new_params
        for k, (name, i, j, *_nodes) in enumerate(EDGES):
            layer = 1 if name == "W1" else 2
            w, g, w_new = P[name][i, j], G[name][i, j], N[name][i, j]
            if stage >= 6:
                text, color = f"{fmt(w)} → {fmt(w_new)}\n(Δ {signed(w_new - w)})", UPDATE_COLOR
            elif stage >= 6 - layer:  # layer 2's gradients appear at stage 4, layer 1's at 5
                text, color = f"w = {fmt(w)}\n∂L/∂w = {fmt(g)}", BACKWARD_COLOR
            else:
                text, color = f"w = {fmt(w)}", "0.15"
            self.edge_text[k].set_text(text)
            self.edge_text[k].set_color(color)
            active = (stage == layer) or (stage == 6 - layer) or stage == 6
            line_color = FORWARD_COLOR if stage == layer else color
            self.edge_lines[k].set_color(line_color if active else "0.6")
            self.edge_lines[k].set_linewidth(1.0 + 2.5 * min(abs(w), 1.5))
        self.node_text["x1"].set_text(f"$x_1$ = {fmt(x[0, 0])}")
        self.node_text["x2"].set_text(f"$x_2$ = {fmt(x[1, 0])}")
        for layer, names in ((1, ("h1", "h2")), (2, ("y",))):
            for i, name in enumerate(names):
                b, b_new = P[f"b{layer}"][i, 0], N[f"b{layer}"][i, 0]
                lines = [f"b = {fmt(b)}"]
                if stage >= layer:
                    lines.append(f"z = {fmt(it.Z[layer - 1][i, 0])},  a = {fmt(it.A[layer - 1][i, 0])}")
                if 6 > stage >= 6 - layer:
                    lines.append(f"δ = ∂L/∂b = {fmt(it.delta[layer - 1][i, 0])}")
                if stage >= 6:
                    lines[0] = f"b: {fmt(b)} → {fmt(b_new)}"
                self.node_text[name].set_text("\n".join(lines))
                self.node_text[name].set_color(
                    UPDATE_COLOR if stage == 6 else BACKWARD_COLOR if stage >= 6 - layer else "0.1"
                )
        if stage >= 3:
            y_hat = it.A[1][0, 0]
            self.loss_text.set_text(
                figure_text("label y = {y}\nL = ½(ŷ − y)² = {loss}\n∂L/∂ŷ = ŷ − y = {error}").format(
                    y=fmt(y[0, 0]), loss=fmt(it.loss), error=fmt(y_hat - y[0, 0])
                )
            )
        else:
            self.loss_text.set_text(figure_text("label y = {y}").format(y=fmt(y[0, 0])))
        self.loss_text.set_color("0.1" if stage != 3 else LOSS_COLOR)
        self.title.set_text(
            figure_text("stage {stage}/6: {name}   (α = {lr})").format(
                stage=stage, name=figure_text(STAGES[stage]), lr=fmt(lr)
            )
        )


def explain(it: Iteration, x: np.ndarray, y: np.ndarray, stage: int, lr: float, next_iteration: int | None) -> str:
    """One sentence with the formula and numbers of ``stage``, for the widget's status line.

    At the update (stage 6) it says which iteration the next press starts, ``next_iteration``
    (None: there is no next one shown)."""
    z1, a1, z2, a2 = it.Z[0][:, 0], it.A[0][:, 0], it.Z[1][0, 0], it.A[1][0, 0]
    d1, d2 = it.delta[0][:, 0], it.delta[1][0, 0]
    if stage == 0:
        return _("Press <b>next stage</b> to run the forward pass.")
    if stage == 1:
        return _("Forward, layer 1: z¹ = W¹x + b¹ = ({z_1}, {z_2}), a¹ = σ(z¹) = ({a_1}, {a_2}).").format(
            z_1=fmt(z1[0]), z_2=fmt(z1[1]), a_1=fmt(a1[0]), a_2=fmt(a1[1])
        )
    if stage == 2:
        return _("Forward, layer 2: z² = W²a¹ + b² = {z}, ŷ = σ(z²) = {y_hat}.").format(z=fmt(z2), y_hat=fmt(a2))
    if stage == 3:
        return _("Loss: L = ½(ŷ − y)² = {loss} for label y = {y}.").format(loss=fmt(it.loss), y=fmt(y[0, 0]))
    if stage == 4:
        return _(
            "Backward, layer 2: δ² = (ŷ − y)·σ′(z²) = {error} × {slope} = {delta} (BP1); "
            "∂L/∂W² = δ²(a¹)ᵀ (BP4), ∂L/∂b² = δ² (BP3)."
        ).format(error=fmt(a2 - y[0, 0]), slope=fmt(a2 * (1 - a2)), delta=fmt(d2))
    if stage == 5:
        return _(
            "Backward, layer 1: δ¹ = (W²)ᵀδ² ⊙ σ′(z¹) = ({delta_1}, {delta_2}) (BP2); ∂L/∂W¹ = δ¹xᵀ (BP4)."
        ).format(delta_1=fmt(d1[0]), delta_2=fmt(d1[1]))
    if next_iteration is None:
        return _("Update with α = {lr}: every w ← w − α·∂L/∂w.").format(lr=fmt(lr))
    return _(
        "Update with α = {lr}: every w ← w − α·∂L/∂w. Next press: iteration {next} starts from these weights."
    ).format(lr=fmt(lr), next=next_iteration)


def stepper(example: int = 0, lr: float = 1.0, stage: int = 0, iteration: int = 0) -> WidgetPlot:
    """The step-through widget: buttons advance a ``stage`` slider; sliders pick iteration, α and example.

    The right panel shows the loss of the first ``MAX_ITERATIONS`` iterations with the current one marked.
    """
    controls = {
        "stage": slider(_("stage"), stage, 0, 6, 1, tooltip=_("stage of the iteration: 0 start, 1–2 forward, "
                        "3 loss, 4–5 backward, 6 update (the buttons below step through them)")),
        "iteration": slider(_("iteration"), iteration, 0, MAX_ITERATIONS - 1, 1,
                            tooltip=_("training iteration k (0 … {last}), each one forward, loss, "
                                      "backward and update").format(last=MAX_ITERATIONS - 1)),
        "lr": log_slider(_("learning rate α"), lr, np.arange(-2.0, 1.01, 0.25),
                         tooltip=_("learning rate α of the update w ← w − α·∂L/∂w (log scale)")),
        "example": slider(_("example"), example, 0, 99, 1,
                          tooltip=_("which training example and starting network (seed 0 … 99)")),
    }  # fmt: skip
    made = {}

    def button(description, tooltip, width, **kw):
        return W.Button(description=description, tooltip=tooltip, layout=W.Layout(width=width), **kw)

    buttons = {
        "back": button(_("◀ previous stage"), _("go back one stage"), "150px"),
        "next": button(_("next stage ▶"), _("run the next stage of the iteration"), "150px", button_style="primary"),
        "reset": button(_("reset"), _("restore every control: stage, iteration, α and example"), "90px", icon="undo"),
        "new": button(_("new example"), _("draw another input, label and starting network"), "120px"),
    }

    def setup(fig):
        gs = fig.add_gridspec(1, 2, width_ratios=[3.3, 1])
        diagram = NetworkDiagram(fig.add_subplot(gs[0]))
        ax = fig.add_subplot(gs[1])
        (curve,) = ax.plot([], [], color="0.5", marker=".", ms=4, lw=1, label=figure_text("L at iteration k"))
        (dot,) = ax.plot([], [], "o", color=LOSS_COLOR, ms=8, label=figure_text("this iteration"))
        ax.set_xlabel(figure_text("iteration k"))
        ax.set_ylabel(figure_text("loss L"))
        heading = ax.text(
            0.5, 1.02, figure_text("loss over iterations"), transform=ax.transAxes, ha="center", va="bottom"
        )
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper right")
        ax.xaxis.set_major_locator(MaxNLocator(4, integer=True))  # few tick labels: each costs ~1 ms to draw
        ax.yaxis.set_major_locator(MaxNLocator(4))
        # Blitting: the loss panel's x-axis and heading are pasted from a buffer; its y-axis (whose limits
        # follow the example and α) and the diagram, whose every edge line and number can change, are drawn.
        live = [*diagram.ax.get_children(), ax.yaxis, curve, dot]
        made["backdrop"] = Backdrop(fig, live, extra_static=[heading])
        return diagram, ax, curve, dot

    def draw(artists, stage, iteration, lr, example):
        diagram, ax, curve, dot = artists
        iterations, x, y = run(int(example), float(lr))
        it = iterations[iteration]
        diagram.show(it, x, y, stage, lr)
        Ls = np.array([i.loss for i in iterations])
        curve.set_data(np.arange(len(Ls)), Ls)
        dot.set_data([iteration], [Ls[iteration]] if stage >= 3 else [np.nan])
        ax.set_xlim(-1, len(Ls))
        ax.set_ylim(0, 1.1 * Ls.max())
        made["backdrop"].update()
        last = iteration + 1 >= MAX_ITERATIONS
        text = explain(it, x, y, stage, lr, next_iteration=None if last else iteration + 1)
        if last:  # next stage ▶ has nowhere to go: say so rather than do nothing silently
            text = _("{explanation} This is the last of the {n} iterations shown.").format(
                explanation=text, n=MAX_ITERATIONS
            )
        return _("<b>Iteration {iteration}, stage {stage}/6.</b> {explanation}").format(
            iteration=iteration, stage=stage, explanation=text
        )

    plot = WidgetPlot(
        controls,
        draw,
        title=_("Step through one training iteration of a 2-2-1 sigmoid network"),
        figsize=(11, 4.6),
        extra=[W.HBox(list(buttons.values()))],
        setup=setup,
        reset=False,  # its own reset sits with the stage buttons and restores every control (plot.reset)
    )
    plot.reset_button = buttons["reset"]

    def go(stage=None, iteration=None, example=None):
        """Set several controls with a single redraw."""
        new = {"stage": stage, "iteration": iteration, "example": example}
        for name, value in new.items():
            if value is not None:
                c = plot.controls[name]
                c.unobserve(plot._on_change, names="value")
                c.value = value
                c.observe(plot._on_change, names="value")
        plot.redraw()

    def next_stage(_=None):
        s, k = plot.controls["stage"].value, plot.controls["iteration"].value
        if s < 6:
            go(stage=s + 1)
        elif k < MAX_ITERATIONS - 1:
            go(stage=1, iteration=k + 1)

    def previous_stage(_=None):
        s, k = plot.controls["stage"].value, plot.controls["iteration"].value
        if s > 0:
            go(stage=s - 1)
        elif k > 0:
            go(stage=6, iteration=k - 1)

    buttons["next"].on_click(next_stage)
    buttons["back"].on_click(previous_stage)
    buttons["reset"].on_click(lambda _: plot.reset())
    buttons["new"].on_click(lambda _: go(stage=0, iteration=0, example=(plot.controls["example"].value + 1) % 100))
    plot.buttons = buttons
    return plot


def four_stages(fig, example: int = 0, lr: float = 1.0) -> None:
    """A static 2×2 figure of iteration 0: after the forward pass, the loss, the backward pass and the update."""
    iterations, x, y = run(example, lr)
    axes = fig.subplots(2, 2)
    for ax, stage in zip(axes.ravel(), (2, 3, 5, 6), strict=True):
        NetworkDiagram(ax).show(iterations[0], x, y, stage, lr)


WIDGETS = {"stepper": stepper}
