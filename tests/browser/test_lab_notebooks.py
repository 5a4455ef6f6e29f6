"""The course the way a learner meets it: each notebook opened in JupyterLab in Chromium.

For every chapter notebook and one solution notebook: run all cells, wait until the kernel is
idle and every code cell has its execution count, then check that there is no error output,
that the formulas were typeset by MathJax, that each widget plot shows its controls and figure,
and that nudging each slider from the keyboard redraws its figure within 2 s (timed in the page).
A screenshot of each notebook lands in tests/browser/screenshots/ (ignored by git).
"""

from __future__ import annotations

import re
import statistics
import time

RUN_TIMEOUT_S = 150  # one notebook, all cells
RENDER_TIMEOUT_MS = 30_000  # widgets and formulas after the kernel is done
REDRAW_TIMEOUT_MS = 2_000  # the bound for a nudge to show a new figure
LATE_REDRAW_MS = 30_000  # how long to keep waiting, to report how late a slow redraw is
GROSS_MEDIAN_MS = 2_000  # fail on timing only when grossly off; the aim (≤ 300 ms) is reported
WIDGET_PLOT_MARK = "(interactive: run the cell in JupyterLab to use the controls)"  # WidgetPlot's text/plain
MATH = re.compile(r"\$[^$\s][^$]*\$|\\begin\{|\\\(|\\\[")

# The notebook under test (window.__bpPath) once loaded, through the app object of expose_app_in_browser.
JS_PANEL = "(() => { const p = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
JS_PANEL += " return p && p.content && p.sessionContext && p.context && p.context.isReady"
JS_PANEL += " && p.context.path === window.__bpPath ? p : null; })()"

JS_STATE = rf"""() => {{
  // TeX that MathJax left as text (e.g. an unbalanced $): rendered text minus formulas and code
  const rawTex = (node) => {{
    const md = node.querySelector('.jp-RenderedMarkdown');
    if (!md) return null;
    const copy = md.cloneNode(true);
    copy.querySelectorAll('mjx-container, code, pre, script').forEach(e => e.remove());
    const m = copy.textContent.match(/.{{0,30}}(\$|\\[A-Za-z]+).{{0,30}}/);
    return m ? m[0] : null;
  }};
  const p = {JS_PANEL};
  if (!p) return null;
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  const cells = p.content.widgets.map((c, i) => {{
    const m = c.model;
    const outputs = m.type === 'code' ? m.outputs.toJSON() : [];
    return {{
      index: i, type: m.type, count: m.type === 'code' ? m.executionCount : null,
      source: m.sharedModel.getSource(),
      errors: outputs.filter(o => o.output_type === 'error' || (o.output_type === 'stream' && o.name === 'stderr'))
        .map(o => o.output_type === 'error' ? `${{o.ename}}: ${{o.evalue}}`
                                            : `stderr: ${{[].concat(o.text).join('')}}`),
      widgetPlots: outputs.filter(o => o.data && [].concat(o.data['text/plain'] || []).join('')
        .includes({WIDGET_PLOT_MARK!r})).length,
      mathNodes: c.node.querySelectorAll('mjx-container').length,
      mathErrors: c.node.querySelectorAll('mjx-merror').length,
      rawTex: rawTex(c.node),
    }};
  }});
  return {{ status: kernel ? kernel.status : 'no kernel', cells }};
}}"""

JS_WIDGETS = f"""() => Array.from({JS_PANEL}.node.querySelectorAll('.bp-widget-plot')).map((w) => {{
  const visible = (e) => {{ const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; }};
  const controls = Array.from(w.querySelectorAll(
    '.widget-slider, .widget-dropdown, .widget-checkbox, .widget-toggle-button, button, .widget-toggle-buttons'));
  const img = w.querySelector(':scope > img') || Array.from(w.querySelectorAll('img')).pop();
  return {{
    controls: controls.length,
    hidden: controls.filter((c) => !visible(c)).map((c) => c.className),
    sliders: w.querySelectorAll('.widget-slider').length,
    image: img ? {{ loaded: img.complete && img.naturalWidth > 0, shown: visible(img) }} : null,
    broken: w.innerText.includes('Error displaying widget'),
  }};
}})"""

