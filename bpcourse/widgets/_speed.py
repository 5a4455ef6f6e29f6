"""Keeping widget redraws fast: blitting (``Backdrop``, ``prebake``) and one BLAS thread for small matrices.

**Blitting.** Draw the unchanging part of a ``WidgetPlot`` figure once, then only what moves.

Most of a redraw's time goes to text: tick labels, axis labels, titles, legends. In a widget
most of that never changes when a control moves. ``Backdrop`` renders the *static* artists
(figure and axes background, axes with their ticks, labels and grid, and every artist that is
drawn before the first *live* one) into a pixel buffer once, and from then on a redraw copies
that buffer (``renderer.restore_region``, a memory copy) and draws the live artists and
everything above them on top. The pixels are the same as a full draw's: the same artists are
drawn in the same order, only the first part comes from a copy.

The buffer is kept per ``key``: by default the limits of every axes that its static artists
depend on (ticks follow them), plus the visibility of the static artists; a widget adds its own
key when static artists change in another way. An axis whose limits change at almost every
redraw can be made live (``live=[ax.yaxis, ...]``): it is then drawn each time, and so is
everything drawn after it in that axes, while the other axis stays in the buffer. Use it from a ``setup=``-form widget::

    def setup(fig):
        ...
        return dict(..., backdrop=Backdrop(fig, live=[line, dot, title]))

    def draw(a, ...):
        ...                       # update the live artists, set limits
        a["backdrop"].update()    # last: bakes a new buffer if the key changed

**One BLAS thread.** The widgets' networks are small (matrices of 64 × 256 at most). NumPy's
OpenBLAS splits such products over all cores, and on a busy machine its threads wait for one
another: measured here with two cores under load, 50 forward and backward passes of a 20-layer
network took 3.0 s with two threads and 0.37 s with one. ``blas_single_thread`` runs a
computation with one thread (through ``threadpoolctl``), ``one_blas_thread`` does the same for a
``with`` block. The results are the same: the threads split the output, not the sums.
"""

from __future__ import annotations

import functools

from matplotlib.artist import Artist
from threadpoolctl import ThreadpoolController

_THREADS = ThreadpoolController()  # finds NumPy's BLAS once (~ms); limiting it then costs ~20 µs


def one_blas_thread():
    """Context manager: NumPy's BLAS limited to one thread inside the ``with`` block, restored after it.

    The same as ``threadpoolctl.threadpool_limits(1, user_api="blas")``, with the BLAS found once.
    Chapter 3 times its gradients inside it: with one thread the time of a product is its count of
    multiply-adds divided by one core's speed, so times of different products can be compared.
    """
    return _THREADS.limit(limits=1, user_api="blas")


