r"""Weight initializations for W^l (n_l, n_{l-1}); biases always start at 0.

- zeros:  W = 0 (every unit stays identical: the symmetry problem)
- normal: W ~ N(0, scale²)
- xavier: W ~ N(0, 2/(n_{l-1} + n_l))   (Glorot & Bengio 2010; for sigmoid/tanh)
- he:     W ~ N(0, 2/n_{l-1})           (He et al. 2015; for the ReLU family)
"""

from __future__ import annotations

import numpy as np

from .errors import choose


def zeros(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """All-zero weights (n_out, n_in)."""
    return np.zeros((n_out, n_in))


def normal(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """W ~ N(0, scale²), shape (n_out, n_in)."""
    return scale * rng.standard_normal((n_out, n_in))


def xavier(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """Glorot/Xavier normal: W ~ N(0, 2/(n_in + n_out)), shape (n_out, n_in)."""
    return np.sqrt(2.0 / (n_in + n_out)) * rng.standard_normal((n_out, n_in))


def he(n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """He/Kaiming normal: W ~ N(0, 2/n_in), shape (n_out, n_in)."""
    return np.sqrt(2.0 / n_in) * rng.standard_normal((n_out, n_in))


INITIALIZERS = {"zeros": zeros, "normal": normal, "xavier": xavier, "he": he}


def default_for(hidden: str) -> str:
    """He for the ReLU family, Xavier for sigmoid and tanh."""
    return "he" if hidden in ("relu", "leaky_relu", "elu") else "xavier"


def init_weights(name: str, n_out: int, n_in: int, rng: np.random.Generator, scale: float = 0.01) -> np.ndarray:
    """Draw W (n_out, n_in) with the named scheme; ``scale`` is used by 'normal' only."""
    return choose("initializer", name, INITIALIZERS)(n_out, n_in, rng, scale)
