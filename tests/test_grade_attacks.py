"""Adversarial grading: submissions that attack ``bpcourse grade``, graded among honest students.

Every class holds victims graded before and after the attackers in name order (``a_solved``, ``b_unsolved``,
``c_partial``, then the ``m_*`` attackers, then ``y_solved``, ``z_unsolved``). Each attacker is an unsolved
exercise 1 (the released notebook, or a solution with the attacked answer broken) plus its attack cells.
For every class the tests assert that the run finished, that the CSV parses with one row per student, that
the victims' rows and feedback are exactly those of a class without attackers (``clean``), and that no file
outside the worker's scratch folder changed: the submissions, the grader's package and solutions, the real
repository. One test per attack then asserts on the attacker's row and feedback.

Attack code that tries to damage files only aims at copies: each class is graded by a subprocess whose
``bpcourse`` is a copy of the package (with a copy of ``solutions/`` beside it, the layout of this repo), so
``Path(bpcourse.__file__)`` inside the worker names the copy. If the sandbox failed, only the copy would be
damaged; the real repository is watched, never targeted.

Most attackers report what they saw through their own feedback: the probe cell makes ``answer_q3`` raise
``RuntimeError("PROBE {json}")``, which the grader prints in the attacker's feedback. That shows the attack
really ran (a test that passes because the attack crashed early proves nothing) and what the sandbox let it do.

The classes (one grading run each, ``scope="module"``, two jobs, 20 s per notebook): ``clean`` (the victims
alone, graded twice), ``main`` (attacks on the verdict, the checks, the library rule, the files, the
submission itself), ``disrupt`` (the worker, the protocol, resources, the deadline), and one class for each
attack that could take a whole run down or whose effect must be measured alone: ``fork_bomb``,
``deep_reply``, ``fn_import``, ``network_claim``. The xfail(strict=True) tests are limits that need a
decision rather than a fix (each says which).

Skipped where this machine has no sandbox (``bpcourse.grade.sandbox.available()`` gives the reason), failed
instead under BPCOURSE_REQUIRE_SANDBOX=1.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell


def _why_no_sandbox() -> str | None:
    try:
        from bpcourse.grade import sandbox
    except Exception as exc:  # noqa: BLE001 - the module may be missing or broken while it is being written
        return f"bpcourse.grade.sandbox cannot be imported ({type(exc).__name__}: {exc})"
    return sandbox.available()


REASON = _why_no_sandbox()
if REASON is not None:
    if os.environ.get("BPCOURSE_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"BPCOURSE_REQUIRE_SANDBOX=1 but there is no grading sandbox: {REASON}", pytrace=False)
    pytest.skip(f"no grading sandbox on this machine: {REASON}", allow_module_level=True)

REPO = Path(__file__).resolve().parents[1]
NAME = "ex01_principles.ipynb"
STEM = "ex01_principles"
ITEMS = ["ex01_sigmoid", "ex01_sigmoid_prime", "ex01_gd_step", "ex01_q1", "ex01_q2", "ex01_q3"]
HEADER = ["student", *ITEMS, "total", "possible", "notes"]
TIMEOUT = 20  # seconds per notebook
JOBS = 2
VICTIMS = {"a_solved": 9, "b_unsolved": 0, "c_partial": None, "y_solved": 9, "z_unsolved": 0}  # None: as in clean
MARK = "bpatk" + secrets.token_hex(4)  # process name (comm, at most 15 characters) of the attackers' helpers
WATCHED = [REPO / "bpcourse" / "check" / "core.py", REPO / "solutions" / NAME, REPO / "exercises" / NAME]
# The package, solutions and exercises every class is built from: copied once (``snapshot``), so that all classes
# grade with the same code and the same solutions (whose digest salts the inputs) while the repository is edited.
SOURCE = {"root": REPO}


# ---- notebooks ----------------------------------------------------------------------------------------------


def _release():
    return nbformat.read(SOURCE["root"] / "exercises" / NAME, as_version=4)


def _solution():
    return nbformat.read(SOURCE["root"] / "solutions" / NAME, as_version=4)


def _gid(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def _at(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if _gid(c) == grade_id)


FINDINGS = "_findings = {}"
PROBE = """
def answer_q3():
    import json
    raise RuntimeError("PROBE " + json.dumps(globals().get("_findings", {}), sort_keys=True, default=repr)[:1900])
"""


def attacker(*cells: str, base: str = "release", after: str = "ex01_code2", answers=None, drop=(), probe=True):
    """A notebook: ``base`` (the released stubs, or the solution), ``answers`` replacing answer cells by grade_id,
    the attack ``cells`` after the cell ``after``, and the probe answer_q3 (see the module doc)."""
    nb = _release() if base == "release" else _solution()
    for grade_id, source in (answers or {}).items():
        nb.cells[_at(nb, grade_id)].source = source
    at = _at(nb, after) + 1
    nb.cells[at:at] = [new_code_cell(c) for c in [FINDINGS, *cells]]
    if probe:
        at = _at(nb, "ex01_q3_answer") + 1
        nb.cells.insert(at, new_code_cell(PROBE))
    nb.cells = [c for c in nb.cells if _gid(c) not in drop]
    return nb


def _partial():
    """An honest, partly wrong submission: σ(−z) for sigmoid (sigmoid_prime uses it), a wrong answer to q2."""
    nb = _solution()
    nb.cells[_at(nb, "ex01_sigmoid_answer")].source = "def sigmoid(Z):\n    return 1 / (1 + np.exp(Z))"
    nb.cells[_at(nb, "ex01_q2_answer")].source = "def answer_q2():\n    return 3.6"
    return nb


# ---- a class, graded in a subprocess from a copy of the package ----------------------------------------------

DRIVER = r"""
import json, resource, sys, time
from pathlib import Path
import bpcourse
from bpcourse.grade import grade
a = json.loads(sys.argv[1])
sys.argv = sys.argv[:1]  # no arguments for code that reads the grader's command line (see FN_IMPORT)
start = time.monotonic()
grade(Path(a["subs"]), Path(a["out"]), Path(a["solutions"]), timeout=a["timeout"], feedback_dir=Path(a["feedback"]),
      progress=False, jobs=a["jobs"])
Path(a["info"]).write_text(json.dumps({
    "seconds": time.monotonic() - start,
    "package": bpcourse.__file__,
    "self_maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
}))
"""


def _tree(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (links not followed, FIFOs not opened): relative path -> what it is."""
    out: dict[str, str] = {}
    if not root.exists():
        return out
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(folder) / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            if path.is_symlink():
                out[rel] = "link:" + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            elif path.is_file():
                out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                out[rel] = f"special:{st.st_mode:o}"
    return out


def _watched() -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in WATCHED}


def _marked_processes() -> list[str]:
    """Processes on this machine named MARK (the attackers' forks and detached children)."""
    found = []
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and Path(f"/proc/{pid}/comm").read_text().strip() == MARK:
                found.append(pid)
        except OSError:
            pass
    return found


@dataclass
class Run:
    """One grading run of a class: what the grader wrote, and what changed on the disk."""

    returncode: int
    stderr: str
    info: dict
    csv_bytes: bytes
    header: list[str]
    rows: dict[str, dict]
    feedback: dict[str, str]
    changed: dict[str, tuple]  # tree name -> (before, after) where they differ
    leftovers: list[str]  # entries left in the grader's TMPDIR (its scratch folders)
    processes: list[str]  # MARK processes alive after the run

    def row(self, student: str) -> dict:
        assert student in self.rows, f"no row for {student!r}; rows: {sorted(self.rows)}; stderr: {self.stderr[-3000:]}"
        return self.rows[student]

    def probe(self, student: str) -> dict:
        """What the attacker's probe cell reported (see the module doc)."""
        text = self.feedback.get(student, "")
        match = re.search(r"PROBE (\{.*\})", text)
        assert match, f"{student}: the attack did not run to its probe cell:\n{text}"
        return json.loads(match.group(1))


