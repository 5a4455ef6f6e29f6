"""Chinese figure text without empty boxes: use an installed CJK font for matplotlib, or stay English.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: a Chinese label drawn with it is a
row of boxes ("tofu") and a "Glyph ... missing" warning. So Chinese reaches a figure only through
``bpcourse.i18n.figure_text(english, chinese)``, which asks ``cjk_active`` first:

- language "zh" and a CJK font installed: matplotlib draws with that font first and DejaVu Sans
  after it (matplotlib falls back glyph by glyph, so Latin, Greek and the math of ``$...$`` stay as
  in the English figures; mathtext keeps its own DejaVu fontset), and figure text is Chinese;
- language "zh" and no CJK font: figure text stays English, and one message goes to the
  ``bpcourse.fonts`` logger (never to a cell's output, where nbval would see it);
- language "en": nothing changes.

Finding the font reads matplotlib's font list (``fontManager.ttflist``, from its cache) and never
rescans the system. A font installed after that cache was written is not in it; the usual files of
Noto Sans CJK, WenQuanYi, PingFang and Microsoft YaHei are therefore also looked for by path and
added with ``fontManager.addfont`` (one file, not a rescan). Matplotlib is imported only when a
figure asks, so ``import bpcourse`` stays light.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())  # never printed unless the learner configures logging

# Preferred first: Simplified-Chinese faces, then the Japanese face of the same Noto/Source Han
# collection (the first face of Debian's NotoSansCJK-Regular.ttc), then the systems' own fonts.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Noto Sans CJK JP",
    "Source Han Sans",
    "Microsoft YaHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Heiti SC",
)
KNOWN_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # Debian, Ubuntu: fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # Debian: fonts-wqy-zenhei
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian: fonts-wqy-microhei
    "/System/Library/Fonts/PingFang.ttc",  # macOS
    "C:/Windows/Fonts/msyh.ttc",  # Windows: Microsoft YaHei
)
NO_FONT_MESSAGE = (
    "no CJK font found for matplotlib (looked for %s): figure text stays English. "
    "Install one, e.g. `apt-get install fonts-noto-cjk`, then delete matplotlib's font cache "
    "(%s/fontlist-*.json) and restart the kernel"
)

_state: dict = {"searched": False, "font": None, "file": None, "saved_rc": None, "told": False}


def find_cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, the preferred one first; None if none.

    Searched once per process (matplotlib's cached font list, then the known files).
    """
    if _state["searched"]:
        return _state["font"]
    from matplotlib import font_manager

    manager = font_manager.fontManager

    def pick():
        by_name = {}
        for entry in manager.ttflist:
            by_name.setdefault(entry.name, entry.fname)
        for family in CJK_FAMILIES:
            if family in by_name:
                return family, by_name[family]
        return None, None

    font, path = pick()
    if font is None:
        for candidate in KNOWN_FILES:
            if os.path.isfile(candidate):
                try:
                    manager.addfont(candidate)
                except (OSError, RuntimeError, ValueError):  # unreadable by FreeType: try the next one
                    continue
                font, path = pick()
                if font is not None:
                    break
    _state.update(searched=True, font=font, file=path)
    return font


def covers(text: str) -> bool:
    """Whether the CJK font has a glyph for every CJK character of ``text`` (others fall back to DejaVu Sans)."""
    if find_cjk_font() is None:
        return False
    have, _name = _charmap(_state["file"])
    return all(ch in have for ch in text if ord(ch) >= 0x2E80)


