"""How long does each course widget take to redraw when a control moves?

    python benchmarks/widget_redraw.py                       # every widget of bpcourse/widgets/*.py
    python benchmarks/widget_redraw.py --only lr_explorer    # widgets whose module or name contains this
    python benchmarks/widget_redraw.py --extra /tmp/mine.py  # also a module file outside the package

Discovery: every module ``bpcourse/widgets/<topic>.py`` with a dict ``WIDGETS = {name: constructor}``.
Each widget is built once, then each of its controls is moved ``--nudges`` times with
``bpcourse.widgets.base.nudge`` (sliders step and wrap, dropdowns cycle, checkboxes flip); the time of
every redraw comes from ``WidgetPlot.redraw_seconds``. Nothing is warmed up first: the nudges include
every first visit of a setting (the redraws that may train). Printed per widget and control: the median
and the worst redraw, the worst first visit (a control value not shown before), flagged when the median
exceeds 100 ms (the course's budget). The baseline, measured
in the same run for each figure size: rendering an empty figure of that size to PNG the same way;
"x empty" is a redraw's median over that baseline, a figure that machine load affects far less.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import io
import os
import pkgutil
import statistics
import sys
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import bpcourse.widgets as widgets_pkg  # noqa: E402
from bpcourse.widgets import base  # noqa: E402

BUDGET = 0.100  # seconds, median per redraw


def discover(extra_paths):
    """(module name, WIDGETS dict) for every widget module of the package, plus extra files."""
    found = []
    for info in sorted(pkgutil.iter_modules(widgets_pkg.__path__), key=lambda i: i.name):
        if info.name == "base":
            continue
        try:
            mod = importlib.import_module(f"bpcourse.widgets.{info.name}")
        except Exception as exc:  # report and go on: one broken module must not hide the others
            found.append((info.name, exc))
            continue
        if isinstance(getattr(mod, "WIDGETS", None), dict):
            found.append((info.name, mod.WIDGETS))
    for path in extra_paths:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(f"extra_{name}", path)
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        found.append((f"{name} (extra)", mod.WIDGETS))
    return found


def empty_png_seconds(figsize, repeats=10):
    """Median time to render an empty figure (one empty axes) of this size to PNG, as WidgetPlot.redraw does."""
    fig = Figure(figsize=figsize, dpi=base.DPI, layout="constrained")
    FigureCanvasAgg(fig)
    fig.add_subplot()  # one empty axes, the least a plot has
    fig.savefig(io.BytesIO(), format="png", dpi=base.DPI)  # first draw computes the layout, as WidgetPlot's does
    # then frozen, as WidgetPlot freezes it: None, not "none" (a placeholder engine that makes savefig
    # draw the figure twice, which doubled this baseline)
    fig.set_layout_engine(None)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=base.DPI, pil_kwargs={"compress_level": 1})
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def control_label(name, control):
    kind = type(control).__name__
    return f"{name} ({kind})"


def bench_widget(constructor, nudges):
    """Build the widget and nudge each control; returns (build s, figsize, {control: [redraw s]})."""
    t0 = time.perf_counter()
    plot = constructor()
    build = time.perf_counter() - t0
    per_control, first = {}, {}
    seen = {repr(plot.values())}
    for name, control in plot.controls.items():
        times, firsts = [], []
        for _ in range(nudges):
            before = len(plot.redraw_seconds)
            base.nudge(control)
            times.extend(plot.redraw_seconds[before:])
            state = repr(plot.values())
            if state not in seen:  # a setting of all the controls that was not drawn before
                seen.add(state)
                firsts.extend(plot.redraw_seconds[before:])
        per_control[control_label(name, control)] = times
        first[control_label(name, control)] = firsts
    return build, tuple(plot.fig.get_size_inches()), per_control, first


def main():
    parser = argparse.ArgumentParser(description="median redraw time per widget and control")
    parser.add_argument("--nudges", type=int, default=10)
    parser.add_argument("--only", default="", help="keep widgets whose module or name contains this text")
    parser.add_argument("--extra", action="append", default=[], help="a .py file with a WIDGETS dict")
    args = parser.parse_args()

    modules = discover(args.extra)
    print(f"widget_redraw: {args.nudges} nudges per control; budget {BUDGET * 1e3:.0f} ms median per redraw")
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; matplotlib {matplotlib.__version__}")
    print()
    head = (
        f"{'module':<20} {'widget':<22} {'control':<34} {'n':>3} {'median ms':>9} {'max ms':>8} {'x empty':>7} "
        f"{'1st visits':>10} {'their max':>9}  flag"
    )
    print(head)
    print("-" * len(head))
    slow, failures, n_rows = [], [], 0
    for mod_name, registry in modules:
        if isinstance(registry, Exception):
            failures.append(f"{mod_name}: import failed: {registry!r}")
            print(f"{mod_name:<20} {'(import failed)':<22} {registry!r}")
            continue
        for wname, constructor in registry.items():
            if args.only and args.only not in mod_name and args.only not in wname:
                continue
            try:
                build, figsize, per_control, first = bench_widget(constructor, args.nudges)
            except Exception as exc:
                failures.append(f"{mod_name}.{wname}: {exc!r}")
                print(f"{mod_name:<20} {wname:<22} ERROR {exc!r}")
                traceback.print_exc(limit=3, file=sys.stdout)
                continue
            empty = empty_png_seconds(figsize)  # right after the widget, so both see the same load
            print(f"{mod_name:<20} {wname:<22} {'(build, first draw)':<34} {1:>3} {build * 1e3:>9.1f} {'':>8}")
            for cname, times in per_control.items():
                n_rows += 1
                if not times:
                    print(f"{'':<20} {'':<22} {cname:<34} {0:>3} {'—':>9} {'—':>8}  NO REDRAW")
                    failures.append(f"{mod_name}.{wname}: {cname} did not redraw")
                    continue
                med = statistics.median(times)
                flag = "SLOW" if med > BUDGET else ""
                if flag:
                    slow.append(f"{wname}/{cname} {med * 1e3:.0f} ms")
                firsts = first[cname]
                worst_first = f"{max(firsts) * 1e3:>9.1f}" if firsts else f"{'—':>9}"
                print(
                    f"{'':<20} {'':<22} {cname:<34} {len(times):>3} {med * 1e3:>9.1f} {max(times) * 1e3:>8.1f} "
                    f"{med / empty:>7.1f} {len(firsts):>10} {worst_first}  {flag}"
                )
            print(
                f"{'':<20} {'':<22} {'baseline: empty figure to PNG':<34} {10:>3} "
                f"{empty * 1e3:>9.1f} {'':>8} {1:>7.1f}  ({figsize[0]:g}x{figsize[1]:g} in)"
            )
    print()
    print(f"{n_rows} controls measured; over the {BUDGET * 1e3:.0f} ms budget: {', '.join(slow) or 'none'}")
    if failures:
        print("problems:")
        for f in failures:
            print(f"  {f}")
    return 1 if slow or failures else 0


if __name__ == "__main__":
    sys.exit(main())
