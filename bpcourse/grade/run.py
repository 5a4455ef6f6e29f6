r"""Grading a class: which students, which notebooks, in which worker, how many at once, which shard.

``grade()`` reads the solutions, finds each student's notebooks, grades each in a fresh worker (in the
sandbox when this machine has one, ``sandbox.py``), and writes the CSV and the feedback files. Every
problem of one submission becomes a note in that student's row; the run goes on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import remote, sandbox
from .report import feedback_text, number, read_csv, spreadsheet_safe, write_atomically, write_csv_atomically
from .score import Result, grade_notebook
from .submission import Source, find_submission, misnamed, symlinked

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # the bpcourse package the worker imports
MAX_NOTEBOOK = 20 * 2**20  # bytes; a larger upload is not read
SCRATCH_SIZE = 256 * 2**20  # bytes, all the files a notebook may write (a tmpfs, in memory: --jobs × this at most)


@dataclass(frozen=True)
class Settings:
    """How each notebook is run: its deadline, its sandbox and the sandbox's limits."""

    timeout: float = 120.0
    memory: int = 2 * 2**30
    sandboxed: bool = True  # False when this machine has no sandbox (then ``why_not`` says why)
    why_not: str = ""
    # Mixed into every input seed: a digest of the solution notebooks, which no submission can read. The
    # inputs stay the same on a regrade, but a submission cannot work them out (and prepare answers) ahead.
    salt: str = ""

    def seed_key(self, student: str) -> str:
        return f"{student}@{self.salt}" if self.salt else student

    def limits(self) -> sandbox.Limits:
        """The sandbox limits of this grading process's workers (a uid of its own, see ``sandbox.uid_for``)."""
        return sandbox.Limits(memory=self.memory, uid=sandbox.uid_for(os.getpid()), scratch_size=SCRATCH_SIZE)

    def note(self) -> str:
        return "" if self.sandboxed else f"not sandboxed ({self.why_not})"


def worker_argv() -> list[str]:
    # -s: no user site-packages; -P: the working folder is not on sys.path, so a ./bpcourse/ that the
    # notebook writes there cannot shadow the library
    return [sys.executable, "-s", "-P", "-m", "bpcourse.grade.worker"]


def worker_env(scratch: Path) -> dict[str, str]:
    return {
        "PYTHONPATH": str(PACKAGE_DIR.parent),
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "MPLBACKEND": "Agg",
        "BPCOURSE_GRADING": "worker",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "HOME": str(scratch),
        "IPYTHONDIR": str(scratch / ".ipython"),
        "MPLCONFIGDIR": str(scratch / ".matplotlib"),
        "LANG": "C.UTF-8",
    }


def readonly_paths() -> list[Path]:
    """What the worker may read: the bpcourse package (not the project around it) and the Python it runs on."""
    import sysconfig

    paths = [PACKAGE_DIR, Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent]
    for key in ("purelib", "platlib", "stdlib", "platstdlib"):
        try:
            paths.append(Path(sysconfig.get_path(key)))
        except KeyError:
            pass
    unique: list[Path] = []
    for p in paths:
        if p.exists() and p not in unique:
            unique.append(p)
    return unique


def start_session(settings: Settings, scratch: Path, deadline: float) -> remote.Session:
    """A worker for one notebook, in the sandbox (when there is one), working in ``scratch``."""
    env = worker_env(scratch)
    if settings.sandboxed:
        limits = settings.limits()
        sandbox.prepare_scratch(scratch, limits.uid)
        argv = sandbox.command(worker_argv(), scratch, limits, readonly=readonly_paths(), env=env)
        return remote.Session(argv, deadline, kill=sandbox.kill)
    full = {**os.environ, **env}
    full.pop("NBGRADER_EXECUTION", None)
    return remote.Session(worker_argv(), deadline, cwd=str(scratch), env=full)


