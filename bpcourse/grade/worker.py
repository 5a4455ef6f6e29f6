r"""The worker: the one process that runs a submission's code, inside the sandbox (``python -m bpcourse.grade.worker``).

It is the submission's kernel: an IPython shell that runs the cells the grader sends, one by one, and
evaluates the learner's functions on the inputs the grader sends. It never judges anything: the checks,
the diagnosis and the points are computed by the grader, in another process (``score.py``).

Requests come on stdin and replies go to stdout, one JSON line each (``protocol.py``). Before any learner
code runs, the worker moves the two pipes to private descriptors and points 0, 1 and 2 at /dev/null, so
what a cell prints (through Python or straight to a file descriptor) is not a reply. A cell that finds the
pipe anyway can only write data, which the grader judges like any wrong answer.

Operations (``op``):

- ``run``: run one cell; reply ``{"error": [ename, evalue] | None, "stdout": …}`` (at most ``MAX_OUTPUT``
  characters of output are kept per cell);
- ``resolve``: look names up in the notebook's namespace, as they are when the check cell is reached;
- ``lookup``: look a name up in the globals of a function resolved before (a check may look for the
  learner's earlier functions);
- ``call``: call a resolved function on decoded arguments, under a time limit (then the request's
  ``harness``, a library function named by its dotted name, on what it returned), watching for the library
  functions named in ``watch``; reply with the encoded result, the watched functions that ran, the
  arguments that it changed in place, and the NumPy warnings it raised (or what it raised);
- ``exit``.
"""

from __future__ import annotations

import copy
import inspect
import io
import os
import signal
import sys
import warnings

import numpy as np

# Imported before any learner code runs, so that a cell that replaces modules in sys.modules later cannot
# change the worker's own machinery (it can only hurt its own answers).
from ..check.calling import _same, tripwire
from ..check.library_use import library_object
from . import protocol as P

