"""The facilitator's own framing of the thematic report: context, key messages, what we heard.

Quotes say what people said; the frame says what the facilitator makes of it.
It is written in the app, saved with an audit event like every other decision,
and printed around the approved quotes in every report format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from models.audit import Actor, AuditEvent
from models.text import clean_text

#: A list marker typed at the start of a key message: -, *, +, •, – or — and a space,
#: or "1." "2)" "a)" and a space (as word processors number them); alone, it is no message.
_BULLET = re.compile(r"^(?:[-*+•·–—]|\(?[0-9]{1,2}[.)]|\(?[a-z]\))(?:\s+|$)")

#: The parts of the frame that belong to the whole consultation (theme parts are theme ids).
COMMISSIONED_BY = "commissioned by"
CONTEXT = "context"
KEY_MESSAGES = "key messages"
CONSULTATION_PARTS = (COMMISSIONED_BY, CONTEXT, KEY_MESSAGES)


@dataclass
class ReportFrame:
    """The words around the quotes: who asked, why, what matters most, and per theme."""

    commissioned_by: str = ""
    context: str = ""
    #: One message per line; printed as a list.
    key_messages: str = ""
    #: Theme id -> the facilitator's "what we heard" paragraphs for that theme.
    what_we_heard: dict[str, str] = field(default_factory=dict)

    def text_of(self, part: str) -> str:
        """The text of ``part`` (a consultation part's name, or a theme id)."""
        if part == COMMISSIONED_BY:
            return self.commissioned_by
        if part == CONTEXT:
            return self.context
        if part == KEY_MESSAGES:
            return self.key_messages
        return self.what_we_heard.get(part, "")

    @property
    def messages(self) -> list[str]:
        """The key messages, one per non-empty line, without a bullet typed before one.

        Every report prints them as a list; a facilitator who types "- " or "1. "
        at the start of a line would otherwise see two bullets ("• - Transport").
        """
        found = (_BULLET.sub("", line.strip(), count=1) for line in self.key_messages.splitlines())
        return [message for message in found if message]


def paragraphs(text: str) -> list[str]:
    """``text`` split into paragraphs at blank lines, each joined onto one line."""
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b]


def edit_frame(
    frame: ReportFrame, part: str, text: str, at: str, actor: Actor = Actor.FACILITATOR
) -> tuple[ReportFrame, AuditEvent | None]:
    """Set ``part`` of ``frame`` to ``text``; return the new frame and its audit event.

    No event (None) when nothing changed, so saving twice records one edit.
    """
    text = clean_text(text, multiline=part != COMMISSIONED_BY).strip()
    before = frame.text_of(part)
    if text == before:
        return frame, None
    if part == COMMISSIONED_BY:
        new = replace(frame, commissioned_by=text)
    elif part == CONTEXT:
        new = replace(frame, context=text)
    elif part == KEY_MESSAGES:
        new = replace(frame, key_messages=text)
    else:
        heard = dict(frame.what_we_heard)
        if text:
            heard[part] = text
        else:
            heard.pop(part, None)
        new = replace(frame, what_we_heard=heard)
    kind = "report" if part in CONSULTATION_PARTS else "theme"
    event = AuditEvent(
        at=at,
        actor=actor,
        action=f"report {part} edited" if kind == "report" else "report theme framing edited",
        subject_kind=kind,
        subject_id=part,
        before=before,
        after=text,
    )
    return new, event
