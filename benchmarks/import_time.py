"""How long does ``import bpcourse`` take, and does it stay clear of matplotlib and ipywidgets?

    python benchmarks/import_time.py            # 10 fresh interpreters per command
    python benchmarks/import_time.py --runs 20

Each measurement is a fresh ``python -c ...`` subprocess (nothing cached in the process), timed from
outside, wall clock; ``python -c pass`` runs in the same loop as the baseline, so the difference is
the cost of the import alone. Target: import bpcourse <= 0.3 s (the median, interpreter start included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
HEAVY = ("matplotlib", "ipywidgets", "tqdm", "IPython")

COMMANDS = {
    "python -c pass": "pass",
    "import numpy": "import numpy",
    "import bpcourse": "import bpcourse",
}


def run_once(code: str) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description="import bpcourse timing")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    run_once("import bpcourse")  # warm the OS file cache once, so every run below sees the same disk state
    times = {name: [] for name in COMMANDS}
    for _ in range(args.runs):  # interleaved, so machine load hits each command alike
        for name, code in COMMANDS.items():
            times[name].append(run_once(code))

    base = statistics.median(times["python -c pass"])
    print(f"import_time: {args.runs} fresh subprocesses per command, interleaved; {sys.executable}")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print()
    print(f"{'command':<18} {'median s':>9} {'min s':>7} {'max s':>7} {'minus baseline s':>17}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<18} {med:>9.3f} {min(ts):>7.3f} {max(ts):>7.3f} {med - base:>17.3f}")

    probe = (
        "import sys, bpcourse; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules)); "
        "print(len([m for m in sys.modules if m.startswith('bpcourse')]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True)
    loaded, n_modules = out.stdout.splitlines()
    med = statistics.median(times["import bpcourse"])
    print()
    print(
        f"import bpcourse: {med:.3f} s median (target <= 0.3 s)  {'ok' if med <= 0.3 else 'MISSED'}; "
        f"{med - base:.3f} s above the bare interpreter"
    )
    print(
        f"heavy modules loaded by import bpcourse: {loaded or 'none'} (checked {', '.join(HEAVY)})  "
        f"{'ok' if not loaded else 'MISSED'}; bpcourse modules loaded: {n_modules}"
    )
    return 0 if med <= 0.3 and not loaded else 1


if __name__ == "__main__":
    sys.exit(main())
