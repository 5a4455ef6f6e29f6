"""What a learner reads as plain text (check messages, widget status lines and labels, errors) is
written in Unicode, never as TeX source: "δˡ = (Wˡ⁺¹)ᵀ δˡ⁺¹", not "δ^l = (W^{l+1})ᵀ δ^{l+1}".

Every string literal of the package is scanned except docstrings (read as source, where TeX-like
notation is the convention) and ``$…$`` spans, which matplotlib's mathtext renders in figures."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "bpcourse"
TEX = re.compile(
    r"(?<=[A-Za-zδΔσ′)\]])\^(?:\{[^}]*\}|\([^)]*\)|[A-Za-z0-9])"  # W^l, W^{l+1}, e^(−z)
    r"|_\{[^}]*\}"  # n_{l-1}
    r"|\\(?:frac|partial|delta|sigma|top|odot|sum|mathrm|cdot|nabla|ell)\b"  # \frac, \partial, …
)

MARKERS = re.compile(r"[.,ov^<>1-8spP*hHxXDd|_+-]+")


def tex_in_strings(path: Path) -> list[str]:
    name = path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE.parent) else path.name
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if MARKERS.fullmatch(node.value):  # matplotlib marker codes such as "osD^v"
                continue
            plain = re.sub(r"\$[^$]*\$", "", node.value)
            found += [f"{name}:{node.lineno}: {m.group(0)!r} in {node.value[:80]!r}" for m in TEX.finditer(plain)]
    return found


@pytest.mark.parametrize("folder", ["check", "widgets", "grade", "."])
def test_no_tex_source_in_plain_text(folder):
    files = sorted((PACKAGE / folder).glob("*.py"))
    assert files
    found = [hit for f in files for hit in tex_in_strings(f)]
    assert not found, "TeX source in plain-text strings (write Unicode: Wˡ, δˡ⁺¹, nₗ₋₁):\n" + "\n".join(found)


def test_the_scan_finds_tex(tmp_path):
    f = tmp_path / "probe.py"
    f.write_text('def f():\n    """W^l is fine here."""\n    return "δ^l = (W^{l+1})ᵀ δ^{l+1}", "n_{l-1}", "$W^l$"\n')
    hits = tex_in_strings(f)
    assert [h.split(": ", 1)[1].split(" in ")[0] for h in hits] == ["'^l'", "'^{l+1}'", "'^{l+1}'", "'_{l-1}'"]
