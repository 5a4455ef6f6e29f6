"""Test helpers for the widgets' languages: a stand-in catalog that marks every message it translates, and
what a learner reads of a widget plot.

With ``Marked()`` as the catalog, text that went through ``_()`` or ``figure_text`` comes back as ⟦text⟧;
any English word left outside the marks was never routed through the catalog, so it would stay English in
every translation."""

from __future__ import annotations

import re


class Marked:
    """A stand-in catalog: every message comes back between ``left`` and ``right`` (⟦message⟧)."""

    def __init__(self, left: str = "⟦", right: str = "⟧"):
        self.left, self.right = left, right

    def gettext(self, message):
        return f"{self.left}{message}{self.right}"


def shown_texts(plot=None, fig=None) -> list[str]:
    """What the learner reads: labels, tooltips and option labels of the controls, the status line, the text
    fallback, and the figure's titles, axis labels, legends and texts."""
    import ipywidgets as W

    out = []
    if plot is not None:
        fig = plot.fig
        stack = [plot.widget]
        while stack:
            w = stack.pop()
            stack += list(getattr(w, "children", ()))
            out += [v for v in (getattr(w, "description", ""), getattr(w, "tooltip", "")) if v]
            if isinstance(w, W.Dropdown):
                out += list(w._options_labels)
        out += [plot.status.value, plot._repr_mimebundle_()["text/plain"]]
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
        if ax.get_legend() is not None:
            out += [t.get_text() for t in ax.get_legend().get_texts()]
    return [t for t in out if t]


def untranslated(texts, words=()) -> list[str]:
    """The texts with an English word outside ⟦…⟧ (formulas, $…$ and ``words`` such as 'sin' are fine)."""
    left = []
    for t in texts:
        rest = re.sub(r"⟦.*⟧|\$[^$]*\$|<[^>]+>", " ", t, flags=re.S)
        if any(w not in words for w in re.findall(r"[A-Za-z]{3,}", rest)):
            left.append(t)
    return left