def blas_single_thread(fn):
    """Decorator: run ``fn`` with NumPy's BLAS limited to one thread (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with one_blas_thread():
            return fn(*args, **kwargs)

    return wrapper


MAX_BUFFERS = 64  # about 1 MB each at the course's figure sizes


class Backdrop(Artist):
    """The static part of ``fig`` as pixels, drawn first; ``live`` artists are drawn normally over it."""

    def __init__(self, fig, live, extra_static=()):
        super().__init__()
        self.fig = fig
        self.live = set(live)
        self.extra_static = list(extra_static)  # e.g. a title that never overlaps the live artists
        self.set_zorder(-100)
        self.set_visible(False)  # inactive until the layout is frozen (after the first full draw)
        fig.add_artist(self)
        self.region = None
        self._buffers: dict = {}
        self._static: list = []
        self._shown: dict = {}  # static artist → the visibility the widget wants
        self._baking = False
        fig.canvas.mpl_connect("draw_event", self._after_draw)

    def static_artists(self) -> list:
        """The figure and axes backgrounds, and per axes every child drawn before its first live artist."""
        out = [self.fig.patch]
        self._limits = []  # per axes: whether the buffer depends on its x limits, its y limits
        for ax in self.fig.axes:
            out.append(ax.patch)
            children = [c for c in ax.get_children() if c is not ax.patch]
            static = []
            for c in sorted(children, key=lambda c: c.get_zorder()):  # stable, as Axes.draw sorts
                if c in self.live:
                    break
                static.append(c)
            out += static
            # an axis (ticks, labels, grid) follows its own limits; anything plotted in data
            # coordinates follows both
            plain = {ax.xaxis, ax.yaxis, ax.title, *ax.spines.values()}
            data = any(c not in plain for c in static)
            self._limits.append((data or ax.xaxis in static, data or ax.yaxis in static))
        out += [c for c in self.extra_static if c not in out]
        return out

    def _freeze_positions(self) -> None:
        """Keep titles where the first draw put them: placing a title again measures every tick
        label of its axes at each draw, and the layout is frozen anyway. (Axis labels still follow
        their tick labels: a live axis's labels can change width.)"""
        for ax in self.fig.axes:
            ax._autotitlepos = False  # what ``set_title(..., y=...)`` sets; the position stays as computed

    def _limits_key(self) -> tuple:
        return tuple(
            (tuple(ax.get_xlim()) if x else None, tuple(ax.get_ylim()) if y else None)
            for ax, (x, y) in zip(self.fig.axes, self._limits, strict=True)
        )

    def update(self, key=()) -> None:
        """Call at the end of ``draw``: make sure the buffer for the current state exists."""
        if self.fig.get_layout_engine() is not None:
            return  # the first draw lays the figure out; blit from the second on
        if not self._static:
            self._static = self.static_artists()
            self._freeze_positions()
        # the static artists are hidden only while a figure draws (see ``draw``), so their
        # visibility here is the widget's, including changes it made in this draw
        self._shown = {a: a.get_visible() for a in self._static}
        full_key = (
            self._limits_key(),
            tuple(self._shown[a] for a in self._static),
            key,
        )
        if full_key not in self._buffers:
            if len(self._buffers) >= MAX_BUFFERS:
                self._buffers.pop(next(iter(self._buffers)))
            self._buffers[full_key] = self._bake()
        self.region = self._buffers[full_key]
        self.set_visible(True)  # the next draw starts with a copy of the buffer

    def _bake(self):
        others = []
        for ax in self.fig.axes:
            others += [c for c in ax.get_children() if c not in self._shown]
        others += [a for a in self.fig.get_children() if a not in self._shown and a not in self.fig.axes]
        was = {a: a.get_visible() for a in others}
        for a in others:
            a.set_visible(False)
        for a, shown in self._shown.items():
            a.set_visible(shown)
        self._baking = True
        try:
            self.fig.canvas.draw()
            region = self.fig.canvas.copy_from_bbox(self.fig.bbox)
        finally:
            self._baking = False
            for a, v in was.items():
                a.set_visible(v)
        return region

    def draw(self, renderer) -> None:
        # Drawn before the axes (lowest zorder): paste the buffer, then hide the static artists
        # for the rest of this draw; ``_after_draw`` shows them again.
        if not self.get_visible() or self.region is None:
            return
        renderer.restore_region(self.region)
        for a in self._static:
            a.set_visible(False)

    def _after_draw(self, event) -> None:
        # After every draw the static artists are as the widget left them and the backdrop is
        # off until the next ``update``: tests and later draws see the figure as if nothing were blitted.
        if self._baking or not self._static or not self.get_visible():
            return
        for a, shown in self._shown.items():
            a.set_visible(shown)
        self.set_visible(False)


def prebake(plot, name: str, values) -> None:
    """At build time, bake ``plot``'s backdrop for each of ``values`` of control ``name`` (when that
    control changes axis limits), so the first visit to each value is as quick as the next ones."""
    control = plot.controls[name]
    start = control.value
    with plot.paused():
        for v in values:
            control.value = v
            plot.draw(plot.artists, **plot.values())
        control.value = start
    plot.redraw()