def grade_one(path: Path, source: Source, settings: Settings, student: str) -> Result:
    scratch = Path(tempfile.mkdtemp(prefix="bpcourse-grade-"))
    try:
        return grade_notebook(
            path, source, lambda deadline: start_session(settings, scratch, deadline), settings.timeout, student
        )
    finally:
        if scratch.is_symlink():  # the notebook replaced its folder with a link: remove the link, not its target
            scratch.unlink()
        shutil.rmtree(scratch, ignore_errors=True)


def grade_student(student_dir: Path, sources: list[Source], settings: Settings) -> tuple[dict, str]:
    """One student's CSV row and feedback text."""
    row, notes, lines = {"student": spreadsheet_safe(student_dir.name)}, [], []
    possible = sum(i.points for s in sources for i in s.items)
    if settings.note():
        notes.append(settings.note())
    for source in sources:
        stem = Path(source.name).stem
        path = find_submission(student_dir, source.name)
        result = Result(points={i.grade_id: 0.0 for i in source.items})
        if path is None:
            note = f"{stem}: not submitted"
            if symlinked(student_dir, source.name):
                note = f"{stem}: the submission is a symbolic link, not a notebook; not graded"
            else:
                near = misnamed(student_dir, stem)
                if near:
                    note += f" (found {', '.join(repr(n) for n in near)}: rename it to {source.name} to have it graded)"
            result.notes.append(note)
        elif path.stat().st_size > MAX_NOTEBOOK:
            result.notes.append(f"{stem}: the notebook is {path.stat().st_size / 2**20:.0f} MB, over the 20 MB limit")
        else:
            result = grade_one(path, source, settings, settings.seed_key(student_dir.name))
        row.update({k: number(v) for k, v in result.points.items()})
        notes += result.notes
        lines.append(f"== {stem} ==")
        lines += result.notes
        lines += [result.feedback[i.grade_id] for i in source.items if result.feedback.get(i.grade_id)]
        lines.append("")
    earned = sum(float(row[i.grade_id]) for s in sources for i in s.items)
    row["total"], row["possible"], row["notes"] = number(earned), number(possible), spreadsheet_safe("; ".join(notes))
    return row, feedback_text(student_dir.name, earned, possible, lines)


def in_shard(name: str, shard: tuple[int, int] | None) -> bool:
    """Shard i of n (1-based) holds the students whose name hashes to i − 1 modulo n: stable as the class grows."""
    if shard is None:
        return True
    i, n = shard
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little") % n == i - 1


def parse_shard(text: str) -> tuple[int, int]:
    try:
        i, n = (int(t) for t in text.split("/"))
    except ValueError:
        i = n = 0
    if not (n >= 1 and 1 <= i <= n):
        raise SystemExit(f"bpcourse grade --shard: expected i/n with 1 ≤ i ≤ n, such as 2/8; got {text!r}")
    return i, n


