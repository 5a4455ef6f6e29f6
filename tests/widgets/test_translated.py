"""Every widget plot a chapter builds shows nothing untranslated: built and nudged with a marking catalog.

The chapters are read for their ``bp.widgets.<module>.<builder>(…)`` calls, so a widget added to a chapter is
covered without editing this file. Each widget plot is built with the stand-in catalog of ``marked`` (every
message comes back ⟦message⟧), every control is nudged in turn, and after each nudge the labels, tooltips,
options, status line, text fallback and figure text must hold no English word outside the marks: a word there
never went through ``_()`` or ``figure_text``, so it would stay English in Chinese.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import nbformat
import pytest

from bpcourse.widgets.base import WidgetPlot, nudge

from .translated import shown_texts, untranslated

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"bp\.widgets\.(\w+)\.(\w+)\(")
# names that are the same in every language (activations, initializers, optimizers, data sets, math words)
NAMES = {
    "sigmoid", "tanh", "relu", "ReLU", "Leaky", "ELU", "elu", "leaky_relu", "softmax", "xavier", "Xavier",
    "normal", "SGD", "AdaGrad", "RMSProp", "Adam", "XOR", "MSE", "VJP", "sin", "exp", "log", "max", "sum",
    "mean", "const", "leaky",
    "add", "sub", "mul", "div", "neg", "pow", "matmul",  # the autodiff engine's operation names (code)
}  # fmt: skip


def returns_widget_plot(module: str, builder: str) -> bool:
    """Whether ``bp.widgets.<module>.<builder>`` is annotated to return a WidgetPlot (tables and data are not)."""
    fn = getattr(importlib.import_module(f"bpcourse.widgets.{module}"), builder)
    return "WidgetPlot" in str(inspect.signature(fn).return_annotation)


def chapter_widgets() -> list[tuple[str, str, str, tuple]]:
    """(chapter, module, builder, arguments) for each widget plot a chapter builds with literal arguments."""
    found = {}
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Call) and (m := CALL.match(ast.unparse(node))):
                    if all(isinstance(a, ast.Constant) for a in node.args) and not node.keywords:
                        found.setdefault((m[1], m[2]), (path.stem, tuple(a.value for a in node.args)))
    return [
        (chapter, module, builder, args)
        for (module, builder), (chapter, args) in sorted(found.items())
        if returns_widget_plot(module, builder)
    ]


CASES = [
    pytest.param(module, builder, args, id=f"{chapter}-{module}.{builder}")
    for chapter, module, builder, args in chapter_widgets()
]


@pytest.mark.parametrize(("module", "builder", "args"), CASES)
def test_every_text_a_chapter_widget_shows_is_translated(module, builder, args, marked):
    made = getattr(importlib.import_module(f"bpcourse.widgets.{module}"), builder)(*args)
    assert isinstance(made, WidgetPlot)
    texts = shown_texts(made)
    for control in made.controls.values():
        for _step in range(2):
            nudge(control)
            texts += shown_texts(made)
    left = untranslated(sorted(set(texts)), words=NAMES)
    assert not left, f"{module}.{builder}: text outside the catalog:\n" + "\n".join(left[:20])


def test_the_chapters_build_widget_plots():
    plots = {f"{m}.{b}" for _c, m, b, _a in chapter_widgets()}
    assert {"stepper.stepper", "optimizer_race.optimizer_race", "graph_stepper.graph_stepper"} <= plots
    assert len(plots) >= 15
