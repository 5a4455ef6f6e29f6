r"""The grader's side of a worker: the process, its deadline, and proxies for the learner's functions.

``Session`` starts ``python -m bpcourse.grade.worker`` (inside the sandbox when there is one) and sends it
requests. ``Remote`` stands for one of the learner's functions: a check calls it like the function itself,
``call(fn, *args)``, and the call is evaluated in the worker; the result comes back as plain data. So one
implementation of each check serves both the learner's notebook (a local function) and the grader (a
``Remote``).

Each request carries a nonce that the reply must echo, so lines that a notebook writes into the reply pipe
ahead of time are not taken for replies. Every wait has a deadline: the notebook's hard deadline, and for
one call its time limit plus ``GRACE``. A worker that misses it, breaks the protocol, or dies is stopped
(the whole sandbox is killed) and ``WorkerGone`` says why; the items not judged by then earn nothing.
"""

from __future__ import annotations

import builtins
import inspect
import os
import secrets
import select
import signal
import subprocess
import time
import types
import warnings

import numpy as np

from . import protocol as P

GRACE = 3.0  # seconds a worker gets beyond a call's own time limit before it counts as stuck


class WorkerGone(BaseException):  # BaseException: no check or learner code may swallow it
    """The worker stopped answering (deadline, crash, broken protocol); the message says which."""


class Session:
    """One running worker for one notebook of one student."""

    def __init__(self, argv: list[str], deadline: float, kill=None, cwd: str | None = None, env: dict | None = None):
        self.deadline = deadline  # time.monotonic() by which the whole notebook must be done
        self._kill = kill
        self.proc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        self._buffer = b""
        self._secret, self._count = secrets.token_hex(8), 0  # every reply must echo its request's nonce
        self.gone: str | None = None
        self.remotes: dict[int, Remote] = {}
        ready = self._read(self.deadline, startup=True)
        if not ready.get("ready"):
            self._stop("the worker did not start")

    # ---- transport --------------------------------------------------------------------------------------

    def request(self, message: dict, limit: float | None = None) -> dict:
        """Send one request and return the reply; raise WorkerGone past the deadline (or ``limit`` + GRACE)."""
        if self.gone:
            raise WorkerGone(self.gone)
        until = self.deadline if limit is None else min(self.deadline, time.monotonic() + limit + GRACE)
        self._count += 1
        nonce = f"{self._secret}-{self._count}"
        try:
            self.proc.stdin.write(P.dumps({**message, "n": nonce}))
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._stop(self._death())
        reply = self._read(until)
        if reply.pop("n", None) != nonce:  # a line written ahead of the request, not the worker's reply to it
            self._stop("the notebook broke the grader's protocol (a reply to no request)")
        return reply

    def _read(self, until: float, startup: bool = False) -> dict:
        """One line, read in pieces in linear time (only each new piece is searched for the newline)."""
        fd = self.proc.stdout.fileno()
        pieces, size, done = [self._buffer], len(self._buffer), b"\n" in self._buffer
        while not done:
            left = until - time.monotonic()
            if left <= 0:
                self._stop("timed out" if until >= self.deadline else "a call did not come back in time")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            piece = os.read(fd, 2**20)
            if not piece:
                self._stop(self._death() if not startup else "the worker could not start")
            pieces.append(piece)
            size += len(piece)
            done = b"\n" in piece
            if size > P.MAX_LINE and not done:
                self._stop("the notebook broke the grader's protocol (a reply too large)")
        line, self._buffer = b"".join(pieces).split(b"\n", 1)
        try:
            return P.loads(line)
        except P.ProtocolError as exc:
            self._stop(f"the notebook broke the grader's protocol ({exc})")

    def _death(self) -> str:
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        return f"the kernel died (exit status {code})" if code is not None else "the kernel stopped answering"

    def _stop(self, why: str):
        self.gone = why
        self.close()
        raise WorkerGone(why)

    def close(self) -> None:
        if self.proc.poll() is None:
            if self._kill is not None:
                self._kill(self.proc)
            else:  # not sandboxed: the worker's process group (its own session), children included
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except OSError:
                    self.proc.kill()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass

    # ---- operations -------------------------------------------------------------------------------------

    def run(self, source: str) -> dict:
        return self.request({"op": "run", "source": source})

    def resolve(self, names: list[str]) -> list:
        """The values (``Remote`` for a function) that ``names`` have in the notebook now; ``MISSING`` if unbound."""
        reply = self.request({"op": "resolve", "names": names})
        values = reply.get("values")
        if not isinstance(values, list) or len(values) != len(names):
            self._stop("the notebook broke the grader's protocol (a bad resolve reply)")
        return [self.value(v) for v in values]

    def value(self, info) -> object:
        if not isinstance(info, dict):
            return P.opaque("object")
        kind = info.get("kind")
        if kind == "missing":
            return MISSING
        if kind == "function" and isinstance(info.get("id"), int):
            handle = info["id"]
            if handle not in self.remotes:
                self.remotes[handle] = Remote(self, info)
            return self.remotes[handle]
        try:
            return P.decode(info.get("value"))
        except P.ProtocolError:
            return P.opaque("object")


class _Missing:
    def __repr__(self) -> str:
        return "<not defined>"


MISSING = _Missing()