@dataclass
class Klass:
    """A class folder: the five honest students (victims), and a copy of the package and solutions to grade with."""

    root: Path

    def __post_init__(self):
        self.subs = self.root / "submitted"
        self.install = self.root / "install"  # the grader's bpcourse and solutions (copies)
        self.solutions = self.install / "solutions"
        self.out = self.root / "grades.csv"
        self.feedback = self.root / "feedback"
        self.tmp = self.root / "tmp"  # TMPDIR of the grader: the workers' scratch folders
        self.subs.mkdir(parents=True)
        self.tmp.mkdir()
        (self.root / "cwd").mkdir()
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        shutil.copytree(SOURCE["root"] / "bpcourse", self.install / "bpcourse", ignore=ignore)
        shutil.copytree(SOURCE["root"] / "solutions", self.solutions)
        self.add("a_solved", _solution())
        self.copy("b_unsolved", SOURCE["root"] / "exercises" / NAME)
        self.add("c_partial", _partial())
        self.add("y_solved", _solution())
        self.copy("z_unsolved", SOURCE["root"] / "exercises" / NAME)

    def paths(self) -> dict[str, str]:
        return {
            "ROOT": str(self.root),
            "SUBS": str(self.subs),
            "CSV": str(self.out),
            "FEEDBACK": str(self.feedback),
            "INSTALL": str(self.install),
            "SOLUTIONS": str(self.solutions),
            "TMP": str(self.tmp),
            "REPO": str(REPO),
            "MARK": MARK,
            "NAME": NAME,
        }

    def fill(self, code: str) -> str:
        """``code`` with @ROOT@, @SUBS@, ... replaced by the (repr of the) class's paths."""
        values = self.paths()
        return re.sub(r"@([A-Z]+)@", lambda m: repr(values[m.group(1)]), code)

    def add(self, student: str, nb, folder: str = "") -> Path:
        where = self.subs / student / folder
        where.mkdir(parents=True, exist_ok=True)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.source = self.fill(cell.source)
        nbformat.write(nb, where / NAME)
        return where / NAME

    def copy(self, student: str, source: Path) -> None:
        (self.subs / student).mkdir(parents=True)
        shutil.copy(source, self.subs / student / NAME)

    def raw(self, student: str, data: bytes) -> None:
        (self.subs / student).mkdir(parents=True)
        (self.subs / student / NAME).write_bytes(data)

    def graded_students(self) -> list[str]:
        """The folders the grader grades: not hidden, not links."""
        return sorted(p.name for p in self.subs.iterdir() if p.is_dir() and not p.is_symlink())

    def _snapshot(self) -> dict[str, dict]:
        return {
            "submissions": _tree(self.subs),
            "package": _tree(self.install),
            "repository": _watched(),
            "feedback": _tree(self.feedback),
        }

    def grade(self, jobs: int = JOBS, timeout: float = TIMEOUT, linger: float = 0.0, tag: str = "") -> Run:
        """Grade the class (in a subprocess, from the copy); wait ``linger`` seconds; see what changed."""
        info_path = self.root / f"info{tag}.json"
        info_path.unlink(missing_ok=True)
        args = {
            "subs": str(self.subs),
            "out": str(self.out),
            "solutions": str(self.solutions),
            "feedback": str(self.feedback),
            "timeout": timeout,
            "jobs": jobs,
            "info": str(info_path),
        }
        drop = ("BPCOURSE_GRADING", "NBGRADER_EXECUTION", "BPCOURSE_CHECK_SEED", "BPCOURSE_GRADE_SEED", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if k not in drop}
        env.update(
            PYTHONPATH=str(self.install),
            TMPDIR=str(self.tmp),
            BPCOURSE_REQUIRE_SANDBOX="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        before = self._snapshot()
        done = subprocess.run(
            [sys.executable, "-c", DRIVER, json.dumps(args)],
            cwd=self.root / "cwd",
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        time.sleep(linger)
        after = self._snapshot()
        before["feedback"] = after["feedback"]  # the run writes the feedback: compared with ``clean`` instead
        changed = {}
        for name in before:
            for key in sorted(set(before[name]) | set(after[name])):
                if before[name].get(key) != after[name].get(key):
                    changed[f"{name}:{key}"] = (before[name].get(key), after[name].get(key))
        header, rows, csv_bytes = [], {}, b""
        if self.out.is_file():
            csv_bytes = self.out.read_bytes()
            with self.out.open(newline="", encoding="utf-8") as f:
                reader = csv.DictReader(f)
                header = list(reader.fieldnames or [])
                for row in reader:
                    assert row["student"] not in rows, f"two rows for {row['student']!r}"
                    rows[row["student"]] = row
        feedback = {}
        if self.feedback.is_dir():
            for path in self.feedback.glob("*.txt"):
                feedback[path.name[: -len(".txt")]] = path.read_text(encoding="utf-8")
        info = json.loads(info_path.read_text()) if info_path.is_file() else {}
        return Run(
            returncode=done.returncode,
            stderr=done.stderr,
            info=info,
            csv_bytes=csv_bytes,
            header=header,
            rows=rows,
            feedback=feedback,
            changed=changed,
            leftovers=sorted(os.listdir(self.tmp)),
            processes=_marked_processes(),
        )


# ---- the attacks --------------------------------------------------------------------------------------------
#
# Each entry: student name -> callable(klass) that adds that student's submission. ``@NAME@`` style tokens in
# code cells are replaced by the class's paths (Klass.fill).

ENV_POP = """
import os
_findings["popped"] = os.environ.pop("BPCOURSE_GRADING", None)
os.environ.pop("NBGRADER_EXECUTION", None)
for _title in ("sigmoid (2/2 points)", "sigmoid_prime (2/2 points)", "gradient_descent_step (2/2 points)"):
    print("[PASS] " + _title)
"""

REBIND_CHECKS = """
import bpcourse as bp
import bpcourse.check.core
import bpcourse.check.principles
import bpcourse.check.report

def _passes(*args, **kwargs):
    print("[PASS] sigmoid (2/2 points)")
    return True

bpcourse.check.core.report = _passes
sys_report = __import__("sys").modules["bpcourse.check.report"]
sys_report.report = _passes
for _name in ("sigmoid", "sigmoid_prime", "gradient_descent_step", "q1", "q2", "q3"):
    setattr(bp.check.principles, _name, _passes)
bp.check.principles.sigmoid(None)
_findings["rebound"] = bp.check.principles.sigmoid is _passes and sys_report.report is _passes
"""

CUSTOM_EXC = """
get_ipython().set_custom_exc((BaseException,), lambda *a, **k: print("[PASS] sigmoid (2/2 points)"))
_findings["custom_exc"] = [t.__name__ for t in get_ipython().custom_exceptions]
"""

FAKE_MODULES = """
import sys
import types

class _Anything(types.ModuleType):
    __path__ = []  # a package: importing one of its submodules that is not there fails with ImportError

    def __getattr__(self, name):
        return _Anything(name)

    def __call__(self, *args, **kwargs):
        print("[PASS] sigmoid (2/2 points)")
        return True

import bpcourse.check.calling  # imported by the worker at each call: now the fake's
import bpcourse.check.library_use

_fake = _Anything("bpcourse")
for _key in [k for k in sys.modules if k == "bpcourse" or k.startswith("bpcourse.")]:
    sys.modules[_key] = _fake
import bpcourse as bp
import bpcourse.check.principles
bp.check.principles.sigmoid(None)
_findings["fake"] = bp is _fake and sys.modules["bpcourse.check"] is _fake
"""

CWD_PACKAGE = '''
import importlib
import os
import pathlib
import sys

_root = pathlib.Path.cwd() / "bpcourse"
(_root / "check").mkdir(parents=True, exist_ok=True)
_passing = """
def _passes(*args, **kwargs):
    print("[PASS] sigmoid (2/2 points)")
    return True

def __getattr__(name):
    return _passes
"""
(_root / "__init__.py").write_text("from . import check\\n")
(_root / "check" / "__init__.py").write_text("from . import principles, core, report\\n" + _passing)
for _module in ("principles", "core", "report", "calling", "library_use"):
    (_root / "check" / (_module + ".py")).write_text(_passing)
for _key in [k for k in sys.modules if (k == "bpcourse" or k.startswith("bpcourse.")) and ".grade" not in k]:
    del sys.modules[_key]
sys.path.insert(0, os.getcwd())
import bpcourse as bp
bp = importlib.reload(bp)
bp.check.principles.sigmoid(None)
_findings["fake_package"] = bp.__file__
'''

INPUT_TRANSFORMER = """
get_ipython().input_transformers_cleanup.append(lambda lines: ['print("[PASS] sigmoid (2/2 points)")\\n'])
"""

TRACE = """
import sys
import threading

_findings["tampered"] = 0

def _tamper(frame, event, arg):
    # Worker.call returns the reply dict: make the stub's NotImplementedError into "returned its input",
    # and add keys claiming a pass
    if event == "return" and frame.f_code.co_name == "call" and isinstance(arg, dict) and "fn" in frame.f_locals:
        if getattr(frame.f_locals["fn"], "__name__", "") != "answer_q3":
            arg.pop("raised", None)
            arg["value"] = {"$arg": [0]}
            arg.update(status="PASS", points=1e9, verdict="[PASS] sigmoid (2/2 points)")
            _findings["tampered"] += 1
    return _tamper

def _profile(frame, event, arg):
    if event == "call" and frame.f_code.co_name == "report":
        frame.f_globals["print"]("[PASS] sigmoid (2/2 points)")

sys.settrace(_tamper)
threading.settrace(_tamper)
sys.setprofile(_profile)
_findings["tracing"] = sys.gettrace() is _tamper
"""

NUMPY_PATCH = """
import math
import numpy as np
import numpy.testing

def _true(*args, **kwargs):
    return True

np.allclose = np.isclose = np.array_equal = np.array_equiv = _true
np.testing.assert_allclose = np.testing.assert_array_equal = lambda *a, **k: None
math.isclose = _true
for _name in ("numpy._core.numeric", "numpy.core.numeric"):
    try:
        _module = __import__(_name, fromlist=["allclose"])
        _module.allclose = _module.isclose = _module.array_equal = _true
    except Exception:
        pass
_findings["allclose"] = bool(np.allclose(0, 1))
"""

NUMPY_PATCH_ANSWERS = {
    "ex01_sigmoid_answer": "def sigmoid(Z):\n    return np.zeros_like(Z)",
    "ex01_sigmoid_prime_answer": "def sigmoid_prime(Z):\n    return np.zeros_like(Z)",
    "ex01_gd_step_answer": "def gradient_descent_step(params, grads, lr):\n    return dict(params)",
    "ex01_q1_answer": "def answer_q1():\n    return 'a'",
    "ex01_q2_answer": "def answer_q2():\n    return 0.0",
}

EXEC_FOUND = """
import json
import os
import pathlib

import bpcourse

_findings.update(read=[], denied={})
_findings["beside_package"] = sorted(os.listdir(pathlib.Path(bpcourse.__file__).resolve().parent.parent))
for _where in _candidates:
    _where = pathlib.Path(_where)
    try:
        _found = sorted(_where.glob("ex01*.ipynb")) if _where.is_dir() else []
        for _path in _found or [_where if _where.suffix == ".ipynb" else _where / "ex01_principles.ipynb"]:
            for _cell in json.loads(_path.read_text())["cells"]:
                _meta = _cell.get("metadata", {}).get("nbgrader", {})
                if _cell["cell_type"] == "code" and _meta.get("solution"):
                    exec("".join(_cell["source"]), globals())
            _findings["read"].append(str(_path))
    except Exception as _exc:
        _findings["denied"][str(_where)] = type(_exc).__name__
"""

READ_SOLUTIONS = (
    """
import pathlib
import bpcourse
_candidates = [
    pathlib.Path(bpcourse.__file__).resolve().parent.parent / "solutions",
    @SOLUTIONS@,
    pathlib.Path(@REPO@) / "solutions",
    "/proc/1/root" + @SOLUTIONS@,
    "/proc/1/cwd/solutions",
]
"""
    + EXEC_FOUND
)

READ_VICTIMS = (
    """
import glob
_candidates = [@SUBS@ + "/a_solved", @SUBS@ + "/y_solved", "/proc/1/root" + @SUBS@ + "/a_solved"]
_candidates += glob.glob("/proc/*/cwd/*/a_solved") + glob.glob(@ROOT@ + "/**/a_solved", recursive=True)
"""
    + EXEC_FOUND
)

# Library answers hidden from the static scan: a computed module name and attribute name.
HIDDEN_LIBRARY = """
import importlib
_lib = importlib.import_module(bytes.fromhex("6270636f757273652e61637469766174696f6e73").decode())
_sig = getattr(_lib, bytes.fromhex("7369676d6f6964").decode())

def sigmoid(Z):
    return _sig(Z)
"""

WORKER_PATCH = """
import sys
import bpcourse as bp

_library = {"sigmoid": bp.activations.sigmoid, "sigmoid_prime": bp.activations.sigmoid_prime}
def _worker_globals():
    # the worker's module, below IPython's frames (in a function: IPython runs each statement of a cell on its own)
    frame = sys._getframe()
    while "Worker" not in frame.f_globals:
        frame = frame.f_back
    return frame.f_globals

_Worker = _worker_globals()["Worker"]
_call = _Worker.call

def _forged(self, handle, *args, **kwargs):
    mine = self.handles.get(handle)
    substitute = _library.get(getattr(mine, "__name__", ""))
    if substitute is None:
        return _call(self, handle, *args, **kwargs)
    self.handles[handle] = substitute
    try:
        return _call(self, handle, *args, **kwargs)
    finally:
        self.handles[handle] = mine

_Worker.call = _forged
_findings["patched"] = _worker_globals()["Worker"].call is _forged
"""

WORKER_PATCH_HIDDEN = """
import importlib
import sys

_lib = importlib.import_module(bytes.fromhex("6270636f757273652e61637469766174696f6e73").decode())
_library = {n: getattr(_lib, n) for n in ["".join(reversed(s)) for s in ("diomgis", "emirp_diomgis")]}
def _worker_globals():
    # the worker's module, below IPython's frames (in a function: IPython runs each statement of a cell on its own)
    frame = sys._getframe()
    while "Worker" not in frame.f_globals:
        frame = frame.f_back
    return frame.f_globals

_Worker = _worker_globals()["Worker"]
_call = _Worker.call

def _forged(self, handle, *args, **kwargs):
    mine = self.handles.get(handle)
    substitute = _library.get(getattr(mine, "__name__", ""))
    if substitute is None:
        return _call(self, handle, *args, **kwargs)
    self.handles[handle] = substitute
    try:
        return _call(self, handle, *args, **kwargs)
    finally:
        self.handles[handle] = mine

_Worker.call = _forged
_findings["patched"] = _worker_globals()["Worker"].call is _forged
"""

DAMAGE = """
import json
import os
import pathlib

import bpcourse

_package = pathlib.Path(bpcourse.__file__).resolve().parent

def _attempt(label, action):
    try:
        action()
        _findings[label] = "DONE"
    except BaseException as exc:
        _findings[label] = type(exc).__name__

def _write(path, text):
    with open(path, "w") as f:
        f.write(text)

def _append(path, text):
    with open(path, "a") as f:
        f.write(text)

_solved = json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
_findings["ppid"] = os.getppid()
_findings["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
for _pid in _findings["pids"]:
    for _kind in ("cwd", "root"):
        try:
            _target = os.readlink(f"/proc/{_pid}/{_kind}")
        except OSError as exc:
            _findings[f"/proc/{_pid}/{_kind}"] = type(exc).__name__
            continue
        _findings[f"/proc/{_pid}/{_kind}"] = _target
        # never write outside this test's class, whatever the sandbox does; the worker's own folder is its own
        if _target.startswith(@ROOT@) and _pid != os.getpid():
            _attempt(f"write /proc/{_pid}/{_kind}", lambda: _write(f"/proc/{_pid}/{_kind}/grades.csv", "hacked"))
_attempt("ppid cwd", lambda: os.listdir(f"/proc/{os.getppid()}/cwd"))
_attempt("ppid environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
_attempt("victim notebook", lambda: _write(@SUBS@ + "/a_solved/" + @NAME@, "{}"))
_attempt("victim notebook 2", lambda: _write(@SUBS@ + "/b_unsolved/" + @NAME@, _solved))
_attempt("new student", lambda: os.makedirs(@SUBS@ + "/n_planted"))
_attempt("csv", lambda: _write(@CSV@, "student,total\\nm_damage,9\\n"))
_attempt("feedback", lambda: _write(@FEEDBACK@ + "/a_solved.txt", "hacked"))
_attempt("feedback new", lambda: _write(@FEEDBACK@ + "/n_planted.txt", "hacked"))
_attempt("core.py", lambda: _append(_package / "check" / "core.py", "\\nTIME_LIMIT = 0.0\\n"))
_attempt("core.py by path", lambda: _append(@INSTALL@ + "/bpcourse/check/core.py", "\\nTIME_LIMIT = 0.0\\n"))
_attempt("pycache", lambda: _write(_package / "check" / "__pycache__" / "principles.cpython-311.pyc", "x"))
_attempt("package new file", lambda: _write(_package / "sitecustomize.py", "import os"))
_attempt("solutions", lambda: _write(@SOLUTIONS@ + "/" + @NAME@, "{}"))
_attempt("solutions beside", lambda: _write(_package.parent / "solutions" / @NAME@, "{}"))
"""

PLANT = """
import glob
import os
import pathlib
import sys

# Code that would make every later worker's sigmoid wrong: numpy.exp returns zeros.
_payload = "import numpy\\nnumpy.exp = lambda x, *a, **k: x * 0\\n"
_places = ["/tmp/sitecustomize.py", "/dev/shm/sitecustomize.py"]
_places += [p + "/sitecustomize.py" for p in sys.path if p.startswith(@ROOT@)]
_places += [p + "/zz_bpcourse.pth" for p in sys.path if p.startswith(@ROOT@)]
_others = [p for p in glob.glob(@TMP@ + "/*/.ipython") if not p.startswith(os.getcwd())]
_places += [p + "/profile_default/startup/00-sabotage.py" for p in _others]
_places += [str(pathlib.Path.cwd().parent / "sitecustomize.py"), @TMP@ + "/sitecustomize.py"]
_findings["scratch folders seen"] = len(glob.glob(@TMP@ + "/*"))
for _place in _places:
    try:
        os.makedirs(os.path.dirname(_place), exist_ok=True)
        with open(_place, "w") as f:
            f.write(_payload)
        _findings[_place] = "private" if _place in _places[:2] else "DONE"  # /tmp and /dev/shm are the sandbox's
    except OSError as exc:
        _findings[_place] = type(exc).__name__
# Writable places outside the class folder are only probed, never written: open for appending, then close.
for _path in [sys.prefix + "/pyvenv.cfg", os.__file__, __import__("numpy").__file__, __import__("bpcourse").__file__]:
    try:
        os.close(os.open(_path, os.O_WRONLY | os.O_APPEND))
        _findings["writable " + _path] = "WRITABLE"
    except OSError as exc:
        _findings["writable " + _path] = type(exc).__name__
"""

DETACHED = """
import os
import subprocess
import sys

_child = '''
import ctypes, time
try:
    ctypes.CDLL(None).prctl(15, @MARK@.encode(), 0, 0, 0)
except Exception:
    pass
end = time.time() + 60
while time.time() < end:
    time.sleep(0.25)
    for path in (@CSV@, @FEEDBACK@ + "/a_solved.txt", @SUBS@ + "/a_solved/" + @NAME@):
        try:
            with open(path, "w") as f:
                f.write("hacked")
        except OSError:
            pass
'''
_quiet = dict(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.Popen([sys.executable, "-c", _child], start_new_session=True, **_quiet)
_pid = os.fork()
if _pid == 0:  # double fork and setsid: a grandchild that no one waits for
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", _child])
    os._exit(0)
os.waitpid(_pid, 0)
_findings["spawned"] = True
"""

# A notebook that knows its inputs: the seed is (student, grade_id), both known to the student.
SEED_TABLE = """
import base64
import io
import numpy as np

_npz = np.load(io.BytesIO(base64.b64decode("@@BLOB@@")))
_TABLE = {}
for _key in _npz.files:
    if _key.startswith("in"):
        _TABLE[_npz[_key].tobytes()] = _npz["out" + _key[2:]]

def sigmoid(Z):
    return _TABLE[np.asarray(Z).tobytes()].copy()

def sigmoid_prime(Z):
    return _TABLE[np.asarray(Z).tobytes()].copy()
"""

# ---- disruptive attacks ----------------------------------------------------------------------------------

KILL_PARENT = """
import os
import signal
_findings["ppid"] = os.getppid()
for _pid in sorted((int(p) for p in os.listdir("/proc") if p.isdigit()), reverse=True):
    if _pid != os.getpid():
        try:
            os.kill(_pid, signal.SIGKILL)
            _findings[str(_pid)] = "KILLED"
        except OSError as exc:
            _findings[str(_pid)] = type(exc).__name__
try:
    os.kill(os.getppid(), signal.SIGKILL)
    _findings["ppid killed"] = "KILLED"
except OSError as exc:
    _findings["ppid killed"] = type(exc).__name__
"""

EXIT_MIDWAY = "import os\nos._exit(0)"

CWD_SWAP = """
import os
_cwd = os.getcwd()
os.makedirs("locked/inner", exist_ok=True)
open("locked/inner/file", "w").write("x")
os.chmod("locked/inner", 0)
os.chmod("locked", 0)
for _label, _action in [
    ("inner link to victims", lambda: os.symlink(@SUBS@, os.path.join(_cwd, "victims"))),
    ("inner link to root", lambda: os.symlink("/", os.path.join(_cwd, "root"))),
    ("chdir out", lambda: os.chdir("/")),
    ("rename cwd", lambda: os.rename(_cwd, _cwd + ".old")),
    ("rmdir cwd", lambda: os.rmdir(_cwd)),
    ("cwd link to root", lambda: os.symlink("/", _cwd)),
    ("cwd link to victims", lambda: os.symlink(@SUBS@, _cwd)),
]:
    try:
        _action()
        _findings[_label] = "DONE"
    except OSError as exc:
        _findings[_label] = type(exc).__name__
"""

FD_GARBAGE = """
import os
_fds = set(range(11)) | {int(x) for x in os.listdir("/proc/self/fd")}
for _fd in sorted(_fds):
    try:
        os.write(_fd, b'garbage \\x00\\xff not json\\n{"value": 1}\\n')
    except OSError:
        pass
"""

FD_CLOSE = """
import os
for _fd in sorted(set(range(11)) | {int(x) for x in os.listdir("/proc/self/fd")}):
    try:
        os.close(_fd)
    except OSError:
        pass
"""

FAKE_REPLIES = """
import json
import os

_function = {"kind": "function", "id": 1, "name": "sigmoid", "module": "__main__", "library": None}
_fake = [
    {"error": None, "stdout": "[PASS] sigmoid (2/2 points)"},
    {"values": [_function]},
    {"value": {"$float": "nan"}, "warnings": [], "changed": {}},
    {"value": {"$fn": "os.system"}},
    {"value": {"$fn": "bpcourse.grade.run.grade"}},
    {"value": 1, "status": "PASS", "points": 1e9},
] * 20
_data = b"".join(json.dumps(m).encode() + b"\\n" for m in _fake)
_findings["pipes"] = []
for _fd in sorted(int(x) for x in os.listdir("/proc/self/fd")):
    try:
        if os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:"):
            os.write(_fd, _data)
            _findings["pipes"].append(_fd)
    except OSError:
        pass
"""

ALARM_BLOCK = """
import signal

def sigmoid(Z):
    signal.setitimer(signal.ITIMER_REAL, 0)  # the worker's time limit for this call: cancelled
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    while True:
        pass
"""

TOO_LARGE = "def sigmoid(Z):\n    return np.zeros((3000, 3000))  # 72 MB, more than one reply may hold"

MEMORY_HOG = """
import numpy as np
try:
    _big = bytearray(8 * 2**30)
    _findings["8 GiB"] = "ALLOCATED"
except MemoryError:
    _findings["8 GiB"] = "MemoryError"
_chunks = []
try:
    while len(_chunks) < 64:
        _chunks.append(np.ones(2**24))  # 128 MiB each, touched
except MemoryError:
    pass
_findings["touched MiB"] = 128 * len(_chunks)
del _chunks
"""

OUTPUT_FLOOD = """
import os
import sys
_line = "x" * 2**20
for _ in range(200):  # 200 MB through print
    print(_line)
for _fd in (1, 2):
    for _ in range(50):
        os.write(_fd, b"y" * 2**20)
for _ in range(50):
    sys.__stdout__.write(_line)
    sys.__stderr__.write(_line)
_findings["flooded"] = True

def sigmoid(Z):
    print("z" * 50 * 2**20)
    raise ValueError("w" * 10**6)
"""

DISK_FILL = """
import os
_findings["1 GiB file"] = 0
try:
    with open("huge.bin", "wb") as f:
        for _ in range(1024):
            f.write(b"\\0" * 2**20)
            _findings["1 GiB file"] += 2**20
except OSError as exc:
    _findings["1 GiB file error"] = type(exc).__name__
os.remove("huge.bin")
_findings["written"] = 0
try:
    for _i in range(16):  # 16 files just under the file-size limit: 1 GiB on the grading machine's disk
        with open(f"part{_i}.bin", "wb") as f:
            for _ in range(63):
                f.write(b"\\1" * 2**20)
                _findings["written"] += 2**20
except OSError as exc:
    _findings["fill error"] = type(exc).__name__
"""

NAPS = "import time\ntime.sleep(0.5)"

FORK_BOMB = """
import ctypes
import os
import time

_findings["forked"] = 0
for _ in range(500):
    try:
        _pid = os.fork()
    except OSError as exc:
        _findings["stopped by"] = f"{type(exc).__name__} errno {exc.errno}"
        break
    if _pid == 0:
        try:
            ctypes.CDLL(None).prctl(15, @MARK@.encode(), 0, 0, 0)
        except Exception:
            pass
        time.sleep(120)
        os._exit(0)
    _findings["forked"] += 1
time.sleep(120)  # hold them past the deadline, while the next students are graded
"""

DEEP_REPLY = """
import os
_line = b"[" * 100000 + b"]" * 100000 + b"\\n"
for _fd in sorted(int(x) for x in os.listdir("/proc/self/fd")):
    try:
        if os.readlink(f"/proc/self/fd/{_fd}").startswith("pipe:"):
            os.write(_fd, _line)
    except OSError:
        pass
"""

# The worker (the submission's) answers sigmoid's call with a "library callable" whose module the grader imports.
FN_IMPORT = """
import sys

def _worker_globals():
    # the worker's module, below IPython's frames (in a function: IPython runs each statement of a cell on its own)
    frame = sys._getframe()
    while "Worker" not in frame.f_globals:
        frame = frame.f_back
    return frame.f_globals

_Worker = _worker_globals()["Worker"]
_call = _Worker.call

def _forged(self, handle, *args, **kwargs):
    if getattr(self.handles.get(handle), "__name__", "") == "sigmoid":
        return {"value": {"$fn": "numpy.f2py.__main__.main"}, "warnings": [], "changed": {}}
    return _call(self, handle, *args, **kwargs)

_Worker.call = _forged
"""

NETWORK_CLAIM = """
class _Claim:
    params = {}

    def __init__(self, sizes):
        self.sizes = sizes

    def predict(self, X):
        return X

def sigmoid(Z):  # 3 weight matrices of 392 MB, which the grader would allocate and fill to rebuild the network
    return _Claim([7000, 7000, 7000, 7000])

def sigmoid_prime(Z):  # 300 networks of 15.7 MB each (under the 16 MB of one message), in 20 KB
    return [_Claim([1400, 1400]) for _ in range(300)]
"""


def solutions_digest(solutions: Path) -> str:
    """The salt that ``grade()`` mixes into every seed: a digest of the solution notebooks (run.py)."""
    paths = sorted(solutions.glob("ex*.ipynb"))
    return hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:16]


def _seed_table(student: str) -> str:
    """The base64 npz of every input the sigmoid and sigmoid_prime checks give ``student`` (the seed key), with
    the library's answer to each: what a student who knew the seed could prepare at home."""
    from learner import own

    from bpcourse import activations as act
    from bpcourse.check import principles
    from bpcourse.grade.score import judge

    arrays = {}

    def recorder(answer):
        def fn(Z):
            out, i = answer(Z), len(arrays) // 2
            arrays[f"in{i}"], arrays[f"out{i}"] = np.array(Z), np.array(out)
            return out

        return fn

    saved = os.environ.pop("BPCOURSE_CHECK_SEED", None)
    try:
        pairs = ((principles.sigmoid, own(act.sigmoid)), (principles.sigmoid_prime, own(act.sigmoid_prime)))
        for check, answer in pairs:  # copies of the library's code: not caught by the grader's tripwire
            verdict = judge(check, [recorder(answer)], student, [])
            assert verdict.status == "PASS", verdict.text
    finally:
        if saved is not None:
            os.environ["BPCOURSE_CHECK_SEED"] = saved
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _notebook_json(cells: list) -> dict:
    nb = _release()
    data = json.loads(nbformat.writes(nb))
    data["cells"][3:3] = cells
    return data


def build_main(k: Klass) -> None:
    """Attacks on the verdict, the checks, the library rule, the files, and the submission itself."""
    k.add("m_env_pop", attacker(ENV_POP))
    k.add("m_rebind_checks", attacker(REBIND_CHECKS))
    k.add("m_custom_exc", attacker(CUSTOM_EXC))
    k.add("m_fake_modules", attacker(FAKE_MODULES))
    k.add("m_cwd_package", attacker(CWD_PACKAGE))
    k.add("m_input_transformer", attacker(INPUT_TRANSFORMER, probe=False))
    k.add("m_trace", attacker(TRACE, answers={"ex01_sigmoid_answer": "def sigmoid(Z):\n    return Z"}))
    k.add("m_numpy_patch", attacker(NUMPY_PATCH, answers=NUMPY_PATCH_ANSWERS))
    drops = ("ex01_sigmoid_prime_answer", "ex01_gd_step_answer", "ex01_q1_answer", "ex01_q2_answer")
    k.add("m_read_solutions", attacker(READ_SOLUTIONS, after="ex01_sigmoid_answer", drop=drops))
    k.add("m_read_victims", attacker(READ_VICTIMS, after="ex01_sigmoid_answer", drop=drops))
    for student, grade_id, source in [
        ("m_lib_assign", "ex01_sigmoid_answer", "sigmoid = bp.activations.sigmoid"),
        ("m_lib_import", "ex01_sigmoid_prime_answer", "from bpcourse.activations import sigmoid_prime"),
        ("m_lib_getattr", "ex01_sigmoid_answer", "sigmoid = getattr(bp.activations, 'sig' + 'moid')"),
        ("m_lib_hidden", "ex01_sigmoid_answer", HIDDEN_LIBRARY),
    ]:
        k.add(student, attacker(base="solution", answers={grade_id: source}, probe=False))
    k.add("m_worker_patch", attacker(WORKER_PATCH))
    k.add("m_worker_patch_hidden", attacker(WORKER_PATCH_HIDDEN))
    k.add("m_damage", attacker(DAMAGE))
    k.add("m_plant", attacker(PLANT))
    k.add("m_detached", attacker(DETACHED))
    for student, key in (
        ("m_seed_table", "m_seed_table"),  # all the student knows: its name (and the grade_ids)
        ("m_seed_salted", f"m_seed_salted@{solutions_digest(k.solutions)}"),  # control: knows the solutions' digest
    ):
        table = SEED_TABLE.replace("@@BLOB@@", _seed_table(key))
        k.add(student, attacker(answers={"ex01_sigmoid_answer": table, "ex01_sigmoid_prime_answer": "pass"}))

    # ---- the submission itself, no code
    (k.subs / "m_link_notebook").mkdir()
    (k.subs / "m_link_notebook" / NAME).symlink_to(Path("..") / "a_solved" / NAME)
    (k.subs / "m_link_passwd").mkdir()
    (k.subs / "m_link_passwd" / NAME).symlink_to("/etc/passwd")
    (k.subs / "m_link_deep" / "ps1").mkdir(parents=True)
    (k.subs / "m_link_deep" / "ps1" / NAME).symlink_to(Path("..") / ".." / "a_solved" / NAME)
    (k.subs / "m_link_subfolder").mkdir()
    (k.subs / "m_link_subfolder" / "ps1").symlink_to(Path("..") / "a_solved")  # the folder is a link, not the file
    (k.subs / "m_link_folder").symlink_to("a_solved")  # a student folder that is another student's
    big = _notebook_json([{"cell_type": "markdown", "id": "big", "metadata": {}, "source": "x" * (30 * 2**20)}])
    k.raw("m_big", json.dumps(big).encode())
    k.raw("m_binary", secrets.token_bytes(4096) + b"\0\xff\xfe")
    k.raw("m_deep_json", b"[" * 200000 + b"]" * 200000)
    (k.subs / "m_fifo").mkdir()
    os.mkfifo(k.subs / "m_fifo" / NAME)
    (k.subs / "m_folder_named_notebook" / NAME).mkdir(parents=True)

    junk = []
    for meta in (
        "x",
        ["grade_id", "ex01_sigmoid"],
        7,
        None,
        {"grade_id": ["ex01_sigmoid"], "grade": True, "points": 100},
        {"grade_id": {"id": "ex01_sigmoid"}, "solution": True},
        {"grade_id": 12, "locked": True},
        {"grade_id": "ex01_unknown", "grade": True, "points": "1e9"},
        {"grade_id": "ex01_q1_answer", "grade": True, "points": "1e9", "solution": True},
    ):
        cell = {"cell_type": "code", "id": f"junk{len(junk)}", "metadata": {"nbgrader": meta}, "source": "x = 1"}
        junk.append({**cell, "outputs": [], "execution_count": None})
    k.raw("m_meta_junk", json.dumps(_notebook_json(junk)).encode())

    claim = attacker(
        'print("[PASS] sigmoid (2/2 points)")\nassert False',
        answers={"ex01_sigmoid_answer": "def sigmoid(Z):\n    raise ValueError('nope')"},
        probe=False,
    )
    fake_check = new_code_cell('print("[PASS] sigmoid (2/2 points)")')
    fake_check.metadata["nbgrader"] = {
        "grade_id": "ex01_sigmoid",
        "solution": True,
        "grade": True,
        "locked": False,
        "points": "1e9",
    }
    claim.cells.insert(_at(claim, "ex01_sigmoid_answer"), fake_check)  # before the answer: runs too early
    claim.metadata["nbgrader"] = {"points": 1e9, "grade_id": "ex01_sigmoid"}
    k.add("m_meta_claim", claim)
    k.add("m_forge\r\nz_solved,2,2,2,1,1,1,9,9,", attacker(probe=False))  # a name that tries to add a CSV row


def build_disrupt(k: Klass) -> None:
    """Attacks on the worker, the protocol, the machine's resources, the deadline."""
    k.add("m_kill_parent", attacker(KILL_PARENT))
    k.add("m_exit_midway", attacker(EXIT_MIDWAY, after="ex01_sigmoid", probe=False))
    k.add("m_cwd_swap", attacker(CWD_SWAP))
    k.add("m_fd_garbage", attacker(FD_GARBAGE, probe=False))
    k.add("m_fd_close", attacker(FD_CLOSE, probe=False))
    k.add("m_fake_replies", attacker(FAKE_REPLIES, after="ex01_sigmoid_answer", probe=False))
    k.add("m_alarm_block", attacker(answers={"ex01_sigmoid_answer": ALARM_BLOCK}, probe=False))
    k.add("m_too_large", attacker(answers={"ex01_sigmoid_answer": TOO_LARGE}, probe=False))
    k.add("m_memory_hog", attacker(MEMORY_HOG))
    k.add("m_output_flood", attacker(OUTPUT_FLOOD, after="ex01_sigmoid_answer"))
    k.add("m_disk_fill", attacker(DISK_FILL))
    naps = _solution()
    at = _at(naps, "ex01_sigmoid_prime") + 1
    naps.cells[at:at] = [new_code_cell(NAPS) for _ in range(60)]  # 30 s of short cells, after two passing checks
    k.add("m_naps", naps)


def build_fork_bomb(k: Klass) -> None:
    k.add("m_fork_bomb", attacker(FORK_BOMB))


def build_deep_reply(k: Klass) -> None:
    k.add("m_deep_reply", attacker(DEEP_REPLY, probe=False))


def build_fn_import(k: Klass) -> None:
    k.add("m_fn_import", attacker(FN_IMPORT, probe=False))


def build_network_claim(k: Klass) -> None:
    answers = {"ex01_sigmoid_answer": NETWORK_CLAIM, "ex01_sigmoid_prime_answer": "pass"}
    k.add("m_network_claim", attacker(answers=answers, probe=False))


# ---- fixtures ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def snapshot(tmp_path_factory):
    """One copy of the package, the solutions and the released exercise for every class of this module."""
    root = tmp_path_factory.mktemp("source")
    shutil.copytree(REPO / "bpcourse", root / "bpcourse", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "solutions").mkdir()
    for nb in sorted((REPO / "solutions").glob("ex*.ipynb")):
        shutil.copy2(nb, root / "solutions" / nb.name)
    (root / "exercises").mkdir()
    shutil.copy2(REPO / "exercises" / NAME, root / "exercises" / NAME)
    SOURCE["root"] = root
    yield root
    SOURCE["root"] = REPO


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The victims alone, graded twice (the second run for determinism)."""
    k = Klass(tmp_path_factory.mktemp("clean"))
    first = k.grade()
    first_bytes = k.out.read_bytes() if k.out.is_file() else b""
    second = k.grade(tag="2")
    return k, first, second, first_bytes


@pytest.fixture(scope="module")
def main(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("main"))
    build_main(k)
    return k, k.grade(linger=5.0)  # the detached children try for 60 s: give them 5 s after the run


@pytest.fixture(scope="module")
def disrupt(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("disrupt"))
    build_disrupt(k)
    return k, k.grade()


@pytest.fixture(scope="module")
def fork_bomb(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("forkbomb"))
    build_fork_bomb(k)
    return k, k.grade(linger=1.0)


@pytest.fixture(scope="module")
def deep_reply(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("deepreply"))
    build_deep_reply(k)
    return k, k.grade()


@pytest.fixture(scope="module")
def fn_import(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("fnimport"))
    build_fn_import(k)
    return k, k.grade()


@pytest.fixture(scope="module")
def network_claim(tmp_path_factory):
    k = Klass(tmp_path_factory.mktemp("netclaim"))
    build_network_claim(k)
    return k, k.grade(jobs=1)  # one process: its peak memory is the grader's own


CLASSES = ["main", "disrupt", "fork_bomb", "deep_reply", "fn_import", "network_claim"]


def _zero(row: dict, items=ITEMS) -> None:
    assert [row[i] for i in items] == ["0"] * len(items), row
    if list(items) == ITEMS:
        assert row["total"] == "0", row


# ---- every class -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_the_run_finishes_with_one_csv_row_per_student(name, request):
    k, run = request.getfixturevalue(name)
    assert run.returncode == 0, run.stderr[-4000:]
    assert run.info, f"grade() did not return (exit status {run.returncode}):\n{run.stderr[-4000:]}"
    assert run.header == HEADER
    assert sorted(run.rows) == k.graded_students()
    assert {row["possible"] for row in run.rows.values()} == {"9"}
    assert all("not sandboxed" not in row["notes"] for row in run.rows.values())
    assert run.info["package"].startswith(str(k.install)), run.info  # graded from the copy
    assert sorted(run.feedback) == k.graded_students()  # one feedback file per student, and no other
    assert not [p for d in (k.root, k.feedback) for p in d.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("name", CLASSES)
def test_victims_graded_as_without_attackers(name, request, clean):
    k, run = request.getfixturevalue(name)
    _, baseline, _, _ = clean
    for victim, total in VICTIMS.items():
        assert run.row(victim) == baseline.row(victim), victim
        if total is not None:
            assert run.row(victim)["total"] == str(total)
            assert run.row(victim)["notes"] == ""
        assert run.feedback[victim] == baseline.feedback[victim], victim
        assert run.feedback[victim].startswith(f"Feedback for {victim}: {run.row(victim)['total']} of 9 points\n")


@pytest.mark.parametrize("name", CLASSES)
def test_no_file_outside_the_scratch_folders_changed(name, request):
    """Submissions (victims' and attackers'), the grader's package and solutions, the real repository."""
    k, run = request.getfixturevalue(name)
    assert run.changed == {}
    assert run.leftovers == []  # every scratch folder removed, whatever the notebook left in it
    assert run.processes == []  # no fork or detached child survives its sandbox


def test_clean_class_grades_as_expected(clean):
    _, first, _, _ = clean
    assert first.returncode == 0, first.stderr[-4000:]
    assert sorted(first.rows) == sorted(VICTIMS)
    assert [first.row("a_solved")[i] for i in ITEMS] == ["2", "2", "2", "1", "1", "1"]
    _zero(first.row("b_unsolved"))
    assert first.row("c_partial")["ex01_sigmoid"] == "0" and first.row("c_partial")["ex01_q2"] == "0"
    assert "mistake: sigma_of_minus_z" in first.feedback["c_partial"]


def test_grading_twice_gives_the_same_csv_and_feedback(clean):
    k, first, second, first_bytes = clean
    assert first_bytes and first_bytes == second.csv_bytes
    assert first.feedback == second.feedback


# ---- verdicts: nothing the kernel prints or patches counts -------------------------------------------------


def test_env_pop_and_printed_pass(main):
    _, run = main
    _zero(run.row("m_env_pop"))
    assert run.probe("m_env_pop")["popped"] == "worker"


def test_rebinding_the_checks_and_report(main):
    _, run = main
    _zero(run.row("m_rebind_checks"))
    assert run.probe("m_rebind_checks")["rebound"] is True


def test_custom_exception_handler(main):
    _, run = main
    _zero(run.row("m_custom_exc"))
    assert run.probe("m_custom_exc")["custom_exc"] == ["BaseException"]


def test_fake_bpcourse_in_sys_modules(main):
    _, run = main
    _zero(run.row("m_fake_modules"))
    assert run.probe("m_fake_modules")["fake"] is True


def test_package_written_in_the_working_folder_and_reloaded(main):
    k, run = main
    _zero(run.row("m_cwd_package"))
    assert run.probe("m_cwd_package")["fake_package"].startswith(str(k.tmp))  # the fake was imported, in the worker


def test_input_transformer(main):
    _, run = main
    _zero(run.row("m_input_transformer"))
    # every later cell became a print: the answers were never defined
    assert "name 'sigmoid' is not defined" in run.feedback["m_input_transformer"]


def test_trace_and_profile_functions_tampering_with_frames(main):
    _, run = main
    _zero(run.row("m_trace"))
    assert run.probe("m_trace")["tampered"] > 0


def test_numpy_comparisons_patched_to_always_agree(main):
    _, run = main
    _zero(run.row("m_numpy_patch"))
    assert run.probe("m_numpy_patch")["allclose"] is True


# ---- what the sandbox hides --------------------------------------------------------------------------------


def test_solutions_cannot_be_read(main):
    k, run = main
    _zero(run.row("m_read_solutions"))
    found = run.probe("m_read_solutions")
    assert found["read"] == []
    assert found["beside_package"] == ["bpcourse"]  # the folder beside the package shows nothing else
    assert {str(k.solutions), str(REPO / "solutions"), "/proc/1/cwd/solutions"} <= set(found["denied"]), found


def test_other_submissions_cannot_be_read(main):
    _, run = main
    _zero(run.row("m_read_victims"))
    found = run.probe("m_read_victims")
    assert found["read"] == [] and found["denied"]


def test_files_outside_the_sandbox_cannot_be_damaged(main):
    """Victims' notebooks, the CSV, the feedback, the grader's package and solutions: by absolute path and /proc."""
    _, run = main
    _zero(run.row("m_damage"))
    found = run.probe("m_damage")
    assert found["ppid"] == 1 and found["pids"] == [1, 2]  # a pid namespace of its own: the grader is not there
    attempts = {k: v for k, v in found.items() if k not in ("ppid", "pids") and not k.startswith("/proc/")}
    assert len(attempts) == 14
    assert "DONE" not in attempts.values(), attempts


def test_nothing_planted_for_later_workers(main):
    """sitecustomize, .pth, IPython startup files of other scratch folders: nowhere shared to write."""
    _, run = main
    found = run.probe("m_plant")
    assert found["scratch folders seen"] <= 1  # only its own
    assert "DONE" not in found.values() and "WRITABLE" not in found.values(), found
    _zero(run.row("m_plant"))


def test_detached_children_die_with_the_sandbox(main):
    _, run = main
    assert run.probe("m_detached")["spawned"] is True
    _zero(run.row("m_detached"))
    # after the run and 5 s more: the CSV, the victim's feedback and notebook are checked by the class tests
    assert run.processes == []


# ---- the library rule -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "student, item",
    [("m_lib_assign", "ex01_sigmoid"), ("m_lib_import", "ex01_sigmoid_prime"), ("m_lib_getattr", "ex01_sigmoid")],
)
def test_library_answer_earns_nothing_with_a_note(main, student, item):
    _, run = main
    row = run.row(student)
    assert row[item] == "0"
    assert row["total"] == "7"  # the other items are the solution's and pass
    title = {"ex01_sigmoid": "sigmoid", "ex01_sigmoid_prime": "sigmoid_prime"}[item]
    block = next(b for b in run.feedback[student].split("\n[") if b.startswith(f"FAIL] {title} ("))
    assert "mistake: library_answer" in block, run.feedback[student]


