"""Fixtures for the real-browser tests: one JupyterLab server and one headless Chromium per session.

The server runs on 127.0.0.1 (a free port, a random token) with its own temporary settings,
workspaces, runtime and config folders, and serves *copies* of the course folders, so running
the notebooks here never touches the committed files. Its kernel is the Python running pytest.

Chromium is Debian's (``apt-get install chromium``), driven by the ``playwright`` package; set
``BPCOURSE_CHROMIUM`` to use another Chromium/Chrome binary (without a system Chromium, the one
``python -m playwright install chromium`` downloads is used). Without a browser the tests are
skipped, unless ``BPCOURSE_REQUIRE_BROWSER=1`` (set by ``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
COURSE_FOLDERS = ("notebooks", "solutions", "exercises")
DEFAULT_CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    "to run them install Chromium and Playwright for Python: `sudo apt-get install chromium` and "
    "`pip install playwright` (or `python -m playwright install chromium`, or set BPCOURSE_CHROMIUM=/path/to/chromium)"
)

# JupyterLab's own Chinese (the language pack jupyterlab-language-pack-zh-CN), for the Chinese edition's server
LAB_LOCALE = {"zh": "zh_CN"}  # English: JupyterLab's default
# JupyterLab settings for the test server (written to overrides.json in its app settings folder).
LAB_OVERRIDES = {
    # every cell attached to the page, so every formula, widget and output can be checked
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
    # no "Would you like to receive Jupyter news?" toast, no update check
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # never save the notebooks we run (they are copies anyway)
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
}


# ---------------------------------------------------------------------------- which notebooks


@functools.cache  # one list per session: collection and the server's copy must agree
def course_notebooks() -> list[Path]:
    """Every chapter notebook and the first solution notebook, found when the tests are collected.

    ``BPCOURSE_BROWSER_NOTEBOOKS`` (paths separated by ``os.pathsep``) replaces that list, e.g. to
    try one notebook or a scratch notebook outside the repository.
    """
    chosen = os.environ.get("BPCOURSE_BROWSER_NOTEBOOKS")
    if chosen:
        return [Path(p).resolve() for p in chosen.split(os.pathsep) if p]
    found = []
    for edition in ("", "zh"):  # the English edition, then the Chinese one (opened in a Chinese JupyterLab)
        chapters = sorted((REPO / "notebooks" / edition).glob("*.ipynb"))
        solutions = sorted((REPO / "solutions" / edition).glob("*.ipynb"))
        found += chapters + solutions[:1]
    return found


def notebook_id(path: Path) -> str:
    return path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else path.name


def edition_of(path: Path) -> str:
    """ "zh" for a notebook of the Chinese edition (a zh folder), else "en"."""
    return "zh" if "zh" in path.parent.parts[-1:] else "en"


def pytest_generate_tests(metafunc):
    """One test per notebook (globbed at collection time: notebooks may be added at any moment)."""
    if "notebook" in metafunc.fixturenames:
        notebooks = course_notebooks()
        metafunc.parametrize("notebook", notebooks, ids=[notebook_id(p) for p in notebooks])


# ---------------------------------------------------------------------------- browser presence


def find_chromium() -> str | None:
    """The Chromium binary to drive: ``$BPCOURSE_CHROMIUM`` if set; else Debian's; else the one
    ``python -m playwright install chromium`` downloads, if it is there."""
    wanted = os.environ.get("BPCOURSE_CHROMIUM")
    if wanted:
        return shutil.which(wanted)
    for candidate in DEFAULT_CHROMIUM:
        found = shutil.which(candidate)
        if found:
            return found
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            bundled = pw.chromium.executable_path
        return bundled if Path(bundled).is_file() else None
    except Exception:
        return None


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the Python package `playwright` is not installed"
    if find_chromium() is None:
        wanted = os.environ.get("BPCOURSE_CHROMIUM")
        where = f"BPCOURSE_CHROMIUM={wanted}" if wanted else " or ".join([*DEFAULT_CHROMIUM, "Playwright's download"])
        return f"no Chromium executable found ({where})"
    return None


def browser_required() -> bool:
    return os.environ.get("BPCOURSE_REQUIRE_BROWSER", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Skip (on a learner's machine) or fail (in CI) when the browser is missing."""
    problem = missing_browser()
    if problem is not None:
        if browser_required():
            pytest.fail(f"browser tests required (BPCOURSE_REQUIRE_BROWSER is set) but {problem}; {HOW_TO_ENABLE}")
        pytest.skip(f"browser tests skipped: {problem}; {HOW_TO_ENABLE}")
    return find_chromium()


