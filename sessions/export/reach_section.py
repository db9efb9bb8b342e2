"""The report's "Who the consultation reached" section: suppressed tables and a chart.

Counts come from :func:`models.reach.reach_table`, already suppressed: a count
from 1 to 4 shows as "<5", and cells that would let one be worked out show as
"hidden". The chart draws reached against reference shares with text bars, the
same in every format; a group whose count is not shown gets no reached bar,
so no bar length gives a hidden count away.

The report calls one function per format: :func:`reach_markdown`,
:func:`reach_html` and :func:`reach_docx`. Each adds nothing when no one
described themselves and no reference was given.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from models import Participant, Session
from models.reach import FEW, HIDDEN, NOT_GIVEN, PREFER_NOT, ReachTable, reach_view
from models.wellbeing import reached

TITLE = "Who the consultation reached"
INTRO = (
    "People described themselves, if they wished, in broad groups. Counts from 1 to 4 "
    "show as <5, and a few other counts are hidden so that no small number can be "
    "worked out from the totals. Shares are of everyone reached."
)
UNDER = "under-reached"
#: Width of a 100% bar in the text chart.
BAR_WIDTH = 20


def reach_for(
    participants: Iterable[Participant],
    sessions: Iterable[Session],
    reference: dict[str, dict[str, float]],
) -> tuple[ReachTable, ...]:
    """The reach tables of everyone ``sessions`` reached; empty when no one answered."""
    people = reached(sessions, participants)
    if not any(p.reach for p in people) and not reference:
        return ()
    return tuple(reach_view(people, reference))


def worth_showing(table: ReachTable) -> bool:
    """False for a question nobody answered and with no reference to compare: left out."""
    answered = any(
        row.count != "0" for row in table.rows if row.category not in (NOT_GIVEN,)
    )
    return answered or any(row.reference is not None for row in table.rows)


def _reference(row: Any) -> str:
    return "" if row.reference is None else f"{row.reference:.0f}%"


def _bar(percent: float) -> str:
    filled = round(BAR_WIDTH * min(max(percent, 0.0), 100.0) / 100)
    return "█" * filled + "·" * (BAR_WIDTH - filled)


def chart_lines(table: ReachTable) -> list[str]:
    """Reached against reference shares, as text bars; hidden counts draw no bar."""
    lines = []
    width = max((len(row.category) for row in table.rows), default=0)
    for row in table.rows:
        if row.category in (PREFER_NOT, NOT_GIVEN) or row.reference is None:
            continue
        if row.count in (FEW, HIDDEN) or not row.share:
            reached = "(too few to show)" if row.count == FEW else "(hidden)"
        else:
            reached = f"{_bar(float(row.share.rstrip('%')))} {row.share}"
        mark = f"  {UNDER}" if row.under_reached else ""
        lines.append(f"{row.category:<{width}}  reached   {reached}{mark}")
        lines.append(f"{'':<{width}}  reference {_bar(row.reference)} {_reference(row)}")
    return lines


def table_rows(table: ReachTable) -> list[tuple[str, str, str, str, str]]:
    """The table's rows as every format shows them (``HEADER``), everyone reached last."""
    return [
        (row.category, row.count, row.share, _reference(row), UNDER if row.under_reached else "")
        for row in table.rows
    ] + [("Everyone reached", table.total, "", "", "")]


HEADER = ("Group", "People", "Share", "Reference", "")


def reach_markdown(tables: Sequence[ReachTable], escape: Any = str) -> list[str]:
    """The section as Markdown lines (``escape`` is the report's Markdown escaping)."""
    shown = [t for t in tables if worth_showing(t)]
    if not shown:
        return []
    out = [f"## {TITLE}", "", escape(INTRO), ""]
    for table in shown:
        out += [f"### {escape(table.attribute.capitalize())}", ""]
        out += ["| " + " | ".join(HEADER) + " |", "| --- | ---: | ---: | ---: | --- |"]
        out += ["| " + " | ".join(escape(cell) for cell in row) + " |" for row in table_rows(table)]
        out.append("")
        chart = chart_lines(table)
        if chart:
            out += ["```", *chart, "```", ""]
    return out


def reach_html(tables: Sequence[ReachTable]) -> list[str]:
    """The section as HTML (no scripts, no external files)."""
    shown = [t for t in tables if worth_showing(t)]
    if not shown:
        return []
    e = html.escape
    out = [f"<h2>{e(TITLE)}</h2>", f"<p>{e(INTRO)}</p>"]
    for table in shown:
        out.append(f"<h3>{e(table.attribute.capitalize())}</h3>")
        out.append("<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in HEADER) + "</tr>")
        for row in table_rows(table):
            group, *numbers, under = row
            cells = "".join(f'<td class="n">{e(n)}</td>' for n in numbers)
            out.append(f"<tr><td>{e(group)}</td>{cells}<td>{e(under)}</td></tr>")
        out.append("</table>")
        chart = chart_lines(table)
        if chart:
            out.append(f"<pre>{e(chr(10).join(chart))}</pre>")
    return out


def reach_docx(document: Any, tables: Sequence[ReachTable]) -> None:
    """Add the section to a python-docx ``document``."""
    shown = [t for t in tables if worth_showing(t)]
    if not shown:
        return
    document.add_heading(TITLE, level=1)
    document.add_paragraph(INTRO)
    for table in shown:
        document.add_heading(table.attribute.capitalize(), level=2)
        rows = table_rows(table)
        grid = document.add_table(rows=1, cols=len(HEADER))
        grid.style = "Table Grid"
        for cell, label in zip(grid.rows[0].cells, HEADER, strict=True):
            cell.text = label
        for row in rows:
            for cell, text in zip(grid.add_row().cells, row, strict=True):
                cell.text = text
        chart = chart_lines(table)
        if chart:
            paragraph = document.add_paragraph()
            run = paragraph.add_run("\n".join(chart))
            run.font.name = "Courier New"
