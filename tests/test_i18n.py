"""The translation infrastructure: the language setting, the library catalog, tools/i18n.py, CJK fonts."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

import bpcourse as bp
from bpcourse import fonts, i18n

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "bpcourse" / "locale" / "zh" / "LC_MESSAGES" / "bpcourse.po"


def load_tool():
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tool = load_tool()


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.set_language("en")
    fonts.reset()


# --- the language setting -----------------------------------------------------------------------


@pytest.mark.parametrize("code", ["zh", "zh_CN", "zh-Hans", "ZH-cn", "zh_CN.UTF-8", "zh_Hans_CN"])
def test_chinese_codes_normalize_to_zh(code):
    assert i18n.normalize_language(code) == "zh"
    assert bp.set_language(code) == "zh"
    assert i18n.language() == "zh"


@pytest.mark.parametrize("code", ["fr", "zh_TW", "zh-Hant", "xx"])
def test_an_unknown_language_is_an_error_naming_the_available_ones(code):
    with pytest.raises(ValueError, match=r"available languages are: 'en' \(English\), 'zh'"):
        bp.set_language(code)
    assert i18n.language() == "en"


def test_available_languages_and_edition_folders():
    assert i18n.available_languages()[:1] == ["en"] and "zh" in i18n.available_languages()
    assert i18n.edition_folder("en") == "" and i18n.edition_folder("zh_CN") == "zh"
    assert i18n.edition_path("exercises", "zh") == "exercises/zh"
    assert i18n.edition_path("exercises", "en") == "exercises"
    assert i18n.first_notebook("zh") == "notebooks/zh/00_start_here.ipynb"


def _python(code: str, **env) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "BPCOURSE_LANG"} | env
    return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True)


def test_environment_sets_the_language_once_at_import():
    code = "import bpcourse, bpcourse.i18n as i; print(i.language()); bpcourse.set_language('en'); print(i.language())"
    assert _python(code, BPCOURSE_LANG="zh_CN").stdout.split() == ["zh", "en"]
    assert _python(code).stdout.split() == ["en", "en"]


def test_an_unknown_environment_language_warns_and_stays_english():
    done = _python("import bpcourse.i18n as i; print(i.language())", BPCOURSE_LANG="klingon")
    assert done.stdout.strip() == "en"
    assert "BPCOURSE_LANG=klingon ignored" in done.stderr and "'zh'" in done.stderr


def test_import_stays_free_of_matplotlib_with_chinese_set():
    done = _python("import sys, bpcourse; print('matplotlib' in sys.modules)", BPCOURSE_LANG="zh")
    assert done.stdout.strip() == "False"


# --- library messages ---------------------------------------------------------------------------

LOSS = "the loss is m = {m} times too large: it is the mean over the m examples (columns), so divide the sum by m"


def test_a_message_translates_and_formats_in_chinese():
    assert LOSS in (ROOT / "bpcourse" / "check" / "steps.py").read_text("utf-8")  # a real check message
    bp.set_language("zh")
    text = i18n._(LOSS).format(m=32)
    assert text.startswith("损失函数的值大了 m = 32 倍") and "{m}" not in text


def test_english_is_unchanged():
    assert i18n._(LOSS) == LOSS
    bp.set_language("zh")
    bp.set_language("en")
    assert i18n._(LOSS).format(m=32) == LOSS.format(m=32)
    untranslated = "a message that has no translation {x}"
    bp.set_language("zh")
    assert i18n._(untranslated) == untranslated


def test_the_compiled_catalog_is_current_and_keeps_placeholders():
    with PO.open("rb") as f:
        catalog = read_po(f)
    with PO.with_suffix(".mo").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    assert compiled == {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    assert tool.check_messages(ROOT) == [], "run: python tools/i18n.py messages"
    assert sum(1 for m in catalog if m.id and m.string) >= 3


# --- tools/i18n.py: extract -> build -> check ---------------------------------------------------

MD1 = (
    "# Demo\n\nThe gradient $\\partial L/\\partial W$ of the loss is what `bp.train` follows; "
    "the exercise is [here](../exercises/ex01_demo.ipynb)."
)
MD2 = "## Step size\n\nThe learning rate $\\alpha$ scales each step ([top](#Demo))."
CODE = (
    "import bpcourse as bp\n\nloss, n = 0.25, 3\n# the loss after a few steps\n"
    'print(f"loss after {n} steps: {loss:.3f}")'
)
ZH = {
    MD1: (
        "# 演示\n\n损失的梯度 $\\partial L/\\partial W$ 正是 `bp.train` 所沿的方向；"
        "练习见[这里](../exercises/ex01_demo.ipynb)。"
    ),
    MD2: "## 步长\n\n学习率 $\\alpha$ 决定每一步走多远（[回到开头](#Demo)）。",
    "the loss after a few steps": "几步之后的损失",
    "loss after {n} steps: {loss:.3f}": "{n} 步之后的损失：{loss:.3f}",
    "# Exercise 1\n\nComplete the function; the chapter is [here](../notebooks/demo.ipynb).": (
        "# 练习 1\n\n补全这个函数；对应的章节在[这里](../notebooks/demo.ipynb)。"
    ),
}


def cell(kind, source, cid):
    make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
    c = make(source)
    c.id = cid
    return c


@pytest.fixture
def course(tmp_path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "solutions").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [cell("md", MD1, "md-one"), cell("code", CODE, "code-one"), cell("md", MD2, "md-two")]
    nbformat.write(nb, tmp_path / "notebooks" / "demo.ipynb")
    sol = nbformat.v4.new_notebook()
    sol.cells = [
        cell("md", "# Exercise 1\n\nComplete the function; the chapter is [here](../notebooks/demo.ipynb).", "ex-md"),
        cell(
            "code",
            "import bpcourse as bp\n\n\ndef f(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
            "ex-code",
        ),
    ]
    nbformat.write(sol, tmp_path / "solutions" / "ex01_demo.ipynb")
    return tmp_path


def run_tool(root, *args):
    return tool.main(["--root", str(root), *args])


def translate(root, table=ZH):
    for po in (root / "i18n" / "zh").rglob("*.po"):
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if message.id in table:
                message.string = table[message.id]
                message.flags.discard("fuzzy")
        with po.open("wb") as f:
            write_po(f, catalog, width=0, include_previous=True)


def problems(root):
    return tool.check(root, "zh")


def test_round_trip_extract_build_check(course, capsys):
    assert run_tool(course, "extract") == 0
    po = course / "i18n" / "zh" / "notebooks" / "demo.po"
    text = po.read_text("utf-8")
    assert 'msgctxt "md-one"' in text and f"#. {tool.digest(MD1)}" in text
    assert 'msgid "the loss after a few steps"' in text and 'msgid "loss after {n} steps: {loss:.3f}"' in text
    assert any("no translation" in p for p in problems(course))

    translate(course)
    assert run_tool(course, "build") == 0  # executed
    assert problems(course) == []
    assert run_tool(course, "check") == 0

    zh = nbformat.read(course / "notebooks" / "zh" / "demo.ipynb", as_version=4)
    en = nbformat.read(course / "notebooks" / "demo.ipynb", as_version=4)
    assert [c.id for c in zh.cells] == [c.id for c in en.cells]
    code = zh.cells[1].source.splitlines()
    assert code[:2] == ["import bpcourse as bp", 'bp.set_language("zh")']
    assert code[2:] == [
        "",
        "loss, n = 0.25, 3",
        "# 几步之后的损失",
        'print(f"{n} 步之后的损失：{loss:.3f}")',
    ]
    assert zh.cells[1].outputs[0]["text"] == "3 步之后的损失：0.250\n"
    # links point inside the zh folders, from one folder deeper
    assert "](../../exercises/zh/ex01_demo.ipynb)" in zh.cells[0].source
    assert "[回到开头](#演示)" in zh.cells[2].source  # an anchor follows its heading into Chinese
    ex = nbformat.read(course / "exercises" / "zh" / "ex01_demo.ipynb", as_version=4)
    assert "](../../notebooks/zh/demo.ipynb)" in ex.cells[0].source
    assert "raise NotImplementedError()" in ex.cells[1].source and "2 * x" not in ex.cells[1].source
    assert "2 * x" in nbformat.read(course / "solutions" / "zh" / "ex01_demo.ipynb", as_version=4).cells[1].source


@pytest.fixture
def built(course):
    run_tool(course, "extract")
    translate(course)
    assert run_tool(course, "build", "--no-execute") == 0
    assert problems(course) == []
    return course


def edit_english(root, cid, source):
    path = root / "notebooks" / "demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    next(c for c in nb.cells if c.id == cid).source = source
    nbformat.write(nb, path)


def test_a_changed_english_cell_fails_naming_it(built, capsys):
    edit_english(built, "md-two", MD2.replace("scales each step", "sets the length of each step"))
    found = problems(built)
    assert any(p.startswith("notebooks/demo.ipynb cell md-two: the English") and "changed" in p for p in found)
    assert run_tool(built, "check") == 1
    assert "cell md-two" in capsys.readouterr().out
    # extract keeps the old translation as a fuzzy starting point; check still fails until it is reviewed
    run_tool(built, "extract")
    po = (built / "i18n" / "zh" / "notebooks" / "demo.po").read_text("utf-8")
    assert "#, fuzzy" in po and "学习率 $\\\\alpha$ 决定每一步走多远" in po and "#| msgid" in po
    assert any("cell md-two: fuzzy" in p for p in problems(built))


def test_a_changed_literal_in_code_becomes_fuzzy(built):
    edit_english(built, "code-one", CODE.replace("# the loss after a few steps", "# the loss after three steps"))
    run_tool(built, "extract")
    with (built / "i18n" / "zh" / "notebooks" / "demo.po").open("rb") as f:
        message = read_po(f).get("the loss after three steps", "code-one")
    assert message.fuzzy and message.string == "几步之后的损失"
    assert any("cell code-one: fuzzy" in p for p in problems(built))


def test_a_missing_translation_fails_and_build_refuses(built, capsys):
    translate(built, {MD2: ""})
    assert any(p.startswith("notebooks/demo.ipynb cell md-two: no translation") for p in problems(built))
    assert run_tool(built, "build", "--no-execute") == 1
    assert "cell md-two: no translation" in capsys.readouterr().err
    assert run_tool(built, "build", "--no-execute", "--allow-missing") == 0
    zh = nbformat.read(built / "notebooks" / "zh" / "demo.ipynb", as_version=4)
    assert zh.cells[2].source == MD2.replace("#Demo", "#演示") and tool.UNTRANSLATED_TAG in zh.cells[2].metadata["tags"]


def test_a_changed_formula_fails(built):
    translate(built, {MD2: ZH[MD2].replace("$\\alpha$", "$\\eta$")})
    found = problems(built)
    assert any("cell md-two: formulas differ" in p and "\\alpha" in p for p in found), found


def test_a_dropped_placeholder_fails(built):
    translate(built, {"loss after {n} steps: {loss:.3f}": "{n} 步之后的损失"})
    found = problems(built)
    assert any("cell code-one: placeholders differ" in p and "{loss:.3f}" in p for p in found), found


def test_a_changed_code_span_or_link_fails(built):
    translate(built, {MD1: ZH[MD1].replace("`bp.train`", "`bp.fit`").replace("ex01_demo", "ex02_demo")})
    found = " ".join(problems(built))
    assert "cell md-one: code spans differ" in found and "cell md-one: link targets differ" in found


def test_an_edited_chinese_notebook_fails(built):
    path = built / "notebooks" / "zh" / "demo.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source += " 改过"
    nbformat.write(nb, path)
    assert any(p.startswith("notebooks/zh/demo.ipynb cell md-two: source differs") for p in problems(built))


def test_figure_text_in_code_goes_through_figure_text(course):
    source = (
        "import bpcourse as bp\nimport matplotlib.pyplot as plt\n"
        'plt.title("Training loss")\nplt.legend(loc="lower right")'
    )
    edit_english(course, "code-one", source)
    spans = tool.code_spans(source)
    assert [(s.kind, s.text) for s in spans] == [("figure", "Training loss")]
    run_tool(course, "extract")
    translate(course, {**ZH, "Training loss": "训练损失"})
    assert run_tool(course, "build", "--no-execute") == 0
    zh = nbformat.read(course / "notebooks" / "zh" / "demo.ipynb", as_version=4)
    assert 'plt.title(bp.i18n.figure_text("Training loss", "训练损失"))' in zh.cells[1].source
    assert 'loc="lower right"' in zh.cells[1].source


# --- fonts ----------------------------------------------------------------------------------------


def _draw(title: str):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_title(title)
    ax.set_xlabel(i18n.figure_text("step $t$", "步数 $t$"))
    ax.plot([0, 1], [0, -1])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"Glyph .* missing")
        fig.canvas.draw()
    return ax


def test_without_a_cjk_font_figures_stay_english_and_nothing_is_printed(monkeypatch, capsys):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(fonts, "KNOWN_FILES", ())
    fonts.reset()
    bp.set_language("zh")
    assert i18n.figure_text("Training loss", "训练损失") == "Training loss"
    assert i18n.figure_text("Training loss") == "Training loss"
    ax = _draw(i18n.figure_text("Loss", "损失"))
    assert ax.get_title() == "Loss" and ax.get_xlabel() == "step $t$"
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_without_a_cjk_font_a_fresh_process_prints_nothing():
    # outside pytest no logging handler is configured, as in a notebook's kernel: stdout and stderr stay empty
    code = (
        "import matplotlib; matplotlib.use('Agg'); import bpcourse as bp; from bpcourse import fonts; "
        "fonts.CJK_FAMILIES = ('No Such CJK Font',); fonts.KNOWN_FILES = (); bp.set_language('zh'); "
        "assert bp.i18n.figure_text('Loss', '损失') == 'Loss'"
    )
    done = _python(code)
    assert done.stdout == "" and done.stderr == ""


def test_without_a_cjk_font_one_message_goes_to_the_log(monkeypatch, caplog):
    monkeypatch.setattr(fonts, "CJK_FAMILIES", ("No Such CJK Font",))
    monkeypatch.setattr(fonts, "KNOWN_FILES", ())
    fonts.reset()
    bp.set_language("zh")
    with caplog.at_level(logging.INFO, logger="bpcourse.fonts"):
        for _ in range(3):
            i18n.figure_text("Loss", "损失")
    records = [r for r in caplog.records if r.name == "bpcourse.fonts"]
    assert len(records) == 1 and "no CJK font" in records[0].getMessage()


def test_english_figures_never_change_the_fonts():
    import matplotlib as mpl

    before = list(mpl.rcParams["font.sans-serif"])
    assert i18n.figure_text("Loss", "损失") == "Loss"
    assert list(mpl.rcParams["font.sans-serif"]) == before


def test_with_a_cjk_font_a_chinese_title_renders_without_missing_glyphs():
    fonts.reset()
    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed (Debian: apt-get install fonts-noto-cjk)")
    bp.set_language("zh")
    title = i18n.figure_text("Learning rate $\\alpha$ and the loss", "学习率 $\\alpha$ 与损失（−1.5）")
    assert title.startswith("学习率")
    ax = _draw(title)
    assert ax.get_xlabel() == "步数 $t$"
    bp.set_language("en")
    import matplotlib as mpl

    assert fonts.find_cjk_font() not in mpl.rcParams["font.sans-serif"]


def test_a_letter_the_cjk_font_lacks_falls_back_and_nothing_is_logged(caplog):
    """ŷ is not in Noto Sans CJK: it must come from the next family, with no missing-glyph warning and no
    "findfont: … not found" lines (which would land in a notebook's stderr)."""
    import io
    import logging
    import warnings

    import matplotlib as mpl
    from matplotlib.figure import Figure

    from bpcourse import fonts

    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    before = list(mpl.rcParams["font.family"])
    try:
        assert fonts.configure("zh")
        with warnings.catch_warnings(), caplog.at_level(logging.INFO, logger="matplotlib"):
            warnings.simplefilter("error")
            fig = Figure()
            fig.add_subplot().set_ylabel("预测值 ŷ ∂L/∂W")
            fig.savefig(io.BytesIO(), format="png")
        assert not [r for r in caplog.records if "not found" in r.getMessage()]
        assert mpl.rcParams["font.family"][0] == fonts.find_cjk_font() and "DejaVu Sans" in mpl.rcParams["font.family"]
    finally:
        fonts.configure("en")
    assert list(mpl.rcParams["font.family"]) == before


# --- table headers inside f-strings ------------------------------------------------------------------


def test_a_printed_table_header_in_f_string_fields_is_extracted_and_its_columns_fit():
    source = (
        "print(f\"{'alpha':>8}  {'loss after 5 steps':>18}  {x:8.2f}  {r['seed']:>4}\"\n"
        "      f\"{'test accuracy':>14}\")\n"
        "key = f\"{'steps':>5}\"\n"
    )
    spans = tool.code_spans(source)
    assert [s.text for s in spans] == [
        "{'alpha':>8}  {'loss after 5 steps':>18}  {x:8.2f}  {r['seed']:>4}",
        "{'test accuracy':>14}",  # implicitly concatenated with a printed string: printed too
    ]  # f"{'steps':>5}" is neither printed nor prose: a key
    assert tool.nested_literals(spans[0].text) == ["alpha", "loss after 5 steps"]  # r['seed'] is code
    # a translation may change the header text, not its field's code
    zh = "{'α':>8}  {'5 步后的损失':>18}  {x:8.2f}  {r['seed']:>4}"
    assert tool.differences(spans[0].text, zh, "string") == []
    assert tool.differences(spans[0].text, zh.replace(":>18", ":>16"), "string")
    assert tool.differences(spans[0].text, zh.replace("r['seed']", "r['种子']"), "string")
    # the build narrows a Chinese header by the columns its wide characters take, so the column lines up
    fitted = tool.fit_columns(zh)
    assert fitted == "{'α':>8}  {'5 步后的损失':>13}  {x:8.2f}  {r['seed']:>4}"
    header = eval("f" + repr(fitted), {"x": 1.0, "r": {"seed": 3}})  # noqa: S307 - the test's own literal
    end_of_header = header.index("损失") + len("损失")
    assert (tool.display_width(header[:end_of_header]), tool.display_width(header)) == (8 + 2 + 18, 44)


def test_the_glyph_report_names_a_missing_glyph():
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure()
    fig.add_subplot().set_title("损失", family="DejaVu Sans")  # a font without Chinese: two boxes
    report = json.loads(fonts.figure_glyph_report([fig]))
    assert report["figures"] == 1 and report["chinese"] is True
    assert len(report["missing"]) == 2 and all("DejaVu Sans" in m for m in report["missing"])
    fig = Figure()
    fig.add_subplot().set_title("loss ŷ")
    assert json.loads(fonts.figure_glyph_report([fig])) == {
        "figures": 1,
        "missing": [],
        "chinese": False,
        "sample": ["loss ŷ"],
    }
