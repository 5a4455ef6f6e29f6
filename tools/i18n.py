"""The Chinese edition of the course, from one source: one gettext catalog per notebook, keyed by cell id.

    python tools/i18n.py extract              # write/update i18n/zh/<folder>/<name>.po from the English notebooks
    python tools/i18n.py build                # write notebooks/zh/, solutions/zh/, exercises/zh/, executed
    python tools/i18n.py build --allow-missing --no-execute
    python tools/i18n.py check                # exit 1 naming notebook, cell id and reason for every problem
    python tools/i18n.py check --execute      # ... and re-run the Chinese notebooks under strict nbval
    python tools/i18n.py messages             # the library's catalog: pybabel extract, update, compile

The English notebooks are the source: ``notebooks/*.ipynb`` and ``solutions/*.ipynb``. The exercises
are not translated on their own: ``bpcourse assign`` makes ``exercises/X`` from ``solutions/X``, so
``build`` makes ``exercises/zh/X`` from ``solutions/zh/X`` the same way (``student_version``); one
catalog serves the worked solution and the exercise, whose prose is the same.

A catalog entry is one markdown cell (msgctxt = the cell's nbformat ``id``, msgid = its English
source, msgstr = the Chinese) or one reader-facing piece of a code cell: a comment, a string with
prose in it (a printed header, a docstring, an assert message), or figure text (a string given to
``set_title``, ``xlabel``, ``label=``, ...), keyed by cell id and the English text. Each entry records
``#. sha256:<16 hex>`` of the English text it translates. ``extract`` keeps translations: an entry
whose English changed becomes fuzzy (``#| msgid`` shows the old English) and keeps its old Chinese
as a starting point; a fuzzy entry counts as untranslated until a translator removes the flag.

A Chinese notebook is its English source with the markdown from the catalog, links pointing inside
the zh folders, and code cells token for token the same except: translated comments and strings,
figure text wrapped as ``bp.i18n.figure_text("English", "中文")`` (Chinese only where a CJK font is
installed: never empty boxes), and one line ``bp.set_language("zh")`` after ``import bpcourse as bp``
in the first code cell. Identifiers, numbers and the code's structure never change.

Babel reads and writes the PO files; what is notebook-specific (cells, ids, literals in code, links,
formula checks) is here, because neither mdpo (Markdown files, units keyed by text and split by
paragraph) nor translate-toolkit (no Jupyter format; md2po keys units by file position) reads a
notebook or keys a unit by cell id.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import hashlib
import io
import posixpath
import re
import subprocess
import sys
import tokenize
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
SOURCE_FOLDERS = ("notebooks", "solutions")  # English sources; exercises/ is generated from solutions/
DERIVED = {"solutions": "exercises"}  # folder whose zh edition is made from another's, as `bpcourse assign` does
LANG_LINE = 'bp.set_language("{lang}")'
IMPORT_LINE = re.compile(r"^import bpcourse as bp[ \t]*$", re.M)
HASH = re.compile(r"^sha256:([0-9a-f]{16})$")
UNTRANSLATED_TAG = "i18n-untranslated"

KIND_NOTE = {
    "markdown": "markdown cell",
    "string": "code cell: string literal (prose the reader sees)",
    "comment": "code cell: comment",
    "figure": "code cell: figure text (drawn in Chinese only where a CJK font is installed)",
}
FIGURE_CALLS = {
    "title",
    "suptitle",
    "set_title",
    "xlabel",
    "ylabel",
    "set_xlabel",
    "set_ylabel",
    "text",
    "figtext",
    "annotate",
    "set_label",
    "supxlabel",
    "supylabel",
}
FIGURE_KWARGS = {"label", "title", "xlabel", "ylabel"}
PRINT_CALLS = {"print", "display", "Markdown", "HTML"}
# keyword arguments whose strings are settings, not prose, however many words they have (loc="lower right")
SETTING_KWARGS = {
    "loc",
    "ha",
    "va",
    "horizontalalignment",
    "verticalalignment",
    "cmap",
    "color",
    "c",
    "marker",
    "ls",
    "linestyle",
    "family",
    "fontfamily",
    "style",
    "fontweight",
    "weight",
    "hidden",
    "output",
    "loss",
    "kind",
    "method",
    "mode",
    "dtype",
    "where",
    "how",
    "which",
    "axis",
    "format",
    "fmt",
    "mathtext",
    "layout",
    "sep",
    "end",
}
SKIP_COMMENT = re.compile(
    r"^#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)|^#\s*(noqa|type:|fmt:|YOUR CODE HERE|pragma)|^#!", re.I
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[a-z]")


# --- the pieces of a notebook to translate ---------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """One translatable piece: a markdown cell, or a comment or string in a code cell."""

    cell_id: str
    kind: str  # markdown | string | comment | figure
    text: str  # the English: a markdown source, a comment's text after "# ", a string's source between its quotes


@dataclass(frozen=True)
class Span:
    """A comment or string token in a code cell's source, with what wrapping its text needs."""

    start: int
    end: int
    kind: str  # string | comment | figure
    head: str  # '#' run plus spaces, or the string prefix and opening quote
    text: str
    tail: str  # the closing quote ('' for a comment)


