"""Test helper: a library function as if the learner had written it (the checks refuse the library's own)."""

from __future__ import annotations

import inspect


def own(fn):
    """A function of the learner's that calls ``fn``: same name and parameters, not the library object."""

    def learner_copy(*args, **kwargs):
        return fn(*args, **kwargs)

    learner_copy.__name__ = learner_copy.__qualname__ = fn.__name__
    learner_copy.__signature__ = inspect.signature(fn)
    return learner_copy
