"""Test helper: a library function as if the learner had written it (the checks refuse the library's own)."""

from __future__ import annotations

import inspect
import types


def own(fn):
    """The learner's copy of ``fn``: the same code and globals in a new function and code object, so neither the
    identity check nor the run-time tripwire of the library-answer rule takes it for the library's."""
    fn = inspect.unwrap(fn)  # the library's own code, without its input checks (errors.checked)
    copy = types.FunctionType(fn.__code__.replace(), fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    copy.__qualname__ = fn.__qualname__
    return copy
