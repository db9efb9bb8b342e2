"""What the thematic report says, in order, before any format lays it out.

Markdown, HTML, Word and PDF each walk the same :class:`ReportOutline`, so
they agree on every heading, number and quote. The outline is built from an
:class:`~sessions.export.content.ExportContent`, which holds only what may be
exported, already anonymised.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from models.dates import date_span, long_date
from models.wording import plural
from sessions.export.content import ArtworkEntry, ExportContent, QuoteEntry, ThemeEntry

OTHER = "Other approved quotes"
CONTENTS = "Contents"
CONTEXT = "Context"
KEY_MESSAGES = "Key messages"
TOOK_PART = "Who took part"
AT_A_GLANCE = "Themes at a glance"
WHAT_WE_HEARD = "What we heard"
ARTWORK = "What people made"
ABOUT = "How this report was made"
INTRO = (
    "Only what participants approved is included, with their redactions applied "
    "and names replaced."
)


@dataclass(frozen=True)
class ThemeSection:
    """One theme's part of the report: its framing and its approved quotes."""

    anchor: str
    name: str
    depth: int
    description: str
    heard: tuple[str, ...]
    quotes: tuple[QuoteEntry, ...]
    count_line: str


@dataclass(frozen=True)
class GlanceRow:
    """One line of the themes-at-a-glance table."""

    name: str
    quotes: int
    people: int
    depth: int = 0


@dataclass
class ReportOutline:
    """The report, part by part; empty parts are left out by every format."""

    title: str
    question: str
    commissioned_by: str
    cover_lines: list[tuple[str, str]]
    prepared: str
    context: tuple[str, ...]
    key_messages: tuple[str, ...]
    took_part: list[tuple[str, int]]
    glance: list[GlanceRow]
    sections: list[ThemeSection]
    #: Themes no approved quote was heard under, named in one closing line.
    quiet_themes: list[str]
    artwork: tuple[ArtworkEntry, ...]
    method: tuple[str, ...]
    contents: list[tuple[str, str, int]] = field(default_factory=list)
    _chart: bytes | None = None

    @property
    def chart(self) -> bytes | None:
        """The themes-at-a-glance chart as PNG, drawn once (None when no theme has quotes)."""
        if not self.glance:
            return None
        if self._chart is None:
            rows = tuple((r.name, r.quotes, r.people) for r in self.glance)
            if _charts and _charts[0][0] == rows:  # the same figures in another format
                self._chart = _charts[0][1]
            else:
                from sessions.export.chart import theme_chart

                self._chart = theme_chart(rows)
                _charts[:] = [(rows, self._chart)]
        return self._chart

    @property
    def quiet_line(self) -> str:
        """The one line that names the themes with no approved quotes ("" when none)."""
        if not self.quiet_themes:
            return ""
        return f"No quotes were approved under these themes: {', '.join(self.quiet_themes)}."


def heading(content: ExportContent) -> str:
    """The report's title: the consultation's, and the session's when it covers one."""
    if content.session_id is not None and content.sessions:
        return f"{content.title}: {content.sessions[0].title}"
    return content.title


def count_line(content: ExportContent, quotes: list[QuoteEntry] | tuple[QuoteEntry, ...]) -> str:
    """E.g. "12 quotes from 5 people"."""
    people = content.speakers_for(quotes)
    return f"{plural(len(quotes), 'quote')} from {plural(people, 'person', 'people')}"


def _theme_name(theme: ThemeEntry, themes: dict[str, ThemeEntry]) -> str:
    parent = themes.get(theme.parent_id or "")
    return f"{parent.name}: {theme.name}" if parent is not None else theme.name


_last: list[tuple[weakref.ref[ExportContent], ReportOutline]] = []
_charts: list[tuple[tuple[tuple[str, int, int], ...], bytes]] = []


def outline_for(content: ExportContent) -> ReportOutline:
    """The outline of ``content``, built (and its chart drawn) once for all report formats."""
    if _last and _last[0][0]() is content:
        return _last[0][1]
    outline = build_outline(content)
    _last[:] = [(weakref.ref(content), outline)]
    # Held only as long as the export's content: no approved words linger after it.
    weakref.finalize(content, _last.clear)
    return outline


def build_outline(content: ExportContent) -> ReportOutline:
    """Lay out ``content`` as a report: cover, contents, frame, glance, themes, artwork."""
    sessions = content.sessions
    venues = sorted({s.venue for s in sessions if s.venue})
    activities = sorted({s.activity for s in sessions})
    when = date_span([s.date for s in sessions])
    cover: list[tuple[str, str]] = []
    if content.frame.commissioned_by:
        cover.append(("Commissioned by", content.frame.commissioned_by))
    if when:
        cover.append(("When", when))
    if venues:
        cover.append(("Where", ", ".join(venues)))
    if activities:
        cover.append(("Activities", ", ".join(activities)))

    themes = {t.id: t for t in content.themes}
    by_theme = {t.id: content.quotes_for(t.id) for t in content.themes}
    has_child_quotes = {
        t.parent_id for t in content.themes if t.parent_id is not None and by_theme[t.id]
    }
    sections: list[ThemeSection] = []
    glance: list[GlanceRow] = []
    quiet: list[str] = []
    for number, theme in enumerate(content.themes, start=1):
        quotes = by_theme[theme.id]
        if not quotes and theme.id not in has_child_quotes:
            quiet.append(_theme_name(theme, themes))
            continue
        glance.append(
            GlanceRow(theme.name, len(quotes), content.speakers_for(quotes), theme.depth)
        )
        sections.append(
            ThemeSection(
                anchor=f"theme-{number}",
                name=theme.name,
                depth=theme.depth,
                description=theme.description,
                heard=content.frame.heard(theme.id),
                quotes=tuple(quotes),
                count_line=count_line(content, quotes) if quotes else "",
            )
        )
    unthemed = content.unthemed
    if unthemed:
        glance.append(GlanceRow(OTHER, len(unthemed), content.speakers_for(unthemed)))
        sections.append(
            ThemeSection("theme-other", OTHER, 0, "", (), tuple(unthemed),
                         count_line(content, unthemed))
        )

    took_part = [
        ("People who took part", content.people),
        ("Sessions", len(sessions)),
        ("Venues", len(venues)),
        ("Activities", len(activities)),
    ]
    outline = ReportOutline(
        title=heading(content),
        question=content.question,
        commissioned_by=content.frame.commissioned_by,
        cover_lines=cover,
        prepared=long_date(content.generated_at),
        context=content.frame.context,
        key_messages=content.frame.key_messages,
        took_part=took_part,
        glance=glance,
        sections=sections,
        quiet_themes=quiet,
        artwork=content.artwork,
        method=content.method,
    )
    contents: list[tuple[str, str, int]] = []
    if outline.context:
        contents.append(("context", CONTEXT, 0))
    if outline.key_messages:
        contents.append(("key-messages", KEY_MESSAGES, 0))
    contents.append(("took-part", TOOK_PART, 0))
    if glance:
        contents.append(("at-a-glance", AT_A_GLANCE, 0))
    contents.append(("what-we-heard", WHAT_WE_HEARD, 0))
    contents += [(s.anchor, s.name, 1 + s.depth) for s in sections]
    if outline.artwork:
        contents.append(("artwork", ARTWORK, 0))
    contents.append(("about", ABOUT, 0))
    outline.contents = contents
    return outline
