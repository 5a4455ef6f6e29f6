"""Every message of the exercise checks and the widgets has its Chinese form, and is written so it can have one.

- pybabel's own extractor (the keywords of tools/i18n.py) finds the templates in ``bpcourse/check/`` and
  ``bpcourse/widgets/``; each must have a Chinese translation, not fuzzy, in bpcourse.po, compiled into the .mo.
- ``_``, ``N_`` and ``figure_text`` take a template, never a finished text: ``_(f"...")``, ``_("a" + b)`` or
  ``_("...".format(...))`` would be looked up by the finished text and never found, so that message would
  stay English. (A name, ``_(LABELS[key])``, is fine: it holds a template marked with ``N_`` where it is stored.)
- No English sentence is left in a translation (one copied instead of translated).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

extract = pytest.importorskip("babel.messages.extract")
pofile = pytest.importorskip("babel.messages.pofile")
mofile = pytest.importorskip("babel.messages.mofile")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bpcourse"
PO = PACKAGE / "locale" / "zh" / "LC_MESSAGES" / "bpcourse.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "N_": None, "figure_text": (1,)}  # as tools/i18n.py KEYWORDS (-k _ -k N_ -k figure_text:1)
MUST_BE_TRANSLATED = ("check", "widgets")
HAN = re.compile(r"[\u4e00-\u9fff]")
SENTENCE = re.compile(r"\b[a-z]{2,}(?: [a-z]{2,}){3,}\b")  # four lower-case English words in a row


def templates(folder: str) -> dict[str, str]:
    """msgid → "file:line" for every template pybabel extracts from bpcourse/<folder>/."""
    found = {}
    for path in sorted((PACKAGE / folder).glob("*.py")):
        for lineno, message, _comments, _context in extract.extract_from_file("python", path, keywords=KEYWORDS):
            msgid = message if isinstance(message, str) else message[0]
            found.setdefault(msgid, f"{path.relative_to(ROOT)}:{lineno}")
    return found


@pytest.fixture(scope="module")
def catalog():
    with PO.open("rb") as f:
        return {m.id: m for m in pofile.read_po(f) if m.id}


@pytest.mark.parametrize("folder", MUST_BE_TRANSLATED)
def test_every_message_has_its_chinese_form(folder, catalog):
    found = templates(folder)
    assert len(found) > 100, f"only {len(found)} templates found in bpcourse/{folder}/: is the extractor wired?"
    missing = [
        f"{where}: {msgid!r}"
        for msgid, where in found.items()
        if msgid not in catalog or not catalog[msgid].string or catalog[msgid].fuzzy
    ]
    assert not missing, (
        f"{len(missing)} message(s) in bpcourse/{folder}/ without Chinese (run `python tools/i18n.py messages`, "
        "translate the new entries of bpcourse/locale/zh/LC_MESSAGES/bpcourse.po, run it again):\n" + "\n".join(missing)
    )


def test_the_compiled_catalog_is_the_po(catalog):
    with MO.open("rb") as f:
        compiled = {m.id: m.string for m in mofile.read_mo(f) if m.id}
    want = {k: m.string for k, m in catalog.items() if m.string and not m.fuzzy}
    assert compiled == want, "bpcourse.mo is not compiled from bpcourse.po: run `python tools/i18n.py messages`"


def test_translations_are_chinese_not_copies(catalog):
    copied = [
        msgid
        for msgid, m in catalog.items()
        if m.string
        and SENTENCE.search(re.sub(r"`[^`]*`|\{[^{}]*\}|'[^']*'", " ", m.string))
        and not HAN.search(m.string)
    ]
    assert not copied, "translations that are English sentences:\n" + "\n".join(map(repr, copied))


def non_literal_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) for every _( ), N_( ) or figure_text( ) whose first argument is built: an f-string, a sum,
    a formatted string (``"...".format()``), or an N_( ) of anything but a literal. A function returning a
    template (``_(verdict(norms))``) is fine."""
    bad = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name in KEYWORDS and node.args:
                first = node.args[0]
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                formatted = (
                    isinstance(first, ast.Call)
                    and isinstance(first.func, ast.Attribute)
                    and first.func.attr in {"format", "format_map", "join", "replace"}
                )
                built = isinstance(first, ast.JoinedStr | ast.BinOp) or formatted
                if built or (name == "N_" and not literal):
                    bad.append((node.lineno, ast.unparse(node)[:80]))
    return bad


@pytest.mark.parametrize("folder", MUST_BE_TRANSLATED)
def test_templates_are_literals(folder):
    bad = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in sorted((PACKAGE / folder).glob("*.py"))
        for line, call in non_literal_calls(path.read_text(encoding="utf-8"))
    ]
    assert not bad, "a translated message must be one literal template with named fields:\n" + "\n".join(bad)


def test_the_literal_rule_sees_an_f_string():
    source = (
        '_(f"step {n}")\n_("step {n}").format(n=1)\nfigure_text("a" + b)\n_(LABELS[k])\nN_(x)\n_("{a}".format(a=1))'
    )
    assert non_literal_calls(source) == [
        (1, "_(f'step {n}')"),
        (3, "figure_text('a' + b)"),
        (5, "N_(x)"),
        (6, "_('{a}'.format(a=1))"),
    ]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_section_link_opens_its_heading_in_that_edition(language):
    """The "reread ch. N §k" link of a failed check, from exercises/ (or exercises/zh/), lands on a heading of
    the chapter of the same edition."""
    import nbformat

    import bpcourse as bp
    from bpcourse.check import CHAPTERS
    from bpcourse.check.report import Section

    sections = {v for mod in CHAPTERS.values() for v in vars(mod).values() if isinstance(v, Section)}
    assert len(sections) >= 20
    here = ROOT / ("exercises/zh" if language == "zh" else "exercises")
    bp.set_language(language)
    try:
        wrong = []
        for section in sorted(sections):
            target, _hash, anchor = section.link().partition("#")
            path = (here / target).resolve()
            headings = set()
            if path.is_file():
                for cell in nbformat.read(path, as_version=4).cells:
                    if cell.cell_type == "markdown":
                        headings |= {
                            line.lstrip("#").strip().replace(" ", "-")
                            for line in cell.source.splitlines()
                            if line.startswith("#")
                        }
            if anchor not in headings:
                wrong.append(f"{section}: {section.link()}")
    finally:
        bp.set_language("en")
    assert not wrong, "links that miss their heading:\n" + "\n".join(wrong)
