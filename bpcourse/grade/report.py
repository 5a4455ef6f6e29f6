r"""What the grader writes: the class CSV (replaced atomically, safe to open in a spreadsheet), one feedback
file per student, and ``merge`` of the CSVs that shards of one class wrote."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path


def spreadsheet_safe(value: str) -> str:
    """A text field that no spreadsheet runs as a formula: a leading =, +, -, @, tab or CR gets a quote."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def number(x: float) -> str:
    return f"{x:g}"


def write_atomically(out: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``out``, then rename it over ``out`` in one step."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv_atomically(rows: list[dict], columns: list[str], out: Path) -> None:
    """The CSV of ``rows`` (one per student) in ``columns``, replacing ``out`` in one step."""
    import io

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    write_atomically(out, buffer.getvalue())


def read_csv(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def feedback_text(student: str, earned: float, possible: float, lines: list[str]) -> str:
    return f"Feedback for {student}: {earned:g} of {possible:g} points\n\n" + "\n".join(lines)


def merge(parts: list[Path], out: Path) -> list[dict]:
    """One class CSV from the CSVs of its shards (``bpcourse grade --shard i/n``); clear errors if they do not fit.

    The shards must have the same columns and no student twice; the rows come out sorted by student.
    """
    if not parts:
        raise SystemExit("bpcourse grade --merge: give the shard CSVs to merge, e.g. grades-*.csv")
    columns, rows, seen = None, [], {}
    for part in parts:
        if not part.is_file():
            raise SystemExit(f"bpcourse grade --merge: {part} is not a file")
        cols, part_rows = read_csv(part)
        if columns is None:
            columns = cols
        elif cols != columns:
            raise SystemExit(
                f"bpcourse grade --merge: {part} has the columns {cols}, but {parts[0]} has {columns}; "
                "grade every shard with the same solutions and exercises"
            )
        for row in part_rows:
            name = row.get("student", "")
            if name in seen:
                raise SystemExit(
                    f"bpcourse grade --merge: student {name!r} is in both {seen[name]} and {part}; "
                    "were two shards given the same --shard i/n?"
                )
            seen[name] = part
            rows.append(row)
    rows.sort(key=lambda r: r["student"])
    write_csv_atomically(rows, columns, out)
    return rows
