"""Participants, known everywhere by their pseudonym, and their recording consent."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from models.audit import Actor, AuditEvent
from models.wellbeing import CheckIn, FollowUp


class Role(enum.StrEnum):
    """Whether someone is consulted or runs the session."""

    PARTICIPANT = "participant"
    FACILITATOR = "facilitator"


class RecordingConsent(enum.StrEnum):
    """A person's answer to "may we record what you say in this session?"."""

    UNASKED = "unasked"
    YES = "yes"
    NO = "no"


@dataclass
class ConsentRecord:
    """A recording-consent answer for one session, and when it was given."""

    answer: RecordingConsent
    at: str


class ContributionState(enum.StrEnum):
    """A participant's decision on their whole transcript contribution to a session."""

    PENDING = "pending"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


@dataclass
class ContributionReview:
    """The decision on one session's transcript contribution, and when it was made."""

    state: ContributionState
    at: str


@dataclass
class Participant:
    """Someone in a consultation.

    The pseudonym is what every screen and export shows. The real name, if the
    facilitator keeps one, stays on this laptop and is on the hide list for
    every export.
    """

    id: str
    pseudonym: str
    role: Role = Role.PARTICIPANT
    real_name: str = ""
    #: Recording consent per session id.
    consent: dict[str, ConsentRecord] = field(default_factory=dict)
    #: Transcript-contribution review per session id (quotes are reviewed one by one).
    contribution: dict[str, ContributionReview] = field(default_factory=dict)
    #: Coarse, optional reach data (e.g. {"age band": "25-34"}); never identifying.
    reach: dict[str, str] = field(default_factory=dict)
    #: Who gave each reach answer: the participant, or the facilitator on their behalf.
    reach_given_by: dict[str, Actor] = field(default_factory=dict)
    #: True while the person has an open follow-up (see ``follow_ups``).
    follow_up: bool = False
    #: Wellbeing check-in and check-out answers (models.wellbeing).
    wellbeing: list[CheckIn] = field(default_factory=list)
    #: Calls to make, open and done, oldest first (models.wellbeing).
    follow_ups: list[FollowUp] = field(default_factory=list)
    notes: str = ""

    def consent_for(self, session_id: str) -> RecordingConsent:
        """Return this person's recording consent for ``session_id``."""
        record = self.consent.get(session_id)
        return record.answer if record else RecordingConsent.UNASKED

    def contribution_for(self, session_id: str) -> ContributionState:
        """This person's decision on their transcript contribution to ``session_id``."""
        review = self.contribution.get(session_id)
        return review.state if review else ContributionState.PENDING

    def is_recorded_in(self, session_id: str) -> bool:
        """True when this person agreed to be recorded in ``session_id``."""
        return self.consent_for(session_id) is RecordingConsent.YES


def set_recording_consent(
    participant: Participant,
    session_id: str,
    answer: RecordingConsent,
    at: str,
    actor: Actor = Actor.FACILITATOR,
) -> AuditEvent:
    """Record ``answer`` for ``session_id`` on ``participant``; return the audit event."""
    before = participant.consent_for(session_id)
    participant.consent[session_id] = ConsentRecord(answer=answer, at=at)
    return AuditEvent(
        at=at,
        actor=actor,
        action="recording consent",
        subject_kind="session",
        subject_id=session_id,
        participant_id=participant.id,
        before=before.value,
        after=answer.value,
    )


def speaker_numbers(people: Iterable[Participant]) -> list[Participant]:
    """``people`` in speaker-key order: participants first, then facilitators.

    Position ``n - 1`` is the person key ``n`` marks, on the run screen and the
    transcript alike, so one number means one person wherever speakers are given.
    Within each role the order people joined the session is kept.
    """
    return sorted(people, key=lambda p: p.role is not Role.PARTICIPANT)


#: The longest pseudonym: it must fit a speaker list, a table cell and a quote's credit.
PSEUDONYM_LIMIT = 40


def pseudonym_problem(pseudonym: str) -> str | None:
    """One line saying why ``pseudonym`` cannot be used, or None when it can."""
    if not pseudonym.strip():
        return "Type a pseudonym."
    if len(pseudonym) > PSEUDONYM_LIMIT:
        return (f"A pseudonym is at most {PSEUDONYM_LIMIT} characters "
                f"(this one has {len(pseudonym)}); use a shorter one.")
    return None
