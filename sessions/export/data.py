"""Data for analysis: approved quotes as CSV and JSON, and the consent audit log as CSV."""

from __future__ import annotations

import csv
import io
import json

from sessions.codebook_io import protect_cell
from sessions.export.content import ExportContent

QUOTE_COLUMNS = ("id", "themes", "pseudonym", "session", "date", "activity", "start", "end", "text")
AUDIT_COLUMNS = (
    "at",
    "actor",
    "action",
    "subject_kind",
    "subject_id",
    "participant",
    "before",
    "after",
    "note",
)


def _cell(value: object) -> str:
    # A spreadsheet runs a cell starting with "=" as a formula; speech such as
    # "-ish" or "@home" must stay text, so it is quoted with a leading apostrophe.
    return protect_cell(str(value))


def _csv(columns: tuple[str, ...], rows: list[dict[str, object]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _theme_names(content: ExportContent) -> dict[str, str]:
    return {t.id: t.name for t in content.themes}


def quote_records(content: ExportContent) -> list[dict[str, object]]:
    """One plain dict per approved quote."""
    names = _theme_names(content)
    return [
        {
            "id": q.id,
            "themes": [names[t] for t in q.theme_ids if t in names],
            "pseudonym": q.speaker,
            "session": q.session_title,
            "date": q.date,
            "activity": q.activity,
            "start": round(q.start, 3),
            "end": round(q.end, 3),
            "text": q.text,
        }
        for q in content.quotes
    ]


def render_quotes_csv(content: ExportContent) -> str:
    """Approved quotes as CSV; a quote's themes are joined with "; "."""
    rows = quote_records(content)
    for row in rows:
        row["themes"] = "; ".join(row["themes"])  # type: ignore[arg-type]
    return _csv(QUOTE_COLUMNS, rows)


def render_quotes_json(content: ExportContent) -> str:
    """Approved quotes as JSON, with the consultation and its themes."""
    data = {
        "consultation": content.title,
        "question": content.question,
        "exported_at": content.generated_at,
        "themes": [
            {
                "name": t.name,
                "description": t.description,
                "parent": next((p.name for p in content.themes if p.id == t.parent_id), None),
                "quotes": len(content.quotes_for(t.id)),
            }
            for t in content.themes
        ],
        "quotes": quote_records(content),
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def render_audit_csv(content: ExportContent) -> str:
    """The consent audit log as CSV, oldest first."""
    rows = [{column: getattr(row, column) for column in AUDIT_COLUMNS} for row in content.audit]
    return _csv(AUDIT_COLUMNS, rows)
