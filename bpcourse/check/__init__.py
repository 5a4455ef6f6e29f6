"""Auto-checks for the exercise notebooks, one module per chapter.

In an exercise notebook a check cell reads ``bp.check.principles.sigmoid(sigmoid)``: it runs
the learner's function on random inputs, compares it with the library's reference, and prints
one pass/fail block that names the mistake. Under a grader a failing check raises
AssertionError (see ``core``).
"""

from __future__ import annotations

from . import capstone, core, derivation, graphs, improvements, limitations, principles, steps
from .core import grading
from .report import progress

# chapter 3b (graphs) sits between 3 and 4; its key is the string "3b", as `bpcourse assign 3b` spells it
CHAPTERS = {1: principles, 2: steps, 3: derivation, "3b": graphs, 4: limitations, 5: improvements, 6: capstone}

__all__ = [
    "CHAPTERS",
    "capstone",
    "core",
    "derivation",
    "graphs",
    "grading",
    "improvements",
    "limitations",
    "principles",
    "progress",
    "steps",
]