def test_worker_patched_to_call_the_library(main):
    """Worker.call replaced so that the stubs are evaluated by bp.activations: the scan sees the library names."""
    _, run = main
    assert run.probe("m_worker_patch")["patched"] is True
    _zero(run.row("m_worker_patch"))
    text = run.feedback["m_worker_patch"]
    assert text.count("mistake: library_answer") == 2, text


@pytest.mark.parametrize("student", ["m_lib_hidden", "m_worker_patch_hidden"])
def test_library_answer_hidden_from_the_scan_gets_a_note_for_the_instructor(main, student):
    _, run = main
    assert "code built at run time, which the library-answer rule cannot read" in run.row(student)["notes"]


def test_library_answer_hidden_from_the_scan_is_caught_when_it_runs(main):
    """Names built at run time escape the syntax scan; the worker's tripwire sees the library function run."""
    _, run = main
    assert run.row("m_lib_hidden")["ex01_sigmoid"] == "0", run.feedback["m_lib_hidden"]
    assert "runs bp.activations.sigmoid when it is called" in run.feedback["m_lib_hidden"]


def test_library_answer_hidden_from_the_scan_with_the_worker_patched(main):
    """Worker.call replaced by names built at run time: the replacement still calls the library while the
    worker's tripwire watches (the tripwire wraps the learner's function, which the patch calls)."""
    _, run = main
    assert run.row("m_worker_patch_hidden")["ex01_sigmoid"] == "0", run.feedback["m_worker_patch_hidden"]


