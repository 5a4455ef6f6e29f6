"""Interactive experiments for the chapters: ipywidgets controls redrawing matplotlib figures.

Every widget plot is a ``WidgetPlot`` (see ``base``). Chapter-specific widgets live in
one module per experiment and are loaded on first use, e.g.
``bp.widgets.lr_explorer.lr_explorer()``; importing ``bpcourse`` loads none of them.
"""

from __future__ import annotations

import importlib
import pkgutil


def __getattr__(name: str):
    if name == "WidgetPlot":
        from .base import WidgetPlot

        return WidgetPlot
    if name in {m.name for m in pkgutil.iter_modules(__path__)}:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"bpcourse.widgets has no attribute {name!r}")
