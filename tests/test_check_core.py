"""The check machinery: a check never crashes the notebook, names the problem, and raises only under a grader."""

from __future__ import annotations

import functools
import threading
import time

import numpy as np
import pytest
from learner import own

import bpcourse as bp
from bpcourse.check import core
from bpcourse.check import principles as P


@pytest.fixture(autouse=True)
def learner_mode(monkeypatch):
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", "3")
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(core, "TIME_LIMIT", 0.5)


def run(check, fn, capsys) -> str:
    assert check(fn) is None  # a cell shows the printed block only
    return capsys.readouterr().out


def test_pass_block_is_one_line(capsys):
    assert run(P.sigmoid, own(bp.activations.sigmoid), capsys) == "[PASS] sigmoid (2/2 points)\n"


def test_untouched_stub_is_not_implemented_yet(capsys):
    def sigmoid(Z):
        # YOUR CODE HERE
        raise NotImplementedError()

    out = run(P.sigmoid, sigmoid, capsys)
    assert out == (
        "[TODO] sigmoid (0/2 points)\n"
        "       not implemented yet: replace `raise NotImplementedError()` with your code, then run this cell again\n"
    )


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (lambda Z: 1 / 0, "sigmoid raised ZeroDivisionError: division by zero"),
        (lambda Z: None, "sigmoid(Z) is None: did you forget the `return` statement?"),
        (lambda Z: "0.5", "sigmoid(Z) should be a NumPy array of numbers; got str"),
        (lambda Z: (Z, Z), "expected sigmoid(Z) of shape (3, 5), got (2, 3, 5)"),
        (lambda Z: np.full(Z.shape, np.nan), "holds 15 NaN or inf value(s), the first at index (0, 0)"),
        (lambda Z: bp.activations.sigmoid(Z).T, "expected sigmoid(Z) of shape (3, 5), got (5, 3): did you transpose"),
        (42, "sigmoid should be a function; got int"),
    ],
)
def test_problems_become_messages(fn, message, capsys):
    out = run(P.sigmoid, fn, capsys)
    assert out.startswith("[FAIL] sigmoid (0/2 points)\n") and message in out, out


def test_an_endless_loop_is_stopped_even_if_it_catches_exceptions(capsys):
    def sigmoid(Z):
        while True:
            try:
                time.sleep(0.01)
            except Exception:
                pass

    t0 = time.perf_counter()
    out = run(P.sigmoid, sigmoid, capsys)
    assert time.perf_counter() - t0 < 3
    assert "sigmoid did not finish within 0.5 s and was stopped: is there an endless loop" in out


def test_the_time_limit_also_works_outside_the_main_thread(capsys):
    stop = threading.Event()

    def sigmoid(Z):
        while not stop.is_set():
            time.sleep(0.01)

    worker = threading.Thread(target=P.sigmoid, args=(sigmoid,))
    worker.start()
    worker.join(5)
    stop.set()
    assert not worker.is_alive()
    assert "did not finish within 0.5 s" in capsys.readouterr().out


def test_a_bug_in_a_check_is_reported_not_raised(capsys):
    @core.item("demo", 1, "demo")
    def broken(fn):
        raise KeyError("oops")

    assert broken(None) is None
    assert (
        capsys.readouterr().out
        == "[FAIL] demo (0/1 point)\n       the check could not run your code: KeyError: 'oops'\n"
    )


@pytest.mark.parametrize(("name", "value"), [("BPCOURSE_GRADING", "1"), ("NBGRADER_EXECUTION", "autograde")])
def test_under_a_grader_a_failing_check_raises(name, value, monkeypatch, capsys):
    monkeypatch.setenv(name, value)
    assert core.grading()
    P.sigmoid(own(bp.activations.sigmoid))  # passing: no exception
    with pytest.raises(AssertionError, match=r"(?s)ex01_sigmoid: \[FAIL\] sigmoid .*wrong sign"):
        P.sigmoid(lambda Z: 1 / (1 + np.exp(Z)))

    def stub(Z):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        P.sigmoid(stub)
    assert capsys.readouterr().out.count("[") == 3  # the learner's blocks are printed too


def test_inputs_are_fresh_each_run_so_a_recorded_output_fails(monkeypatch, capsys):
    monkeypatch.delenv("BPCOURSE_CHECK_SEED")
    recorded = []

    def replay(Z):
        if not recorded:
            recorded.append(bp.activations.sigmoid(Z))
        return recorded[0] if Z.shape == recorded[0].shape else bp.activations.sigmoid(Z)

    P.sigmoid(replay)  # the check itself calls twice on fresh inputs of one shape
    out = capsys.readouterr().out
    assert out.startswith("[FAIL]") and "gave the answer of an earlier input" in out, out


def test_same_tolerates_rounding_but_not_changes():
    x = np.array([0.1, 0.7])
    assert core._same(x, (x + 1e-5) - 1e-5)
    assert not core._same(x, x + 1e-6)
    assert core._same({"a": [x, 1]}, {"a": [x.copy(), 1]})
    assert not core._same({"a": x}, {"b": x})


