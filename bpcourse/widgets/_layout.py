"""A speed-up shared by the chapter 03/04 widgets: drop the frozen layout engine after the first draw.

``WidgetPlot.redraw`` freezes the constrained layout with ``fig.set_layout_engine("none")``, which
installs a ``PlaceHolderLayoutEngine``. ``savefig`` still sees *an* engine and then draws the whole
figure twice per redraw (once without rendering, once to the PNG). With no engine at all it draws
once; the axes keep the positions the first layout gave them.
"""

from __future__ import annotations


def drop_frozen_layout(fig) -> None:
    """Remove a placeholder layout engine (left by a frozen layout) so ``savefig`` draws only once."""
    engine = fig.get_layout_engine()
    if engine is not None and type(engine).__name__ == "PlaceHolderLayoutEngine":
        fig.set_layout_engine(None)
