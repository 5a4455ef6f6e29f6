r"""Offline data sets, one example per column: X (n_0, m), labels y (m,) of ints.

Everything is generated from a seed or read from the package's own data folder:
nothing is downloaded. ``one_hot`` turns labels into Y (n_classes, m);
``train_test_split`` splits the columns with a seeded shuffle.

Every argument is checked: m and classes whole numbers ≥ 1 (classes ≤ m), noise and std in
[0, 1e6], seeds whole numbers ≥ 0 (or None); a bad one raises ``BPCourseError``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from .errors import BPCourseError, as_matrix, flag, number, real_array, seed_value, size_ok, whole_number
from .i18n import N_, _


def _rng(seed) -> np.random.Generator:
    return np.random.default_rng(seed_value("seed", seed))


def _m(m) -> int:
    m = whole_number("m", m, 1, hint=N_(" (the number of examples)"))
    size_ok("X", (2, m))
    return m


def _spread(name: str, value) -> float:
    return number(name, value, 0.0, 1e6, hint=N_(" (a standard deviation; 0 for none)"))


def _classes(classes, m: int) -> int:
    classes = whole_number("classes", classes, 1)
    if classes > m:
        raise BPCourseError(
            _("classes={classes} is more than the m={m} examples: every class needs an example").format(
                classes=classes, m=m
            )
        )
    return classes


def xor(m: int = 200, noise: float = 0.15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points around the corners of the unit square, labelled x1 XOR x2; X (2, m), y (m,).

    ``xor(4, noise=0)`` is exactly the truth table: (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0.
    """
    m, noise, rng = _m(m), _spread("noise", noise), _rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    idx = np.arange(m) % 4
    X = corners[idx].T + noise * rng.standard_normal((2, m))
    return X, np.array([0, 1, 1, 0])[idx]


