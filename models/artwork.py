"""Photos of what participants made, and the maker's say over whether they are used.

Artwork is attached to a session with its maker. Like a quote, it leaves the
laptop only when the maker approved it in their own review; every decision is
an audit event. The image file itself is handled in :mod:`sessions.artwork`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace

from models.audit import Actor, AuditEvent
from models.participant import Participant


class ArtworkState(enum.StrEnum):
    """The maker's decision about one piece of artwork."""

    PENDING = "pending"
    APPROVED = "approved"
    NOT_USED = "not used"


@dataclass
class Artwork:
    """A photo of a piece of work, its maker and its description (which may be shown instead)."""

    id: str
    session_id: str
    participant_id: str
    #: The stored image, relative to the consultation's artwork folder.
    file: str
    description: str = ""
    width: int = 0
    height: int = 0
    added_at: str = ""
    state: ArtworkState = ArtworkState.PENDING


def decide_artwork(
    artwork: Artwork, approve: bool, at: str, actor: Actor = Actor.PARTICIPANT
) -> tuple[Artwork, AuditEvent]:
    """The maker approves the artwork, or says not to use it; return it and its audit event."""
    state = ArtworkState.APPROVED if approve else ArtworkState.NOT_USED
    new = replace(artwork, state=state)
    event = AuditEvent(
        at=at,
        actor=actor,
        action="artwork approved" if approve else "artwork not to be used",
        subject_kind="artwork",
        subject_id=artwork.id,
        participant_id=artwork.participant_id,
        before={"state": artwork.state.value},
        after={"state": state.value},
    )
    return new, event


def exportable_artwork(
    artworks: Iterable[Artwork], participants: Iterable[Participant], session_ids: Iterable[str]
) -> list[Artwork]:
    """The artwork an export may show: approved by a maker still in the consultation."""
    makers = {p.id for p in participants}
    sessions = set(session_ids)
    return [
        a
        for a in artworks
        if a.state is ArtworkState.APPROVED
        and a.participant_id in makers
        and a.session_id in sessions
    ]
