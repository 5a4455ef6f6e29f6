"""Draw an ``autodiff`` graph with matplotlib alone (no graphviz): one box per node, arrows along the data.

Layout: the root sits in the rightmost column; every other node sits one column left of the
leftmost node that uses it, so each input appears next to the operation it feeds. Within a
column, nodes are ordered by the rows of the nodes they feed (one barycentre pass), which keeps
the arrows short. matplotlib is imported only when a graph is drawn.
"""

from __future__ import annotations

import numpy as np

from .autodiff import Node, topological_order
from .i18n import SOURCE_LANGUAGE, figure_text, language
from .plots import GREY, VERMILLION

BOX_W, BOX_H, COLUMN = 1.05, 0.8, 1.4  # box size and the distance between columns, in data units
# light tints of the Okabe–Ito blue, orange and bluish green; the node being visited also has a thick vermillion
# border and its edges are thick, so no state is told by colour alone
INPUT_COLOR, OP_COLOR, HIGHLIGHT_COLOR, DONE_COLOR = "#DCEBF5", "#F4F4F4", "#FBE3B8", "#CCEDE3"
HOT_COLOR, EDGE_COLOR = VERMILLION, GREY


def fmt_array(a: np.ndarray, digits: int = 3) -> str:
    """A number with ``digits`` significant digits; a small array as a list of them; a big one by its shape."""
    a = np.asarray(a)
    if a.size == 1:
        v = float(a.reshape(-1)[0])
        return "0" if v == 0 else f"{v:.{digits}g}"
    if a.size <= 3:
        return "[" + ", ".join(fmt_array(v, 2) for v in a.reshape(-1)) + "]"
    return "×".join(str(n) for n in a.shape)


def _box_lines(tag: str, a) -> list[str]:
    """``tag`` and a value on one line; a small array (a row or a column) with one entry per line, to fit the box."""
    a = a if isinstance(a, str) else np.asarray(a)
    if isinstance(a, str) or a.size == 1 or a.size > 3:
        return [f"{tag} {a if isinstance(a, str) else fmt_array(a)}"]
    entries = [fmt_array(v, 2) for v in a.reshape(-1)]
    return [f"{tag} {entries[0]}"] + [" " * (len(tag) + 1) + e for e in entries[1:]]


def label(node: Node) -> str:
    """The first line of a node's box: its name and op ("q: add"), its op, or "input"/"const"."""
    op = node.op if node.parents else ("input" if node.name else figure_text("const"))
    return f"{node.name}: {op}" if node.name and node.parents else node.name or op


def _box_family():
    """The boxes' font: monospace, so a column of entries lines up; in another language than English, the
    figure fonts follow it, so a translated label ("常量") falls back to the CJK font glyph by glyph."""
    if language() == SOURCE_LANGUAGE:
        return "monospace"
    import matplotlib as mpl

    return ["monospace", *mpl.rcParams["font.family"]]


def layout(root: Node) -> dict[int, tuple[float, float]]:
    """Position (x, row) of every node of ``root``'s graph, keyed by ``id(node)``."""
    order = topological_order(root)
    depth = {id(root): 0}  # columns counted from the root, leftwards
    for node in reversed(order):  # children before parents: each parent one column left of its leftmost user
        for p in node.parents:
            depth[id(p)] = max(depth.get(id(p), 0), depth[id(node)] + 1)
    n_cols = max(depth.values()) + 1
    columns: dict[int, list[Node]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)
    pos: dict[int, tuple[float, float]] = {}
    for d in range(n_cols):  # from the root leftwards: order each column by where its users sit
        nodes = columns.get(d, [])
        if d > 0:
            users = {id(n): [] for n in nodes}
            for col in range(d):
                for child in columns.get(col, []):
                    for p in child.parents:
                        if id(p) in users:
                            users[id(p)].append(pos[id(child)][1])
            nodes = sorted(nodes, key=lambda n: -np.mean(users[id(n)]) if users[id(n)] else 0.0)  # top row first
        k = len(nodes)
        for i, n in enumerate(nodes):
            pos[id(n)] = (COLUMN * (n_cols - 1 - d), (k - 1) / 2.0 - i)
    return pos


