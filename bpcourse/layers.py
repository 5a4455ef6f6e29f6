r"""Forward/backward pairs with caches: the building blocks of every network.

Each pair follows one pattern::

    out, cache = something_forward(inputs...)
    d_inputs... = something_backward(d_out, cache)

and every ``d``-array has the shape of the array it differentiates. ``MLP`` is
assembled from exactly these functions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import activations as act
from .errors import choose


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


def linear_forward(A_prev: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, LinearCache]:
    r"""Z^l = W^l A^{l-1} + b^l.

    A_prev (n_{l-1}, m), W (n_l, n_{l-1}), b (n_l, 1) → Z (n_l, m); b broadcasts over columns.
    """
    return W @ A_prev + b, LinearCache(A_prev, W)


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


def activation_forward(Z: np.ndarray, name: str) -> tuple[np.ndarray, ActivationCache]:
    r"""A^l = σ(Z^l), element-wise (softmax: per column); Z and A (n_l, m)."""
    sigma, _ = choose("activation", name, act.ACTIVATIONS)
    A = sigma(Z)
    return A, ActivationCache(name, Z, A)


def activation_backward(dA: np.ndarray, cache: ActivationCache) -> np.ndarray:
    r"""dZ = dA ⊙ σ′(Z) (the second half of BP1/BP2); softmax uses its Jacobian. dZ has Z's shape."""
    name, Z, A = cache
    if name == "softmax":
        return act.softmax_backward(dA, A)
    _, sigma_prime = act.ACTIVATIONS[name]
    return dA * sigma_prime(Z)


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
    r ← momentum·r + (1 − momentum)·batch statistic.
    Evaluation mode (``training=False``): μ, σ² are the running averages instead.

    gamma, beta (n, 1); out has Z's shape.
    """
    if training:
        mu = Z.mean(axis=1, keepdims=True)
        var = Z.var(axis=1, keepdims=True)
        if running_mean is not None:
            running_mean *= momentum
            running_mean += (1.0 - momentum) * mu
        if running_var is not None:
            running_var *= momentum
            running_var += (1.0 - momentum) * var
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batchnorm_forward(training=False) needs running_mean and running_var")
        mu, var = running_mean, running_var
    inv_std = 1.0 / np.sqrt(var + eps)
    Z_hat = (Z - mu) * inv_std
    return gamma * Z_hat + beta, BatchNormCache(Z_hat, inv_std, gamma, training)


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
