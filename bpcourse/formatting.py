"""One format for a number wherever a learner reads it: a widget's readout, a title, a status line, a message.

number(5.623) → "5.62"    number(0.562341) → "0.562"    number(1.0) → "1"    number(1e-5) → "1e-05"
"""

from __future__ import annotations

import math


def number(x, digits: int = 3) -> str:
    """One format for a quantity wherever it appears (title, readout, status): ``digits``
    significant digits, plain notation from 1e-3 to 1e4, else ``1e-05``; no trailing zeros
    (5.623 → "5.62", 0.5623 → "0.562", 1.0 → "1", 1e-5 → "1e-05")."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return f"{x:g}"
    if 1e-3 <= abs(x) < 1e4:
        decimals = max(digits - 1 - math.floor(math.log10(abs(x))), 0)
        text = f"{x:.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    mantissa, exponent = f"{x:.{digits - 1}e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{exponent}"
