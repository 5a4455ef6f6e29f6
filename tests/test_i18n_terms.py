"""One Chinese word per term: the translation catalogs use the glossary's terms (i18n/zh/glossary.tsv), and
chapter 0's glossary table lists every one of them with the same Chinese.

A catalog entry whose English contains a glossary term (as a whole word, any case, singular or plural) must
contain that term's Chinese in its translation. Untranslated entries are the drift check's business
(tools/i18n.py check), not this test's."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

babel_pofile = pytest.importorskip("babel.messages.pofile")

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "i18n" / "zh" / "glossary.tsv"
# the notebooks' catalogs and the library's (widget labels, check messages, errors)
CATALOGS = [
    *sorted((ROOT / "i18n" / "zh").glob("*/*.po")),
    ROOT / "bpcourse" / "locale" / "zh" / "LC_MESSAGES" / "bpcourse.po",
]
# Words too common to demand one translation everywhere ("a unit of work", "the activation of a unit").
LOOSE = {
    "unit",
    "layer",
    "batch",
    "parameter",
    "activation",
    "iteration",
    "exercise",
    "claim",
    "derivative",
    "accuracy",
    "convergence",
    "divergence",
    "prediction",
    "label",
    "sigmoid",
    "saturation",
    "initialization",
    "neuron",
    "check cell",
    "self-check",
    "bias",
    "weight",
    "gradient",
    "reverse mode",
    "input layer",
    "output layer",
    "hidden layer",
    "batch normalization",
}


def glossary() -> list[tuple[str, str]]:
    rows = []
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            english, chinese, *_ = line.split("\t")
            rows.append((english, chinese))
    return rows


def english_pattern(term: str) -> re.Pattern:
    term = re.sub(r"\s*\(.*\)$", "", term)  # "mean squared error (MSE)" → "mean squared error"
    words = r"[\s-]+".join(map(re.escape, re.split(r"[\s-]+", term)))
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.I)


def test_the_glossary_has_at_least_50_terms_each_once():
    rows = glossary()
    assert len(rows) >= 50
    assert len({e.lower() for e, _ in rows}) == len(rows), "an English term is listed twice"
    assert len({c for _, c in rows}) == len(rows), "two English terms share one Chinese term"
    article_first = ["反向传播", "前向传播", "损失函数", "均方误差", "交叉熵", "梯度", "链式法则"]
    assert [c for _, c in rows[: len(article_first)]] == article_first


def test_chapter_0_lists_every_glossary_term_with_its_chinese():
    nb = nbformat.read(ROOT / "notebooks" / "00_start_here.ipynb", as_version=4)
    (table,) = [c.source for c in nb.cells if c.cell_type == "markdown" and "| 中文 | English |" in c.source]
    listed = {}
    for line in table.splitlines():
        cells = [x.strip() for x in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and re.search(r"[\u4e00-\u9fff]", cells[0]):
            listed[cells[1].lower()] = cells[0]
    missing = [f"{e} → {c}" for e, c in glossary() if listed.get(e.lower()) != c]
    assert not missing, "chapter 0's glossary lacks (or writes differently): " + "; ".join(missing)


@pytest.mark.parametrize("catalog", CATALOGS, ids=[p.relative_to(ROOT).as_posix() for p in CATALOGS])
def test_catalog_uses_the_glossary_terms(catalog):
    with catalog.open("rb") as f:
        entries = [m for m in babel_pofile.read_po(f) if m.id and m.string and not m.fuzzy]
    terms = [(english_pattern(e), e, c) for e, c in glossary() if e.lower() not in LOOSE]
    wrong = []
    for m in entries:
        english = re.sub(r"\$[^$]*\$|`[^`]*`|\([^)]*\.ipynb[^)]*\)", " ", m.id)  # formulas, code, link targets
        if m.string == m.id:
            continue  # deliberately left as is (a code key, an option value)
        for pattern, e, c in terms:
            if pattern.search(english) and c not in m.string:
                wrong.append(f"cell {m.context}: '{e}' should be {c}")
    assert not wrong, f"{catalog.name}: glossary terms translated otherwise:\n" + "\n".join(wrong)


def test_the_term_check_sees_a_wrong_term():
    pattern = english_pattern("learning rate")
    assert pattern.search("Two learning rates, and a Learning-rate") and not pattern.search("learning ratex")
    assert english_pattern("mean squared error (MSE)").search("the mean squared error of")


def test_the_chinese_edition_matches_its_catalogs_and_english():
    """tools/i18n.py check on every chapter and exercise: no English cell changed after its translation, none
    untranslated, formulas, placeholders and links the same, notebooks/zh/, solutions/zh/ and exercises/zh/ as
    `build` writes them, and the library's catalog compiled."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "tools/i18n.py", "check"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 problem(s) in 15 notebook(s)" in done.stderr  # 8 chapters and 7 exercises
