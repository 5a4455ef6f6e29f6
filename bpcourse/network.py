r"""The multilayer perceptron, assembled from the forward/backward pairs of ``layers``.

For l = 1 … L:  Z^l = W^l A^{l-1} + b^l,  A^l = σ(Z^l),  with A^0 = X (n_0, m).
Backward runs the same layers in reverse: BP1 at the output, then BP2–BP4 per layer.
With ``batchnorm=True`` each hidden layer becomes Z^l = BN(W^l A^{l-1}) and drops b^l,
which the shift β^l makes redundant (Ioffe & Szegedy 2015, §3.2).

Every public method checks what it is given once: X and Y, and ``params`` as the user may
have edited them (keys, shapes, finite float arrays); a result that overflowed to inf or NaN
raises too. ``bp.train`` checks once per call and then runs the unchecked internals
(``_loss_and_gradients``) on every step.
"""

from __future__ import annotations

import copy
import math
from typing import NamedTuple

import numpy as np

from . import initializers, layers, losses
from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .errors import (
    BPCourseError,
    all_finite,
    as_matrix,
    check_params,
    choose,
    describe,
    flag,
    number,
    probabilities,
    real_array,
    seed_value,
    skip_checks,
    whole_number,
    whole_numbers,
)
from .i18n import N_, _

