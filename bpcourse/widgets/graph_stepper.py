r"""Step through the backward sweep of a computational graph, one node per step (chapter 3b).

At step k the engine (``bpcourse.autodiff``) has just processed the k-th node in reverse
topological order: the widget shows that node's incoming gradient g = ∂L/∂node, the local
derivative towards each input, their product (the contribution), and the input's running sum,
which is where a value used twice (a fork) collects the contributions of both uses. Every number
comes from ``autodiff.backward(root, trace=...)``.

Three graphs: the chapter's worked example f = (x + y)·max(y, z), where y is used twice; one
sigmoid neuron with a squared error; and the 2-2-1 sigmoid network of chapter 1 built from array
nodes, with each edge of the backward sweep labelled by the equation (BP1–BP4) it computes.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import ipywidgets as W
import numpy as np

from .. import autodiff as ad
from ..autodiff_plot import draw_graph, fmt_array, label, layout, paint
from ..i18n import N_, _, figure_text
from .base import WidgetPlot, dropdown, slider

LOCAL_RULE = {  # the local derivative in words, for the status line (translated there; formulas alone are not)
    "add": N_("1 (add routes g unchanged)"),
    "sub": N_("+1 for the first input, −1 for the second"),
    "mul": N_("the other input (mul scales g)"),
    "div": N_("1/b for a, −a/b² for b"),
    "neg": "−1",
    "pow": "p·xᵖ⁻¹",
    "exp": N_("eˣ, the output itself"),
    "log": "1/x",
    "tanh": N_("1 − tanh², from the output"),
    "sigmoid": N_("σ(1 − σ), from the output"),
    "relu": N_("1 where x > 0, else 0 (a switch)"),
    "max": N_("1 for the larger input, 0 for the other (a switch)"),
    "matmul": N_("VJP: g Bᵀ for A, Aᵀ g for B"),
    "sum": N_("1 for every summed entry: g is copied back"),
}


class Step(NamedTuple):
    """One node of the backward sweep: its incoming gradient and one (input, local, contribution, sum) per input."""

    node: ad.Node
    g: np.ndarray
    edges: list  # [(parent, local derivative or None for arrays, contribution, running sum)]


class Sweep(NamedTuple):
    root: ad.Node
    steps: list  # Step per processed node, in the order backward visits them
    pos: dict
    edge_labels: dict  # {(id(child), id(parent)): text}
    users: dict  # id(node) -> how many edges leave it (2 or more: a fork)


def fork_example() -> ad.Node:
    """f = (x + y)·max(y, z) at x = 3, y = 2, z = −1: y feeds both the add and the max."""
    x, y, z = ad.Node(3.0, name="x"), ad.Node(2.0, name="y"), ad.Node(-1.0, name="z")
    q = x + y
    q.name = "q"
    m = ad.maximum(y, z)
    m.name = "m"
    f = q * m
    f.name = "f"
    return f


def neuron_example() -> ad.Node:
    """L = ½(σ(w·x + b) − t)² at w = 0.5, x = 1.5, b = −0.2, t = 1: one sigmoid unit and its loss."""
    w, x, b, t = (ad.Node(v, name=n) for v, n in ((0.5, "w"), (1.5, "x"), (-0.2, "b"), (1.0, "t")))
    wx = w * x
    z = wx + b
    a = z.sigmoid()
    d = a - t
    L = 0.5 * d**2
    for node, n in ((wx, "wx"), (z, "z"), (a, "a"), (d, "a−t"), (L, "L")):
        node.name = n
    return L


def mlp_example() -> tuple[ad.Node, dict]:
    """Chapter 1's 2-2-1 sigmoid network with L = ½(a² − y)², one example, as array nodes; returns (L, edge labels)."""
    from .stepper import make_example

    net, x, y = make_example(0)
    P = {k: ad.Node(v, name=k) for k, v in net.params.items()}
    X = ad.Node(x, name="x")
    WX1 = P["W1"] @ X
    Z1 = WX1 + P["b1"]
    A1 = Z1.sigmoid()
    WA2 = P["W2"] @ A1
    Z2 = WA2 + P["b2"]
    A2 = Z2.sigmoid()
    D = A2 - ad.Node(y, name="y")
    sq = D**2
    L = 0.5 * sq.sum()
    for node, n in ((WX1, "W¹x"), (Z1, "z¹"), (A1, "a¹"), (WA2, "W²a¹"), (Z2, "z²"), (A2, "a²"), (D, "a²−y"), (L, "L")):
        node.name = n
    edges = {
        (A2, Z2): "BP1: ⊙σ′(z²) → δ²",
        (Z2, P["b2"]): "BP3: δ²",
        (Z2, WA2): "δ²",
        (WA2, P["W2"]): "BP4: δ²(a¹)ᵀ",
        (WA2, A1): "BP2: (W²)ᵀδ²",
        (A1, Z1): "BP2: ⊙σ′(z¹) → δ¹",
        (Z1, P["b1"]): "BP3: δ¹",
        (Z1, WX1): "δ¹",
        (WX1, P["W1"]): "BP4: δ¹xᵀ",
        (D, A2): "∂L/∂a² = a² − y",
        (sq, D): "2(a² − y)",
    }
    return L, {(id(c), id(p)): t for (c, p), t in edges.items()}