def configure(language: str) -> bool:
    """Set matplotlib's fonts for ``language`` ('en' or 'zh'); True when Chinese figure text can be drawn.

    For 'zh' with a CJK font: ``font.sans-serif`` becomes [that font, the previous list...]. For 'en'
    (or no font): the previous settings come back. Logs once when 'zh' finds no font.
    """
    import matplotlib as mpl

    if language != "zh":
        _restore(mpl)
        return False
    font = find_cjk_font()
    if font is None:
        _restore(mpl)
        if not _state["told"]:
            _state["told"] = True
            log.warning(NO_FONT_MESSAGE, ", ".join(CJK_FAMILIES), mpl.get_cachedir())
        return False
    if _state["saved_rc"] is None:
        _state["saved_rc"] = {key: mpl.rcParams[key] for key in ("font.family", "font.sans-serif")}
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    rest = [name for name in _state["saved_rc"]["font.sans-serif"] if name != font and name in installed]
    # Installed families only (matplotlib logs each missing one it tries), listed by name rather than the
    # generic "sans-serif": matplotlib (>= 3.6) then falls back glyph by glyph, so a letter the CJK font
    # lacks (ŷ) comes from DejaVu Sans instead of a missing-glyph box.
    mpl.rcParams["font.family"] = [font, *rest]
    mpl.rcParams["font.sans-serif"] = [font, *rest]
    return True


def _restore(mpl) -> None:
    saved = _state["saved_rc"]
    if saved is not None:
        mpl.rcParams.update(saved)
        _state["saved_rc"] = None


def cjk_active(language: str) -> bool:
    """Whether figure text in ``language`` may be Chinese now (configures matplotlib's fonts if needed)."""
    if language != "zh":
        return False
    return configure(language)


def reset() -> None:
    """Forget the search and restore matplotlib's fonts (for tests, and after installing a font)."""
    try:
        import matplotlib as mpl

        _restore(mpl)
    except ImportError:
        pass
    _state.update(searched=False, font=None, file=None, saved_rc=None, told=False)
    _CHARMAPS.clear()


def figure_glyph_report(figures) -> str:
    """Report, as JSON, the characters of each figure's text that its fonts lack (drawn as empty boxes).

    {"figures": n, "missing": ["'损' (U+635F) in 'loss 损失': no glyph in DejaVu Sans", ...], "chinese": True if
    any text of the figures holds a Han character, "sample": [a few texts]}. Each text artist's characters
    (outside ``$…$``, which mathtext draws with its own fonts) are looked up in the fonts of its font
    family list, as matplotlib falls back from one to the next. Matplotlib's own "Glyph … missing" warning
    is not enough: some versions give it once per font and process. The browser tests ask a notebook's
    kernel for this (every widget figure is alive there), so "no tofu" is checked on what the learner sees.
    """
    import json
    import re

    from matplotlib.text import Text

    missing, texts = [], []
    for fig in figures:
        for artist in fig.findobj(Text):
            text = artist.get_text()
            if not text.strip():
                continue
            texts.append(text)
            plain = re.sub(r"(?<!\\)\$[^$]*(?<!\\)\$", "", text)
            have, names = _glyphs(artist.get_fontproperties())
            for ch in sorted(set(plain) - have):
                if not ch.isspace():
                    missing.append(f"{ch!r} (U+{ord(ch):04X}) in {text!r}: no glyph in {', '.join(names)}")
    han = re.compile("[\u4e00-\u9fff]")
    return json.dumps(
        {
            "figures": len(figures),
            "missing": sorted(set(missing)),
            "chinese": any(han.search(t) for t in texts),
            "sample": [t for t in texts if re.search(r"[^\W\d_]", t)][:8],  # words, not tick numbers
        },
        ensure_ascii=False,
    )


def _glyphs(prop) -> tuple[set[str], list[str]]:
    """The characters the fonts of ``prop``'s family list can draw, and those fonts' names."""
    from matplotlib import font_manager

    chars, names = set(), []
    for family in prop.get_family():
        one = prop.copy()
        one.set_family(family)
        try:
            path = font_manager.fontManager.findfont(one, fallback_to_default=False)
        except ValueError:
            continue
        have, name = _charmap(path)
        chars |= have
        names.append(name)
    return chars, names


_CHARMAPS: dict[str, tuple[set[str], str]] = {}  # font file → (the characters it draws, its family name)


def _charmap(path: str) -> tuple[set[str], str]:
    """The characters the font file ``path`` has glyphs for, and its family name (read once per file)."""
    if path not in _CHARMAPS:
        from matplotlib.ft2font import FT2Font

        font = FT2Font(path)
        _CHARMAPS[path] = ({chr(code) for code in font.get_charmap()}, font.family_name)
    return _CHARMAPS[path]