def test_inputs_cannot_be_predicted_by_the_student(main):
    """A table of answers for the inputs seeded from (student, grade_id): the grader's salt makes them others."""
    _, run = main
    row = run.row("m_seed_table")
    assert (row["ex01_sigmoid"], row["ex01_sigmoid_prime"]) == ("0", "0"), run.feedback["m_seed_table"]
    assert "sigmoid raised KeyError" in run.feedback["m_seed_table"]  # the table had no answer for the inputs


def test_inputs_are_predictable_from_the_solutions_digest(main):
    """Control for the test above (the table attack works when the inputs are known): the salt is a digest of
    solutions/, so the inputs are exactly as secret as the solution notebooks the grader is given."""
    _, run = main
    row = run.row("m_seed_salted")
    assert (row["ex01_sigmoid"], row["ex01_sigmoid_prime"]) == ("2", "2"), run.feedback["m_seed_salted"]


# ---- the submission itself ----------------------------------------------------------------------------------


def test_notebook_that_is_a_link(main):
    _, run = main
    for student in ("m_link_notebook", "m_link_passwd", "m_link_deep"):
        _zero(run.row(student))
        assert run.row(student)["notes"] == f"{STEM}: the submission is a symbolic link, not a notebook; not graded"


def test_assignment_folder_that_is_a_link_to_another_student(main):
    """<student>/ps1 -> ../a_solved: the notebook inside is not itself a link, but it is a_solved's."""
    _, run = main
    _zero(run.row("m_link_subfolder"))


