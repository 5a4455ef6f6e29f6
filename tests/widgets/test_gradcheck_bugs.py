import pytest

from bpcourse.widgets import gradcheck_bugs as gb


@pytest.fixture(scope="module")
def problem():
    return gb.example_problem()


def test_correct_backprop_passes_and_matches_the_network(problem):
    net, X, Y = problem
    errors = gb.check_errors(net, X, Y, "none (correct backprop)")
    assert set(errors) == {"W1", "b1", "W2", "b2", "W3", "b3"}
    assert max(errors.values()) < gb.PASS
    grads, ref = gb.backprop_with_bug(net, X, Y), net.gradients(X, Y)
    for k in ref:
        assert abs(grads[k] - ref[k]).max() < 1e-15


def test_forgotten_one_over_m_scales_everything_by_m(problem):
    net, X, Y = problem
    m = X.shape[1]  # 12
    errors = gb.check_errors(net, X, Y, "dZᴸ: forgot the 1/m")
    # rel_error(m g, g) = (m − 1)/(m + 1) = 11/13
    for e in errors.values():
        assert e == pytest.approx((m - 1) / (m + 1), abs=1e-6)


def test_bias_bug_touches_only_biases(problem):
    net, X, Y = problem
    errors = gb.check_errors(net, X, Y, "BP3: 1/m applied twice")
    for k in ("W1", "W2", "W3"):
        assert errors[k] < gb.PASS
    for k in ("b1", "b2", "b3"):
        assert errors[k] == pytest.approx(11 / 13, abs=1e-6)


def test_missing_sigma_prime_spares_the_output_layer(problem):
    net, X, Y = problem
    errors = gb.check_errors(net, X, Y, "BP2: forgot ⊙ σ′(z)")
    assert errors["W3"] < gb.PASS and errors["b3"] < gb.PASS
    assert errors["W1"] > gb.FAIL and errors["W2"] > gb.FAIL


def test_widget_bars_and_verdicts():
    plot = gb.gradcheck_bugs()
    bars = plot.artists["bars"]
    assert all(r.get_height() < gb.PASS for r in bars)
    assert "passes" in plot.artists["title"].get_text()
    plot.controls["bug"].value = "BP1: sign flipped"
    # rel_error(−g, g) = 1 exactly
    assert all(r.get_height() == pytest.approx(1.0, abs=1e-9) for r in bars)
    assert "FAILS" in plot.artists["title"].get_text()
    plot.controls["bug"].value = "none (correct backprop)"
    plot.controls["h"].value = 1e-1  # a correct backprop, but a step so large that truncation dominates
    assert "FAILS" in plot.artists["title"].get_text()
    assert max(r.get_height() for r in bars) > gb.FAIL
    # the status says why the check fails although every line is right
    assert "although the code is right: the centered difference measures a secant, not the tangent" in (
        plot.status.value
    )
    assert "grows like h²" in plot.status.value and "at h = 0.1 that error alone is above 1e-4" in plot.status.value


def test_status_names_the_wrong_arrays_without_tex():
    plot = gb.gradcheck_bugs()
    plot.controls["bug"].value = "BP2: forgot ⊙ σ′(z)"
    assert plot.status.value == (
        "<b>BP2: forgot ⊙ σ′(z)</b>: δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹: hidden layers' gradients are wrong, the last layer's are "
        "right. With h = 1e-05 the check FAILS (worst relative error 0.69): W1, b1, W2, b2 off; W3, b3 right."
    )
    for text in [*gb.BUGS, *gb.BUGS.values()]:
        assert "^" not in text and "{" not in text
    plot.controls["h"].value = 1e-10  # too small: round-off
    assert "round-off" in plot.status.value


def test_controls_reset_and_palette():
    from bpcourse import plots

    plot = gb.gradcheck_bugs()
    h = plot.controls["h"]
    assert (plot.controls["bug"].description, h.description) == ("backprop", "step h")
    assert [label for label, _ in h.options] == [
        "1e-10", "1e-09", "1e-08", "1e-07", "1e-06", "1e-05", "1e-04", "0.001", "0.01", "0.1",
    ]  # fmt: skip
    plot.controls["bug"].value = "BP3: 1/m applied twice"
    h.value = 1e-3
    colors = {r.get_facecolor()[:3] for r in plot.artists["bars"]}
    from matplotlib.colors import to_rgb

    assert colors <= {to_rgb(plots.GOOD), to_rgb(plots.BAD), to_rgb(plots.NEUTRAL)}
    plot.reset()
    assert plot.values() == {"bug": gb.CORRECT, "h": 1e-5}


def test_dropdown_values_are_the_english_keys_and_labels_are_shown_text():
    plot = gb.gradcheck_bugs()
    options = plot.controls["bug"].options
    assert [value for _, value in options] == list(gb.BUGS)  # the code reads the English key in every language
    assert [label for label, _ in options] == list(gb.BUGS)  # in English the label is the key itself
