r"""Forward/backward pairs with caches: the building blocks of every network.

Each pair follows one pattern::

    out, cache = something_forward(inputs...)
    d_inputs... = something_backward(d_out, cache)

and every ``d``-array has the shape of the array it differentiates. ``MLP`` is
assembled from exactly these functions.

Each function checks its arguments first (finite real arrays, one example per column,
shapes that fit together, a cache as the matching forward function returned it) and
raises ``BPCourseError`` otherwise; inside the network's training loop the checks are
skipped, because the network validated its inputs once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import activations as act
from .errors import (
    BPCourseError,
    as_matrix,
    check_array,
    checked,
    choose,
    describe,
    flag,
    number,
    probabilities,
    real_array,
)
from .i18n import N_, _


class LinearCache(NamedTuple):
    A_prev: np.ndarray  # (n_{l-1}, m)
    W: np.ndarray  # (n_l, n_{l-1})


class ActivationCache(NamedTuple):
    name: str
    Z: np.ndarray  # (n_l, m)
    A: np.ndarray  # (n_l, m), kept because softmax's backward needs it


class BatchNormCache(NamedTuple):
    Z_hat: np.ndarray  # (n, m) normalized input
    inv_std: np.ndarray  # (n, 1) 1/sqrt(var + eps)
    gamma: np.ndarray  # (n, 1)
    training: bool


# ---- argument checks ---------------------------------------------------------------------


def _column(name: str, v, n: int, per: str) -> np.ndarray:
    """``v`` as a column (n, 1); ``per`` says what each value belongs to, a template marked ``N_``."""
    v = real_array(name, v)
    if v.shape != (n, 1):
        if v.shape == (n,):
            tip = _("; use .reshape(-1, 1)")
        elif v.shape == (1, n):
            tip = _("; did you transpose it?")
        else:
            tip = ""
        raise BPCourseError(
            _("{name} has shape {shape} but must be ({n}, 1), {per}{tip}").format(
                name=name, shape=v.shape, n=n, per=_(per), tip=tip
            )
        )
    return v


def _cache(cache, kind: type, forward: str) -> tuple:
    if not (isinstance(cache, tuple) and len(cache) == len(kind._fields)):
        fields = ", ".join(kind._fields)
        raise BPCourseError(
            _("cache must be the {kind} ({fields}) that {forward} returned; got {got}").format(
                kind=kind.__name__, fields=fields, forward=forward, got=describe(cache)
            )
        )
    return cache


def _linear_forward_args(A_prev, W, b):
    W = as_matrix("W", W)
    A_prev = as_matrix("A_prev", A_prev, rows=W.shape[1], expects=_("W of shape {shape}").format(shape=W.shape))
    return A_prev, W, _column("b", b, W.shape[0], N_("one value per row of W (a column of biases, one per unit)"))


def _linear_backward_args(dZ, cache, need_dA_prev=True):
    A_prev, W = _cache(cache, LinearCache, "linear_forward")
    W = as_matrix("cache.W", W)
    expects = _("cache.W of shape {shape}").format(shape=W.shape)
    A_prev = as_matrix("cache.A_prev", A_prev, rows=W.shape[1], expects=expects)
    dZ = as_matrix("dZ", dZ, rows=W.shape[0], cols=A_prev.shape[1])
    return dZ, LinearCache(A_prev, W), flag("need_dA_prev", need_dA_prev)


def _activation_forward_args(Z, name):
    choose(N_("activation"), name, act.ACTIVATIONS)
    return as_matrix("Z", Z), name


def _activation_backward_args(dA, cache):
    name, Z, A = _cache(cache, ActivationCache, "activation_forward")
    choose(N_("activation"), name, act.ACTIVATIONS)
    Z = as_matrix("cache.Z", Z)
    A = as_matrix("cache.A", A, rows=Z.shape[0], cols=Z.shape[1])
    if name == "softmax":
        probabilities("cache.A", A, N_("softmax's output"), columns_sum_to_one=True)
    return as_matrix("dA", dA, rows=Z.shape[0], cols=Z.shape[1]), ActivationCache(name, Z, A)


def _batchnorm_forward_args(Z, gamma, beta, eps=1e-5, running_mean=None, running_var=None, momentum=0.9, training=True):
    training = flag("training", training)
    Z = as_matrix("Z", Z, min_cols=1 if training else 0)
    n = Z.shape[0]
    per_unit = N_("one value per row (unit) of Z")
    gamma, beta = _column("gamma", gamma, n, per_unit), _column("beta", beta, n, per_unit)
    eps = number("eps", eps, 0.0, hint=N_(" (the default is 1e-5)"))
    momentum = number("momentum", momentum, 0.0, 1.0, hint=N_(" (the weight of the old running average; try 0.9)"))
    for name, r in (("running_mean", running_mean), ("running_var", running_var)):
        if r is not None:
            check_array(name, r, (n, 1), float_only=True, writable=True, hint=N_("pass finite running averages"))
    if running_var is not None and (running_var < 0).any():
        raise BPCourseError(
            _("running_var must be ≥ 0 (it averages variances); got {value:g}").format(value=running_var.min())
        )
    if training and eps == 0 and (Z.max(axis=1) == Z.min(axis=1)).any():
        unit = int(np.argmax(Z.max(axis=1) == Z.min(axis=1)))
        raise BPCourseError(
            _(
                "row {unit} of Z is constant over the batch, so its variance is 0 and eps=0 gives 0/0; "
                "pass eps > 0 (the default is 1e-5)"
            ).format(unit=unit)
        )
    if not training:
        if running_mean is None or running_var is None:
            raise BPCourseError(_("batchnorm_forward(training=False) needs running_mean and running_var"))
        if eps == 0 and (running_var == 0).any():
            raise BPCourseError(_("running_var has a 0 entry and eps=0, so 1/√(σ² + ε) is infinite; pass eps > 0"))
    return Z, gamma, beta, eps, running_mean, running_var, momentum, training


def _batchnorm_backward_args(dout, cache):
    Z_hat, inv_std, gamma, training = _cache(cache, BatchNormCache, "batchnorm_forward")
    training = flag("cache.training", training)
    Z_hat = as_matrix("cache.Z_hat", Z_hat, min_cols=1 if training else 0)
    n, m = Z_hat.shape
    inv_std = _column("cache.inv_std", inv_std, n, N_("one value per row of Z"))
    gamma = _column("cache.gamma", gamma, n, N_("one value per row of Z"))
    dout = as_matrix("dout", dout, rows=n, cols=m)
    return dout, BatchNormCache(Z_hat, inv_std, gamma, training)


# ---- the layers ---------------------------------------------------------------------------


@checked(_linear_forward_args)
def linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    r"""Z^l = W^l A^{l-1} + b^l.

    A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1) → Z (n_l, m); b broadcasts over columns.
    """
    return W @ A_prev + b, LinearCache(A_prev, W)


@checked(_linear_backward_args)
def linear_backward(
    dZ: np.ndarray, cache: LinearCache, need_dA_prev: bool = True
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    r"""Gradients of Z^l = W^l A^{l-1} + b^l, given dZ = δ^l (n_l, m).

    dW = δ^l (A^{l-1})ᵀ  (BP4, summed over the batch: the 1/m is already in δ^l)
    db = Σ_columns δ^l   (BP3)
    dA_prev = (W^l)ᵀ δ^l (the first half of BP2)

    Returns dA_prev (n_{l-1}, m), dW (n_l, n_{l-1}), db (n_l, 1). With ``need_dA_prev=False``
    (layer 1, whose input X has no parameters) dA_prev is None and its matrix product is skipped.
    """
    A_prev, W = cache
    dW = dZ @ A_prev.T  # BP4
    db = dZ.sum(axis=1, keepdims=True)  # BP3
    dA_prev = W.T @ dZ if need_dA_prev else None  # BP2, before ⊙ σ′
    return dA_prev, dW, db


@checked(_activation_forward_args)
def activation_forward(Z: np.ndarray, name: str) -> tuple[np.ndarray, ActivationCache]:
    r"""A^l = σ(Z^l), element-wise (softmax: per column); Z and A (n_l, m)."""
    sigma, _ = choose("activation", name, act.ACTIVATIONS)
    A = sigma(Z)
    return A, ActivationCache(name, Z, A)


@checked(_activation_backward_args)
def activation_backward(dA: np.ndarray, cache: ActivationCache) -> np.ndarray:
    r"""dZ = dA ⊙ σ′(Z) (the second half of BP1/BP2); softmax uses its Jacobian. dZ has Z's shape."""
    name, Z, A = cache
    if name == "softmax":
        return act.softmax_backward(dA, A)
    _, sigma_prime = act.ACTIVATIONS[name]
    return dA * sigma_prime(Z)


