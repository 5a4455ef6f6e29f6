r"""The training loop: the four stages of BP repeated over shuffled mini-batches.

for each epoch: shuffle the columns (seeded), then for each mini-batch
forward → loss → backward → (optional clipping) → optimizer step.

``train`` checks all of its arguments once (the network's parameters and the optimizer's
state included) and then runs every step on the network's and optimizer's unchecked
internals, so validation costs nothing per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import formatting
from . import optim as _optim
from .errors import (
    BPCourseError,
    TrainingDiverged,
    arrays_dict,
    describe,
    flag,
    function,
    number,
    seed_value,
    skip_checks,
    whole_number,
)
from .i18n import N_, _
from .network import MLP

_CLIP_HINT = N_(" (the largest global gradient norm allowed; try 1.0)")

DIVERGENCE_FACTOR = 1e6
"""Training has diverged when a mini-batch loss exceeds DIVERGENCE_FACTOR × max(1, the first step's loss),
or when any loss or gradient (of a step, or of the per-epoch evaluation) is NaN or inf.

The first mini-batch loss is measured before any update, so it is the loss of the initial network.
A healthy run ends far below it, and the overshoots of a large but stable learning rate stay within a
few times it (at most 42× over every run of the course's widgets); a diverging run grows geometrically
and crosses 10⁶× within a few steps, long before it reaches inf. The max(1, ·) keeps a tiny first loss
(a regression that starts almost fitted, a network trained further) from making the limit tiny: the
loss must then exceed 10⁶ itself, far above a cross-entropy near its start (≈ ln n_classes) or an MSE
on data of order 1. On data of large scale the limit grows with the first loss.
"""


@dataclass
class History:
    """What ``train`` records.

    loss, accuracy : per epoch, on the whole training set after the epoch (accuracy for
        cross-entropy networks only). val_loss, val_accuracy : the same on validation data.
    step_loss : the mini-batch loss of every step.
    grad_norms : one row per step, ‖∂L/∂W^l‖ for l = 1 … L (see ``grad_norm_array``).
    diverged_at : the step whose loss was NaN/inf or ran away (above ``DIVERGENCE_FACTOR`` × max(1, the
        first step's loss)), or None; message : why training stopped.
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
    r"""‖∂L/∂W^l‖ (Frobenius) for l = 1 … L, shape (L,); grads holds finite arrays 'W1' … 'WL' (and others)."""
    L = whole_number("L", L, 1)
    n = min(L, len(grads) + 1) if isinstance(grads, dict) else 1  # W1 … Wn: enough to find a missing one
    arrays_dict("grads", grads, [f"W{l}" for l in range(1, n + 1)])
    with np.errstate(over="ignore"):
        norms = _layer_grad_norms(grads, L)
    for l in np.flatnonzero(np.isinf(norms)):  # huge but finite entries: the sum of squares overflowed
        W = grads[f"W{l + 1}"]
        s = float(np.max(np.abs(W)))
        norms[l] = s * np.linalg.norm(W / s)
    return norms


def _layer_grad_norms(grads: dict, L: int) -> np.ndarray:
    # layer_grad_norms without the checks: for the training loop (inf for an overflowing norm)
    return np.array([np.linalg.norm(grads[f"W{l}"]) for l in range(1, L + 1)])


def _evaluate(net, X, Y, history_loss: list, history_acc: list) -> float:
    """Append the loss (and accuracy) of ``net`` on the validated X, Y; returns the loss, appended only if finite."""
    with np.errstate(over="ignore", invalid="ignore"):
        L = net._loss(X, Y, False)
        if np.isfinite(L):
            history_loss.append(L)
            if net.loss_name == "cross_entropy":
                history_acc.append(net._accuracy(X, Y))
    return L


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

    optimizer : a ``bp.optim`` optimizer (default SGD(lr=0.1)), not used on another network before.
    epochs : passes over the data, ≥ 1.
    batch_size : examples per step, ≥ 1; None means the whole batch every step.
    seed : seeds the shuffling, so the same seed gives the same history.
    clip : if set (> 0), rescale the gradients to this global norm when larger.
    callback : called as ``callback(epoch, history, net)`` after every epoch; return
        False from it to stop early (live plots use this).
    progress : show a tqdm progress bar over epochs (a widget in JupyterLab).
    on_diverge : 'raise' a ``TrainingDiverged`` error, or 'stop' and return the history, when a
        loss becomes NaN or inf or exceeds ``DIVERGENCE_FACTOR`` × max(1, the first step's loss);
        either way ``history.message`` names the step.
    """
    if on_diverge not in ("raise", "stop"):
        raise BPCourseError(_("on_diverge must be 'raise' or 'stop'; got {got!r}").format(got=on_diverge))
    if not isinstance(net, MLP):
        raise BPCourseError(
            _("net must be a bp.MLP network; got {got} (the call is train(net, X, Y, optimizer, ...))").format(
                got=describe(net)
            )
        )
    X = net.check_X(X)
    m = X.shape[1]
    Y = net.check_Y(Y, m)
    if (X_val is None) != (Y_val is None):
        raise BPCourseError(_("X_val and Y_val go together: pass both (validation inputs and their labels) or neither"))
    if X_val is not None:
        X_val = net.check_X(X_val)
        Y_val = net.check_Y(Y_val, X_val.shape[1])
    net._check_ready()
    optimizer = optimizer if optimizer is not None else _optim.SGD(lr=0.1)
    if not isinstance(optimizer, _optim.Optimizer):
        raise BPCourseError(
            _("optimizer must be a bp.optim optimizer such as bp.optim.SGD(lr=0.1); got {got!r}").format(got=optimizer)
        )
    optimizer._check_state(net.params)
    epochs = whole_number("epochs", epochs, 1, hint=_(" (passes over the training data)"))
    batch_size = whole_number("batch_size", batch_size, 1, allow_none=True)
    bs = m if batch_size is None else batch_size
    seed = seed_value("seed", seed)
    if clip is not None:
        clip = number("clip", clip, 0.0, low_open=True, what=_("a positive number or None"), hint=_(_CLIP_HINT))
    function("callback", callback, "callback(epoch, history, net)", allow_none=True)
    progress = flag("progress", progress)
    rng = np.random.default_rng(seed)
    history = History()
    epoch_iter = range(1, epochs + 1)
    if progress:
        from tqdm.auto import tqdm

        epoch_iter = tqdm(epoch_iter, desc=_("training"), unit=_("epoch"))

    def diverged(at: int, stopped: str) -> History:
        # stopped: the first sentence, "training stopped at step 3: the loss became inf." (see below)
        history.diverged_at = at
        lr, smaller = formatting.number(optimizer.lr), formatting.number(optimizer.lr / 10)
        history.message = _("{stopped} The learning rate {lr} is probably too large; try {smaller}.").format(
            stopped=stopped, lr=lr, smaller=smaller
        )
        if on_diverge == "raise":
            raise TrainingDiverged(history.message)
        return history

    step, limit = 0, np.inf
    # A full batch makes a step an epoch: its messages name only the step.

    for epoch in epoch_iter:
        perm = rng.permutation(m) if bs < m else np.arange(m)
        for start in range(0, m, bs):
            idx = perm[start : start + bs]
            step += 1
            with np.errstate(over="ignore", invalid="ignore"), skip_checks():
                L, grads = net._loss_and_gradients(X[:, idx], Y[:, idx])  # forward, loss, backward
                norms = _layer_grad_norms(grads, net.L)
                if step == 1:
                    limit = DIVERGENCE_FACTOR * max(1.0, L)
            # A NaN or inf in any dW^l shows in its norm; db^l comes from the same δ^l.
            if not np.isfinite(L):
                stopped = (
                    _("training stopped at step {step} (epoch {epoch}): the loss became {loss}.")
                    if bs < m
                    else _("training stopped at step {step}: the loss became {loss}.")
                )
                return diverged(step, stopped.format(step=step, epoch=epoch, loss=L))
            if not np.isfinite(norms).all():
                stopped = (
                    _("training stopped at step {step} (epoch {epoch}): the gradient became inf or NaN.")
                    if bs < m
                    else _("training stopped at step {step}: the gradient became inf or NaN.")
                )
                return diverged(step, stopped.format(step=step, epoch=epoch))
            if L > limit:
                stopped = (
                    _(
                        "training stopped at step {step} (epoch {epoch}): the loss {loss:.3g} exceeded "
                        "{limit:.3g} = {factor:g} × max(1, its first value {first:.3g})."
                    )
                    if bs < m
                    else _(
                        "training stopped at step {step}: the loss {loss:.3g} exceeded "
                        "{limit:.3g} = {factor:g} × max(1, its first value {first:.3g})."
                    )
                )
                values = dict(loss=L, limit=limit, factor=DIVERGENCE_FACTOR, first=history.step_loss[0])
                return diverged(step, stopped.format(step=step, epoch=epoch, **values))
            history.step_loss.append(L)
            history.grad_norms.append(norms)
            if clip is not None:
                _optim._clip_grad_norm(grads, clip)
            optimizer._step(net.params, grads)  # update
        for X_e, Y_e, losses, accs, validation in (
            (X, Y, history.loss, history.accuracy, False),
            (X_val, Y_val, history.val_loss, history.val_accuracy, True),
        ):
            if X_e is not None:
                L_e = _evaluate(net, X_e, Y_e, losses, accs)
                if not np.isfinite(L_e):  # the last update overflowed; the next step would see it
                    if validation:
                        stopped = (
                            _("training stopped after epoch {epoch} (step {step}): the validation loss became {loss}.")
                            if bs < m
                            else _("training stopped after step {step}: the validation loss became {loss}.")
                        )
                    else:
                        stopped = (
                            _("training stopped after epoch {epoch} (step {step}): the training loss became {loss}.")
                            if bs < m
                            else _("training stopped after step {step}: the training loss became {loss}.")
                        )
                    return diverged(step + 1, stopped.format(step=step, epoch=epoch, loss=L_e))
        if progress:
            epoch_iter.set_postfix(loss=f"{history.loss[-1]:.4f}")
        if callback is not None and callback(epoch, history, net) is False:
            history.message = _("stopped by the callback after epoch {epoch}").format(epoch=epoch)
            break
    return history
