"""``WidgetPlot``: controls that redraw a matplotlib figure, shown as an image.

Why an image widget rather than ``interact`` or ipympl: the figure is drawn with
matplotlib's Agg renderer into PNG bytes that an ``ipywidgets.Image`` shows, so

- the saved notebook also carries a static PNG of the default state, readable on
  GitHub, nbviewer and in print (``_repr_mimebundle_`` adds ``image/png`` beside
  the widget view; JupyterLab shows the live widget, other viewers the PNG);
- nothing piles up under nbval (no ``clear_output``, no ``Output`` widgets);
- a test can set a control and read back the plotted data from ``plot.fig``.
"""

from __future__ import annotations

import base64
import io
import math
import time
from collections.abc import Callable
from contextlib import contextmanager

import ipywidgets as W
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..formatting import number  # noqa: F401  (re-exported: the widgets format with it)
from ..i18n import N_, _
from ..plots import course_style

DPI = 80
CONTROL_WIDTH = "340px"  # every slider and dropdown: label + a track of ≥ 150 px + readout
LABEL_WIDTH = "125px"  # a longer label is cut with an ellipsis; its full text is the tooltip
BUSY_AFTER_S = 0.15  # a redraw expected to take longer shows a busy state first
# what a saved widget plot says where no widget can show (GitHub, nbviewer), and its reset button's label
TEXT_FALLBACK = N_("{title} (interactive: run the cell in JupyterLab to use the controls)")
RESET_LABEL = N_("reset")
LIST_SEPARATOR = N_("; ")  # between the clauses of a status line; Chinese joins them with "；"


class WidgetPlot:
    """A figure redrawn whenever one of ``controls`` changes.

    controls : dict name → ipywidget with a ``value``; the names are ``draw``'s keyword arguments.
    draw : ``draw(target, **values)``, may return a status string shown under the figure
        (e.g. "diverged at step 12").
    setup : optional ``setup(fig) -> artists``, called once. With it, ``draw`` receives the
        artists and updates them in place (``line.set_data``…): about 4× faster than
        re-creating axes, which is how redraws stay under 100 ms. The layout is computed
        once on the first draw and then frozen. Without it, ``draw`` gets a cleared figure.
    title : a short description, already in the learner's language; it is the text fallback of the saved output.
    busy : optional ``busy(**values) -> str | None``: for settings whose redraw is slow (e.g. a
        first visit that trains a network), the message to show while it works ("training…").
        The status line shows it and the figure dims until the new one is drawn.
    reset : add a "reset" button that restores every control to the value it had when the
        widget was built. ``on_reset`` callbacks (``plot.on_reset.append(f)``) restore any
        other state a widget keeps.
    """

    def __init__(
        self,
        controls: dict,
        draw: Callable[..., str | None],
        title: str,
        figsize: tuple[float, float] = (8, 3.5),
        extra: list | None = None,
        setup: Callable | None = None,
        busy: Callable[..., str | None] | None = None,
        reset: bool = True,
    ):
        self.controls = dict(controls)
        self.draw = draw
        self.title = title
        self.fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
        FigureCanvasAgg(self.fig)
        with course_style():
            self.artists = setup(self.fig) if setup is not None else None
        self.image = W.Image(format="png", layout=W.Layout(width=f"{figsize[0] * DPI:.0f}px"))
        self.status = W.HTML()
        self.busy = busy
        self.defaults = {k: c.value for k, c in self.controls.items()}
        self.on_reset: list[Callable[[], None]] = []
        self.redraw_seconds: list[float] = []  # how long each redraw took, for the benchmarks
        self.png = b""
        self._paused = False
        for c in self.controls.values():
            c.observe(self._on_change, names="value")
        row = list(self.controls.values())
        self.reset_button = None
        if reset and self.controls:
            self.reset_button = W.Button(
                description=_(RESET_LABEL),
                icon="undo",
                tooltip=_("restore every control to its default"),
                layout=W.Layout(width="90px"),
            )
            self.reset_button.on_click(lambda _: self.reset())
            row.append(self.reset_button)
        self.widget = W.VBox(
            [
                W.HBox(row, layout=W.Layout(flex_flow="row wrap", align_items="center")),
                *(extra or []),
                self.image,
                self.status,
            ]
        )
        self.widget.add_class("bp-widget-plot")
        self.redraw()

    def values(self) -> dict:
        """The current value of every control, by name."""
        return {k: c.value for k, c in self.controls.items()}

    def reset(self) -> None:
        """Put every control back to its default (and run ``on_reset``), then redraw once."""
        with self.paused():
            for k, c in self.controls.items():
                c.value = self.defaults[k]
            for f in self.on_reset:
                f()
        self.redraw()

    def redraw(self) -> None:
        """Draw the figure for the current control values and push the PNG to the image widget."""
        t0 = time.perf_counter()
        message = self.busy(**self.values()) if self.busy is not None else None
        if message:  # sent to the page now, before the slow work: the learner sees it is working
            self.status.value = f"⏳ {message}"
            self.image.layout.opacity = "0.45"
        with course_style():
            if self.artists is None:
                self.fig.clear()
                status = self.draw(self.fig, **self.values())
            else:
                status = self.draw(self.artists, **self.values())
            buf = io.BytesIO()
            self.fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})  # speed over size
        if self.artists is not None and self.fig.get_layout_engine() is not None:
            # Keep the first layout: recomputing it costs ~70 ms. None (not "none", which installs a
            # placeholder engine that makes savefig draw twice) leaves the axes where they are.
            self.fig.set_layout_engine(None)
        self.png = buf.getvalue()
        self.image.value = self.png
        if message:
            self.image.layout.opacity = "1"
        self.status.value = status or ""
        self.redraw_seconds.append(time.perf_counter() - t0)

    @contextmanager
    def paused(self):
        """Change several controls inside ``with plot.paused():`` without a redraw per change.

        Nothing is redrawn on leaving: call ``redraw()`` yourself, or let the control change
        that triggered the block redraw once when its own turn comes.
        """
        outer = self._paused  # nested blocks (an observer pausing inside reset()) keep the outer pause
        self._paused = True
        try:
            yield self
        finally:
            self._paused = outer

    def _on_change(self, change) -> None:
        if not self._paused:
            self.redraw()

    def _repr_mimebundle_(self, **kwargs):
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["image/png"] = base64.b64encode(self.png).decode("ascii")
        bundle["text/plain"] = _(TEXT_FALLBACK).format(title=self.title)
        return bundle


