r"""``bpcourse assign``: the student version of chapters, generated from ``solutions/``.

``solutions/exNN_<name>.ipynb`` is the one source. Its answers sit between nbgrader's markers;
the student version replaces each marked region by a stub, as nbgrader's ``generate_assignment``
does, and drops all outputs:

    ### BEGIN SOLUTION            →    # YOUR CODE HERE
    ...                                 raise NotImplementedError()
    ### END SOLUTION

Cells keep their nbgrader metadata, so a release is also a valid nbgrader student notebook.

A chapter id is a number with an optional letter: ``3`` is ``notebooks/03_*`` and ``solutions/ex03_*``,
``3b`` is ``notebooks/03b_*`` and ``solutions/ex03b_*`` (``03_*`` never matches ``03b_*``).

A release (``--out`` anywhere but the checkout) holds notebooks/, exercises/, a README.md that says
how to install it, and the course wheel, built from the instructor's checkout with only the released
chapters in it. A file a learner has changed in notebooks/, exercises/ or solutions/ is never
overwritten without ``force``: ``.bpcourse-release.json`` records what the last release wrote, so a file
still as written is updated and a changed one is kept.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
_HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS[ \t]*\n?", re.S | re.M)
_CHAPTER_ID = re.compile(r"0*(\d{1,2})([a-z]?)")
_SOLUTION_NAME = re.compile(r"ex(\d\d)([a-z]?)_.+\.ipynb")
MANIFEST = ".bpcourse-release.json"
LEARNER_FOLDERS = ("notebooks", "exercises", "solutions")
NOT_RELEASED = "not in this release"
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def strip_solutions(source: str, stub: str = CODE_STUB) -> str:
    """Replace every BEGIN/END SOLUTION region by ``stub``, indented like the BEGIN line."""
    out, inside, indent = [], False, ""
    for line in source.split("\n"):
        if line.strip().startswith(BEGIN):
            if inside:
                raise ValueError(f"nested {BEGIN!r}")
            inside, indent = True, line[: len(line) - len(line.lstrip())]
            out += [indent + s for s in stub.split("\n")]
        elif line.strip().startswith(END):
            if not inside:
                raise ValueError(f"{END!r} without {BEGIN!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{BEGIN!r} without {END!r}")
    return "\n".join(out)


def student_version(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a solution notebook with answers replaced by stubs and every output cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = _HIDDEN.sub("", strip_solutions(cell.source))
            cell.outputs, cell.execution_count = [], None
        elif cell.cell_type == "markdown":
            cell.source = strip_solutions(cell.source, TEXT_STUB)
        cell.metadata.pop("execution", None)
    nb.metadata.pop("widgets", None)
    return nb


# --- chapter ids -------------------------------------------------------------------------------


def parse_chapter(chapter: int | str) -> str:
    """The canonical id of a chapter: 3 → "3", "03" → "3", "3B" → "3b". ValueError for anything else."""
    match = _CHAPTER_ID.fullmatch(str(chapter).strip().lower())
    if isinstance(chapter, bool) or match is None:
        raise ValueError(f"expected a chapter number with an optional letter, such as 2 or 3b; got {chapter!r}")
    return f"{int(match[1])}{match[2]}"


def chapter_prefix(chapter: int | str) -> str:
    """The file-name prefix of a chapter: "3" → "03", "3b" → "03b"."""
    cid = parse_chapter(chapter)
    number = cid.rstrip("abcdefghijklmnopqrstuvwxyz")
    return f"{int(number):02d}{cid[len(number) :]}"


def chapter_key(chapter: int | str) -> tuple[int, str]:
    """Sort key of a chapter id: 3 < 3b < 4."""
    cid = parse_chapter(chapter)
    number = cid.rstrip("abcdefghijklmnopqrstuvwxyz")
    return int(number), cid[len(number) :]


def available_chapters(solutions: Path) -> list[str]:
    """The chapter ids that have a solution notebook ``exNN[x]_<name>.ipynb`` in ``solutions``, in course order."""
    found = {
        f"{int(m[1])}{m[2]}" for p in solutions.glob("ex*.ipynb") if (m := _SOLUTION_NAME.fullmatch(p.name)) is not None
    }
    return sorted(found, key=chapter_key)


def _unknown_chapter(chapter, solutions: Path) -> str:
    have = ", ".join(available_chapters(solutions)) or "none"
    return f"no exercises for chapter {chapter} in {solutions}; the chapters are: {have}"


def solution_path(solutions: Path, chapter: int | str) -> Path:
    """solutions/exNN[x]_<name>.ipynb for a chapter id (3 → ex03_*, "3b" → ex03b_*)."""
    try:
        prefix = chapter_prefix(chapter)
    except ValueError as exc:
        raise SystemExit(
            f"bpcourse assign: {exc}; the chapters are: {', '.join(available_chapters(solutions))}"
        ) from None
    found = sorted(solutions.glob(f"ex{prefix}_*.ipynb"))
    if not found:
        raise SystemExit(f"bpcourse assign: {_unknown_chapter(chapter, solutions)}")
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise SystemExit(f"bpcourse assign: chapter {chapter} has {len(found)} solution notebooks ({names}); keep one")
    return found[0]


def edition_sources(root: Path, chapters: list[int | str], lang: str) -> tuple[Path, Path]:
    """(solutions folder, notebooks folder) of an edition: solutions/, notebooks/ or solutions/zh/, notebooks/zh/.

    Every chapter is checked first (English solutions name the chapters), so that nothing is written for an
    unknown chapter or a translation that has not been built.
    """
    from .i18n import edition_path

    english = root / "solutions"
    for chapter in chapters:
        solution_path(english, chapter)
    solutions, notebooks = root / edition_path("solutions", lang), root / edition_path("notebooks", lang)
    if solutions != english:
        missing = [
            f"{solutions.relative_to(root).as_posix()}/{solution_path(english, c).name}"
            for c in chapters
            if not (solutions / solution_path(english, c).name).is_file()
        ]
        missing += [f"{notebooks.relative_to(root).as_posix()}/00_start_here.ipynb"] * (
            not (notebooks / "00_start_here.ipynb").is_file()
        )
        if missing:
            raise SystemExit(
                f"bpcourse assign --lang {lang}: the {lang!r} edition is not built for this release; missing: "
                f"{', '.join(missing)}. Write it with `python tools/i18n.py build` in the checkout, or release the "
                "English edition (without --lang)"
            )
    return solutions, notebooks


def chapter_notebooks(notebooks: Path, chapter: int | str) -> list[Path]:
    """notebooks/NN[x]_<name>.ipynb of a chapter (3 → 03_*, never 03b_*)."""
    return sorted(notebooks.glob(f"{chapter_prefix(chapter)}_*.ipynb"))


# --- writing -----------------------------------------------------------------------------------


def write_exercise(solution: Path, out_dir: Path) -> Path:
    """Write the student version of one solution notebook to out_dir under the same file name."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / solution.name
    nbformat.write(student_version(nbformat.read(solution, as_version=4)), target)
    return target