# Before a nudge: remember the figure's src, then time the key press → new src → new image loaded.
JS_ARM = """([img, key]) => {
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


# Cheap enough to poll every 200 ms (no output data is serialized).
JS_PROGRESS = f"""() => {{
  const p = {JS_PANEL};
  if (!p) return null;
  const kernel = p.sessionContext.session && p.sessionContext.session.kernel;
  let pending = [], errors = 0;
  p.content.widgets.forEach((c, i) => {{
    if (c.model.type !== 'code') return;
    if (c.model.executionCount === null) pending.push(i);
    const outs = c.model.outputs;
    for (let k = 0; k < outs.length; k++) {{
      const o = outs.get(k);
      if (o.type === 'error' || (o.type === 'stream' && o.toJSON().name === 'stderr')) errors += 1;
    }}
  }});
  return {{ status: kernel ? kernel.status : 'no kernel', pending, errors }};
}}"""


def state(page) -> dict | None:
    return page.evaluate(JS_STATE)


def progress(page) -> dict | None:
    return page.evaluate(JS_PROGRESS)


def wait_until_done(page, timeout_s: float) -> dict:
    """Poll until the kernel is idle and every code cell has its count (or an error stopped the run)."""
    deadline = time.monotonic() + timeout_s
    idle_polls = 0
    while True:
        p = progress(page)
        if p is not None and p["status"] == "idle":
            if not p["pending"]:
                return state(page)
            idle_polls = idle_polls + 1 if p["errors"] else 0
            if idle_polls >= 5:  # stopped on an error: the kernel stays idle
                return state(page)
        if time.monotonic() > deadline:
            where = p and f"kernel {p['status']}, cells still to run {p['pending']}"
            raise AssertionError(f"not done after {timeout_s:.0f} s: {where}")
        time.sleep(0.2)


def wait_idle(page, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while (p := progress(page)) is None or p["status"] != "idle":
        assert time.monotonic() < deadline, f"kernel not idle after {timeout_s} s"
        time.sleep(0.05)


def nudge_slider(page, plot, slider) -> tuple[float | None, str | None]:
    """Press an arrow key on the slider's handle: (ms until the new figure is shown or None, problem or None)."""
    handle = slider.locator(".noUi-handle").first
    before, top = (float(handle.get_attribute(a) or "nan") for a in ("aria-valuenow", "aria-valuemax"))
    key = "ArrowLeft" if before >= top else "ArrowRight"
    img = plot.locator(":scope > img").last
    img.evaluate("(img, key) => (" + JS_ARM + ")([img, key])", key)
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