class Namespace(dict):
    """A learner's function's globals, looked up in the worker on demand (``probes.earlier`` reads them)."""

    def __init__(self, session: Session, handle: int):
        super().__init__()
        self._session, self._handle = session, handle

    def get(self, name, default=None):
        try:
            reply = self._session.request({"op": "lookup", "id": self._handle, "name": str(name)})
        except WorkerGone:
            return default
        value = self._session.value(reply.get("value"))
        return default if value is MISSING else value

    def __getitem__(self, name):
        value = self.get(name, MISSING)
        if value is MISSING:
            raise KeyError(name)
        return value

    def __contains__(self, name) -> bool:
        return self.get(name, MISSING) is not MISSING


def _text(value, limit: int = 200) -> str:
    return value[:limit] if isinstance(value, str) else ""


class Remote:
    """One of the learner's functions, evaluated in the worker. Checks call it through ``check.calling.call``."""

    def __init__(self, session: Session, info: dict):
        self._session, self._handle = session, info["id"]
        self.__name__ = self.__qualname__ = _text(info.get("name"), 80) or "function"
        self.__module__ = _text(info.get("module"))
        self.library = _text(info.get("library")) or None  # the library function it is, as the worker saw it
        names = info.get("co_names")
        if isinstance(names, list):
            self.__code__ = types.SimpleNamespace(co_names=tuple(n for n in names if isinstance(n, str)))
        if info.get("has_globals"):
            self.__globals__ = Namespace(session, self._handle)
        self.__signature__ = _signature(info.get("params"))

    def __repr__(self) -> str:
        return f"<the learner's {self.__name__}>"

    def __call__(self, *args):
        from ..check.calling import _time_limit

        return self._bpcourse_remote(args, _time_limit())

    def _bpcourse_remote(self, args: tuple, limit: float, harness=None, watched: tuple[str, ...] = ()):
        """Evaluate the function in the worker on ``args`` (then ``harness`` on its result, there); act as the
        local call would (see module doc)."""
        from ..check.calling import TimeLimit

        try:
            sent = [P.encode(a, strict=True) for a in args]
            request = {"op": "call", "id": self._handle, "args": sent, "limit": limit}
            if harness is not None:
                request["harness"] = P.encode(harness, strict=True)["$fn"]
            if watched:
                request["watch"] = list(watched)
        except Exception as exc:  # noqa: BLE001 - a check that sends what the wire cannot carry is our bug
            raise RuntimeError(f"the grader cannot send {exc}") from None
        reply = self._session.request(request, limit)
        try:
            _write_back(args, reply.get("changed"))
        except P.ProtocolError:
            pass  # changes the worker described wrongly are ignored; the value below is judged
        if reply.get("timeout"):
            raise TimeLimit
        called = reply.get("library_called")
        if isinstance(called, list) and called and isinstance(called[0], str):
            from ..check.calling import LibraryCalled

            raise LibraryCalled(_text(called[0], 200))
        if "raised" in reply:
            raise _exception(reply["raised"])
        if "failed" in reply:
            raise RuntimeError(_text(reply["failed"], 500))
        for message in reply.get("warnings") or []:
            warnings.warn(_text(message, 300), RuntimeWarning, stacklevel=2)
        try:
            return P.decode(reply.get("value"), args)
        except P.ProtocolError:
            return P.opaque("object")


def _signature(params) -> inspect.Signature | None:
    if not isinstance(params, list):
        return None
    try:
        return inspect.Signature(
            [
                inspect.Parameter(
                    name,
                    getattr(inspect.Parameter, kind),
                    default=None if has_default else inspect.Parameter.empty,
                )
                for name, kind, has_default in params
            ]
        )
    except (TypeError, ValueError, AttributeError):
        return None


_BUILTIN_ERRORS = {
    name: obj
    for name, obj in vars(builtins).items()
    if isinstance(obj, type) and issubclass(obj, Exception) and not issubclass(obj, (Warning,))
}
_REMOTE_TYPES: dict[tuple, type] = {}


class RemoteError(Exception):
    """An exception raised in the worker whose type is not a builtin one (e.g. LinAlgError)."""


def _exception(info) -> BaseException:
    """An exception like the one the learner's function raised (same type name and message)."""
    if not isinstance(info, dict):
        return RemoteError("the function failed")
    name, message = _text(info.get("type"), 80) or "Exception", _text(info.get("message"), 2000)
    if name in _BUILTIN_ERRORS:
        return _BUILTIN_ERRORS[name](message)
    bases = tuple(_BUILTIN_ERRORS[b] for b in info.get("builtin_bases") or [] if b in _BUILTIN_ERRORS)[:1]
    key = (name, bases)
    if key not in _REMOTE_TYPES:
        safe = name if name.isidentifier() else "Exception"
        _REMOTE_TYPES[key] = type(safe, (RemoteError, *bases), {})
    return _REMOTE_TYPES[key](message)


def _write_back(args: tuple, changed) -> None:
    """Apply to the grader's arguments what the function did to its own copies in the worker."""
    if not isinstance(changed, dict):
        return
    for key, raw in changed.items():
        if not (isinstance(key, str) and key.isdigit() and int(key) < len(args)):
            continue
        old, new = args[int(key)], P.decode(raw)
        if isinstance(old, np.random.Generator) and isinstance(new, np.random.Generator):
            old.bit_generator.state = new.bit_generator.state
        elif isinstance(old, np.ndarray):
            if isinstance(new, np.ndarray) and new.shape == old.shape and old.flags.writeable:
                old[...] = new.astype(old.dtype, copy=False) if new.dtype != old.dtype else new
            elif old.flags.writeable and old.dtype.kind in "fc":
                old[...] = np.nan  # changed beyond what an in-place update can copy: it still counts as changed
        elif isinstance(old, dict) and isinstance(new, dict):
            old.clear()
            old.update(new)
        elif isinstance(old, list) and isinstance(new, list):
            old[:] = new
