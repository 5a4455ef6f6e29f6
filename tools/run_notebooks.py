"""Execute notebooks in place so their stored outputs are regenerated deterministically.

    python tools/run_notebooks.py                      # notebooks/ and solutions/
    python tools/run_notebooks.py notebooks/02_steps.ipynb

Each notebook runs top to bottom in a fresh kernel from its own folder; volatile
metadata (execution timestamps) is dropped so reruns give clean diffs. Prints the
seconds each took; fails if a cell raises.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ["notebooks", "solutions"]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def run(path: Path, timeout: int = 300) -> float:
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    ).execute()
    seconds = time.perf_counter() - t0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)  # live widget state: not reproducible, not needed for the PNG fallback
    nb.metadata["kernelspec"] = dict(KERNELSPEC)  # the name JupyterLab's kernel picker shows
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str]) -> int:
    targets = [Path(a) for a in argv] or [ROOT / d for d in DEFAULT]
    paths = []
    for t in targets:
        paths += sorted(t.glob("*.ipynb")) if t.is_dir() else [t]
    total = 0.0
    for p in paths:
        s = run(p)
        total += s
        shown = p.relative_to(ROOT) if p.is_absolute() and p.is_relative_to(ROOT) else p
        print(f"{s:6.1f} s  {shown}")
    print(f"{total:6.1f} s  total for {len(paths)} notebook(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