@checked(_batchnorm_forward_args)
def batchnorm_forward(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    eps: float = 1e-5,
    running_mean: np.ndarray | None = None,
    running_var: np.ndarray | None = None,
    momentum: float = 0.9,
    training: bool = True,
) -> tuple[np.ndarray, BatchNormCache]:
    r"""Batch normalization (Ioffe & Szegedy 2015) of Z (n, m) over the batch axis.

    Training mode:  μ = (1/m) Σ_i z_i,  σ² = (1/m) Σ_i (z_i − μ)²,
                    ẑ = (z − μ)/√(σ² + ε),  out = γ ⊙ ẑ + β.
    If ``running_mean``/``running_var`` (n, 1) are given they are updated in place:
    r ← momentum·r + (1 − momentum)·batch statistic, where the batch statistic for the variance
    is the unbiased m/(m − 1)·σ², as in Ioffe & Szegedy's Algorithm 2 and PyTorch (the batch itself
    is normalized with the 1/m variance). A batch of one column says nothing about the spread,
    so it leaves running_var unchanged. ``momentum`` is the weight of the old average: PyTorch's
    ``momentum=0.1`` (the weight of the new batch) is this ``momentum=0.9``.
    Evaluation mode (``training=False``): μ, σ² are the running averages instead.

    gamma, beta (n, 1); out has Z's shape.
    """
    if training:
        mu = Z.mean(axis=1, keepdims=True)
        var = Z.var(axis=1, keepdims=True)
        if running_mean is not None:
            running_mean *= momentum
            running_mean += (1.0 - momentum) * mu
        m = Z.shape[1]
        if running_var is not None and m > 1:
            running_var *= momentum
            running_var += (1.0 - momentum) * (m / (m - 1)) * var  # the unbiased estimate of the variance
    else:
        if running_mean is None or running_var is None:  # also checked before, in _batchnorm_forward_args
            raise BPCourseError(_("batchnorm_forward(training=False) needs running_mean and running_var"))
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = (Z - mu) * inv_std
    return gamma * Z_hat + beta, BatchNormCache(Z_hat, inv_std, gamma, training)


