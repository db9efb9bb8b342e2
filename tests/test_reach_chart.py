"""Reach chart in the report: reached against reference shares, small numbers never drawn."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

from docx import Document
from PIL import Image
from pypdf import PdfReader

from models import Participant, RecordingConsent
from models.reach import AGE_BAND, AREA_TYPE, FEW, HIDDEN, reach_table
from sessions.export import export_all
from sessions.export.chart import reach_figure
from sessions.export.reach_section import NOT_SHOWN, chart_groups
from sessions.planning import create_session
from sessions.store import Workspace
from sessions.wellbeing import set_reach_answer, set_reference

PNG = b"\x89PNG\r\n\x1a\n"
#: 6 aged 45-54, 2 aged 16-24 and 2 aged 65-74: the two small groups show as "<5".
AGES = ["45-54"] * 6 + ["16-24", "65-74"] * 2
REFERENCE = {"16-24": 60.0, "45-54": 25.0, "65-74": 10.0}


def people(ages: list[str]) -> list[Participant]:
    return [Participant(id=f"p-{n}", pseudonym=f"P{n}", reach={AGE_BAND: a})
            for n, a in enumerate(ages)]


def test_a_suppressed_group_gets_no_reached_share_and_says_why() -> None:
    # 7 + 5 + 3: the 3 shows as "<5", and one more is hidden so it cannot be worked out.
    table = reach_table(AGE_BAND, people(["25-34"] * 7 + ["35-44"] * 5 + ["55-64"] * 3),
                        {"25-34": 40.0, "35-44": 30.0, "55-64": 20.0, "75 or over": 10.0})
    counts = {row.category: row.count for row in table.rows}
    assert counts["55-64"] == FEW and HIDDEN in counts.values()
    groups = chart_groups(table)
    assert [g.label.split(" — ")[0] for g in groups] == ["25-34", "35-44", "55-64", "75 or over"]
    for group, row in zip(groups, [r for r in table.rows if r.reference is not None],
                          strict=True):
        if row.count in (FEW, HIDDEN):
            assert group.reached is None and NOT_SHOWN in group.label
        else:
            # The table's own rounded share, nothing more precise.
            assert f"{group.reached:.0f}%" == row.share and NOT_SHOWN not in group.label
        assert group.reference == row.reference
    assert groups[-1].reached == 0.0  # nobody over 75: an empty group is no secret
    # No reference shares, no chart.
    assert chart_groups(reach_table(AGE_BAND, people(["25-34"] * 7))) == ()


def test_the_drawn_chart_has_a_reached_bar_only_for_groups_it_may_show() -> None:
    groups = chart_groups(reach_table(AGE_BAND, people(AGES), REFERENCE))
    assert [g.reached for g in groups] == [None, 60.0, None]
    assert groups[0].under_reached and "under-reached" in groups[0].label
    figure = reach_figure(groups)
    reached, reference = figure.axes[0].containers
    assert sorted(bar.get_width() for bar in reached) == [60.0]
    assert sorted(bar.get_width() for bar in reference) == [10.0, 25.0, 60.0]
    written = [t.get_text() for t in figure.axes[0].texts]
    assert sorted(written) == ["10%", "25%", "60%", "60%"]  # no figure for a small group
    labels = [t.get_text().replace("\n", " ") for t in figure.axes[0].get_yticklabels()]
    assert sum(NOT_SHOWN in label for label in labels) == 2
    # A group's name is set as text, never read as "$...$" mathematics.
    assert not any(t.get_parse_math() for t in figure.axes[0].get_yticklabels())


def test_every_report_format_carries_the_reach_chart(tmp_path: Path) -> None:
    store = Workspace(tmp_path / "ws").create_consultation("Day services")
    session = create_session(store, "Painting", participants=[f"Person{n}" for n in range(10)])
    for pid, age in zip(session.participant_ids, AGES, strict=True):
        store.set_recording_consent(pid, session.id, RecordingConsent.YES)
        set_reach_answer(store, pid, AGE_BAND, age)
        set_reach_answer(store, pid, AREA_TYPE, "Urban")
    set_reference(store, AGE_BAND, REFERENCE)  # area type has none: no chart for it
    out = tmp_path / "out"
    export_all(store, out, ["report-md", "report-html", "report-docx", "report-pdf"])
    markdown = (out / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\((report-reach-[a-z-]+\.png)\)", markdown)
    assert links == ["report-reach-age-band.png"]
    picture = (out / links[0]).read_bytes()
    assert picture.startswith(PNG) and (out / links[0]).stat().st_mode & 0o077 == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    inline = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="Reached and ref', page)
    assert len(inline) == 1 and base64.b64decode(inline[0]) == picture
    assert "<pre>" not in page  # the old text bars are gone
    # No quotes, so no themes chart: the one picture in Word is the reach chart.
    document = Document(str(out / "report.docx"))
    assert len(document.inline_shapes) == 1
    reader = PdfReader(out / "report.pdf")
    images = [image for p in reader.pages for image in p.images]
    assert len(images) == 1
    with Image.open(io.BytesIO(picture)) as drawn:
        assert images[0].image.size == drawn.size