GRAPHS = {  # the keys are the dropdown's values (English in every language), translated where shown
    N_("f = (x + y)·max(y, z): y used twice"): lambda: (fork_example(), {}),
    N_("one neuron: L = ½(σ(wx + b) − t)²"): lambda: (neuron_example(), {}),
    N_("the 2-2-1 network of chapter 1 (BP1–BP4)"): mlp_example,
}


@lru_cache(maxsize=8)
def sweep(graph: str) -> Sweep:
    """Build ``graph``, run the engine's backward with a trace, and group the trace by node."""
    root, edge_labels = GRAPHS[graph]()
    records = []
    ad.backward(root, trace=lambda node, parent, g, c, total: records.append((node, parent, g.copy(), c, total)))
    steps = []
    for node, parent, g, c, total in records:
        if not steps or steps[-1].node is not node:
            steps.append(Step(node, g, []))
        local = None
        if node.value.ndim == 0 and parent.value.ndim == 0:  # scalars: the local derivative is a number
            local = np.asarray(ad.VJP[node.op](np.ones_like(node.value), *ad._rule_inputs(node))[len(steps[-1].edges)])
        steps[-1].edges.append((parent, local, c, total))
    users: dict = {}
    for n in ad.topological_order(root):
        for p in n.parents:
            users[id(p)] = users.get(id(p), 0) + 1
    return Sweep(root, steps, layout(root), edge_labels, users)


def explain(s: Sweep, step: int) -> str:
    """The status line of ``step``: the node's incoming g, and local × g = contribution, running sum per input."""
    if step == 0:
        root = label(s.root).split(":")[0]
        return _(
            "<b>Step 0/{steps}.</b> The forward pass is done (every value v is known). The sweep starts "
            "at the output: ∂{root}/∂{root} = 1."
        ).format(steps=len(s.steps), root=root)
    st = s.steps[step - 1]
    name = label(st.node).split(":")[0]
    parts = [
        _(
            "<b>Step {step}/{steps}: node {name} ({op}).</b> Incoming gradient g = {g}; local derivative: {rule}."
        ).format(
            step=step, steps=len(s.steps), name=name, op=st.node.op, g=fmt_array(st.g), rule=_(LOCAL_RULE[st.node.op])
        )
    ]
    for i, (parent, local, c, total) in enumerate(st.edges):
        pname = label(parent).split(":")[0]
        if local is not None:
            before = float(total) - float(c)
            values = dict(name=pname, g=fmt_array(st.g), local=fmt_array(local), c=fmt_array(c))
            if s.users.get(id(parent), 0) > 1 or (i > 0 and st.edges[0][0] is parent):
                line = _(
                    "→ {name}: g × local = {g} × {local} = {c}; running sum at {name}: {before} + {c} = {total} "
                    "({name} is used {uses} times: a fork, the contributions add)"
                ).format(**values, before=fmt_array(before), total=fmt_array(total), uses=s.users[id(parent)])
            else:
                line = _("→ {name}: g × local = {g} × {local} = {c}").format(**values)
        else:
            values = dict(name=pname, c=fmt_array(c), shape=c.shape, total=fmt_array(total))
            tag = s.edge_labels.get((id(st.node), id(parent)))
            if tag:
                line = _("→ {name}: contribution {c} (shape {shape}), running sum {total} [{tag}]").format(
                    **values, tag=tag
                )
            else:
                line = _("→ {name}: contribution {c} (shape {shape}), running sum {total}").format(**values)
        parts.append(line)
    return "<br>".join(parts)


