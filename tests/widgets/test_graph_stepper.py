"""The graph stepper of chapter 3b: the worked example's sweep node by node, forks, the MLP's BP labels, controls."""

import numpy as np
from matplotlib.colors import to_hex

from bpcourse import autodiff as ad
from bpcourse import autodiff_plot
from bpcourse.widgets import graph_stepper as G

FORK, NEURON, MLP = list(G.GRAPHS)


def box_texts(plot):
    return {t.get_text().split("\n")[0]: t.get_text() for t in plot.artists["drawn"]["texts"].values()}


def test_fork_example_sweep_by_hand():
    # f = (x + y)·max(y, z) at (3, 2, −1): q = 5, m = 2, f = 10; f̄ = 1, q̄ = m = 2, m̄ = q = 5, x̄ = 2, ȳ = 5 + 2, z̄ = 0
    s = G.sweep(FORK)
    assert [st.node.name for st in s.steps] == ["f", "m", "q"]
    f_step, m_step, q_step = s.steps
    assert [(p.name, float(local), float(c)) for p, local, c, _ in f_step.edges] == [("q", 2.0, 2.0), ("m", 5.0, 5.0)]
    assert [(p.name, float(c), float(total)) for p, _, c, total in m_step.edges] == [("y", 5.0, 5.0), ("z", 0.0, 0.0)]
    assert [(p.name, float(c), float(total)) for p, _, c, total in q_step.edges] == [("x", 2.0, 2.0), ("y", 2.0, 7.0)]
    assert s.users[id(q_step.edges[1][0])] == 2  # y feeds q and m


def test_status_lines_show_incoming_local_product_and_running_sum():
    plot = G.graph_stepper()
    assert plot.status.value.startswith("<b>Step 0/3.</b> The forward pass is done")
    assert "∂f/∂f = 1" in plot.status.value
    plot.controls["step"].value = 3
    assert plot.status.value == (
        "<b>Step 3/3: node q (add).</b> Incoming gradient g = 2; local derivative: 1 (add routes g unchanged)."
        "<br>→ x: g × local = 2 × 1 = 2"
        "<br>→ y: g × local = 2 × 1 = 2; running sum at y: 5 + 2 = 7 (y is used 2 times: a fork, the contributions add)"
    )
    texts = box_texts(plot)
    assert texts["y"] == "y\nv 2\ng 7"
    assert texts["x"] == "x\nv 3\ng 2"
    assert texts["f: mul"] == "f: mul\nv 10\ng 1"


def test_grads_appear_as_the_sweep_reaches_them():
    plot = G.graph_stepper(step=0)
    texts = box_texts(plot)
    assert texts["y"].endswith("g ?") and texts["q: add"].endswith("g ?") and texts["f: mul"].endswith("g 1")
    plot.controls["step"].value = 2  # m has handed 5 to y, q has not run yet
    texts = box_texts(plot)
    assert texts["y"].endswith("g 5") and texts["x"].endswith("g ?") and texts["q: add"].endswith("g 2")
    drawn = plot.artists["drawn"]
    m = next(n for n in drawn["nodes"] if n.name == "m")
    assert to_hex(drawn["boxes"][id(m)].get_facecolor()).upper() == autodiff_plot.HIGHLIGHT_COLOR
    assert drawn["boxes"][id(m)].get_linewidth() == 1.8
    red = [k for k, a in drawn["arrows"].items() if a.get_linewidth() == 2.0]
    assert sorted(red) == sorted((id(m), id(p)) for p in m.parents)


def test_buttons_and_graph_switch_fit_the_slider():
    plot = G.graph_stepper()
    plot.buttons["next"].click()
    plot.buttons["next"].click()
    assert plot.controls["step"].value == 2
    plot.buttons["back"].click()
    assert plot.controls["step"].value == 1
    before = len(plot.redraw_seconds)
    plot.controls["graph"].value = MLP
    assert len(plot.redraw_seconds) == before + 1  # one redraw for the switch, not one per control it resets
    plot.controls["step"].value = 4
    before = len(plot.redraw_seconds)
    plot.reset()  # back to the first graph at step 0, with one redraw
    assert (plot.controls["graph"].value, plot.controls["step"].value, plot.controls["step"].max) == (FORK, 0, 3)
    assert len(plot.redraw_seconds) == before + 1
    plot.controls["graph"].value = MLP
    assert (plot.controls["step"].value, plot.controls["step"].max) == (0, 10)
    for _ in range(12):
        plot.buttons["next"].click()
    assert plot.controls["step"].value == 10
    plot.controls["graph"].value = NEURON
    assert plot.controls["step"].max == 6


def test_mlp_graph_is_chapter_1s_network_with_bp_labels():
    plot = G.graph_stepper(graph=MLP, step=5)
    # chapter 1's stepper: δ² = (ŷ − y)σ′(z²) = −0.129 for example 0
    assert "node a² (sigmoid)" in plot.status.value
    assert "→ z²: contribution -0.129 (shape (1, 1)), running sum -0.129 [BP1: ⊙σ′(z²) → δ²]" in plot.status.value
    plot.controls["step"].value = 7
    assert "→ W2: contribution [-0.064, -0.066] (shape (1, 2)), running sum [-0.064, -0.066] [BP4: δ²(a¹)ᵀ]" in (
        plot.status.value
    )
    assert "[BP2: (W²)ᵀδ²]" in plot.status.value
    labels = sorted(t.get_text() for t in plot.artists["drawn"]["labels"].values())
    assert {t for t in labels if t.startswith("BP")} == {
        "BP1: ⊙σ′(z²) → δ²",
        "BP2: (W²)ᵀδ²",
        "BP2: ⊙σ′(z¹) → δ¹",
        "BP3: δ¹",
        "BP3: δ²",
        "BP4: δ¹xᵀ",
        "BP4: δ²(a¹)ᵀ",
    }


def test_mlp_graph_gradients_equal_the_library():
    from bpcourse.widgets.stepper import make_example

    s = G.sweep(MLP)
    net, x, y = make_example(0)
    grads = net.gradients(x, y)
    leaves = {n.name: n for n in ad.topological_order(s.root) if not n.parents}
    for k, g in grads.items():
        np.testing.assert_allclose(leaves[k].grad, g, rtol=0, atol=1e-15)


def test_neuron_example_numbers():
    plot = G.graph_stepper(graph=NEURON, step=6)
    # z = 0.5·1.5 − 0.2 = 0.55, a = σ(0.55) = 0.634, dL/dwx = (a − 1)σ′ = −0.0849; w̄ = −0.0849·1.5 = −0.127
    assert plot.status.value.endswith(
        "→ w: g × local = -0.0849 × 1.5 = -0.127<br>→ x: g × local = -0.0849 × 0.5 = -0.0424"
    )


def test_graph_dropdown_values_are_the_english_keys():
    plot = G.graph_stepper()
    options = plot.controls["graph"].options
    assert [value for _, value in options] == list(G.GRAPHS) == [FORK, NEURON, MLP]
    assert [label for label, _ in options] == list(G.GRAPHS)
    assert plot.controls["graph"].value == FORK
