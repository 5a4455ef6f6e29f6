r"""Optimizers with one interface: ``opt.step(params, grads)`` updates the arrays in place.

Each keeps its state per parameter name (velocities, squared-gradient averages) and
takes its defaults from the paper or lecture that introduced it. g = ∂L/∂θ below.

The hyperparameters are checked whenever they are set (in ``__init__`` or later):
lr > 0, β (Momentum, RMSProp), β₁, β₂ (Adam) in [0, 1), ε > 0; and ``step`` checks that
grads has exactly the keys and shapes of params, all finite, and that the optimizer's
state belongs to these params (one optimizer per network, or ``reset()`` in between).

Two forms of every rule. The classes update ``params`` in place and are what ``bp.train``
uses; ``Adam`` is written for speed (one reused work buffer, the bias correction folded into
two scalars). The functions ``momentum_update``, ``adagrad_update``, ``rmsprop_update`` and
``adam_update`` are the textbook forms: pure functions of (θ, g, state) that return new arrays
and read line by line like the papers' algorithms. They do no argument checks, so any argument
may be an array that broadcasts (one learning rate per run, for batched experiments).
``tests/test_optim.py`` checks that both forms give the same numbers over many steps.
"""

from __future__ import annotations

import inspect

import numpy as np

from .errors import BPCourseError, all_finite, arrays_dict, arrays_like, check_finite, choose, number
from .i18n import N_, _

# The range of every hyperparameter name, checked by Optimizer.__setattr__. β = 1 would never forget
# a gradient and β > 1 (or < 0) makes the averages grow without bound; ε = 0 can divide by 0.
# The hints are templates (N_), translated when a message shows them.
_BETA = dict(low=0.0, high=1.0, high_open=True)
HYPERPARAMETERS = {
    "lr": dict(low=0.0, low_open=True, hint=N_(" (try 0.1 or 1e-3)")),
    "beta": dict(_BETA, hint=N_(" (the decay of the running average; try 0.9)")),
    "beta1": dict(_BETA, hint=N_(" (the decay of Adam's first moment; try 0.9)")),
    "beta2": dict(_BETA, hint=N_(" (the decay of Adam's second moment; try 0.999)")),
    "eps": dict(low=0.0, low_open=True, hint=N_(" (it keeps the division finite; try 1e-8)")),
}