def nudge(control) -> None:
    """Move a control one step: a slider by its step (wrapping to min at the end), a dropdown
    or toggle to its next option, a checkbox flipped. Benchmarks and tests drive widgets with it."""
    if hasattr(control, "options") and control.options:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        i = values.index(control.value) if control.value in values else -1
        control.value = values[(i + 1) % len(values)]
    elif isinstance(control, W.Checkbox | W.ToggleButton):
        control.value = not control.value
    elif isinstance(control, W.FloatLogSlider):
        # Its min, max and step are exponents of ``base``, its value is not.
        exponent = math.log(control.value, control.base) + control.step
        control.value = control.base ** (exponent if exponent <= control.max + 1e-9 else control.min)
    elif hasattr(control, "step") and hasattr(control, "max"):
        nxt = control.value + control.step
        control.value = nxt if nxt <= control.max else control.min
    else:
        raise TypeError(f"don't know how to nudge {type(control).__name__}")


def _labelled(description: str, tooltip: str | None, kw: dict) -> dict:
    """The keyword arguments every control shares: a fixed width, a label column of fixed width
    (long labels end in an ellipsis), and the full text as tooltip, which is also what a
    screen reader reads."""
    if len(description) > 40:
        raise ValueError(
            f"a control's description is its short label (≤ 40 characters); got {len(description)}: "
            f"{description!r}. Put the long text in tooltip=... or in a line below the widget"
        )
    out = dict(
        description=description,
        description_allow_html=False,
        tooltip=tooltip or description,
        style={"description_width": LABEL_WIDTH},
        layout=W.Layout(width=CONTROL_WIDTH),
    )
    out.update(kw)
    return out


def slider(
    description: str, value, lo, hi, step, fmt: str | None = None, log: bool = False, tooltip: str | None = None, **kw
):
    """A labelled slider that redraws on release (``continuous_update=False``).

    ``description`` is a short label (≤ 40 characters); ``tooltip`` the longer explanation shown
    on hover. With ``log=True`` it is a ``FloatLogSlider``: ``value`` is the real value (e.g. 0.01)
    but ``lo``, ``hi`` and ``step`` are exponents of 10 (e.g. -3, 0, 0.25).
    """
    labelled = _labelled(description, tooltip, kw)
    common = dict(value=value, min=lo, max=hi, step=step, continuous_update=False, **labelled)
    if log:
        return W.FloatLogSlider(base=10, readout_format=fmt or ".0e", **common)
    if isinstance(value, int) and isinstance(step, int):
        return W.IntSlider(**common)
    return W.FloatSlider(readout_format=fmt or ".2f", **common)


def log_slider(description: str, value: float, exponents, tooltip: str | None = None) -> W.SelectionSlider:
    """A slider over the values 10**e, e in ``exponents``, whose readout is ``number(value)``.

    A ``FloatLogSlider`` formats its readout in the browser (d3-format: ".3g" shows 0.1 as "0.100",
    ".2g" shows 5.62 as "5.6"), so it cannot agree with the titles and status lines, which use
    ``number``. Here every stop carries its own label, written by ``number``. ``value`` is moved to
    the nearest stop. Arrow keys step through the stops, as on any ipywidgets slider.
    """
    values = [10.0 ** float(round(float(e), 2)) for e in exponents]
    nearest = values[int(np.argmin(np.abs(np.log10(values) - np.log10(float(value)))))]
    return W.SelectionSlider(
        options=[(number(v), v) for v in values],
        value=nearest,
        continuous_update=False,
        description=description,
        description_allow_html=False,
        tooltip=tooltip or description,
        style={"description_width": LABEL_WIDTH},
        layout=W.Layout(width=CONTROL_WIDTH),
    )


def dropdown(description: str, options, value=None, tooltip: str | None = None, **kw):
    """A labelled dropdown over ``options`` (a list or a registry dict's keys)."""
    options = list(options)
    return W.Dropdown(
        options=options, value=value if value is not None else options[0], **_labelled(description, tooltip, kw)
    )
