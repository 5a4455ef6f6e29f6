"""Write docs/mistakes.md, the published list of mistake ids the checks can name.

    python tools/write_mistakes.py           # rewrite docs/mistakes.md
    python tools/write_mistakes.py --check   # exit 1 if docs/mistakes.md is out of date

The list lives in ``bpcourse.check.mistakes``; each chapter's check module adds its own ids on import.
"""

from __future__ import annotations

import sys
from pathlib import Path

import bpcourse.check  # noqa: F401  (importing the chapters fills the list)
from bpcourse.check import mistakes

TARGET = Path(__file__).resolve().parents[1] / "docs" / "mistakes.md"


def main(argv: list[str]) -> int:
    text = mistakes.markdown()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python tools/write_mistakes.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {len(mistakes.REGISTRY)} mistakes to {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
