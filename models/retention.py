"""How long a consultation's material is kept, and what is due for deletion today.

Two promises a facilitator can make to the people consulted:

- a **retention date** for the whole consultation: after it, everything the
  app holds about it (recordings, transcripts, quotes, people) is deleted;
- per session, **delete the raw audio once the transcript is approved**: the
  recording goes as soon as nobody needs to hear it again (every speaker has
  decided on their transcript and no quote of the session awaits a decision).

Nothing is deleted without the facilitator's confirmation: what is due is
listed (:func:`due_items`) and the app asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from models.participant import ContributionState, Participant, Role
from models.quote import Quote, QuoteState
from models.session import Session
from models.transcript import Segment


class RetentionError(ValueError):
    """A retention setting that cannot be used (a date that is not a date)."""


@dataclass
class RetentionPolicy:
    """A consultation's retention settings, and the deletions already done."""

    #: Last day the consultation is kept (ISO ``YYYY-MM-DD``); "" keeps it until deleted by hand.
    keep_until: str = ""
    #: Sessions whose raw audio is deleted once their transcript is approved.
    audio_until_approved: list[str] = field(default_factory=list)
    #: When each session's raw audio was deleted, by session id.
    audio_deleted: dict[str, str] = field(default_factory=dict)


def parse_day(text: str) -> dt.date:
    """``text`` (``YYYY-MM-DD``) as a date; RetentionError in one line when it is not one."""
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise RetentionError(
            f"{text.strip()!r} is not a date: write it as YYYY-MM-DD, e.g. 2027-03-31."
        ) from None


def speakers_with_words(segments: list[Segment]) -> set[str]:
    """Everyone the transcript attributes words to."""
    return {s.speaker_id for s in segments if s.speaker_id is not None and s.words}


def decided(session: Session, participants: list[Participant], speakers: set[str]) -> bool:
    """True when each participant among ``speakers`` has approved or withdrawn their words.

    A facilitator speaks in nearly every session but has no participant review to
    decide in: waiting for them would keep every such recording for ever.
    """
    by_id = {p.id: p for p in participants}
    return all(
        by_id[s].contribution_for(session.id) is not ContributionState.PENDING
        for s in speakers
        # Someone no longer in the consultation (erased): nothing to ask.
        if s in by_id and by_id[s].role is Role.PARTICIPANT
    )


def quotes_waiting(session: Session, quotes: list[Quote]) -> bool:
    """True while a quote of the session awaits its speaker's decision."""
    return any(q.session_id == session.id and q.state is QuoteState.PENDING for q in quotes)


def transcript_approved(
    session: Session,
    participants: list[Participant],
    segments: list[Segment],
    quotes: list[Quote],
) -> bool:
    """True when nobody needs to hear the session's recording again.

    There is a transcript; everyone it attributes words to has approved or
    withdrawn their contribution; and none of the session's quotes awaits the
    speaker's decision (participant review plays a quote's audio).
    """
    if not segments:
        return False
    return decided(session, participants, speakers_with_words(segments)) and not quotes_waiting(
        session, quotes
    )


@dataclass(frozen=True)
class DueItem:
    """Something the facilitator agreed to delete, now due."""

    consultation_id: str
    consultation_title: str
    #: The session whose raw audio is due; "" when the whole consultation is due.
    session_id: str = ""
    session_title: str = ""
    #: The retention date that passed (consultation), or "" (audio).
    keep_until: str = ""

    @property
    def whole_consultation(self) -> bool:
        """True when the whole consultation is due for deletion."""
        return not self.session_id

    def line(self) -> str:
        """What is due, in one line."""
        if self.whole_consultation:
            return (
                f"{self.consultation_title}: kept until {self.keep_until}; "
                "delete the whole consultation"
            )
        return (
            f"{self.consultation_title} / {self.session_title}: transcript approved; "
            "delete the raw audio"
        )


def consultation_due(policy: RetentionPolicy, today: dt.date) -> bool:
    """True when the consultation's retention date has passed (it is kept through that day)."""
    if not policy.keep_until:
        return False
    try:
        return parse_day(policy.keep_until) < today
    except RetentionError:
        return False  # a hand-edited date is shown, never acted on


def audio_due(
    policy: RetentionPolicy,
    session: Session,
    participants: list[Participant],
    speakers: Callable[[], set[str] | None],
    quotes: list[Quote],
) -> bool:
    """True when the session's raw audio was to go once approved, and now may.

    ``speakers`` gives who the transcript attributes words to (None: no
    transcript yet); it is called only when nothing cheaper has said no, since
    the home screen asks this of every such session on each refresh.
    """
    if session.id not in policy.audio_until_approved or session.recording is None:
        return False
    if quotes_waiting(session, quotes):
        return False
    who = speakers()
    return who is not None and decided(session, participants, who)
