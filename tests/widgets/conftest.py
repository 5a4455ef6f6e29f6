"""Fixtures of the widget tests."""

from __future__ import annotations

import pytest

from .translated import Marked


@pytest.fixture
def marked(monkeypatch):
    """Chinese with the stand-in catalog (⟦message⟧); figure text is "Chinese" too, as if a CJK font covered it."""
    from bpcourse import fonts, i18n

    monkeypatch.setitem(i18n._state, "language", "zh")
    monkeypatch.setitem(i18n._state, "translation", Marked())
    monkeypatch.setattr(fonts, "cjk_active", lambda language: True)
    monkeypatch.setattr(fonts, "covers", lambda text: True)
