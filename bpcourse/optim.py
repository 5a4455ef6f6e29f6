r"""Optimizers with one interface: ``opt.step(params, grads)`` updates the arrays in place.

Each keeps its state per parameter name (velocities, squared-gradient averages) and
takes its defaults from the paper or lecture that introduced it. g = ∂L/∂θ below.
"""

from __future__ import annotations

import numbers

import numpy as np

from .errors import BPCourseError, choose


class Optimizer:
    """Base class: subclasses implement ``_update(name, theta, g)`` in place."""

    def __init__(self, lr: float):
        if not (isinstance(lr, numbers.Real) and not isinstance(lr, bool) and np.isfinite(lr) and lr > 0):
            raise BPCourseError(f"lr must be a positive number; got {lr!r} (try 0.1 or 1e-3)")
        self.lr = float(lr)
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.t = 0  # number of steps taken so far

    def __repr__(self) -> str:
        hyper = {k: v for k, v in vars(self).items() if k not in ("state", "t") and not k.startswith("_")}
        args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
        return f"{type(self).__name__}({args})"

    def step(self, params: dict, grads: dict) -> None:
        """Apply one update to every array of ``params`` from the same-named array of ``grads``."""
        missing = set(params) - set(grads)
        if missing:
            raise BPCourseError(f"grads lacks {sorted(missing)}; it must have the same keys as params")
        self.t += 1
        for name, theta in params.items():
            g = grads[name]
            if g.shape != theta.shape:
                raise BPCourseError(f"grads[{name!r}] has shape {g.shape} but params[{name!r}] has {theta.shape}")
            self._update(name, theta, g)

    def reset(self) -> None:
        """Forget all state, as if newly created."""
        self.state.clear()
        self.t = 0

    def _slot(self, name: str, key: str, like: np.ndarray) -> np.ndarray:
        slots = self.state.setdefault(name, {})
        if key not in slots:  # not setdefault(key, zeros_like(...)): that allocates on every step
            slots[key] = np.zeros_like(like)
        return slots[key]

    def _update(self, name: str, theta: np.ndarray, g: np.ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    r"""Plain gradient descent: θ ← θ − α g."""

    def __init__(self, lr: float = 0.01):
        super().__init__(lr)

    def _update(self, name, theta, g):
        theta -= self.lr * g


class Momentum(Optimizer):
    r"""Heavy-ball momentum (Polyak 1964), in the form v ← β v + g,  θ ← θ − α v.

    We use this convention (not v ← β v + (1 − β) g) so that β = 0 is plain SGD and a
    constant gradient builds up to a step of α g/(1 − β): 10× for the default β = 0.9.
    """

    def __init__(self, lr: float = 0.01, beta: float = 0.9):
        super().__init__(lr)
        self.beta = beta

    def _update(self, name, theta, g):
        v = self._slot(name, "v", theta)
        v *= self.beta
        v += g
        theta -= self.lr * v


class AdaGrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer 2011): G ← G + g²,  θ ← θ − α g / (√G + ε).

    G only grows, so each parameter's effective step α/√G keeps shrinking.
    """

    def __init__(self, lr: float = 0.01, eps: float = 1e-8):
        super().__init__(lr)
        self.eps = eps

    def _update(self, name, theta, g):
        G = self._slot(name, "G", theta)
        G += g * g
        theta -= self.lr * g / (np.sqrt(G) + self.eps)


class RMSProp(Optimizer):
    r"""RMSProp (Hinton, Coursera lecture 6e, 2012): s ← β s + (1 − β) g²,  θ ← θ − α g / (√s + ε).

    A decaying average instead of AdaGrad's sum, so the step stops shrinking. Defaults α = 1e-3, β = 0.9.
    """

    def __init__(self, lr: float = 0.001, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta, self.eps = beta, eps

    def _update(self, name, theta, g):
        s = self._slot(name, "s", theta)
        s *= self.beta
        s += (1.0 - self.beta) * g * g
        theta -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015, Algorithm 1), t = 1 on the first step:

        m ← β₁ m + (1 − β₁) g,      v ← β₂ v + (1 − β₂) g²,
        m̂ = m / (1 − β₁ᵗ),          v̂ = v / (1 − β₂ᵗ),
        θ ← θ − α m̂ / (√v̂ + ε).

    Defaults α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8. Without the bias correction the
    first steps would be too small, because m and v start at 0.
    """

    def __init__(self, lr: float = 0.001, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self._scratch: dict[str, np.ndarray] = {}

    def _update(self, name, theta, g):
        m, v = self._slot(name, "m", theta), self._slot(name, "v", theta)
        tmp = self._scratch.get(name)  # one reused work buffer (not state): no new arrays per step
        if tmp is None:
            tmp = self._scratch[name] = np.empty_like(theta)
        np.multiply(g, 1.0 - self.beta1, out=tmp)
        m *= self.beta1
        m += tmp  # m ← β₁ m + (1 − β₁) g
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - self.beta2
        v *= self.beta2
        v += tmp  # v ← β₂ v + (1 − β₂) g²
        # α m̂/(√v̂ + ε) with m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ) equals α_t m/(√v + ε_t) with the scalars
        # α_t = α √(1 − β₂ᵗ)/(1 − β₁ᵗ) and ε_t = ε √(1 − β₂ᵗ) (Kingma & Ba 2015, §2): same numbers, two
        # fewer array passes.
        c2 = np.sqrt(1.0 - self.beta2**self.t)
        alpha_t = self.lr * c2 / (1.0 - self.beta1**self.t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * c2
        np.divide(m, tmp, out=tmp)
        tmp *= alpha_t
        theta -= tmp


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam}


def make(name: str, **hyper) -> Optimizer:
    """Build an optimizer by name, e.g. ``make('adam', lr=1e-3)``."""
    return choose("optimizer", name, OPTIMIZERS)(**hyper)


def global_norm(grads: dict) -> float:
    r"""‖g‖ = √(Σ over all arrays of Σ g²)."""
    return float(np.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    r"""Gradient clipping by global norm: if ‖g‖ > max_norm, scale every g by max_norm/‖g‖ in place.

    Returns the norm before clipping. The direction is kept; only the step length is capped.
    """
    norm = global_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm
