"""The course the way a learner meets it: each notebook opened in JupyterLab in Chromium.

For every chapter notebook and one solution notebook: run all cells, wait until the kernel is
idle and every code cell has its execution count, then check that there is no error output,
that the formulas were typeset by MathJax, that each widget plot shows its controls and figure,
and that nudging each slider from the keyboard redraws its figure within 2 s (timed in the page).
A screenshot of each notebook lands in tests/browser/screenshots/ (ignored by git).

Speed: the notebooks run two at a time (``BPCOURSE_BROWSER_PARALLEL``) in one Lab tab, ahead of
their tests; the sliders are nudged only when no notebook is running, so the times are clean.
"""

from __future__ import annotations

import ast
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

OPEN_TIMEOUT_S = 90  # notebook loaded and its kernel idle
RUN_TIMEOUT_S = 150  # all cells of one notebook
RENDER_TIMEOUT_MS = 30_000  # widgets and formulas after the kernel is done
REDRAW_TIMEOUT_MS = 2_000  # the bound for a nudge to show a new figure
LATE_REDRAW_MS = 30_000  # how long to keep waiting, to report how late a slow redraw is
GROSS_MEDIAN_MS = 2_000  # fail on timing only when grossly off; the aim (≤ 300 ms) is reported
NUDGES_PER_WIDGET = 10  # each widget plot's sliders are nudged in turn until it has this many (first visits count)
MIN_TRACK_PX = 100  # a slider whose track is narrower cannot be dragged with a mouse
# WidgetPlot's text/plain and its reset button are bpcourse.widgets.base.TEXT_FALLBACK and RESET_LABEL, in the
# notebook's language (edition_words)
BASELINES = Path(__file__).resolve().parent / "baselines"
# one figure with Chinese labels, compared with a committed screenshot: (notebook id, widget plot index)
ZH_SCREENSHOT = ("notebooks/zh/02_steps.ipynb", 0)
SCREENSHOT_TOLERANCE = 0.01  # the share of pixels that may differ by more than 48 levels in a channel
MATH = re.compile(r"\$[^$\s][^$]*\$|\\begin\{|\\\(|\\\[")

# JavaScript, evaluated with the notebook's path (relative to the server root) as argument. The
# app object is window.jupyterapp (the server runs with expose_app_in_browser).
FIND_PANEL = """const p = Array.from(window.jupyterapp.shell.widgets('main')).find((w) =>
  w.context && w.context.path === path && w.content && w.sessionContext && w.context.isReady);"""

JS_OPEN = "(path) => { window.jupyterapp.commands.execute('docmanager:open', { path }); }"

# Edit → Clear Outputs of All Cells, then Run → Run All Cells, on that notebook.
JS_RUN_ALL = f"""(path) => {{
  {FIND_PANEL}
  const args = {{ semanticWidget: p.id, activate: false }};
  window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs', args)
    .then(() => window.jupyterapp.commands.execute('notebook:run-all-cells', args));
}}"""

JS_ACTIVATE = f"(path) => {{ {FIND_PANEL} window.jupyterapp.shell.activateById(p.id); }}"

# Cheap enough to poll every 200 ms: no output data is serialized.
JS_PROGRESS = f"""(path) => {{
  {FIND_PANEL}
  if (!p) return null;
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  let pending = [], errors = 0;
  p.content.widgets.forEach((c, i) => {{
    if (c.model.type !== 'code') return;
    if (c.model.executionCount === null && c.model.sharedModel.getSource().trim()) pending.push(i);  // empty: not run
    const outs = c.model.outputs;
    for (let k = 0; k < outs.length; k++) {{
      const o = outs.get(k);
      if (o.type === 'error' || (o.type === 'stream' && o.toJSON().name === 'stderr')) errors += 1;
    }}
  }});
  const dialog = document.querySelector('.jp-Dialog');
  return {{ status: kernel ? kernel.status : 'no kernel', pending, errors,
            dialog: dialog ? dialog.innerText.slice(0, 300) : null }};
}}"""

JS_STATE_TEMPLATE = rf"""(path) => {{
  {FIND_PANEL}
  if (!p) return null;
  // TeX that MathJax left as text (e.g. an unbalanced $): rendered text minus formulas and code
  const rawTex = (node) => {{
    const md = node.querySelector('.jp-RenderedMarkdown');
    if (!md) return null;
    const copy = md.cloneNode(true);
    copy.querySelectorAll('mjx-container, code, pre, script').forEach(e => e.remove());
    const m = copy.textContent.match(/.{{0,30}}(\$|\\[A-Za-z]+).{{0,30}}/);
    return m ? m[0] : null;
  }};
  const cells = p.content.widgets.map((c, i) => {{
    const m = c.model;
    const outputs = m.type === 'code' ? Array.from({{ length: m.outputs.length }}, (_, k) => m.outputs.get(k)) : [];
    return {{
      index: i, type: m.type, count: m.type === 'code' ? m.executionCount : null,
      source: m.sharedModel.getSource(),
      errors: outputs.filter(o => o.type === 'error' || (o.type === 'stream' && o.toJSON().name === 'stderr'))
        .map(o => o.toJSON()).map(o => o.output_type === 'error' ? `${{o.ename}}: ${{o.evalue}}`
                                                              : `stderr: ${{[].concat(o.text).join('')}}`),
      widgetPlots: outputs.filter(o => o.data && [].concat(o.data['text/plain'] || []).join('')
        .includes(__MARK__)).length,
      mathNodes: c.node.querySelectorAll('mjx-container').length,
      mathErrors: c.node.querySelectorAll('mjx-merror').length,
      rawTex: rawTex(c.node),
    }};
  }});
  return {{ cells }};
}}"""

JS_WIDGETS_TEMPLATE = f"""(path) => {{
  {FIND_PANEL}
  const visible = (e) => {{ const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }};
  return Array.from(p.node.querySelectorAll('.bp-widget-plot')).map((w) => {{
    const controls = Array.from(w.querySelectorAll(
      '.widget-slider, .widget-dropdown, .widget-checkbox, .widget-toggle-button, button, .widget-toggle-buttons'));
    const img = w.querySelector(':scope > img') || Array.from(w.querySelectorAll('img')).pop();
    const text = (e) => (e ? (e.innerText || e.textContent || '').trim() : '');
    return {{
      controls: controls.length,
      hidden: controls.filter((c) => !visible(c)).map((c) => c.className),
      // every slider: its label, the width of its track, its tooltip (the full description)
      sliders: Array.from(w.querySelectorAll('.widget-slider')).map((c) => {{
        const track = c.querySelector('.noUi-target') || c.querySelector('.slider-container');
        return {{ label: text(c.querySelector('.widget-label')), track: track ? track.getBoundingClientRect().width : 0,
                 tooltip: c.title || (c.querySelector('[title]') || {{}}).title || '' }};
      }}),
      // controls a screen reader cannot name: no label text, no tooltip, no aria-label
      unnamed: controls.filter((c) => !text(c.querySelector('.widget-label')) && !text(c) && !c.title
        && !c.getAttribute('aria-label')).map((c) => c.className),
      hasReset: Array.from(w.querySelectorAll('button')).some((b) => text(b).toLowerCase().includes(__RESET__)),
      image: img ? {{ loaded: img.complete && img.naturalWidth > 0, shown: visible(img) }} : null,
      broken: w.innerText.includes('Error displaying widget'),
    }};
  }});
}}"""

# Every figure in the outputs (widget PNGs and inline plots): [cell index, opaque white corner?]. A
# transparent figure shows its black text on JupyterLab's dark background; an opaque one reads the same
# in every theme. null where the pixels cannot be read.
JS_OPAQUE_FIGURES = f"""(path) => {{
  {FIND_PANEL}
  const out = [];
  p.content.widgets.forEach((c, i) => {{
    c.node.querySelectorAll('.jp-OutputArea-output img').forEach((img) => {{
      if (!img.complete || !img.naturalWidth) return;
      try {{
        const cv = document.createElement('canvas'); cv.width = 3; cv.height = 3;
        const g = cv.getContext('2d'); g.drawImage(img, 0, 0);
        const d = g.getImageData(1, 1, 1, 1).data;
        out.push([i, d[3] === 255 && d[0] > 230 && d[1] > 230 && d[2] > 230]);
      }} catch (e) {{ out.push([i, null]); }}
    }});
  }});
  return out;
}}"""

# Every matplotlib figure still alive in the kernel (the widget plots'), drawn again with warnings caught: the
# characters its text needs that its fonts lack (matplotlib would draw each as an empty box, "tofu"), and
# whether any of its text is Chinese. Asked silently, like JS_REDRAWS.
GLYPH_PROBE = (
    "__import__('bpcourse.fonts', fromlist=['x']).figure_glyph_report("
    "[o for o in __import__('gc').get_objects() if type(o).__name__ == 'Figure'])"
)
JS_GLYPHS = f"""async (path) => {{
  {FIND_PANEL}
  const future = p.sessionContext.session.kernel.requestExecute(
    {{ code: '', silent: true, store_history: false, user_expressions: {{ r: {json.dumps(GLYPH_PROBE)} }} }});
  const reply = await future.done;
  const r = reply.content.user_expressions.r;
  return r.status === 'ok' ? r.data['text/plain'] : `${{r.ename}}: ${{r.evalue}}`;
}}"""

# JupyterLab's own menu bar: in a Chinese Lab (the language pack) "File" reads 文件
JS_MENU = "() => (document.querySelector('#jp-menu-panel') || document.body).innerText"


def edition_words(language: str) -> dict[str, str]:
    """What a widget plot says in ``language``: its text/plain mark and its reset button (bpcourse's catalog)."""
    from bpcourse import i18n
    from bpcourse.widgets.base import RESET_LABEL, TEXT_FALLBACK

    i18n.set_language(language)
    try:
        mark = i18n._(TEXT_FALLBACK).format(title="").strip()
        reset = i18n._(RESET_LABEL).lower()
    finally:
        i18n.set_language("en")
    return {"mark": mark, "reset": reset}


def js_for(js: str, words: dict[str, str]) -> str:
    return js.replace("__MARK__", json.dumps(words["mark"])).replace("__RESET__", json.dumps(words["reset"]))


# Before a nudge: remember the figure's src, then time the key press → new src → new image decoded.
JS_ARM = """(img, key) => {
  const rec = { t0: null, tSrc: null, tLoad: null, old: img.src };
  window.__bpNudge = rec;
  const onKey = (e) => { if (e.key === key && rec.t0 === null) rec.t0 = performance.now(); };
  document.addEventListener('keydown', onKey, { capture: true });
  const obs = new MutationObserver(() => {
    if (img.src !== rec.old && rec.tSrc === null) {
      rec.tSrc = performance.now();
      obs.disconnect();
      document.removeEventListener('keydown', onKey, { capture: true });
      const loaded = () => { if (rec.tLoad === null) rec.tLoad = performance.now(); };
      img.decode().then(loaded, loaded);
    }
  });
  obs.observe(img, { attributes: true, attributeFilter: ['src'] });
}"""


# ---------------------------------------------------------------------------- running ahead


@dataclass
class Run:
    path: str
    started: float
    phase: str = "opening"  # → running → done
    ran_at: float = 0.0
    idle_since: float | None = None
    open_s: float = 0.0
    run_s: float = 0.0
    problem: str | None = None


class Runner:
    """Opens notebooks in the Lab tab and runs all their cells, up to ``parallel`` at a time, in test order."""

    def __init__(self, lab, lab_page, notebooks: list, parallel: int):
        self.lab, self.lab_page, self.parallel = lab, lab_page, parallel
        self.queue = list(notebooks)
        self.runs: dict = {}

    def active(self) -> list[Run]:
        return [r for r in self.runs.values() if r.phase != "done"]

    def start(self, notebook) -> None:
        if notebook in self.queue:
            self.queue.remove(notebook)
        path = self.lab.copies[notebook]
        self.runs[notebook] = Run(path, time.monotonic())
        self.lab_page.page.evaluate(JS_OPEN, path)

    def step(self) -> None:
        """Advance every active run by what the page shows now."""
        page = self.lab_page.page
        for run in self.active():
            p = page.evaluate(JS_PROGRESS, run.path)
            now = time.monotonic()
            if run.phase == "opening":
                if p is not None and p["dialog"] and now - run.started > 5:  # e.g. "Select Kernel"
                    run.problem, run.phase = f"a dialog is in the way: {p['dialog']!r}", "done"
                elif p is not None and p["status"] == "idle" and not p["dialog"]:
                    run.open_s, run.ran_at, run.phase = now - run.started, now, "running"
                    page.evaluate(JS_RUN_ALL, run.path)
                elif now - run.started > OPEN_TIMEOUT_S:
                    seen = f"kernel {p['status']}, dialog {p['dialog']!r}" if p else "no notebook panel"
                    run.problem, run.phase = f"not ready {OPEN_TIMEOUT_S} s after opening: {seen}", "done"
            elif p is None:  # the panel went away while running
                run.problem, run.phase = "the notebook panel closed while it ran", "done"
            else:
                if p["status"] != "idle":
                    run.idle_since = None
                elif run.idle_since is None:
                    run.idle_since = now
                # done: idle with every count, or idle for a while after an error (the rest was skipped)
                if run.idle_since is not None and (not p["pending"] or (p["errors"] and now - run.idle_since > 1.5)):
                    run.run_s, run.phase = now - run.ran_at, "done"
                if run.phase == "running" and now - run.ran_at > RUN_TIMEOUT_S:
                    run.problem = f"not done after {RUN_TIMEOUT_S} s: kernel {p['status']}, cells {p['pending']}"
                    run.phase = "done"

    def wait(self, notebook) -> Run:
        """Keep up to ``parallel`` notebooks running until ``notebook`` is done."""
        if notebook not in self.runs:
            self.start(notebook)
        while self.runs[notebook].phase != "done":
            while self.queue and len(self.active()) < self.parallel:
                self.start(self.queue[0])
            self.step()
            time.sleep(0.2)
        return self.runs[notebook]

    def quiesce(self) -> None:
        """Let the runs already started finish (start no new ones): a quiet machine for the timings."""
        while self.active():
            self.step()
            time.sleep(0.2)

    def finish(self, notebook) -> None:
        """Close the notebook without saving and shut its kernel down."""
        path = self.lab.copies[notebook]
        if not self.lab_page.close(path):  # the tab was reloaded: the other open notebooks are gone too
            for other, run in list(self.runs.items()):
                if run.phase != "done":
                    del self.runs[other]
                    self.lab.shutdown_kernel(run.path)
                    self.queue.insert(0, other)
        self.lab.shutdown_kernel(path)


@pytest.fixture(scope="session")
def runner(request, lab, lab_page):
    """Runs the selected notebooks ahead of their tests, in the order the tests will need them."""
    return runner_for(request, lab, lab_page)


@pytest.fixture(scope="session")
def runner_zh(request, lab_zh, lab_page_zh):
    """The runner of the Chinese edition, on the Chinese JupyterLab."""
    return runner_for(request, lab_zh, lab_page_zh)


