"""How well do the exercise checks name the learner's mistake? (issue 9)

    python benchmarks/diagnosis.py                  # the held-out catalog, benchmarks/diagnosis_catalog.py
    python benchmarks/diagnosis.py --catalog tests  # ... and the developers' CASES/UNSEEN of tests/test_check_*.py
    python benchmarks/diagnosis.py --only ex05      # items whose name contains the text

Every entry is run through its check cell, ``bp.check.<module>.<task>(impl)``, in learner mode
(BPCOURSE_GRADING and NBGRADER_EXECUTION unset), once with BPCOURSE_CHECK_SEED=1 and once with 2; the
printed block is captured. An entry counts as

- rejected: the block is not a [PASS] under both seeds (and no exception escaped the check);
- named: rejected, and under both seeds the block contains one of the entry's keywords (case-insensitive;
  for the developers' catalogs: their expected fragment);
- accepted (right entries): [PASS] under both seeds;
- crashed: under some seed the block says "the check could not run your code", or an exception escaped.

It prints the summary, a per-item table, the time each check call took, and every wrong entry that
passed or was not named, with the first line of its message. A measurement, not a test: exit status 0.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import statistics
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

SEEDS = (1, 2)
CRASH_TEXT = "the check could not run your code"
SLOW_SECONDS = 1.0
SLOW_EXEMPT = ("train_digits",)  # trains a network: allowed to take seconds


@dataclass
class Case:
    """One implementation to run through one check, from either catalog."""

    source: str  # "held-out" or the test module's name and list, e.g. "test_check_steps.UNSEEN"
    item: str
    check: object  # the check function
    impl: object  # a function, or a tuple of functions passed as separate arguments
    right: bool
    keywords: list[str]
    note: str
    prepare: object = None  # called before each run, returns the impl to use (fresh caches)


@dataclass
class Run:
    block: str
    seconds: float
    error: str | None = None  # an exception that escaped the check

    @property
    def outcome(self) -> str:
        if self.error is not None:
            return "exception"
        if CRASH_TEXT in self.block.lower():
            return "crash"
        head = self.block.lstrip()
        if head.startswith("[PASS]"):
            return "pass"
        if head.startswith("[FAIL]"):
            return "fail"
        return "other"

    def message_line(self) -> str:
        """The message's first line: the first line after the [PASS]/[FAIL] header."""
        if self.error is not None:
            return "exception escaped the check: " + self.error
        lines = [line.strip() for line in self.block.strip().splitlines() if line.strip()]
        if not lines:
            return "(nothing printed)"
        if len(lines) == 1:
            return lines[0]
        return lines[1]


@dataclass
class Result:
    case: Case
    runs: list[Run] = field(default_factory=list)

    def named_in(self, run: Run) -> bool:
        text = run.block.lower()
        return any(k.lower() in text for k in self.case.keywords)

    @property
    def crashed(self) -> bool:
        return any(r.outcome in ("crash", "exception") for r in self.runs)

    @property
    def rejected(self) -> bool:
        return bool(self.runs) and all(r.outcome in ("fail", "crash", "other") for r in self.runs)

    @property
    def named(self) -> bool:
        return self.rejected and all(self.named_in(r) for r in self.runs)

    @property
    def accepted(self) -> bool:
        return bool(self.runs) and all(r.outcome == "pass" for r in self.runs)


def learner_env(seed: int) -> None:
    os.environ.pop("BPCOURSE_GRADING", None)
    os.environ.pop("NBGRADER_EXECUTION", None)
    os.environ["BPCOURSE_CHECK_SEED"] = str(seed)


def run_once(case: Case, seed: int) -> Run:
    learner_env(seed)
    impl = case.prepare() if case.prepare is not None else case.impl
    reset = getattr(impl, "reset", None)
    if callable(reset):
        reset()
    out, err = io.StringIO(), io.StringIO()
    error = None
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            if isinstance(impl, tuple | list):
                case.check(*impl)
            else:
                case.check(impl)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # anything escaping the check is what we measure
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
    return Run(out.getvalue(), time.perf_counter() - t0, error)


# ---- the catalogs ----------------------------------------------------------------------------------------


def held_out_cases(bp) -> list[Case]:
    from diagnosis_catalog import CATALOG

    cases = []
    for e in CATALOG:
        check = bp.check
        for part in e.check.split("."):
            check = getattr(check, part)
        cases.append(Case("held-out", e.item, check, e.impl, e.right, list(e.keywords), e.note))
    return cases