def excerpt(unit: Unit) -> str:
    """A short quote of a unit's English, to find it in the notebook."""
    line = " ".join(unit.text.split())
    return repr(line if len(line) <= 60 else line[:57] + "...")


def digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _offsets(source: str) -> list[int]:
    starts, pos = [0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _split_string(token: str) -> tuple[str, str, str]:
    match = re.match(r"(?is)^([rbuf]*)('''|\"\"\"|'|\")", token)
    head = match[0]
    quote = match[2]
    return head, token[len(head) : len(token) - len(quote)], quote


def _is_prose(text: str) -> bool:
    """Two or more English words once replacement fields are removed: a sentence or a header, not a key."""
    bare = re.sub(r"\{[^{}]*\}", " ", text)
    return len(WORD.findall(bare)) >= 2 and " " in bare.strip()


def code_spans(source: str) -> list[Span]:
    """The comments and reader-facing strings of a code cell, in order (tokenize, so code stays code)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return []
    starts = _offsets(source)
    pos = lambda rc: starts[rc[0] - 1] + rc[1]  # noqa: E731
    spans: list[Span] = []
    significant: list[tokenize.TokenInfo] = []
    depth, fstring = 0, None
    fstart = getattr(tokenize, "FSTRING_START", -1)
    fend = getattr(tokenize, "FSTRING_END", -1)
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}

    def continued(tok) -> str | None:
        """The kind of the string span ``tok`` continues (implicit concatenation), if the one before is a span."""
        last = significant[-1] if significant else None
        if last is not None and last.type in (tokenize.STRING, fend) and spans and spans[-1].kind != "comment":
            return spans[-1].kind if spans[-1].end == pos(last.end) else None
        return None

    for tok in tokens:
        if tok.type == fstart:  # Python 3.12+: an f-string is many tokens; take it whole
            if fstring is None:
                fstring = tok
            depth += 1
            continue
        if fstring is not None:
            if tok.type == fend:
                depth -= 1
                if depth == 0:
                    text = source[pos(fstring.start) : pos(tok.end)]
                    _add_string(spans, text, pos(fstring.start), pos(tok.end), significant, continued(fstring))
                    significant.append(tok)
                    fstring = None
            continue
        if tok.type == tokenize.COMMENT:
            if not SKIP_COMMENT.search(tok.string) and len(WORD.findall(tok.string)) >= 1:
                head = re.match(r"#+\s*", tok.string)[0]
                spans.append(Span(pos(tok.start), pos(tok.end), "comment", head, tok.string[len(head) :], ""))
        elif tok.type == tokenize.STRING:
            _add_string(spans, tok.string, pos(tok.start), pos(tok.end), significant, continued(tok))
        if tok.type not in skip:
            significant.append(tok)
    return spans


def _add_string(
    spans: list[Span], token: str, start: int, end: int, before: list, continues: str | None = None
) -> None:
    head, text, quote = _split_string(token)
    if "b" in head.lower():
        return
    kind = None
    prev = [t.string for t in before[-2:]]
    if len(prev) == 2 and prev[1] == "=" and prev[0] in SETTING_KWARGS:
        return
    if continues == "string":  # implicitly concatenated with a printed string before it: print("a " f"b")
        kind = "string"  # (not figure text: figure_text("a") figure_text("b") would not be Python)
    elif len(prev) == 2 and prev[1] == "(" and prev[0] in FIGURE_CALLS:
        kind = "figure"
    elif len(prev) == 2 and prev[1] == "=" and prev[0] in FIGURE_KWARGS:
        kind = "figure"
    elif (len(prev) == 2 and prev[1] == "(" and prev[0] in PRINT_CALLS) or _is_prose(text):
        kind = "string"
    readable = re.sub(r"\{[^{}]*\}", " ", text)
    if "f" in head.lower():  # an f-string's header words may sit in its fields: f"{'loss':>8}"
        readable += " " + " ".join(nested_literals(text))
    if kind and WORD.search(readable):
        spans.append(Span(start, end, kind, head, text, quote))


# a replacement field that formats a string literal and nothing else: f"{'alpha':>8}" (a table header)
FIELD_TEXT = re.compile(r"""^\{(?P<q>['"])(?P<text>[^'"\\{}\n]*)(?P=q)(?:![rsa])?(?::[^{}]*)?\}$""")
FIELD_LITERAL = re.compile(
    r"""\{(?P<lit>(?P<q>['"])(?P<text>[^'"\\{}\n]*)(?P=q))(?P<conv>![rsa])?:(?P<fill>[^{}]?[<>=^])?"""
    r"""(?P<sign>[-+ ]?)(?P<alt>#?)(?P<zero>0?)(?P<width>\d+)(?P<rest>[^{}]*)\}"""
)


def nested_literals(text: str) -> list[str]:
    """The texts of an f-string's fields that format a literal and nothing else: f"{'alpha':>8} {x}" → ['alpha'].

    A literal inside an expression (``r['seed']``, ``name + ', seed '``) is code, not text to translate.
    """
    return [m["text"] for field in FIELD.findall(text) if (m := FIELD_TEXT.match(field))]


def field_shape(field: str) -> str:
    """A field with the text of its literal blanked: what a translation must keep ({'…':>8})."""
    m = FIELD_TEXT.match(field)
    return field if m is None else field[: m.start("text")] + "…" + field[m.end("text") :]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal or a notebook's output: a Han character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit_columns(text: str) -> str:
    """Narrow the width of a translated header in an f-string field by what its wide characters add.

    f"{'步数':>12}" would print 14 columns under a 12-column number; f"{'步数':>10}" prints 12, so a
    Chinese table header lines up with its column as the English one does. Fields that format an
    expression, not a literal, are left alone.
    """

    def narrow(m: re.Match) -> str:
        extra = display_width(m["text"]) - len(m["text"])
        if extra <= 0:
            return m[0]
        width = max(int(m["width"]) - extra, 0)
        spec = f"{m['fill'] or ''}{m['sign']}{m['alt']}{m['zero']}{width}{m['rest']}"
        return f"{{{m['lit']}{m['conv'] or ''}:{spec}}}"

    return FIELD_LITERAL.sub(narrow, text)


def units_of(nb) -> list[Unit]:
    """Every translatable piece of a notebook, in reading order (one Unit per distinct piece of a cell)."""
    units: list[Unit] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            units.append(Unit(cell.id, "markdown", cell.source))
        elif cell.cell_type == "code":
            seen = set()
            for span in code_spans(cell.source):
                if span.text not in seen:
                    seen.add(span.text)
                    units.append(Unit(cell.id, span.kind, span.text))
    return units


# --- catalogs ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    folder: str  # notebooks | solutions
    path: Path  # the English notebook

    @property
    def rel(self) -> str:
        return f"{self.folder}/{self.path.name}"


def sources(root: Path, only: list[str] | None = None) -> list[Source]:
    found = [Source(folder, p) for folder in SOURCE_FOLDERS for p in sorted((root / folder).glob("*.ipynb"))]
    if only:
        wanted = {Path(o).name for o in only}
        found = [s for s in found if s.path.name in wanted]
    return found


def catalog_path(root: Path, lang: str, source: Source) -> Path:
    return root / "i18n" / lang / source.folder / f"{source.path.stem}.po"


def load_catalog(path: Path) -> Catalog | None:
    if not path.is_file():
        return None
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def entry_hash(message: Message) -> str | None:
    for comment in message.auto_comments:
        if HASH.match(comment.strip()):
            return comment.strip()
    return None


def _unit_kind(message: Message) -> str | None:
    for comment in message.auto_comments:
        for kind, note in KIND_NOTE.items():
            if comment.strip() == note:
                return kind
    return None


def _new_message(unit: Unit, source: Source, string: str = "", fuzzy: bool = False, previous: str | None = None):
    flags = {"fuzzy"} if fuzzy else set()
    return Message(
        unit.text,
        string,
        locations=[(source.rel, None)],
        flags=flags,
        auto_comments=[digest(unit.text), KIND_NOTE[unit.kind]],
        previous_id=[previous] if previous is not None else [],
        context=unit.cell_id,
    )


def merge(units: list[Unit], old: Catalog | None, source: Source, lang: str) -> Catalog:
    """The catalog for ``units``, keeping ``old``'s translations (fuzzy where the English changed)."""
    new = Catalog(
        locale=lang,
        domain=source.path.stem,
        project="bpcourse",
        header_comment=f"# Chinese translation of {source.rel} (tools/i18n.py extract; edit msgstr only).",
        fuzzy=False,
    )
    if old is not None:
        new.creation_date, new.revision_date = old.creation_date, old.revision_date
    previous = [m for m in (old or []) if m.id]
    used: set[tuple[str, str | None]] = set()
    by_key = {(m.id, m.context): m for m in previous}
    by_text = {m.id: m for m in [*previous, *((old.obsolete.values()) if old is not None else [])] if m.string}
    for unit in units:
        key = (unit.text, unit.cell_id)
        hit = by_key.get(key)
        if hit is not None:
            used.add(key)
            _put(new, _new_message(unit, source, hit.string, hit.fuzzy, (hit.previous_id or [None])[0]))
            continue
        candidates = [
            m
            for m in previous
            if m.context == unit.cell_id and (m.id, m.context) not in used and (_unit_kind(m) or unit.kind) == unit.kind
        ]
        if unit.kind != "markdown" and candidates:
            close = difflib.get_close_matches(unit.text, [m.id for m in candidates], n=1, cutoff=0.5)
            candidates = [m for m in candidates if close and m.id == close[0]]
        if candidates and candidates[0].string:
            was = candidates[0]
            used.add((was.id, was.context))
            message = _new_message(unit, source, was.string, True, was.id)
        elif unit.text in by_text:  # the same English elsewhere (a cell moved or got a new id): same translation
            message = _new_message(unit, source, by_text[unit.text].string)
        else:
            message = _new_message(unit, source)
        _put(new, message)
    for m in previous:  # translations of cells that are gone: kept as obsolete (#~), never lost
        if (m.id, m.context) not in used and m.string and new.get(m.id, m.context) is None:
            new.obsolete[(m.id, m.context)] = m
    return new


def _put(catalog: Catalog, message: Message) -> None:
    catalog[message.id] = message  # Catalog.__setitem__ keys by (id, message.context)


def po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, sort_output=False, include_previous=True)
    return buf.getvalue()


def extract(root: Path, lang: str, only: list[str] | None = None) -> list[str]:
    """Write or update every catalog; returns one summary line per notebook."""
    lines = []
    for source in sources(root, only):
        nb = nbformat.read(source.path, as_version=4)
        path = catalog_path(root, lang, source)
        old = load_catalog(path)
        new = merge(units_of(nb), old, source, lang)
        data = po_bytes(new)
        if not path.is_file() or path.read_bytes() != data:
            new.revision_date = datetime.now(timezone.utc)
            if old is None:
                new.creation_date = new.revision_date
            data = po_bytes(new)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        msgs = [m for m in new if m.id]
        done = sum(1 for m in msgs if m.string and not m.fuzzy)
        fuzzy = sum(1 for m in msgs if m.fuzzy)
        lines.append(f"{path.relative_to(root)}: {len(msgs)} entries, {done} translated, {fuzzy} fuzzy")
    return lines


# --- building a Chinese notebook -----------------------------------------------------------------


class Missing(Exception):
    pass


def translation(catalog: Catalog | None, unit: Unit) -> str | None:
    if catalog is None:
        return None
    message = catalog.get(unit.text, unit.cell_id)
    if message is None or not message.string or message.fuzzy or entry_hash(message) != digest(unit.text):
        return None
    return message.string


def editions(root: Path) -> dict[str, str]:
    """English notebook → its Chinese edition, as paths relative to the root ("notebooks/x" → "notebooks/zh/x")."""
    out = {}
    for folder in SOURCE_FOLDERS:
        for p in (root / folder).glob("*.ipynb"):
            out[f"{folder}/{p.name}"] = f"{folder}/{{lang}}/{p.name}"
            if folder in DERIVED:
                out[f"{DERIVED[folder]}/{p.name}"] = f"{DERIVED[folder]}/{{lang}}/{p.name}"
    return out


HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.M)
LINK = re.compile(r"(\]\()([^)\s]+)(\))|((?:href|src)=[\"'])([^\"']+)([\"'])")


def anchor(heading: str) -> str:
    """JupyterLab's id for a heading: its text as rendered (no markup), spaces as '-'."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"[*_`]", "", text)
    return text.strip().replace(" ", "-")


def anchors_of(nb, catalog: Catalog | None) -> dict[str, str]:
    """English heading anchor → Chinese heading anchor, for the headings of translated cells."""
    out = {}
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        zh = translation(catalog, Unit(cell.id, "markdown", cell.source))
        if zh is None:
            continue
        en_heads, zh_heads = HEADING.findall(cell.source), HEADING.findall(zh)
        if [h[0] for h in en_heads] == [h[0] for h in zh_heads]:
            for (_, en), (_, cn) in zip(en_heads, zh_heads, strict=True):
                out[anchor(en)] = anchor(cn)
    return out


def retarget(
    text: str,
    here: str,
    there: str,
    lang: str,
    edition: dict[str, str],
    anchors: dict,
    available: set[str] | None = None,
) -> str:
    """Links of a markdown text written for folder ``here`` rewritten for folder ``there`` (root-relative).

    A link to a course notebook goes to its Chinese edition (its #anchor to the Chinese heading);
    any other relative link (an image, a data file) still reaches the same file. URLs stay.
    A notebook of the same folder is always taken in its Chinese edition (a folder's edition is built
    together); a notebook of another folder (a chapter's exercise) only once its Chinese edition is in
    ``available`` (root-relative paths; None: all), else the link stays on the English notebook, so that
    it never points at a file that does not exist.
    """

    def fix(target: str) -> str:
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
            return target
        path, _, frag = target.partition("#")
        if not path:  # an anchor in this notebook
            own = anchors.get(f"{here}/__self__", {})
            return "#" + own.get(frag, frag) if frag else target
        resolved = posixpath.normpath(posixpath.join(here, path))
        zh = edition[resolved].format(lang=lang) if resolved in edition else None
        same_folder = resolved.split("/", 1)[0] == here.split("/", 1)[0]
        if zh is not None and (same_folder or available is None or zh in available):
            new = zh
            frag = anchors.get(resolved, {}).get(frag, frag) if frag else frag
        else:
            new = resolved
        rel = posixpath.relpath(new, there)
        return rel + (f"#{frag}" if frag else "")

    def replace(m: re.Match) -> str:
        if m[1]:
            return m[1] + fix(m[2]) + m[3]
        return m[4] + fix(m[5]) + m[6]

    return LINK.sub(replace, text)


def _literal(span: Span, text: str) -> str:
    if span.kind == "comment":
        return span.head + text
    return span.head + text + span.tail


def translate_code(source: str, cell_id: str, catalog: Catalog | None, missing: list) -> str:
    spans = code_spans(source)
    out = source
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        unit = Unit(cell_id, span.kind, span.text)
        zh = translation(catalog, unit)
        if zh is None:
            missing.append(unit)
            continue
        if zh == span.text:
            continue
        if "f" in span.head.lower():
            zh = fit_columns(zh)
        new = _literal(span, zh)
        if span.kind == "figure":
            new = f"bp.i18n.figure_text({source[span.start : span.end]}, {new})"
        out = out[: span.start] + new + out[span.end :]
    return out


def build_notebook(root: Path, source: Source, lang: str, allow_missing: bool, context: dict):
    """The Chinese notebook of ``source`` (not executed). Raises Missing listing what has no translation."""
    nb = nbformat.read(source.path, as_version=4)
    catalog = context["catalogs"][source.rel]
    here, there = source.folder, f"{source.folder}/{lang}"
    anchors = dict(context["anchors"])
    anchors[f"{here}/__self__"] = context["anchors"].get(source.rel, {})
    out = copy.deepcopy(nb)
    missing: list[Unit] = []
    first_code = True
    for cell in out.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "markdown" and cell.source.strip():
            unit = Unit(cell.id, "markdown", cell.source)
            zh = translation(catalog, unit)
            if zh is None:
                missing.append(unit)
                tags = cell.metadata.setdefault("tags", [])
                if UNTRANSLATED_TAG not in tags:
                    tags.append(UNTRANSLATED_TAG)
                zh = cell.source
            cell.source = retarget(zh, here, there, lang, context["edition"], anchors, context["available"])
        elif cell.cell_type == "code":
            before = len(missing)
            cell.source = translate_code(cell.source, cell.id, catalog, missing)
            if len(missing) > before:
                tags = cell.metadata.setdefault("tags", [])
                if UNTRANSLATED_TAG not in tags:
                    tags.append(UNTRANSLATED_TAG)
            if first_code:
                first_code = False
                match = IMPORT_LINE.search(cell.source)
                if match is None:
                    raise SystemExit(
                        f"tools/i18n.py: {source.rel} cell {cell.id}: the first code cell has no line "
                        "`import bpcourse as bp` to set the language after"
                    )
                line = LANG_LINE.format(lang=lang)
                cell.source = cell.source[: match.end()] + "\n" + line + cell.source[match.end() :]
            cell.outputs, cell.execution_count = [], None
    out.metadata["bpcourse"] = {"language": lang, "translated_from": f"../{source.path.name}"}
    out.metadata.pop("widgets", None)
    if missing and not allow_missing:
        raise Missing(
            "\n".join(
                f"{source.rel} cell {u.cell_id}: no translation ({KIND_NOTE[u.kind]} {excerpt(u)})" for u in missing
            )
        )
    return out, missing


def build_context(root: Path, lang: str) -> dict:
    context = {"catalogs": {}, "anchors": {}, "edition": editions(root)}
    # the Chinese editions a link may point at: those on disk (build adds the ones it writes)
    context["available"] = {
        e.format(lang=lang) for e in context["edition"].values() if (root / e.format(lang=lang)).is_file()
    }
    for source in sources(root):
        catalog = load_catalog(catalog_path(root, lang, source))
        context["catalogs"][source.rel] = catalog
        heads = anchors_of(nbformat.read(source.path, as_version=4), catalog)
        context["anchors"][source.rel] = heads
        if source.folder in DERIVED:
            context["anchors"][f"{DERIVED[source.folder]}/{source.path.name}"] = heads
    return context


def outputs_of(root: Path, source: Source, lang: str, nb) -> dict[Path, object]:
    """The files ``build`` writes for ``source``: its Chinese notebook, and for a solution the exercise too."""
    files = {root / source.folder / lang / source.path.name: nb}
    if source.folder in DERIVED:
        if str(ROOT) not in sys.path:
            sys.path.insert(0, str(ROOT))
        from bpcourse.assign import student_version

        files[root / DERIVED[source.folder] / lang / source.path.name] = student_version(nb)
    return files


def build(root: Path, lang: str, only, allow_missing: bool, execute: bool) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from run_notebooks import run

    context = build_context(root, lang)
    todo = sources(root, only)
    for source in todo:  # what this build writes is there for the links of the notebooks it writes first
        context["available"].add(f"{source.folder}/{lang}/{source.path.name}")
        if source.folder in DERIVED:
            context["available"].add(f"{DERIVED[source.folder]}/{lang}/{source.path.name}")
    problems = []
    for source in todo:
        try:
            nb, missing = build_notebook(root, source, lang, allow_missing, context)
        except Missing as exc:
            problems.append(str(exc))
            continue
        for path, book in outputs_of(root, source, lang, nb).items():
            path.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(book, path)
            executed = execute and path.parent.parent.name != DERIVED.get(source.folder)
            seconds = run(path) if executed else None
            shown = path.relative_to(root)
            note = f"{seconds:6.1f} s" if seconds is not None else "  not run"
            extra = f"  ({len(missing)} untranslated, kept in English, tagged {UNTRANSLATED_TAG})" if missing else ""
            print(f"{note}  {shown}{extra}")
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(
            "tools/i18n.py build: translations missing (above); translate them in the catalogs, "
            "or build with --allow-missing to keep those cells in English",
            file=sys.stderr,
        )
        return 1
    return 0


# --- checking ------------------------------------------------------------------------------------

FENCE = re.compile(r"^([ \t]*)(```|~~~)([^\n]*)\n.*?^\1\2[ \t]*$", re.M | re.S)
INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
MATH = re.compile(
    r"\$\$.+?\$\$|\\begin\{(\w+\*?)\}.+?\\end\{\1\}|\\\[.+?\\\]|\\\(.+?\\\)|(?<![\\$])\$(?!\s)[^$\n]+?(?<![\s\\])\$",
    re.S,
)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_]\w*|\[[^\]]*\])*(?:![rsa])?(?::[^{}]*)?\}")
FIELD = re.compile(r"(?<!\{)\{(?!\{)[^{}]*\}")
TAG = re.compile(r"</?(details|summary|kbd|br|div|span|img|a|table|sub|sup)\b", re.I)
MARKERS = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|YOUR ANSWER HERE")


def _parts(text: str) -> dict[str, Counter]:
    fences = [m[3].strip() for m in FENCE.finditer(text)]
    rest = FENCE.sub(" ", text)
    code = [m[2].strip() for m in INLINE_CODE.finditer(rest)]
    rest = INLINE_CODE.sub(" ", rest)
    math = [m[0] for m in MATH.finditer(rest)]
    rest = MATH.sub(" ", rest)
    links = [m[2] or m[5] for m in LINK.finditer(text)]
    return {
        "formula": Counter(math),
        "code span": Counter(code),
        "code block (```lang)": Counter(fences),
        "link target": Counter(links),
        "placeholder": Counter(PLACEHOLDER.findall(rest)),
        "HTML tag": Counter(t.lower() for t in TAG.findall(text)),
        "nbgrader marker": Counter(MARKERS.findall(text)),
        "heading levels": Counter({" ".join(h[0] for h in HEADING.findall(rest)): 1}),
    }


def differences(english: str, chinese: str, kind: str) -> list[str]:
    """What a translation must keep from the English but does not (formulas, code, links, placeholders...)."""
    reasons = []
    if kind == "markdown":
        en, zh = _parts(english), _parts(chinese)
        for name in en:
            if en[name] != zh[name]:
                lost = sorted((en[name] - zh[name]).elements())
                added = sorted((zh[name] - en[name]).elements())
                what = "; ".join(
                    part
                    for part in (f"missing {lost}" if lost else "", f"not in English {added}" if added else "")
                    if part
                )
                reasons.append(f"{name}s differ between English and Chinese: {what}")
    else:
        # the text of a literal inside a field (a table header: f"{'steps':>12}") is translated; the rest is code
        en_fields = Counter(map(field_shape, FIELD.findall(english)))
        zh_fields = Counter(map(field_shape, FIELD.findall(chinese)))
        if en_fields != zh_fields:
            reasons.append(
                f"placeholders differ: English {sorted(en_fields.elements())}, Chinese {sorted(zh_fields.elements())}"
            )
        if Counter(INLINE_CODE.findall(english)) != Counter(INLINE_CODE.findall(chinese)):
            reasons.append("code spans differ between English and Chinese")
    return reasons


def _valid_literal(span: Span, zh: str) -> bool:
    if span.kind == "comment":
        return "\n" not in zh
    try:
        tree = ast.parse(_literal(span, zh), mode="eval")
    except SyntaxError:
        return False
    return isinstance(tree.body, (ast.Constant, ast.JoinedStr))


def _cell_diff(expected, committed) -> str | None:
    if len(expected.cells) != len(committed.cells):
        return f"has {len(committed.cells)} cells, build writes {len(expected.cells)}"
    for want, have in zip(expected.cells, committed.cells, strict=True):
        if want.get("id") != have.get("id") or want.cell_type != have.cell_type:
            return f"cell {have.get('id')}: not the cell build writes there ({want.get('id')}, {want.cell_type})"
        if want.source != have.source:
            return f"cell {have.get('id')}: source differs from what build writes"
        meta_want = {k: v for k, v in want.metadata.items() if k != "execution"}
        meta_have = {k: v for k, v in have.metadata.items() if k != "execution"}
        if meta_want != meta_have:
            return f"cell {have.get('id')}: metadata differs from what build writes"
    if expected.metadata.get("bpcourse") != committed.metadata.get("bpcourse"):
        return "notebook metadata 'bpcourse' differs from what build writes"
    return None


def check(root: Path, lang: str, only=None, execute: bool = False) -> list[str]:
    """Every problem of the Chinese edition, one line each: '<notebook> cell <id>: <reason>'."""
    problems = []
    context = build_context(root, lang)
    for source in sources(root, only):
        nb = nbformat.read(source.path, as_version=4)
        catalog = context["catalogs"][source.rel]
        cpath = catalog_path(root, lang, source)
        if catalog is None:
            problems.append(f"{source.rel}: no catalog {cpath.relative_to(root)} (run tools/i18n.py extract)")
            continue
        units = units_of(nb)
        spans = {
            (c.id, s.text): s for c in nb.cells if c.cell_type == "code" for s in code_spans(c.source)
        }  # to validate a string's translation as a literal
        wanted = {(u.text, u.cell_id) for u in units}
        for unit in units:
            where = f"{source.rel} cell {unit.cell_id}"
            message = catalog.get(unit.text, unit.cell_id)
            if message is None:
                same_cell = [m for m in catalog if m.id and m.context == unit.cell_id and _unit_kind(m) == unit.kind]
                if same_cell and any(m.string for m in same_cell):
                    problems.append(
                        f"{where}: the English {KIND_NOTE[unit.kind]} changed after its translation "
                        f"(now {digest(unit.text)}); run extract, then update the fuzzy entry"
                    )
                else:
                    problems.append(f"{where}: no translation ({KIND_NOTE[unit.kind]} {excerpt(unit)}; run extract)")
                continue
            if entry_hash(message) != digest(unit.text):
                problems.append(
                    f"{where}: the English changed after its translation "
                    f"(hash {entry_hash(message)} in the catalog, {digest(unit.text)} now); run extract"
                )
                continue
            if message.fuzzy:
                problems.append(
                    f"{where}: fuzzy: the English changed after its translation; update the "
                    "Chinese (the old English is the #| msgid), then remove the fuzzy flag"
                )
                continue
            if not message.string:
                problems.append(f"{where}: no translation ({KIND_NOTE[unit.kind]} {excerpt(unit)})")
                continue
            for reason in differences(unit.text, message.string, unit.kind):
                problems.append(f"{where}: {reason}")
            span = spans.get((unit.cell_id, unit.text))
            if span is not None and not _valid_literal(span, message.string):
                problems.append(
                    f"{where}: the translation of {KIND_NOTE[unit.kind]} is not a valid "
                    f"{'comment' if span.kind == 'comment' else 'string literal'} in place"
                )
        for message in catalog:
            if message.id and (message.id, message.context) not in wanted:
                problems.append(
                    f"{source.rel} cell {message.context}: catalog entry for English that is no "
                    "longer in the notebook (run extract)"
                )
        expected, _ = build_notebook(root, source, lang, True, context)
        for path, book in outputs_of(root, source, lang, expected).items():
            shown = path.relative_to(root)
            if not path.is_file():
                problems.append(f"{shown}: missing (run tools/i18n.py build)")
                continue
            diff = _cell_diff(book, nbformat.read(path, as_version=4))
            if diff:
                problems.append(f"{shown} {diff} (run tools/i18n.py build)")
    problems += check_messages(root)
    if execute and not problems:
        problems += run_nbval(root, lang, only)
    return problems


def run_nbval(root: Path, lang: str, only=None) -> list[str]:
    """Outputs: re-run the executed Chinese notebooks under strict nbval, as the English ones are tested."""
    paths = [str(root / s.folder / lang / s.path.name) for s in sources(root, only)]
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "--nbval",
        "--nbval-current-env",
    ]
    sanitize = ROOT / "tests" / "nbval_sanitize.cfg"
    if sanitize.is_file():
        cmd += ["--nbval-sanitize-with", str(sanitize)]
    done = subprocess.run([*cmd, *paths], cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stdout.strip().splitlines()[-15:])
        return [f"outputs: the Chinese notebooks do not reproduce their outputs under nbval:\n{tail}"]
    return []


# --- the library's messages --------------------------------------------------------------------------

PACKAGE_LOCALE = "bpcourse/locale"
POT = "i18n/bpcourse.pot"
KEYWORDS = ["-k", "_", "-k", "N_", "-k", "figure_text:1"]


def check_messages(root: Path) -> list[str]:
    """The library catalogs: each .mo compiled from its current .po; placeholders kept in every translation."""
    problems = []
    for po in sorted((root / PACKAGE_LOCALE).glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id and message.string and not message.fuzzy:
                for reason in differences(message.id, message.string, "string"):
                    problems.append(f"{po.relative_to(root)} msgid {message.id!r}: {reason}")
        mo = po.with_suffix(".mo")
        want = {(m.id, m.context): m.string for m in catalog if m.id and m.string and not m.fuzzy}
        if mo.is_file():
            with mo.open("rb") as f:
                have = {(m.id, m.context): m.string for m in read_mo(f) if m.id}
        if not mo.is_file() or have != want:  # compared as messages, not bytes: Babel versions may lay out .mo apart
            problems.append(f"{mo.relative_to(root)}: not compiled from the current .po (run tools/i18n.py messages)")
    return problems


def messages(root: Path, lang: str) -> int:
    """pybabel extract (the template), update (or init) the language's catalog, compile it."""
    babel = [sys.executable, "-m", "babel.messages.frontend"]
    po = root / PACKAGE_LOCALE / lang / "LC_MESSAGES" / "bpcourse.po"
    steps = [
        [
            *babel,
            "extract",
            *KEYWORDS,
            "--add-location=file",
            "--sort-by-file",
            "--no-wrap",
            "--project=bpcourse",
            "-c",
            "TRANSLATORS:",
            "-o",
            POT,
            "bpcourse",
        ],
        [
            *babel,
            "update" if po.is_file() else "init",
            "-i",
            POT,
            "-d",
            PACKAGE_LOCALE,
            "-D",
            "bpcourse",
            "-l",
            lang,
            "--no-wrap",
        ],
        [*babel, "compile", "-d", PACKAGE_LOCALE, "-D", "bpcourse", "-l", lang, "--statistics"],
    ]
    for cmd in steps:
        done = subprocess.run(cmd, cwd=root)
        if done.returncode:
            return done.returncode
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/i18n.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the course checkout (default: this one)")
    parser.add_argument("--lang", default="zh", help="the edition's language (default: zh)")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="write/update the catalogs from the English notebooks")
    p.add_argument("notebooks", nargs="*", help="only these (file names)")
    p = sub.add_parser("build", help="write the Chinese notebooks, executed")
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--allow-missing", action="store_true", help="keep untranslated cells English, tagged")
    p.add_argument("--no-execute", action="store_true", help="write them without running them")
    p = sub.add_parser("check", help="fail on drift, missing translations, changed formulas, stale notebooks")
    p.add_argument("notebooks", nargs="*")
    p.add_argument("--execute", action="store_true", help="also re-run the Chinese notebooks under nbval")
    sub.add_parser("messages", help="the library catalog: pybabel extract, update, compile")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    if args.command == "extract":
        for line in extract(root, args.lang, args.notebooks):
            print(line)
        return 0
    if args.command == "build":
        return build(root, args.lang, args.notebooks, args.allow_missing, not args.no_execute)
    if args.command == "messages":
        return messages(root, args.lang)
    problems = check(root, args.lang, args.notebooks, args.execute)
    for line in problems:
        print(line)
    n = len(sources(root, args.notebooks))
    print(f"tools/i18n.py check: {len(problems)} problem(s) in {n} notebook(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
