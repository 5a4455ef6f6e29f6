r"""Chapter 03: break one line of BP1–BP4 and watch gradient checking catch it.

``backprop_with_bug`` is the network's backward pass written out with the library's own
``layers.linear_backward`` and σ′, with one optional, typical mistake. The widget compares its
gradients with centered finite differences, parameter by parameter: a correct backprop sits
below 1e-7, a wrong line stands out by many orders of magnitude, and a too-large step h makes
even a correct backprop look wrong.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .. import activations, datasets, gradcheck, layers
from ..network import MLP
from ._speed import Backdrop
from .base import WidgetPlot, dropdown, slider

# The code's dZ^l = ∂L/∂Z^l is Δ^l/m: the error terms of the m examples, divided by m once, at the start.
BUGS = {
    "none (correct backprop)": "every line as derived",
    "dZ^L: forgot the 1/m": "dZ^L = A^L − Y = Δ^L instead of Δ^L/m: every gradient is m times too large",
    "BP1: sign flipped": "dZ^L = (Y − A^L)/m: every gradient points the wrong way",
    "BP2: forgot ⊙ σ′(z)": "δ^l = (W^{l+1})ᵀ δ^{l+1}: hidden layers' gradients are wrong, the last layer's are right",
    "BP2: σ′ of a instead of z": "σ′(A^l) in place of σ′(Z^l): a classic slip, hidden layers wrong",
    "BP3: 1/m applied twice": "db^l = (1/m) Σ dZ^l although dZ^l = Δ^l/m already holds the 1/m: only biases wrong",
}
PASS, FAIL = 1e-7, 1e-4  # below PASS: correct; above FAIL: certainly a bug


def example_problem():
    """A 2-4-4-3 tanh/softmax network on 12 spiral points: small enough to check every parameter."""
    net = MLP([2, 4, 4, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
    X, y = datasets.spirals(12, classes=3, seed=0)
    return net, X, datasets.one_hot(y, 3)


def backprop_with_bug(net, X, Y, bug: str = "none (correct backprop)") -> dict[str, np.ndarray]:
    r"""∂L/∂θ for a network with tanh hidden layers and softmax + cross-entropy output, by BP1–BP4,
    with the mistake named by ``bug`` (a key of ``BUGS``). Returns grads shaped like ``net.params``."""
    A_L, caches = net.forward_cache(X)
    m = X.shape[1]
    dZ = (A_L - Y) / m  # BP1, simplified for softmax + cross-entropy: dZ^L = Δ^L/m = (A^L − Y)/m
    if bug == "dZ^L: forgot the 1/m":
        dZ = A_L - Y
    elif bug == "BP1: sign flipped":
        dZ = (Y - A_L) / m
    _, sigma_prime = activations.ACTIVATIONS[net.hidden]
    grads = {}
    for l in range(net.L, 0, -1):
        dA_prev, grads[f"W{l}"], grads[f"b{l}"] = layers.linear_backward(dZ, caches[l - 1].linear)  # BP3, BP4
        if bug == "BP3: 1/m applied twice":
            grads[f"b{l}"] = grads[f"b{l}"] / m
        if l > 1:
            below = caches[l - 2].activation  # Z^{l-1}, A^{l-1}
            if bug == "BP2: forgot ⊙ σ′(z)":
                dZ = dA_prev
            elif bug == "BP2: σ′ of a instead of z":
                dZ = dA_prev * sigma_prime(below.A)
            else:
                dZ = dA_prev * sigma_prime(below.Z)  # BP2
    return {k: grads[k] for k in net.params}


def check_errors(net, X, Y, bug: str, h: float = 1e-5) -> dict[str, float]:
    """Relative error between ``backprop_with_bug`` and centered differences with step h, per parameter array."""
    grads = backprop_with_bug(net, X, Y, bug)
    errors = {}
    for name, p in net.params.items():
        num = gradcheck.numerical_gradient(lambda _: net.loss(X, Y), p, h)
        errors[name] = gradcheck.rel_error(grads[name], num)
    return errors


def gradcheck_bugs() -> WidgetPlot:
    """Choose a mistake in backprop and a finite-difference step h: bars of the relative error per parameter."""
    net, X, Y = example_problem()
    names = list(net.params)

    @cache
    def errors(bug, h):
        return check_errors(net, X, Y, bug, h)

    controls = {
        "bug": dropdown("backprop", BUGS),
        "h": slider("step h", 1e-5, -10, -1, 1, fmt=".0e", log=True),
    }

    def setup(fig):
        from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

        ax = fig.subplots()
        x = np.arange(len(names))
        bars = ax.bar(x, np.ones(len(names)), color="C0", bottom=1e-18)
        spans = [
            ax.axhspan(1e-18, PASS, color="C2", alpha=0.12, label="below 1e-7: correct"),
            ax.axhspan(FAIL, 10, color="C3", alpha=0.12, label="above 1e-4: a bug"),
        ]
        ax.set_yscale("log")
        ax.set_ylim(1e-14, 10)
        exps = [-14, -12, -10, -8, -6, -4, -2, 0]
        ax.yaxis.set_major_locator(FixedLocator([10.0**k for k in exps]))
        ax.yaxis.set_major_formatter(FixedFormatter([f"1e{k}" if k else "1" for k in exps]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xticks(x, names)
        ax.set_xlabel("parameter array")
        ax.set_ylabel("relative error vs finite differences")
        ax.legend(loc="upper left", fontsize=8)
        title = ax.set_title("")
        # Blitting: the axes (fixed limits) are pasted from a buffer. The bars and bands are drawn after
        # them (they do not overlap: no grid, ticks point outwards), bands over bars as before.
        for rect in bars:
            rect.set_zorder(1.6)
        for span in spans:
            span.set_zorder(1.7)
        backdrop = Backdrop(fig, [*bars, title])
        return dict(ax=ax, bars=bars, title=title, backdrop=backdrop)

    def draw(a, bug, h):
        errs = errors(bug, h)
        for rect, name in zip(a["bars"], names, strict=True):
            e = max(errs[name], 1e-18)
            rect.set_height(e - 1e-18)
            rect.set_color("C2" if e < PASS else "C3" if e > FAIL else "C1")
        worst = max(errs.values())
        verdict = "passes" if worst < PASS else "FAILS" if worst > FAIL else "is inconclusive"
        a["title"].set_text(f"{bug}  |  h = {h:.0e}: the check {verdict} (worst {worst:.0e})")
        a["backdrop"].update()
        return BUGS[bug]

    return WidgetPlot(
        controls, draw, "Gradient checking catches a wrong line of backprop", figsize=(8, 3.6), setup=setup
    )


WIDGETS = {"gradcheck_bugs": gradcheck_bugs}
