"""The cache-memory widget of chapter 3b: bytes counted with .nbytes, recomputed from the shapes by hand."""

import numpy as np
import pytest

import bpcourse as bp
from bpcourse import i18n
from bpcourse.widgets import cache_memory as C

from .translated import Marked


def test_measure_counts_each_array_once_and_no_parameter():
    # L = 2, n = 64, m = 64: X, Z¹, A¹ (64 × 64) for layer 1, Z², A² (10 × 64) for layer 2, 8 bytes each
    mem = C.measure(2, 64, 64)
    assert mem.cache_per_layer == (3 * 64 * 64 * 8, 2 * 10 * 64 * 8)
    assert mem.param_per_layer == ((64 * 64 + 64) * 8, (10 * 64 + 10) * 8)
    assert (mem.cache, mem.params) == (108544, 38480)


def test_batch_norm_adds_z_hat_and_inv_std():
    plain, bn = C.measure(3, 16, 8), C.measure(3, 16, 8, True)
    # per hidden layer: Ẑ (16 × 8) and 1/√(σ² + ε) (16 × 1); γ, β replace b (16 more numbers)
    assert bn.cache - plain.cache == 2 * (16 * 8 + 16) * 8
    assert bn.params - plain.params == 2 * 16 * 8


def test_caches_are_proportional_to_m_parameters_constant():
    small, big = C.measure(4, 64, 1), C.measure(4, 64, 1024)
    assert big.cache == 1024 * small.cache
    assert big.params == small.params


def test_cache_nbytes_skips_shared_and_parameter_arrays():
    net = bp.MLP([3, 4, 2], seed=0)
    _, caches = net.forward_cache(np.ones((3, 5)))
    assert caches[1].linear.A_prev is caches[0].activation.A  # held twice, counted once
    assert C.cache_nbytes(caches, net.params) == [(3 + 4 + 4) * 5 * 8, (2 + 2) * 5 * 8]


def test_memory_table_rows():
    rows = C.memory_table(depths=(2,), batches=(1, 64), width=64)
    assert [(d, m, round(c, 3), round(p, 3)) for d, m, c, p, _ in rows] == [
        (2, 1, 1.696, 38.48),
        (2, 64, 108.544, 38.48),
    ]
    assert rows[1][4] == pytest.approx(108.544 / 38.48)


def test_widget_bars_lines_and_status():
    plot = C.cache_memory()
    ax, ax2, bars_c, bars_p, line_c, line_p, dot, title, title2 = plot.artists
    assert plot.status.value == (
        "<b>239.6 kB of caches, 105 kB of parameters (2.28×).</b> The caches grow with m, the parameters do not: "
        "of the batch sizes shown, the caches are the larger from m = 64 on. Counted with .nbytes."
    )
    assert [b.get_height() for b in bars_c] == [98.304, 65.536, 65.536, 10.24, 0, 0, 0, 0]
    assert list(line_c.get_ydata()) == [3.744, 59.904, 239.616, 958.464, 3833.856]
    assert list(line_p.get_ydata()) == [105.04] * 5
    assert title.get_text() == "per layer: L = 4, n = 64, m = 64"
    plot.controls["m"].value = 1
    assert plot.status.value.startswith("<b>3.744 kB of caches, 105 kB of parameters (0.0356×).</b>")
    plot.controls["batchnorm"].value = "on"
    assert title.get_text() == "per layer: L = 4, n = 64, m = 1, batch norm"
    plot.controls["depth"].value = 1
    assert [b.get_height() > 0 for b in bars_c] == [True] + [False] * 7
    # L = 1: X (64 × 1), Z, A (10 × 1) = 84 numbers against 650 weights and biases: equal near m = 8
    assert plot.status.value == (
        "<b>0.672 kB of caches, 5.2 kB of parameters (0.129×).</b> The caches grow with m, the parameters do not: "
        "of the batch sizes shown, the caches are the larger from m = 16 on. Counted with .nbytes."
    )


def test_labels_and_status_go_through_the_catalog_while_the_values_stay_english(monkeypatch):
    monkeypatch.setitem(i18n._state, "translation", Marked("‹", "›"))
    plot = C.cache_memory()
    assert plot.title == "‹Memory of the caches versus the parameters›"
    assert all(c.description.startswith("‹") and c.tooltip.startswith("‹") for c in plot.controls.values())
    assert plot.controls["batchnorm"].options == (("‹off›", "off"), ("‹on›", "on"))
    assert plot.status.value.startswith("‹<b>239.6 kB of caches, 105 kB of parameters (2.28×).</b> ")
    assert plot.status.value.endswith("from m = 64 on. Counted with .nbytes.›")
    plot.controls["batchnorm"].value = "on"
    assert plot.values()["batchnorm"] == "on"