class Optimizer:
    """Base class: subclasses implement ``_update(name, theta, g)`` in place.

    Setting an attribute named in ``HYPERPARAMETERS`` (lr, beta, beta1, beta2, eps) checks
    its range and stores it as a float, so subclasses only assign them.
    """

    def __init__(self, lr: float):
        self.lr = lr  # checked by __setattr__
        self.state: dict[str, dict[str, np.ndarray]] = {}
        self.t = 0  # number of steps taken so far

    def __setattr__(self, name: str, value) -> None:
        spec = HYPERPARAMETERS.get(name)
        if spec is not None:
            value = number(name, value, **{**spec, "hint": _(spec["hint"])})
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        hyper = {k: v for k, v in vars(self).items() if k not in ("state", "t") and not k.startswith("_")}
        args = ", ".join(f"{k}={v!r}" for k, v in hyper.items())
        return f"{type(self).__name__}({args})"

    def step(self, params: dict, grads: dict) -> None:
        """Apply one update to every array of ``params`` from the same-named array of ``grads``.

        params: a dict of finite float arrays (updated in place); grads: the same keys, each a finite
        array of the same shape. An update that overflows to inf or NaN raises (lower the learning rate).
        """
        arrays_dict("params", params, float_only=True, writable=True, finite=False)  # finite: checked after the step
        arrays_like("grads", grads, params)
        self._check_state(params)
        with np.errstate(all="ignore"):
            self._step(params, grads)
        if not all_finite(list(params.values())):
            for name, theta in params.items():
                check_finite(
                    _("params[{name!r}] after the update").format(name=name),
                    theta,
                    _(
                        "either it held NaN or inf before the step, or lr × gradient overflowed: "
                        "use a smaller learning rate than {lr:g}"
                    ).format(lr=self.lr),
                )

    def _step(self, params: dict, grads: dict) -> None:
        # step without the checks: for bp.train, which checked params once and computes grads itself
        self.t += 1
        for name, theta in params.items():
            self._update(name, theta, grads[name])

    def _check_state(self, params: dict) -> None:
        """The state kept from earlier steps must belong to these params (same names and shapes)."""
        for name, slots in self.state.items():
            theta = params.get(name)
            for key, slot in slots.items():
                if theta is not None and slot.shape == theta.shape:
                    continue
                if theta is None:
                    message = _(
                        "this {optimizer} holds state {key!r} of shape {shape} for {name!r} from earlier steps, "
                        "but params lacks it: it was used on another network. Use a new optimizer per network, "
                        "or call .reset() first"
                    )
                else:
                    message = _(
                        "this {optimizer} holds state {key!r} of shape {shape} for {name!r} from earlier steps, "
                        "but params[{name!r}] has shape {now}: it was used on another network. Use a new "
                        "optimizer per network, or call .reset() first"
                    )
                now = None if theta is None else theta.shape
                raise BPCourseError(
                    message.format(optimizer=type(self).__name__, key=key, shape=slot.shape, name=name, now=now)
                )

    def reset(self) -> None:
        """Forget all state, as if newly created."""
        self.state.clear()
        self.__dict__.get("_scratch", {}).clear()  # Adam's work buffers, shaped like the old params
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
    Textbook form: ``momentum_update``.
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

    G only grows, so each parameter's effective step α/√G keeps shrinking. The paper fixes no α;
    the default α = 0.01 is PyTorch's, ε = 1e-8. Textbook form: ``adagrad_update``.
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

    A decaying average instead of AdaGrad's sum, so the step stops shrinking. The lecture gives the
    decay β = 0.9 but no α: the default α = 1e-3 is a library convention (Keras's; PyTorch uses
    α = 1e-2 with β = 0.99). ε = 1e-8. Textbook form: ``rmsprop_update``.
    """

    def __init__(self, lr: float = 0.001, beta: float = 0.9, eps: float = 1e-8):
        super().__init__(lr)
        self.beta, self.eps = beta, eps

    def _update(self, name, theta, g):
        s = self._slot(name, "s", theta)
        s *= self.beta
        s += (1.0 - self.beta) * (g * g)  # (1 − β) g², rounded as in rmsprop_update
        theta -= self.lr * g / (np.sqrt(s) + self.eps)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015, Algorithm 1), t = 1 on the first step:

        m ← β₁ m + (1 − β₁) g,      v ← β₂ v + (1 − β₂) g²,
        m̂ = m / (1 − β₁ᵗ),          v̂ = v / (1 − β₂ᵗ),
        θ ← θ − α m̂ / (√v̂ + ε).

    Defaults α = 0.001, β₁ = 0.9, β₂ = 0.999, ε = 1e-8. m and v start at 0, so they are too
    small at first, and v (β₂ = 0.999) far more than m: without the bias correction the first
    steps would be too LARGE. For a constant gradient the uncorrected step is α(1 − β₁ᵗ)/√(1 − β₂ᵗ),
    about 3.2 α at t = 1 (Kingma & Ba 2015, §3); the corrected one is α.

    This class is the fast form used for training (in place, one reused work buffer, the
    correction folded into two scalars); ``adam_update`` is the same rule as a textbook function,
    and the tests check that the two agree to about 1e-15.
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


# ---- the textbook forms -------------------------------------------------------------------------------
# Pure functions: nothing is changed in place, the new θ and state are returned. Every operation is
# element-wise, so each argument may be an array that broadcasts against θ (e.g. lr of shape (R, 1)
# for R runs at once). No argument checks: the classes above are the checked, in-place interface.


def momentum_update(theta, g, v, lr, beta=0.9):
    r"""Heavy-ball momentum, one step: v ← β v + g,  θ ← θ − α v. Returns (θ, v)."""
    v = beta * v + g
    theta = theta - lr * v
    return theta, v


def adagrad_update(theta, g, G, lr, eps=1e-8):
    r"""AdaGrad, one step: G ← G + g²,  θ ← θ − α g / (√G + ε). Returns (θ, G)."""
    G = G + g**2
    theta = theta - lr * g / (np.sqrt(G) + eps)
    return theta, G


def rmsprop_update(theta, g, s, lr, beta=0.9, eps=1e-8):
    r"""RMSProp, one step: s ← β s + (1 − β) g²,  θ ← θ − α g / (√s + ε). Returns (θ, s)."""
    s = beta * s + (1 - beta) * g**2
    theta = theta - lr * g / (np.sqrt(s) + eps)
    return theta, s


def adam_update(theta, g, m, v, t, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    r"""Adam, one step, as Kingma & Ba (2015) write Algorithm 1; t = 1 on the first step.

    Returns (θ, m, v): the running averages m, v stay uncorrected; only the copies m̂, v̂ used
    in the step are corrected for having started at 0.
    """
    m = beta1 * m + (1 - beta1) * g  # running average of the gradients
    v = beta2 * v + (1 - beta2) * g**2  # running average of their squares
    m_hat = m / (1 - beta1**t)  # bias correction: both averages start at 0
    v_hat = v / (1 - beta2**t)
    theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta, m, v


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam}


def make(name: str, **hyper) -> Optimizer:
    """Build an optimizer by name, e.g. ``make('adam', lr=1e-3)``."""
    cls = choose(_("optimizer"), name, OPTIMIZERS)
    allowed = list(inspect.signature(cls).parameters)
    unknown = [k for k in hyper if k not in allowed]
    if unknown:
        raise BPCourseError(
            _("{optimizer} has no hyperparameter {unknown}; it takes {allowed}").format(
                optimizer=cls.__name__, unknown=unknown, allowed=allowed
            )
        )
    return cls(**hyper)


def global_norm(grads: dict) -> float:
    r"""‖g‖ = √(Σ over all arrays of Σ g²)."""
    return _global_norm(arrays_dict("grads", grads))


def _global_norm(grads: dict) -> float:
    # global_norm without the checks (bp.train's clipping); the sum of squares is rescaled if it overflows
    with np.errstate(over="ignore"):
        total = sum(float(np.sum(g * g)) for g in grads.values())
    if not np.isinf(total):
        return float(np.sqrt(total))
    s = max(float(np.max(np.abs(g))) for g in grads.values() if g.size)  # huge but finite gradients
    return float(np.sqrt(sum(float(np.sum((g / s) ** 2)) for g in grads.values())) * s)


def clip_grad_norm(grads: dict, max_norm: float) -> float:
    r"""Gradient clipping by global norm: if ‖g‖ > max_norm, scale every g by max_norm/‖g‖ in place.

    Returns the norm before clipping. The direction is kept; only the step length is capped.
    grads: a dict of finite float arrays; max_norm: a positive number.
    """
    max_norm = number("max_norm", max_norm, 0.0, low_open=True, hint=_(" (the largest global norm allowed; try 1.0)"))
    return _clip_grad_norm(arrays_dict("grads", grads, float_only=True, writable=True), max_norm)


def _clip_grad_norm(grads: dict, max_norm: float) -> float:
    # clip_grad_norm without the checks: for bp.train, which checked clip once
    norm = _global_norm(grads)
    if norm > max_norm:
        for g in grads.values():
            g *= max_norm / norm
    return norm
