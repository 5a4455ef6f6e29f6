"""The ``bpcourse`` command: ``bpcourse lab`` for learners; ``assign`` and ``grade`` for instructors."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
COURSE_FOLDERS = ("notebooks", "exercises")
RELEASE_FOLDERS = (*COURSE_FOLDERS, "solutions")  # a release's solutions/ holds the worked solutions once released
# jupyter_server's own ContentsManager.hide_globs, kept when the course adds its names
DEFAULT_HIDE_GLOBS = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store", "*~")


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


def prepare_workspace(workspace: Path | None = None) -> Path:
    """Make sure the course is there; returns the folder JupyterLab should open.

    Without ``--workspace``, a folder that holds an edition's first notebook, notebooks/00_start_here.ipynb
    or notebooks/zh/00_start_here.ipynb (a release the student unpacked, a workspace made earlier, the
    checkout), is opened as it is when ``bpcourse lab`` runs in it.
    Else the checkout this package runs from; else the installed course is copied into the workspace
    (default ./bpcourse-workspace), never over a file that is already there.
    """
    here = Path.cwd().resolve()
    from .i18n import available_languages, first_notebook

    if workspace is None and any((here / first_notebook(code)).is_file() for code in available_languages()):
        return here
    root = course_root()
    if root is not None and workspace is None:
        return root
    workspace = (workspace or Path("bpcourse-workspace")).expanduser().resolve()
    if root is not None and workspace == root:
        return root
    material = course_material()
    if not (material / "notebooks").is_dir():
        raise SystemExit(f"bpcourse: the course notebooks are missing from {material}; reinstall bpcourse")
    for folder in COURSE_FOLDERS:
        if (material / folder).is_dir():
            copied, kept = copy_without_overwriting(material / folder, workspace / folder)
            print(f"bpcourse: {folder}/: copied {len(copied)} new file(s), kept {len(kept)} of yours unchanged")
    return workspace


def hidden_names(folder: Path) -> list[str]:
    """What JupyterLab's file browser should not list in ``folder``: everything but the course folders.

    The checkout shows notebooks/ and exercises/ (its solutions/ is the instructor's); a release also
    shows solutions/. jupyter_server matches ``hide_globs`` against names at every depth, so a name that
    also occurs inside a shown folder is not hidden.
    """
    shown = COURSE_FOLDERS if folder == course_root() else RELEASE_FOLDERS
    inside = {p.name for name in shown if (folder / name).is_dir() for p in (folder / name).rglob("*")}
    top = sorted(p.name for p in folder.iterdir() if p.name not in shown and not p.name.startswith("."))
    return [*DEFAULT_HIDE_GLOBS, *(name for name in top if name not in inside and name not in DEFAULT_HIDE_GLOBS)]


def lab_command(folder: Path, extra: list[str], first: str = FIRST_NOTEBOOK) -> list[str]:
    """``jupyter lab`` on ``folder``, landing on ``first`` (00_start_here of an edition), listing only the course."""
    return [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ServerApp.root_dir={folder}",
        # the URL JupyterLab opens and prints (with its token): the first notebook, not the Launcher
        f"--LabApp.default_url=/lab/tree/{first}",
        f"--ContentsManager.hide_globs={json.dumps(hidden_names(folder))}",
        *extra,
    ]


def cmd_lab(args, extra: list[str]) -> int:
    workspace = Path(args.workspace).expanduser().resolve() if args.workspace else None
    from .i18n import available_languages, first_notebook

    first = first_notebook(args.lang)
    folder = prepare_workspace(workspace)
    if not (folder / first).is_file():
        others = [code for code in available_languages() if (folder / first_notebook(code)).is_file()]
        hint = (
            f"this folder has the {' and '.join(map(repr, others))} edition: run `bpcourse lab --lang {others[0]}`"
            if others
            else "reinstall bpcourse or give --workspace DIR"
        )
        raise SystemExit(
            f"bpcourse lab: the {args.lang!r} edition is not in {folder}: {first} is missing; {hint}. A checkout's "
            "Chinese notebooks are written by `python tools/i18n.py build`"
        )
    cmd = lab_command(folder, extra, first)
    if args.dry_run:
        print(" ".join(cmd))
        return 0
    print(f"bpcourse lab: opening {folder / first}", flush=True)
    return subprocess.call(cmd, cwd=folder)


def instructor_root() -> Path:
    """The folder holding solutions/ (the checkout, or the current folder for an installed package)."""
    for candidate in (course_root(), Path.cwd(), course_material()):
        if candidate is not None and (candidate / "solutions").is_dir():
            return candidate
    raise SystemExit("bpcourse: no solutions/ folder found; run this command from a checkout of the course")


def cmd_assign(args, extra: list[str]) -> int:
    from .assign import assign, chapter_key, release_solutions
    from .i18n import edition_path

    out = Path(args.out).expanduser().resolve()
    chapters = ", ".join(sorted(set(args.chapters), key=chapter_key))
    if args.solutions:
        if args.no_wheel:
            raise SystemExit("bpcourse assign: --no-wheel is for a release; --solutions writes only solutions/")
        written = release_solutions(args.chapters, out, instructor_root(), force=args.force, lang=args.lang)
        for path in written:
            print(f"wrote {path}")
        where = out / edition_path("solutions", args.lang)
        print(f"bpcourse assign: the worked solutions of chapter(s) {chapters} are in {where}")
        return 0
    written = assign(args.chapters, out, instructor_root(), force=args.force, wheel=not args.no_wheel, lang=args.lang)
    for path in written:
        print(f"wrote {path}")
    print(f"bpcourse assign: chapter(s) {chapters} ready in {out}")
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


def _chapter(text: str) -> str:
    """A chapter id on the command line ("2", "3b"), checked against the chapters in solutions/."""
    from .assign import available_chapters, parse_chapter

    try:
        have = available_chapters(instructor_root() / "solutions")
    except SystemExit:  # no solutions/ here: assign says so with its own message
        have = []
    listed = ", ".join(have) or "none found"
    try:
        cid = parse_chapter(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a chapter number, optionally with a letter (2, 3b); got {text!r}. The chapters are: {listed}"
        ) from None
    if have and cid not in have:
        raise argparse.ArgumentTypeError(f"there is no chapter {text!r} in this course. The chapters are: {listed}")
    return cid


def _language(text: str) -> str:
    """A language code on the command line ("zh", "zh_CN", "en"), normalized; the error names the available ones."""
    from .i18n import normalize_language

    try:
        return normalize_language(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bpcourse", description="The backpropagation course.")
    sub = parser.add_subparsers(dest="command", required=True)
    lab = sub.add_parser("lab", help="open the course in JupyterLab (extra arguments go to jupyter lab)")
    lab.add_argument(
        "--workspace",
        help="where an installed (not checked-out) course is copied; default: the current folder if it holds "
        "notebooks/00_start_here.ipynb (a release), else ./bpcourse-workspace",
    )
    lab.add_argument(
        "--lang",
        default="en",
        type=_language,
        help="the edition to open: en (default) or zh, the Chinese edition (notebooks/zh/)",
    )
    lab.add_argument("--dry-run", action="store_true", help="print the jupyter command instead of running it")
    lab.set_defaults(func=cmd_lab)

    assign = sub.add_parser("assign", help="write the student version of chapters (instructors)")
    assign.add_argument("chapters", nargs="+", type=_chapter, metavar="CHAPTER", help="chapter ids, e.g. 1 2 3b")
    assign.add_argument("--out", required=True, help="folder to write the release into (notebooks/, exercises/, ...)")
    assign.add_argument(
        "--solutions", action="store_true", help="release the worked solutions of CHAPTER... into OUT/solutions/"
    )
    assign.add_argument("--force", action="store_true", help="replace files a learner changed (kept by default)")
    assign.add_argument("--no-wheel", action="store_true", help="do not build the course wheel into the release")
    assign.add_argument(
        "--lang",
        default="en",
        type=_language,
        help="the edition to release: en (default) or zh, the Chinese edition (notebooks/zh/, exercises/zh/)",
    )
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