def _copy(src: Path, dst: Path) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if not (dst.exists() and dst.resolve() == src.resolve()):
        shutil.copy2(src, dst)
    return dst


def _notebook_bytes(nb: nbformat.NotebookNode) -> bytes:
    """The bytes ``nbformat.write`` would write."""
    text = nbformat.writes(nb)
    return (text if text.endswith("\n") else text + "\n").encode("utf-8")


def unlink_unreleased(nb: nbformat.NotebookNode, here: str, released: set[str]) -> nbformat.NotebookNode:
    """Markdown links to notebooks outside the release become plain text marked "not in this release".

    ``here`` is the notebook's folder in the release ("notebooks"); ``released`` holds the release's
    files as "notebooks/01_principles.ipynb". Links with a scheme (https:) or to an anchor stay.
    """

    def replace(match: re.Match) -> str:
        text, target = match[1], match[2]
        path = target.split("#", 1)[0]
        if not path or ":" in path or not path.endswith(".ipynb"):
            return match[0]
        parts = [*here.split("/"), *path.split("/")]
        resolved: list[str] = []
        for part in parts:
            if part == "..":
                if resolved:
                    resolved.pop()
            elif part not in ("", "."):
                resolved.append(part)
        if "/".join(resolved) in released:
            return match[0]
        return f"{text.strip('`')} ({NOT_RELEASED})"

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _LINK.sub(replace, cell.source)
    return nb