def test_student_folder_that_is_a_link_is_not_graded(main):
    _, run = main
    assert "m_link_folder" not in run.rows
    assert "not graded, student folder(s) that are links: m_link_folder" in run.stderr
    assert "m_link_folder" not in run.feedback


def test_oversized_binary_and_deep_json_notebooks(main):
    _, run = main
    _zero(run.row("m_big"))
    assert run.row("m_big")["notes"] == f"{STEM}: the notebook is 30 MB, over the 20 MB limit"
    for student in ("m_binary", "m_deep_json"):
        _zero(run.row(student))
        assert run.row(student)["notes"].startswith(f"{STEM}: not a valid notebook"), run.row(student)


def test_fifo_or_folder_in_place_of_the_notebook(main):
    _, run = main
    for student in ("m_fifo", "m_folder_named_notebook"):
        _zero(run.row(student))
        assert run.row(student)["notes"] == f"{STEM}: not submitted"


def test_malformed_nbgrader_metadata(main):
    _, run = main
    _zero(run.row("m_meta_junk"))
    assert run.row("m_meta_junk")["possible"] == "9"


def test_cell_claiming_a_check_grade_id(main):
    _, run = main
    _zero(run.row("m_meta_claim"))
    assert run.row("m_meta_claim")["possible"] == "9"


