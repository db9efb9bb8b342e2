"""The thematic report as PDF, written by fpdf2 (pure Python: no LibreOffice needed).

Same outline as the other formats (:mod:`sessions.export.report_outline`):
cover, contents with page numbers, context, key messages, who took part,
themes at a glance (chart and a table whose header repeats on each page),
one section per theme with quotes set apart by a rule, the approved artwork,
and how the report was made; every page but the cover is numbered.

Text is set in DejaVu, which matplotlib ships with its fonts, so every
pseudonym and quote prints whatever its alphabet (the PDF's built-in
fonts know Latin-1 only).
"""

from __future__ import annotations

import importlib.util
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessions.errors import FacilitateError
from sessions.export.content import ExportContent
from sessions.export.report_outline import (
    ABOUT,
    ARTWORK,
    AT_A_GLANCE,
    CONTENTS,
    CONTEXT,
    INTRO,
    KEY_MESSAGES,
    TOOK_PART,
    WHAT_WE_HEARD,
    ReportOutline,
    outline_for,
)

GREEN = (47, 93, 80)
RULE = (122, 154, 136)
GREY = (85, 85, 85)
TEXT = (34, 34, 34)
LINE = 5.6  # mm per line of body text


def font_dir() -> Path:
    """The folder of DejaVu fonts that ships inside matplotlib (found without importing it)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise FacilitateError("The PDF report needs matplotlib; reinstall facilitate to get it.")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def _document(outline: ReportOutline, generated_at: str) -> Any:
    from fpdf import FPDF

    class Report(FPDF):  # type: ignore[misc]
        def footer(self) -> None:
            if self.page_no() == 1:
                return  # the cover carries no number
            self.set_y(-13)
            self.set_font("sans", "", 8)
            self.set_text_color(*GREY)
            self.cell(0, 6, f"Page {self.page_no()} of {{nb}}", align="C")

    pdf = Report(format="A4", unit="mm")
    pdf.set_margins(22, 20, 22)
    pdf.set_auto_page_break(True, margin=20)
    fonts = font_dir()
    for family, style, file in (
        ("sans", "", "DejaVuSans.ttf"),
        ("sans", "B", "DejaVuSans-Bold.ttf"),
        ("serif", "", "DejaVuSerif.ttf"),
        ("serif", "I", "DejaVuSerif-Italic.ttf"),
    ):
        pdf.add_font(family, style, str(fonts / file))
    # DejaVu Sans covers more alphabets (Hebrew, for one) than the serif face of quotes.
    pdf.set_fallback_fonts(["sans"], exact_match=False)
    pdf.set_title(outline.title)
    pdf.set_author("facilitate")
    pdf.set_creator("facilitate")
    pdf.set_creation_date(_when(generated_at))
    return pdf


def _when(iso: str) -> datetime:
    try:
        return datetime.fromisoformat(iso).astimezone(UTC)
    except ValueError:
        return datetime.now(UTC)


def _heading(pdf: Any, text: str, level: int) -> None:
    """A heading that is also an entry of the contents and of the PDF's bookmarks."""
    size = {0: 20, 1: 16, 2: 13, 3: 11.5}[min(level, 3)]
    if pdf.will_page_break(size + 18):
        pdf.add_page()
    pdf.ln(4 if level else 2)
    pdf.start_section(text, level=level)
    pdf.set_font("sans", "B", size)
    pdf.set_text_color(*GREEN)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_text_color(*TEXT)


def _paragraph(pdf: Any, text: str, *, size: float = 10.5, style: str = "",
               family: str = "serif", colour: tuple[int, int, int] = TEXT,
               align: str = "LEFT") -> None:
    pdf.set_font(family, style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.53, text, new_x="LMARGIN", new_y="NEXT", align=align)
    pdf.ln(2)
    pdf.set_text_color(*TEXT)


def _contents(pdf: Any, entries: list[Any]) -> None:
    """Render the contents page: each heading with its page number."""
    pdf.set_x(pdf.l_margin)
    pdf.set_font("sans", "B", 20)
    pdf.set_text_color(*GREEN)
    pdf.cell(0, 10, CONTENTS, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_text_color(*TEXT)
    for entry in entries:
        if entry.level == 0:
            continue  # the report's title is not listed
        indent = 6 * (entry.level - 1)
        pdf.set_font("sans", "B" if entry.level == 1 else "", 10 if entry.level == 1 else 9.5)
        pdf.set_x(pdf.l_margin + indent)
        width = pdf.epw - indent
        pdf.cell(width - 14, 6, entry.name, link=pdf.add_link(page=entry.page_number))
        pdf.cell(14, 6, str(entry.page_number), align="R", new_x="LMARGIN", new_y="NEXT")


def _table(pdf: Any, header: tuple[str, ...], rows: list[tuple[str, ...]],
           widths: tuple[int, ...]) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font("sans", "", 9.5)
    align = ("LEFT",) + ("RIGHT",) * (len(header) - 1)
    with pdf.table(
        col_widths=widths, text_align=align, repeat_headings=1, width=sum(widths),
        align="LEFT", headings_style=FontFace(emphasis="BOLD", fill_color=(238, 243, 241)),
        line_height=6, borders_layout="HORIZONTAL_LINES",
    ) as table:
        for values in (header, *rows):
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)


def _reach(pdf: Any, content: ExportContent) -> None:
    """Who the consultation reached: the reach section's suppressed tables, as in Word."""
    from sessions.export import reach_section as reach

    shown = [t for t in content.reach if reach.worth_showing(t)]
    if not shown:
        return
    _heading(pdf, reach.TITLE, 1)
    _paragraph(pdf, reach.INTRO, size=9.5)
    for table in shown:
        _heading(pdf, table.attribute.capitalize(), 2)
        _table(pdf, reach.HEADER, reach.table_rows(table), (56, 22, 22, 26, 30))
        chart = reach.chart_for(table)
        if chart is not None:
            from PIL import Image

            with Image.open(io.BytesIO(chart)) as drawn:
                size = drawn.size
            _image(pdf, chart, size[0], size[1], pdf.epw * 0.9, 120)
            pdf.ln(2)