def draw_graph(
    ax,
    root: Node,
    show_grad: bool | dict = True,
    highlight: Node | None = None,
    edge_labels: dict | None = None,
    hot_edges: set | None = None,
    pos: dict | None = None,
) -> dict:
    """Draw ``root``'s graph on ``ax``: boxes with the label, value and grad of each node, arrows parent → child.

    show_grad : True (every node's grad), False (none), or a dict ``id(node)`` → the gradient to show (a running
        sum during the sweep; "?" for the nodes it lacks, which stay grey while the others turn green).
    highlight : the node drawn in orange (the one the backward sweep is at).
    edge_labels : {(id(child), id(parent)): text} written on the arrows; hot_edges: those drawn red.
    Returns the artists, for ``paint`` to restyle in place: "pos" (see ``layout``), "nodes" (the graph's nodes),
    "boxes" and "texts" by ``id(node)``, "arrows" and "labels" by (id(child), id(parent)).
    """
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    pos = pos or layout(root)
    order = topological_order(root)
    drawn = {"pos": pos, "nodes": order, "boxes": {}, "texts": {}, "arrows": {}, "labels": {}}
    for child in order:
        for p in dict.fromkeys(child.parents):  # x * x: one arrow
            (x0, y0), (x1, y1) = pos[id(p)], pos[id(child)]
            key = (id(child), id(p))
            drawn["arrows"][key] = ax.add_patch(
                FancyArrowPatch((x0 + BOX_W / 2, y0), (x1 - BOX_W / 2, y1), arrowstyle="-|>", mutation_scale=10)
            )
            text = (edge_labels or {}).get(key)
            if text:
                drawn["labels"][key] = ax.text(
                    (x0 + x1) / 2,
                    (y0 + y1) / 2 + 0.08,
                    text,
                    ha="center",
                    va="bottom",
                    fontsize=7.5,
                    bbox=dict(boxstyle="round,pad=0.1", fc="white", ec="none", alpha=0.8),
                )
    for node in order:
        x, y = pos[id(node)]
        drawn["boxes"][id(node)] = ax.add_patch(
            FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, boxstyle="round,pad=0.02")
        )
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    half_x = max((max(xs) - min(xs)) / 2 + BOX_W / 2 + 0.1, 4.5)  # a small graph keeps small boxes
    half_y = max((max(ys) - min(ys)) / 2 + BOX_H / 2 + 0.1, 1.6)
    ax.set_xlim(cx - half_x, cx + half_x)
    ax.set_ylim(cy - half_y, cy + half_y)
    ax.set_axis_off()
    # the font that fits the longest line of any box (its label, value or final grad) into the box's width
    longest = max(len(line) for n in order for line in [label(n), *_box_lines("v", n.value), *_box_lines("g", n.grad)])
    box_points = BOX_W / (2 * half_x) * ax.get_position().width * ax.figure.get_figwidth() * 72
    size = float(np.clip(box_points / ((max(longest, 8) + 1) * 0.62), 5.0, 9.0))
    family = _box_family()
    for node in order:
        x, y = pos[id(node)]
        drawn["texts"][id(node)] = ax.text(x, y, "", ha="center", va="center", fontsize=size, family=family)
    paint(drawn, show_grad, highlight, hot_edges)
    return drawn


def paint(drawn: dict, show_grad: bool | dict = True, highlight: Node | None = None, hot_edges: set | None = None):
    """Restyle a drawn graph in place: the grads shown, the highlighted node, the red edges (see ``draw_graph``)."""
    hot_edges = hot_edges or set()
    for key, arrow in drawn["arrows"].items():
        hot = key in hot_edges
        arrow.set_color(HOT_COLOR if hot else EDGE_COLOR)
        arrow.set_linewidth(2.0 if hot else 1.0)
        if key in drawn["labels"]:
            drawn["labels"][key].set_color(HOT_COLOR if hot else "#444444")
    for node in drawn["nodes"]:
        shown = show_grad if isinstance(show_grad, bool) else id(node) in show_grad
        if node is highlight:
            color = HIGHLIGHT_COLOR
        elif not isinstance(show_grad, bool) and shown:
            color = DONE_COLOR
        else:
            color = OP_COLOR if node.parents else INPUT_COLOR
        box = drawn["boxes"][id(node)]
        box.set_facecolor(color)
        box.set_edgecolor(HOT_COLOR if node is highlight else "#555555")
        box.set_linewidth(1.8 if node is highlight else 0.8)
        grad = "?" if not shown else node.grad if isinstance(show_grad, bool) else show_grad[id(node)]
        lines = [label(node), *_box_lines("v", node.value)] + (_box_lines("g", grad) if show_grad is not False else [])
        drawn["texts"][id(node)].set_text("\n".join(lines))
