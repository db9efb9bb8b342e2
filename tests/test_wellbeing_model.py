"""Wellbeing: distressed answers go on the follow-up list; done keeps the history; attendance."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import (
    Actor,
    ConsentRecord,
    Participant,
    RecordingConsent,
    Session,
    from_dict,
    to_dict,
)
from models.reach import AGE_BAND, FEW, POSTCODE_DISTRICT
from models.wellbeing import (
    FOLLOW_UP_KIND,
    Feeling,
    Moment,
    Raised,
    attendance,
    attendance_rows,
    mark_done,
    missed_suggestions,
    open_follow_ups,
    raise_follow_up,
    record_check_in,
)
from sessions.planning import create_session
from sessions.store import Workspace
from sessions.wellbeing import (
    WellbeingError,
    add_follow_up,
    check_in,
    consultation_reach,
    follow_up_done,
    follow_up_list,
    set_reach_answer,
    set_reference,
)


def person(n: int) -> Participant:
    return Participant(id=f"p-{n}", pseudonym=f"P{n}")


def test_a_distressed_check_in_puts_the_person_on_the_follow_up_list() -> None:
    robin, sam = person(1), person(2)
    _, none = record_check_in(robin, "s-1", Moment.CHECK_IN, Feeling.GOOD, "t1", "d1")
    _, event = record_check_in(sam, "s-1", Moment.CHECK_OUT, Feeling.STRUGGLING, "t2", "d2")
    assert none is None and not robin.follow_ups and not robin.follow_up
    assert event is not None and event.subject_kind == FOLLOW_UP_KIND
    assert sam.follow_up and sam.follow_ups[0].raised is Raised.CHECK_IN
    assert "struggling" in sam.follow_ups[0].reason and sam.follow_ups[0].due == "d2"
    # A second low answer in the same session does not add a second call.
    record_check_in(sam, "s-1", Moment.CHECK_OUT, Feeling.LOW, "t3", "d3")
    assert len(sam.follow_ups) == 1 and len(sam.wellbeing) == 2
    # Rather not say is respected: no follow-up.
    record_check_in(robin, "s-1", Moment.CHECK_OUT, Feeling.RATHER_NOT_SAY, "t4", "d4")
    assert not robin.follow_ups
    assert [p.id for p, _ in open_follow_ups([robin, sam])] == ["p-2"]


def test_done_keeps_the_history_and_survives_the_store_round_trip() -> None:
    sam = person(2)
    first, _ = raise_follow_up(sam, "  Upset\nabout the closure ", "2026-12-03", "t1")
    second, _ = raise_follow_up(sam, "Asked for a call", "2026-12-01", "t2")
    assert first.reason == "Upset about the closure"
    event = mark_done(sam, first.id, "Called; coming next week", "t3")
    assert (event.action, event.before, event.after, event.note) == (
        "follow-up done", "open", "done", ""
    )
    assert sam.follow_up  # the second is still open
    mark_done(sam, second.id, "Spoke", "t4")
    assert not sam.follow_up
    again = from_dict(Participant, to_dict(sam))
    assert [f.done_note for f in again.follow_ups] == ["Called; coming next week", "Spoke"]
    assert again.follow_ups[0].reason == "Upset about the closure"
    assert not open_follow_ups([again])


def sessions(n: int) -> list[Session]:
    return [
        Session(id=f"s-{k}", consultation_id="c-1", title=f"S{k}", date=f"2026-11-{k + 1:02d}")
        for k in range(n)
    ]


def came(p: Participant, session_id: str, answer: RecordingConsent = RecordingConsent.YES) -> None:
    p.consent[session_id] = ConsentRecord(answer=answer, at="t")


def test_attendance_counts_consent_answers_and_check_ins() -> None:
    a, b, c = person(1), person(2), person(3)
    came(a, "s-0")
    came(b, "s-0", RecordingConsent.NO)  # said no in the room: was there
    came(c, "s-0", RecordingConsent.UNASKED)
    record_check_in(c, "s-1", Moment.CHECK_IN, Feeling.OKAY, "t", "d")
    seen = attendance(sessions(2), [a, b, c])
    assert seen == {"s-0": {"p-1", "p-2"}, "s-1": {"p-3"}}


def test_people_who_stopped_coming_are_suggested_once() -> None:
    regular, gone, new = person(1), person(2), person(3)
    for s in sessions(5):
        came(regular, s.id)
    came(gone, "s-0")
    came(gone, "s-1")
    came(new, "s-4")
    rows = attendance_rows(sessions(5), [regular, gone, new, person(4)])
    assert [(r.came, r.last_session_id, r.missed) for r in rows] == [
        (5, "s-4", 0), (2, "s-1", 3), (1, "s-4", 0), (0, "", 0)
    ]
    found = missed_suggestions(sessions(5), [regular, gone, new], missed=2)
    assert [(s.participant_id, s.missed, s.last_session_id) for s in found] == [
        ("p-2", 3, "s-1")
    ]
    assert missed_suggestions(sessions(5), [regular, gone, new], missed=4) == []
    # Once a call is raised for it (after they last came), they are not suggested again.
    entry, _ = raise_follow_up(gone, "Missed 3", "2026-11-10", "2026-11-06T10:00:00+00:00",
                               Raised.MISSED)
    assert missed_suggestions(sessions(5), [regular, gone, new], missed=2) == []
    mark_done(gone, entry.id, "Moved away", "2026-11-07T10:00:00+00:00")
    assert missed_suggestions(sessions(5), [regular, gone, new], missed=2) == []


# -- saved through the services, in a real store --------------------------------------


def test_check_ins_follow_ups_and_reach_are_saved_with_their_audit(tmp_path: Path) -> None:
    store = Workspace(tmp_path / "ws").create_consultation("Day services")
    session = create_session(store, "Painting", participants=["Robin", "Sam", "Kit"])
    robin, sam, kit = (store.participant(pid) for pid in session.participant_ids)
    check_in(store, robin.id, session.id, Moment.CHECK_IN, Feeling.GOOD)
    _, raised = check_in(store, sam.id, session.id, Moment.CHECK_IN, Feeling.LOW)
    assert raised
    add_follow_up(store, kit.id, "Asked to talk about the move", days=3, session_id=session.id)
    listed = follow_up_list(store)
    assert [row.pseudonym for row in listed.open] == ["Sam", "Kit"]
    follow_up_done(store, sam.id, listed.open[0].entry.id, "Called, feeling better")
    assert [row.pseudonym for row in follow_up_list(store).open] == ["Kit"]
    assert store.participant(sam.id).follow_ups[0].done_note == "Called, feeling better"
    actions = [(e.action, e.participant_id) for e in store.audit() if e.subject_kind == "follow-up"]
    assert actions == [
        ("follow-up raised", sam.id), ("follow-up raised", kit.id), ("follow-up done", sam.id)
    ]
    # The audit keeps no note: what was said stays on the person's record.
    assert all(not e.note for e in store.audit() if e.subject_kind == "follow-up")

    assert set_reach_answer(store, robin.id, AGE_BAND, "25-34") == "25-34"
    assert store.participant(robin.id).reach_given_by[AGE_BAND] is Actor.PARTICIPANT
    with pytest.raises(WellbeingError, match="postcode district"):
        set_reach_answer(store, robin.id, POSTCODE_DISTRICT, "LS6 3QW")
    set_reference(store, AGE_BAND, {"25-34": 40.0})
    # Three people reached: the total itself is too small to show.
    ages = consultation_reach(store)[0]
    assert ages.total == FEW
    assert {r.category: r.count for r in ages.rows}["25-34"] == FEW
    set_reach_answer(store, robin.id, AGE_BAND, "")
    assert AGE_BAND not in store.participant(robin.id).reach


def test_erasing_someone_takes_their_answers_check_ins_and_follow_ups(tmp_path: Path) -> None:
    from sessions.erasure import erase_participant

    store = Workspace(tmp_path / "ws").create_consultation("Day services")
    names = [f"Person{n}" for n in range(6)]
    session = create_session(store, "Painting", participants=names)
    gone = session.participant_ids[0]
    for pid in session.participant_ids:
        set_reach_answer(store, pid, AGE_BAND, "45-54")
    check_in(store, gone, session.id, Moment.CHECK_IN, Feeling.STRUGGLING)
    add_follow_up(store, gone, "Asked for a call")
    assert {r.category: r.count for r in consultation_reach(store)[0].rows}["45-54"] == "6"
    erase_participant(store, gone)
    assert gone not in {p.id for p in store.participants()}
    assert {r.category: r.count for r in consultation_reach(store)[0].rows}["45-54"] == "5"
    assert not follow_up_list(store).open
    assert not [e for e in store.audit() if e.subject_kind == "follow-up"]
    # The note went with the record (the store keeps only the entry saying who was erased).
    assert b"Asked for a call" not in (store.folder / "store.json").read_bytes()
