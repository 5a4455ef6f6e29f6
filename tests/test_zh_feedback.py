"""The checks speak Chinese as precisely as English: every wrong answer of every check catalog, run in both.

The catalogs are the ones tests/test_check_*.py already hold (wrong answers written before and after
reading what the checks print). Each answer is checked twice with the same random inputs
(``BPCOURSE_CHECK_SEED``), in English and after ``bp.set_language("zh")``. The Chinese feedback must

- give the same verdict ([PASS], [FAIL], [TODO]) and points;
- hold Chinese, and no English sentence (code, names and formulas aside);
- keep every number of the English feedback (a shape, a factor, an index, a tolerance): a translation
  that drops "m = 8" or "(3, 4)" is less specific than the English.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
from collections import Counter
from pathlib import Path

import pytest

import bpcourse as bp

pytest.importorskip("babel")
if not hasattr(os, "fork"):
    pytest.skip("runs each language in a forked process (POSIX)", allow_module_level=True)

import test_check_capstone as T_capstone  # noqa: E402
import test_check_derivation as T_derivation  # noqa: E402
import test_check_graphs as T_graphs  # noqa: E402
import test_check_improvements as T_improvements  # noqa: E402
import test_check_limitations as T_limitations  # noqa: E402
import test_check_principles as T_principles  # noqa: E402
import test_check_steps as T_steps  # noqa: E402


def _cases():
    for mod in (T_principles, T_steps, T_derivation, T_limitations, T_improvements, T_capstone):
        for name in ("CASES", "UNSEEN"):
            for i, (check, impl, _expected) in enumerate(getattr(mod, name, [])):
                impls = impl if isinstance(impl, tuple) else (impl,)
                yield pytest.param(check, impls, id=f"{mod.__name__[11:]}-{name}-{i}-{check.__name__}")
    for i, (check, impl, mistake, _words) in enumerate(T_graphs.CATALOG):
        impls = impl if isinstance(impl, tuple) else (impl,)
        yield pytest.param(check, impls, id=f"graphs-CATALOG-{i}-{mistake}")


CODE = re.compile(r"`[^`]*`|'[^'\n]*'|\"[^\"\n]*\"|\b\w+\(|\w*_\w*|\b[A-Za-z]\w*\.\w+")
# three English words in a row (of two letters or more): a sentence or a phrase left untranslated
ENGLISH = re.compile(r"\b[A-Za-z][a-z]+(?:[ ,:;-]+[A-Za-z][a-z]+){2,}\b")
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")
HAN = re.compile(r"[\u4e00-\u9fff]")


def feedback(check, impls, language) -> str:
    """What ``check(*impls)`` prints in ``language``, run in a forked copy of this process.

    Some catalog answers keep state between calls (a cached result, a counter), so a second call in the same
    process would not be the same answer; each language gets a fresh copy of the state the test started from.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, send what was printed, leave without running pytest's exit handlers
        code = 0
        try:
            os.close(read)
            out = io.StringIO()
            bp.set_language(language)
            with contextlib.redirect_stdout(out):
                check(*impls)
            os.write(write, out.getvalue().encode("utf-8"))
        except BaseException as e:  # noqa: BLE001 - reported by the parent
            os.write(write, f"\0{type(e).__name__}: {e}".encode())
            code = 1
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read().decode("utf-8")
    os.waitpid(pid, 0)
    assert not data.startswith("\0"), f"the check raised in {language}: {data[1:]}"
    return data


@functools.cache
def templates() -> tuple[str, ...]:
    """Every English template of the library's catalog."""
    from babel.messages.pofile import read_po

    with PO.open("rb") as f:
        return tuple(m.id for m in read_po(f) if m.id)


PO = Path(bp.__file__).with_name("locale") / "zh" / "LC_MESSAGES" / "bpcourse.po"


def foreign(run: str, english: str) -> bool:
    """English the course did not write: NumPy's words in an exception the learner's code raised, quoted in
    both languages ("ValueError: operands could not be broadcast together ..."). It is in the English
    feedback too, and in none of the library's templates."""
    return run in english and not any(run in template for template in templates())


@pytest.fixture
def learner_seed(monkeypatch):
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", "1")
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


@pytest.mark.parametrize(("check", "impls"), list(_cases()))
def test_chinese_feedback_is_as_specific_as_the_english(check, impls, learner_seed):
    english = feedback(check, impls, "en")
    chinese = feedback(check, impls, "zh")
    assert english.split()[:1] == chinese.split()[:1], (english, chinese)  # the verdict
    points = re.compile(r"\((\d+(?:\.\d+)?)/(\d+(?:\.\d+)?)")
    assert points.findall(english)[-1:] == points.findall(chinese)[-1:], (english, chinese)
    if english.startswith("[PASS]"):
        return
    assert HAN.search(chinese), f"no Chinese in:\n{chinese}"
    prose = CODE.sub(" ", chinese)
    left = [run for run in ENGLISH.findall(prose) if not foreign(run, english)]
    assert not left, f"English left in the Chinese feedback: {left}\n{chinese}"
    lost = Counter(NUMBER.findall(CODE.sub(" ", english))) - Counter(NUMBER.findall(CODE.sub(" ", chinese)))
    assert not lost, f"numbers of the English feedback missing in Chinese: {sorted(lost)}\n{english}\n{chinese}"


def test_the_feedback_test_sees_english_and_lost_numbers():
    assert ENGLISH.findall(CODE.sub(" ", "形状不对：expected a column vector, got `(3, 4)`")) == ["column vector, got"]
    assert not foreign("learning rate", "the learning rate α is missing: θ − α·g")  # words of a template
    assert foreign("operands could not be broadcast", "raised ValueError: operands could not be broadcast")
    assert not ENGLISH.findall(CODE.sub(" ", "σ′(z) 用的是 σ(z)：先调用 `sigmoid`，再用 np.where 和 W1_grad"))
    assert Counter(NUMBER.findall("m = 8 (3, 4) 1e-05")) == Counter(["8", "3", "4", "1e-05"])