_HIDDEN = dict.fromkeys(HIDDEN_ACTIVATIONS)
_OUTPUT = dict.fromkeys(OUTPUT_ACTIVATIONS)


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

    bn_momentum, bn_eps : the running-average weight in [0, 1] and the ε > 0 of batch norm.

    ``params`` maps 'W1', 'b1', … 'WL', 'bL' (and 'gamma1', 'beta1', … with batch norm)
    to arrays: W^l (n_l, n_{l-1}), b^l (n_l, 1). Optimizers update them in place. If you
    replace or edit them, keep these keys and shapes and finite float values: every public
    method checks them and says what is wrong.
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
        sizes = whole_numbers("layer_sizes", layer_sizes, "[64, 32, 10]")
        if len(sizes) < 2 or min(sizes) < 1:
            raise BPCourseError(
                _("layer_sizes must list at least an input and an output width, all ≥ 1; got {sizes}").format(
                    sizes=sizes
                )
            )
        choose(N_("hidden activation"), hidden, {k: ACTIVATIONS[k] for k in HIDDEN_ACTIVATIONS})
        choose(N_("output activation"), output, {k: ACTIVATIONS[k] for k in OUTPUT_ACTIVATIONS})
        choose(N_("loss"), loss, losses.LOSSES)
        if output == "softmax" and loss == "cross_entropy" and sizes[-1] < 2:
            raise BPCourseError(
                _("softmax with cross-entropy needs ≥ 2 output units; for two classes use output='sigmoid'")
            )
        if loss == "cross_entropy" and output == "identity":
            raise BPCourseError(
                _(
                    "cross_entropy needs probabilities: use output='softmax' (classes) or 'sigmoid' (binary), "
                    "or loss='mse' with output='identity'"
                )
            )
        self.init = initializers.default_for(hidden) if isinstance(init, str) and init == "auto" else init
        choose(N_("initializer"), self.init, initializers.INITIALIZERS)
        scale = number("scale", scale, 0.0, 1e6, low_open=True, hint=N_(" (the standard deviation of init='normal')"))
        batchnorm, seed = flag("batchnorm", batchnorm), seed_value("seed", seed)
        bn_momentum = number("bn_momentum", bn_momentum, 0.0, 1.0, hint=N_(" (try 0.9)"))
        bn_eps = number("bn_eps", bn_eps, 0.0, low_open=True, hint=N_(" (try 1e-5)"))
        self.sizes, self.hidden, self.output, self.loss_name = sizes, hidden, output, loss
        self.batchnorm, self.bn_momentum, self.bn_eps = batchnorm, bn_momentum, bn_eps
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
        """The name of σ used by layer l (1 … L)."""
        l = whole_number("l", l, 1)
        if l > self.L:
            raise BPCourseError(_("l must be a layer number 1 … {L} of this network; got {l}").format(L=self.L, l=l))
        return self.output if l == self.L else self.hidden

    def copy(self) -> MLP:
        """An independent deep copy (parameters and batch-norm statistics)."""
        return copy.deepcopy(self)

    @property
    def n_params(self) -> int:
        """Total number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    # ---- checks --------------------------------------------------------------------------
    def check_X(self, X) -> np.ndarray:
        """X as a finite float array of shape (n_0, m) with m ≥ 1 examples, or a clear error."""
        return as_matrix("X", X, rows=self.sizes[0], min_cols=1)

    def check_Y(self, Y, m: int) -> np.ndarray:
        """Y as a finite float array of shape (n_L, m), or a clear error; for cross-entropy it must hold
        probabilities (one-hot or 0/1 labels), with columns summing to 1 after a softmax."""
        if type(m) is not int or m < 1:
            m = whole_number("m", m, 1)
        try:
            Y_arr = np.asarray(Y)
        except (TypeError, ValueError):
            Y_arr = None  # as_matrix below says what is wrong
        if Y_arr is not None and Y_arr.ndim == 1 and self.sizes[-1] > 1 and Y_arr.shape[0] == m:
            raise BPCourseError(
                _(
                    "Y has shape {shape}: labels, not one-hot columns; "
                    "pass bp.datasets.one_hot(y, {n}) of shape ({n}, {m})"
                ).format(shape=Y_arr.shape, n=self.sizes[-1], m=m)
            )
        if Y_arr is not None and Y_arr.ndim == 1 and self.sizes[-1] == 1 and Y_arr.shape[0] == m:
            raise BPCourseError(
                _("Y has shape {shape}; expected (1, {m}): pass Y.reshape(1, -1)").format(shape=Y_arr.shape, m=m)
            )
        Y = as_matrix("Y", Y, rows=self.sizes[-1], cols=m)
        if self.loss_name == "cross_entropy" and self.output == "softmax":
            hint = _("; for class labels y pass bp.datasets.one_hot(y, {n})").format(n=self.sizes[-1])
            probabilities("Y", Y, N_("softmax with cross-entropy"), columns_sum_to_one=True, hint=hint)
        elif self.loss_name == "cross_entropy":
            probabilities("Y", Y, N_("binary cross-entropy"), hint=N_("; use 0/1 labels (or probabilities)"))
        return Y

    def _shapes(self) -> dict[str, tuple[int, int]]:
        """The shape of every parameter, computed once per architecture."""
        key = (tuple(self.sizes), self.batchnorm)
        cached = self.__dict__.get("_shapes_of")
        if cached is not None and cached[0] == key:
            return cached[1]
        shapes = {}
        for l in range(1, self.L + 1):
            n = self.sizes[l]
            shapes[f"W{l}"] = (n, self.sizes[l - 1])
            for k in ("gamma", "beta") if self._has_bn(l) else ("b",):
                shapes[f"{k}{l}"] = (n, 1)
        self._shapes_of = (key, shapes)
        return shapes

    def _whose(self) -> str:
        if self.batchnorm:
            return _("an MLP with layer sizes {sizes} and batch norm").format(sizes=self.sizes)
        return _("an MLP with layer sizes {sizes}").format(sizes=self.sizes)

    def _check_ready(self, finite: bool = True) -> None:
        """``params`` (and the batch-norm statistics, and the names) still fit this network: the user may edit them.

        With ``finite=False`` their values are not scanned: the public methods infer that from the
        pre-activations Z^l instead (every entry of W^l, b^l, γ^l, β^l reaches Z^l, so a NaN or inf does too),
        and come back here with ``finite=True`` to name the culprit.
        """
        check_params("net.params", self.params, self._shapes(), self._whose, finite)
        if self.batchnorm:
            stats = {f"{k}{l}": (self.sizes[l], 1) for l in range(1, self.L) for k in ("mean", "var")}
            check_params("net.bn_state", self.bn_state, stats, self._whose, finite)
            for l in range(1, self.L if finite else 1):
                if (self.bn_state[f"var{l}"] < 0).any():
                    raise BPCourseError(
                        _("net.bn_state['var{l}'] has a negative entry; it averages variances (≥ 0)").format(l=l)
                    )
        names = (self.hidden, self.output, self.loss_name)
        if not all(isinstance(n, str) for n in names) or not (
            self.hidden in _HIDDEN and self.output in _OUTPUT and self.loss_name in losses.LOSSES
        ):
            choose(N_("hidden activation"), self.hidden, _HIDDEN)
            choose(N_("output activation"), self.output, _OUTPUT)
            choose(N_("loss"), self.loss_name, losses.LOSSES)

    def _require_finite(self, what: str, arrays: list, L: float = 0.0) -> None:
        """Raise if a result (arrays, or the loss L) holds inf or NaN: name a broken parameter, or the overflow.

        ``what`` names the result, a template marked ``N_`` (translated here, when the error is raised)."""
        if math.isfinite(L) and all_finite(arrays):
            return
        self._check_ready(finite=True)  # raises if a parameter or running statistic is NaN, inf or negative
        big = max(float(np.abs(p).max()) for p in self.params.values())
        raise BPCourseError(
            _(
                "{what} overflowed to inf or NaN although X and the parameters are finite: they are too large "
                "(the largest |parameter| is {big:.3g}); rescale X to values near 1, or re-create the network "
                "and train it with a smaller learning rate"
            ).format(what=_(what), big=big)
        )

    def _checked_forward(self, X: np.ndarray, training: bool) -> tuple[np.ndarray, list[LayerCache]]:
        # the forward pass of the public methods, on a checked X: the parameters' values are checked through Z^l
        self._check_ready(finite=False)
        with np.errstate(all="ignore"):
            A, caches = self._forward_cache(X, training)
        self._require_finite(N_("the forward pass"), [c.activation.Z for c in caches])
        return A, caches

    # ---- forward -------------------------------------------------------------------------
    def forward_cache(self, X, training: bool = False) -> tuple[np.ndarray, list[LayerCache]]:
        r"""Forward pass keeping what backward needs: returns A^L (n_L, m) and one ``LayerCache`` per layer.

        ``caches[l-1]`` holds layer l's A^{l-1}, W^l, Z^l and A^l. With batch norm,
        ``training=True`` normalizes with batch statistics and updates the running averages;
        ``training=False`` uses the running averages.
        """
        return self._checked_forward(self.check_X(X), flag("training", training))

    def _forward_cache(self, A: np.ndarray, training: bool) -> tuple[np.ndarray, list[LayerCache]]:
        # forward_cache without validating X: for the training loop, which validated it once.
        caches = []
        with skip_checks():
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
                A, a_cache = layers.activation_forward(Z, self.output if l == self.L else self.hidden)
                caches.append(LayerCache(lin, bn, a_cache))
        return A, caches

    def forward(self, X, training: bool = False) -> np.ndarray:
        r"""Ŷ = A^L (n_L, m) for X (n_0, m)."""
        return self.forward_cache(X, training)[0]

    # ---- loss and backward ------------------------------------------------------------------
    def _loss_and_dZL(self, caches: list[LayerCache], Y: np.ndarray) -> tuple[float, np.ndarray]:
        out = caches[-1].activation
        with skip_checks():
            fused = losses.FUSED.get((self.output, self.loss_name))
            if fused is not None:
                return fused(out.Z, Y)  # simplified BP1: dZ^L = Δ^L/m = (A^L − Y)/m
            L, dA = losses.loss_on_output(self.output, self.loss_name)(out.A, Y)
            return L, layers.activation_backward(dA, out)  # BP1: dZ^L = dA ⊙ σ′(Z^L) (dA carries the 1/m)

    def loss(self, X, Y, training: bool = False) -> float:
        r"""The mean loss L over the m examples of X (n_0, m) with labels Y (n_L, m)."""
        X = self.check_X(X)
        Y, training = self.check_Y(Y, X.shape[1]), flag("training", training)
        _, caches = self._checked_forward(X, training)
        with np.errstate(all="ignore"):
            L = self._loss_and_dZL(caches, Y)[0]
        self._require_finite(N_("the loss"), [], L)
        return L

    def _loss(self, X: np.ndarray, Y: np.ndarray, training: bool) -> float:
        # loss on validated X and Y: for train's per-epoch evaluation and the gradient check
        _, caches = self._forward_cache(X, training)
        return self._loss_and_dZL(caches, Y)[0]

    def backward(self, dZL: np.ndarray, caches: list[LayerCache]) -> dict[str, np.ndarray]:
        r"""Backpropagate dZL = Δ^L/m (n_L, m) through the cached layers; returns grads like ``params``.

        ``caches`` must be this network's own ``forward_cache`` result.
        """
        if not (
            isinstance(caches, (list, tuple))
            and len(caches) == self.L
            and all(isinstance(c, LayerCache) for c in caches)
        ):
            raise BPCourseError(
                _("caches must be the list of {L} LayerCache that net.forward_cache(X) returned; got {got}").format(
                    L=self.L, got=describe(caches)
                )
            )
        shapes = self._shapes()
        for l, c in enumerate(caches, start=1):
            W = c.linear.W
            if not isinstance(W, np.ndarray) or W.shape != shapes[f"W{l}"] or (c.batchnorm is None) == self._has_bn(l):
                raise BPCourseError(
                    _(
                        "caches[{index}] does not fit layer {l} of this network; pass the caches of its own "
                        "forward_cache"
                    ).format(index=l - 1, l=l)
                )
        Z = caches[-1].activation.Z
        dZL = as_matrix("dZL", dZL, rows=Z.shape[0], cols=Z.shape[1])
        self._check_ready(finite=False)
        with np.errstate(all="ignore"):
            grads = self._backward(dZL, caches)
        self._require_finite(N_("backpropagation"), list(grads.values()))
        return grads

    def _backward(self, dZL: np.ndarray, caches: list[LayerCache]) -> dict[str, np.ndarray]:
        # backward without the checks: for the training loop
        grads: dict[str, np.ndarray] = {}
        dZ = dZL
        with skip_checks():
            for l in range(self.L, 0, -1):
                lin, bn, _ = caches[l - 1]
                if bn is not None:
                    dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = layers.batchnorm_backward(dZ, bn)
                    dA_prev, grads[f"W{l}"], _ = layers.linear_backward(dZ, lin, need_dA_prev=l > 1)
                else:
                    dA_prev, grads[f"W{l}"], grads[f"b{l}"] = layers.linear_backward(dZ, lin, l > 1)  # BP3, BP4
                if l > 1:
                    # BP2: dZ^{l-1} = (W^l)ᵀ dZ^l ⊙ σ′(Z^{l-1})
                    dZ = layers.activation_backward(dA_prev, caches[l - 2].activation)
        return {k: grads[k] for k in self.params}

    def loss_and_gradients(self, X, Y) -> tuple[float, dict[str, np.ndarray]]:
        r"""One forward (training mode) and one backward pass: (L, grads), grads shaped like ``params``."""
        X = self.check_X(X)
        Y = self.check_Y(Y, X.shape[1])
        _AL, caches = self._checked_forward(X, training=True)
        with np.errstate(all="ignore"):
            L, dZL = self._loss_and_dZL(caches, Y)
            grads = self._backward(dZL, caches)
        # Finite X, Y, pre-activations and loss keep every δ^l finite: the gradients are not scanned again,
        # short of parameters near the float64 limit (~1e308), where a backward product can still overflow.
        self._require_finite(N_("the loss"), [], L)
        return L, grads

    def _loss_and_gradients(self, X: np.ndarray, Y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        # loss_and_gradients on already validated X and Y (the training loop checks them once, not per step).
        _AL, caches = self._forward_cache(X, training=True)
        L, dZL = self._loss_and_dZL(caches, Y)
        return L, self._backward(dZL, caches)

    def gradients(self, X, Y) -> dict[str, np.ndarray]:
        r"""∂L/∂θ for every parameter θ: a dict with the keys and shapes of ``params``."""
        return self.loss_and_gradients(X, Y)[1]

    # ---- evaluation ----------------------------------------------------------------------
    def predict(self, X) -> np.ndarray:
        """Predicted class per column, shape (m,): argmax of A^L, or A^L > 0.5 for one sigmoid unit."""
        return self._predict_from(self._checked_forward(self.check_X(X), False)[0])

    @staticmethod
    def _predict_from(A: np.ndarray) -> np.ndarray:
        if A.shape[0] == 1:
            return (A[0] > 0.5).astype(int)
        return A.argmax(axis=0)

    def accuracy(self, X, Y) -> float:
        """Fraction of columns classified correctly; Y one-hot (n_L, m), (1, m) 0/1, or labels (m,)."""
        X = self.check_X(X)
        labels = self._labels(Y, X.shape[1])
        return float(np.mean(self._predict_from(self._checked_forward(X, False)[0]) == labels))

    def _labels(self, Y, m: int) -> np.ndarray:
        """The class labels (m,) meant by Y: one-hot or probabilities (n_L, m), a 0/1 row (1, m), or labels (m,)."""
        n_out = self.sizes[-1]
        Y = real_array("Y", Y, ndim=(1, 2))
        if Y.ndim == 2:
            return self._labels_of(as_matrix("Y", Y, rows=n_out, cols=m))
        if Y.shape[0] != m:
            raise BPCourseError(
                _("Y has {n} labels but X has {m} examples (columns); they must match").format(n=Y.shape[0], m=m)
            )
        classes = max(n_out, 2)
        bad = (Y != np.floor(Y)) | (Y < 0) | (Y >= classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise BPCourseError(
                _(
                    "Y must hold class labels 0 … {last} for this network's {n_out} output unit(s); "
                    "got {label:g} at position {i}"
                ).format(last=classes - 1, n_out=n_out, label=Y[i], i=i)
            )
        return Y.astype(np.int64)

    @staticmethod
    def _labels_of(Y: np.ndarray) -> np.ndarray:
        return (Y[0] > 0.5).astype(int) if Y.shape[0] == 1 else Y.argmax(axis=0)

    def _accuracy(self, X: np.ndarray, Y: np.ndarray) -> float:
        # accuracy on validated X and Y (n_L, m): for train's per-epoch evaluation
        return float(np.mean(self._predict_from(self._forward_cache(X, False)[0]) == self._labels_of(Y)))
