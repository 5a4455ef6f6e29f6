"""Chapter 3b's bridge to PyTorch: torch's loss.backward() against net.gradients (when torch is installed), and the
chapter run with torch hidden, whose outputs must be the committed ones outside the torch cells."""

import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bpcourse as bp

ROOT = Path(__file__).resolve().parents[1]
CHAPTER = ROOT / "notebooks" / "03b_graphs_autodiff.ipynb"
INSTALL = 'pip install -e ".[torch]"'


def torch_loss(torch, net, X, Y):
    """net's training-mode loss on (X, Y), written with torch operations on float64 leaf tensors of its parameters."""
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in net.params.items()}
    act = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
        "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, bp.activations.LEAKY_SLOPE),
        "elu": torch.nn.functional.elu,
        "identity": lambda z: z,
    }
    A = torch.tensor(X, dtype=torch.float64)
    for l in range(1, net.L + 1):
        Z = P[f"W{l}"] @ A
        if net._has_bn(l):
            mu = Z.mean(dim=1, keepdim=True)
            var = ((Z - mu) ** 2).mean(dim=1, keepdim=True)  # the 1/m variance that normalizes the batch
            Z = P[f"gamma{l}"] * (Z - mu) / torch.sqrt(var + net.bn_eps) + P[f"beta{l}"]
        else:
            Z = Z + P[f"b{l}"]
        if l < net.L:
            A = act[net.hidden](Z)
    Yt = torch.tensor(Y, dtype=torch.float64)
    if net.output == "softmax" and net.loss_name == "cross_entropy":
        return torch.nn.functional.cross_entropy(Z.T, Yt.T), P  # soft (one-hot) targets, mean over the batch
    if net.output == "sigmoid" and net.loss_name == "cross_entropy":
        return torch.nn.functional.binary_cross_entropy_with_logits(Z, Yt, reduction="sum") / X.shape[1], P
    A = {"softmax": lambda z: torch.softmax(z, dim=0), "sigmoid": torch.sigmoid, "identity": lambda z: z}[net.output](Z)
    return 0.5 * ((A - Yt) ** 2).sum() / X.shape[1], P


CASES = [
    ([4, 8, 8, 3], "tanh", "softmax", "cross_entropy", False),
    ([3, 5, 1], "relu", "sigmoid", "cross_entropy", False),
    ([3, 6, 6, 2], "sigmoid", "identity", "mse", True),
    ([3, 4, 4, 4, 3], "elu", "softmax", "mse", True),
    ([2, 5, 2], "leaky_relu", "sigmoid", "mse", False),
]


@pytest.mark.parametrize("sizes,hidden,output,loss,bn", CASES)
def test_torch_backward_matches_net_gradients(sizes, hidden, output, loss, bn):
    torch = pytest.importorskip("torch")
    net = bp.MLP(sizes, hidden=hidden, output=output, loss=loss, batchnorm=bn, seed=3)
    rng = np.random.default_rng(4)
    for p in net.params.values():  # biases, γ and β away from 0 and 1
        if p.shape[1] == 1:
            p += 0.1 * rng.standard_normal(p.shape)
    m, n_out = 16, sizes[-1]
    X = rng.standard_normal((sizes[0], m))
    if loss == "cross_entropy":
        Y = bp.datasets.one_hot(np.arange(m) % n_out, n_out) if n_out > 1 else (np.arange(m) % 2)[None] * 1.0
    else:
        Y = rng.uniform(0.1, 0.9, (n_out, m))
    L_lib, grads = net.loss_and_gradients(X, Y)
    L, P = torch_loss(torch, net, X, Y)
    L.backward()
    assert L.item() == pytest.approx(L_lib, rel=1e-12)
    for k, g in grads.items():
        assert torch.allclose(P[k].grad, torch.from_numpy(g), rtol=1e-12, atol=1e-14), k


# ---- the chapter with torch hidden -------------------------------------------------------------------


def _texts(cell) -> list:
    """What a reader sees of a cell's outputs: stream text (chunks joined) and text/plain, memory addresses masked."""
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream" and out and out[-1][0] == o.name:  # one print may arrive in several chunks
            out[-1] = (o.name, out[-1][1] + o.text)
        elif o.output_type == "stream":
            out.append((o.name, o.text))
        elif o.output_type in ("execute_result", "display_data"):
            # A figure is compared by its text/plain line ("<Figure size … with 1 Axes>"), not by whether a PNG
            # came with it: that is the inline backend's business (ipykernel 6.20 with matplotlib-inline 0.2, the
            # floors .ci/run tests, sends the first figure of a kernel without its PNG).
            out.append(("text/plain", o.data.get("text/plain", "")))
        else:
            out.append((o.output_type, o.get("ename", "")))
    return [(k, re.sub(r"0x[0-9a-fA-F]+", "0xADDRESS", v) if isinstance(v, str) else v) for k, v in out]


def run_without_torch(path: Path):
    """Execute the notebook with ``sys.modules["torch"] = None`` set by an injected first cell; return it without
    that cell."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    hide = nbformat.v4.new_code_cell('import sys\nsys.modules["torch"] = None  # as if PyTorch were not installed')
    hide.id = "hide-torch"
    nb.cells.insert(0, hide)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.cells.pop(0)
    return nb


def test_chapter_reads_the_same_without_torch():
    committed = nbformat.read(CHAPTER, as_version=4)
    ran = run_without_torch(CHAPTER)
    torch_cells = 0
    for before, after in zip(committed.cells, ran.cells, strict=True):
        assert before.id == after.id
        if before.cell_type != "code":
            continue
        if "nbval-ignore-output" in before.metadata.get("tags", []) and "torch" in before.source:
            torch_cells += 1
            text = "".join(o.get("text", "") for o in after.outputs if o.output_type == "stream")
            assert INSTALL in text and "not installed" in text, before.id
            assert not any(o.output_type == "error" for o in after.outputs), before.id
        else:
            assert _texts(after) == _texts(before), before.id
    assert torch_cells == 2


def test_the_torch_cells_say_how_to_install():
    nb = nbformat.read(CHAPTER, as_version=4)
    torch_cells = [
        c for c in nb.cells if c.cell_type == "code" and "import torch" in c.source or "torch is None" in c.source
    ]
    assert len(torch_cells) == 2
    for c in torch_cells:
        assert c.metadata.get("tags") == ["nbval-ignore-output"]
        assert INSTALL in c.source
    # committed executed with torch installed: its outputs are the comparison, not the install hint
    assert "allclose (rtol 1e-12): True" in "".join(o.get("text", "") for o in torch_cells[0].outputs)
