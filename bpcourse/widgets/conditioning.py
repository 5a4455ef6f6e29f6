r"""Chapter 04: slow convergence of gradient descent on ill-conditioned problems (claim C6).

On f(x) = ½(x₁² + κ x₂²) the gradient is (x₁, κ x₂), so one step x ← x − α∇f multiplies
x₁ by (1 − α) and x₂ by (1 − ακ): each direction i of curvature λᵢ by 1 − αλᵢ. The steep
direction x₂ caps the learning rate at α < 2/κ (beyond it |1 − ακ| > 1, x₂ grows and the run
diverges), and with such a small α the flat direction x₁ keeps a fraction 1 − α > 1 − 2/κ of
itself every step: the number of steps grows in proportion to the condition number κ. The best
fixed rate α = 2/(1 + κ) = 2/(λ_min + λ_max) makes both factors equal in size, (κ − 1)/(κ + 1),
so f shrinks by exactly ((κ − 1)/(κ + 1))² per step and reaches tol·f(x₀) after
⌈ln(1/tol) / (2 ln((κ + 1)/(κ − 1)))⌉ ≈ (κ/4) ln(1/tol) steps (``steps_at_best_rate``).
With ακ > 1 the factor on x₂ is negative and the iterate zig-zags across the narrow valley.

``run_gd`` is the experiment, ``conditioning()`` the widget, ``steps_to_tolerance`` and
``plot_steps_vs_kappa`` the measured steps-against-κ figure, ``steps_at_best_rate`` the formula.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .. import optim
from ..i18n import N_, _, figure_text
from ._speed import Backdrop
from .base import WidgetPlot, number, slider

X0 = (-8.0, 3.0)  # the start: far along the flat direction, a little up the steep one
TOL = 1e-6  # "converged" when f(x) ≤ TOL · f(x0)
N_LEVELS = 8


def quadratic(x: np.ndarray, kappa: float) -> float:
    """f(x) = ½(x₁² + κ x₂²) for x of shape (2,)."""
    return 0.5 * (x[0] ** 2 + kappa * x[1] ** 2)


def gradient(x: np.ndarray, kappa: float) -> np.ndarray:
    """∇f(x) = (x₁, κ x₂), shape (2,)."""
    return np.array([x[0], kappa * x[1]])


def best_lr(kappa: float) -> float:
    """The fixed α that minimizes the slowest contraction factor: 2/(1 + κ)."""
    return 2.0 / (1.0 + kappa)


def run_gd(kappa: float, lr: float, steps: int = 500, x0=X0) -> tuple[np.ndarray, np.ndarray]:
    r"""Plain gradient descent with ``bp.optim.SGD``: returns the path (steps + 1, 2) and f along it (steps + 1,).

    Stops early (shorter arrays) once f exceeds 1e12 · f(x0), i.e. when the run diverges.
    """
    x = np.array(x0, dtype=float)
    opt = optim.SGD(lr=lr)
    params = {"x": x}
    path, values = [x.copy()], [quadratic(x, kappa)]
    for _step in range(steps):
        opt.step(params, {"x": gradient(x, kappa)})
        path.append(x.copy())
        values.append(quadratic(x, kappa))
        if values[-1] > 1e12 * values[0]:
            break
    return np.array(path), np.array(values)


def steps_to_tolerance(kappa: float, lr: float, tol: float = TOL, max_steps: int = 100_000, x0=X0) -> int | None:
    """How many gradient-descent steps until f(x) ≤ tol · f(x0); None if not within max_steps (or diverging)."""
    x = np.array(x0, dtype=float)
    f0 = quadratic(x, kappa)
    for k in range(1, max_steps + 1):
        x = x - lr * gradient(x, kappa)
        f = quadratic(x, kappa)
        if f <= tol * f0:
            return k
        if not np.isfinite(f) or f > 1e12 * f0:
            return None
    return None


def contraction_factors(kappa: float, lr: float) -> tuple[float, float]:
    """|1 − α λ| for the two curvatures λ = 1 (x₁, flat) and λ = κ (x₂, steep): what one step multiplies each by."""
    return abs(1.0 - lr), abs(1.0 - lr * kappa)


def steps_at_best_rate(kappa: float, tol: float = TOL) -> tuple[int, float]:
    r"""The steps gradient descent needs at α = 2/(1 + κ) until f ≤ tol·f(x₀), from any start.

    Both coordinates shrink by ρ = (κ − 1)/(κ + 1) per step, so f shrinks by ρ² exactly. Returns
    (⌈ln(1/tol) / (2 ln(1/ρ))⌉, (κ/4) ln(1/tol)): the exact count and its large-κ form, from
    ln(1/ρ) = ln((κ + 1)/(κ − 1)) ≈ 2/κ. κ = 1 gives ρ = 0: one step.
    """
    approx = kappa / 4 * np.log(1 / tol)
    if kappa == 1:
        return 1, float(approx)
    return int(np.ceil(np.log(1 / tol) / (2 * np.log((kappa + 1) / (kappa - 1))))), float(approx)


def steps_table(kappas=(1, 3, 10, 30, 100, 300, 1000), tol: float = TOL) -> dict[str, list]:
    """Steps to reach tol for each κ at the best fixed α = 2/(1 + κ) and at α = 1/κ (measured), with the
    formula's counts at the best α: 'formula' (exact) and 'approx' ((κ/4) ln(1/tol))."""
    formula = [steps_at_best_rate(k, tol) for k in kappas]
    return {
        "kappa": list(kappas),
        "best": [steps_to_tolerance(k, best_lr(k), tol) for k in kappas],
        "one_over_kappa": [steps_to_tolerance(k, 1.0 / k, tol) for k in kappas],
        "formula": [f[0] for f in formula],
        "approx": [f[1] for f in formula],
    }


