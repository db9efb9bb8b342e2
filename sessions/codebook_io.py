"""A simple CSV codebook: one theme a row, columns ``name, description, parent``.

``parent`` is the parent theme's name (empty for a top-level theme). Spreadsheet
programs run cells starting with ``= + - @`` as formulas, so such cells are
written with a leading apostrophe, which reading takes off again.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from models.codebook import Codebook, CodebookError, add_theme, describe_theme, nest_theme
from sessions.atomic import atomic_write_text

COLUMNS = ("name", "description", "parent")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def protect_cell(cell: str) -> str:
    """``cell`` with a leading apostrophe if a spreadsheet would run it as a formula."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def _unprotect(cell: str) -> str:
    cell = cell.strip()
    if cell.startswith("'") and cell[1:2] in _FORMULA_START and cell[1:2]:
        return cell[1:]
    return cell


def codebook_csv(codebook: Codebook) -> str:
    """The codebook as CSV text, parents before their children."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    names = {t.id: t.name for t in codebook.themes}
    parents = [t for t in codebook.themes if t.parent_id is None]
    nested = [t for t in codebook.themes if t.parent_id is not None]
    for theme in [*parents, *nested]:
        parent = names.get(theme.parent_id, "") if theme.parent_id else ""
        writer.writerow(
            [protect_cell(theme.name), protect_cell(theme.description), protect_cell(parent)]
        )
    return out.getvalue()


def export_codebook(codebook: Codebook, path: Path) -> None:
    """Write the codebook to ``path`` as CSV, atomically."""
    atomic_write_text(Path(path), codebook_csv(codebook))


def parse_codebook(text: str, into: Codebook | None = None) -> Codebook:
    """Read CSV ``text`` into a codebook, adding to ``into`` (a fresh one if None).

    A row naming an existing theme (case-insensitive) updates its description
    (when given) and parent instead of adding a duplicate, so importing a file
    twice changes nothing. Raises CodebookError naming the line at fault.
    """
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        raise CodebookError("The codebook file is empty.")
    header = [cell.strip().casefold() for cell in rows[0]]
    if "name" not in header:
        raise CodebookError(
            "The codebook's first line must name its columns: name, description, parent."
        )
    column = {name: header.index(name) for name in COLUMNS if name in header}

    def cell(row: list[str], name: str) -> str:
        index = column.get(name)
        return _unprotect(row[index]) if index is not None and index < len(row) else ""

    codebook = into if into is not None else Codebook()
    pending_parents: list[tuple[int, str, str]] = []
    for line, row in enumerate(rows[1:], start=2):
        name = cell(row, "name")
        if not name:
            if any(c.strip() for c in row):
                raise CodebookError(f"Line {line} of the codebook has no theme name.")
            continue
        description = cell(row, "description")
        existing = codebook.by_name(name)
        try:
            if existing is None:
                codebook, _ = add_theme(codebook, name, description)
            elif description:
                codebook = describe_theme(codebook, existing.id, description)
        except CodebookError as error:
            raise CodebookError(f"Line {line} of the codebook: {error}") from error
        pending_parents.append((line, name, cell(row, "parent")))
    # Parents are set after every row is in, so a child may come before its parent.
    for line, name, parent_name in pending_parents:
        theme = codebook.by_name(name)
        if theme is None:  # cannot happen: every named row was added above
            continue
        parent = codebook.by_name(parent_name) if parent_name else None
        if parent_name and parent is None:
            raise CodebookError(f"Line {line} of the codebook: no theme called {parent_name!r}.")
        try:
            codebook = nest_theme(codebook, theme.id, parent.id if parent else None)
        except CodebookError as error:
            raise CodebookError(f"Line {line} of the codebook: {error}") from error
    return codebook


def import_codebook(path: Path, into: Codebook | None = None) -> Codebook:
    """Read a CSV codebook file (UTF-8, with or without a byte-order mark)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise CodebookError(f"{path} is not UTF-8 text; save it as CSV UTF-8.") from error
    return parse_codebook(text, into)