@pytest.fixture(scope="session")
def chromium(chromium_path):
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


# ---------------------------------------------------------------------------- the Lab server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    url: str
    token: str
    root: Path
    log: Path
    process: subprocess.Popen
    copies: dict[Path, str] = field(default_factory=dict)  # original notebook → path under root
    names: dict[Path, str] = field(default_factory=dict)  # original notebook → its test id

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def page_url(self, notebook: Path) -> str:
        return f"{self.url}/lab/tree/{self.copies[notebook]}?reset&token={self.token}"

    def shutdown_kernel(self, path: str) -> None:
        """End the session (and its kernel) of the notebook at ``path`` under the root."""
        for session in self.api("/api/sessions"):
            if session.get("path") == path:
                self.api(f"/api/sessions/{session['id']}", method="DELETE")

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])


def copy_course(root: Path, notebooks: list[Path]) -> dict[Path, str]:
    """Copy the course folders (and any notebook from elsewhere) under ``root``."""
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in COURSE_FOLDERS:
        if (REPO / folder).is_dir():
            shutil.copytree(REPO / folder, root / folder, ignore=ignore)
    copies = {}
    for nb in notebooks:
        if nb.is_relative_to(REPO):
            rel = nb.relative_to(REPO)
            if not (root / rel).exists():  # e.g. written after the copy above
                (root / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(nb, root / rel)
        else:
            rel = Path("scratch") / nb.name
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, root / rel)
        copies[nb] = rel.as_posix()
    return copies


def write_kernelspec(data_dir: Path) -> None:
    """A ``python3`` kernelspec that runs this very interpreter (first on JUPYTER_PATH)."""
    spec = data_dir / "kernels" / "python3"
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel, indent=1))


@pytest.fixture(scope="session")
def lab(chromium_path):
    """One English ``jupyter lab`` for the whole session, torn down (kernels included) at the end."""
    yield from lab_server("en")


@pytest.fixture(scope="session")
def lab_zh(chromium_path):
    """The same with JupyterLab in Simplified Chinese (its language pack), for the Chinese edition."""
    yield from lab_server("zh")