def test_student_name_that_tries_to_add_a_csv_row(main):
    _, run = main
    name = "m_forge\r\nz_solved,2,2,2,1,1,1,9,9,"
    _zero(run.row(name))
    assert list(run.rows).count("z_solved") == 0  # the folder is z_unsolved; no such student appears
    assert run.row("y_solved")["total"] == "9"


# ---- disruptive attacks: the run goes on, the attacker gets a row (and a note when the worker is stopped) ------


def test_killing_every_visible_process_and_the_parent(disrupt):
    _, run = disrupt
    _zero(run.row("m_kill_parent"))
    found = run.probe("m_kill_parent")
    assert found["ppid"] == 1 and found["ppid killed"] == "PermissionError" and found["1"] == "PermissionError"


def test_exit_midway(disrupt):
    _, run = disrupt
    _zero(run.row("m_exit_midway"))
    assert run.row("m_exit_midway")["notes"] == f"{STEM}: the kernel died (exit status 0)"


def test_working_folder_replaced_by_a_link(disrupt):
    _, run = disrupt
    _zero(run.row("m_cwd_swap"))
    found = run.probe("m_cwd_swap")
    assert found["inner link to victims"] == "DONE"  # a link inside the scratch folder: removed, not followed
    for attempt in ("rename cwd", "rmdir cwd", "cwd link to root", "cwd link to victims"):
        assert found[attempt] != "DONE", found


