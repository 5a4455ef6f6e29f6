"""Input checks whose messages say what was expected, what came, and what to try.

Every public function of bpcourse validates what a learner passes through these
helpers, so a wrong shape or a typo in a name fails loudly with advice instead
of producing a silently wrong answer.
"""

from __future__ import annotations

import numpy as np


class BPCourseError(ValueError):
    """A learner-facing error: the message explains what went wrong and how to fix it."""


class TrainingDiverged(FloatingPointError):
    """Raised when the loss becomes NaN or inf during training."""


def choose(kind: str, name, registry) -> object:
    """Return ``registry[name]``; an unknown name lists the valid ones."""
    if isinstance(name, str) and name in registry:
        return registry[name]
    valid = ", ".join(repr(k) for k in registry)
    raise BPCourseError(f"unknown {kind} {name!r}; choose one of {valid}")


def as_matrix(name: str, X, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """Check that ``X`` is a finite 2-D float array, optionally with ``rows`` rows.

    When ``X`` has the right number of columns instead of rows, the message says
    that examples go in columns and suggests passing ``X.T``.
    """
    try:
        # C order: a strided view (a column slice of an F-ordered array) can make BLAS ~100× slower.
        X = np.ascontiguousarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise BPCourseError(f"{name} must be a numeric array; got {type(X).__name__} ({exc})") from None
    if X.ndim != 2:
        hint = ""
        if X.ndim == 1:
            hint = f"; for one example use {name}.reshape(-1, 1), for one feature {name}.reshape(1, -1)"
        raise BPCourseError(
            f"{name} must be 2-D with one example per column, shape (n, m); got {X.ndim}-D shape {X.shape}{hint}"
        )
    if rows is not None and X.shape[0] != rows:
        if cols is None and X.shape[1] == rows:
            raise BPCourseError(
                f"{name} has shape {X.shape} but the network expects ({rows}, m): "
                f"examples go in columns, one per column; pass {name}.T"
            )
        want = f"({rows}, {cols if cols is not None else 'm'})"
        raise BPCourseError(f"{name} has shape {X.shape}; expected {want}")
    if cols is not None and X.shape[1] != cols:
        raise BPCourseError(f"{name} has shape {X.shape}; expected ({X.shape[0]}, {cols}) to match the other input")
    check_finite(name, X)
    return X


def check_finite(name: str, X: np.ndarray) -> None:
    """Refuse arrays holding NaN or inf, saying how many and where the first one is."""
    bad = ~np.isfinite(X)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise BPCourseError(
            f"{name} contains {int(bad.sum())} NaN or inf value(s), the first at index {first}; "
            "clean or impute the data before training"
        )


def same_shape(name_a: str, a: np.ndarray, name_b: str, b: np.ndarray) -> None:
    """Require ``a`` and ``b`` to have the same shape, naming both."""
    if a.shape != b.shape:
        hint = "; did you transpose one of them?" if a.shape == b.shape[::-1] else ""
        raise BPCourseError(f"{name_a} has shape {a.shape} but {name_b} has shape {b.shape}; they must match{hint}")
