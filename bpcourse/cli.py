"""The ``bpcourse`` command: ``bpcourse lab`` for learners; ``assign`` and ``grade`` for instructors."""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
COURSE_FOLDERS = ("notebooks", "exercises")


def course_root() -> Path | None:
    """The checkout this package runs from (it has notebooks/ beside bpcourse/), or None when installed."""
    root = PACKAGE.parent
    return root if (root / "notebooks").is_dir() and (root / "pyproject.toml").is_file() else None


def course_material() -> Path:
    """Where the course notebooks are: the checkout, or the copy shipped inside the package."""
    root = course_root()
    return root if root is not None else PACKAGE / "course"


def copy_without_overwriting(src: Path, dst: Path) -> tuple[list[Path], list[Path]]:
    """Copy the files under src to dst; a file that already exists in dst is kept as it is.

    Returns (copied, kept). The learner's work is never overwritten.
    """
    copied, kept = [], []
    for f in sorted(src.rglob("*")):
        if f.is_dir() or "__pycache__" in f.parts or ".ipynb_checkpoints" in f.parts:
            continue
        target = dst / f.relative_to(src)
        if target.exists():
            kept.append(target)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, target)
        copied.append(target)
    return copied, kept


def prepare_workspace(workspace: Path) -> Path:
    """Make sure ``workspace`` holds the course; returns the folder JupyterLab should open."""
    root = course_root()
    if root is not None:
        return root
    material = course_material()
    if not (material / "notebooks").is_dir():
        raise SystemExit(f"bpcourse: the course notebooks are missing from {material}; reinstall bpcourse")
    for folder in COURSE_FOLDERS:
        if (material / folder).is_dir():
            copied, kept = copy_without_overwriting(material / folder, workspace / folder)
            print(f"bpcourse: {folder}/: copied {len(copied)} new file(s), kept {len(kept)} of yours unchanged")
    return workspace


def cmd_lab(args, extra: list[str]) -> int:
    folder = prepare_workspace(Path(args.workspace).expanduser().resolve())
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--ServerApp.root_dir={folder}", FIRST_NOTEBOOK, *extra]
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    return subprocess.call(cmd, cwd=folder)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpcourse", description="The backpropagation course.")
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="open the course in JupyterLab (extra arguments go to jupyter lab)")
    lab.add_argument(
        "--workspace",
        default="bpcourse-workspace",
        help="where an installed (not checked-out) course is copied; default ./bpcourse-workspace",
    )
    lab.add_argument("--dry-run", action="store_true", help="print the jupyter command instead of running it")
    lab.set_defaults(func=cmd_lab)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.func(args, extra)


if __name__ == "__main__":
    sys.exit(main())
