"""What a learner meets: a release installed from its own wheel, the course map, links, kernel names.

``test_a_release_installs_into_a_fresh_venv_and_runs_its_first_notebook`` builds the release of
chapters 1 and 2 as an instructor does, installs the shipped wheel into a new virtual environment
with pip, offline (``--no-index --find-links <release>``), and runs the release's
``notebooks/00_start_here.ipynb`` with that environment's kernel. The dependencies (JupyterLab, NumPy,
...) are not downloaded: the test's own environment lends them through a folder of links to its
site-packages, listed in a ``.pth`` file of the new environment, without the package ``bpcourse``, so
the kernel can import bpcourse only from the wheel.
"""

from __future__ import annotations

import json
import os
import re
import site
import subprocess
import sys
import venv
from pathlib import Path

import nbformat
import pytest

from bpcourse import __version__, cli

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC_NAME = "Python 3 (ipykernel)"
LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
COURSE_NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*.ipynb"))
ALL_NOTEBOOKS = [*COURSE_NOTEBOOKS, *EXERCISES, *sorted((ROOT / "solutions").glob("*.ipynb"))]


def relative_links(text: str) -> list[str]:
    """The targets of the markdown links in ``text`` that point to a file, without their #anchor."""
    out = []
    for _, target in LINK.findall(text):
        path = target.split("#", 1)[0]
        if path and not re.match(r"[a-z][a-z0-9+.-]*:", path):
            out.append(path)
    return out


