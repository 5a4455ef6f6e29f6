"""bpcourse: backpropagation, taught by building it with vectorized NumPy.

Conventions (COURSE_OUTLINE.md): one example per column, X = A^0 (n_0, m),
W^l (n_l, n_{l-1}), b^l (n_l, 1), Z^l = W^l A^{l-1} + b^l, A^l = σ(Z^l), float64.

    import bpcourse as bp
    net = bp.MLP([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)

Plots and widgets (``bp.plots``, ``bp.widgets``) import matplotlib and ipywidgets
only when first used, so ``import bpcourse`` stays fast.
"""

from __future__ import annotations

import importlib

from . import activations, autodiff, datasets, gradcheck, initializers, layers, losses, optim
from .errors import BPCourseError, TrainingDiverged
from .i18n import set_language
from .network import MLP
from .train import History, train

__version__ = "0.1.0"

_LAZY = ("plots", "widgets", "check")


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'bpcourse' has no attribute {name!r}")


__all__ = [
    "MLP",
    "History",
    "train",
    "BPCourseError",
    "TrainingDiverged",
    "activations",
    "autodiff",
    "datasets",
    "gradcheck",
    "initializers",
    "layers",
    "losses",
    "optim",
    "set_language",
]
