"""Cross-entropy against MSE from a saturated sigmoid (claim C2)."""

import numpy as np
import pytest

from bpcourse.widgets import saturation as S


def test_first_error_terms_follow_bp1():
    y0 = 1.0 / (1.0 + np.exp(6.0))  # σ(−6)
    ce, mse = S.race("cross_entropy", -6.0, 1.0), S.race("mse", -6.0, 1.0)
    assert ce.y_hat[0] == pytest.approx(y0, rel=1e-12)
    assert ce.delta[0] == pytest.approx(1.0 - y0, rel=1e-9)  # |ŷ − y|
    assert mse.delta[0] == pytest.approx((1.0 - y0) * y0 * (1.0 - y0), rel=1e-9)  # |ŷ − y| σ′(z)


def test_race_table_counts_steps_to_threshold():
    rows = S.race_table(z0s=(-2.0, -6.0, -8.0), lr=1.0)
    assert [(z0, n_mse, n_ce) for z0, _, n_mse, n_ce in rows] == [(-2.0, 43, 6), (-6.0, 249, 8), (-8.0, None, 9)]


def test_widget_redraws_for_a_new_start():
    plot = S.saturation_race()
    assert plot.status.value == "To reach ŷ ≥ 0.9: cross-entropy needs 8 steps, MSE 249 steps."
    ax, ax2, lines, title = plot.artists
    plot.controls["z0"].value = -2.0
    assert plot.status.value == "To reach ŷ ≥ 0.9: cross-entropy needs 6 steps, MSE 43 steps."
    assert lines["mse"][0].get_ydata()[0] == pytest.approx(1.0 / (1.0 + np.exp(2.0)))
    assert title.get_text().startswith("start z = -2")
    plot.controls["lr"].value = 3.0
    assert "cross-entropy needs" in plot.status.value
    assert lines["cross_entropy"][0].get_ydata()[1] > 0.9