def _quote(pdf: Any, text: str, attribution: str) -> None:
    """A quote indented, with a rule down its left side, and its attribution small beneath.

    Most quotes fit on one line: those are set with ``cell``, since fpdf2's line
    breaking measures every character (seconds for 2,000 quotes).
    """
    pdf.set_font("serif", "", 10.5)
    indent = 8
    width = pdf.epw - indent - 6
    one_line = pdf.get_string_width(text) <= width - 5
    lines = 1 if one_line else len(
        pdf.multi_cell(width - 4, LINE, text, dry_run=True, output="LINES")
    )
    if pdf.will_page_break(LINE * lines + 9):
        pdf.add_page()
    x = pdf.l_margin + indent
    top = pdf.get_y()
    pdf.set_x(x + 4)
    if one_line:
        pdf.cell(width - 4, LINE, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(width - 4, LINE, text, new_x="LMARGIN", new_y="NEXT")
    bottom = pdf.get_y()
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.9)
    pdf.line(x, top + 0.5, x, bottom - 0.5)  # the quote is on one page (checked above)
    pdf.set_font("sans", "", 8)
    pdf.set_text_color(*GREY)
    pdf.set_x(x + 4)
    credit = f"— {attribution}"
    if pdf.get_string_width(credit) <= width - 5:
        pdf.cell(width - 4, 4.5, credit, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(width - 4, 4.5, credit, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*TEXT)
    pdf.ln(3)


def _image(pdf: Any, data: bytes, width: int, height: int, max_w: float, max_h: float) -> None:
    scale = min(max_w / max(width, 1), max_h / max(height, 1))
    w, h = width * scale, height * scale
    if pdf.will_page_break(h + 12):
        pdf.add_page()
    pdf.image(io.BytesIO(data), x=pdf.l_margin + (pdf.epw - w) / 2, w=w, h=h)
    pdf.ln(2)


def render_pdf(content: ExportContent) -> bytes:
    """The report as a PDF: contents with page numbers, a chart, quotes set apart."""
    o = outline_for(content)
    pdf = _document(o, content.generated_at)

    # Cover.
    pdf.add_page()
    pdf.start_section(o.title, level=0)
    pdf.ln(40)
    pdf.set_font("sans", "B", 24)
    pdf.set_text_color(*GREEN)
    pdf.multi_cell(0, 11, o.title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    if o.question:
        _paragraph(pdf, o.question, size=13, style="I")
    pdf.ln(8)
    for label, value in [*o.cover_lines, ("Report prepared", o.prepared)]:
        pdf.set_font("sans", "B", 10.5)
        pdf.cell(44, 7, label)
        pdf.set_font("sans", "", 10.5)
        pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    _paragraph(pdf, INTRO, size=9, family="sans", colour=GREY)

    pdf.add_page()
    # One contents page holds about 36 entries.
    pdf.insert_toc_placeholder(_contents, pages=1 + len(o.contents) // 37)

    if o.context:
        _heading(pdf, CONTEXT, 1)
        for paragraph in o.context:
            _paragraph(pdf, paragraph)
    if o.key_messages:
        _heading(pdf, KEY_MESSAGES, 1)
        for message in o.key_messages:
            pdf.set_font("serif", "", 10.5)
            pdf.set_x(pdf.l_margin + 2)
            pdf.cell(5, LINE, "•")
            pdf.multi_cell(0, LINE, message, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
    _heading(pdf, TOOK_PART, 1)
    _table(pdf, ("", "Number"), [(label, str(n)) for label, n in o.took_part], (90, 30))
    _reach(pdf, content)
    if o.glance:
        pdf.add_page()  # the chart and its table together, from the top of a page
        _heading(pdf, AT_A_GLANCE, 1)
        chart = o.chart
        if chart is not None:
            from PIL import Image

            with Image.open(io.BytesIO(chart)) as drawn:
                size = drawn.size
            _image(pdf, chart, size[0], size[1], pdf.epw, 150)
        _table(
            pdf,
            ("Theme", "Quotes", "People"),
            [(("— " if r.depth else "") + r.name, str(r.quotes), str(r.people))
             for r in o.glance],
            (110, 28, 28),
        )
    pdf.add_page()
    _heading(pdf, WHAT_WE_HEARD, 1)
    for section in o.sections:
        _heading(pdf, section.name, 3 if section.depth else 2)
        if section.description:
            _paragraph(pdf, section.description, size=9.5, style="I", colour=GREY)
        for paragraph in section.heard:
            _paragraph(pdf, paragraph)
        if section.count_line:
            _paragraph(pdf, section.count_line, size=8.5, family="sans", colour=GREY)
        for quote in section.quotes:
            _quote(pdf, quote.text, quote.attribution)
    if o.quiet_line:
        pdf.ln(2)
        _paragraph(pdf, o.quiet_line)
    if o.artwork:
        pdf.add_page()
        _heading(pdf, ARTWORK, 1)
        for art in o.artwork:
            _image(pdf, art.image, art.width, art.height, pdf.epw * 0.8, 150)
            _paragraph(pdf, art.caption, size=8.5, family="sans", colour=GREY, align="CENTER")
            pdf.ln(3)
    _heading(pdf, ABOUT, 1)
    for paragraph in o.method:
        _paragraph(pdf, paragraph, size=9.5)
    return bytes(pdf.output())