def moons(m: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles; X (2, m), y (m,) in {0, 1}."""
    m, noise, rng = _m(m), _spread("noise", noise), _rng(seed)
    y = np.arange(m) % 2
    t = np.pi * rng.random(m)
    X = np.where(y == 0, [np.cos(t), np.sin(t)], [1 - np.cos(t), 0.5 - np.sin(t)])
    return X + noise * rng.standard_normal((2, m)), y


def circles(m: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A small circle (label 1, radius ``factor``, 0 < factor < 1) inside a large one (label 0, radius 1); X (2, m)."""
    m, noise, rng = _m(m), _spread("noise", noise), _rng(seed)
    factor = number("factor", factor, 0.0, 1.0, low_open=True, high_open=True, hint=N_(" (the small radius; try 0.5)"))
    y = np.arange(m) % 2
    t = 2 * np.pi * rng.random(m)
    r = np.where(y == 1, factor, 1.0)
    X = r * np.array([np.cos(t), np.sin(t)])
    return X + noise * rng.standard_normal((2, m)), y


def spirals(m: int = 300, classes: int = 3, noise: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms; X (2, m), y (m,) in 0 … classes−1."""
    m = _m(m)
    classes, noise, rng = _classes(classes, m), _spread("noise", noise), _rng(seed)
    y = np.arange(m) % classes
    r = rng.random(m)
    theta = y * 2 * np.pi / classes + 4 * r + noise * rng.standard_normal(m)
    return np.array([r * np.sin(theta), r * np.cos(theta)]), y


def blobs(m: int = 300, classes: int = 3, std: float = 1.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters whose centres sit on a circle of radius 4; X (2, m), y (m,)."""
    m = _m(m)
    classes, std, rng = _classes(classes, m), _spread("std", std), _rng(seed)
    y = np.arange(m) % classes
    angle = 2 * np.pi * y / classes
    centres = 4 * np.array([np.cos(angle), np.sin(angle)])
    return centres + std * rng.standard_normal((2, m)), y


def sine(m: int = 100, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Regression data y = sin(x) + noise for x uniform in [−π, π]; X (1, m), Y (1, m) floats."""
    m, noise, rng = _m(m), _spread("noise", noise), _rng(seed)
    X = np.sort(rng.uniform(-np.pi, np.pi, m))[None, :]
    return X, np.sin(X) + noise * rng.standard_normal((1, m))


def load_digits(scale: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 UCI handwritten digits (8×8); X (64, 1797) float, y (1797,) int in 0 … 9.

    Pixels are counts 0–16; ``scale=True`` divides by 16 so X lies in [0, 1].
    Source and license: ``bpcourse/data/README.md``.
    """
    scale = flag("scale", scale)
    with resources.files("bpcourse").joinpath("data/digits.npz").open("rb") as f:
        data = np.load(f)
        X, y = np.ascontiguousarray(data["X"].T, dtype=np.float64), data["y"].astype(np.int64)
    return (X / 16.0 if scale else X), y


def one_hot(y, n_classes: int) -> np.ndarray:
    r"""One-hot columns: Y[k, i] = 1 if y_i = k else 0; y (m,) ints in 0 … n_classes−1 → Y (n_classes, m)."""
    n_classes = whole_number("n_classes", n_classes, 1)
    try:
        y = np.asarray(y)
    except (TypeError, ValueError) as exc:  # a ragged list
        raise BPCourseError(
            _("one_hot expects labels of shape (m,); got {type} ({error})").format(type=type(y).__name__, error=exc)
        ) from None
    if y.ndim != 1:
        raise BPCourseError(
            _("one_hot expects labels of shape (m,); got shape {shape} (try y.ravel())").format(shape=y.shape)
        )
    if not np.issubdtype(y.dtype, np.integer):
        y = real_array("y", y, finite=False)  # bools become 0/1; text, complex and other objects are refused
        whole = np.isfinite(y) & (y == np.floor(y))
        if not whole.all():
            example = y[~whole][0]
            raise BPCourseError(
                _("one_hot expects integer labels; got {dtype} values such as {example}").format(
                    dtype=y.dtype, example=example
                )
            )
        y = y.astype(np.int64)
    size_ok(_("the one-hot Y"), (n_classes, y.size))
    bad = (y < 0) | (y >= n_classes)
    if bad.any():
        label = y[bad][0]
        if label < 0:
            fix = _("labels count from 0: fix them")
        else:
            fix = _("pass n_classes={n} or fix the labels").format(n=int(y.max()) + 1)
        raise BPCourseError(
            _("one_hot got label {label} but n_classes={n_classes} allows only 0 … {last}; {fix}").format(
                label=label, n_classes=n_classes, last=n_classes - 1, fix=fix
            )
        )
    Y = np.zeros((n_classes, y.size))
    Y[y, np.arange(y.size)] = 1.0
    return Y


def train_test_split(X, y, test_size: float = 0.2, seed: int = 0):
    """Split the columns of X (n, m) and the examples of y ((m,) or (k, m)) with a seeded shuffle.

    Returns X_train, X_test, y_train, y_test; the test part has round(test_size·m) examples,
    at least 1 and at most m − 1. y keeps its dtype (integer labels stay integers); numbers held as
    Python objects become float.
    """
    X = as_matrix("X", X, min_cols=2)
    m = X.shape[1]
    real_array("y", y, ndim=(1, 2))  # numbers, finite; y itself keeps its dtype
    y = np.asarray(y)
    if y.dtype.kind not in "biuf":  # numbers held as Python objects: give them a numeric dtype
        y = y.astype(float)
    if y.shape[-1] != m:
        raise BPCourseError(_("X has {m} examples (columns) but y has {n}; they must match").format(m=m, n=y.shape[-1]))
    test_size = number("test_size", test_size, 0.0, 1.0, low_open=True, high_open=True, what=N_("between 0 and 1"))
    n_test = int(round(test_size * m))
    if not 1 <= n_test <= m - 1:
        raise BPCourseError(
            _(
                "test_size={test_size:g} of {m} examples gives {n_test} test and {n_train} training examples; "
                "both parts need at least one: choose test_size between 1/m and 1 − 1/m"
            ).format(test_size=test_size, m=m, n_test=n_test, n_train=m - n_test)
        )
    perm = _rng(seed).permutation(m)
    test, train = perm[:n_test], perm[n_test:]
    return X[:, train], X[:, test], y[..., train], y[..., test]
