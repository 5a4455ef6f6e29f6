r"""``bpcourse grade``: grade a class's notebooks where no submission can change a grade.

Layout: ``SUBMISSIONS/<student>/<exercise notebook>.ipynb`` (the notebook may also sit one folder deeper,
``SUBMISSIONS/<student>/<assignment>/…``, as nbgrader lays out ``submitted/``).

For each student and each exercise notebook:

1. the check cells (nbgrader ``grade: true``) and every locked cell are restored from ``solutions/``
   (``submission.py``);
2. a worker process runs the notebook's cells, inside a bubblewrap sandbox with no network, no view of the
   solutions, of other submissions or of the grader's output, as an unprivileged user under memory,
   process, file-size and CPU limits (``sandbox.py``, ``worker.py``);
3. the checks run in the grader's own process: they send inputs to the worker, which evaluates the learner's
   functions and answers with plain data (``protocol.py``, ``remote.py``); the comparison, the diagnosis and
   the points never run beside learner code (``score.py``);
4. one CSV for the class (replaced atomically) and ``feedback/<student>.txt`` (``report.py``); ``--jobs``,
   ``--shard`` and ``--merge`` spread a large class (``run.py``).

Under nbgrader's own autograde the checks run in the kernel, as nbgrader runs every test cell: that path
is not hardened (README, "Grading").
"""

from __future__ import annotations

import importlib

# The worker (python -m bpcourse.grade.worker) imports this package too: the grader's parts load on first use.
_WHERE = {
    "merge": "report",
    "spreadsheet_safe": "report",
    "write_csv_atomically": "report",
    "Settings": "run",
    "default_jobs": "run",
    "grade": "run",
    "parse_shard": "run",
    "Result": "score",
    "grade_notebook": "score",
    "Item": "submission",
    "Source": "submission",
    "find_submission": "submission",
    "prepare": "submission",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module 'bpcourse.grade' has no attribute {name!r}")


__all__ = sorted(_WHERE)