def test_notebook_in_lab(notebook, lab, lab_page, latencies, screenshot_dir):
    """`notebook` is parametrized by conftest.pytest_generate_tests: each chapter and one solution."""
    name, page = lab.names[notebook], lab_page.page
    page_errors = len(lab_page.errors)
    phases = {}
    t_start = time.monotonic()
    try:
        # Open it as a learner would from the file browser; its kernelspec (python3) starts a kernel
        # by itself, with no "select kernel" dialog.
        page.evaluate(
            "(path) => { window.__bpPath = path; window.jupyterapp.commands.execute('docmanager:open', { path }); }",
            lab.copies[notebook],
        )
        page.wait_for_function(f"() => {JS_PANEL} !== null", timeout=60_000)
        wait_idle(page, timeout_s=60)
        phases["open"] = time.monotonic() - t_start
        dialogs = page.locator(".jp-Dialog")
        assert dialogs.count() == 0, f"{name}: unexpected dialog: {dialogs.first.inner_text()}"

        # Run everything from a clean slate (Edit → Clear Outputs of All Cells, Run → Run All Cells).
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs'); }")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        s = wait_until_done(page, RUN_TIMEOUT_S)
        phases["run"] = time.monotonic() - t_start - phases["open"]
        errors = [f"cell {c['index']}: {e[:500]}" for c in s["cells"] for e in c["errors"]]
        assert not errors, f"{name}: error output\n" + "\n".join(errors)

        # Widgets and formulas render asynchronously after the kernel is done.
        n_plots = sum(c["widgetPlots"] for c in s["cells"])
        math_cells = [c["index"] for c in s["cells"] if c["type"] == "markdown" and MATH.search(c["source"])]
        ready = f"""() => {{
          const s = ({JS_STATE})();
          const w = ({JS_WIDGETS})();
          return s && w.length === {n_plots} && w.every(x => x.image && x.image.loaded)
            && {math_cells}.every(i => s.cells[i].mathNodes > 0);
        }}"""
        try:
            page.wait_for_function(ready, timeout=RENDER_TIMEOUT_MS)
        except Exception:
            pass  # the assertions below say what is missing
        s = state(page)
        untypeset = [i for i in math_cells if s["cells"][i]["mathNodes"] == 0]
        assert not untypeset, f"{name}: formulas not rendered by MathJax in markdown cells {untypeset}"
        bad_math = [c["index"] for c in s["cells"] if c["mathErrors"]]
        assert not bad_math, f"{name}: MathJax could not parse formulas in cells {bad_math}"
        raw = [f"cell {c['index']}: ...{c['rawTex']}..." for c in s["cells"] if c["rawTex"]]
        assert not raw, f"{name}: TeX left unrendered (unbalanced $?)\n" + "\n".join(raw)

        widgets = page.evaluate(JS_WIDGETS)
        assert len(widgets) == n_plots, f"{name}: {n_plots} widget plots in the outputs, {len(widgets)} on the page"
        for i, w in enumerate(widgets):
            assert not w["broken"], f"{name}: widget plot {i} shows 'Error displaying widget'"
            assert w["controls"] > 0, f"{name}: widget plot {i} shows no controls"
            assert not w["hidden"], f"{name}: widget plot {i} has invisible controls {w['hidden']}"
            assert w["image"] and w["image"]["loaded"] and w["image"]["shown"], f"{name}: widget plot {i} has no figure"

        # Nudge every slider of every widget plot; each must redraw its own figure within 2 s.
        nudge_ms, failures = [], []
        plots = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .bp-widget-plot")
        for i in range(plots.count()):
            plot = plots.nth(i)
            sliders = plot.locator(".widget-slider")
            for j in range(sliders.count()):
                wait_idle(page)
                plot.scroll_into_view_if_needed()
                ms, problem = nudge_slider(page, plot, sliders.nth(j))
                if ms is not None:
                    nudge_ms.append(ms)
                if problem is not None:
                    label = sliders.nth(j).locator(".widget-label").first.inner_text()
                    failures.append(f"widget plot {i}, slider {j} ({label!r}): {problem}")
        wait_idle(page)
        latencies[name] = nudge_ms
        phases["nudge"] = time.monotonic() - t_start - phases["open"] - phases["run"]

        shoot(page, screenshot_dir / (name.replace("/", "__").removesuffix(".ipynb") + ".png"))
        s = state(page)
        errors = [f"cell {c['index']}: {e[:500]}" for c in s["cells"] for e in c["errors"]]
        assert not errors, f"{name}: error output after nudging the sliders\n" + "\n".join(errors)
        assert not failures, f"{name}: sliders that did not redraw their figure\n" + "\n".join(failures)
        timing = ", ".join(f"{k} {v:.1f} s" for k, v in phases.items())
        if nudge_ms:
            med = statistics.median(nudge_ms)
            print(f"{name}: {timing}; {len(nudge_ms)} nudges, median {med:.0f} ms to the new figure")
            assert med <= GROSS_MEDIAN_MS, f"{name}: median redraw latency {med:.0f} ms"
        else:
            print(f"{name}: {timing}; no sliders")
    finally:
        if len(lab_page.errors) > page_errors:
            print(f"{name}: errors in the page: {lab_page.errors[page_errors:]}")
        lab_page.close_notebook()
        lab.shutdown_kernels()


def shoot(page, path) -> None:
    """Screenshot the whole notebook: grow the window to fit every cell (up to 16000 px), from the top."""
    to_top = f"""() => {{ const o = {JS_PANEL}.node.querySelector('.jp-WindowedPanel-outer');
                        o.scrollTop = 0; return o; }}"""
    height = page.evaluate(
        f"""() => {{ const o = ({to_top})();
                   const cells = o.querySelectorAll('.jp-Cell');
                   const last = cells[cells.length - 1].getBoundingClientRect().bottom;
                   return last + (window.innerHeight - o.getBoundingClientRect().bottom) + 30; }}"""
    )
    page.set_viewport_size({"width": 1280, "height": int(min(max(height, 900), 16_000))})
    page.evaluate(f"() => new Promise((r) => {{ ({to_top})(); requestAnimationFrame(() => setTimeout(r, 100)); }})")
    page.screenshot(path=path)