def markdown(path: Path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown")


# --- in the checkout ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_notebook_names_its_kernel_as_jupyterlab_shows_it(path):
    spec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert spec.get("display_name") == KERNELSPEC_NAME and spec.get("name") == "python3", (
        f"{path.relative_to(ROOT)} has kernelspec {spec}; run `python tools/run_notebooks.py {path.relative_to(ROOT)}`"
    )


def _course_map(readme: str) -> str:
    start = readme.index("## Course map")
    return readme[start : readme.index("\n## ", start + 1)]


def test_the_readme_course_map_links_every_notebook_and_exercise():
    linked = set(relative_links(_course_map((ROOT / "README.md").read_text(encoding="utf-8"))))
    wanted = {f"notebooks/{p.name}" for p in COURSE_NOTEBOOKS} | {f"exercises/{p.name}" for p in EXERCISES}
    assert not wanted - linked, f"missing from the README's course map: {sorted(wanted - linked)}"


def test_start_here_links_every_chapter_and_exercise():
    linked = set(relative_links(markdown(ROOT / "notebooks" / "00_start_here.ipynb")))
    wanted = {p.name for p in COURSE_NOTEBOOKS if p.name != "00_start_here.ipynb"}
    wanted |= {f"../exercises/{p.name}" for p in EXERCISES}
    assert not wanted - linked, f"00_start_here.ipynb does not link: {sorted(wanted - linked)}"


def _documents() -> list[Path]:
    return [ROOT / "README.md", *ALL_NOTEBOOKS]


@pytest.mark.parametrize("path", _documents(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_relative_link_resolves_to_a_file(path):
    text = path.read_text(encoding="utf-8") if path.suffix == ".md" else markdown(path)
    broken = [t for t in relative_links(text) if not (path.parent / t).exists()]
    assert not broken, f"{path.relative_to(ROOT)} links to files that do not exist: {broken}"


# --- a release, installed ----------------------------------------------------------------------


def _lend_dependencies(env_dir: Path) -> None:
    """Make the test environment's packages, all but bpcourse, importable in the venv at ``env_dir``."""
    farm = env_dir.parent / "lent-site-packages"
    farm.mkdir()
    for entry in Path(site.getsitepackages()[0]).iterdir():
        name = entry.name.lower()
        if name.startswith(("bpcourse", "__editable__")) or name.endswith(".pth"):
            continue  # the package under test comes from the wheel; .pth files would bring the checkout back
        (farm / entry.name).symlink_to(entry)
    site_packages = next((env_dir / "lib").glob("python*/site-packages"))
    (site_packages / "_bpcourse_test_lent.pth").write_text(f"{farm}\n", encoding="utf-8")


def _clean_env(env_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env.update(
        PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        VIRTUAL_ENV=str(env_dir),
        JUPYTER_DATA_DIR=str(home / "jupyter-data"),
        JUPYTER_CONFIG_DIR=str(home / "jupyter-config"),
        JUPYTER_RUNTIME_DIR=str(home / "jupyter-runtime"),
        IPYTHONDIR=str(home / "ipython"),
        MPLBACKEND="Agg",
    )
    return env


RUN_FIRST_NOTEBOOK = r"""
import json, sys
import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
probe = "import sys, bpcourse; print(sys.executable); print(bpcourse.__file__)"
nb.cells.append(nbformat.v4.new_code_cell(probe))
NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
print(json.dumps({"errors": [e["ename"] + ": " + e["evalue"] for e in errors],
                  "probe": nb.cells[-1].outputs[0]["text"].split()}))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="the venv layout (bin/, lib/pythonX.Y/) is the POSIX one")
def test_a_release_installs_into_a_fresh_venv_and_runs_its_first_notebook(tmp_path):
    release = tmp_path / "release"
    assert cli.main(["assign", "1", "2", "--out", str(release)]) == 0
    wheel = f"bpcourse-{__version__}-py3-none-any.whl"
    assert (release / wheel).is_file(), sorted(p.name for p in release.iterdir())
    readme = (release / "README.md").read_text(encoding="utf-8")
    assert f"pip install ./{wheel}" in readme and "bpcourse lab" in readme

    # what the student meets: chapters 1 and 2, and links to nothing else
    released = sorted(str(p.relative_to(release)) for p in release.rglob("*.ipynb"))
    assert released == [
        "exercises/ex01_principles.ipynb",
        "exercises/ex02_steps.ipynb",
        "notebooks/00_start_here.ipynb",
        "notebooks/01_principles.ipynb",
        "notebooks/02_steps.ipynb",
    ]
    for rel in released:
        targets = relative_links(markdown(release / rel))
        missing = [t for t in targets if not (release / rel).parent.joinpath(t).is_file()]
        assert not missing, f"{rel} links to files outside the release: {missing}"
    start = markdown(release / "notebooks" / "00_start_here.ipynb")
    assert "03_derivation (not in this release)" in start and "ex06_capstone (not in this release)" in start
    assert "[ex02_steps](../exercises/ex02_steps.ipynb)" in start

    # a fresh venv; pip installs the shipped wheel as the README says, offline
    env_dir = tmp_path / "student-venv"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    _lend_dependencies(env_dir)
    python = str(env_dir / "bin" / "python")
    env = _clean_env(env_dir, tmp_path)
    pip = [python, "-m", "pip", "install", "--no-index", "--find-links", str(release), f"./{wheel}"]
    done = subprocess.run(pip, cwd=release, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"Successfully installed bpcourse-{__version__}" in done.stdout

    # the wheel's course data is the release, not the whole course
    share = env_dir / "share" / "bpcourse"
    assert sorted(str(p.relative_to(share)) for p in share.rglob("*.ipynb")) == released
    assert (share / "notebooks" / "00_start_here.ipynb").read_bytes() == (
        release / "notebooks" / "00_start_here.ipynb"
    ).read_bytes()

    # `bpcourse lab` in the release opens the release; elsewhere, a workspace copy of it
    lab = [str(env_dir / "bin" / "bpcourse"), "lab", "--dry-run"]
    here = subprocess.run(lab, cwd=release, env=env, capture_output=True, text=True, timeout=120)
    assert here.returncode == 0, here.stderr
    assert (
        f"--ServerApp.root_dir={release} " in here.stdout and "/lab/tree/notebooks/00_start_here.ipynb" in here.stdout
    )
    elsewhere = tmp_path / "home"
    elsewhere.mkdir()
    away = subprocess.run(lab, cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert away.returncode == 0, away.stderr
    assert "notebooks/: copied 3 new file(s)" in away.stdout and "exercises/: copied 2 new file(s)" in away.stdout

    # open the first notebook: run it top to bottom in the venv's own kernel
    script = tmp_path / "run_first.py"
    script.write_text(RUN_FIRST_NOTEBOOK, encoding="utf-8")
    first = release / "notebooks" / "00_start_here.ipynb"
    ran = subprocess.run(
        [python, str(script), str(first), str(first.parent)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ran.returncode == 0, ran.stdout[-2000:] + ran.stderr[-3000:]
    result = json.loads(ran.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    executable, package = result["probe"]
    assert Path(executable).parent == env_dir / "bin", executable  # the venv's kernel
    assert Path(package).is_relative_to(env_dir), package  # bpcourse from the wheel, not the checkout
