"""The thematic report in Markdown, self-contained HTML and Word.

Every format lays out the same :class:`~sessions.export.report_outline.ReportOutline`:
a cover (title, who commissioned it, dates, venues, activities), contents,
the facilitator's context and key messages, who took part, themes at a glance
(a chart and a table), then a section per theme with the facilitator's
framing and the approved quotes set apart, the artwork its makers approved,
and how the report was made. The PDF is in :mod:`sessions.export.report_pdf`.
"""

from __future__ import annotations

import base64
import html
import io
import re
from typing import Any

from sessions.export.content import ExportContent, clean_for_xml
from sessions.export.reach_section import reach_docx, reach_html, reach_markdown
from sessions.export.report_outline import (
    ABOUT,
    ARTWORK,
    AT_A_GLANCE,
    CONTENTS,
    CONTEXT,
    INTRO,
    KEY_MESSAGES,
    OTHER,
    TOOK_PART,
    WHAT_WE_HEARD,
    ReportOutline,
    heading,
    outline_for,
)
from sessions.export.word import word_document

__all__ = [
    "OTHER",
    "artwork_file_name",
    "heading",
    "md_escape",
    "render_docx",
    "render_html",
    "render_markdown",
]

_MD_SPECIAL = re.compile(r"([\\`*_<>|#])")


def md_escape(text: str) -> str:
    """Escape what Markdown would otherwise read as formatting.

    Square brackets stay as they are ("[redacted]", "[name]" read as written),
    except where a link would start: "](" is escaped, so typed text never
    becomes a link to somewhere.
    """
    return _MD_SPECIAL.sub(r"\\\1", text).replace("](", "\\](")


def artwork_file_name(number: int) -> str:
    """The file a Markdown report's ``number``th artwork photo is written to."""
    return f"report-artwork-{number:02d}.jpg"


def _bar(value: int, top: int, width: int = 20) -> str:
    """A bar of block characters, so the Markdown table reads as a chart in plain text."""
    if top <= 0 or value <= 0:
        return ""
    return "█" * max(1, round(width * value / top))


# -- Markdown -------------------------------------------------------------------------------


def render_markdown(content: ExportContent) -> str:
    """The report as Markdown; artwork photos are files beside it (:func:`artwork_file_name`)."""
    o = outline_for(content)
    e = md_escape
    out = [f"# {e(o.title)}", ""]
    if o.question:
        out += [f"*{e(o.question)}*", ""]
    out += [f"- **{label}:** {e(value)}" for label, value in o.cover_lines]
    out += [f"- **Report prepared:** {e(o.prepared)}", "", INTRO, ""]
    out += [f"## {CONTENTS}", ""]
    out += [f"{'  ' * level}- [{e(name)}](#{anchor})" for anchor, name, level in o.contents]
    out.append("")
    if o.context:
        out += ['<a id="context"></a>', "", f"## {CONTEXT}", ""]
        for paragraph in o.context:
            out += [e(paragraph), ""]
    if o.key_messages:
        out += ['<a id="key-messages"></a>', "", f"## {KEY_MESSAGES}", ""]
        out += [f"- {e(m)}" for m in o.key_messages]
        out.append("")
    out += ['<a id="took-part"></a>', "", f"## {TOOK_PART}", "", "| | Number |", "| --- | ---: |"]
    out += [f"| {label} | {n} |" for label, n in o.took_part]
    out.append("")
    out += reach_markdown(content.reach, e)
    if o.glance:
        top = max(max(r.quotes, r.people) for r in o.glance)
        out += ['<a id="at-a-glance"></a>', "", f"## {AT_A_GLANCE}", ""]
        out += ["| Theme | Quotes | People | |", "| --- | ---: | ---: | --- |"]
        for row in o.glance:
            name = ("— " if row.depth else "") + e(row.name)
            out.append(f"| {name} | {row.quotes} | {row.people} | {_bar(row.quotes, top)} |")
        out.append("")
    out += ['<a id="what-we-heard"></a>', "", f"## {WHAT_WE_HEARD}", ""]
    for section in o.sections:
        level = "####" if section.depth else "###"
        out += [f'<a id="{section.anchor}"></a>', "", f"{level} {e(section.name)}", ""]
        if section.description:
            out += [f"*{e(section.description)}*", ""]
        for paragraph in section.heard:
            out += [e(paragraph), ""]
        if section.count_line:
            out += [f"<small>{e(section.count_line)}</small>", ""]
        for quote in section.quotes:
            out += [f"> {e(quote.text)}", ">", f"> — {e(quote.attribution)}", ""]
    if o.quiet_line:
        out += [e(o.quiet_line), ""]
    if o.artwork:
        out += ['<a id="artwork"></a>', "", f"## {ARTWORK}", ""]
        for number, art in enumerate(o.artwork, start=1):
            alt = e(art.description or art.caption).replace("[", "(").replace("]", ")")
            out += [f"![{alt}]({artwork_file_name(number)})", "", f"*{e(art.caption)}*", ""]
    out += ['<a id="about"></a>', "", f"## {ABOUT}", ""]
    for paragraph in o.method:
        out += [e(paragraph), ""]
    return "\n".join(out).rstrip() + "\n"


