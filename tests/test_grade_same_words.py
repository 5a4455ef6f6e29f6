"""The same answer gets the same words both ways: a check run in the kernel (as nbgrader and the learner's
notebook run it) and the same check run by ``bpcourse grade`` in its own process, on the answer evaluated in a
worker, print the same block. Over the whole held-out catalog of benchmarks/diagnosis_catalog.py."""

from __future__ import annotations

import contextlib
import io
import sys
import time
from pathlib import Path

import pytest

from bpcourse.grade import run, score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from diagnosis_catalog import CATALOG  # noqa: E402

STUDENT = "same-words"
# train_digits trains a network per entry (seconds each): two of them are enough here
ENTRIES = [e for e in CATALOG if e.item != "ex06_train_digits"] + [e for e in CATALOG if e.item == "ex06_train_digits"][
    :2
]


@pytest.fixture(scope="module")
def session():
    import tempfile

    scratch = Path(tempfile.mkdtemp(prefix="bpcourse-same-words-"))
    settings = run.Settings(timeout=3600, sandboxed=False, why_not="test")
    s = run.start_session(settings, scratch, time.monotonic() + 3600)
    reply = s.run(f"import sys\nsys.path.insert(0, {str(ROOT / 'benchmarks')!r})\nimport diagnosis_catalog as C")
    assert reply["error"] is None, reply
    yield s
    s.close()


def _check(entry):
    import importlib

    chapter, name = entry.check.split(".")
    return getattr(importlib.import_module(f"bpcourse.check.{chapter}"), name)


def _reset(impl) -> None:
    for f in impl if isinstance(impl, tuple) else (impl,):
        getattr(f, "reset", lambda: None)()


def in_kernel(entry, monkeypatch) -> str:
    monkeypatch.setenv("BPCOURSE_GRADING", "1")
    monkeypatch.setenv("BPCOURSE_GRADE_SEED", STUDENT)
    monkeypatch.delenv("BPCOURSE_CHECK_SEED", raising=False)
    _reset(entry.impl)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            _check(entry)(*(entry.impl if isinstance(entry.impl, tuple) else (entry.impl,)))
        except AssertionError:
            pass
    return out.getvalue().rstrip("\n")


def by_the_grader(entry, session, monkeypatch) -> str:
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("BPCOURSE_GRADE_SEED", raising=False)
    monkeypatch.delenv("BPCOURSE_CHECK_SEED", raising=False)
    i = CATALOG.index(entry)
    n = len(entry.impl) if isinstance(entry.impl, tuple) else 1
    reply = session.run(
        f"impl = C.CATALOG[{i}].impl\n"
        "for f in (impl if isinstance(impl, tuple) else (impl,)):\n"
        "    getattr(f, 'reset', lambda: None)()\n" + ("f0, f1 = impl" if n == 2 else "f0 = impl")
    )
    assert reply["error"] is None, reply
    values = session.resolve([f"f{k}" for k in range(n)])
    return score.judge(_check(entry), values, STUDENT, []).text


@pytest.mark.parametrize("entry", ENTRIES, ids=[f"{e.item}:{CATALOG.index(e)}" for e in ENTRIES])
def test_the_kernel_and_the_grader_print_the_same_block(entry, session, monkeypatch):
    here = in_kernel(entry, monkeypatch)
    there = by_the_grader(entry, session, monkeypatch)
    assert here.startswith("[")
    assert there == here