def _load_test_module(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def _module_state(module) -> dict:
    """The module-level stores (dicts named _SOMETHING) as they were right after the import."""
    return {
        name: dict(value)
        for name, value in vars(module).items()
        if name.startswith("_") and not name.startswith("__") and isinstance(value, dict)
    }


def _fresh(module, state: dict, impl):
    """Before each run: the test module's stores as after its import (what its fixtures do), a new Cached."""

    def prepare():
        for name, initial in state.items():
            store = getattr(module, name)
            store.clear()
            store.update(initial)
        cached = getattr(module, "Cached", None)
        if isinstance(cached, type) and isinstance(impl, cached):
            return cached(impl.impl)
        return impl

    return prepare


def _check_names(bp) -> dict[int, str]:
    """id(check function) -> "module.name" as the notebooks call it, e.g. "principles.q1"."""
    names = {}
    for module_name in ("principles", "steps", "derivation", "limitations", "improvements", "capstone"):
        module = getattr(bp.check, module_name, None)
        for name, obj in vars(module or object()).items():
            if callable(obj) and not name.startswith("_"):
                names.setdefault(id(obj), f"{module_name}.{name}")
    return names


def _describe(impl) -> str:
    fns = impl if isinstance(impl, tuple | list) else (impl,)
    names = []
    for fn in fns:
        name = getattr(fn, "__name__", type(fn).__name__)
        if name == "<lambda>":
            try:
                import inspect

                src = inspect.getsource(fn).strip()
                name = "lambda " + src.split("lambda", 1)[1].split(":", 1)[0].strip() + ": …"
            except (OSError, TypeError, IndexError):
                name = "lambda"
        names.append(name)
    return ", ".join(names)


def test_cases(bp) -> tuple[list[Case], list[str]]:
    cases, notes = [], []
    check_names = _check_names(bp)
    sys.path.insert(0, str(ROOT / "tests"))
    for path in sorted((ROOT / "tests").glob("test_check_*.py")):
        try:
            module = _load_test_module(path)
        except Exception:  # report and go on
            notes.append(f"{path.name}: import failed: {traceback.format_exc().strip().splitlines()[-1]}")
            continue
        state = _module_state(module)
        for list_name in ("CASES", "UNSEEN"):
            for row in getattr(module, list_name, None) or []:
                if not (isinstance(row, tuple) and len(row) == 3):
                    notes.append(f"{path.name}.{list_name}: skipped a row that is not (check, impl, expected)")
                    continue
                check, impl, expected = row
                item = check_names.get(id(check), f"{check.__module__.rsplit('.', 1)[-1]}.{check.__name__}")
                right = expected == "[PASS]"
                cases.append(
                    Case(
                        f"{path.stem}.{list_name}",
                        item,
                        check,
                        impl,
                        right,
                        [] if right else [expected],
                        _describe(impl) + ("" if right else f"  [expects {expected!r}]"),
                        prepare=_fresh(module, state, impl),
                    )
                )
    return cases, notes


# ---- report ----------------------------------------------------------------------------------------------


def pct(a: int, b: int) -> str:
    return f"{100.0 * a / b:5.1f} %" if b else "   —  "


def ms(seconds: float) -> str:
    return f"{1000.0 * seconds:.1f}"


def summarize(title: str, results: list[Result]) -> None:
    wrong = [r for r in results if not r.case.right]
    right = [r for r in results if r.case.right]
    rejected = [r for r in wrong if r.rejected]
    named = [r for r in rejected if r.named]
    accepted = [r for r in right if r.accepted]
    crashed = [r for r in results if r.crashed]
    runs = [run for r in results for run in r.runs]
    crash_runs = [run for run in runs if run.outcome in ("crash", "exception")]
    escaped = [run for run in runs if run.outcome == "exception"]

    print(f"\n== {title}: {len(results)} entries ({len(wrong)} wrong, {len(right)} right), seeds {SEEDS}")

    def line(label: str, a: int, b: int) -> None:
        print(f"  {label:<37}{a:4d}/{b:<4d} {pct(a, b)}")

    line("wrong versions rejected", len(rejected), len(wrong))
    line("rejections naming the mistake", len(named), len(rejected))
    line("wrong versions rejected and named", len(named), len(wrong))
    line("differently-right versions accepted", len(accepted), len(right))
    print(
        f"  {'checks that crashed':<37}{len(crashed):4d} entries ({len(crash_runs)} of {len(runs)} runs; "
        f"{len(escaped)} with an exception escaping the check; "
        f"{sum(r.crashed for r in wrong)} wrong, {sum(r.crashed for r in right)} right entries)"
    )
    fast = [run.seconds for r in results for run in r.runs if not any(s in r.case.item for s in SLOW_EXEMPT)]
    slow_item = [run.seconds for r in results for run in r.runs if any(s in r.case.item for s in SLOW_EXEMPT)]
    if fast:
        over = sum(t > SLOW_SECONDS for t in fast)
        print(
            f"  {'time per check call':<37}median {ms(statistics.median(fast))} ms, max {ms(max(fast))} ms, "
            f"{over} of {len(fast)} calls over {SLOW_SECONDS:.1f} s (train_digits excluded)"
        )
    if slow_item:
        med, top = ms(statistics.median(slow_item)), ms(max(slow_item))
        print(f"  {'time per train_digits call':<37}median {med} ms, max {top} ms")


def table(results: list[Result]) -> None:
    items: dict[str, list[Result]] = {}
    for r in results:
        items.setdefault(r.case.item, []).append(r)
    width = max(len(k) for k in items) if items else 10
    print(f"\n{'item':<{width}}  wrong  rejected  named  %named  right  accepted  crashed  median ms   max ms  slow")
    for item, rs in items.items():
        wrong = [r for r in rs if not r.case.right]
        right = [r for r in rs if r.case.right]
        rej = sum(r.rejected for r in wrong)
        nam = sum(r.named for r in wrong)
        times = [run.seconds for r in rs for run in r.runs]
        slow = "" if any(s in item for s in SLOW_EXEMPT) else ("SLOW" if max(times) > SLOW_SECONDS else "")
        print(
            f"{item:<{width}}  {len(wrong):5d}  {rej:8d}  {nam:5d}  {pct(nam, rej):>6}  {len(right):5d}  "
            f"{sum(r.accepted for r in right):8d}  {sum(r.crashed for r in rs):7d}  "
            f"{ms(statistics.median(times)):>9}  {ms(max(times)):>7}  {slow}"
        )


def misses(results: list[Result]) -> None:
    def first_lines(r: Result, pick) -> str:
        seen, out = set(), []
        for seed, run in zip(SEEDS, r.runs, strict=False):
            if not pick(run):
                continue
            line = run.message_line()
            if line not in seen:
                seen.add(line)
                out.append(f"seed {seed}: {line[:220]}")
        return "\n        ".join(out)

    passed = [r for r in results if not r.case.right and not r.rejected]
    unnamed = [r for r in results if not r.case.right and r.rejected and not r.named]
    refused = [r for r in results if r.case.right and not r.accepted]
    print(f"\nwrong entries that passed ({len(passed)}):")
    for r in passed:
        print(f"  {r.case.item}: {r.case.note}")
        print("        " + first_lines(r, lambda run: True))
    print(f"\nwrong entries rejected but not named ({len(unnamed)}):")
    for r in unnamed:
        kw = r.case.keywords if len(r.case.keywords) <= 6 else r.case.keywords[:6] + ["…"]
        print(f"  {r.case.item}: {r.case.note}   keywords {kw}")
        print("        " + first_lines(r, lambda run, r=r: not r.named_in(run)))
    print(f"\nright entries not accepted ({len(refused)}):")
    for r in refused:
        print(f"  {r.case.item}: {r.case.note}")
        print("        " + first_lines(r, lambda run: run.outcome != "pass"))


def run_all(cases: list[Case], label: str) -> list[Result]:
    results = []
    t0 = time.perf_counter()
    for i, case in enumerate(cases, 1):
        result = Result(case)
        for seed in SEEDS:
            result.runs.append(run_once(case, seed))
        results.append(result)
        if i % 25 == 0 or i == len(cases):
            elapsed = time.perf_counter() - t0
            print(f"  [{label}] {i}/{len(cases)} entries, {elapsed:.1f} s", file=sys.stderr, flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description="how well the exercise checks name mistakes (issue 9)")
    parser.add_argument(
        "--catalog",
        choices=["held-out", "tests"],
        default="held-out",
        help="'tests' also runs the CASES and UNSEEN lists of tests/test_check_*.py",
    )
    parser.add_argument("--only", default="", help="only items whose name contains this text")
    args = parser.parse_args()

    try:
        import bpcourse as bp
        import bpcourse.check  # noqa: F401 - the checks under test
    except Exception:  # a measurement: report and exit 0
        print("could not import bpcourse.check:\n" + traceback.format_exc())
        return

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"diagnosis.py: load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {os.cpu_count()} CPUs")

    sections: list[tuple[str, list[Result]]] = []
    try:
        cases = [c for c in held_out_cases(bp) if args.only in c.item]
    except Exception:
        print("could not load the held-out catalog:\n" + traceback.format_exc())
        cases = []
    if cases:
        sections.append(("held-out catalog (benchmarks/diagnosis_catalog.py)", run_all(cases, "held-out")))

    if args.catalog == "tests":
        tcases, notes = test_cases(bp)
        tcases = [c for c in tcases if args.only in c.item]
        for note in notes:
            print("note: " + note)
        if tcases:
            title = "developers' catalogs (CASES + UNSEEN of tests/test_check_*.py)"
            sections.append((title, run_all(tcases, "tests")))

    for title, results in sections:
        summarize(title, results)
    for title, results in sections:
        print(f"\n==== {title}: per item")
        table(results)
        misses(results)
    if len(sections) > 1:
        print("\n==== summaries again")
        for title, results in sections:
            summarize(title, results)


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a measurement: never fail the caller
        traceback.print_exc()
    sys.exit(0)
