"""The diagnosis engine: generic relations, reference switches and their pairs, odd return values, progress."""

from __future__ import annotations

import re
import string
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from learner import own

import bpcourse as bp
from bpcourse.check import CHAPTERS, compare, mistakes, report
from bpcourse.check.calling import Mistake
from bpcourse.check.diagnose import Reference, close, diagnose, lag, relations, swapped

ROOT = Path(__file__).resolve().parents[1]
E = np.array([[0.2, 1.5, -0.7], [2.0, -1.1, 0.4]])


def ids(got, expected=E, m=None):
    found = relations(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), m)
    return None if found is None else found.id


@pytest.mark.parametrize(
    ("got", "mistake_id"),
    [
        (-E, "sign"),
        (2 * E, "twice"),
        (E / 2, "half"),
        (3 * E, "times_m"),
        (E / 3, "over_m"),
        (1.7 * E, "factor"),
        (E * np.log(10.0), "log_base"),
        (0 * E, "zero"),
        (E + 0.25, "offset"),
        (E * E, "squared"),
        (np.abs(E), "abs"),
        (np.floor(E), "rounded"),
        (np.exp(E), "exp_of"),
        (1 / E, "reciprocal"),
        (1 - E, "one_minus"),
        (E[::-1], "rows_permuted"),
        (np.roll(E, 1, axis=1), "shifted"),
        (E[:, [1, 0, 2]], "cols_permuted"),
    ],
)
def test_generic_relations_are_named(got, mistake_id):
    assert ids(got, m=3) == mistake_id


def test_roots_logs_transposes_and_permutations():
    P = np.abs(E) + 0.1
    assert ids(np.sqrt(P), P) == "root"
    assert ids(np.log(P), P) == "log_of"
    S = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert ids(S.T, S) == "transposed"
    v = np.array([0.3, -1.2, 2.5, 0.9])
    assert ids(v[[1, 3, 0, 2]], v) == "permuted"


def test_a_few_wrong_rows_are_located():
    got = E.copy()
    got[1] += 1.0
    got = np.vstack([got, E, E])
    found = relations(got, np.vstack([E, E, E]))
    assert found.id == "partly" and "row(s) 1" in found.text


def test_unrelated_values_get_no_name():
    rng = np.random.default_rng(0)
    assert ids(rng.normal(size=E.shape)) is None


def test_a_ratio_of_one_number_is_named_only_when_it_is_a_known_slip():
    assert diagnose(np.float64(2.0), np.float64(1.0)).id == "twice"
    found = diagnose(np.float64(1.37), np.float64(1.0))
    assert found is None or found.id not in ("factor", "offset")


def _power(x, exponent=2, scale=1.0, shift=0.0):
    return scale * x**exponent + shift


POWER = Reference(_power, {"demo_cube": {"exponent": 3}, "demo_scaled": {"scale": 5.0}, "demo_shift": {"shift": 1.0}})
mistakes.define("demo_cube", "cubed, not squared")
mistakes.define("demo_scaled", "scaled by 5")
mistakes.define("demo_shift", "shifted by 1")


def test_reference_switches_and_their_pairs_are_named():
    x = np.array([0.5, 1.5, -2.0])
    found = diagnose(5 * x**3, x**2, POWER.near_misses(x))
    assert found.id == "demo_cube+demo_scaled" and "two mistakes: cubed, not squared; and scaled by 5" in found.text
    assert diagnose(x**2 + 1, x**2, POWER.near_misses(x)).id == "demo_shift"


def test_a_near_miss_combined_with_a_generic_relation():
    x = np.array([0.5, 1.5, -2.0])
    found = diagnose(-(x**3), x**2, POWER.near_misses(x, pairs=False))
    assert found.id == "demo_cube+sign"


def test_lag_and_swapped_entries():
    steps = [np.full(2, t, dtype=float) for t in range(1, 5)]
    got = [steps[0], steps[0], steps[1], steps[2]]
    assert lag(got, steps).id == "lag_behind"
    a, b = np.ones((2, 1)), np.zeros((3, 2))
    found = swapped((b, a), (a, b), ["dW", "db"])
    assert found.id == "swapped" and "dW and db are swapped" in found.text
    assert close({"a": [a, 1]}, {"a": [a.copy(), 1.0]})


