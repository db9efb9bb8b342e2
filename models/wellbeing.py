"""Looking after people: wellbeing check-ins, the follow-up list, and attendance.

Being recorded and facing change is stressful; one person would not come back
until someone followed her up. So each session may open and close with a
check-in where each person picks a face or a word (or would rather not say);
a distressed answer, or the facilitator's word, puts the person on the
follow-up list: who needs a call, why, and by when. Marking one done keeps it,
with a note, as history. People who came before and have missed a number of
sessions are suggested for a call too.

Everything here is kept on the participant record, so erasing a person takes
their check-ins and follow-ups with them. Follow-up audit events carry no
note (the note stays on the record) and never go into an export.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from models.audit import Actor, AuditEvent
from models.ids import new_id

if TYPE_CHECKING:
    from models.participant import Participant
    from models.session import Session

#: Audit events of this kind are about someone's wellbeing: never exported.
FOLLOW_UP_KIND = "follow-up"
#: Longest follow-up note kept: a reminder, not a case file.
NOTE_LIMIT = 200


class Moment(enum.StrEnum):
    """When in a session a wellbeing answer was given."""

    CHECK_IN = "check-in"
    CHECK_OUT = "check-out"


class Feeling(enum.StrEnum):
    """The face or word a person picks; or that they would rather not say."""

    GOOD = "good"
    OKAY = "okay"
    MIXED = "mixed"
    LOW = "low"
    STRUGGLING = "struggling"
    RATHER_NOT_SAY = "rather not say"

    @property
    def face(self) -> str:
        """The face shown beside the word ("" for rather not say)."""
        return _FACES[self]

    @property
    def distressed(self) -> bool:
        """True for the answers that put the person on the follow-up list."""
        return self in (Feeling.LOW, Feeling.STRUGGLING)


_FACES = {
    Feeling.GOOD: "😀",
    Feeling.OKAY: "🙂",
    Feeling.MIXED: "😐",
    Feeling.LOW: "🙁",
    Feeling.STRUGGLING: "😢",
    Feeling.RATHER_NOT_SAY: "",
}


class Raised(enum.StrEnum):
    """What put someone on the follow-up list."""

    CHECK_IN = "check-in answer"
    FACILITATOR = "facilitator"
    MISSED = "missed sessions"


@dataclass
class CheckIn:
    """One wellbeing answer in one session."""

    session_id: str
    moment: Moment
    feeling: Feeling
    at: str


@dataclass
class FollowUp:
    """Someone to call: why, by when, and (once done) when and what came of it."""

    id: str
    reason: str
    due: str
    raised_at: str
    raised: Raised = Raised.FACILITATOR
    session_id: str = ""
    done_at: str = ""
    done_note: str = ""

    @property
    def is_open(self) -> bool:
        """True until someone marks it done."""
        return not self.done_at


def short_note(text: str) -> str:
    """A note on one line, at most ``NOTE_LIMIT`` characters."""
    return " ".join(text.split())[:NOTE_LIMIT]


def raise_follow_up(
    person: Participant,
    reason: str,
    due: str,
    at: str,
    raised: Raised = Raised.FACILITATOR,
    session_id: str = "",
    actor: Actor = Actor.FACILITATOR,
) -> tuple[FollowUp, AuditEvent]:
    """Put ``person`` on the follow-up list; return the entry and its audit event."""
    entry = FollowUp(
        id=new_id("f"),
        reason=short_note(reason) or "Follow up",
        due=due,
        raised_at=at,
        raised=raised,
        session_id=session_id,
    )
    person.follow_ups.append(entry)
    person.follow_up = True
    event = AuditEvent(
        at=at,
        actor=actor,
        action="follow-up raised",
        subject_kind=FOLLOW_UP_KIND,
        subject_id=entry.id,
        participant_id=person.id,
        after=raised.value,
    )
    return entry, event


def record_check_in(
    person: Participant,
    session_id: str,
    moment: Moment,
    feeling: Feeling,
    at: str,
    due: str,
) -> tuple[CheckIn, AuditEvent | None]:
    """Keep ``person``'s answer; a distressed one puts them on the follow-up list.

    Returns the check-in and, when a follow-up was raised, its audit event. A
    second distressed answer in the same session while one is still open does
    not add another call to make.
    """
    answer = CheckIn(session_id=session_id, moment=moment, feeling=feeling, at=at)
    person.wellbeing.append(answer)
    if not feeling.distressed:
        return answer, None
    if any(f.is_open and f.session_id == session_id for f in person.follow_ups):
        return answer, None
    reason = f"Said {feeling.value!r} at {moment.value}"
    _, event = raise_follow_up(
        person, reason, due, at, Raised.CHECK_IN, session_id, actor=Actor.SYSTEM
    )
    return answer, event


def mark_done(person: Participant, follow_up_id: str, note: str, at: str) -> AuditEvent:
    """Mark one of ``person``'s follow-ups done with ``note``; it stays as history."""
    entry = next((f for f in person.follow_ups if f.id == follow_up_id), None)
    if entry is None:
        raise KeyError(follow_up_id)
    before = "done" if not entry.is_open else "open"
    entry.done_at = at
    entry.done_note = short_note(note)
    person.follow_up = any(f.is_open for f in person.follow_ups)
    return AuditEvent(
        at=at,
        actor=Actor.FACILITATOR,
        action="follow-up done",
        subject_kind=FOLLOW_UP_KIND,
        subject_id=entry.id,
        participant_id=person.id,
        before=before,
        after="done",
    )