MAX_OUTPUT = 2**20  # characters of a cell's output that are kept


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``MAX_OUTPUT`` characters and counts the rest."""

    def __init__(self):
        self.parts, self.size, self.dropped = [], 0, 0

    def writable(self) -> bool:
        return True

    def write(self, s) -> int:
        s = str(s)
        room = MAX_OUTPUT - self.size
        if room > 0:
            self.parts.append(s[:room])
            self.size += min(room, len(s))
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def take(self) -> str:
        text = "".join(self.parts)
        if self.dropped:
            text += f"\n[... {self.dropped} more characters of output dropped]"
        self.parts, self.size, self.dropped = [], 0, 0
        return text


class _Alarm(BaseException):
    pass


def _on_alarm(signum, frame):
    raise _Alarm


class Worker:
    def __init__(self):
        from IPython.core.interactiveshell import InteractiveShell

        self.shell = InteractiveShell.instance()
        self.handles: dict[int, object] = {}
        self.ids: dict[int, int] = {}  # id(object) -> handle

    # ---- what a name is ---------------------------------------------------------------------------------

    def describe(self, obj, found: bool = True) -> dict:
        if not found:
            return {"kind": "missing"}
        if not callable(obj):
            return {"kind": "value", "value": P.encode(obj)}
        handle = self.ids.get(id(obj))
        if handle is None:
            handle = len(self.handles) + 1
            self.handles[handle], self.ids[id(obj)] = obj, handle
        try:
            params = [
                [p.name, p.kind.name, p.default is not p.empty] for p in inspect.signature(obj).parameters.values()
            ]
        except (TypeError, ValueError):
            params = None
        code = getattr(obj, "__code__", None)
        names = getattr(code, "co_names", ())
        return {
            "kind": "function",
            "id": handle,
            "name": str(getattr(obj, "__name__", type(obj).__name__))[:80],
            "module": str(getattr(obj, "__module__", "") or "")[:200],
            "params": params,
            "co_names": [n for n in names if isinstance(n, str)][:500] if code is not None else None,
            "has_globals": isinstance(getattr(obj, "__globals__", None), dict),
            "library": _library(obj),
        }

    # ---- operations -------------------------------------------------------------------------------------

    def run(self, source: str) -> dict:
        out = CappedText()
        sys.stdout = sys.stderr = out
        try:
            result = self.shell.run_cell(source, store_history=True, silent=False)
        finally:
            sys.stdout = sys.stderr = _QUIET
        error = result.error_in_exec or result.error_before_exec
        return {"error": [type(error).__name__, str(error)[:2000]] if error else None, "stdout": out.take()}

    def resolve(self, names: list) -> dict:
        space = self.shell.user_ns
        return {"values": [self.describe(space.get(n), n in space) for n in names if isinstance(n, str)]}

    def lookup(self, handle: int, name: str) -> dict:
        space = getattr(self.handles.get(handle), "__globals__", None)
        if not isinstance(space, dict) or not isinstance(name, str):
            return {"value": {"kind": "missing"}}
        return {"value": self.describe(space.get(name), name in space)}

    def call(self, handle: int, raw_args: list, limit: float, harness: str | None = None, watch=()) -> dict:
        fn = self.handles[handle]
        args = [P.decode(a, callables=True) for a in raw_args]
        shape = P.resolve(harness) if harness is not None else None
        try:
            before = copy.deepcopy(args)
        except Exception:  # noqa: BLE001 - an input that cannot be copied is not watched
            before = None
        out = CappedText()
        sys.stdout = sys.stderr = out
        previous = signal.signal(signal.SIGALRM, _on_alarm)
        signal.setitimer(signal.ITIMER_REAL, max(0.01, float(limit)))
        reply: dict = {}
        try:
            with (
                warnings.catch_warnings(record=True) as caught,
                np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"),
            ):
                warnings.simplefilter("always")
                try:
                    with tripwire(tuple(n for n in watch if isinstance(n, str))) as hits:
                        result = fn(*args)
                    result = shape(result) if shape is not None else result
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            reply["value"] = P.encode(result, P.references(args))
            reply["library_called"] = hits
            reply["warnings"] = [str(w.message)[:300] for w in caught if issubclass(w.category, RuntimeWarning)][:20]
        except _Alarm:
            reply = {"timeout": True}
        except BaseException as exc:  # noqa: BLE001 - whatever the learner's code raises is reported as data
            reply = {"raised": _raised(exc)}
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.stdout = sys.stderr = _QUIET
        if before is not None:
            changed = {}
            for i, (old, new) in enumerate(zip(before, args, strict=True)):
                if isinstance(new, np.random.Generator) or not _same(old, new):
                    changed[str(i)] = P.encode(new)
            reply["changed"] = changed
        return reply


def _library(obj) -> str | None:
    try:
        return library_object(obj)
    except Exception:  # noqa: BLE001 - an object that resists inspection is nobody's library function
        return None


def _raised(exc: BaseException) -> dict:
    bases = [c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"]
    try:
        text = str(exc)
    except Exception:  # noqa: BLE001 - an exception whose str() raises
        text = ""
    return {"type": type(exc).__name__[:80], "builtin_bases": bases[:10], "message": text[:2000]}


_QUIET = CappedText()


def main() -> None:
    """Serve requests until ``exit`` or the end of stdin."""
    requests = os.fdopen(os.dup(0), "rb", buffering=0)
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - the learner's input() gets end of file
    sys.stdout = sys.stderr = _QUIET
    worker = Worker()
    replies.write(P.dumps({"ready": True, "pid": os.getpid()}))
    reader = io.BufferedReader(requests, buffer_size=2**16)
    while True:
        line = reader.readline(P.MAX_LINE + 1)
        if not line:
            break
        msg = P.loads(line)
        op = msg.get("op")
        try:
            if op == "run":
                reply = worker.run(str(msg.get("source", "")))
            elif op == "resolve":
                reply = worker.resolve(list(msg.get("names", [])))
            elif op == "lookup":
                reply = worker.lookup(msg.get("id"), msg.get("name"))
            elif op == "call":
                limit, harness, watch = float(msg.get("limit", 5.0)), msg.get("harness"), msg.get("watch") or []
                reply = worker.call(msg.get("id"), list(msg.get("args", [])), limit, harness, list(watch))
            elif op == "exit":
                break
            else:
                reply = {"failed": f"unknown op {op!r:.40}"}
        except BaseException as exc:  # noqa: BLE001 - a request that fails is answered, not fatal
            reply = {"failed": f"{type(exc).__name__}: {str(exc)[:500]}"}
        _QUIET.take()
        replies.write(P.dumps({**reply, "n": msg.get("n")}))
    replies.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