def default_jobs(memory: int) -> int:
    """min(cores, free memory / memory per worker), at least 1."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    free = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                free = int(line.split()[1]) * 1024
    except OSError:
        pass
    return max(1, min(cores, free // memory if free else cores))


def settings_for(timeout: float, memory: int, sandboxed: bool | None) -> Settings:
    """``sandboxed=None``: use the sandbox where there is one (and require it under BPCOURSE_REQUIRE_SANDBOX=1)."""
    why = sandbox.available()
    if sandboxed is None:
        sandbox.require()
        sandboxed = why is None
    elif sandboxed and why is not None:
        raise SystemExit(f"bpcourse grade: no sandbox on this machine: {why}")
    return Settings(float(timeout), int(memory), bool(sandboxed), "" if sandboxed else (why or "turned off"))


def grade(
    submissions: Path,
    out: Path,
    solutions: Path,
    timeout: float = 120,
    feedback_dir: Path | None = None,
    progress: bool = True,
    only: str | None = None,
    jobs: int | None = 1,
    shard: tuple[int, int] | None = None,
    memory: int = 2 * 2**30,
    sandboxed: bool | None = None,
) -> list[dict]:
    """Grade the class in ``submissions``; write ``out`` (CSV) and per-student feedback; return the rows.

    ``only``: grade that one student and replace (or add) their row in the existing ``out``, whose other
    rows stay as they are. ``jobs``: students graded at once (None: ``default_jobs``). ``shard=(i, n)``:
    grade only shard i of n (merge the shards' CSVs with ``report.merge``).
    """
    from tqdm.auto import tqdm

    settings = settings_for(timeout, memory, sandboxed)
    paths = sorted(solutions.glob("ex*.ipynb"))
    settings = dataclasses.replace(
        settings, salt=hashlib.sha256(b"".join(p.read_bytes() for p in paths)).hexdigest()[:16]
    )
    if not settings.sandboxed:
        print(f"bpcourse grade: NOT sandboxed: {settings.why_not}", file=sys.stderr)
    elif progress:
        print(f"bpcourse grade: {sandbox.description(settings.limits())}", file=sys.stderr)
    sources = [Source.read(p) for p in paths]
    everyone = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))
    linked = [p.name for p in everyone if p.is_symlink()]
    if linked:
        print(f"bpcourse grade: not graded, student folder(s) that are links: {', '.join(linked)}", file=sys.stderr)
    everyone = [p for p in everyone if not p.is_symlink()]
    # Columns for every exercise that somebody in the class handed in (the same in every shard).
    used = [s for s in sources if any(find_submission(d, s.name) for d in everyone)]
    columns = ["student", *[i.grade_id for s in used for i in s.items], "total", "possible", "notes"]
    hidden = sorted(p.name for p in submissions.iterdir() if p.is_dir() and p.name.startswith("."))
    if hidden:
        print(f"bpcourse grade: not graded, hidden folder(s) in {submissions}: {', '.join(hidden)}", file=sys.stderr)
    feedback_dir = feedback_dir if feedback_dir is not None else out.parent / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    kept = _rows_to_keep(out, columns, only, [d.name for d in everyone]) if only is not None else []
    students = [d for d in everyone if (only is None or d.name == only) and in_shard(d.name, shard)]
    jobs = default_jobs(memory) if jobs is None else max(1, int(jobs))
    done: dict[str, tuple[dict, str]] = {}
    bar = tqdm(total=len(students), desc="grading", unit="student", disable=not progress)
    if jobs == 1 or len(students) <= 1:
        for d in students:
            done[d.name] = grade_student(d, used, settings)
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=min(jobs, len(students))) as pool:
            futures = {d.name: pool.submit(grade_student, d, used, settings) for d in students}
            for name, future in futures.items():
                done[name] = future.result()
                bar.update()
    bar.close()
    rows = []
    for d in students:
        row, text = done[d.name]
        rows.append(row)
        write_atomically(feedback_dir / f"{d.name}.txt", text)
    if only is not None:
        rows = sorted(kept + rows, key=lambda r: r["student"])
    write_csv_atomically(rows, columns, out)
    return rows


def _rows_to_keep(out: Path, columns: list[str], only: str, students: list[str]) -> list[dict]:
    """The rows of the existing CSV other than ``only``'s, for ``--only``; a clear error if that cannot work."""
    if only not in students:
        have = ", ".join(students[:10]) + (", ..." if len(students) > 10 else "")
        raise SystemExit(f"bpcourse grade --only: no student folder {only!r}; the students are: {have}")
    if not out.is_file():
        return []
    fieldnames, rows = read_csv(out)
    if fieldnames != columns:
        raise SystemExit(
            f"bpcourse grade --only: {out} has the columns {fieldnames}, but this class needs {columns}; "
            "grade the whole class once (without --only)"
        )
    return [row for row in rows if row["student"] != spreadsheet_safe(only)]
