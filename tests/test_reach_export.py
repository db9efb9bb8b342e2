"""Reach in the report: the suppressed table and chart; wellbeing never in the audit export."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from docx import Document
from export_helpers import pdf_text
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reach_model import recoverable

from models import Participant, RecordingConsent, Session
from models.reach import AGE_BAND, AREA_TYPE, FEW, HIDDEN, PREFER_NOT
from sessions.export import export_all
from sessions.export.reach_section import chart_groups, reach_for, reach_html, reach_markdown
from sessions.planning import create_session
from sessions.store import Workspace
from sessions.wellbeing import add_follow_up, set_reach_answer, set_reference

ANSWERS = ["16-24", "25-34", "45-54", "65-74", PREFER_NOT, ""]


def table_cells(markdown: list[str]) -> list[list[str]]:
    """The body rows of every Markdown table in ``markdown``."""
    rows = [line.strip("|").split("|") for line in markdown if line.startswith("| ")]
    cells = [[c.strip().replace("\\", "") for c in row] for row in rows]
    return [row for row in cells if row[0] != "Group"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(ANSWERS), max_size=30),
       st.lists(st.sampled_from(["Urban", "Town", "Rural", ""]), max_size=30))
def test_no_exported_reach_cell_shows_one_to_four(ages: list[str], areas: list[str]) -> None:
    people = []
    for n, (age, area) in enumerate(zip(ages, areas, strict=False)):
        reach = {k: v for k, v in ((AGE_BAND, age), (AREA_TYPE, area)) if v}
        people.append(Participant(id=f"p-{n}", pseudonym=f"P{n}", reach=reach))
    session = Session(id="s-1", consultation_id="c-1", title="S",
                      participant_ids=[p.id for p in people])
    tables = reach_for(people, [session], {AGE_BAND: {"16-24": 15.0}})
    for table in tables:
        # The table as shown: one row of groups and its total. No hidden count follows
        # from the shown ones (a group's column total is the group itself).
        width = len(table.rows) + 1
        texts = [row.count for row in table.rows] + [table.total]
        hidden = {(i, j) for j, t in enumerate(texts) if t in (FEW, HIDDEN) for i in (0, 1)}
        assert recoverable((2, width), hidden) == []
    markdown = reach_markdown(tables)
    for group, count, share, *_ in table_cells(markdown):
        assert not re.fullmatch(r"[1-4]", count), (group, count)
        if count in (FEW, HIDDEN):
            assert share == ""
    # The HTML shows the same cells.
    page = "\n".join(reach_html(tables))
    assert not re.search(r'<td class="n">[1-4]</td>', page)
    # No chart bar stands for a count that is not shown.
    for table in tables:
        rows = {row.category: row for row in table.rows}
        for group in chart_groups(table):
            row = rows[group.label.split(" — ")[0]]
            if row.count in (FEW, HIDDEN) or group.reached is None:
                assert group.reached is None and row.share == ""
            else:
                assert f"{group.reached:.0f}%" == row.share


def test_the_report_carries_the_reach_section_and_the_audit_no_follow_ups(
    tmp_path: Path,
) -> None:
    store = Workspace(tmp_path / "ws").create_consultation("Day services")
    names = [f"Person{n}" for n in range(10)]
    session = create_session(store, "Painting", participants=names)
    for n, pid in enumerate(session.participant_ids):
        store.set_recording_consent(pid, session.id, RecordingConsent.YES)
        set_reach_answer(store, pid, AGE_BAND, "45-54" if n < 6 else ("16-24", "65-74")[n % 2])
        set_reach_answer(store, pid, AREA_TYPE, "Urban")
    # Even 4 of 10 (40%) would be well below 60%: under-reached, though shown as <5.
    set_reference(store, AGE_BAND, {"16-24": 60.0, "45-54": 25.0})
    add_follow_up(store, session.participant_ids[0], "Upset about the closure")
    out = tmp_path / "out"
    export_all(store, out, ["report-md", "report-html", "report-docx", "report-pdf", "audit-csv"])
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "Who the consultation reached" in markdown
    cells = {row[0]: row[1] for row in table_cells(markdown.splitlines())}
    # Two small groups hide each other; the large one shows.
    assert cells["45-54"] == "6" and cells["16-24"] == FEW and cells["65-74"] == FEW
    assert cells["Urban"] == "10"
    assert "16-24" in markdown and "under-reached" in markdown
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Who the consultation reached" in html and "&lt;5" in html
    docx_text = [c.text for t in Document(str(out / "report.docx")).tables
                 for r in t.rows for c in r.cells]
    assert FEW in docx_text and "Everyone reached" in docx_text
    pdf = pdf_text(out / "report.pdf")
    assert "Who the consultation reached" in pdf and "Everyone reached" in pdf
    # One session's export has no reach table: beside the whole consultation's, a
    # reader could subtract one from the other.
    export_all(store, tmp_path / "one", ["report-md"], session_id=session.id)
    assert "Who the consultation reached" not in (tmp_path / "one" / "report.md").read_text()
    audit_file = next(out.glob("*audit*.csv"))
    with audit_file.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert not [r for r in rows if any("follow-up" in cell for cell in r)]
    assert [r for r in rows if any("recording consent" in cell for cell in r)]
