r"""Chapter 03: break one line of BP1–BP4 and watch gradient checking catch it.

``backprop_with_bug`` is the network's backward pass written out with the library's own
``layers.linear_backward`` and σ′, with one optional, typical mistake. The widget compares its
gradients with centered finite differences, parameter by parameter: a correct backprop sits
below 1e-7, a wrong line stands out by many orders of magnitude, and a too-large step h makes
even a correct backprop look wrong.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from .. import activations, datasets, gradcheck, layers
from ..i18n import N_, _, figure_text
from ..network import MLP
from ..plots import BAD, GOOD, NEUTRAL
from ._speed import Backdrop
from .base import WidgetPlot, dropdown, log_slider, number

# The code's dZ^l = ∂L/∂Z^l is Δ^l/m: the error terms of the m examples, divided by m once, at the start.
# Keys and texts are plain text (the dropdown and the status line show them): Unicode, no TeX.
# The keys are the dropdown's values (English in every language); both are translated where shown.
CORRECT = N_("none (correct backprop)")
BUGS = {
    CORRECT: N_("every line as derived"),
    N_("dZᴸ: forgot the 1/m"): N_("dZᴸ = Aᴸ − Y = Δᴸ instead of Δᴸ/m: every gradient is m times too large"),
    N_("BP1: sign flipped"): N_("dZᴸ = (Y − Aᴸ)/m: every gradient points the wrong way"),
    N_("BP2: forgot ⊙ σ′(z)"): N_("δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹: hidden layers' gradients are wrong, the last layer's are right"),
    N_("BP2: σ′ of a instead of z"): N_("σ′(Aˡ) in place of σ′(Zˡ): a classic slip, hidden layers wrong"),
    N_("BP3: 1/m applied twice"): N_("dbˡ = (1/m) Σ dZˡ although dZˡ = Δˡ/m already holds the 1/m: only biases wrong"),
}
PASS, FAIL = 1e-7, 1e-4  # below PASS: correct; above FAIL: certainly a bug
H_EXPONENTS = range(-10, 0)  # the step slider: h = 1e-10 … 0.1


def example_problem():
    """A 2-4-4-3 tanh/softmax network on 12 spiral points: small enough to check every parameter."""
    net = MLP([2, 4, 4, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
    X, y = datasets.spirals(12, classes=3, seed=0)
    return net, X, datasets.one_hot(y, 3)


def backprop_with_bug(net, X, Y, bug: str = CORRECT) -> dict[str, np.ndarray]:
    r"""∂L/∂θ for a network with tanh hidden layers and softmax + cross-entropy output, by BP1–BP4,
    with the mistake named by ``bug`` (a key of ``BUGS``). Returns grads shaped like ``net.params``."""
    A_L, caches = net.forward_cache(X)
    m = X.shape[1]
    dZ = (A_L - Y) / m  # BP1, simplified for softmax + cross-entropy: dZ^L = Δ^L/m = (A^L − Y)/m
    if bug == "dZᴸ: forgot the 1/m":
        dZ = A_L - Y
    elif bug == "BP1: sign flipped":
        dZ = (Y - A_L) / m
    _, sigma_prime = activations.ACTIVATIONS[net.hidden]
    grads = {}
    for l in range(net.L, 0, -1):
        dA_prev, grads[f"W{l}"], grads[f"b{l}"] = layers.linear_backward(dZ, caches[l - 1].linear)  # BP3, BP4
        if bug == "BP3: 1/m applied twice":
            grads[f"b{l}"] = grads[f"b{l}"] / m
        if l > 1:
            below = caches[l - 2].activation  # Z^{l-1}, A^{l-1}
            if bug == "BP2: forgot ⊙ σ′(z)":
                dZ = dA_prev
            elif bug == "BP2: σ′ of a instead of z":
                dZ = dA_prev * sigma_prime(below.A)
            else:
                dZ = dA_prev * sigma_prime(below.Z)  # BP2
    return {k: grads[k] for k in net.params}


def check_errors(net, X, Y, bug: str, h: float = 1e-5) -> dict[str, float]:
    """Relative error between ``backprop_with_bug`` and centered differences with step h, per parameter array."""
    grads = backprop_with_bug(net, X, Y, bug)
    errors = {}
    for name, p in net.params.items():
        num = gradcheck.numerical_gradient(lambda _: net.loss(X, Y), p, h)
        errors[name] = gradcheck.rel_error(grads[name], num)
    return errors


def explain(bug: str, h: float, errors: dict[str, float], correct: dict[str, float] | None = None) -> str:
    """The status line: what the slip is, the verdict, and why the check says what it says.

    ``correct``: the errors of the correct backprop at the same h; if even it fails, the line says that at
    this h the check cannot tell a right line from a wrong one.
    """
    worst = max(errors.values())
    verdict = "passes" if worst < PASS else "FAILS" if worst > FAIL else "is inconclusive"
    failing = [k for k, e in errors.items() if e >= PASS]
    values = dict(bug=_(bug), what=_(BUGS[bug]), h=number(h), worst=number(worst, 2))
    if bug != CORRECT:
        spared = [k for k in errors if k not in failing]
        if verdict == "passes":
            text = _("<b>{bug}</b>: {what}. With h = {h} the check passes (worst relative error {worst}).")
        elif spared and verdict == "FAILS":
            text = _(
                "<b>{bug}</b>: {what}. With h = {h} the check FAILS (worst relative error {worst}): "
                "{wrong} off; {right} right."
            )
        elif spared:
            text = _(
                "<b>{bug}</b>: {what}. With h = {h} the check is inconclusive (worst relative error {worst}): "
                "{wrong} off; {right} right."
            )
        elif verdict == "FAILS":
            text = _("<b>{bug}</b>: {what}. With h = {h} the check FAILS (worst relative error {worst}): {wrong} off.")
        else:
            text = _(
                "<b>{bug}</b>: {what}. With h = {h} the check is inconclusive (worst relative error {worst}): "
                "{wrong} off."
            )
        text = text.format(**values, wrong=", ".join(failing), right=", ".join(spared))
        if verdict != "passes" and correct is not None and max(correct.values()) >= PASS:
            if h > 1e-4:
                but = _(
                    "{text} But at h = {h} even the correct backprop fails, from truncation (the secant is not the "
                    "tangent): only near h = 1e-5 does the check tell the right lines from the wrong ones."
                )
            else:
                but = _(
                    "{text} But at h = {h} even the correct backprop fails, from round-off: only near h = 1e-5 does "
                    "the check tell the right lines from the wrong ones."
                )
            text = but.format(text=text, h=number(h))
        return text
    if verdict == "passes":
        text = _(
            "<b>{bug}</b>: {what}. With h = {h} the check passes (worst relative error {worst}): every array "
            "agrees with the finite differences to well below 1e-7."
        )
    elif h > 1e-4 and verdict == "FAILS":
        text = _(
            "<b>{bug}</b>: {what}. With h = {h} the check FAILS (worst relative error {worst}), although the code "
            "is right: the centered difference measures a secant, not the tangent, and its error grows like h² "
            "(about h²·L‴/6); at h = {h} that error alone is above 1e-4. Around h = 1e-5 the check passes."
        )
    elif h > 1e-4:
        text = _(
            "<b>{bug}</b>: {what}. With h = {h} the check is inconclusive (worst relative error {worst}), although "
            "the code is right: the centered difference measures a secant, not the tangent, and its error grows "
            "like h² (about h²·L‴/6); at h = {h} that error alone is between 1e-7 and 1e-4. Around h = 1e-5 the "
            "check passes."
        )
    elif verdict == "FAILS":
        text = _(
            "<b>{bug}</b>: {what}. With h = {h} the check FAILS (worst relative error {worst}), although the code "
            "is right: at h = {h} the two losses L(θ ± h) agree in almost all their digits, so their rounding "
            "(about 1e-16·|L|), divided by 2h, swamps their difference; that round-off grows like 1/h and is "
            "above 1e-4 here. Around h = 1e-5 the check passes."
        )
    else:
        text = _(
            "<b>{bug}</b>: {what}. With h = {h} the check is inconclusive (worst relative error {worst}), although "
            "the code is right: at h = {h} the two losses L(θ ± h) agree in almost all their digits, so their "
            "rounding (about 1e-16·|L|), divided by 2h, swamps their difference; that round-off grows like 1/h "
            "and is between 1e-7 and 1e-4 here. Around h = 1e-5 the check passes."
        )
    return text.format(**values)


def gradcheck_bugs() -> WidgetPlot:
    """Choose a mistake in backprop and a finite-difference step h: bars of the relative error per parameter."""
    net, X, Y = example_problem()
    names = list(net.params)

    @cache
    def errors(bug, h):
        return check_errors(net, X, Y, bug, h)

    controls = {
        "bug": dropdown(
            _("backprop"),
            [(_(bug), bug) for bug in BUGS],  # the value stays the English key
            CORRECT,
            tooltip=_("the backward pass checked: correct, or with one typical slip"),
        ),
        "h": log_slider(
            _("step h"),
            1e-5,
            H_EXPONENTS,
            tooltip=_("step h of the centered difference (L(θ + h) − L(θ − h)) / 2h"),
        ),
    }

    def setup(fig):
        from matplotlib.ticker import FixedFormatter, FixedLocator, NullLocator

        ax = fig.subplots()
        x = np.arange(len(names))
        bars = ax.bar(x, np.ones(len(names)), color=GOOD, bottom=1e-18)
        spans = [
            ax.axhspan(1e-18, PASS, color=GOOD, alpha=0.12, label=figure_text("below 1e-7: correct")),
            ax.axhspan(FAIL, 10, color=BAD, alpha=0.12, label=figure_text("above 1e-4: a bug")),
        ]
        ax.set_yscale("log")
        ax.set_ylim(1e-14, 10)
        exps = [-14, -12, -10, -8, -6, -4, -2, 0]
        ax.yaxis.set_major_locator(FixedLocator([10.0**k for k in exps]))
        ax.yaxis.set_major_formatter(FixedFormatter([f"1e{k}" if k else "1" for k in exps]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xticks(x, names)
        ax.set_xlabel(figure_text("parameter array"))
        ax.set_ylabel(figure_text("relative error vs finite differences"))
        ax.legend(loc="upper left", fontsize=8)
        title = ax.set_title("")
        # Blitting: the axes (fixed limits) are pasted from a buffer. The bars and bands are drawn after
        # them (they do not overlap: no grid, ticks point outwards), bands over bars as before.
        for rect in bars:
            rect.set_zorder(1.6)
        for span in spans:
            span.set_zorder(1.7)
        backdrop = Backdrop(fig, [*bars, title])
        return dict(ax=ax, bars=bars, title=title, backdrop=backdrop)

    def draw(a, bug, h):
        errs = errors(bug, h)
        for rect, name in zip(a["bars"], names, strict=True):
            e = max(errs[name], 1e-18)
            rect.set_height(e - 1e-18)
            # Okabe–Ito blue / vermilion / grey; the bar's height against the two bands says the same
            rect.set_color(GOOD if e < PASS else BAD if e > FAIL else NEUTRAL)
        worst = max(errs.values())
        if worst < PASS:
            title = figure_text("{bug}  |  h = {h}: the check passes (worst {worst})")
        elif worst > FAIL:
            title = figure_text("{bug}  |  h = {h}: the check FAILS (worst {worst})")
        else:
            title = figure_text("{bug}  |  h = {h}: the check is inconclusive (worst {worst})")
        a["title"].set_text(title.format(bug=figure_text(bug), h=number(h), worst=number(worst, 2)))
        a["backdrop"].update()
        return explain(bug, h, errs, errors(CORRECT, h))

    return WidgetPlot(
        controls, draw, _("Gradient checking catches a wrong line of backprop"), figsize=(8, 3.6), setup=setup
    )


WIDGETS = {"gradcheck_bugs": gradcheck_bugs}
