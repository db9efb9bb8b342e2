"""Artwork in participant review: the maker says whether a photo of their work may be used."""

from __future__ import annotations

from models.artwork import Artwork, ArtworkState
from sessions import artwork as artworks
from sessions.store import ConsultationStore

#: What each decision means, in the maker's words.
ARTWORK_WORDS = {
    ArtworkState.PENDING: "You have not decided about this yet.",
    ArtworkState.APPROVED: "You said: yes, the report can show this.",
    ArtworkState.NOT_USED: "You said: don't use this. It will not be shown.",
}


def artwork_intro(phrase: str) -> str:
    """What the maker is asked, e.g. about "the painting session"."""
    return (
        f"This is a photo of something you made during {phrase}. "
        "Can the report show it, with your pseudonym?"
    )


def artwork_pages(
    store: ConsultationStore, participant_id: str, session_id: str | None
) -> list[Artwork]:
    """Only this person's own artwork (of the session under review, when there is one)."""
    return [
        a
        for a in artworks.artwork_for(store, participant_id)
        if session_id is None or a.session_id == session_id
    ]
