"""The consent gate: who is here, and has each of them said yes or no to recording.

Recording may start only when every person in the session has answered. People
who did not come are taken out of the session (they stay in the consultation,
and adding them again by pseudonym brings them back), so the session lists only
who was there, and nobody absent can hold the gate shut.

What is off the record is also kept off the disk: :func:`silence_recording`
makes every off-record span of a stored recording exact silence, whether it
was recorded live or imported, and is called again whenever an answer or a
mark may have put more of it off the record.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models import Marker, Participant, RecordingConsent, Session
from models.attribution import Span, off_record_spans
from sessions.audio import silence_file
from sessions.errors import FacilitateError
from sessions.planning import session_people, session_speakers
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
    people = session_speakers(store, session)
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
    """Save one person's answer, timestamped, with its audit event (one atomic write).

    An answer other than yes, given after the session was recorded, silences
    that person's marked speech in the stored recording too.
    """
    session = store.session(session_id)
    if participant_id not in session.participant_ids:
        raise FacilitateError("That person is not in this session; add them first.")
    store.set_recording_consent(participant_id, session_id, answer)
    if answer is not RecordingConsent.YES:  # a yes never puts anything off the record
        silence_recording(store, session_id)


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


def silence_recording(store: ConsultationStore, session: Session | str) -> bool:
    """Make every off-record span of the session's stored recording exact silence on disk.

    Strikes, and speech marked as anyone in the session who is not recorded, are
    zeroed in the saved file itself (atomically: temporary file, fsync, rename),
    as a live recording already is, so an imported recording keeps no voice of
    someone who said no. Safe to call any number of times: a call when nothing new
    is off the record reads only the off-record spans and writes nothing. The
    marks and answers are read afresh once the file is locked, so concurrent calls
    never lose one another's silencing; call it outside a store transaction.
    Returns True when the file was rewritten; raises :class:`~sessions.errors.AudioError`
    (one line) when it cannot be.
    """
    session_id = session if isinstance(session, str) else session.id
    current = store.session(session_id)
    path = store.audio_path(current)
    if path is None or current.recording is None or not path.exists():
        return False
    if not session_off_record(store, current, float("inf")):
        return False  # nothing off the record at all: the file is not even opened

    def spans_now(duration_s: float) -> list[Span]:
        latest = store.session(session_id)
        stated = latest.recording.duration_s if latest.recording is not None else 0.0
        # The file's own length: a turn running to the end reaches its last sample.
        return session_off_record(store, latest, max(duration_s, stated))

    return silence_file(path, spans_now)


def add_markers(store: ConsultationStore, session_id: str, markers: Iterable[Marker]) -> None:
    """Add marks to a session after its recording was made or imported, then silence.

    For marks known after the event: who spoke when in an imported recording, or
    a strike decided later. The marks are saved in one write; the off-record
    spans they make are then silenced in the stored recording.
    """
    with store.transaction():
        session = store.session(session_id)
        session.markers.extend(markers)
        store.save_session(session)
    silence_recording(store, session_id)
