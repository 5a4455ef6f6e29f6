"""Fixtures shared by the tests of the exercise checks (tests/test_check_*.py)."""

from __future__ import annotations

import pytest


@pytest.fixture(params=[1, 2], ids=["seed1", "seed2"])
def check_seed(request, monkeypatch):
    """Learner mode (no grader variables) with the checks' random inputs drawn from seed 1, then seed 2."""
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", str(request.param))
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


@pytest.fixture
def expect_feedback(capsys):
    """``expect_feedback(expected)``: the check just run printed one block, [PASS] or a [FAIL] holding ``expected``."""

    def expect(expected: str) -> None:
        out = capsys.readouterr().out
        assert expected in out, out
        assert out.startswith("[PASS]" if expected == "[PASS]" else "[FAIL]"), out

    return expect
