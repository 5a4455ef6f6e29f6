"""The learning-rate explorer of chapter 1 (claim C1)."""

import numpy as np
import pytest

from bpcourse.widgets import lr_explorer as E


def test_verdicts_cover_crawl_converge_oscillate_diverge():
    assert E.run(-3.0).verdict() == "crawls"
    assert E.run(-3.0).final == pytest.approx(0.0850, abs=1e-4)
    assert E.run(-1.0).verdict() == "converges"
    assert E.run(-1.0).final == pytest.approx(0.0165, abs=1e-4)
    assert E.run(-0.5).verdict() == "oscillates"
    assert E.run(-0.5).rises == 19
    slow = E.run(0.0)
    assert slow.verdict() == "diverges"
    assert slow.diverged_at == 156
    assert slow.final == float("inf")
    assert "learning rate 1 is probably too large" in slow.message


def test_all_runs_start_from_the_same_loss():
    starts = {round(float(r.step_loss[0]), 6) for r in E.sweep()}
    assert starts == {0.09285}


def test_slider_selects_the_run_and_reports_it():
    plot = E.lr_explorer()
    curve, blowup, title, marker = plot.artists
    assert len(curve.get_xdata()) == 200
    assert curve.get_ydata()[-1] == pytest.approx(0.0165, abs=1e-4)
    assert "converges" in plot.status.value
    assert len(blowup.get_xdata()) == 0

    plot.controls["lr"].value = 1.0
    assert len(curve.get_xdata()) == 155
    assert list(blowup.get_xdata()) == [155]
    assert plot.status.value.startswith("α = 1 diverges. training stopped at step 156")
    assert title.get_text() == "α = 1: diverges"
    assert marker.get_xdata()[0] == pytest.approx(1.0)

    plot.controls["lr"].value = 1e-3
    assert "crawls" in plot.status.value
    assert np.max(curve.get_ydata()) == pytest.approx(0.0928, abs=1e-4)