def plot_steps_vs_kappa(ax, table: dict) -> None:
    """Log-log plot of the steps-to-tolerance table, with a line ∝ κ for comparison."""
    k = np.array(table["kappa"], dtype=float)
    ax.loglog(k, table["one_over_kappa"], "s-", color="C1", label=r"$\alpha = 1/\kappa$")
    ax.loglog(k, table["best"], "o-", color="C0", label=figure_text(r"best fixed $\alpha = 2/(1+\kappa)$"))
    ref = np.array(table["best"], dtype=float)[-1] * k / k[-1]
    ax.loglog(k, ref, ":", color="gray", label=r"$\propto \kappa$")
    ax.set_xlabel(figure_text(r"condition number $\kappa$"))
    ax.set_ylabel(figure_text(r"steps until $f \leq 10^{-6} f(x_0)$"))
    ax.set_title(figure_text("Gradient descent: steps grow with the condition number"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)


def _ellipse(level: float, kappa: float, n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    # the contour f = level is an ellipse with semi-axes √(2·level) and √(2·level/κ)
    t = np.linspace(0, 2 * np.pi, n)
    return np.sqrt(2 * level) * np.cos(t), np.sqrt(2 * level / kappa) * np.sin(t)


def conditioning(steps: int = 300) -> WidgetPlot:
    r"""κ and the learning rate (as α·κ, stable below 2) → the path on the contours of f and f against step."""
    controls = {
        "kappa": slider(
            _("condition no. κ"),
            20.0,
            0,
            3,
            0.1,
            fmt=".0f",
            log=True,
            tooltip=_("condition number κ = λ_max/λ_min of f"),
        ),
        "lr_times_kappa": slider(
            "α·κ", 1.8, 0.1, 2.2, 0.05, tooltip=_("the learning rate α times κ: gradient descent is stable below 2")
        ),
    }

    @lru_cache(maxsize=256)
    def run(kappa, c):
        return run_gd(kappa, c / kappa, steps)

    def setup(fig):
        from matplotlib.ticker import NullLocator

        ax_p, ax_f = fig.subplots(1, 2, width_ratios=[1.6, 1])
        contours = [ax_p.plot([], [], color="gray", lw=0.7, alpha=0.7)[0] for _ in range(N_LEVELS)]
        (path,) = ax_p.plot([], [], "-", color="C3", lw=1)
        (dots,) = ax_p.plot([], [], "o", color="C3", ms=3)
        ax_p.plot([0], [0], "*", color="k", ms=10)
        ax_p.set_xlim(-9, 9)
        ax_p.set_ylim(-4, 4)
        ax_p.set_aspect("equal")  # true proportions: the valley really is narrow
        ax_p.set_xlabel(figure_text("$x_1$ (flat direction)"))
        ax_p.set_ylabel(figure_text("$x_2$ (steep direction)"))
        (curve,) = ax_f.semilogy([], [], color="C3")
        ax_f.axhline(TOL, color="gray", lw=0.8, ls=":", label=figure_text("tolerance $10^{-6}$"))
        ax_f.legend(fontsize=8, loc="upper right")
        ax_f.set_xlim(0, steps)
        ax_f.yaxis.set_minor_locator(NullLocator())  # minor log ticks cost redraw time and add little
        ax_f.set_xlabel(figure_text("step"))
        ax_f.set_ylabel(figure_text("$f(x)\\,/\\,f(x_0)$ (log scale)"))
        ax_f.grid(True, which="major", alpha=0.3)
        # Blitting: the contour panel's axes (fixed limits) and the step axis are pasted from a buffer;
        # the f axis follows the run and is drawn each time
        backdrop = Backdrop(fig, [*contours, path, dots, ax_f.yaxis, curve])
        return dict(ax_p=ax_p, ax_f=ax_f, contours=contours, path=path, dots=dots, curve=curve, backdrop=backdrop)

    def draw(a, kappa, lr_times_kappa):
        kappa = float(round(kappa, 6))
        path, values = run(kappa, lr_times_kappa)
        f0 = values[0]
        for i, line in enumerate(a["contours"]):
            line.set_data(*_ellipse(f0 * 0.35**i, kappa))
        shown = np.clip(path, [-50, -50], [50, 50])  # keep a diverging path drawable
        a["path"].set_data(shown[:, 0], shown[:, 1])
        a["dots"].set_data(shown[:31, 0], shown[:31, 1])
        rel = values / f0
        a["curve"].set_data(np.arange(len(rel)), rel)
        finite = rel[np.isfinite(rel) & (rel > 0)]
        a["ax_f"].set_ylim(max(min(finite.min(), TOL) / 3, 1e-12), max(finite.max() * 3, 10))
        lr = lr_times_kappa / kappa
        a["ax_p"].set_title(
            figure_text("κ = {kappa:.0f}, α = {lr}: path of the first {n} steps").format(
                kappa=kappa, lr=number(lr), n=len(path) - 1
            ),
            fontsize=10,
        )
        # the same sentence is the status line (a message) and the title of the f panel (figure text)
        if len(values) <= steps and values[-1] > values[0]:
            outcome = N_("diverged after {n} steps: α·κ = {c:.2f} > 2")
            fields = dict(n=len(values) - 1, c=lr_times_kappa)
        else:
            below = np.nonzero(values <= TOL * f0)[0]
            if below.size:
                outcome, fields = N_("reached f ≤ 1e-6·f(x0) in {n} steps"), dict(n=below[0])
            else:
                outcome = N_("not there after {n} steps: f/f(x0) = {ratio}")
                fields = dict(n=steps, ratio=number(values[-1] / f0, 2))
        a["ax_f"].set_title(figure_text(outcome).format(**fields), fontsize=10)
        a["backdrop"].update()
        flat, steep = 1.0 - lr, 1.0 - lr_times_kappa
        if steep < 0:
            why = _(
                "{outcome}. Each step multiplies x₁ by 1 − α = {flat} and x₂ by 1 − ακ = {steep}: a negative factor "
                "flips x₂ across the valley at every step, the zig-zag."
            )
        else:
            why = _("{outcome}. Each step multiplies x₁ by 1 − α = {flat} and x₂ by 1 − ακ = {steep}.")
        return why.format(outcome=_(outcome).format(**fields), flat=number(flat), steep=number(steep))

    return WidgetPlot(
        controls, draw, _("Gradient descent on an ill-conditioned quadratic"), figsize=(10, 3.8), setup=setup
    )


WIDGETS = {"conditioning": conditioning}
