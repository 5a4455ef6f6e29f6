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
    """Where the course notebooks are: the checkout, or the copy a wheel installs under <prefix>/share/bpcourse."""
    root = course_root()
    return root if root is not None else Path(sys.prefix) / "share" / "bpcourse"


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


def instructor_root() -> Path:
    """The folder holding solutions/ (the checkout, or the current folder for an installed package)."""
    for candidate in (course_root(), Path.cwd(), course_material()):
        if candidate is not None and (candidate / "solutions").is_dir():
            return candidate
    raise SystemExit("bpcourse: no solutions/ folder found; run this command from a checkout of the course")


def cmd_assign(args, extra: list[str]) -> int:
    from .assign import assign

    out = Path(args.out).expanduser().resolve()
    written = assign(args.chapters, out, instructor_root())
    for path in written:
        print(f"wrote {path}")
    print(f"bpcourse assign: chapter(s) {', '.join(map(str, args.chapters))} ready in {out}")
    return 0


def cmd_grade(args, extra: list[str]) -> int:
    from .grade import grade, merge, parse_shard
    from .grade.sandbox import parse_size

    out = Path(args.out).expanduser().resolve()
    if args.merge:
        if args.submissions or args.only or args.shard:
            raise SystemExit(
                "bpcourse grade --merge takes shard CSVs only: bpcourse grade --merge a.csv b.csv --out all.csv"
            )
        rows = merge([Path(p).expanduser().resolve() for p in args.merge], out)
        print(f"bpcourse grade: merged {len(args.merge)} shard(s), {len(rows)} student(s); wrote {out}")
        return 0
    if not args.submissions:
        raise SystemExit("bpcourse grade: give the folder of submissions (SUBMISSIONS/<student>/...), or --merge CSVs")
    submissions = Path(args.submissions).expanduser().resolve()
    if not submissions.is_dir():
        raise SystemExit(f"bpcourse grade: {submissions} is not a folder of submissions (SUBMISSIONS/<student>/...)")
    if args.only and args.shard:
        raise SystemExit("bpcourse grade: --only and --shard do not go together (--only regrades one student)")
    try:
        memory = parse_size(args.memory)
    except ValueError as exc:
        raise SystemExit(f"bpcourse grade --memory: {exc}") from None
    if args.jobs is not None and args.jobs < 1:
        raise SystemExit(f"bpcourse grade --jobs: expected a number of workers ≥ 1, got {args.jobs}")
    feedback = Path(args.feedback).expanduser().resolve() if args.feedback else None
    rows = grade(
        submissions,
        out,
        instructor_root() / "solutions",
        timeout=args.timeout,
        feedback_dir=feedback,
        only=args.only,
        jobs=args.jobs,
        shard=parse_shard(args.shard) if args.shard else None,
        memory=memory,
        sandboxed=False if args.no_sandbox else None,
    )
    what = f"regraded {args.only}" if args.only else f"{len(rows)} student(s) graded"
    print(f"bpcourse grade: {what}; wrote {out}")
    return 0


def _chapter(text: str) -> int:
    n = int(text)
    if not 1 <= n <= 6:
        raise argparse.ArgumentTypeError(f"chapter numbers go from 1 to 6; got {n}")
    return n


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

    assign = sub.add_parser("assign", help="write the student version of chapters (instructors)")
    assign.add_argument("chapters", nargs="+", type=_chapter, metavar="CHAPTER", help="chapter numbers, e.g. 1 2")
    assign.add_argument("--out", required=True, help="folder to write notebooks/ and exercises/ into")
    assign.set_defaults(func=cmd_assign)

    grade = sub.add_parser("grade", help="grade SUBMISSIONS/<student>/<exercise>.ipynb into a CSV (instructors)")
    grade.add_argument("submissions", nargs="?", metavar="SUBMISSIONS", help="folder with one sub-folder per student")
    grade.add_argument("--out", default="grades.csv", help="the CSV to write (replaced atomically); default grades.csv")
    grade.add_argument(
        "--timeout", type=float, default=120, help="seconds allowed per notebook before it is stopped; default 120"
    )
    grade.add_argument("--feedback", help="folder for the per-student feedback files; default: feedback/ beside --out")
    grade.add_argument("--only", metavar="STUDENT", help="regrade one student into the existing CSV (other rows stay)")
    grade.add_argument("--jobs", type=int, help="students graded at once; default min(cores, free memory / --memory)")
    grade.add_argument("--memory", default="2G", help="memory limit of each submission's sandbox; default 2G")
    grade.add_argument("--shard", metavar="I/N", help="grade only share I of N of the class (merge with --merge)")
    grade.add_argument("--merge", nargs="+", metavar="CSV", help="combine the CSVs of shards into --out")
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run submissions without the sandbox (the CSV notes it)"
    )
    grade.set_defaults(func=cmd_grade)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "grade" and not args.submissions and not args.merge:
        parser.error("grade: the following arguments are required: SUBMISSIONS (or --merge CSV ...)")
    return args.func(args, extra)


if __name__ == "__main__":
    sys.exit(main())