def lab_server(language: str):
    """Start a Lab server whose user interface speaks ``language``; yield it; stop it."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bpcourse-lab-{language}-"))
    root = tmp / "root"
    root.mkdir()
    copies = copy_course(root, [nb for nb in course_notebooks() if edition_of(nb) == language])
    app_settings = tmp / "app-settings"
    app_settings.mkdir()
    overrides = dict(LAB_OVERRIDES)
    if language in LAB_LOCALE:
        overrides["@jupyterlab/translation-extension:plugin"] = {"locale": LAB_LOCALE[language]}
    (app_settings / "overrides.json").write_text(json.dumps(overrides, indent=1))
    write_kernelspec(tmp / "data")
    env = dict(os.environ)
    env.update(
        JUPYTERLAB_SETTINGS_DIR=str(tmp / "user-settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_PATH=os.pathsep.join(filter(None, [str(tmp / "data"), os.environ.get("JUPYTER_PATH")])),
        # the kernel imports the checkout's bpcourse even when it is not pip-installed
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    port, token = free_port(), secrets.token_hex(16)
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.app_settings_dir={app_settings}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp: read cells and kernel state
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI often run as root
    log = tmp / "lab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT)
    names = {nb: notebook_id(nb) for nb in copies}
    server = LabServer(f"http://127.0.0.1:{port}", token, root, log, process, copies, names)
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{server.log_tail()}")
            try:
                server.api("/api/status")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    pytest.fail(f"jupyter lab did not answer within 90 s:\n{server.log_tail()}")
                time.sleep(0.25)
        yield server
    finally:
        try:
            server.api("/api/shutdown", method="POST")  # stops the kernels, then the server
            process.wait(timeout=20)
        except Exception:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------- the Lab page

VIEWPORT = {"width": 1280, "height": 900}


class LabPage:
    """One browser tab with JupyterLab loaded once: the notebooks open, run and close in it."""

    def __init__(self, browser, lab: LabServer):
        self.browser, self.lab = browser, lab
        self.errors: list[str] = []  # uncaught exceptions in the page, for the test reports
        self.context = self.page = None
        self.load()

    def load(self) -> None:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(viewport=VIEWPORT)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # ?reset: start from an empty workspace (no notebook restored from an earlier session)
        self.page.goto(f"{self.lab.url}/lab?reset&token={self.lab.token}")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=90_000)
        self.page.evaluate("() => window.jupyterapp.restored")
        self.page.evaluate(  # more room for the notebooks: no file browser, no launcher
            """() => { window.jupyterapp.shell.collapseLeft();
                       for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) w.dispose(); }"""
        )

    def close(self, path: str) -> bool:
        """Close the notebook at ``path`` without saving; False if the tab had to be reloaded."""
        try:
            self.page.set_viewport_size(VIEWPORT)
            self.page.evaluate(
                """(path) => { for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) {
                                 if (w.context && w.context.path === path) {
                                   w.context.model.dirty = false; w.dispose(); } }
                               document.querySelectorAll('.jp-Dialog').forEach((d) => d.remove()); }""",
                path,
            )
            return True
        except Exception:
            self.load()
            return False


@pytest.fixture(scope="session")
def lab_page(lab, chromium):
    yield from open_page(chromium, lab)


@pytest.fixture(scope="session")
def lab_page_zh(lab_zh, chromium):
    yield from open_page(chromium, lab_zh)


def open_page(chromium, lab: LabServer):
    page = LabPage(chromium, lab)
    try:
        yield page
    finally:
        page.context.close()


# ---------------------------------------------------------------------------- latency report

LATENCIES: dict[str, list[float]] = {}  # notebook id → ms from a slider key press to the new figure shown
REDRAWS: dict[str, list[float]] = {}  # notebook id → ms the kernel spent in WidgetPlot.redraw for those nudges
PER_WIDGET: dict[str, list[float]] = {}  # "notebook #i (slider labels)" → ms from key press to new figure


@pytest.fixture(scope="session")
def latencies() -> tuple[dict, dict, dict]:
    """Where each test records its timings (browser, kernel, browser per widget plot), for the report."""
    return LATENCIES, REDRAWS, PER_WIDGET


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def latency_report() -> dict:
    every = [ms for values in LATENCIES.values() for ms in values]
    every_redraw = [ms for values in REDRAWS.values() for ms in values]
    return {
        "what": "ms from a slider key press to the redrawn figure shown in the page (median_ms), and "
        "ms of that spent in the kernel drawing the figure (kernel_redraw_median_ms)",
        "aim_median_ms": 300,
        "notebooks": {
            nb: {
                "median_ms": _median(v),
                "kernel_redraw_median_ms": _median(REDRAWS.get(nb, [])),
                "n": len(v),
                "all_ms": [round(x, 1) for x in v],
            }
            for nb, v in LATENCIES.items()
            if v
        },
        "overall": {"median_ms": _median(every), "kernel_redraw_median_ms": _median(every_redraw), "n": len(every)}
        if every
        else None,
        "widgets": {w: {"median_ms": _median(v), "n": len(v)} for w, v in PER_WIDGET.items() if v},
    }


def pytest_sessionfinish(session, exitstatus):
    if LATENCIES:
        SCREENSHOTS.mkdir(exist_ok=True)
        (SCREENSHOTS / "latency.json").write_text(json.dumps(latency_report(), indent=1) + "\n")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not any(LATENCIES.values()):
        return
    report = latency_report()
    tr = terminalreporter
    tr.section("browser: slider key press → new figure shown (ms)")
    tr.write_line("  median  (kernel redraw)      n  notebook")

    def line(r: dict, label: str) -> str:
        redraw = r["kernel_redraw_median_ms"]
        return f"{r['median_ms']:8.1f}  ({redraw if redraw is not None else float('nan'):8.1f})  {r['n']:9d}  {label}"

    for nb, r in report["notebooks"].items():
        tr.write_line(line(r, nb))
    o = report["overall"]
    flag = "" if o["median_ms"] <= report["aim_median_ms"] else f"  (aim: ≤ {report['aim_median_ms']} ms)"
    tr.write_line(line(o, "overall" + flag))
    tr.write_line("  per widget plot (≥ 10 nudges each, first visits included):")
    for w, r in report["widgets"].items():
        tr.write_line(f"{r['median_ms']:8.1f}  {r['n']:21d}  {w}")
    tr.write_line(f"screenshots and latency.json in {SCREENSHOTS}")