# -- HTML -----------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 2cm; @bottom-center { content: "Page " counter(page); } }
body { font-family: Georgia, serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }
h1, h2, h3, h4 { font-family: Helvetica, Arial, sans-serif; color: #2f5d50; }
.cover { border-bottom: 2px solid #2f5d50; margin-bottom: 2em; padding-bottom: 1em; }
.cover dt { font-weight: bold; float: left; clear: left; width: 10em; }
.cover dd { margin-left: 10em; }
nav ol { list-style: none; padding-left: 0; } nav .level-1 { margin-left: 1.5em; }
nav .level-2 { margin-left: 3em; }
blockquote { margin: 1em 2em; padding: .4em 1em; border-left: 4px solid #7a9a88;
             background: #f6f8f7; break-inside: avoid; }
blockquote p { margin: .2em 0; }
blockquote .attribution { font-size: .85em; color: #555; }
.count { font-size: .85em; color: #555; }
.definition { font-style: italic; color: #444; }
table { border-collapse: collapse; margin: 1em 0; }
td, th { border: 1px solid #ccc; padding: .2em .6em; }
th { background: #eef3f1; } td.n, th.n { text-align: right; }
thead { display: table-header-group; } tr { break-inside: avoid; }
figure { margin: 1.5em 0; break-inside: avoid; } figure img { max-width: 100%; height: auto; }
figcaption { font-size: .85em; color: #555; }
"""


def _img(data: bytes, mime: str, alt: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    return f'<img src="data:{mime};base64,{encoded}" alt="{html.escape(alt)}">'


def render_html(content: ExportContent) -> str:
    """The report as one self-contained HTML page (no scripts; images inline)."""
    o = outline_for(content)
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(o.title)}</title>",
        f"<style>{_CSS}</style></head><body>",
        '<header class="cover">',
        f"<h1>{e(o.title)}</h1>",
    ]
    if o.question:
        out.append(f"<p><em>{e(o.question)}</em></p>")
    out.append("<dl>")
    for label, value in [*o.cover_lines, ("Report prepared", o.prepared)]:
        out.append(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>")
    out += ["</dl>", f"<p>{e(INTRO)}</p>", "</header>"]
    out += [f"<nav><h2>{CONTENTS}</h2><ol>"]
    out += [
        f'<li class="level-{level}"><a href="#{anchor}">{e(name)}</a></li>'
        for anchor, name, level in o.contents
    ]
    out.append("</ol></nav>")
    if o.context:
        out.append(f'<h2 id="context">{CONTEXT}</h2>')
        out += [f"<p>{e(p)}</p>" for p in o.context]
    if o.key_messages:
        out.append(f'<h2 id="key-messages">{KEY_MESSAGES}</h2><ul>')
        out += [f"<li>{e(m)}</li>" for m in o.key_messages]
        out.append("</ul>")
    out.append(f'<h2 id="took-part">{TOOK_PART}</h2><table>')
    out += [f'<tr><td>{e(label)}</td><td class="n">{n}</td></tr>' for label, n in o.took_part]
    out.append("</table>")
    out += reach_html(content.reach)
    if o.glance:
        out.append(f'<h2 id="at-a-glance">{AT_A_GLANCE}</h2>')
        chart = o.chart
        if chart is not None:
            out.append(f"<figure>{_img(chart, 'image/png', 'Approved quotes and people per theme')}"
                       "</figure>")
        out.append('<table><thead><tr><th>Theme</th><th class="n">Quotes</th>'
                   '<th class="n">People</th></tr></thead><tbody>')
        for row in o.glance:
            name = ("— " if row.depth else "") + e(row.name)
            out.append(f'<tr><td>{name}</td><td class="n">{row.quotes}</td>'
                       f'<td class="n">{row.people}</td></tr>')
        out.append("</tbody></table>")
    out.append(f'<h2 id="what-we-heard">{WHAT_WE_HEARD}</h2>')
    for section in o.sections:
        tag = "h4" if section.depth else "h3"
        out.append(f'<{tag} id="{section.anchor}">{e(section.name)}</{tag}>')
        if section.description:
            out.append(f'<p class="definition">{e(section.description)}</p>')
        out += [f"<p>{e(p)}</p>" for p in section.heard]
        if section.count_line:
            out.append(f'<p class="count">{e(section.count_line)}</p>')
        for quote in section.quotes:
            out.append(
                f"<blockquote><p>“{e(quote.text)}”</p>"
                f'<p class="attribution">— {e(quote.attribution)}</p></blockquote>'
            )
    if o.quiet_line:
        out.append(f"<p>{e(o.quiet_line)}</p>")
    if o.artwork:
        out.append(f'<h2 id="artwork">{ARTWORK}</h2>')
        for art in o.artwork:
            out.append(
                f"<figure>{_img(art.image, 'image/jpeg', art.description or art.caption)}"
                f"<figcaption>{e(art.caption)}</figcaption></figure>"
            )
    out.append(f'<h2 id="about">{ABOUT}</h2>')
    out += [f"<p>{e(p)}</p>" for p in o.method]
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- Word -----------------------------------------------------------------------------------

#: Style names a reader (or a test) can find the parts by.
QUOTE_STYLE = "Report Quote"
ATTRIBUTION_STYLE = "Quote Attribution"
SMALL_STYLE = "Report Small"
CAPTION_STYLE = "Caption"


def _styles(document: Any) -> dict[str, Any]:
    """The report's own paragraph styles: quotes set apart, attributions and counts small."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    styles = document.styles
    body = styles["Normal"]
    body.font.name = "Calibri"
    body.font.size = Pt(11)
    quote = styles.add_style(QUOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    quote.base_style = body
    quote.font.name = "Georgia"
    quote.font.size = Pt(11.5)
    quote.font.color.rgb = RGBColor(0x22, 0x33, 0x2D)
    fmt = quote.paragraph_format
    fmt.left_indent = Cm(1.2)
    fmt.right_indent = Cm(1.0)
    fmt.space_before = Pt(8)
    fmt.space_after = Pt(0)
    fmt.keep_with_next = True  # the attribution stays on the quote's page
    # A rule down the quote's left side, as in a printed report.
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("w:val", "single"), ("w:sz", "18"), ("w:space", "8"),
                       ("w:color", "7A9A88")):
        left.set(qn(key), value)
    borders.append(left)
    quote.element.get_or_add_pPr().append(borders)
    attribution = styles.add_style(ATTRIBUTION_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    attribution.base_style = body
    attribution.font.size = Pt(9)
    attribution.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    attribution.paragraph_format.left_indent = Cm(1.6)
    attribution.paragraph_format.space_after = Pt(8)
    small = styles.add_style(SMALL_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    small.base_style = body
    small.font.size = Pt(9)
    small.font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    caption = styles[CAPTION_STYLE] if CAPTION_STYLE in [s.name for s in styles] else small
    caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return {
        "quote": quote, "attribution": attribution, "small": small, "caption": caption,
        "body": body,
    }


def _field(paragraph: Any, instruction: str, shown: str = "") -> None:
    """A Word field (PAGE, NUMPAGES) in ``paragraph``; ``shown`` until Word updates it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "18")  # 9 pt, as the words around it
    props.append(size)
    run.append(props)
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def _page_numbers(document: Any) -> None:
    """"Page n of N" centred in every page's footer."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run("Page ").font.size = Pt(9)
    _field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ").font.size = Pt(9)
    _field(paragraph, "NUMPAGES", "1")


def _contents(document: Any, outline: ReportOutline) -> None:
    """A table of contents field; until Word updates it, it lists the headings."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    def fld(kind: str) -> Any:
        element = OxmlElement("w:r")
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        element.append(char)
        return element

    entries = outline.contents
    for index, (_, name, level) in enumerate(entries):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Cm(0.8 * level)
        paragraph.paragraph_format.space_after = 0
        if index == 0:
            paragraph._p.append(fld("begin"))
            instr = OxmlElement("w:r")
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = ' TOC \\o "1-3" \\h \\z \\u '
            instr.append(text)
            paragraph._p.append(instr)
            paragraph._p.append(fld("separate"))
        paragraph.add_run(name)
        if index == len(entries) - 1:
            paragraph._p.append(fld("end"))
    # Word offers to fill in page numbers when the document opens.
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _table(document: Any, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """A table whose header row repeats on every page and whose numbers are right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm

    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False
    # Names get the room; each number column is narrow.
    widths = [Cm(16 - 2.6 * (len(header) - 1))] + [Cm(2.6)] * (len(header) - 1)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    head = table.rows[0]
    props = head._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    props.append(repeat)
    for column, (cell, label) in enumerate(zip(head.cells, header, strict=True)):
        cell.text = ""
        cell.width = widths[column]
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        if column:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for values in rows:
        row = table.add_row()
        cant_split = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(cant_split)
        for column, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            cell.text = value
            cell.width = widths[column]  # Word reads a cell's own width, not its column's
            if column:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT


def render_docx(content: ExportContent) -> bytes:
    """The report as a Word document, with contents, page numbers and a chart."""
    from docx.enum.text import WD_BREAK
    from docx.shared import Cm

    o = outline_for(clean_for_xml(content))
    document = word_document(o.title, content.generated_at)
    styles = _styles(document)
    _page_numbers(document)
    document.add_heading(o.title, level=0)
    if o.question:
        document.add_paragraph().add_run(o.question).italic = True
    for label, value in [*o.cover_lines, ("Report prepared", o.prepared)]:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    document.add_paragraph(INTRO, style=styles["small"])
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(CONTENTS, level=1)
    _contents(document, o)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if o.context:
        document.add_heading(CONTEXT, level=1)
        for paragraph in o.context:
            document.add_paragraph(paragraph)
    if o.key_messages:
        document.add_heading(KEY_MESSAGES, level=1)
        for message in o.key_messages:
            document.add_paragraph(message, style="List Bullet")
    document.add_heading(TOOK_PART, level=1)
    _table(document, ("", "Number"), [(label, str(n)) for label, n in o.took_part])
    reach_docx(document, clean_for_xml(content.reach))
    if o.glance:
        document.add_heading(AT_A_GLANCE, level=1)
        chart = o.chart
        if chart is not None:
            document.add_picture(io.BytesIO(chart), width=Cm(16))
        _table(
            document,
            ("Theme", "Quotes", "People"),
            [(("— " if r.depth else "") + r.name, str(r.quotes), str(r.people))
             for r in o.glance],
        )
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_heading(WHAT_WE_HEARD, level=1)
    quote_id, attribution_id = styles["quote"].style_id, styles["attribution"].style_id
    small = styles["small"]
    for section in o.sections:
        document.add_heading(section.name, level=3 if section.depth else 2)
        if section.description:
            document.add_paragraph().add_run(section.description).italic = True
        for paragraph in section.heard:
            document.add_paragraph(paragraph)
        if section.count_line:
            document.add_paragraph(section.count_line, style=small)
        for quote in section.quotes:
            # The style id is set on the paragraph itself: given a style object, python-docx
            # searches every style for the default one on each paragraph (seconds for 2,000).
            document.add_paragraph(quote.text)._p.style = quote_id
            document.add_paragraph(f"— {quote.attribution}")._p.style = attribution_id
    if o.quiet_line:
        document.add_paragraph(o.quiet_line)
    if o.artwork:
        document.add_heading(ARTWORK, level=1)
        for art in o.artwork:
            tall = art.height > art.width
            document.add_picture(
                io.BytesIO(art.image), **({"height": Cm(12)} if tall else {"width": Cm(14)})
            )
            document.add_paragraph(art.caption, style=styles["caption"])
    document.add_heading(ABOUT, level=1)
    for paragraph in o.method:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
