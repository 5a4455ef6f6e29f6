"""Run the committed notebooks under other arithmetic and report every output that changes.

    python tools/robustness.py                     # every configuration, notebooks/ and solutions/
    python tools/robustness.py --only ulp          # just the 1-ulp perturbations
    python tools/robustness.py notebooks/01_principles.ipynb

A printed figure must not hinge on the last bits of a float: learners' machines pick other
BLAS kernels (generic x86-64, AVX2, AVX-512, Apple's Accelerate), which round matrix products
differently. Each configuration below runs ``pytest --nbval`` (strict, as the test suite does)
on the notebooks with one change to the arithmetic:

- ``OPENBLAS_CORETYPE`` = Prescott (generic), Haswell (AVX2), SkylakeX (AVX-512), each with one
  and two BLAS threads; a kernel this CPU cannot run (SIGILL) is reported as skipped;
- ``NPY_DISABLE_CPU_FEATURES``: NumPy's own loops without their AVX-512 paths;
- ``ulp-N``: every pre-activation Z^l = W^l A^{l-1} + b^l that ``bp.layers.linear_forward``
  returns is nudged by one unit in the last place, up or down at random (seed N), through an
  IPython startup file, so the library's code is not touched. This imitates a BLAS that rounds
  each product differently, also where no machine here has such a kernel.

Exit status 1 if any configuration that ran had a failing cell.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["notebooks", "solutions"]

KERNELS = ["Prescott", "Haswell", "SkylakeX"]
NPY_NO_AVX512 = "X86_V4 AVX512_ICL AVX512_SPR"
ULP_SEEDS = [1, 2, 3]

# Runs in the kernel before the notebook's first cell (an IPython startup file).
ULP_STARTUP = """\
import numpy as _np
import bpcourse.layers as _layers

_ulp_rng = _np.random.default_rng({seed})
_ulp_linear_forward = _layers.linear_forward


def _nudged_linear_forward(A_prev, W, b):
    Z, cache = _ulp_linear_forward(A_prev, W, b)
    direction = _ulp_rng.choice(_np.array([-_np.inf, _np.inf]), size=Z.shape)
    return _np.nextafter(Z, direction), cache


_layers.linear_forward = _nudged_linear_forward
del _nudged_linear_forward
"""


def configurations(only: str | None) -> list[tuple[str, dict, str | None]]:
    """(name, environment overrides, IPython startup code or None)."""
    out = []
    for kernel in KERNELS:
        for threads in (1, 2):
            out.append(
                (f"{kernel}/{threads}t", {"OPENBLAS_CORETYPE": kernel, "OPENBLAS_NUM_THREADS": str(threads)}, None)
            )
    out.append(("numpy-no-avx512", {"NPY_DISABLE_CPU_FEATURES": NPY_NO_AVX512}, None))
    for seed in ULP_SEEDS:
        out.append((f"ulp-{seed}", {}, ULP_STARTUP.format(seed=seed)))
    if only:
        out = [c for c in out if c[0].lower().startswith(only.lower())]
    return out


def runnable(env: dict) -> bool:
    """False when this CPU cannot run the forced kernel (OpenBLAS dies with SIGILL on a matrix product)."""
    probe = "import numpy as np; a = np.ones((64, 64)); a @ a"
    return subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, capture_output=True).returncode == 0


def run_config(name: str, env: dict, startup: str | None, paths: list[str]) -> tuple[str, list[str]]:
    """Run nbval under one configuration; returns (summary line, failing cells)."""
    with tempfile.TemporaryDirectory(prefix="bpcourse-ipython-") as ipython_dir:
        full_env = {**os.environ, **env}
        if startup is not None:
            start_dir = Path(ipython_dir, "profile_default", "startup")
            start_dir.mkdir(parents=True)
            (start_dir / "00-perturb.py").write_text(startup)
            full_env["IPYTHONDIR"] = ipython_dir
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths]
        proc = subprocess.run(cmd, cwd=ROOT, env=full_env, capture_output=True, text=True)
    failed = re.findall(r"^FAILED (.+?) - ", proc.stdout, flags=re.M)
    lines = proc.stdout.strip().splitlines()
    summary = lines[-1] if lines else f"pytest printed nothing (exit {proc.returncode}): {proc.stderr[-300:]}"
    return summary, failed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("paths", nargs="*", default=DEFAULT, help="notebooks or folders (default: notebooks solutions)")
    parser.add_argument("--only", help="run the configurations whose name starts with this (e.g. ulp, Prescott)")
    args = parser.parse_args(argv)
    bad = 0
    for name, env, startup in configurations(args.only):
        if not runnable(env):
            print(f"{name:>16}  skipped: this CPU cannot run that kernel", flush=True)
            continue
        summary, failed = run_config(name, env, startup, args.paths)
        print(f"{name:>16}  {summary.strip('= ')}", flush=True)
        for cell in failed:
            print(f"{'':>18}{cell}", flush=True)
        bad += bool(failed) or "passed" not in summary
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