def runner_for(request, lab, lab_page) -> Runner:
    """A Runner for the session's notebooks that ``lab`` serves, in test order."""
    params = [getattr(item, "callspec", None) for item in request.session.items]
    order = [c.params["notebook"] for c in params if c is not None and c.params.get("notebook") in lab.copies]
    parallel = max(1, int(os.environ.get("BPCOURSE_BROWSER_PARALLEL", min(2, os.cpu_count() or 1))))
    return Runner(lab, lab_page, list(dict.fromkeys(order)), parallel)


# ---------------------------------------------------------------------------- checks


def test_lab_kernel_is_this_python(lab):
    """The notebooks run on the interpreter running pytest (the one with this checkout's dependencies)."""
    spec = lab.api("/api/kernelspecs")["kernelspecs"]["python3"]["spec"]
    assert spec["argv"][0] == sys.executable


def nudge_slider(page, plot, slider) -> tuple[float | None, str | None]:
    """Press an arrow key on the slider's handle: (ms until the new figure is shown or None, problem or None)."""
    handle = slider.locator(".noUi-handle").first
    before, top = (float(handle.get_attribute(a) or "nan") for a in ("aria-valuenow", "aria-valuemax"))
    key = "ArrowLeft" if before >= top else "ArrowRight"
    plot.locator(":scope > img").last.evaluate(JS_ARM, key)
    handle.focus()
    handle.press(key)
    try:
        page.wait_for_function("() => window.__bpNudge.tLoad !== null", timeout=REDRAW_TIMEOUT_MS)
    except Exception:
        after = float(handle.get_attribute("aria-valuenow") or "nan")
        if after == before:
            return None, f"{key} on the slider handle did not move it (value {before}, max {top})"
        try:  # late rather than never? wait for the kernel, to say how late
            page.wait_for_function("() => window.__bpNudge.tLoad !== null", timeout=LATE_REDRAW_MS)
        except Exception:
            return None, f"the slider moved ({before} → {after}) but the figure did not change"
        rec = page.evaluate("() => window.__bpNudge")
        ms = rec["tLoad"] - rec["t0"]
        return ms, f"the slider moved ({before} → {after}); the figure changed after {ms / 1000:.1f} s (limit 2 s)"
    rec = page.evaluate("() => window.__bpNudge")
    return rec["tLoad"] - rec["t0"], None


# Ask the kernel, silently (no execution count, no output), how long each WidgetPlot redraw took.
JS_REDRAWS = f"""async (path) => {{
  {FIND_PANEL}
  const expr = "__import__('json').dumps([[1000 * s for s in o.redraw_seconds[1:]] for o in __import__('gc')"
    + ".get_objects() if type(o).__name__ == 'WidgetPlot'])";
  const future = p.sessionContext.session.kernel.requestExecute(
    {{ code: '', silent: true, store_history: false, user_expressions: {{ r: expr }} }});
  const reply = await future.done;
  const r = reply.content.user_expressions.r;
  return r.status === 'ok' ? r.data['text/plain'] : null;
}}"""


def kernel_redraw_ms(page, path: str) -> list[float]:
    """The kernel-side redraw times (ms) of every widget plot of the notebook, after the first draw."""
    text = page.evaluate(JS_REDRAWS, path)
    return [ms for plot in json.loads(ast.literal_eval(text)) for ms in plot] if text else []


