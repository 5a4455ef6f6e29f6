r"""Activation functions σ and their derivatives σ′, element-wise on Z (n_l, m).

Each function is written to stay finite for inputs as large as ±1000 without a
NumPy warning: exponentials only ever see non-positive arguments.

``ACTIVATIONS`` maps a name to ``(sigma, sigma_prime)``; it feeds the network's
name validation and the widgets' dropdowns.

Every function accepts a real, finite array of any shape (a list of numbers too) and
refuses anything else with a ``BPCourseError``; ``softmax`` and ``softmax_backward`` want
one column per example, shape (n, m) or (n,).
"""

from __future__ import annotations

import numpy as np

from .errors import BPCourseError, checked, probabilities, real_array, same_shape
from .i18n import N_, _

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def _z(Z):
    # the check of every element-wise function: Z is a real, finite array of any shape
    return (real_array("Z", Z),)


def _columns(Z):
    Z = real_array("Z", Z, ndim=(1, 2))
    if Z.shape[0] == 0:
        raise BPCourseError(
            _("softmax needs at least one row (one per class); got Z of shape {shape}").format(shape=Z.shape)
        )
    return (Z,)


def _softmax_backward_args(dA, A):
    A, dA = real_array("A", A, ndim=(1, 2)), real_array("dA", dA, ndim=(1, 2))
    same_shape("dA", dA, "A", A)
    probabilities("A", A, N_("softmax_backward (A is the output of softmax)"), columns_sum_to_one=True)
    return dA, A


@checked(_z)
def sigmoid(Z: np.ndarray) -> np.ndarray:
    r"""σ(z) = 1 / (1 + e^{-z}); shape of Z."""
    # e^{-|z|} never overflows; pick the algebraically equal form per sign.
    E = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))


@checked(_z)
def sigmoid_prime(Z: np.ndarray) -> np.ndarray:
    r"""σ′(z) = σ(z)(1 − σ(z)); at most 0.25, which is why deep sigmoid nets vanish."""
    S = sigmoid(Z)
    return S * (1.0 - S)


@checked(_z)
def tanh(Z: np.ndarray) -> np.ndarray:
    r"""tanh(z); shape of Z."""
    return np.tanh(Z)


@checked(_z)
def tanh_prime(Z: np.ndarray) -> np.ndarray:
    r"""tanh′(z) = 1 − tanh²(z); at most 1."""
    return 1.0 - np.tanh(Z) ** 2


@checked(_z)
def relu(Z: np.ndarray) -> np.ndarray:
    r"""ReLU(z) = max(0, z)."""
    return np.maximum(Z, 0.0)


@checked(_z)
def relu_prime(Z: np.ndarray) -> np.ndarray:
    r"""ReLU′(z) = 1 for z > 0, else 0 (we take 0 at z = 0)."""
    return (Z > 0).astype(Z.dtype)


@checked(_z)
def leaky_relu(Z: np.ndarray) -> np.ndarray:
    r"""LeakyReLU(z) = z for z > 0, else 0.01·z."""
    return np.where(Z > 0, Z, LEAKY_SLOPE * Z)


@checked(_z)
def leaky_relu_prime(Z: np.ndarray) -> np.ndarray:
    r"""LeakyReLU′(z) = 1 for z > 0, else 0.01: never exactly zero, so units cannot die."""
    return np.where(Z > 0, 1.0, LEAKY_SLOPE)


@checked(_z)
def elu(Z: np.ndarray) -> np.ndarray:
    r"""ELU(z) = z for z > 0, else α(e^{z} − 1), α = 1."""
    return np.where(Z > 0, Z, ELU_ALPHA * np.expm1(np.minimum(Z, 0.0)))


@checked(_z)
def elu_prime(Z: np.ndarray) -> np.ndarray:
    r"""ELU′(z) = 1 for z > 0, else α e^{z}."""
    return np.where(Z > 0, 1.0, ELU_ALPHA * np.exp(np.minimum(Z, 0.0)))


@checked(_z)
def identity(Z: np.ndarray) -> np.ndarray:
    r"""identity(z) = z: the output activation for regression."""
    return Z


@checked(_z)
def identity_prime(Z: np.ndarray) -> np.ndarray:
    r"""identity′(z) = 1."""
    return np.ones_like(Z)


@checked(_columns)
def softmax(Z: np.ndarray) -> np.ndarray:
    r"""softmax over each column: a_k = e^{z_k} / Σ_j e^{z_j}; Z and result (n_L, m).

    Subtracting each column's maximum first changes nothing mathematically and
    keeps every exponent ≤ 0, so large logits cannot overflow.
    """
    E = np.exp(Z - Z.max(axis=0, keepdims=True))
    return E / E.sum(axis=0, keepdims=True)


@checked(_softmax_backward_args)
def softmax_backward(dA: np.ndarray, A: np.ndarray) -> np.ndarray:
    r"""dZ = A ⊙ (dA − Σ_k dA_k A_k), the Jacobian-vector product of softmax per column.

    Softmax couples the outputs of a column, so it has no element-wise σ′; this
    is the product of its Jacobian diag(a) − a aᵀ with dA, without forming it.
    """
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "leaky_relu": (leaky_relu, leaky_relu_prime),
    "elu": (elu, elu_prime),
    "identity": (identity, identity_prime),
    "softmax": (softmax, None),
}

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "identity")
