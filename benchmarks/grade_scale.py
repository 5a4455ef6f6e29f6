"""How fast does ``bpcourse grade`` get through a class? Students per minute, --jobs 1 against --jobs N, with and
without the sandbox, in one run (issue 10). Not a test, and not in CI: it takes minutes.

    python benchmarks/grade_scale.py                 # 60 students, exercises 1 and 2, jobs 1 and default_jobs()
    python benchmarks/grade_scale.py --students 20 --jobs 1 2 4 --repeats 3

The class: every third student hands in the solved notebooks, every third the untouched release, the rest the
solutions with one answer broken (so the diagnosis runs too). Each configuration grades the same class; the
table gives the median wall time over ``--repeats`` runs, students per minute, and the ratio to jobs 1 with the
same sandbox setting. The CSVs of all configurations must be identical (it says so if not).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpcourse.grade import default_jobs, grade  # noqa: E402
from bpcourse.grade import sandbox as sb  # noqa: E402

NOTEBOOKS = ("ex01_principles.ipynb", "ex02_steps.ipynb")


def build_class(folder: Path, n: int) -> None:
    for k in range(n):
        student = folder / f"student{k:03d}"
        student.mkdir(parents=True)
        for name in NOTEBOOKS:
            if k % 3 == 0:
                shutil.copy(ROOT / "solutions" / name, student / name)
            elif k % 3 == 1:
                shutil.copy(ROOT / "exercises" / name, student / name)
            else:
                nb = nbformat.read(ROOT / "solutions" / name, as_version=4)
                answer = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution"))
                answer.source = answer.source.replace("return ", "return 2 * ", 1)
                nbformat.write(nb, student / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--jobs", type=int, nargs="+", help="default: 1 and default_jobs()")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    jobs = args.jobs or sorted({1, default_jobs(2 * 2**30)})
    modes = [True, False] if sb.available() is None else [False]
    if sb.available() is not None:
        print(f"no sandbox here ({sb.available()}): timing unsandboxed runs only")
    tmp = Path(tempfile.mkdtemp(prefix="bpcourse-scale-"))
    build_class(tmp / "class", args.students)
    print(f"class: {args.students} students × {len(NOTEBOOKS)} notebooks ({', '.join(NOTEBOOKS)})")
    results, csvs = {}, {}
    for sandboxed in modes:
        for j in jobs:
            times = []
            for r in range(args.repeats):
                out = tmp / f"grades-{sandboxed}-{j}-{r}.csv"
                start = time.perf_counter()
                grade(tmp / "class", out, ROOT / "solutions", jobs=j, sandboxed=sandboxed, progress=False)
                times.append(time.perf_counter() - start)
                csvs[(sandboxed, j, r)] = out.read_bytes().replace(b"not sandboxed (turned off); ", b"")
                csvs[(sandboxed, j, r)] = csvs[(sandboxed, j, r)].replace(b"not sandboxed (turned off)", b"")
            results[(sandboxed, j)] = statistics.median(times)
    print(f"\n{'sandbox':>8} {'jobs':>5} {'median s':>9} {'students/min':>13} {'s/student':>10} {'× jobs 1':>9}")
    for (sandboxed, j), t in results.items():
        base = results[(sandboxed, jobs[0])]
        print(
            f"{'yes' if sandboxed else 'no':>8} {j:>5} {t:>9.1f} {args.students / t * 60:>13.1f} "
            f"{t / args.students:>10.2f} {base / t:>9.2f}"
        )
    if len(modes) == 2:
        for j in jobs:
            print(f"sandbox cost at jobs {j}: {results[(True, j)] / results[(False, j)]:.2f}× the unsandboxed time")
    same = len(set(csvs.values())) == 1
    print(f"\nCSVs of all runs identical (the not-sandboxed note aside): {same}")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
