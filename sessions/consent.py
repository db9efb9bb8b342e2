"""The consent gate: who is here, and has each of them said yes or no to recording.

Recording may start only when every person in the session has answered. People
who did not come are taken out of the session (they stay in the consultation,
and adding them again by pseudonym brings them back), so the session lists only
who was there, and nobody absent can hold the gate shut.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models import Participant, RecordingConsent, Role, Session
from models.attribution import Span, off_record_spans
from sessions.errors import FacilitateError
from sessions.planning import session_people
from sessions.store import ConsultationStore

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class ConsentRow:
    """One person in the session and their answer for it."""

    participant: Participant
    answer: RecordingConsent
    #: When the answer was given (ISO time), "" while unasked.
    at: str

    @property
    def pseudonym(self) -> str:
        """The only name shown anywhere."""
        return self.participant.pseudonym

    @property
    def label(self) -> str:
        """The answer in the facilitator's words."""
        if self.answer is RecordingConsent.YES:
            return "yes, recorded"
        if self.answer is RecordingConsent.NO:
            return f"no, {NOT_RECORDED}"
        return "not asked yet"


def consent_rows(store: ConsultationStore, session_id: str) -> list[ConsentRow]:
    """Everyone in the session (participants first, then facilitators) with their answer."""
    session = store.session(session_id)
    people = session_people(store, session)
    people.sort(key=lambda p: p.role is not Role.PARTICIPANT)
    rows = []
    for person in people:
        record = person.consent.get(session_id)
        rows.append(ConsentRow(person, person.consent_for(session_id), record.at if record else ""))
    return rows


def unanswered(store: ConsultationStore, session_id: str) -> list[Participant]:
    """The people in the session who have not said yes or no yet."""
    return [
        row.participant
        for row in consent_rows(store, session_id)
        if row.answer is RecordingConsent.UNASKED
    ]


def consent_problem(store: ConsultationStore, session_id: str) -> str | None:
    """None when recording may start, else one line saying who is still to answer."""
    rows = consent_rows(store, session_id)
    if not rows:
        return "Nobody is in this session yet: add the people who are here first."
    waiting = [r.pseudonym for r in rows if r.answer is RecordingConsent.UNASKED]
    if not waiting:
        return None
    names = ", ".join(waiting[:-1]) + (" and " if len(waiting) > 1 else "") + waiting[-1]
    verb = "has" if len(waiting) == 1 else "have"
    return f"{names} {verb} not said yes or no to recording yet; ask before recording starts."


def record_answer(
    store: ConsultationStore, session_id: str, participant_id: str, answer: RecordingConsent
) -> None:
    """Save one person's answer, timestamped, with its audit event (one atomic write)."""
    session = store.session(session_id)
    if participant_id not in session.participant_ids:
        raise FacilitateError("That person is not in this session; add them first.")
    store.set_recording_consent(participant_id, session_id, answer)


def set_present(store: ConsultationStore, session_id: str, present: Iterable[str]) -> None:
    """Keep only the people in ``present`` in the session (order kept).

    Refused once the session has a recording: who was there is then part of it.
    """
    keep = set(present)
    with store.transaction():
        session = store.session(session_id)
        if session.recording is not None and set(session.participant_ids) - keep:
            raise FacilitateError(
                "This session is already recorded; who was there can no longer change."
            )
        session.participant_ids = [pid for pid in session.participant_ids if pid in keep]
        store.save_session(session)


def session_off_record(
    store: ConsultationStore, session: Session, duration_s: float
) -> list[Span]:
    """The session's spans never to transcribe or play: strikes, and speech marked as
    anyone in it who is not recorded (see :func:`models.attribution.off_record_spans`)."""
    return off_record_spans(
        session.markers, session_people(store, session), session.id, duration_s
    )
