r"""The multilayer perceptron, assembled from the forward/backward pairs of ``layers``.

For l = 1 … L:  Z^l = W^l A^{l-1} + b^l,  A^l = σ(Z^l),  with A^0 = X (n_0, m).
Backward runs the same layers in reverse: BP1 at the output, then BP2–BP4 per layer.
With ``batchnorm=True`` each hidden layer becomes Z^l = BN(W^l A^{l-1}) and drops b^l,
which the shift β^l makes redundant (Ioffe & Szegedy 2015, §3.2).
"""

from __future__ import annotations

import copy
from typing import NamedTuple

import numpy as np

from . import initializers, layers, losses
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .errors import BPCourseError, as_matrix, choose


class LayerCache(NamedTuple):
    linear: layers.LinearCache
    batchnorm: layers.BatchNormCache | None
    activation: layers.ActivationCache


class MLP:
    r"""A fully connected network with L weight layers.

    Parameters
    ----------
    layer_sizes : [n_0, n_1, …, n_L]; at least two entries.
    hidden : σ of layers 1 … L−1: 'sigmoid', 'tanh', 'relu', 'leaky_relu' or 'elu'.
    output : σ of layer L: 'sigmoid', 'softmax' or 'identity'.
    loss : 'mse' or 'cross_entropy' (binary when ``output='sigmoid'``).
    init : 'auto' (He for the ReLU family, Xavier otherwise), 'zeros', 'normal', 'xavier' or 'he'.
    scale : standard deviation for ``init='normal'``.
    batchnorm : normalize every hidden pre-activation over the batch.
    seed : seeds the weight draw; the same seed gives the same network.

    ``params`` maps 'W1', 'b1', … 'WL', 'bL' (and 'gamma1', 'beta1', … with batch norm)
    to arrays: W^l (n_l, n_{l-1}), b^l (n_l, 1). Optimizers update them in place.
    """

    def __init__(
        self,
        layer_sizes,
        hidden: str = "relu",
        output: str = "softmax",
        loss: str = "cross_entropy",
        init: str = "auto",
        scale: float = 0.01,
        batchnorm: bool = False,
        seed: int | None = 0,
        bn_momentum: float = 0.9,
        bn_eps: float = 1e-5,
    ):
        sizes = [int(n) for n in layer_sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise BPCourseError(
                f"layer_sizes must list at least an input and an output width, all ≥ 1; got {list(layer_sizes)}"
            )
        choose("hidden activation", hidden, {k: ACTIVATIONS[k] for k in HIDDEN_ACTIVATIONS})
        choose("output activation", output, {k: ACTIVATIONS[k] for k in OUTPUT_ACTIVATIONS})
        choose("loss", loss, losses.LOSSES)
        if output == "softmax" and loss == "cross_entropy" and sizes[-1] < 2:
            raise BPCourseError(
                "softmax with cross-entropy needs ≥ 2 output units; for two classes use output='sigmoid'"
            )
        if loss == "cross_entropy" and output == "identity":
            raise BPCourseError(
                "cross_entropy needs probabilities: use output='softmax' (classes) or 'sigmoid' (binary), "
                "or loss='mse' with output='identity'"
            )
        self.init = initializers.default_for(hidden) if init == "auto" else init
        choose("initializer", self.init, initializers.INITIALIZERS)
        self.sizes, self.hidden, self.output, self.loss_name = sizes, hidden, output, loss
        self.batchnorm, self.bn_momentum, self.bn_eps = bool(batchnorm), bn_momentum, bn_eps
        self.L = len(sizes) - 1
        rng = np.random.default_rng(seed)
        self.params: dict[str, np.ndarray] = {}
        self.bn_state: dict[str, np.ndarray] = {}
        for l in range(1, self.L + 1):
            self.params[f"W{l}"] = initializers.init_weights(self.init, sizes[l], sizes[l - 1], rng, scale)
            if self._has_bn(l):
                self.params[f"gamma{l}"] = np.ones((sizes[l], 1))
                self.params[f"beta{l}"] = np.zeros((sizes[l], 1))
                self.bn_state[f"mean{l}"] = np.zeros((sizes[l], 1))
                self.bn_state[f"var{l}"] = np.ones((sizes[l], 1))
            else:
                self.params[f"b{l}"] = np.zeros((sizes[l], 1))

    def __repr__(self) -> str:
        bn = ", batchnorm=True" if self.batchnorm else ""
        return (
            f"MLP({self.sizes}, hidden={self.hidden!r}, output={self.output!r}, "
            f"loss={self.loss_name!r}, init={self.init!r}{bn})"
        )

    def _has_bn(self, l: int) -> bool:
        return self.batchnorm and l < self.L

    def activation_of(self, l: int) -> str:
        """The name of σ used by layer l."""
        return self.output if l == self.L else self.hidden

    def copy(self) -> MLP:
        """An independent deep copy (parameters and batch-norm statistics)."""
        return copy.deepcopy(self)

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    # ---- forward -------------------------------------------------------------------------
    def check_X(self, X) -> np.ndarray:
        """X as a finite float array of shape (n_0, m), or a clear error."""
        return as_matrix("X", X, rows=self.sizes[0])

    def check_Y(self, Y, m: int) -> np.ndarray:
        """Y as a finite float array of shape (n_L, m), or a clear error."""
        Y_arr = np.asarray(Y)
        if Y_arr.ndim == 1 and self.sizes[-1] > 1 and Y_arr.shape[0] == m:
            raise BPCourseError(
                f"Y has shape {Y_arr.shape}: labels, not one-hot columns; "
                f"pass bp.datasets.one_hot(y, {self.sizes[-1]}) of shape ({self.sizes[-1]}, {m})"
            )
        if Y_arr.ndim == 1 and self.sizes[-1] == 1 and Y_arr.shape[0] == m:
            raise BPCourseError(f"Y has shape {Y_arr.shape}; expected (1, {m}): pass Y.reshape(1, -1)")
        return as_matrix("Y", Y, rows=self.sizes[-1], cols=m)

    def forward_cache(self, X, training: bool = False) -> tuple[np.ndarray, list[LayerCache]]:
        r"""Forward pass keeping what backward needs: returns A^L (n_L, m) and one ``LayerCache`` per layer.

        ``caches[l-1]`` holds layer l's A^{l-1}, W^l, Z^l and A^l. With batch norm,
        ``training=True`` normalizes with batch statistics and updates the running averages;
        ``training=False`` uses the running averages.
        """
        return self._forward_cache(self.check_X(X), training)

    def _forward_cache(self, A: np.ndarray, training: bool) -> tuple[np.ndarray, list[LayerCache]]:
        # forward_cache without validating X: for the training loop, which validated it once.
        caches = []
        for l in range(1, self.L + 1):
            W = self.params[f"W{l}"]
            if self._has_bn(l):
                Z, lin = layers.linear_forward(A, W, 0.0)
                Z, bn = layers.batchnorm_forward(
                    Z,
                    self.params[f"gamma{l}"],
                    self.params[f"beta{l}"],
                    self.bn_eps,
                    self.bn_state[f"mean{l}"],
                    self.bn_state[f"var{l}"],
                    self.bn_momentum,
                    training,
                )
            else:
                Z, lin = layers.linear_forward(A, W, self.params[f"b{l}"])
                bn = None
            A, a_cache = layers.activation_forward(Z, self.activation_of(l))
            caches.append(LayerCache(lin, bn, a_cache))
        return A, caches

    def forward(self, X, training: bool = False) -> np.ndarray:
        r"""Ŷ = A^L (n_L, m) for X (n_0, m)."""
        return self.forward_cache(X, training)[0]

    # ---- loss and backward ------------------------------------------------------------------
    def _loss_and_dZL(self, caches: list[LayerCache], Y: np.ndarray) -> tuple[float, np.ndarray]:
        out = caches[-1].activation
        fused = losses.FUSED.get((self.output, self.loss_name))
        if fused is not None:
            return fused(out.Z, Y)  # simplified BP1: δ^L = (A^L − Y)/m
        L, dA = losses.loss_on_output(self.output, self.loss_name)(out.A, Y)
        return L, layers.activation_backward(dA, out)  # BP1: δ^L = ∇_a ℓ ⊙ σ′(Z^L)

    def loss(self, X, Y, training: bool = False) -> float:
        r"""The mean loss L over the m examples of X (n_0, m) with labels Y (n_L, m)."""
        A, caches = self.forward_cache(X, training)
        return self._loss_and_dZL(caches, self.check_Y(Y, A.shape[1]))[0]

    def backward(self, dZL: np.ndarray, caches: list[LayerCache]) -> dict[str, np.ndarray]:
        r"""Backpropagate δ^L = dZL (n_L, m) through the cached layers; returns grads like ``params``."""
        grads: dict[str, np.ndarray] = {}
        dZ = dZL
        for l in range(self.L, 0, -1):
            lin, bn, _ = caches[l - 1]
            if bn is not None:
                dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = layers.batchnorm_backward(dZ, bn)
                dA_prev, grads[f"W{l}"], _ = layers.linear_backward(dZ, lin, need_dA_prev=l > 1)
            else:
                dA_prev, grads[f"W{l}"], grads[f"b{l}"] = layers.linear_backward(dZ, lin, l > 1)  # BP3, BP4
            if l > 1:
                # BP2: δ^{l-1} = (W^l)ᵀ δ^l ⊙ σ′(Z^{l-1})
                dZ = layers.activation_backward(dA_prev, caches[l - 2].activation)
        return {k: grads[k] for k in self.params}

    def loss_and_gradients(self, X, Y) -> tuple[float, dict[str, np.ndarray]]:
        r"""One forward (training mode) and one backward pass: (L, grads), grads shaped like ``params``."""
        X = self.check_X(X)
        return self._loss_and_gradients(X, self.check_Y(Y, X.shape[1]))

    def _loss_and_gradients(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        # loss_and_gradients on already validated X and Y (the training loop checks them once, not per step).
        _, caches = self._forward_cache(X, training=True)
        L, dZL = self._loss_and_dZL(caches, Y)
        return L, self.backward(dZL, caches)

    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        r"""∂L/∂θ for every parameter θ: a dict with the keys and shapes of ``params``."""
        return self.loss_and_gradients(X, Y)[1]

    # ---- evaluation ----------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        """Predicted class per column, shape (m,): argmax of A^L, or A^L > 0.5 for one sigmoid unit."""
        A = self.forward(X)
        if A.shape[0] == 1:
            return (A[0] > 0.5).astype(int)
        return A.argmax(axis=0)

    def accuracy(self, X, Y) -> float:
        """Fraction of columns classified correctly; Y one-hot (n_L, m), (1, m) 0/1, or labels (m,)."""
        Y = np.asarray(Y)
        labels = Y if Y.ndim == 1 else (Y[0] > 0.5).astype(int) if Y.shape[0] == 1 else Y.argmax(axis=0)
        return float(np.mean(self.predict(X) == labels))
