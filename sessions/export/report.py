"""The thematic report: approved quotes under each theme, with a short method section.

Markdown, self-contained HTML, and Word (.docx via python-docx). All three show
the same :class:`ExportContent`, so they always agree.
"""

from __future__ import annotations

import html
import io
import re

from models.wording import plural
from sessions.export.content import ExportContent, QuoteEntry, ThemeEntry, clean_for_xml
from sessions.export.reach_section import reach_docx, reach_html, reach_markdown
from sessions.export.word import word_document

_MD_SPECIAL = re.compile(r"([\\`*_<>|#])")


def md_escape(text: str) -> str:
    """Escape what Markdown would otherwise read as formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _heading(content: ExportContent) -> str:
    if content.session_id is not None and content.sessions:
        return f"{content.title}: {content.sessions[0].title}"
    return content.title


def _count_line(content: ExportContent, quotes: list[QuoteEntry]) -> str:
    if not quotes:
        return "No approved quotes."
    people = content.speakers_for(quotes)
    return f"{plural(len(quotes), 'quote')} from {plural(people, 'person', 'people')}"


def _sections(content: ExportContent) -> list[tuple[ThemeEntry | None, list[QuoteEntry]]]:
    sections: list[tuple[ThemeEntry | None, list[QuoteEntry]]] = [
        (theme, content.quotes_for(theme.id)) for theme in content.themes
    ]
    if content.unthemed:
        sections.append((None, content.unthemed))
    return sections


OTHER = "Other approved quotes"
INTRO = (
    "Only what participants approved is included, with their redactions applied "
    "and names replaced."
)


def render_markdown(content: ExportContent) -> str:
    """The report as Markdown."""
    out = [f"# {md_escape(_heading(content))}", ""]
    if content.question:
        out += [f"*{md_escape(content.question)}*", ""]
    out += [f"Exported {content.generated_at}. {INTRO}", "", "## Method", ""]
    for paragraph in content.method:
        out += [md_escape(paragraph), ""]
    out += ["## Themes at a glance", "", "| Theme | Quotes | People |", "| --- | ---: | ---: |"]
    for theme, quotes in _sections(content):
        name = theme.name if theme else OTHER
        out.append(f"| {md_escape(name)} | {len(quotes)} | {content.speakers_for(quotes)} |")
    out.append("")
    for theme, quotes in _sections(content):
        level = "###" if theme and theme.depth else "##"
        out += [f"{level} {md_escape(theme.name if theme else OTHER)}", ""]
        if theme and theme.description:
            out += [md_escape(theme.description), ""]
        out += [f"*{_count_line(content, quotes)}*", ""]
        for quote in quotes:
            out += [f"> {md_escape(quote.text)}", ">", f"> — {md_escape(quote.attribution)}", ""]
    out += reach_markdown(content.reach, md_escape)
    return "\n".join(out).rstrip() + "\n"


_CSS = """
body { font-family: Georgia, serif; max-width: 46em; margin: 2em auto; padding: 0 1em;
       line-height: 1.5; color: #222; }
h1, h2, h3 { font-family: Helvetica, Arial, sans-serif; }
blockquote { margin: 1em 0; padding: .5em 1em; border-left: 4px solid #7a9; background: #f6f8f7; }
blockquote p { margin: .2em 0; }
.attribution { color: #555; font-style: italic; }
.count { color: #555; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .6em; }
td.n { text-align: right; }
"""


def render_html(content: ExportContent) -> str:
    """The report as one self-contained HTML page (no scripts, no external files)."""
    e = html.escape
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(_heading(content))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{e(_heading(content))}</h1>",
    ]
    if content.question:
        out.append(f"<p><em>{e(content.question)}</em></p>")
    out.append(f"<p>Exported {e(content.generated_at)}. {e(INTRO)}</p>")
    out.append("<h2>Method</h2>")
    out += [f"<p>{e(p)}</p>" for p in content.method]
    out.append("<h2>Themes at a glance</h2>")
    out.append("<table><tr><th>Theme</th><th>Quotes</th><th>People</th></tr>")
    for theme, quotes in _sections(content):
        name = theme.name if theme else OTHER
        out.append(
            f'<tr><td>{e(name)}</td><td class="n">{len(quotes)}</td>'
            f'<td class="n">{content.speakers_for(quotes)}</td></tr>'
        )
    out.append("</table>")
    for theme, quotes in _sections(content):
        tag = "h3" if theme and theme.depth else "h2"
        out.append(f"<{tag}>{e(theme.name if theme else OTHER)}</{tag}>")
        if theme and theme.description:
            out.append(f"<p>{e(theme.description)}</p>")
        out.append(f'<p class="count">{e(_count_line(content, quotes))}</p>')
        for quote in quotes:
            out.append(
                f"<blockquote><p>{e(quote.text)}</p>"
                f'<p class="attribution">— {e(quote.attribution)}</p></blockquote>'
            )
    out += reach_html(content.reach)
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def render_docx(content: ExportContent) -> bytes:
    """The report as a Word document; each theme is a heading."""
    content = clean_for_xml(content)
    document = word_document(_heading(content), content.generated_at)
    # Looked up once: python-docx searches every style on each lookup by name.
    quote_style = document.styles["Quote"]
    document.add_heading(_heading(content), level=0)
    if content.question:
        document.add_paragraph().add_run(content.question).italic = True
    document.add_paragraph(f"Exported {content.generated_at}. {INTRO}")
    document.add_heading("Method", level=1)
    for paragraph in content.method:
        document.add_paragraph(paragraph)
    document.add_heading("Themes at a glance", level=1)
    sections = _sections(content)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, ("Theme", "Quotes", "People"), strict=True):
        cell.text = label
    for theme, quotes in sections:
        cells = table.add_row().cells
        cells[0].text = theme.name if theme else OTHER
        cells[1].text = str(len(quotes))
        cells[2].text = str(content.speakers_for(quotes))
    for theme, quotes in sections:
        level = 2 if theme and theme.depth else 1
        document.add_heading(theme.name if theme else OTHER, level=level)
        if theme and theme.description:
            document.add_paragraph(theme.description)
        document.add_paragraph().add_run(_count_line(content, quotes)).italic = True
        for quote in quotes:
            document.add_paragraph(quote.text, style=quote_style)
            document.add_paragraph().add_run(f"— {quote.attribution}").italic = True
    reach_docx(document, content.reach)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
