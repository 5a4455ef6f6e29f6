"""One translation function for every message a learner reads: ``_("text {name}").format(name=...)``.

Messages are whole templates with named placeholders, never sentences assembled from pieces, so
that ``pybabel extract -k _ -k N_ -k figure_text:1`` finds each one (``N_`` marks a template stored
for later) and a translator sees it whole. Catalogs are GNU gettext files,
``bpcourse/locale/<lang>/LC_MESSAGES/bpcourse.mo``; a message without a translation stays English.

    bp.set_language("zh")   # the rest of the session speaks Simplified Chinese where translated

The language is English unless the environment sets ``BPCOURSE_LANG`` (read once, when bpcourse is
imported) or ``set_language`` is called; ``set_language`` always wins. Codes are normalized:
"zh", "zh_CN", "zh-Hans", "zh_CN.UTF-8" all mean Simplified Chinese, "zh". An unknown code given to
``set_language`` is an error naming the available languages (a typo must not silently give English);
an unknown ``BPCOURSE_LANG`` gives English and one warning (``warnings.warn``), since an environment setting
must never make ``import bpcourse`` fail.

Figure text is different from messages: a Chinese label drawn without a CJK font is a row of empty
boxes. ``figure_text(english, chinese=None)`` gives the Chinese text only when the language is
Chinese and ``bpcourse.fonts`` found a CJK font; otherwise the English (see ``bpcourse/fonts.py``).

The Chinese edition of the notebooks sits in a ``zh`` folder beside the English one:
``edition_path("notebooks", "zh")`` is ``"notebooks/zh"`` (``tools/i18n.py build`` writes it).
"""

from __future__ import annotations

import os
from pathlib import Path

DOMAIN = "bpcourse"
LOCALE_DIR = Path(__file__).with_name("locale")
ENV = "BPCOURSE_LANG"
SOURCE_LANGUAGE = "en"
NAMES = {"en": "English", "zh": "Simplified Chinese (简体中文)"}
# Scripts and regions that a catalog does not cover even though the language subtag matches.
_NOT_SIMPLIFIED = {"hant", "tw", "hk", "mo"}

_state = {"language": SOURCE_LANGUAGE, "translation": None}  # None: English; gettext is imported only for another


def available_languages() -> list[str]:
    """The language codes with a compiled catalog, English (the source) first: ['en', 'zh']."""
    found = sorted(p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))
    return [SOURCE_LANGUAGE, *[code for code in found if code != SOURCE_LANGUAGE]]


def _available_text() -> str:
    return ", ".join(f"{code!r} ({NAMES.get(code, code)})" for code in available_languages())


def normalize_language(language: str) -> str:
    """The course's code for ``language``: "zh_CN", "zh-Hans", "ZH", "zh_CN.UTF-8" → "zh"; "en_US" → "en".

    ValueError, naming the available languages, for a code the course has no catalog for
    (including Traditional Chinese, "zh_TW" or "zh-Hant": the catalog is Simplified Chinese).
    """
    if not isinstance(language, str) or not language.strip():
        raise ValueError(f"language must be a code such as 'en' or 'zh'; got {language!r}")
    code = language.strip().split(".", 1)[0].split("@", 1)[0].replace("-", "_").lower()
    parts = code.split("_")
    available = available_languages()
    if parts[0] in available and not (parts[0] == "zh" and _NOT_SIMPLIFIED & set(parts[1:])):
        return parts[0]
    raise ValueError(
        f"no {DOMAIN} translation for language {language!r}; the available languages are: {_available_text()}"
    )


def set_language(language: str) -> str:
    """Use ``language`` ('en', 'zh', 'zh_CN', ...) for messages from now on; returns the normalized code.

    Messages without a translation stay English. Figures follow too (``figure_text``), where a CJK
    font is installed.
    """
    code = normalize_language(language)
    _state["language"] = code
    if code == SOURCE_LANGUAGE:
        _state["translation"] = None
    else:
        import gettext

        _state["translation"] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[code], fallback=True)
    import sys

    if "matplotlib" in sys.modules:  # figures already in use: switch their font now (cheap; no rescan)
        from . import fonts

        fonts.configure(code)
    return code


def language() -> str:
    """The language code in use: 'en' by default, 'zh' after ``set_language("zh")`` or ``BPCOURSE_LANG=zh``."""
    return _state["language"]


def _(message: str) -> str:
    """The translation of the template ``message`` in the current language (itself in English)."""
    translation = _state["translation"]
    return message if translation is None else translation.gettext(message)


def N_(message: str) -> str:
    """Mark a template for extraction without translating it yet (it is translated when shown)."""
    return message


def figure_text(english: str, chinese: str | None = None) -> str:
    """Text to draw in a matplotlib figure: Chinese only where it can be drawn without missing glyphs.

    ``chinese`` defaults to the catalog's translation of ``english``. The result is English unless
    the language is Chinese and a CJK font is installed (``bpcourse.fonts``); without the font one
    message goes to the log, never to a cell's output.
    """
    if _state["language"] == SOURCE_LANGUAGE:
        return english
    from . import fonts

    if not fonts.cjk_active(_state["language"]):
        return english
    text = _(english) if chinese is None else chinese
    return text if fonts.covers(text) else english  # a glyph the font lacks would be a box: keep English


# --- the two editions' folders (for `bpcourse lab --lang` and `bpcourse assign --lang`) ----------


def edition_folder(language: str) -> str:
    """The subfolder of an edition: "" for English (notebooks/ itself), "zh" for Chinese (notebooks/zh/)."""
    code = normalize_language(language)
    return "" if code == SOURCE_LANGUAGE else code


def edition_path(folder: str, language: str) -> str:
    """A course folder in an edition, relative, with "/": ("notebooks", "zh") → "notebooks/zh"."""
    sub = edition_folder(language)
    return f"{folder.rstrip('/')}/{sub}" if sub else folder.rstrip("/")


def first_notebook(language: str) -> str:
    """The notebook ``bpcourse lab`` opens: "notebooks/00_start_here.ipynb" or "notebooks/zh/00_start_here.ipynb"."""
    return f"{edition_path('notebooks', language)}/00_start_here.ipynb"


def _from_environment() -> None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return
    try:
        set_language(value)
    except ValueError as exc:  # a setting the learner made: say so where it shows, once, at import
        import warnings

        warnings.warn(f"{ENV}={value} ignored, messages stay in English: {exc}", stacklevel=2)


_from_environment()