def open_follow_ups(people: Iterable[Participant]) -> list[tuple[Participant, FollowUp]]:
    """Every open follow-up, soonest due first."""
    found = [(p, f) for p in people for f in p.follow_ups if f.is_open]
    return sorted(found, key=lambda pair: (pair[1].due, pair[1].raised_at, pair[0].pseudonym))


def done_follow_ups(people: Iterable[Participant]) -> list[tuple[Participant, FollowUp]]:
    """Every follow-up marked done, the latest first: the history of calls made."""
    found = [(p, f) for p in people for f in p.follow_ups if not f.is_open]
    return sorted(found, key=lambda pair: (pair[1].done_at, pair[1].id), reverse=True)


# -- attendance ------------------------------------------------------------------


def session_order(sessions: Iterable[Session]) -> list[Session]:
    """Sessions in the order they happened (by date, then by when they were planned)."""
    return sorted(sessions, key=lambda s: (s.date or s.created_at[:10], s.created_at, s.id))


def attendance(
    sessions: Iterable[Session], people: Iterable[Participant]
) -> dict[str, set[str]]:
    """Who came to which session: anyone asked for consent there, or who checked in.

    A consent answer of yes or no both mean the person was there (a "no" was
    said in the room); someone on the list who was never asked is not counted.
    """
    came: dict[str, set[str]] = {s.id: set() for s in sessions}
    for person in people:
        for session_id, record in person.consent.items():
            if session_id in came and record.answer.value != "unasked":
                came[session_id].add(person.id)
        for answer in person.wellbeing:
            if answer.session_id in came:
                came[answer.session_id].add(person.id)
    return came


@dataclass(frozen=True)
class AttendanceRow:
    """How often one person came, when they last came, and how many held sessions since."""

    participant_id: str
    pseudonym: str
    came: int
    #: The last session they came to ("" if they never came).
    last_session_id: str
    #: Held sessions since they last came (0 if they came to the latest, or never came).
    missed: int


def attendance_rows(
    sessions: Iterable[Session], people: Iterable[Participant]
) -> list[AttendanceRow]:
    """Each participant's attendance, in the order they joined the consultation.

    A session counts as held once anyone is recorded as there, so one planned
    for next week is never counted as missed.
    """
    people = [p for p in people if p.role.value == "participant"]
    ordered = session_order(sessions)
    came = attendance(ordered, people)
    held = [s.id for s in ordered if came[s.id]]
    last_seen: dict[str, int] = {}
    times: dict[str, int] = {}
    for position, session_id in enumerate(held):
        for person_id in came[session_id]:
            last_seen[person_id] = position
            times[person_id] = times.get(person_id, 0) + 1
    rows = []
    for person in people:
        seen = last_seen.get(person.id)
        rows.append(AttendanceRow(
            participant_id=person.id,
            pseudonym=person.pseudonym,
            came=times.get(person.id, 0),
            last_session_id=held[seen] if seen is not None else "",
            missed=len(held) - 1 - seen if seen is not None else 0,
        ))
    return rows


@dataclass(frozen=True)
class Suggestion:
    """Someone who came before and has missed ``missed`` sessions since."""

    participant_id: str
    pseudonym: str
    missed: int
    last_session_id: str


def missed_suggestions(
    sessions: Iterable[Session], people: Iterable[Participant], missed: int
) -> list[Suggestion]:
    """People to suggest for a call: they came, then missed ``missed`` held sessions.

    Someone with an open follow-up, or one raised on a later day than they
    last came, is not suggested again.
    """
    if missed <= 0:
        return []
    sessions = list(sessions)
    people = {p.id: p for p in people}
    when = {s.id: (s.date or s.created_at)[:10] for s in sessions}
    suggestions = []
    for row in attendance_rows(sessions, people.values()):
        if not row.came or row.missed < missed:
            continue
        since = when[row.last_session_id]
        # A call raised on a later day than they last came was about their absence.
        follow_ups = people[row.participant_id].follow_ups
        if any(f.is_open or f.raised_at[:10] > since for f in follow_ups):
            continue
        suggestions.append(
            Suggestion(row.participant_id, row.pseudonym, row.missed, row.last_session_id)
        )
    return sorted(suggestions, key=lambda s: (-s.missed, s.pseudonym))


def reached(sessions: Iterable[Session], people: Iterable[Participant]) -> list[Participant]:
    """The participants the consultation reached: in a session's list, or recorded as there.

    The consent step takes people who did not come off a session's list, so the
    list and the attendance agree; either is enough.
    """
    sessions = list(sessions)
    people = [p for p in people if p.role.value == "participant"]
    came = attendance(sessions, people)
    there = set().union(*came.values(), *(s.participant_ids for s in sessions))
    return [p for p in people if p.id in there]
