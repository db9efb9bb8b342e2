"""Consented transcripts, one file per session: Markdown, plain text, Word, WebVTT, SubRip.

Each shows a session's :class:`Line` s: kept speech with redactions applied, and
placeholders where someone's speech was left out.
"""

from __future__ import annotations

import io

from models.formats import to_srt, to_vtt
from models.transcript import Segment
from sessions.export.content import SessionEntry, clean_for_xml
from sessions.export.report import md_escape
from sessions.export.word import word_document


def _subtitle(session: SessionEntry) -> str:
    parts = [session.date, session.venue, f"{session.activity} session"]
    return ", ".join(p for p in parts if p)


def render_markdown(session: SessionEntry) -> str:
    """The transcript as Markdown."""
    out = [f"# {md_escape(session.title)}", "", f"*{md_escape(_subtitle(session))}*", ""]
    for line in session.lines:
        if line.placeholder:
            out += [f"*{md_escape(line.text)}*", ""]
        else:
            out += [f"**[{line.clock}] {md_escape(line.speaker)}:** {md_escape(line.text)}", ""]
    return "\n".join(out).rstrip() + "\n"


def render_text(session: SessionEntry) -> str:
    """The transcript as plain text, one line per turn."""
    out = [session.title, _subtitle(session), ""]
    for line in session.lines:
        who = "" if line.placeholder else f"{line.speaker}: "
        out.append(f"[{line.clock}] {who}{line.text}")
    return "\n".join(out) + "\n"


def _cue_text(text: str) -> str:
    # A cue is one block: a blank line or "-->" inside would end or break it.
    return " ".join(text.split()).replace("-->", "->")


def _segments(session: SessionEntry, *, vtt: bool) -> list[Segment]:
    segments = []
    for line in session.lines:
        text = _cue_text(line.text)
        speaker = _cue_text(line.speaker) or None
        if vtt:
            # WebVTT cue text is markup: "<" and "&" must be escaped.
            text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            speaker = speaker.replace(">", "") if speaker else None
        segments.append(Segment(line.start, max(line.end, line.start), text, speaker_id=speaker))
    return segments


def _speaker(name: str | None) -> str:
    return name or ""


def render_vtt(session: SessionEntry) -> str:
    """The transcript as WebVTT captions (speakers as voice tags)."""
    return to_vtt(_segments(session, vtt=True), _speaker)


def render_srt(session: SessionEntry) -> str:
    """The transcript as SubRip subtitles."""
    return to_srt(_segments(session, vtt=False), _speaker)


def render_docx(session: SessionEntry) -> bytes:
    """The transcript as a Word document."""
    session = clean_for_xml(session)
    document = word_document(session.title)
    document.add_heading(session.title, level=0)
    document.add_paragraph().add_run(_subtitle(session)).italic = True
    for line in session.lines:
        paragraph = document.add_paragraph()
        if line.placeholder:
            paragraph.add_run(f"[{line.clock}] {line.text}").italic = True
            continue
        paragraph.add_run(f"[{line.clock}] {line.speaker}: ").bold = True
        paragraph.add_run(line.text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
