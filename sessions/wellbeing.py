"""Looking after people, saved: check-ins, the follow-up list, and reach answers.

Every change is one store transaction holding the participant and its audit
event, so both are saved or neither. All of it lives on the participant record
(see :mod:`models.wellbeing` and :mod:`models.reach`), so erasing a person
removes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from models import Actor
from models.reach import ReachTable, check_answer, reach_view
from models.text import clean_text
from models.wellbeing import (
    AttendanceRow,
    CheckIn,
    Feeling,
    FollowUp,
    Moment,
    Raised,
    Suggestion,
    attendance,
    attendance_rows,
    done_follow_ups,
    mark_done,
    missed_suggestions,
    open_follow_ups,
    raise_follow_up,
    reached,
    record_check_in,
    session_order,
)
from sessions.clock import now_iso
from sessions.errors import FacilitateError
from sessions.store import ConsultationStore

#: Days until a call is due, after a distressed answer and by default otherwise.
DUE_AFTER_DISTRESS_DAYS = 1
DUE_DAYS = 7


class WellbeingError(FacilitateError):
    """A wellbeing or reach change that cannot be made (one line, saying what to do)."""


def due_in(days: int, today: date | None = None) -> str:
    """The date ``days`` from today, as the follow-up list shows it (YYYY-MM-DD)."""
    return ((today or date.today()) + timedelta(days=days)).isoformat()


def check_in(
    store: ConsultationStore,
    participant_id: str,
    session_id: str,
    moment: Moment,
    feeling: Feeling,
) -> tuple[CheckIn, bool]:
    """Save one wellbeing answer; return it and whether it raised a follow-up."""
    with store.transaction():
        person = store.participant(participant_id)
        answer, event = record_check_in(
            person, session_id, moment, feeling, now_iso(), due_in(DUE_AFTER_DISTRESS_DAYS)
        )
        store.save_participant(person)
        if event is not None:
            store.append_audit(event)
    return answer, event is not None


def add_follow_up(
    store: ConsultationStore,
    participant_id: str,
    reason: str,
    days: int = DUE_DAYS,
    session_id: str = "",
    raised: Raised = Raised.FACILITATOR,
) -> FollowUp:
    """Put someone on the follow-up list with a short note, due in ``days``."""
    with store.transaction():
        person = store.participant(participant_id)
        entry, event = raise_follow_up(
            person, clean_text(reason), due_in(days), now_iso(), raised, session_id
        )
        store.save_participant(person)
        store.append_audit(event)
    return entry


def follow_up_done(
    store: ConsultationStore, participant_id: str, follow_up_id: str, note: str
) -> None:
    """Mark a follow-up done with a note; it stays on the person's record as history."""
    with store.transaction():
        person = store.participant(participant_id)
        try:
            event = mark_done(person, follow_up_id, clean_text(note), now_iso())
        except KeyError:
            raise WellbeingError(
                "That follow-up is no longer on the list; open the list again."
            ) from None
        store.save_participant(person)
        store.append_audit(event)


@dataclass(frozen=True)
class FollowUpRow:
    """One line of the follow-up list: who, why, by when."""

    participant_id: str
    pseudonym: str
    entry: FollowUp


@dataclass(frozen=True)
class FollowUpList:
    """Calls to make, and people suggested because they stopped coming."""

    open: tuple[FollowUpRow, ...]
    suggested: tuple[Suggestion, ...]
    missed: int
    #: Calls marked done, the latest first.
    done: tuple[FollowUpRow, ...] = ()


def follow_up_list(store: ConsultationStore) -> FollowUpList:
    """The consultation's open follow-ups (soonest first) and suggestions."""
    consultation = store.consultation()
    people = store.participants()
    rows = tuple(
        FollowUpRow(p.id, p.pseudonym, f) for p, f in open_follow_ups(people)
    )
    missed = consultation.follow_up_after_missed
    suggested = tuple(missed_suggestions(store.sessions(), people, missed))
    done = tuple(FollowUpRow(p.id, p.pseudonym, f) for p, f in done_follow_ups(people))
    return FollowUpList(rows, suggested, missed, done)


def set_missed_threshold(store: ConsultationStore, missed: int) -> None:
    """Suggest people for a call after they miss ``missed`` sessions (0 turns it off)."""
    if not 0 <= missed <= 50:
        raise WellbeingError("Give a number of missed sessions from 0 (off) to 50.")
    with store.transaction():
        consultation = store.consultation()
        consultation.follow_up_after_missed = missed
        store.save_consultation(consultation)


def consultation_attendance(store: ConsultationStore) -> list[tuple[AttendanceRow, list[str]]]:
    """Each participant's attendance, with the titles of the sessions they came to."""
    sessions = session_order(store.sessions())
    people = store.participants()
    came = attendance(sessions, people)
    titles = {
        p.id: [s.title for s in sessions if p.id in came[s.id]] for p in people
    }
    return [(row, titles[row.participant_id]) for row in attendance_rows(sessions, people)]


# -- reach ----------------------------------------------------------------------------


def set_reach_answer(
    store: ConsultationStore,
    participant_id: str,
    attribute: str,
    answer: str,
    given_by: Actor = Actor.PARTICIPANT,
) -> str:
    """Keep (or, with an empty answer, forget) one self-described reach answer."""
    answer = clean_text(answer).strip()
    if answer:
        try:
            answer = check_answer(attribute, answer)
        except ValueError as error:
            raise WellbeingError(str(error)) from None
    with store.transaction():
        person = store.participant(participant_id)
        if answer:
            person.reach[attribute] = answer
            person.reach_given_by[attribute] = given_by
        else:
            person.reach.pop(attribute, None)
            person.reach_given_by.pop(attribute, None)
        store.save_participant(person)
    return answer


def set_reference(
    store: ConsultationStore, attribute: str, shares: Mapping[str, float]
) -> None:
    """Keep the reference population's shares (percent) for ``attribute``."""
    if any(not 0 <= v <= 100 for v in shares.values()):
        raise WellbeingError("Give each reference share as a percentage from 0 to 100.")
    if sum(shares.values()) > 100.5:
        raise WellbeingError("The reference shares add up to more than 100%; check them.")
    with store.transaction():
        consultation = store.consultation()
        if shares:
            consultation.reach_reference[attribute] = dict(shares)
        else:
            consultation.reach_reference.pop(attribute, None)
        store.save_consultation(consultation)


def consultation_reach(store: ConsultationStore) -> list[ReachTable]:
    """The consultation's reach view: suppressed counts beside the reference population."""
    people = reached(store.sessions(), store.participants())
    return reach_view(people, store.consultation().reach_reference)