RELEASE_README_EN = """# bpcourse: chapter(s) {chapters}

    notebooks/   the chapters: start with notebooks/00_start_here.ipynb
    exercises/   the exercises: complete each function, then run the check cell below it
    solutions/   the worked solutions, once your instructor releases them

## Install and open

In a terminal, in this folder (Python {python} or newer; a virtual environment is a good idea):
{missing}
    pip install ./{wheel}
    bpcourse lab

`bpcourse lab` opens JupyterLab on this folder, at `notebooks/00_start_here.ipynb`
(`jupyter lab` works too). The wheel holds the course library, version {version}; pip installs
JupyterLab and the rest from the package index. Run `bpcourse lab` from this folder: elsewhere, it
copies the released notebooks into `./bpcourse-workspace` and opens that copy instead.

Installed bpcourse {version} from an earlier release already? Replace it with this one:

    pip install --force-reinstall --no-deps ./{wheel}

## Hand in

The exercise notebooks as they are, with the same file names.
"""
MISSING_WHEEL_EN = """
The course wheel, `{wheel}`, comes from your instructor beside this folder: put it here first.
"""
RELEASE_README_ZH = """# bpcourse（反向传播课程，中文版）：第 {chapters} 章

    notebooks/zh/   各章正文：从 notebooks/zh/00_start_here.ipynb 开始
    exercises/zh/   练习：补全每个函数，然后运行它下面的检查单元格
    solutions/zh/   参考答案，由老师另行发布

## 安装并打开

在这个文件夹里打开终端（需要 Python {python} 或更新版本；建议使用虚拟环境）：
{missing}
    pip install ./{wheel}
    bpcourse lab --lang zh

`bpcourse lab --lang zh` 在这个文件夹上打开 JupyterLab，并直接进入 `notebooks/zh/00_start_here.ipynb`。
wheel 文件里是课程的程序库（版本 {version}），JupyterLab 等其余依赖由 pip 从软件包索引安装。
请在这个文件夹里运行 `bpcourse lab --lang zh`：在别处运行时，它会把课程复制到 `./bpcourse-workspace`
再打开那份副本。

以前装过 bpcourse {version}？用这一版替换它：

    pip install --force-reinstall --no-deps ./{wheel}

## 提交

提交 exercises/zh/ 里的练习 notebook，保持原样，文件名不变。
"""
MISSING_ZH = """
课程的 wheel 文件 `{wheel}` 由老师和这个文件夹一起发给你：请先把它放到这里。
"""
RELEASE_README = {"en": RELEASE_README_EN, "zh": RELEASE_README_ZH}
MISSING_WHEEL = {"en": MISSING_WHEEL_EN, "zh": MISSING_ZH}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(out: Path) -> dict[str, str]:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        return {str(k): str(v) for k, v in data.get("files", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


class Writer:
    """Writes a release's learner files without overwriting a learner's changes (unless ``force``)."""

    def __init__(self, out: Path, force: bool):
        self.out, self.force = out, force
        self.manifest = _read_manifest(out)
        self.written: list[Path] = []
        self.kept: list[Path] = []

    def put(self, rel: str, data: bytes) -> None:
        target = self.out / rel
        if target.is_file() and not self.force:
            current = target.read_bytes()
            if current == data:  # already as this release has it
                self.manifest[rel] = _digest(data)
                return
            if self.manifest.get(rel) != _digest(current):  # not as a release wrote it: a learner's work
                self.kept.append(target)
                return
        elif target.exists() and not target.is_file():
            raise SystemExit(f"bpcourse assign: {target} is in the way (expected a file, found a folder or link)")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        self.manifest[rel] = _digest(data)
        self.written.append(target)

    def save_manifest(self) -> None:
        (self.out / MANIFEST).write_text(
            json.dumps({"files": dict(sorted(self.manifest.items()))}, indent=1) + "\n", encoding="utf-8"
        )

    def report_kept(self) -> None:
        if self.kept:
            names = "\n".join(f"  {p}" for p in self.kept)
            print(
                f"bpcourse assign: kept {len(self.kept)} file(s) that were changed after the last release "
                f"(a learner's work is never overwritten):\n{names}\n"
                "To replace them with this release's version, run the same command with --force.",
                file=sys.stderr,
            )


def build_wheel(root: Path, notebooks: dict[str, bytes], exercises: dict[str, bytes], dest: Path) -> Path:
    """Build the course wheel from ``root`` with only the given notebooks and exercises as its course data.

    ``notebooks`` and ``exercises`` map a path in the release ("notebooks/zh/01_principles.ipynb") to its bytes.

    The package is copied to a scratch folder with the release's notebooks/ and exercises/, and built
    there (``pip wheel --no-deps``), so the wheel's ``share/bpcourse`` holds the release, not the whole
    course. With setuptools ≥ 77 installed the build needs no network (``--no-build-isolation``).
    """
    if not ((root / "pyproject.toml").is_file() and (root / "bpcourse").is_dir()):
        raise SystemExit(
            f"bpcourse assign: the course wheel is built from a checkout of the course (pyproject.toml and "
            f"bpcourse/), and {root} has none; run assign in the checkout, or give --no-wheel"
        )
    for old in dest.glob("bpcourse-*.whl"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="bpcourse-wheel-") as tmp:
        src = Path(tmp) / "src"
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(root / "bpcourse", src / "bpcourse", ignore=ignore)
        for name in ("pyproject.toml", "README.md", "LICENSE"):
            if (root / name).is_file():
                shutil.copy2(root / name, src / name)
        for rel, data in (notebooks | exercises).items():  # "notebooks/01_x.ipynb", "exercises/zh/ex01_x.ipynb"
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_bytes(data)
        cmd = [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(dest)]
        if _have_setuptools(77):
            cmd.append("--no-build-isolation")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
            raise SystemExit(
                f"bpcourse assign: could not build the course wheel (`{' '.join(cmd[1:4])} ...`):\n{tail}\n"
                "Install the build tools (`pip install 'setuptools>=77'`), or give --no-wheel to write the "
                "release without it."
            )
    wheels = sorted(dest.glob("bpcourse-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"bpcourse assign: expected one bpcourse wheel in {dest}, found {len(wheels)}")
    return wheels[0]


def _have_setuptools(major: int) -> bool:
    try:
        from importlib.metadata import version

        return int(version("setuptools").split(".")[0]) >= major
    except Exception:
        return False


def assign(
    chapters: list[int | str], out: Path, root: Path, *, force: bool = False, wheel: bool = True, lang: str = "en"
) -> list[Path]:
    """Write the release of ``chapters`` under ``out``: notebooks/ and exercises/, ready to hand out.

    notebooks/ gets 00_start_here and each chapter's notebook, their links to unreleased chapters
    turned into plain text; exercises/ gets the student version of each chapter's solution notebook.
    Outside the checkout, README.md says how to install the release and the course wheel is built
    into ``out`` (``wheel=False``: not). ``--out`` the checkout itself regenerates exercises/ and
    writes nothing else. Returns the written paths; a learner's changed file is kept unless ``force``.

    ``lang="zh"`` releases the Chinese edition instead, from notebooks/zh/ and solutions/zh/ (written by
    ``tools/i18n.py build``) into notebooks/zh/ and exercises/zh/ of ``out``, with a Chinese README.
    """
    from . import __version__
    from .i18n import edition_path

    solutions, notebooks = edition_sources(root, chapters, lang)
    ids = sorted({parse_chapter(c) for c in chapters}, key=chapter_key)
    nb_dir, ex_dir = edition_path("notebooks", lang), edition_path("exercises", lang)

    if out.resolve() == root.resolve():  # regenerating exercises/ in the checkout: no README, no wheel
        return [write_exercise(solution_path(solutions, c), out / ex_dir) for c in ids]

    books = [notebooks / "00_start_here.ipynb"] if (notebooks / "00_start_here.ipynb").is_file() else []
    for cid in ids:
        books += chapter_notebooks(notebooks, cid)
    exercises = {
        p.name: student_version(nbformat.read(p, as_version=4)) for p in (solution_path(solutions, c) for c in ids)
    }
    released = {f"{nb_dir}/{p.name}" for p in books} | {f"{ex_dir}/{name}" for name in exercises}
    nb_files = {
        f"{nb_dir}/{p.name}": _notebook_bytes(unlink_unreleased(nbformat.read(p, as_version=4), nb_dir, released))
        for p in books
    }
    ex_files = {
        f"{ex_dir}/{name}": _notebook_bytes(unlink_unreleased(nb, ex_dir, released)) for name, nb in exercises.items()
    }

    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out, force)
    for rel, data in (nb_files | ex_files).items():
        writer.put(rel, data)
    written = list(writer.written)
    if wheel:
        built = build_wheel(root, nb_files, ex_files, out)
        written.append(built)
        wheel_name = built.name
    else:
        wheel_name = f"bpcourse-{__version__}-py3-none-any.whl"
    readme = out / "README.md"
    template, missing = RELEASE_README.get(lang, RELEASE_README["en"]), MISSING_WHEEL.get(lang, MISSING_WHEEL["en"])
    readme.write_text(
        template.format(
            chapters=", ".join(ids),
            version=__version__,
            wheel=wheel_name,
            python=_requires_python(root),
            missing="" if wheel else missing.format(wheel=wheel_name),
        ),
        encoding="utf-8",
    )
    written.append(readme)
    writer.save_manifest()
    writer.report_kept()
    return written


def _requires_python(root: Path) -> str:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        return "3.10"
    try:
        spec = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
        return spec.lstrip(">=~ ")
    except (OSError, KeyError, ValueError):
        return "3.10"


def release_solutions(
    chapters: list[int | str], out: Path, root: Path, *, force: bool = False, lang: str = "en"
) -> list[Path]:
    """Copy the worked solutions of ``chapters`` (executed, as in solutions/) into ``out``/solutions/.

    A file already in ``out``/solutions/ that differs from what a release wrote there is a learner's
    and is kept, unless ``force``. ``lang="zh"``: from solutions/zh/ into ``out``/solutions/zh/.
    Returns the written paths.
    """
    from .i18n import edition_path

    solutions, _notebooks = edition_sources(root, chapters, lang)
    folder = edition_path("solutions", lang)
    paths = [solution_path(solutions, c) for c in chapters]
    if out.resolve() == root.resolve():
        raise SystemExit(
            "bpcourse assign --solutions: --out is the course checkout, whose solutions/ is the source; "
            "give the folder of a release, e.g. --out release"
        )
    out.mkdir(parents=True, exist_ok=True)
    writer = Writer(out, force)
    for path in paths:
        writer.put(f"{folder}/{path.name}", path.read_bytes())
    writer.save_manifest()
    writer.report_kept()
    return list(writer.written)
