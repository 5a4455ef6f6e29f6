r"""The training loop: the four stages of BP repeated over shuffled mini-batches.

for each epoch: shuffle the columns (seeded), then for each mini-batch
forward → loss → backward → (optional clipping) → optimizer step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import optim as _optim
from .errors import BPCourseError, TrainingDiverged


@dataclass
class History:
    """What ``train`` records.

    loss, accuracy : per epoch, on the whole training set after the epoch (accuracy for
        cross-entropy networks only). val_loss, val_accuracy : the same on validation data.
    step_loss : the mini-batch loss of every step.
    grad_norms : one row per step, ‖∂L/∂W^l‖ for l = 1 … L (see ``grad_norm_array``).
    diverged_at : the step whose loss was NaN/inf, or None; message : why training stopped.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    grad_norms: list = field(default_factory=list)
    diverged_at: int | None = None
    message: str = ""

    @property
    def grad_norm_array(self) -> np.ndarray:
        """grad_norms as an array (steps, L): column l−1 is layer l."""
        return np.array(self.grad_norms)


def layer_grad_norms(grads: dict, L: int) -> np.ndarray:
    r"""‖∂L/∂W^l‖ (Frobenius) for l = 1 … L, shape (L,)."""
    return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, L + 1)])


def _evaluate(net, X, Y, history_loss: list, history_acc: list) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        history_loss.append(net.loss(X, Y))
        if net.loss_name == "cross_entropy":
            history_acc.append(net.accuracy(X, Y))


def train(
    net,
    X,
    Y,
    optimizer=None,
    epochs: int = 10,
    batch_size: int | None = 32,
    seed: int = 0,
    X_val=None,
    Y_val=None,
    clip: float | None = None,
    callback=None,
    progress: bool = False,
    on_diverge: str = "raise",
) -> History:
    r"""Train ``net`` on X (n_0, m), Y (n_L, m) and return a ``History``.

    optimizer : a ``bp.optim`` optimizer (default SGD(lr=0.1)).
    batch_size : examples per step; None means the whole batch every step.
    seed : seeds the shuffling, so the same seed gives the same history.
    clip : if set, rescale the gradients to this global norm when larger.
    callback : called as ``callback(epoch, history, net)`` after every epoch; return
        False from it to stop early (live plots use this).
    progress : show a tqdm progress bar over epochs (a widget in JupyterLab).
    on_diverge : 'raise' a ``TrainingDiverged`` error, or 'stop' and return the history,
        when a loss becomes NaN or inf; either way ``history.message`` names the step.
    """
    if on_diverge not in ("raise", "stop"):
        raise BPCourseError(f"on_diverge must be 'raise' or 'stop'; got {on_diverge!r}")
    X = net.check_X(X)
    m = X.shape[1]
    Y = net.check_Y(Y, m)
    if X_val is not None:
        X_val = net.check_X(X_val)
        Y_val = net.check_Y(Y_val, X_val.shape[1])
    optimizer = optimizer if optimizer is not None else _optim.SGD(lr=0.1)
    if not isinstance(optimizer, _optim.Optimizer):
        raise BPCourseError(f"optimizer must be a bp.optim optimizer such as bp.optim.SGD(lr=0.1); got {optimizer!r}")
    bs = m if batch_size is None else int(batch_size)
    if bs < 1:
        raise BPCourseError(f"batch_size must be ≥ 1 or None; got {batch_size}")
    rng = np.random.default_rng(seed)
    history = History()
    epoch_iter = range(1, epochs + 1)
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc="training", unit="epoch")
    step = 0
    for epoch in epoch_iter:
        perm = rng.permutation(m) if bs < m else np.arange(m)
        for start in range(0, m, bs):
            idx = perm[start : start + bs]
            step += 1
            with np.errstate(over="ignore", invalid="ignore"):
                L, grads = net._loss_and_gradients(X[:, idx], Y[:, idx])  # forward, loss, backward
                norms = layer_grad_norms(grads, net.L)
            # A NaN or inf in any dW^l shows in its norm; db^l comes from the same δ^l.
            if not (np.isfinite(L) and np.isfinite(norms).all()):
                what = f"the loss became {L}" if not np.isfinite(L) else "the gradient became inf or NaN"
                history.diverged_at = step
                history.message = (
                    f"training stopped at step {step} (epoch {epoch}): {what}. "
                    f"The learning rate {optimizer.lr:g} is probably too large; try {optimizer.lr / 10:g}."
                )
                if on_diverge == "raise":
                    raise TrainingDiverged(history.message)
                return history
            history.step_loss.append(L)
            history.grad_norms.append(norms)
            if clip is not None:
                _optim.clip_grad_norm(grads, clip)
            optimizer.step(net.params, grads)  # update
        _evaluate(net, X, Y, history.loss, history.accuracy)
        if X_val is not None:
            _evaluate(net, X_val, Y_val, history.val_loss, history.val_accuracy)
        if progress:
            epoch_iter.set_postfix(loss=f"{history.loss[-1]:.4f}")
        if callback is not None and callback(epoch, history, net) is False:
            history.message = f"stopped by the callback after epoch {epoch}"
            break
    return history