def test_multiple_choice_answers_are_not_stored_in_clear():
    source = open(P.__file__, encoding="utf-8").read()
    assert core.answer_digest("ex01_q1", "b") in source
    assert 'return "b"' not in source


def test_in_a_jupyter_kernel_an_endless_loop_is_stopped_and_the_notebook_goes_on(monkeypatch):
    import os
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    root = Path(__file__).resolve().parents[1]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]))
    code = [
        "import bpcourse as bp\nbp.check.core.TIME_LIMIT = 1.0",
        "def sigmoid(Z):\n    while True:\n        pass",
        "bp.check.principles.sigmoid(sigmoid)",
        "print('still running')",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in code])
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    assert "did not finish within 1 s" in nb.cells[2].outputs[0]["text"]
    assert nb.cells[3].outputs[0]["text"] == "still running\n"


MC = [("principles", "q1", "b"), ("principles", "q3", "c"), ("steps", "q1", "c"), ("derivation", "q1", "a")]
MC += [("limitations", "q2", "b"), ("improvements", "q1", "c"), ("capstone", "q1", "b")]
NUMERIC = [
    ("principles", "q2", 3 - 0.1 * 2 * 3, [3 + 0.6, 3 - 0.1 * 3, 0.6]),  # wrong sign, no factor 2, the step only
    ("steps", "q2", 43, [35, 47, 60]),  # no biases, biases on the input too, a product of widths
    ("derivation", "q2", 2000, [2, 3000]),  # one per pass, three per parameter
    ("limitations", "q1", 0.25, [1.0, 0.0]),
    ("improvements", "q2", 0.01, [0.05, 0.001, 0.1]),  # α·g, no bias correction, α/(1 − β1)
    ("capstone", "q2", 17226, [17024, 17098, 17290]),
]


@pytest.mark.parametrize(("module", "question", "right"), MC)
def test_multiple_choice_accepts_only_the_right_letter(module, question, right, capsys):
    check = getattr(getattr(bp.check, module), question)
    for letter in "abcd":
        check(lambda letter=letter: letter)
        out = capsys.readouterr().out
        assert out.startswith("[PASS]" if letter == right else "[FAIL]"), (letter, out)


@pytest.mark.parametrize(("module", "question", "right", "wrong"), NUMERIC)
def test_numeric_questions_refuse_typical_wrong_answers(module, question, right, wrong, capsys):
    check = getattr(getattr(bp.check, module), question)
    check(lambda: right)
    assert capsys.readouterr().out.startswith("[PASS]")
    for value in wrong:
        check(lambda value=value: value)
        assert "is not right" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("module", "question", "value", "words"),
    [
        ("derivation", "q2", 1000, "half the right value: a forgotten factor 2"),
        ("limitations", "q1", 0.5, "twice the right value"),
        ("principles", "q2", 3.6, "a step up the slope"),
        ("principles", "q2", -2.4, "the wrong sign"),
    ],
)
def test_numeric_questions_name_typical_slips(module, question, value, words, capsys):
    getattr(getattr(bp.check, module), question)(lambda: value)
    assert words in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, how",
    [
        (bp.activations.sigmoid, "is bp.activations.sigmoid itself"),
        (functools.partial(bp.activations.sigmoid), "is bp.activations.sigmoid itself"),
    ],
)
def test_the_library_function_itself_earns_nothing(answer, how, capsys):
    out = run(P.sigmoid, answer, capsys)
    assert out.startswith("[FAIL] sigmoid (0/2 points)") and how in out
    assert "the library's own version of what this item asks you to write" in out


def test_in_a_notebook_a_cell_that_uses_the_library_function_fails_the_item(monkeypatch, capsys):
    from bpcourse.check import report

    cells = [
        "import bpcourse as bp",
        "def sigmoid(Z):\n    return bp.activations.sigmoid(Z)",
        "bp.check.principles.sigmoid(sigmoid)",
    ]
    monkeypatch.setattr(report, "_learner_cells", lambda: [c for c in cells if not report._CHECK_CELL.fullmatch(c)])
    out = run(P.sigmoid, lambda Z: bp.activations.sigmoid(Z), capsys)
    assert out.startswith("[FAIL] sigmoid (0/2 points)")
    assert "line 2 of the cell that starts 'def sigmoid(Z):' calls bp.activations.sigmoid" in out
    assert run(P.sigmoid_prime, own(bp.activations.sigmoid_prime), capsys).startswith("[PASS]")  # allowed there


def test_a_library_function_reached_by_a_name_built_at_run_time_is_caught_when_it_runs(monkeypatch, capsys):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")  # the tripwire watches under a grader only
    module = getattr(bp, "".join(["activ", "ations"]))

    def sigmoid(Z):
        return getattr(module, "sig" + "moid")(Z)

    with pytest.raises(AssertionError, match="sigmoid runs bp.activations.sigmoid when it is called"):
        P.sigmoid(sigmoid)
    P.sigmoid_prime(own(bp.activations.sigmoid_prime))  # a copy of the library's code: passes, no exception
    monkeypatch.delenv("NBGRADER_EXECUTION")
    capsys.readouterr()
    assert run(P.sigmoid, sigmoid, capsys).startswith("[PASS]")  # in a learner's notebook: not watched