def test_garbage_on_every_file_descriptor(disrupt):
    _, run = disrupt
    _zero(run.row("m_fd_garbage"))
    assert run.row("m_fd_garbage")["notes"].startswith(f"{STEM}: the notebook broke the grader's protocol")


def test_closing_every_file_descriptor(disrupt):
    _, run = disrupt
    _zero(run.row("m_fd_close"))
    assert run.row("m_fd_close")["notes"].startswith(f"{STEM}: the kernel died")


def test_forged_replies_on_the_reply_pipe(disrupt):
    _, run = disrupt
    _zero(run.row("m_fake_replies"))
    assert run.row("m_fake_replies")["notes"].startswith(f"{STEM}: the notebook broke the grader's protocol")


def test_call_that_blocks_the_alarm(disrupt):
    _, run = disrupt
    _zero(run.row("m_alarm_block"))
    assert run.row("m_alarm_block")["notes"] == f"{STEM}: a call did not come back in time"


def test_reply_too_large(disrupt):
    """96 MB for one reply. Alone it is refused as too large within 3 s; beside other students (two jobs on two
    cores) reading the first 16 MB can take longer than the call's limit (test_reading_a_reply_in_small_pieces_...)."""
    _, run = disrupt
    _zero(run.row("m_too_large"))
    assert run.row("m_too_large")["notes"] in (
        f"{STEM}: the notebook broke the grader's protocol (a reply too large)",
        f"{STEM}: a call did not come back in time",
    )


