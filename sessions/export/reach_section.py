"""The report's "Who the consultation reached" section: suppressed tables and a chart.

Counts come from :func:`models.reach.reach_table`, already suppressed: a count
from 1 to 4 shows as "<5", and cells that would let one be worked out show as
"hidden". Each question with reference shares gets a chart of reached against
reference shares (drawn by :func:`sessions.export.chart.reach_chart`), the same
picture in every format; a group whose count is not shown gets no reached bar
and no reached figure, so nothing in the picture gives a hidden count away.

The report calls one function per format: :func:`reach_markdown`,
:func:`reach_html` and :func:`reach_docx` (the PDF asks :func:`chart_for`).
Each adds nothing when no one described themselves and no reference was given.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
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


#: What a group's label says when its reached share is not shown.
NOT_SHOWN = "not shown (small numbers)"


@dataclass(frozen=True)
class ChartGroup:
    """One group of a reach chart: what matplotlib is given to draw, and nothing more."""

    #: The group's label, with its notes ("under-reached", ``NOT_SHOWN``).
    label: str
    #: The reached share in percent as the table shows it; None draws no bar at all.
    reached: float | None
    #: The reference population's share in percent.
    reference: float
    under_reached: bool


def chart_groups(table: ReachTable) -> tuple[ChartGroup, ...]:
    """The groups a question's chart draws: those with a reference share, in table order.

    A group whose count is suppressed ("<5" or hidden) gets no reached share
    (None): a bar's length, or a percentage beside it, would give its count away.
    The reached share is the table's own rounded figure, so the chart shows
    nothing the table does not.
    """
    groups = []
    for row in table.rows:
        if row.category in (PREFER_NOT, NOT_GIVEN) or row.reference is None:
            continue
        shown = row.count not in (FEW, HIDDEN) and row.share.endswith("%")
        notes = ([UNDER] if row.under_reached else []) + ([] if shown else [NOT_SHOWN])
        label = row.category + (f" — {'; '.join(notes)}" if notes else "")
        reached = float(row.share.rstrip("%")) if shown else None
        groups.append(ChartGroup(label, reached, row.reference, row.under_reached))
    return tuple(groups)


def charted(tables: Sequence[ReachTable]) -> list[ReachTable]:
    """The shown questions that get a chart: those with at least one reference share."""
    return [t for t in tables if worth_showing(t) and chart_groups(t)]


def chart_file_name(table: ReachTable) -> str:
    """The file a Markdown report's chart for ``table``'s question is written to."""
    return f"report-reach-{'-'.join(table.attribute.split())}.png"


def chart_alt(table: ReachTable) -> str:
    """The chart's text alternative."""
    return f"Reached and reference shares by {table.attribute}"


@lru_cache(maxsize=8)
def _drawn(groups: tuple[ChartGroup, ...]) -> bytes:
    # Drawn once for every report format of one export (a few groups and
    # shares, no one's words, are what is kept).
    from sessions.export.chart import reach_chart

    return reach_chart(groups)


def chart_for(table: ReachTable) -> bytes | None:
    """The question's chart as PNG bytes, or None when no group has a reference share."""
    groups = chart_groups(table)
    return _drawn(groups) if groups else None


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
        if chart_groups(table):
            out += [f"![{escape(chart_alt(table))}]({chart_file_name(table)})", ""]
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
        chart = chart_for(table)
        if chart is not None:
            encoded = base64.b64encode(chart).decode("ascii")
            out.append(f'<figure><img src="data:image/png;base64,{encoded}" '
                       f'alt="{e(chart_alt(table))}"></figure>')
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
        chart = chart_for(table)
        if chart is not None:
            from docx.shared import Cm

            document.add_picture(io.BytesIO(chart), width=Cm(15))
