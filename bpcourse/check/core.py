r"""Everything a chapter's checks use, in one import (``from .core import ...``).

The machinery lives in one module per idea:

- ``calling``: run the learner's code (time limit, exceptions, inputs changed in place, warnings);
- ``compare``: what came back, compared with the reference (any type, any shape);
- ``diagnose``: the family of near misses of a reference, and naming the one an answer matches;
- ``mistakes``: the published list of mistake ids and their messages (docs/mistakes.md);
- ``probes``: calls that catch what one comparison cannot (caching, hard-coded keys, ε placement);
- ``report``: the printed block, the ``@item`` decorator, concept questions, ``progress()``.

``TIME_LIMIT`` (seconds per call of the learner's function) is read from here on every call.
"""

from __future__ import annotations

from .calling import (
    GRADER_ENV,
    NBGRADER_ENV,
    SEED_ENV,
    Mistake,
    NotImplementedYet,
    TimeLimit,
    _same,
    call,
    grading,
    rng,
)
from .compare import (
    as_float_array,
    as_number,
    expect_array,
    expect_gradient,
    expect_keys,
    expect_number,
    expect_result,
    expect_tuple,
    gradient_consistent,
)
from .diagnose import Diagnosis, Reference, diagnose, given
from .report import Section, answer_digest, item, multiple_choice, numeric_answer, progress, report

TIME_LIMIT = 5.0

__all__ = [
    "GRADER_ENV",
    "NBGRADER_ENV",
    "SEED_ENV",
    "TIME_LIMIT",
    "Diagnosis",
    "Mistake",
    "NotImplementedYet",
    "Reference",
    "Section",
    "TimeLimit",
    "_same",
    "answer_digest",
    "as_float_array",
    "as_number",
    "call",
    "diagnose",
    "expect_array",
    "expect_gradient",
    "expect_keys",
    "expect_number",
    "expect_result",
    "expect_tuple",
    "given",
    "gradient_consistent",
    "grading",
    "item",
    "multiple_choice",
    "numeric_answer",
    "progress",
    "report",
    "rng",
]