def graph_stepper(graph: str | None = None, step: int = 0) -> WidgetPlot:
    """The widget: a dropdown of graphs, a slider over the backward steps, and previous/next buttons."""
    graph = graph or next(iter(GRAPHS))
    n_steps = len(sweep(graph).steps)
    controls = {
        "graph": dropdown(
            _("graph"),
            [(_(name), name) for name in GRAPHS],  # the value stays the English key
            graph,
            tooltip=_("the computational graph whose backward sweep is shown"),
        ),
        "step": slider(
            _("backward step"),
            min(step, n_steps),
            0,
            n_steps,
            1,
            tooltip=_("how many nodes the sweep has visited, in reverse topological order (0: only the output's 1)"),
        ),
    }
    buttons = {
        "back": W.Button(
            description=_("◀ previous node"),
            tooltip=_("undo the last step of the sweep"),
            layout=W.Layout(width="150px"),
        ),
        "next": W.Button(
            description=_("next node ▶"),
            button_style="primary",
            tooltip=_("visit the next node of the backward sweep"),
            layout=W.Layout(width="150px"),
        ),
    }
    holder = {}

    def new_graph(change):  # registered before WidgetPlot's own observer: fit the slider, then one redraw
        plot = holder["plot"]
        was_paused, plot._paused = plot._paused, True  # also inside reset(), which pauses the plot itself
        try:
            controls["step"].max = len(sweep(change["new"]).steps)
            controls["step"].value = 0
        finally:
            plot._paused = was_paused

    controls["graph"].observe(new_graph, names="value")

    def setup(fig):
        fig.set_layout_engine(None)  # one Axes over the whole figure: no layout to compute
        ax = fig.add_axes((0.0, 0.0, 1.0, 0.93))
        title = fig.text(0.01, 0.99, "", fontsize=9, va="top")
        return {"ax": ax, "title": title, "graph": None, "drawn": None}

    def draw(artists, graph, step):
        s = sweep(graph)
        grads = {id(s.root): s.root.grad}
        for st in s.steps[:step]:  # the running sums as they stand after this step
            for parent, _local, _c, total in st.edges:
                grads[id(parent)] = total
        current = s.steps[step - 1] if step else None
        hot = {(id(current.node), id(p)) for p, *_ in current.edges} if current else set()
        highlight = current.node if current else s.root
        if artists["graph"] != graph:  # a new graph: draw it once, then only restyle it step by step
            artists["ax"].clear()
            artists["drawn"] = draw_graph(artists["ax"], s.root, grads, highlight, s.edge_labels, hot, s.pos)
            artists["graph"] = graph
        else:
            paint(artists["drawn"], grads, highlight, hot)
        artists["title"].set_text(
            figure_text("backward step {step}/{steps}:  v = value,  g = ∂L/∂node so far (? = not reached yet)").format(
                step=step, steps=len(s.steps)
            )
        )
        return explain(s, step)

    plot = WidgetPlot(
        controls,
        draw,
        title=_("Step through backprop on a computational graph, node by node"),
        figsize=(13, 5),
        extra=[W.HBox(list(buttons.values()))],
        setup=setup,
    )
    holder["plot"] = plot
    buttons["next"].on_click(
        lambda _: setattr(controls["step"], "value", min(controls["step"].value + 1, controls["step"].max))
    )
    buttons["back"].on_click(lambda _: setattr(controls["step"], "value", max(controls["step"].value - 1, 0)))
    plot.buttons = buttons
    return plot


WIDGETS = {"graph_stepper": graph_stepper}
