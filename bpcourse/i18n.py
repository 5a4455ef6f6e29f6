"""One translation function for every message a learner reads: ``_("text {name}").format(name=...)``.

Messages are whole templates with named placeholders, never sentences assembled from pieces, so
that ``pybabel extract -k _ -k N_`` finds each one (``N_`` marks a template stored for later) and a
translator sees it whole. Catalogs are GNU gettext files,
``bpcourse/locale/<lang>/LC_MESSAGES/bpcourse.mo``; a language without one falls back to English.

    bp.set_language("zh")   # the rest of the session speaks Simplified Chinese where translated
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "bpcourse"
LOCALE_DIR = Path(__file__).with_name("locale")

_state = {"language": "en", "translation": gettext.NullTranslations()}


def set_language(language: str) -> None:
    """Use ``language`` ('en', 'zh', ...) for messages from now on; English where no catalog exists."""
    if not isinstance(language, str) or not language:
        raise ValueError(f"language must be a code such as 'en' or 'zh'; got {language!r}")
    _state["language"] = language
    _state["translation"] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[language], fallback=True)


def language() -> str:
    """The language code set by ``set_language`` ('en' by default)."""
    return _state["language"]


def _(message: str) -> str:
    """The translation of the template ``message`` in the current language (itself in English)."""
    return _state["translation"].gettext(message)


def N_(message: str) -> str:
    """Mark a template for extraction without translating it yet (it is translated when shown)."""
    return message
