"""Blitting must not change a pixel: each blitted redraw equals a full draw of the same state."""

import io

import numpy as np
import pytest
from PIL import Image

from bpcourse.widgets import (
    activation_explorer,
    batchnorm_demo,
    conditioning,
    fd_epsilon,
    gradcheck_bugs,
    gradient_flow,
    landscape,
    lr_explorer,
    optimizer_race,
    saturation,
    stepper,
    training_explorer,
)
from bpcourse.widgets._speed import Backdrop, blas_single_thread, one_blas_thread
from bpcourse.widgets.base import DPI, nudge

CASES = [
    (activation_explorer.activation_explorer, ["tanh", "z_range", "relu"]),
    (activation_explorer.depth_flow, ["depth", "init"]),
    (gradient_flow.gradient_flow, ["depth", "hidden", "scale"]),
    (landscape.restarts, ["scale", "n_restarts"]),
    (lr_explorer.lr_explorer, ["lr", "lr"]),
    (optimizer_race.optimizer_race, ["adagrad", "steps", "function"]),
    (batchnorm_demo.batchnorm_demo, ["show", "lr", "depth", "show"]),
    (conditioning.conditioning, ["lr_times_kappa", "kappa"]),
    (fd_epsilon.fd_epsilon, ["eps", "weight", "scheme"]),
    (saturation.saturation_race, ["z0", "lr"]),
    (gradcheck_bugs.gradcheck_bugs, ["h", "bug"]),
    (stepper.stepper, ["stage", "example"]),
    (training_explorer.training_explorer, ["epochs", "dataset"]),
    (training_explorer.regression_explorer, ["epochs", "width"]),
]


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def full_draw(fig) -> np.ndarray:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return pixels(buf.getvalue())


@pytest.mark.parametrize("make, names", CASES, ids=[c[0].__name__ for c in CASES])
def test_blitted_redraw_equals_a_full_draw(make, names):
    plot = make()
    (backdrop,) = [a for a in plot.fig.get_children() if isinstance(a, Backdrop)]
    for name in names:
        nudge(plot.controls[name])
        assert backdrop.region is not None  # this redraw was blitted
        assert not backdrop.get_visible()  # and the figure is whole again afterwards
        np.testing.assert_array_equal(pixels(plot.png), full_draw(plot.fig))


def test_a_blitted_redraw_draws_less():
    plot = lr_explorer.lr_explorer()
    nudge(plot.controls["lr"])  # the first blitted redraw fills the buffer
    axis = plot.fig.axes[0].xaxis  # the step axis, which never changes
    drawn = []
    axis.draw = lambda renderer: drawn.append(axis.get_visible())
    nudge(plot.controls["lr"])
    assert drawn == [False]  # hidden: its pixels came from the buffer
    full_draw(plot.fig)
    assert drawn == [False, True]


def test_blas_single_thread_keeps_results_and_names():
    rng = np.random.default_rng(0)
    A, B = rng.standard_normal((64, 64)), rng.standard_normal((64, 256))

    @blas_single_thread
    def product(a, b):
        """A docstring."""
        return a @ b

    np.testing.assert_array_equal(product(A, B), A @ B)
    assert product.__name__ == "product" and product.__doc__ == "A docstring."


def test_one_blas_thread_limits_inside_the_block_only():
    from threadpoolctl import threadpool_info

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before
