r"""Loss functions, each a mean over the m examples of a batch, with its gradient.

Every loss takes predictions A = Ŷ = A^L and labels Y, both (n_L, m), and returns
``(L, dA)`` where L is a float and dA = ∂L/∂A has A's shape. Because L is the
*mean* over the batch, every dA already carries the factor 1/m; the layers below
only sum over examples (see ``layers.linear_backward``). In the course's notation δˡ is one
example's error term and Δˡ stacks them as columns, so the dZ of a layer is Δˡ/m.

The fused versions ``softmax_cross_entropy`` and ``sigmoid_binary_cross_entropy``
take the pre-activation Z = Z^L instead and return ``(L, dZ)`` with the simplified
BP1, dZ^L = Δ^L/m = (A − Y)/m. They never form log(A), so they stay exact when the output
saturates.

Each function checks its inputs: A (or Z) and Y finite, 2-D, of the same shape, with at
least one example; for cross-entropy Y must hold probabilities (0/1 labels, one-hot
columns or soft targets) and, after a softmax, every column of Y must sum to 1.
"""

from __future__ import annotations

import numpy as np

from .activations import OUTPUT_ACTIVATIONS, sigmoid
from .errors import as_matrix, checked, choose, probabilities, same_shape
from .i18n import N_

_TINY = 1e-12  # keeps log(A) finite when a probability underflows to 0
# hints and the losses' names, translated where errors.probabilities raises
_ONE_HOT = N_("; for class labels y use bp.datasets.one_hot(y, n_classes)")
_BINARY = N_("; use 0/1 labels as a (1, m) row, e.g. y.reshape(1, -1)")


def _pair(name: str, A, Y) -> tuple[np.ndarray, np.ndarray]:
    A = as_matrix(name, A, min_cols=1)
    Y = as_matrix("Y", Y)
    same_shape(name, A, "Y", Y)
    return A, Y


def _mse_args(A, Y):
    return _pair("A", A, Y)


def _cross_entropy_args(A, Y):
    A, Y = _pair("A", A, Y)
    probabilities("A", A, N_("cross-entropy (A holds the predicted probabilities, e.g. softmax outputs)"))
    probabilities("Y", Y, N_("categorical cross-entropy"), columns_sum_to_one=True, hint=_ONE_HOT)
    return A, Y


def _binary_cross_entropy_args(A, Y):
    A, Y = _pair("A", A, Y)
    probabilities("A", A, N_("binary cross-entropy (A holds the predicted probabilities, e.g. sigmoid outputs)"))
    probabilities("Y", Y, N_("binary cross-entropy"), hint=_BINARY)
    return A, Y


def _softmax_cross_entropy_args(Z, Y):
    Z, Y = _pair("Z", Z, Y)
    probabilities("Y", Y, N_("softmax with cross-entropy"), columns_sum_to_one=True, hint=_ONE_HOT)
    return Z, Y


def _sigmoid_binary_cross_entropy_args(Z, Y):
    Z, Y = _pair("Z", Z, Y)
    probabilities("Y", Y, N_("sigmoid with binary cross-entropy"), hint=_BINARY)
    return Z, Y


def _names(output, loss):
    choose(N_("output activation"), output, dict.fromkeys(OUTPUT_ACTIVATIONS))
    choose(N_("loss"), loss, LOSSES)
    return output, loss


@checked(_mse_args)
def mse(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Mean squared error with the ½: L = (1/m) Σ_i ½‖a_i − y_i‖², dA = (A − Y)/m.

    The ½ cancels the 2 of the derivative. "MSE" is often written without it;
    the two differ by a constant factor of 2 in value and gradient.
    """
    m = A.shape[1]
    D = A - Y
    return float(0.5 * np.sum(D * D) / m), D / m


@checked(_cross_entropy_args)
def cross_entropy(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Categorical cross-entropy of probabilities: L = −(1/m) Σ_i Σ_k y_ik log a_ik, dA = −Y/(m A).

    A holds probabilities (softmax outputs) and Y one-hot columns, both (n_L, m).
    """
    m = A.shape[1]
    Ac = np.maximum(A, _TINY)
    return float(-np.sum(Y * np.log(Ac)) / m), -Y / (m * Ac)


@checked(_binary_cross_entropy_args)
def binary_cross_entropy(A: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Binary cross-entropy: L = −(1/m) Σ [y log a + (1 − y) log(1 − a)], dA = (A − Y)/(m A(1 − A))."""
    m = A.shape[1]
    Ac = np.clip(A, _TINY, 1.0 - _TINY)
    L = -np.sum(Y * np.log(Ac) + (1.0 - Y) * np.log(1.0 - Ac)) / m
    return float(L), (Ac - Y) / (m * Ac * (1.0 - Ac))


@checked(_softmax_cross_entropy_args)
def softmax_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Softmax then categorical cross-entropy, from logits Z (n_L, m): returns (L, dZ^L).

    log a_k = z_k − log Σ_j e^{z_j} (log-sum-exp, shifted by the column maximum),
    and BP1 simplifies to dZ^L = Δ^L/m = (softmax(Z) − Y)/m.
    """
    m = Z.shape[1]
    Zs = Z - Z.max(axis=0, keepdims=True)
    E = np.exp(Zs)
    S = E.sum(axis=0, keepdims=True)
    log_A = Zs - np.log(S)
    return float(-np.sum(Y * log_A) / m), (E / S - Y) / m  # E/S = softmax(Z), reusing the exponentials


@checked(_sigmoid_binary_cross_entropy_args)
def sigmoid_binary_cross_entropy(Z: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray]:
    r"""Sigmoid then binary cross-entropy, from logits Z (1, m) or (n_L, m): returns (L, dZ^L).

    ℓ = log(1 + e^{z}) − y z, computed with ``logaddexp`` so no exponent overflows,
    and BP1 simplifies to dZ^L = Δ^L/m = (σ(Z) − Y)/m.
    """
    m = Z.shape[1]
    L = np.sum(np.logaddexp(0.0, Z) - Y * Z) / m
    return float(L), (sigmoid(Z) - Y) / m


LOSSES = {"mse": mse, "cross_entropy": cross_entropy}

# (output activation, loss) pairs with a fused, stable form: dZ^L = (A − Y)/m.
FUSED = {
    ("softmax", "cross_entropy"): softmax_cross_entropy,
    ("sigmoid", "cross_entropy"): sigmoid_binary_cross_entropy,
}


@checked(_names)
def loss_on_output(output: str, loss: str):
    """The loss of predictions A for this output activation: binary CE after a sigmoid."""
    if loss == "cross_entropy" and output == "sigmoid":
        return binary_cross_entropy
    return LOSSES[loss]