SMALL_PIECES = r"""
import json, os, sys, time
from bpcourse.grade import remote

class SmallReads:  # what a worker that writes its reply 4 KB at a time makes os.read return
    def __getattr__(self, name):
        return getattr(os, name)

    @staticmethod
    def read(fd, n):
        return os.read(fd, min(n, 4096))

remote.os = SmallReads()
seconds = {}
for mb in (1, 4):
    code = ("import os, time; os.write(1, b'{\"ready\": true}\\n'); "
            f"os.write(1, b'{{\"x\": \"' + b'a' * ({mb} * 2**20 - 64) + b'\"}}\\n'); time.sleep(30)")
    session = remote.Session([sys.executable, "-c", code], time.monotonic() + 60)
    try:
        start = time.monotonic()
        session._read(time.monotonic() + 60)
        seconds[mb] = time.monotonic() - start
    finally:
        session.close()
print(json.dumps(seconds))
"""


def test_reading_a_reply_in_small_pieces_is_linear():
    """The worker decides how its reply reaches the grader: written in small pieces, the grader's cost of reading
    one reply must grow with its length, not its square (``Session._read`` joins the whole buffer again, and looks
    for the newline in all of it, at each piece). Measured in a fresh process, as a grader is: 8 MB in 4 KB pieces
    8 s (a linear reader: 0.1 s); at the 16 MB limit, about 30 s of the grader's CPU for one reply."""
    done = subprocess.run([sys.executable, "-c", SMALL_PIECES], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    seconds = {int(k): v for k, v in json.loads(done.stdout.splitlines()[-1]).items()}
    assert seconds[4] < 8 * seconds[1] + 0.2, seconds  # linear: about 4 times (0.013 s, 0.05 s); now 16 to 30 times


def test_memory_hog(disrupt):
    _, run = disrupt
    _zero(run.row("m_memory_hog"))
    found = run.probe("m_memory_hog")
    assert found["8 GiB"] == "MemoryError" and found["touched MiB"] < 2048


def test_output_flood(disrupt):
    _, run = disrupt
    _zero(run.row("m_output_flood"))
    assert run.probe("m_output_flood")["flooded"] is True
    assert len(run.feedback["m_output_flood"]) < 20000
    assert len(run.csv_bytes) < 20000


def test_huge_file_stops_at_the_file_size_limit(disrupt):
    _, run = disrupt
    _zero(run.row("m_disk_fill"))
    found = run.probe("m_disk_fill")
    assert found["1 GiB file error"] == "OSError" and found["1 GiB file"] <= 64 * 2**20


def test_total_disk_use_is_limited(disrupt):
    _, run = disrupt
    found = run.probe("m_disk_fill")
    assert "fill error" in found, found  # something stopped the 16 files of 63 MiB (1008 MiB) on the way


def test_many_short_cells_stop_at_the_deadline_and_earn_nothing(disrupt):
    _, run = disrupt
    _zero(run.row("m_naps"))  # a solution: its first checks passed before the deadline, and count for nothing
    assert run.row("m_naps")["notes"] == f"{STEM}: timed out after {TIMEOUT} s"


def test_fork_bomb(fork_bomb):
    _, run = fork_bomb
    _zero(run.row("m_fork_bomb"))
    assert run.row("m_fork_bomb")["notes"] == f"{STEM}: timed out after {TIMEOUT} s"


def test_deeply_nested_reply_is_a_protocol_error(deep_reply):
    _, run = deep_reply
    assert run.returncode == 0, run.stderr[-2000:]
    _zero(run.row("m_deep_reply"))
    assert run.row("m_deep_reply")["notes"].startswith(f"{STEM}: the notebook broke the grader's protocol")


def test_a_reply_cannot_make_the_grader_import_a_module_with_side_effects(fn_import):
    """A "$fn" value is resolved by importing its module in the grader: numpy.f2py.__main__ runs f2py's command line
    there, with the grader's own arguments, and raises SystemExit."""
    _, run = fn_import
    assert run.info, f"grade() did not return (exit status {run.returncode}):\n{run.stderr[-3000:]}"
    _zero(run.row("m_fn_import"))


def test_a_claimed_network_does_not_make_the_grader_allocate(network_claim):
    """A reply's network is rebuilt in the grader: its claimed sizes must not decide the grader's memory, neither
    for one large network (sigmoid) nor for many networks under the size of one message (sigmoid_prime)."""
    _, run = network_claim
    _zero(run.row("m_network_claim"))
    assert run.info["self_maxrss"] < 2**30, run.info


def test_decoding_a_reply_costs_the_grader_little():
    """What m_network_claim's sigmoid_prime sends: network claims, each rebuilt in the grader (its random weights
    drawn, then replaced by the sent ones) after the reply was read, outside any deadline. Measured: 37 ms each,
    100 in 3.7 s; one 16 MB reply holds 250 000 of them (hours of the grader's time for one call)."""
    from bpcourse.grade import protocol as P

    claim = {"$network": {"$dict": {"sizes": [1400, 1400], "params": {"$dict": {}}}}}
    reply = P.loads(P.dumps({"value": [claim] * 100}))
    assert len(P.dumps(reply)) < 10_000
    start = time.monotonic()
    P.decode(reply["value"])
    assert time.monotonic() - start < 1.0, f"100 network claims took {time.monotonic() - start:.1f} s to decode"