def wait_idle(page, path: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while (p := page.evaluate(JS_PROGRESS, path)) is None or p["status"] != "idle":
        assert time.monotonic() < deadline, f"kernel not idle after {timeout_s} s"
        time.sleep(0.05)


def error_lines(state: dict) -> list[str]:
    return [f"cell {c['index']}: {e[:500]}" for c in state["cells"] for e in c["errors"]]


def test_notebook_in_lab(notebook, request, latencies, screenshot_dir):
    """`notebook` is parametrized by conftest.pytest_generate_tests: each chapter and one solution, in English on
    an English JupyterLab, then in Chinese on a Chinese one."""
    language = "zh" if notebook.parent.name == "zh" else "en"
    suffix = "_zh" if language == "zh" else ""
    lab, lab_page, runner = (request.getfixturevalue(f + suffix) for f in ("lab", "lab_page", "runner"))
    words = edition_words(language)
    JS_STATE, JS_WIDGETS = js_for(JS_STATE_TEMPLATE, words), js_for(JS_WIDGETS_TEMPLATE, words)  # noqa: N806
    name, page, path = lab.names[notebook], lab_page.page, lab.copies[notebook]
    page_errors = len(lab_page.errors)
    try:
        run = runner.wait(notebook)
        assert run.problem is None, f"{name}: {run.problem}"
        runner.quiesce()
        page.evaluate(JS_ACTIVATE, path)
        s = page.evaluate(JS_STATE, path)
        errors = error_lines(s)
        assert not errors, f"{name}: error output\n" + "\n".join(errors)
        code = [c for c in s["cells"] if c["type"] == "code" and c["source"].strip()]
        pending = [c["index"] for c in code if c["count"] is None]
        assert not pending, f"{name}: code cells without an execution count: {pending}"
        counts = [c["count"] for c in code]
        assert counts == list(range(1, len(code) + 1)), f"{name}: not one fresh top-to-bottom run: counts {counts}"

        # Widgets and formulas render asynchronously after the kernel is done.
        n_plots = sum(c["widgetPlots"] for c in s["cells"])
        math_cells = [c["index"] for c in s["cells"] if c["type"] == "markdown" and MATH.search(c["source"])]
        ready = f"""(path) => {{
          const s = ({JS_STATE})(path);
          const w = ({JS_WIDGETS})(path);
          return s && w.length === {n_plots} && w.every(x => x.image && x.image.loaded)
            && {math_cells}.every(i => s.cells[i].mathNodes > 0);
        }}"""
        try:
            page.wait_for_function(ready, arg=path, timeout=RENDER_TIMEOUT_MS)
        except Exception:
            pass  # the assertions below say what is missing
        s = page.evaluate(JS_STATE, path)
        untypeset = [i for i in math_cells if s["cells"][i]["mathNodes"] == 0]
        assert not untypeset, f"{name}: formulas not rendered by MathJax in markdown cells {untypeset}"
        bad_math = [c["index"] for c in s["cells"] if c["mathErrors"]]
        assert not bad_math, f"{name}: MathJax could not parse formulas in cells {bad_math}"
        raw = [f"cell {c['index']}: ...{c['rawTex']}..." for c in s["cells"] if c["rawTex"]]
        assert not raw, f"{name}: TeX left unrendered (unbalanced $?)\n" + "\n".join(raw)

        widgets = page.evaluate(JS_WIDGETS, path)
        assert len(widgets) == n_plots, f"{name}: {n_plots} widget plots in the outputs, {len(widgets)} on the page"
        for i, w in enumerate(widgets):
            assert not w["broken"], f"{name}: widget plot {i} shows 'Error displaying widget'"
            assert w["controls"] > 0, f"{name}: widget plot {i} shows no controls"
            assert not w["hidden"], f"{name}: widget plot {i} has invisible controls {w['hidden']}"
            assert w["image"] and w["image"]["loaded"] and w["image"]["shown"], f"{name}: widget plot {i} has no figure"
            narrow = [f"{x['label']!r}: {x['track']:.0f} px" for x in w["sliders"] if x["track"] < MIN_TRACK_PX]
            assert not narrow, f"{name}: widget plot {i} has slider tracks narrower than {MIN_TRACK_PX} px: {narrow}"
            untipped = [x["label"] for x in w["sliders"] if not x["tooltip"]]
            assert not untipped, f"{name}: widget plot {i} has sliders without a tooltip: {untipped}"
            assert not w["unnamed"], f"{name}: widget plot {i} has controls without a label: {w['unnamed']}"
            assert w["hasReset"], f"{name}: widget plot {i} has no reset button"
        if language == "zh":
            menu = page.evaluate(JS_MENU)
            assert "文件" in menu and "File" not in menu, (
                f"{name}: JupyterLab is not in Chinese; its menu: {menu[:200]!r}"
            )
            if (name, 0) == (ZH_SCREENSHOT[0], 0) and len(widgets) > ZH_SCREENSHOT[1]:
                compare_screenshot(page, name, ZH_SCREENSHOT[1], screenshot_dir)
        opaque = page.evaluate(JS_OPAQUE_FIGURES, path)
        see_through = [f"cell {c}" for c, ok in opaque if ok is False]
        assert not see_through, (
            f"{name}: figures without an opaque white background (unreadable in a dark theme): {see_through}"
        )

        # Nudge the sliders of every widget plot in turn, each at least once and NUDGES_PER_WIDGET in all
        # per plot; each nudge must redraw its own figure within 2 s.
        t_nudge = time.monotonic()
        nudge_ms, failures = [], []
        plots = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .bp-widget-plot")
        for i in range(plots.count()):
            plot = plots.nth(i)
            sliders = plot.locator(".widget-slider")
            n = sliders.count()
            if not n:
                continue
            labels = [widgets[i]["sliders"][j]["label"] for j in range(n)]
            plot_ms = []
            for k in range(max(n, NUDGES_PER_WIDGET)):
                j = k % n
                wait_idle(page, path)
                plot.scroll_into_view_if_needed()
                ms, problem = nudge_slider(page, plot, sliders.nth(j))
                if ms is not None:
                    plot_ms.append(ms)
                if problem is not None:
                    failures.append(f"widget plot {i}, slider {j} ({labels[j]!r}): {problem}")
                    break
            nudge_ms += plot_ms
            latencies[2][f"{name} #{i} ({', '.join(labels)})"] = plot_ms
        wait_idle(page, path)
        latencies[0][name] = nudge_ms
        latencies[1][name] = kernel_redraw_ms(page, path) if nudge_ms else []
        t_nudge = time.monotonic() - t_nudge

        if n_plots:  # every figure's text has its glyphs (no tofu); in Chinese, some of it is Chinese
            report = page.evaluate(JS_GLYPHS, path)
            glyphs = json.loads(ast.literal_eval(report)) if report.startswith(("'", '"')) else report
            assert isinstance(glyphs, dict), f"{name}: the glyph probe failed in the kernel: {glyphs}"
            assert not glyphs["missing"], f"{name}: figure text drawn with missing glyphs: {glyphs['missing']}"
            if language == "zh":
                assert glyphs["chinese"], f"{name}: no Chinese text in any widget figure: {glyphs['sample']}"
        shoot(page, path, screenshot_dir / (name.replace("/", "__").removesuffix(".ipynb") + ".png"))
        errors = error_lines(page.evaluate(JS_STATE, path))
        assert not errors, f"{name}: error output after nudging the sliders\n" + "\n".join(errors)
        assert not failures, f"{name}: sliders that did not redraw their figure\n" + "\n".join(failures)
        timing = f"open {run.open_s:.1f} s, run {run.run_s:.1f} s, nudges {t_nudge:.1f} s"
        if nudge_ms:
            med = statistics.median(nudge_ms)
            print(f"{name}: {timing}; {len(nudge_ms)} nudges, median {med:.0f} ms to the new figure")
            assert med <= GROSS_MEDIAN_MS, f"{name}: median redraw latency {med:.0f} ms"
        else:
            print(f"{name}: {timing}; no sliders")
    finally:
        if len(lab_page.errors) > page_errors:
            print(f"{name}: errors in the page: {lab_page.errors[page_errors:]}")
        runner.finish(notebook)


def shoot(page, path: str, png) -> None:
    """Screenshot the whole notebook: grow the window to fit every cell (up to 16000 px), from the top;
    close launchers (Lab opens one whenever its main area empties) so they don't take a tab."""
    to_top = f"""(path) => {{ {FIND_PANEL}
                 for (const w of Array.from(window.jupyterapp.shell.widgets('main'))) if (!w.context) w.dispose();
                 const o = p.node.querySelector('.jp-WindowedPanel-outer'); o.scrollTop = 0; return o; }}"""
    height = page.evaluate(
        f"""(path) => {{ const o = ({to_top})(path);
                   const cells = o.querySelectorAll('.jp-Cell');
                   const last = cells[cells.length - 1].getBoundingClientRect().bottom;
                   return last + (window.innerHeight - o.getBoundingClientRect().bottom) + 30; }}""",
        path,
    )
    page.set_viewport_size({"width": 1280, "height": int(min(max(height, 900), 16_000))})
    page.evaluate(
        f"(path) => new Promise((r) => {{ ({to_top})(path); requestAnimationFrame(() => setTimeout(r, 100)); }})", path
    )
    page.screenshot(path=png)


def compare_screenshot(page, name: str, index: int, screenshot_dir) -> None:
    """Screenshot one widget figure with Chinese labels and compare it with the committed baseline.

    The figure is the default state of the widget, as the kernel drew it (before any nudge). A share of
    pixels above SCREENSHOT_TOLERANCE that differ by more than 48 levels fails the test and leaves the new
    screenshot beside the baseline; BPCOURSE_UPDATE_BASELINES=1 writes it as the new baseline instead. The
    element sits at a fractional page offset, so its screenshot may start one pixel higher or lower: the
    comparison takes the best of the nine one-pixel shifts.
    """
    from matplotlib import image as mpimg

    plot = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .bp-widget-plot").nth(index)
    img = plot.locator(":scope > img").last
    img.scroll_into_view_if_needed()
    stem = name.replace("/", "__").removesuffix(".ipynb") + f"__figure{index}"
    shot = screenshot_dir / f"{stem}.png"
    img.screenshot(path=shot)
    baseline = BASELINES / f"{stem}.png"
    if os.environ.get("BPCOURSE_UPDATE_BASELINES") == "1":
        BASELINES.mkdir(exist_ok=True)
        baseline.write_bytes(shot.read_bytes())
    assert baseline.is_file(), f"no baseline {baseline}: run with BPCOURSE_UPDATE_BASELINES=1 and commit it"
    new, old = (mpimg.imread(p)[..., :3] for p in (shot, baseline))
    size_gap = max(abs(a - b) for a, b in zip(new.shape[:2], old.shape[:2], strict=True))
    assert size_gap <= 1, f"{name}: figure {index} is {new.shape[:2]} px, the baseline {old.shape[:2]}"
    h, w = min(new.shape[0], old.shape[0]), min(new.shape[1], old.shape[1])  # a fractional offset: ±1 px
    new, old = new[:h, :w], old[:h, :w]
    differ = min(_differing(new, old, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1))
    assert differ <= SCREENSHOT_TOLERANCE, (
        f"{name}: figure {index} differs from {baseline.name} in {differ:.1%} of its pixels "
        f"(tolerance {SCREENSHOT_TOLERANCE:.0%}); see {shot}"
    )


def _differing(new, old, dy: int, dx: int) -> float:
    """The share of pixels differing by more than 48 levels when ``new`` is shifted by (dy, dx) against ``old``."""
    import numpy as np

    h, w = new.shape[:2]
    a = new[max(dy, 0) : h + min(dy, 0), max(dx, 0) : w + min(dx, 0)]
    b = old[max(-dy, 0) : h + min(-dy, 0), max(-dx, 0) : w + min(-dx, 0)]
    return float(np.mean(np.abs(a - b).max(axis=-1) > 48 / 255))