@checked(_batchnorm_backward_args)
def batchnorm_backward(dout: np.ndarray, cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of batch normalization; dout (n, m) → dZ (n, m), dgamma (n, 1), dbeta (n, 1).

    dβ = Σ_i dout_i,  dγ = Σ_i dout_i ⊙ ẑ_i,  dẑ = γ ⊙ dout, and in training mode, because
    μ and σ² depend on every column,
    dZ = (1/m)(1/√(σ² + ε)) (m·dẑ − Σ_i dẑ_i − ẑ ⊙ Σ_i dẑ_i ⊙ ẑ_i).
    In evaluation mode μ and σ² are constants and dZ = dẑ/√(σ² + ε).
    """
    Z_hat, inv_std, gamma, training = cache
    dbeta = dout.sum(axis=1, keepdims=True)
    dgamma = np.sum(dout * Z_hat, axis=1, keepdims=True)
    dZ_hat = gamma * dout
    if not training:
        return dZ_hat * inv_std, dgamma, dbeta
    m = dout.shape[1]
    dZ = (inv_std / m) * (
        m * dZ_hat - dZ_hat.sum(axis=1, keepdims=True) - Z_hat * np.sum(dZ_hat * Z_hat, axis=1, keepdims=True)
    )
    return dZ, dgamma, dbeta
