r"""Weight initializations for W^l (n_l, n_{l-1}); biases always start at 0.

- zeros:  W = 0 (every unit stays identical: the symmetry problem)
- normal: W ~ N(0, scale²)
- xavier: W ~ N(0, 2/(n_{l-1} + n_l))   (Glorot & Bengio 2010; for sigmoid/tanh)
- he:     W ~ N(0, 2/n_{l-1})           (He et al. 2015; for the ReLU family)

Each takes n_out, n_in (whole numbers ≥ 1), rng (a NumPy Generator) and scale (in (0, 1e6],
used by 'normal' only) and checks them.
"""

from __future__ import annotations

import numpy as np

from .activations import HIDDEN_ACTIVATIONS
from .errors import choose, generator, number, size_ok, whole_number
from .i18n import N_


def _args(n_out, n_in, rng, scale) -> tuple[int, int, np.random.Generator, float]:
    n_out, n_in = whole_number("n_out", n_out, 1), whole_number("n_in", n_in, 1)
    size_ok("W", (n_out, n_in))
    return (
        n_out,
        n_in,
        generator("rng", rng),
        number("scale", scale, 0.0, 1e6, low_open=True, hint=N_(" (the standard deviation of 'normal')")),
    )


def zeros(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """All-zero weights (n_out, n_in)."""
    n_out, n_in, rng, scale = _args(n_out, n_in, rng, scale)
    return np.zeros((n_out, n_in))


def normal(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """W ~ N(0, scale²), shape (n_out, n_in)."""
    n_out, n_in, rng, scale = _args(n_out, n_in, rng, scale)
    return scale * rng.standard_normal((n_out, n_in))


def xavier(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """Glorot/Xavier normal: W ~ N(0, 2/(n_in + n_out)), shape (n_out, n_in)."""
    n_out, n_in, rng, scale = _args(n_out, n_in, rng, scale)
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def he(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """He/Kaiming normal: W ~ N(0, 2/n_in), shape (n_out, n_in)."""
    n_out, n_in, rng, scale = _args(n_out, n_in, rng, scale)
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))


INITIALIZERS = {"zeros": zeros, "normal": normal, "xavier": xavier, "he": he}


def default_for(hidden: str) -> str:
    """He for the ReLU family, Xavier for sigmoid and tanh."""
    choose(N_("hidden activation"), hidden, dict.fromkeys(HIDDEN_ACTIVATIONS))
    return "he" if hidden in ("relu", "leaky_relu", "elu") else "xavier"


def init_weights(name: str, n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """Draw W (n_out, n_in) with the named scheme; ``scale`` is used by 'normal' only."""
    return choose(N_("initializer"), name, INITIALIZERS)(n_out, n_in, rng, scale)