@pytest.mark.parametrize(
    ("got", "words"),
    [
        ([(0.5, np.ones(3)), (0.4, np.ones(3))], "did you append a tuple"),
        ([np.ones(2), np.ones(3)], "different shapes"),
        ((x for x in range(3)), "is a generator"),
        (object(), "should be a NumPy array of numbers; got object"),
        (np.ones(3) * 1j, "complex numbers"),
        ({"a": 1}, "got dict"),
        (None, "did you forget the `return`"),
        (np.array(["a", "b"]), "dtype <U1"),
    ],
)
def test_anything_returned_gets_a_message(got, words):
    with pytest.raises(Mistake, match=re.escape(words)):
        compare.as_float_array("your result", got)


def test_a_huge_answer_is_refused_without_converting_it():
    huge = np.broadcast_to(np.float64(1.0), (20_000, 1_000))
    with pytest.raises(Mistake, match="20000000 entries"):
        compare.expect_array("A", huge, np.ones((2, 2)))


def test_integer_arrays_are_named_as_rounding():
    with pytest.raises(Mistake, match="rounded to whole numbers.*dtype int64") as info:
        compare.expect_array("acc", np.array([0, 1]), np.array([0.25, 1.5]))
    assert info.value.mistake_id == "rounded"


def test_every_template_formats_and_the_published_list_is_current():
    for mistake_id, template in mistakes.REGISTRY.items():
        names = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        assert all(n.isidentifier() for n in names), (mistake_id, names)
    done = subprocess.run(
        [sys.executable, "tools/write_mistakes.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_sections_name_real_headings_of_their_chapter():
    headings = {}
    for ch, stem in report.CHAPTER_FILES.items():
        nb = nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)
        found = [
            line[3:].strip()
            for c in nb.cells
            if c.cell_type == "markdown"
            for line in c.source.splitlines()
            if line.startswith("## ")
        ]
        headings[ch] = found
    seen = 0
    for module in CHAPTERS.values():
        for check in module.ITEMS.values():
            section = check.section
            if section is None:
                continue
            seen += 1
            assert headings[section.chapter][section.number - 1] == section.heading, (check.grade_id, section)
    assert seen >= 6


def test_progress_counts_this_session_and_lists_what_is_left(monkeypatch, capsys):
    monkeypatch.setenv("BPCOURSE_CHECK_SEED", "1")
    monkeypatch.delenv("BPCOURSE_GRADING", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(report, "_RESULTS", {})
    monkeypatch.setattr(report, "_LAST", {"notebook": None})
    assert "no check has run in this kernel session yet" in str(bp.check.progress())
    P = bp.check.principles
    P.sigmoid(own(bp.activations.sigmoid))
    P.q1(lambda: "d")
    state = bp.check.progress()
    capsys.readouterr()
    assert (state.notebook, state.earned, state.possible) == ("ex01_principles", 2, 9)
    text = str(state)
    assert "ex01_principles: 2 of 9 points; still to do:" in text
    assert "question 1 (order of the stages) (1): failing" in text
    assert "sigmoid_prime (2): not run in this session" in text
    assert "sigmoid (2)" not in text.replace("sigmoid_prime", "")


def test_under_a_grader_the_todo_text_does_not_ask_to_run_the_cell(monkeypatch, capsys):
    monkeypatch.setenv("BPCOURSE_GRADING", "1")

    def stub(Z):
        raise NotImplementedError()

    with pytest.raises(AssertionError):
        bp.check.principles.sigmoid(stub)
    out = capsys.readouterr().out
    assert "not implemented yet" in out and "run this cell" not in out


def test_set_language_falls_back_to_english_and_refuses_nonsense():
    from bpcourse import i18n

    i18n.set_language("zh")
    try:
        assert i18n.language() == "zh"
        assert i18n._("your answer") == "你的答案"
        assert i18n._("a message nobody translated") == "a message nobody translated"  # no entry: English
    finally:
        i18n.set_language("en")
    with pytest.raises(ValueError, match="language must be a code such as 'en' or 'zh'"):
        i18n.set_language("")
